"""Our json-stat2 decoder against pyjstat: same values, and how much faster.

Two bodies: the real TAB6471 response from ``../shared/data/scb_v2`` (2 772 cells), and a
hand-made 150 000-cell body built here (``HANDMADE_150K``; never written to disk) with null
values and status symbols, the size of one maximal PxWebApi call. Prints a table and writes
it to ``bench/results/jsonstat.md``. Run: ``python -m bench.bench_jsonstat``.
``BENCH_CODE=/path/to/another/checkout`` times that checkout's decoder with this script (a
baseline in the same run, as the other benches do).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE") or ROOT).resolve()  # whose decoder is timed
sys.path.insert(0, str(CODE))

from transforms.jsonstat import decode

SHARED = ROOT.parent / "shared" / "data"
REAL_BODY = SHARED / "scb_v2" / "tables" / "TAB6471" / "data.json"
RESULTS = ROOT / "bench" / "results" / "jsonstat.md"
GOAL = 30.0  # issue 12 point 7: at least 30x pyjstat on 150 000 cells


def handmade_150k_body() -> str:
    """HANDMADE_150K: 250 regions x 12 ages x 50 months = 150 000 cells, 1 % null with '..'."""
    rng = np.random.default_rng(20261122)
    regions = [f"{i:04d}" for i in range(1, 251)]
    ages = [f"{a}-{a + 4}" for a in range(0, 60, 5)]
    months = [f"{2022 + m // 12}M{m % 12 + 1:02d}" for m in range(50)]
    n = len(regions) * len(ages) * len(months)
    values: list[float | None] = rng.integers(0, 100_000, n).astype(float).tolist()
    missing = rng.choice(n, n // 100, replace=False)
    for i in missing:
        values[int(i)] = None

    def dim(label: str, codes: list[str]) -> dict:
        return {"label": label, "category": {"index": {c: i for i, c in enumerate(codes)},
                                             "label": {c: f"{label} {c}" for c in codes}}}

    body = {"version": "2.0", "class": "dataset", "label": "HANDMADE_150K (bench only)",
            "source": "hand-made", "id": ["Region", "Alder", "ContentsCode", "Tid"],
            "size": [len(regions), len(ages), 1, len(months)],
            "dimension": {"Region": dim("region", regions), "Alder": dim("ålder", ages),
                          "ContentsCode": dim("tabellinnehåll", ["HM0001"]),
                          "Tid": dim("månad", months)},
            "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "value": values, "status": {str(int(i)): ".." for i in missing}}
    return json.dumps(body)


def pyjstat_decode(text: str) -> pd.DataFrame:
    """pyjstat's path from json-stat2 text to a frame with category codes."""
    from pyjstat import pyjstat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyjstat.Dataset.read(text).write("dataframe", naming="id")


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def same_values(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Assert both decoders give the same codes and values, cell for cell."""
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for dim in ours.attrs["dims"]:
        assert (ours[dim].to_numpy(dtype=object) == theirs[dim].astype(str).to_numpy(
            dtype=object)).all(), dim
    theirs_values = pd.to_numeric(theirs["value"], errors="coerce").to_numpy(dtype=float)
    np.testing.assert_array_equal(ours["value"].to_numpy(), theirs_values)


def run(repeat: int = 5) -> list[dict]:
    """Time both decoders on both bodies; return one result row per body."""
    bodies = {"TAB6471 (real, 2 772 cells)": REAL_BODY.read_text("utf-8"),
              "HANDMADE_150K (hand-made, 150 000 cells)": handmade_150k_body()}
    rows = []
    for name, text in bodies.items():
        ours, theirs = decode(text), pyjstat_decode(text)
        same_values(ours, theirs)
        t_ours = best_of(lambda t=text: decode(t), repeat)
        t_theirs = best_of(lambda t=text: pyjstat_decode(t), max(2, repeat // 2))
        rows.append({"body": name, "cells": len(ours), "ours_ms": t_ours * 1000,
                     "pyjstat_ms": t_theirs * 1000, "ratio": t_theirs / t_ours})
    return rows


def report(rows: list[dict]) -> str:
    """The results as a Markdown table, with the goal and the machine."""
    run_on = (f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on "
              f"{platform.python_implementation()} {platform.python_version()}, "
              f"{platform.machine()}; decoder from {CODE}; best of several runs; same values "
              "asserted. "
              f"Goal: ours at least {GOAL:.0f}x faster.")
    lines = ["# json-stat2 decoder: ours vs pyjstat", "", run_on, "",
             "| body | cells | ours (ms) | pyjstat (ms) | speed ratio |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        mark = "" if r["ratio"] >= GOAL else " (below goal)"
        lines.append(f"| {r['body']} | {r['cells']:,} | {r['ours_ms']:.1f} | "
                     f"{r['pyjstat_ms']:.1f} | {r['ratio']:.1f}x{mark} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run, print and write the results; exit 1 when values differ (the assert raises)."""
    text = report(run())
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
