"""Refresh and query timings on the real mirror: how long an offline refresh and the dashboard's
queries take on this machine. Writes bench/results/refresh.md. Not a test: nothing is enforced.

    python -m bench.bench_refresh
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from warehouse import queries
from warehouse.build import build_warehouse
from warehouse.db import connect
from warehouse.refresh import refresh

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "refresh.md"


def _best(fn, repeat: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> str:
    """Run the timings and return the Markdown table (also written to bench/results)."""
    mirror = ROOT.parent / "shared" / "data"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        raw, target = Path(tmp) / "raw", Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        result = refresh(mirror, raw=raw, target=target, progress=lambda _: None)
        rows.append(("refresh from the mirror (fetch 68 Kolada + SCB datasets, build, swap)",
                     time.perf_counter() - t0, None))
        assert result.built, result.build_message
        best, median = _best(lambda: build_warehouse(raw, target), repeat=3)
        rows.append(("build only (raw -> staging -> marts, swap)", best, median))
        con = connect(target)
        ind = queries.indicator(con, "N31807")
        lan = queries.area(con, "lan:07")
        group = queries.Area("group:gr", "group", "Göteborgsregionen",
                             ("1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462",
                              "1481", "1402", "1415", "1419", "1407"))
        best, median = _best(lambda: queries.area_series(con, ind, lan))
        rows.append(("query: län series (precomputed)", best, median))
        best, median = _best(lambda: queries.area_series(con, ind, group))
        rows.append(("query: 13-kommun user group series (computed on request)", best, median))
        con.close()
    lines = ["# Refresh and query timings", "",
             (f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on "
             f"{platform.python_implementation()} {platform.python_version()}, "
             f"{platform.machine()}, against ../shared/data (real data)."), "",
             *report.timing_rows(rows)]
    return report.write(RESULTS, lines)


if __name__ == "__main__":
    main()
