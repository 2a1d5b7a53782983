"""8 simultaneous Chromium sessions on the running dashboard while the warehouse is rebuilt and
swapped under it (issue 12 point 6): zero errors, data in every view, p50/p95 page times.

    python bench/bench_concurrency.py                 # 8 sessions x 6 views
    python bench/bench_concurrency.py --sessions 16 --views 4

The raw layer comes from ../shared/data (fetched once into /tmp/bench-raw, as
bench/bench_build.py does); the app reads a private warehouse copy in a temporary folder.
A page time is from navigation to Streamlit's run finished with a metric card showing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import header

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--views", type=int, default=6)
    parser.add_argument("--raw", type=Path, default=Path("/tmp/bench-raw"))
    args = parser.parse_args()
    from bench_build import prepare
    from concurrency import run, start_app

    from warehouse.build import build_warehouse

    prepare(args.raw)
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        build_warehouse(args.raw, warehouse)
        proc, url = start_app(warehouse, Path(tmp) / "user.duckdb")
        try:
            out = run(url, args.raw, warehouse, sessions=args.sessions, views=args.views)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    print(header())
    print(f"{args.sessions} simultaneous sessions, {args.views} views each, warehouse rebuilt "
          f"and swapped continuously: {out.summary()}")
    for line in (out.errors + out.no_data + out.swap_errors)[:20]:
        print("  ", line)
    return 1 if out.errors or out.no_data or out.swap_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
