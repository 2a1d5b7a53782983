"""Karta, ranking and peer-search timings on the real mirror (issue 10's speed goals). Writes
bench/results/map.md. Not a test: nothing is enforced.

    python -m bench.bench_map

Goals: the map of 290 kommuner redraws on an indicator change within 1 s (server: queries,
classes, figure, JSON; browser: plotly.js drawing the figure in headless Chromium);
the ranking of 290 and the peer search over 290 kommuner x 20 variables within 200 ms.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import charts_map
from bench import report
from tests.test_browser_map import DRAWN
from transforms import map_classes, peers, ranking
from transforms.geometry import build_geometry
from warehouse import queries
from warehouse.db import connect
from warehouse.refresh import refresh

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "map.md"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _best(fn, repeat: int = 5) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def map_figure(con, indicator_id: str):
    """What Karta does server-side on an indicator change (kommun layer, all of Sweden)."""
    ind = queries.indicator(con, indicator_id)
    period = queries.indicator_periods(con, ind)[-1]
    values = queries.map_kommun_values(con, ind, period)
    values = values.assign(area_id="kommun:" + values["kommun_code"],
                           area_name=values["kommun_name"])
    ranked = ranking.rank_values(values[["kommun_code", "value"]].dropna(), ind.better)
    values = values.merge(ranked[["kommun_code", "place", "of"]], on="kommun_code", how="left")
    shapes = queries.area_geometry(con, "kommun")
    classes = map_classes.quantile_classes(values["value"], decimals=ind.decimals,
                                           unit=ind.short_unit)
    hover = charts_map.hover_texts(values, ind)
    fig = charts_map.choropleth(values, shapes, classes, ind, title=ind.label, source="källa",
                                hover=hover, borders=queries.area_geometry(con, "lan"))
    return fig.to_json()


def app_redraw(warehouse: Path, n_shapes: int = 290, *, code: Path = ROOT,
               rounds: int = 2) -> dict | None:
    """Seconds from picking another indicator on Karta in headless Chromium until the new map
    is drawn (the Streamlit rerun, the figure sent, plotly.js drawing it), over
    ``rounds`` x 3 indicator changes with the app's code from ``code`` (another checkout for a
    before/after); None without Chromium or Playwright.

    Returns best and median total, the median time until the figure's websocket message
    arrived (the server's part; a message the browser has cached arrives as a short
    reference and is not counted) and the figure message's size in kB."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse),
           "USER_DB_PATH": str(warehouse.with_name("user.duckdb"))}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times, arrived, sizes, frames = [], [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda p: frames.append((time.perf_counter(), len(p or "")))))
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}/?sida=karta&kommun=0780")
                    break
                except Exception:  # noqa: BLE001 (the server is still starting)
                    time.sleep(0.5)
            drawn = f"() => {{ const d = ({DRAWN})(); return d && d.shapes === {n_shapes}; }}"
            page.wait_for_function(drawn, timeout=120_000)
            for kpi in ("N31807", "N03921", "N03920") * rounds:
                before = page.evaluate(f"({DRAWN})()")["key"]
                picker = page.get_by_role("combobox", name="Nyckeltal")
                picker.click()
                picker.fill(kpi)
                frames.clear()
                t0 = time.perf_counter()
                picker.press("Enter")
                page.wait_for_function(
                    f"b => {{ const d = ({DRAWN})(); return d && d.shapes === {n_shapes} "
                    f"&& d.key !== b; }}", arg=before, polling="raf", timeout=60_000)
                times.append(time.perf_counter() - t0)
                big = [(t, n) for t, n in frames if n > 50_000]
                if big:
                    arrived.append(big[-1][0] - t0)
                    sizes.append(big[-1][1] / 1024)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {"best": min(times), "median": statistics.median(times),
            "arrived": statistics.median(arrived) if arrived else None,
            "kb": statistics.median(sizes) if sizes else None}


