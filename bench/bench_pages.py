"""Page change and filter change times of the dashboard, measured with Streamlit's AppTest.

Runs the app in-process on the warehouse named by WAREHOUSE_PATH (default
data/warehouse.duckdb; build it with ``python -m warehouse refresh --mirror ../shared/data``).
One AppTest session, as one user: the first run of each page warms the caches (reported
apart; then the second kommun once on each page, not reported), then every page is opened
again in turn (a page change: the menu link's query string) and the kommun is changed on each
page (a filter change, between the two kommuner shown before),
``--repeat`` times; and each round, each page is also opened for a kommun it has not shown
before (a view no cache holds: its queries and figures are made then). Reports the median and
the slowest redraw per page, wall and CPU seconds (the machine is shared: CPU time says what
the app itself spent). Goal (issue 9 point 8): within 1 s. AppTest runs the script without a
browser: the time is the server's work (queries, figures), not the drawing in Chromium (see
bench/bench_browser.py for that). Not a test: nothing is enforced. Writes
bench/results/pages.md. A page with tabs is measured tab by tab (its first tab is the page's
own row; every other tab a row "page · flik=tab", opened by its link), since only the open
tab's charts are made. ``BENCH_CODE=/path/to/another/checkout`` times that checkout's app
with this script (A/B pairs against a baseline in one run); ``--out`` writes elsewhere.

    python -m bench.bench_pages [--repeat 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE") or ROOT).resolve()
RESULTS = ROOT / "bench" / "results" / "pages.md"
KOMMUNER = ("0780", "2080")  # Växjö, Falun (Falun has SCB's monthly values in the mirror)
# a kommun each round that no page has shown before: Malmö, Luleå, Jönköping, Uppsala, Umeå
NEW_KOMMUNER = ("1280", "2580", "0680", "0380", "2480")


def _run(at, **params: str) -> tuple[float, float]:
    """Wall and CPU seconds of one script run (AppTest runs it in this process)."""
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed, spent = time.perf_counter() - start, time.process_time() - cpu
    if at.exception:
        raise RuntimeError(f"{params}: {at.exception[0].value}")
    return elapsed, spent



def main(argv: list[str] | None = None) -> None:
    """Measure and write bench/results/pages.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ.setdefault("WAREHOUSE_PATH", str(ROOT / "data" / "warehouse.duckdb"))
    if not Path(os.environ["WAREHOUSE_PATH"]).exists():
        raise SystemExit(f"{os.environ['WAREHOUSE_PATH']} saknas: kör "
                         "`python -m warehouse refresh --mirror ../shared/data` först.")
    os.chdir(CODE)
    sys.path.insert(0, str(CODE))
    from streamlit.testing.v1 import AppTest

    from ui.page_spec import load_pages

    # a view: the page's link, its first tab's; and each further tab's own link
    views = {}
    for page_id, spec in load_pages().items():
        views[page_id] = {"sida": page_id}
        for tab_id, _ in getattr(spec, "tabs", ())[1:]:
            views[f"{page_id} · flik={tab_id}"] = {"sida": page_id, "flik": tab_id}
    pages = list(views)
    at = AppTest.from_file(str(CODE / "app.py"), default_timeout=300)
    load = os.getloadavg()
    first = {p: _run(at, **views[p], kommun=KOMMUNER[0])[0] for p in pages}
    for page in pages:  # the second kommun once on every page, so both have been shown
        _run(at, **views[page], kommun=KOMMUNER[1])
    change: dict[str, list[tuple[float, float]]] = {p: [] for p in pages}
    kommun: dict[str, list[tuple[float, float]]] = {p: [] for p in pages}
    new: dict[str, list[tuple[float, float]]] = {p: [] for p in pages}
    for n in range(args.repeat):
        for page in pages:
            change[page].append(_run(at, **views[page], kommun=KOMMUNER[n % 2]))
            kommun[page].append(_run(at, **views[page], kommun=KOMMUNER[(n + 1) % 2]))
            new[page].append(_run(at, **views[page],
                                  kommun=NEW_KOMMUNER[n % len(NEW_KOMMUNER)]))

    def cell(times: list[tuple[float, float]]) -> str:
        walls, cpus = [t[0] for t in times], [t[1] for t in times]
        return (f"{statistics.median(walls):.2f} / {max(walls):.2f} "
                f"(CPU {statistics.median(cpus):.2f})")

    rows = [f"| {p} | {first[p]:.2f} | {cell(change[p])} | {cell(kommun[p])} | {cell(new[p])} |"
            for p in pages]
    slowest = max(t[0] for v in [*change.values(), *kommun.values()] for t in v)
    slowest_new = max(t[0] for v in new.values() for t in v)
    text = "\n".join([
        "# Page and filter changes (AppTest)",
        "",
        (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other work while measured: load {load[0]:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end), code {CODE}, "
        f"warehouse {os.environ['WAREHOUSE_PATH']}, "
        f"{args.repeat} rounds. Seconds per full script run, median / max (CPU median); "
        "AppTest, no browser drawing."),
        "",
        ("| page | first run (cold caches) | page change | kommun change (kommuner shown "
         "before) | kommun never shown before |"),
        "|---|---|---|---|---|",
        *rows,
        "",
        (f"Slowest redraw of a view shown before: {slowest:.2f} s; of a kommun never shown "
         f"before: {slowest_new:.2f} s (goal: under 1 s)."),
        ""])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
