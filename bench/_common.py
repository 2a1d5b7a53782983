"""Shared bits of the benches run as files (``python bench/bench_x.py``): which code to time and
how to print figures.

``BENCH_CODE=/path/to/another/checkout`` times that checkout's code with the same bench script
(how bench/results.md pairs today's code with the baseline, side by side in one run).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE") or HERE).resolve()
MIRROR = HERE.parent / "shared" / "data"
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))
os.chdir(CODE)


def stats(times: list[float]) -> str:
    """min / median / max in milliseconds."""
    ms = [t * 1000 for t in times]
    return f"min {min(ms):.1f} ms, median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def header() -> str:
    """Machine, versions, date and load: the line every bench prints first."""
    import duckdb
    import pandas

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{datetime.now(UTC).isoformat(timespec='seconds')} {platform.node()} "
            f"{os.cpu_count()} cpu, load {load}; CPython {platform.python_version()}, "
            f"duckdb {duckdb.__version__}, pandas {pandas.__version__}; code {CODE}")


def exit_as_the_cli() -> None:
    """End as ``python -m warehouse`` ends in the timed code (``warehouse.cli.before_exit``,
    where that code has it), so a whole-process timer sees the command's own exit."""
    try:
        from warehouse.cli import before_exit
    except ImportError:  # a baseline without it exits as it always did
        return
    before_exit()
