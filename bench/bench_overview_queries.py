"""Every query Översikt runs for the 13-kommun Göteborgsregionen group, uncached (issue 12
point 7): the page is rendered once through Streamlit's AppTest with the group as a shared
link, each ``ui.data.query`` call is recorded, then each recorded query is timed on a fresh
connection ``-n`` times with no cache.

    python bench/bench_overview_queries.py          # needs the warehouse at --warehouse
    python bench/bench_overview_queries.py --warehouse data/warehouse.duckdb

Goal: p95 over the queries under 50 ms, no single query over 10 ms (median of its runs).
Also the CPU time (user+sys) of each query: on a shared machine the wall time is mostly
waiting for a core.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _common import CODE, header

GR = ("1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407")


def record(warehouse: Path) -> list[tuple[str, tuple, tuple]]:
    """The (query name, args, kwargs) of one Översikt render for the group."""
    import os
    import tempfile

    from streamlit.testing.v1 import AppTest

    import ui.data

    os.environ["WAREHOUSE_PATH"] = str(warehouse)
    os.environ["USER_DB_PATH"] = str(Path(tempfile.mkdtemp()) / "user.duckdb")
    calls: list[tuple[str, tuple, tuple]] = []
    real = ui.data._cached
    by_digest = getattr(ui.data, "_cached_by_digest", None)  # queries keyed by a digest

    def recording(name, signature, args, kwargs):
        calls.append((name, args, kwargs))
        return real(name, signature, args, kwargs)

    def recording_by_digest(*args, **kwargs):  # called by position or by keyword
        named = dict(zip(["name", "signature", "digest", "_args", "_kwargs"], args, strict=False))
        named.update(kwargs)
        calls.append((named["name"], named["_args"], named["_kwargs"]))
        return by_digest(*args, **kwargs)

    ui.data._cached = recording
    if by_digest is not None:
        ui.data._cached_by_digest = recording_by_digest
    at = AppTest.from_file(str(CODE / "app.py"), default_timeout=120)
    at.query_params["grupp"] = "Göteborgsregionen"
    at.query_params["medlemmar"] = ",".join(GR)
    at.run()
    assert not at.exception, at.exception
    ui.data._cached = real
    if by_digest is not None:
        ui.data._cached_by_digest = by_digest
    if not calls:
        raise SystemExit("no query was recorded: ui.data's cache functions have changed")
    return calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, default=CODE / "data" / "warehouse.duckdb")
    parser.add_argument("-n", type=int, default=7)
    args = parser.parse_args()
    from warehouse import queries
    from warehouse.db import connect

    calls = record(args.warehouse)
    con = connect(args.warehouse)
    medians = []
    for name, qargs, kwargs in calls:
        runs, cpu = [], []
        for _ in range(args.n):
            cur = con.cursor()
            t0, c0 = time.perf_counter(), time.process_time()
            getattr(queries, name)(cur, *qargs, **dict(kwargs))
            runs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            cur.close()
        medians.append((statistics.median(runs), name, statistics.median(cpu)))
    ms = sorted(m * 1000 for m, _, _ in medians)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(header())
    print(f"Översikt, Göteborgsregionen (13 kommuner): {len(ms)} queries; per-query median of "
          f"{args.n} runs: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max "
          f"{ms[-1]:.1f} ms, total {sum(ms):.0f} ms")
    cpus = sorted(c * 1000 for _, _, c in medians)
    print(f"  CPU (user+sys, the machine is shared): p50 {statistics.median(cpus):.1f} ms, "
          f"p95 {cpus[min(len(cpus) - 1, round(0.95 * (len(cpus) - 1)))]:.1f} ms, max "
          f"{cpus[-1]:.1f} ms")
    for m, name, c in sorted(medians, reverse=True)[:5]:
        print(f"  slowest: {name} {m * 1000:.1f} ms (CPU {c * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
