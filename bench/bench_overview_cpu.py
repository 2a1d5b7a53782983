"""Översikt's server-side CPU in one fresh process (AppTest, no browser): importing the app and
its first run for Växjö (the cold start's server part), then kommun changes, the first time
and again (issue 12 point 7). CPU time (user+sys) beside wall time: on a shared machine the
wall time is mostly waiting for a core. Run it alternately on two checkouts for a before/after:

    python bench/bench_overview_cpu.py --warehouse W [--code DIR] [--runs 3]

``--code`` times another checkout (e.g. ``git archive <commit> | tar -x -C DIR``); each run is
a new process, so every run is a cold start. Not a test: nothing is enforced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Växjö (no SCB BAS rows in the mirror), Falun (has them), Malmö; each shown, then again
STEPS = ("0780", "2080", "0780", "2080", "1280", "0780", "1280")
CHILD = """
import os, sys, time
code = sys.argv[1]; os.chdir(code); sys.path.insert(0, code)
c0, w0 = time.process_time(), time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(code + "/app.py", default_timeout=300)
out = []
for i, k in enumerate(sys.argv[2].split(",")):
    at.query_params.clear(); at.query_params["kommun"] = k
    c, w = time.process_time(), time.perf_counter()
    at.run()
    assert not at.exception, at.exception
    out.append((time.perf_counter() - w, time.process_time() - c))
    if i == 0:
        out.append((time.perf_counter() - w0, time.process_time() - c0))
print("RESULT", repr(out))
"""


def one_run(code: Path, warehouse: Path) -> list[tuple[float, float]]:
    """(wall, cpu) of: the first run, import + first run, then each later step."""
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse),
           "USER_DB_PATH": str(Path(tempfile.mkdtemp()) / "user.duckdb")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(code), ",".join(STEPS)], env=env,
                          capture_output=True, text=True, check=True, cwd=code)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return eval(line[len("RESULT "):], {})  # our own child's repr of floats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.code.resolve(), args.warehouse.resolve()) for _ in range(args.runs)]
    labels = ["first run (Växjö)", "import + first run", "Falun, first time", "Växjö again",
              "Falun again", "Malmö, first time", "Växjö again", "Malmö again"]
    print(f"{args.code.resolve()}, load {os.getloadavg()[0]:.1f}, {args.runs} processes; "
          "median wall / CPU seconds")
    for i, label in enumerate(labels):
        walls, cpus = [r[i][0] for r in runs], [r[i][1] for r in runs]
        print(f"  {label:20s} {statistics.median(walls):6.2f} / {statistics.median(cpus):5.2f}")


if __name__ == "__main__":
    main()
