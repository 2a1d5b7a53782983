"""Time of chart image exports and of the meeting deck, on the warehouse at WAREHOUSE_PATH
(default data/warehouse.duckdb; build it with ``python -m warehouse refresh --mirror
../shared/data``). Not a test: nothing is enforced. Writes bench/results/exports.md.

- cold export: the first PNG in a fresh process, starting the export browser (Debian's
  Chromium through kaleido 1.x);
- warm export: a new figure each time (a changed title, so the cache does not answer) in the
  running browser, PNG 16:9, SVG and PDF; figures are built before timing, so this is the
  export alone; goal under 0,3 s;
- cached: the same figure again;
- deck: Samordningsförbundet Värend, 8 indicators = 10 slides, PowerPoint and PDF through
  LibreOffice; goal under 5 s; and the same size with SCB BAS's months first (Falun,
  2020–2026: 76 months per line in the native chart).

    python -m bench.bench_exports
"""

from __future__ import annotations

import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import config
from warehouse import queries
from warehouse.db import connect

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "exports.md"
VAREND = queries.Area("group:samordningsforbundet-varend", "group",
                      "Samordningsförbundet Värend", ("0764", "0763", "0780"))
DECK_INDICATORS = ["N03920", "N03921", "N03926", "N31807", "U31804", "N02797", "N31816",
                   "N31848"]


def _figure(con, title: str):
    import charts

    ind = queries.indicator(con, "N03920")
    lines = [charts.Line(area.name, queries.area_series(con, ind, area), role)
             for area, role in ((VAREND, "focus"), (queries.area(con, "lan:07"), "lan"),
                                (queries.area(con, "riket"), "riket"))]
    return charts.time_series(lines, ind, title=title, computed_note="Områden: vägt.")


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _deck_times(con, area, indicators: list[str], start: int, end: int
                ) -> tuple[int, list[float], list[float]]:
    """Three deck builds: the slide count (title + indicators + definitions) and the seconds
    of each PowerPoint build and each PDF conversion."""
    from exports import deck

    pptx_times, pdf_times = [], []
    for _ in range(3):
        started = time.perf_counter()
        pptx, _, plan = deck.build(con, area, indicators, start, end, pdf=False)
        pptx_times.append(time.perf_counter() - started)
        pdf_times.append(_timed(lambda pptx=pptx: deck.pptx_to_pdf(pptx)))
    return 1 + len(plan.slides) + 1, pptx_times, pdf_times


def main() -> None:
    """Run the measurements and write the table."""
    from exports import images

    con = connect(config.warehouse_path(), read_only=True)
    rows = []
    cold = _timed(lambda: images.figure_image(_figure(con, "Kall export"), "png169"))
    rows.append(("Första PNG 16:9 (startar webbläsaren)", cold, "–"))
    for fmt in ("png169", "svg", "pdf"):
        figures = [_figure(con, f"Varm export {fmt} {i}") for i in range(10)]  # not timed
        times = [_timed(lambda fig=fig, fmt=fmt: images.figure_image(fig, fmt))
                 for fig in figures]
        rows.append((f"Varm export {images.FORMATS[fmt].label} (median av 10)",
                     statistics.median(times), "< 0,3 s"))
    same = _figure(con, "Varm export png169 0")
    rows.append(("Samma figur igen (cache)",
                 _timed(lambda: images.figure_image(same, "png169")), "–"))
    images.stop()
    slides, pptx_times, pdf_times = _deck_times(con, VAREND, DECK_INDICATORS, 2015, 2022)
    rows.append((f"Mötesunderlag, {slides} bilder: PowerPoint (median av 3)",
                 statistics.median(pptx_times), "–"))
    rows.append((f"Mötesunderlag, {slides} bilder: PowerPoint + PDF (median av 3)",
                 statistics.median(p + q for p, q in zip(pptx_times, pdf_times, strict=True)),
                 "< 5 s"))
    falun = queries.area(con, "kommun:2080")  # a monthly slide: SCB BAS's months in a chart
    monthly = ["bas_arbetsloshet", *DECK_INDICATORS[:7]]
    slides, pptx_times, pdf_times = _deck_times(con, falun, monthly, 2020, 2026)
    rows.append(((f"Mötesunderlag med SCB BAS per månad (Falun 2020–2026), {slides} "
                  f"bilder: PowerPoint + PDF (median av 3)"),
                 statistics.median(p + q for p, q in zip(pptx_times, pdf_times, strict=True)),
                 "< 5 s"))
    lines = [
        "# Exports: chart images and the meeting deck",
        "",
        (f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()}); the machine may have "
        "been shared with other jobs."),
        "",
        "| Mätning | Tid (s) | Mål |",
        "|---|---:|---|",
        *[f"| {name} | {seconds:.3f} | {goal} |" for name, seconds, goal in rows],
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
