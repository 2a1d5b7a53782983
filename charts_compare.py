"""Figures of Jämför and Liknande kommuner. Never imports streamlit.

Up to 12 areas on one time-series chart need 12 colours a reader can tell apart: the first
area keeps charts.py's strong focus blue, the others take colours of the Okabe–Ito and Tol
colour-blind safe palettes in an order where each next colour is the farthest (CIEDE2000, in
normal vision and simulated deuteranopia) from those before it and from Riket's dark grey.
Walk28: Ludvika's amber and Dalarnas län's vermillion, the second and fifth lines, were told
apart by few (stop 28). Every colour is at least 3:1 on white (WCAG 1.4.11), and from the
second line on each line has its own dash and marker as well (1.4.1: not by colour alone).
The figure itself is charts.py's ``time_series`` (title, unit, breaks, partial coverage,
source line inside the figure).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

import charts
from transforms.catalogue import Indicator

FOCUS = "#1f5fa8"
# Okabe–Ito and Tol hues moved (CIEDE2000 ≤ 8) to reach 3:1 on white and to stand farther
# apart: amber #E69F00 (2.25:1) -> #C08800, reddish purple #CC79A7 -> #E068B8, bluish green
# #009E73 -> #00A878, vermillion #CC3311 -> #B80008, ... (stop 28, fixg28; docs/decisions.md)
# (the sixth to eleventh reordered so lines of one dash are ≥ 38 apart, ≥ 19 deutan)
PALETTE = ("#C08800", "#E068B8", "#00A878", "#B80008", "#306840", "#280068", "#981060",
           "#009090", "#2B9EC9", "#888848", "#C05000")
# the second line on: a dash and a marker of its own (dot is Riket's reference line)
DASHES = ("dash", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("square", "diamond", "triangle-up", "x", "star", "triangle-down", "cross",
           "pentagon", "hexagon", "star-square", "hourglass")
PARTIAL_SUFFIX = ": alla kommuner rapporterar inte"


def compare_lines(lines: list[charts.Line], ind: Indicator, *, title: str,
                  computed_note: str | None = None,
                  reference: charts.Line | None = None) -> go.Figure:
    """The chosen areas over time, each in its own colour (the first strong), with Riket as a
    grey dotted reference line when it is not among them."""
    drawn = [charts.Line(line.name, line.data, "member", line.computed) for line in lines]
    if reference is not None:
        drawn.append(charts.Line(reference.name, reference.data, "riket", reference.computed))
    fig = charts.time_series(drawn, ind, title=title, computed_note=computed_note, height=460)
    styles = {line.name: (FOCUS, "solid", 3.5, None) if i == 0 else
              (PALETTE[(i - 1) % len(PALETTE)], DASHES[(i - 1) % len(DASHES)], 2.2,
               SYMBOLS[(i - 1) % len(SYMBOLS)])
              for i, line in enumerate(lines)}
    for trace in fig.data:
        name = str(trace.name).removesuffix(PARTIAL_SUFFIX)
        if name not in styles:
            continue
        color, dash, width, symbol = styles[name]
        trace.marker.color = color
        if str(trace.name).endswith(PARTIAL_SUFFIX):
            continue
        trace.line.color, trace.line.dash, trace.line.width = color, dash, width
        if symbol is not None:
            trace.marker.symbol, trace.marker.size = symbol, 7
            if trace.mode == "lines":  # monthly: a marker about once a year, as Vilket mått?
                trace.mode = "lines+markers"
                trace.marker.maxdisplayed = max(2, len(trace.x) // 12)
    return fig


def peer_bars(df: pd.DataFrame, ind: Indicator, *, title: str, highlight: str,
              reference: list[tuple[str, float]], computed_note: str | None = None
              ) -> go.Figure:
    """The chosen kommun and its peers on one indicator (``df``: kommun_name, value), ranked,
    the chosen kommun in the focus colour, the peers' area value and Riket as lines. The
    values' labels stand in a column right of every bar and line: a label just outside its
    bar ran across the Riket line ('1,0 per 1 000 inv.' through 'Riket: 1,1 …'; left25)."""
    fig = charts.ranked_bar(df, ind, title=title, highlight=highlight, reference=reference,
                            computed_note=computed_note)
    lines = [float(x) for shape in fig.layout.shapes or () for x in (shape.x0,)
             if shape.type == "line" and x is not None]
    bars = fig.data[0]
    if not lines or not len(bars.x):
        return fig
    top = max([*map(float, bars.x), *lines])
    if top <= 0:
        return fig
    left = top * LABEL_GAP  # the column's left edge, right of the longest bar and every line
    fig.add_trace(go.Scatter(x=[left] * len(bars.y), y=list(bars.y), mode="text",
                             text=list(bars.text), textposition="middle right",
                             hoverinfo="skip", cliponaxis=False, showlegend=False))
    bars.textposition = "none"  # the bars' text stays for their hover
    lo, hi = fig.layout.xaxis.range
    fig.update_xaxes(range=[lo, hi + left - top])
    return fig


LABEL_GAP = 1.03  # peer_bars' label column starts this far right of the top value (× it)
