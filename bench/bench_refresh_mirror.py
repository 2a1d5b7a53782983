"""A whole refresh from the mirror as `python -m warehouse refresh --mirror` runs it: the replay
server, every source's fetch into a new raw layer, the build and the swap (issue 12 point 7).

    python bench/bench_refresh_mirror.py          # 3 refreshes, each into a new folder
    python bench/bench_refresh_mirror.py --once   # one (for a whole-process timer)

Real clock as in production (no FakeClock passed). Goal: under 5 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import MIRROR, header, peak_rss_mb, stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", action="store_true")
    parser.add_argument("-n", type=int, default=3)
    args = parser.parse_args()
    from warehouse.refresh import refresh

    times = []
    for _ in range(1 if args.once else args.n):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = refresh(MIRROR, raw=Path(tmp) / "raw", target=Path(tmp) / "w.duckdb",
                             progress=lambda _: None)
            times.append(time.perf_counter() - t0)
            assert result.built, result.build_message
    print(header())
    print(f"refresh from the mirror (fetch, build, swap): {stats(times)}; "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
