"""The dashboard in real Chromium: cold start, kommun change and page change, against a
one-chart Streamlit app measured in the same run (issue 12 point 7, issue 9 point 8).

Both apps are served by ``streamlit run`` on 127.0.0.1 from the repository root (same
.streamlit/config.toml, same flags, same warehouse) and driven by Playwright with Debian's
Chromium (``/usr/bin/chromium``, or CHROMIUM_PATH). Measured:

- cold start: from starting the server process to the first chart drawn (plotly's svg holds a
  trace) in a fresh browser context, the dashboard's start page for Växjö against the
  one-chart app (bench/one_chart_app.py), interleaved A B A B, ``--runs`` each; the ratio is
  taken pair by pair. Goal: at most 1.2×.
- kommun change on Översikt: from pressing Enter in the Kommun picker to the page's heading
  naming the new kommun, the run finished and every chart drawn. Twice per kommun: the first
  time a kommun is shown in that server process, and again later (its view cached). Goal:
  median under 0.4 s.
- page change: a click on a menu link (Översikt → Arbetslöshet, Försörjningsstöd, Nyanlända:
  the pages with most charts, each its first tab) until its heading, the run finished and
  every chart drawn; the first change to a page shows the kommun there for the first time
  (reported apart), the later ones are views shown before. Goal: within 1 s.

The warehouse: WAREHOUSE_PATH, or ``--warehouse``; when missing, one is built from the mirror
(``../shared/data``) into a temporary folder first. ``--code DIR`` serves the dashboard from
another checkout (e.g. ``git archive <commit> | tar -x -C DIR``) for a before/after; the
one-chart app always comes from this one. Not a test: nothing is enforced. Writes
bench/results/browser.md (``--out`` for another file).

    python -m bench.bench_browser [--runs 5] [--changes 6] [--code DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.report import write

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "browser.md"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DASHBOARD, BASELINE = "app.py", "bench/one_chart_app.py"
START = "/?kommun=0780"  # the start page (Översikt) for Växjö
# kommun changes on Översikt: (name typed, kommun) in turn; each is shown twice per server
KOMMUNER = ("Falun", "Malmö", "Luleå", "Jönköping", "Uppsala", "Umeå", "Kiruna", "Ystad")
# page changes from Översikt: the menu label and the page's heading
PAGES = (("Arbetslöshet", "Arbetslöshet"), ("Försörjningsstöd", "Försörjningsstöd"),
         ("Nyanlända och utrikes födda", "Nyanlända och utrikes födda"))
DRAWN = ".main-svg .trace, .maplibregl-canvas"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CODE = {DASHBOARD: ROOT, BASELINE: ROOT}  # the checkout each app is served from


@contextmanager
def serve(script: str, warehouse: Path, user_db: Path):
    """``streamlit run script`` on a free port of 127.0.0.1; yields (url, start time)."""
    port = _free_port()
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse), "USER_DB_PATH": str(user_db)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=CODE[script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.perf_counter() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{script} did not start") from None
                time.sleep(0.02)
        yield url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _context(browser):
    return browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 800})


def _settled(pg, timeout: float = 120_000) -> None:
    """The script run has finished and every chart on the page has drawn."""
    pg.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        timeout=timeout)
    charts = pg.locator('[data-testid="stPlotlyChart"]')
    for n in range(charts.count()):
        charts.nth(n).locator(DRAWN).first.wait_for(state="attached", timeout=timeout)


def cold_start(browser, script: str, warehouse: Path, user_db: Path, path: str) -> float:
    """Seconds from starting the server to the first chart drawn in a fresh context."""
    with serve(script, warehouse, user_db) as (url, started):
        context = _context(browser)
        try:
            pg = context.new_page()
            pg.goto(url + path, wait_until="commit")
            pg.locator(f'[data-testid="stPlotlyChart"] {DRAWN.split(",")[0]}').first.wait_for(
                state="attached", timeout=120_000)
            return time.perf_counter() - started
        finally:
            context.close()


def _heading(pg, text: str) -> None:
    pg.get_by_role("heading", name=text).first.wait_for(timeout=120_000)


def kommun_changes(browser, warehouse: Path, user_db: Path, n: int
                   ) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """Kommun changes on Översikt (first view of each kommun, then the same views again) and
    page changes Översikt → each of PAGES (the first one to a page: the kommun's first view
    there), in one server and one browser page."""
    first: list[float] = []
    again: list[float] = []
    pages: dict[str, list[float]] = {title: [] for title, _ in PAGES}
    names = KOMMUNER[:n]
    with serve(DASHBOARD, warehouse, user_db) as (url, _):
        context = _context(browser)
        try:
            pg = context.new_page()
            pg.goto(url + START)
            _heading(pg, "Översikt – Växjö")
            _settled(pg)
            for times in (first, again):
                for name in names:
                    picker = pg.get_by_role("combobox", name="Kommun")
                    picker.click()
                    picker.fill(name)
                    pg.get_by_role("option", name=name, exact=True).wait_for()
                    start = time.perf_counter()
                    picker.press("Enter")
                    _heading(pg, f"Översikt – {name}")
                    _settled(pg)
                    times.append(time.perf_counter() - start)
            name = names[-1]
            for _ in range(n):
                for title, heading in PAGES:  # from Översikt each time
                    start = time.perf_counter()
                    _to(pg, title, f"{heading} – {name}")
                    pages[title].append(time.perf_counter() - start)
                    _to(pg, "Översikt", f"Översikt – {name}")
        finally:
            context.close()
    return first, again, pages


def _to(pg, title: str, heading: str) -> None:
    """Click the menu link ``title`` and wait for its page drawn."""
    pg.locator('section[data-testid="stSidebar"] a', has_text=title).first.click()
    _heading(pg, heading)
    _settled(pg)


def _stats(times: list[float]) -> str:
    return (f"{min(times):.2f} / **{statistics.median(times):.2f}** / {max(times):.2f}")


def _warehouse(arg: str | None) -> Path:
    path = Path(arg or os.environ.get("WAREHOUSE_PATH") or ROOT / "data" / "warehouse.duckdb")
    if path.exists():
        return path
    built = Path(tempfile.mkdtemp(prefix="bench-browser-")) / "warehouse.duckdb"
    print(f"{path} saknas: bygger {built} från {MIRROR} …", flush=True)
    subprocess.run([sys.executable, "-m", "warehouse", "refresh", "--mirror", str(MIRROR)],
                   cwd=ROOT, check=True, env={**os.environ, "WAREHOUSE_PATH": str(built),
                                              "RAW_DIR": str(built.parent / "raw")})
    return built


def main(argv: list[str] | None = None) -> None:
    """Measure and write bench/results/browser.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each app")
    parser.add_argument("--changes", type=int, default=6, help="kommun and page changes")
    parser.add_argument("--warehouse", help="warehouse file (default: WAREHOUSE_PATH)")
    parser.add_argument("--code", type=Path, help="serve the dashboard from this checkout")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    if args.code:
        CODE[DASHBOARD] = args.code.resolve()
    from playwright.sync_api import sync_playwright

    warehouse = _warehouse(args.warehouse)
    user_db = Path(tempfile.mkdtemp(prefix="bench-browser-user-")) / "user.duckdb"
    load = os.getloadavg()[0]
    cold: dict[str, list[float]] = {DASHBOARD: [], BASELINE: []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            cold_start(browser, BASELINE, warehouse, user_db, "/")  # warm-up: OS file cache
            for run in range(args.runs):
                order = (DASHBOARD, BASELINE) if run % 2 == 0 else (BASELINE, DASHBOARD)
                for script in order:
                    path = START if script == DASHBOARD else "/"
                    cold[script].append(cold_start(browser, script, warehouse, user_db, path))
                    print(f"cold start {script}: {cold[script][-1]:.2f} s", flush=True)
            first, again, pages = kommun_changes(browser, warehouse, user_db, args.changes)
        finally:
            browser.close()
    ratios = [a / b for a, b in zip(cold[DASHBOARD], cold[BASELINE], strict=True)]
    lines = [
        "# The dashboard in Chromium (cold start, kommun change, page change)",
        "",
        (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores "
         f"(shared with other work: load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at "
         f"the end); dashboard from {CODE[DASHBOARD]}; warehouse {warehouse}; Chromium "
         f"{CHROMIUM} through Playwright. "
         "Seconds, min / **median** / max."),
        "",
        "| what | runs | dashboard | one-chart app, same run | ratio (pair by pair) | goal |",
        "|---|---:|---|---|---|---|",
        (f"| cold start: server start → first chart drawn | {args.runs} | "
         f"{_stats(cold[DASHBOARD])} | {_stats(cold[BASELINE])} | {_stats(ratios)} | "
         "≤ 1.2× |"),
        (f"| kommun change on Översikt, a kommun shown for the first time | {len(first)} | "
         f"{_stats(first)} | | | median < 0.4 s |"),
        (f"| kommun change on Översikt, a kommun shown before | {len(again)} | "
         f"{_stats(again)} | | | median < 0.4 s |"),
        *(f"| page change Översikt → {title} (menu link): first view of the kommun there "
          f"/ views shown before | 1 / {len(times) - 1} | {times[0]:.2f} / "
          f"{_stats(times[1:]) if len(times) > 1 else '–'} | | | < 1 s |"
          for title, times in pages.items()),
        "",
    ]
    write(args.out, lines)


if __name__ == "__main__":
    main()
