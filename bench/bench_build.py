"""Warehouse build from the full mirror: raw -> staging -> marts -> swap (issue 12 point 7).

    python bench/bench_build.py            # prepares /tmp/bench-raw once, then builds 5 times
    python bench/bench_build.py --once     # one build (for a whole-process timer: wall, RSS)

The raw layer is fetched once from ../shared/data through the replay server into
``--raw`` (default /tmp/bench-raw, reused when there); each run builds a new warehouse file
from it, as a refresh's build step does. Goal: under 3 s and 300 MB peak RSS.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import MIRROR, exit_as_the_cli, header, peak_rss_mb, stats


def prepare(raw: Path) -> None:
    """Fetch the raw layer once (virtual clock: no real waiting)."""
    if (raw / ".complete").exists():
        return
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    with tempfile.TemporaryDirectory() as tmp:
        result = refresh(MIRROR, raw=raw, target=Path(tmp) / "w.duckdb",
                         progress=lambda _: None, clock=FakeClock())
    assert result.built, result.build_message
    (raw / ".complete").touch()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=Path("/tmp/bench-raw"))
    parser.add_argument("--once", action="store_true")
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    prepare(args.raw)
    from warehouse.build import build_warehouse

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(1 if args.once else args.n):
            target = Path(tmp) / "warehouse.duckdb"
            target.unlink(missing_ok=True)  # a first build (no previous log or revisions)
            t0 = time.perf_counter()
            build_warehouse(args.raw, target)
            times.append(time.perf_counter() - t0)
    print(header())
    print(f"build from the full mirror's raw layer: {stats(times)}; "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
    exit_as_the_cli()
