"""Text in a Plotly figure shown as written. Plotly renders a small HTML in every text it
draws (trace names in the legend and hover, titles, annotations): '<a href=…>' becomes a
link, '<span style=…>' styles. Group names come from users and links (``egnagrupper``,
``grupp``), so a name '<a href="https://…">Norrort</a>' drew a clickable link in a legend
(review of share25). The charts' own markup is a few tags (``HOUSE_TAGS``, ``RAISED_LINE``); every other '<'
is written '&lt;', which Plotly shows as '<'; in a legend's name and a tick label every '<'
is (sharefix25; docs/decisions.md)."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go

HOUSE_TAGS = ("br", "sup", "sub", "b", "i", "em", "extra")  # the charts' own markup
# and the one styled tag: a wrapped subtitle's line raised to the subtitle's own line height
# (charts._sub_lines, walk27b), its style exactly this
RAISED_LINE = r'span style="baseline-shift:[0-9.]+px">|/span>'
_FOREIGN_TAG = re.compile(r"<(?!/?(?:" + "|".join(HOUSE_TAGS) + r")\s*/?>|" + RAISED_LINE + ")",
                          re.IGNORECASE)
# a trace's texts; x and y too, whose categories are tick labels ('<area> (området)')
_TRACE_TEXT = ("name", "text", "hovertext", "hovertemplate", "texttemplate", "x", "y")
_NAMES_ONLY = ("name", "x", "y")  # no markup of the charts' own: every '<' is text


def literal(text: str) -> str:
    """``text`` with every '<' that does not open one of the charts' own tags as '&lt;'."""
    return _FOREIGN_TAG.sub("&lt;", text) if "<" in text else text


def as_text(name: str) -> str:
    """A name from a user or a link put inside a chart's own markup (a title, a hover, an
    annotation): every '&' and '<' as an entity, so Plotly shows '<b>x</b>' as written there
    too (``literal`` lets the charts' own tags through, a name's among them; left26)."""
    return name.replace("&", "&amp;").replace("<", "&lt;")


def plain(text: str) -> str:
    """``text`` with every '<' as '&lt;': a trace's name or a category (a tick label) is a
    name only, never markup, so a name '<b>x</b>' reads as written there too (as ``as_text``:
    '&amp;' too)."""
    return as_text(text)


def _literal_value(value: object, whole: bool = False) -> object:
    if isinstance(value, str):
        new = plain(value) if whole else literal(value)
        return value if new == value else new
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value  # numbers, dates: no text
    if isinstance(value, list | tuple | np.ndarray) and any(
            isinstance(v, str) and "<" in v for v in value):
        new = [(plain(v) if whole else literal(v)) if isinstance(v, str) else v
               for v in value]
        return value if new == list(value) else new
    return value


def literal_figure(fig: go.Figure) -> go.Figure:
    """``fig`` with its traces' names, texts and hovers, its title and its annotations as
    written (``literal``); changed in place and returned."""
    for trace in fig.data:
        # read from the trace's own dict: plotly's property access validates and copies
        # (~6 ms for 15 traces); a value is set through it only when it changes
        props = getattr(trace, "_props", None) or {}
        for key in _TRACE_TEXT:
            value = props.get(key)
            if value is not None:
                new = _literal_value(value, whole=key in _NAMES_ONLY)
                if new is not value:
                    trace[key] = new
    title = fig.layout.title.text
    if isinstance(title, str) and "<" in title:
        fig.layout.title.text = literal(title)
    for note in fig.layout.annotations:
        props = getattr(note, "_props", None) or {}
        for key in ("text", "hovertext"):
            if isinstance(props.get(key), str) and "<" in props[key]:
                note[key] = literal(props[key])
    return fig
