"""The bottom-left corner of a time chart: the value axis' lowest label ("0,0") and the time
axis' first ("2020") stood in one another on monthly charts (Borlänge's SCB BAS chart on
Arbetslöshet, fixa28). Real series from the mirror's warehouse, drawn by kaleido."""

from __future__ import annotations

import re

import pytest

from warehouse import queries

# a 12 px label's digits stand ~0.72 em above its baseline, the comma of "0,0" ~0.22 em below
DIGIT_HEIGHT, COMMA_DEPTH = 0.72, 0.22


def _corner_labels(svg: str) -> tuple[float, float]:
    """(baseline of the first x tick label, baseline of the lowest y tick label) in the SVG:
    plotly.js writes a tick label's baseline as its text's y plus its translate's y."""
    def baselines(cls: str) -> list[float]:
        found = re.findall(rf'<g class="{cls}"><text[^>]*? y="([-\d.]+)"[^>]*?'
                           r'transform="translate\([-\d.]+,([-\d.]+)\)', svg)
        return [float(y) + float(shift) for y, shift in found]

    return baselines("xtick")[0], max(baselines("ytick"))


@pytest.mark.parametrize(("indicator_id", "width"), [("bas_arbetsloshet", 720),
                                                     ("bas_arbetsloshet", 1280),
                                                     ("bas_arbetsloshet", 390),
                                                     ("N03920", 720)])
def test_the_time_axis_labels_clear_the_value_axis_zero(warehouse, export_browser,
                                                        indicator_id, width):
    """Borlänge's monthly BAS chart (and a yearly one): the first year's label, centred on
    the plot's left edge, starts under the foot of "0,0", centred on the plot's bottom edge,
    with a gap (charts.CORNER_GAP, the x axis' ticklabelstandoff)."""
    import charts
    from exports.images import ImageFormat

    ind = queries.indicator(warehouse, indicator_id)
    borlange = queries.area(warehouse, "kommun:2081")
    fig = charts.time_series([charts.Line(borlange.name,
                                          queries.area_series(warehouse, ind, borlange))],
                             ind, title=f"{ind.label}<br><sup>Borlänge</sup>")
    assert fig.layout.xaxis.ticklabelstandoff == charts.CORNER_GAP
    fmt = ImageFormat("corner", "SVG", "svg", width, int(fig.layout.height), 1,
                      "image/svg+xml", "svg")
    svg = export_browser.figure_image(fig, fmt).decode("utf-8")
    first_year, zero = _corner_labels(svg)
    gap = (first_year - DIGIT_HEIGHT * charts.TICK_SIZE) - (zero + COMMA_DEPTH * charts.TICK_SIZE)
    assert gap >= 2, (first_year, zero)