DRAW_JS = """async (fig) => {
  const gd = document.getElementById('g');
  const t0 = performance.now();
  Plotly.purge(gd);
  await Plotly.newPlot(gd, fig.data, fig.layout, fig.config || {});
  const sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (sub) {  // MapLibre (Karta before): until the map is idle
    await new Promise(r => { sub.map.once('idle', r); sub.map.triggerRepaint(); });
  } else {  // SVG: until the next frame is painted
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
  return (performance.now() - t0) / 1000;
}"""


def figure_json(warehouse: Path, indicator_id: str, code: Path = ROOT) -> str:
    """``map_figure``'s JSON made by the code in ``code`` (a subprocess there, so a baseline
    checkout makes its own figure)."""
    script = ("import sys; from warehouse.db import connect; from bench.bench_map import "
              f"map_figure; sys.stdout.write(map_figure(connect({str(warehouse)!r}, "
              f"read_only=True), {indicator_id!r}))")
    done = subprocess.run([sys.executable, "-c", script], cwd=code, capture_output=True,
                          text=True, check=True)
    return done.stdout


def browser_draw(figures: dict[str, str], repeat: int = 6) -> dict[str, list[float]] | None:
    """Seconds plotly.js takes to draw each figure from scratch (Plotly.newPlot
    until the map is idle) in a bare page in headless Chromium, the figures taken in turn
    ``repeat`` times: what the browser does on each Karta rerun, without Streamlit. plotly.js
    is the plotly package's own file; nothing is fetched."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    import plotly

    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    times: dict[str, list[float]] = {name: [] for name in figures}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_file = Path(tmp) / "kartan.html"
        page_file.write_text(f'<html><body><script src="{bundle.as_uri()}"></script>'
                             '<div id="g" style="width:1200px;height:800px"></div></body></html>')
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu",
                                           "--allow-file-access-from-files"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(page_file.as_uri())
        page.wait_for_function("() => window.Plotly")
        parsed = {name: json.loads(text) for name, text in figures.items()}
        for fig in parsed.values():  # a geo map's topojson from a data: URL, as on the page
            fig["config"] = charts_map.PLOTLY_CONFIG
        page.evaluate(DRAW_JS, next(iter(parsed.values())))  # warm up
        for _ in range(repeat):
            for name, fig in parsed.items():
                times[name].append(page.evaluate(DRAW_JS, fig))
        browser.close()
    return times


def peer_search(con, ids: list[str]) -> pd.DataFrame:
    """Liknande kommuner over ``ids`` (numeric) + kommungrupp, for Växjö."""
    variables = [peers.Variable(v, v, 1.0, peers.variable_kind(v)) for v in ids]
    variables.append(peers.Variable(peers.CATEGORY, "grupp", 1.0, "category"))
    long = queries.peer_values(con, ids, 2022, min_reporting=200)
    table = long.pivot(index="kommun_code", columns="indicator_id", values="value")
    table = table.join(queries.kommungrupp_of(con).set_index("kommun_code")[
        "kommungrupp_code"].rename(peers.CATEGORY)).reset_index()
    return peers.nearest(peers.distances(table, "0780", variables), 10)


def _redraw_rows(target: Path, baseline: Path | None) -> list[tuple]:
    """The browser rows: this checkout, and with ``baseline`` (another checkout of the code)
    the two alternated, baseline first, so both see the same machine."""
    what = ("Karta in headless Chromium: another indicator picked until the new 290 shapes "
            "are drawn (rerun + figure + draw)")
    runs = [("före", baseline), ("efter", ROOT)] * 2 if baseline else [("", ROOT)]
    found: dict[str, list[dict]] = {}
    for label, code in runs:
        drawn = app_redraw(target, code=code)
        if drawn is not None:
            found.setdefault(label, []).append(drawn)
    rows = []
    for label, results in found.items():
        best = min(r["best"] for r in results)
        median = statistics.median(r["median"] for r in results)
        arrived = [r["arrived"] for r in results if r["arrived"] is not None]
        sizes = [r["kb"] for r in results if r["kb"] is not None]
        detail = (f"; figure message {statistics.median(sizes):.0f} kB, arrived after "
                  f"{statistics.median(arrived):.2f} s (median)" if arrived else "")
        name = f"{what}{detail}" + (f" [{label}: {code_name(baseline if label == 'före' else ROOT)}]"
                                    if label else "")
        rows.append((name, best, median))
    return rows


def code_name(code: Path) -> str:
    """The commit a checkout is at (or its folder name)."""
    done = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or code.name


def main(warehouse: Path | None = None, baseline: Path | None = None) -> str:
    """Run the timings and return the Markdown table (also written to bench/results).

    ``warehouse``: an already built warehouse (else one is refreshed from the mirror);
    ``baseline``: another checkout whose Karta is timed alternately with this one."""
    mirror = ROOT.parent / "shared" / "data"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        raw, target = Path(tmp) / "raw", Path(tmp) / "warehouse.duckdb"
        if warehouse is not None:
            target = warehouse
        else:
            result = refresh(mirror, raw=raw, target=target, progress=lambda _: None)
            assert result.built, result.build_message
        con = connect(target, read_only=True)
        members = con.execute("select area_id, kommun_code from marts.area_member").df()
        codes = set(queries.kommuner(con)["kommun_code"])
        best, median, shapes = _best(lambda: build_geometry(members, codes), repeat=3)
        rows.append(("build: simplify 290 kommuner, dissolve 148 län/LA/FA", best, median))
        size = shapes.loc[shapes["area_kind"] == "kommun", "geojson"].str.len().sum()
        for kpi in ("N03920", "N31807"):
            best, median, fig = _best(lambda k=kpi: map_figure(con, k))
            rows.append((f"map server side, {kpi}: queries + classes + figure + JSON "
                         + f"({len(fig) // 1024} kB)", best, median))
        figures = {"": figure_json(target, "N31807")}
        if baseline is not None:
            figures = {"före": figure_json(target, "N31807", baseline), "efter": figures[""]}
        drawn = browser_draw(figures)
        for label, times in (drawn or {}).items():
            code = baseline if label == "före" else ROOT
            rows.append(("browser only: plotly.js draws the N31807 map from scratch "
                         f"({len(figures[label]) // 1024} kB)"
                         + (f" [{label}: {code_name(code)}]" if label else ""),
                         min(times), statistics.median(times)))
        rows += _redraw_rows(target, baseline)
        ind = queries.indicator(con, "N03920")
        best, median, _ = _best(lambda: ranking.rank_values(
            queries.kommun_values(con, ind, "2022"), ind.better))
        rows.append(("ranking of 290 kommuner (query + rank)", best, median))
        candidates = [i for i in peers.peer_candidates(queries.indicators(con))
                      if i != peers.CATEGORY][:19]
        best, median, _ = _best(lambda: peer_search(con, candidates))
        rows.append((f"peer search, 290 kommuner x {len(candidates) + 1} variables "
                     + "(query + distances)", best, median))
        con.close()
    lines = ["# Karta, ranking and peer-search timings", "",
             (f"Run {datetime.now(UTC).isoformat(timespec='seconds')} on "
              f"{platform.python_implementation()} {platform.python_version()}, "
              f"{platform.machine()}, {os.cpu_count()} cores, against ../shared/data (real "
              f"data). Kommun shapes: {size // 1024} kB of GeoJSON."), "",
             f"Load average at the end: {os.getloadavg()[0]:.1f} (1 min).", "",
             "Goals (issue 10): map redraw < 1 s; ranking and peer search < 0,2 s.", "",
             *report.timing_rows(rows)]
    return report.write(RESULTS, lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a built warehouse (skip the refresh)")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (e.g. `git worktree add /tmp/base main`): its "
                             "Karta is timed alternately with this one's")
    args = parser.parse_args()
    main(args.warehouse, args.baseline)
