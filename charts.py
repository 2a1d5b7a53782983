"""Plotly figure builders: (data, Indicator) -> Figure. Never imports streamlit.

Every figure carries its own title (what, where, when), unit on the axis, and a source line
with the KPI id and fetch date, so an exported PNG or slide still says where it came from.
Swedish number format: decimal comma, space as thousands separator.

Reading right (issue 9 point 3): the chosen area is one strong colour, every reference (län,
Riket, the source's own figure, member kommuner) a grey, so the chart reads in greyscale and
for colour-blind readers; legends sit in a row above the plot, never beside it, so they never
squeeze the plot; flagged values look different and say why on hover (open circle: not every
kommun reports; triangle: a lower bound because the source hides a count as "<5"; diamond:
preliminary among final values; "<5" or "–" at the foot of the plot where the source hides the
value or too few kommuner report); series breaks are dashed red lines with their reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from chart_text import as_text, literal_figure, plain
from transforms import periods
from transforms.areas import MISSING_WORDS, coverage_of, member_bar_rows, withheld_reason
from transforms.catalogue import Indicator
from transforms.composition import gap_hover, gaps_note, part_gaps, part_sums
from transforms.formatting import (
    and_list,
    format_date,
    format_number,
    format_value,
    source_mark,
    source_mark_text,
)

SEPARATORS = ", "  # plotly: decimal separator, then thousands separator
FONT = "Source Sans Pro, Arial, sans-serif"
FOCUS = "#1f5fa8"  # the chosen area: the one strong colour
# every line at least 3:1 against the white plot (WCAG 1.4.11) and each role told apart by its
# dash too, not by colour alone (1.4.1): the area solid, its län dashed, Riket dotted, the
# source's published value long-dashed (a reference line is dash-dotted; stop 28;
# tests/test_a11y.py computes the ratios)
ROLE_STYLE = {
    "focus": {"color": FOCUS, "width": 3.5, "dash": "solid"},
    "lan": {"color": "#6f6f6f", "width": 2.2, "dash": "dash"},
    "riket": {"color": "#262626", "width": 2.0, "dash": "dot"},
    "published": {"color": "#767676", "width": 1.5, "dash": "longdash"},
    "member": {"color": "#8f8f8f", "width": 1.3, "dash": "solid"},
}
# member kommuner: the same light grey, told apart by dash (and named on hover)
MEMBER_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
# several measures of one area (Vilket mått?) and compositions: Paul Tol's colour-blind safe
# palettes (bright for a few lines, muted for up to eleven parts); the bright yellow and cyan
# (1.95:1 and 1.84:1 on white) darkened to 4.2:1 and 5.0:1, and each measure has a marker of
# its own, so lines of one dash differ by shape too
MEASURE_COLORS = ["#1f5fa8", "#ee6677", "#228833", "#997700", "#aa3377", "#007a99"]
MEASURE_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
AXIS_TEXT = "#555555"  # tick labels and axis titles, 7.5:1 on white (Streamlit's #808495: 3.7)
PART_COLORS = ["#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677",
               "#882255", "#aa4499", "#6699cc", "#bbbbbb"]
FLAG = "#8c2d04"  # masked / withheld marks at the foot of the plot
# px of plot area of a full-width chart at 1280×800 (legend rows): the main column's 820 px
# less the 64 + 24 px margins (walk24 measured 820; 760 was wider than the plot)
PLOT_WIDTH = 732
FULL_WIDTH = 820  # that chart's own width (the main column's content box at 1280 px)
LEGEND_ROW = 22  # px per legend row (the figure's height grows by as many)
SOURCE_LINE = 14  # px per line of the source note under the plot
# px a line of the source note may take: a 390 px phone's chart (358 px wide) less 8 px each
# side, the source starting under the title, not the plot (walk25: a 120-character line ran
# out of the figure on a phone). Wrapped by width, so it holds at every width a chart is drawn
SOURCE_WIDTH = 336
SOURCE_SIZE = 10
# The width (px) of a full-width chart on the reader's screen, when the browser has said it
# (ui/screen.py, per script run); None when not known: titles and source lines are then
# wrapped for the narrowest chart, a phone's (left27: on a 1400 px window a title that fits
# one line was broken in two)
_SCREEN: ContextVar[int | None] = ContextVar("chart_screen_width", default=None)


@contextmanager
def on_screen(width: int | None) -> Iterator[None]:
    """Inside the block, figures are made for a chart ``width`` px wide on screen (None: not
    known, a phone's width)."""
    token = _SCREEN.set(width)
    try:
        yield
    finally:
        _SCREEN.reset(token)


def screen_width() -> int | None:
    """The chart width on_screen set for this run (None: not known). A cache of figures
    keys them by it too."""
    return _SCREEN.get()


def screen_wrap() -> tuple[float, float]:
    """(title width, source line width) px on screen: as an image of the chart's width wraps
    them (title 32 px and source 16 px less than the chart, house_layout_at), never
    narrower than a phone's (TITLE_WIDTH, SOURCE_WIDTH)."""
    width = _SCREEN.get()
    if width is None:
        return TITLE_WIDTH, SOURCE_WIDTH
    return max(TITLE_WIDTH, width - 32), max(SOURCE_WIDTH, width - 16)


@dataclass
class Line:
    """One line of a time-series chart: a name, its data and its role (focus, lan, riket…)."""

    name: str
    data: pd.DataFrame  # year or period, value, and optionally status, n_reporting, n_expected
    role: str = "focus"
    computed: bool = False  # area value computed from kommuner
    area_id: str = ""  # the Area it was made from: a download's kod and metod (review27)


@dataclass
class Reference:
    """A horizontal reference line: a baseline period's value or a target the user typed."""

    name: str  # 'Växjö 2015' or 'LÖK-mål'
    value: float


def unit_title(ind: Indicator) -> str:
    """Axis title with the unit: 'Andel (%)', 'Antal', 'Kronor per invånare'."""
    return {"percent": "Andel (%)", "count": "Antal", "sek": f"Kronor ({ind.short_unit})",
            "per_1000": "Per 1 000 invånare"}[ind.unit]


def fetched_words(day: str, word: str = "Hämtad") -> str:
    """'Hämtad 1 december 2026' joined by non-breaking spaces: a wrapped source line never
    breaks inside the date (rev25b: "Hämtad 1 december / 2026")."""
    return "\u00a0".join([word, *day.split()])


def source_text(ind: Indicator, *, computed_note: str | None = None) -> str:
    """'Källa: Kolada (N03920), ursprunglig källa … Hämtad 25 november 2026.' plus method
    (the date joined by non-breaking spaces, fetched_words)."""
    parts = [ind.source_line + "."]
    if ind.fetched_at:
        parts.append(f"{fetched_words(format_date(ind.fetched_at))}.")
    if computed_note:
        parts.append(computed_note)
    return " ".join(parts)


def sources_text(inds: list[Indicator], *, computed: bool) -> str:
    """The source line of a chart of several indicators: 'Källor: SCB, …; Kolada (N03920 och
    N03921), ursprunglig källa …. Hämtad 1 december 2026.' (one citation per source, producer
    and date; each with its own date when they differ) and, with ``computed`` (an
    area's values), each rule of ``Indicator.area_method`` with the tables or KPIs it is for:
    'Områden: för TAB6260 beräknat …; för N03920, N03921 och N03926 beräknat …'."""
    dates = [format_date(ind.fetched_at) if ind.fetched_at else None for ind in inds]
    one_date = len(set(dates)) == 1 and dates[0] is not None
    # one citation per source, producer and date, its KPIs together ("Kolada (N03920 och
    # N03921), ursprunglig källa …"): "; " only between citations (review of walk24)
    groups: dict[tuple[str, str | None, str], list[str]] = {}
    for ind, day in zip(inds, dates, strict=True):
        when = "" if one_date or day is None else f", {fetched_words(day, 'hämtad')}"
        if ind.is_monthly:  # the source's own tables, as source_line names them
            groups.setdefault((ind.source_line.removeprefix("Källa: "), None, when), [])
        else:
            groups.setdefault((ind.source, ind.producer or "", when), []).append(ind.id)
    cites = []
    for (name, producer, when), ids in groups.items():
        if producer is not None:  # a KPI source: its ids, then who made the figures
            name = f"{name} ({and_list(ids)})" + (f", ursprunglig källa {producer}"
                                                  if producer else "")
        cites.append(name + when)
    parts = [f"Käll{'or' if len(cites) > 1 else 'a'}: " + "; ".join(cites) + "."]
    if one_date:
        parts.append(f"{fetched_words(dates[0])}.")
    if computed:
        rules: dict[str, list[str]] = {}
        for ind in inds:
            rules.setdefault(ind.area_method, []).extend(
                list(ind.source_ids) if ind.is_monthly and ind.source_ids else [ind.id])
        said = [f"för {and_list(list(dict.fromkeys(ids)))} {rule}" for rule, ids in rules.items()]
        parts.append(f"Områden: {'; '.join(said)}.")
    return " ".join(parts)


def period_text(frames: list[pd.DataFrame]) -> str:
    """'2010–2022' (or 'januari 2020–mars 2026') over the periods that have values."""
    found = periods.span([f for f in frames if not f.empty])
    if found is None:
        return "inga värden"
    lo, hi = (periods.Period.parse(p).label() for p in found)
    return lo if lo == hi else f"{lo}–{hi}"


def _x(df: pd.DataFrame) -> str:
    """The time column of a series: 'year' (annual) or 'period' (monthly)."""
    return "year" if "year" in df.columns else "period"


def _flag(row, name: str, default=None):
    value = getattr(row, name, default)
    return default if value is None or (isinstance(value, float) and math.isnan(value)) \
        else value


def flag_text(row, ind: Indicator) -> str | None:
    """Why a value is special, in Swedish (for hover), or None for an ordinary value."""
    notes = []
    status = _flag(row, "status")
    if _flag(row, "is_lower_bound", False) and _hidden_part(row):
        notes.append("nedre gräns: en del av antalet visas av källan som \"<5\", så det "
                     "verkliga värdet är minst så här högt")
    elif _flag(row, "is_lower_bound", False):  # a sum with members missing (numfix26)
        notes.append("nedre gräns: kommuner utan värde saknas i summan, så det verkliga "
                     "värdet är minst så här högt")
    if status == "partial":  # with the share of the population, where known (left27)
        cover = coverage_of(row, ind.weight_label)
        notes.append(f"bygger på {cover}")
    if status == "withheld":  # too few kommuner, or too little of the population (stop 28)
        cover = coverage_of(row, ind.weight_label)
        notes.append(f"inget värde: bygger bara på {cover} ({withheld_reason(row)})" if cover
                     else f"inget värde ({withheld_reason(row)})")
    if status == "masked":
        notes.append("inget värde: källan visar antalet som \"<5\" (färre än 5)")
    mark = source_mark(status)  # the source's own symbol, e.g. SCB's ".."
    if mark:
        notes.append(source_mark_text(mark, ind.source or "Källan"))
    if _flag(row, "is_preliminary", False):
        notes.append("preliminärt värde, kan revideras")
    return "; ".join(notes) or None


def _hidden_part(row) -> bool:
    """Whether a lower bound hides a "<5" count (n_masked > 0), rather than only missing
    members' counts (a 'partial' sum); without n_masked, any bound that is not partial."""
    masked = _flag(row, "n_masked")
    return bool(masked) if masked is not None else _flag(row, "status") != "partial"


_FLAG_COLUMNS = ("is_lower_bound", "status", "n_reporting", "n_expected", "is_preliminary",
                 "n_masked", "covered_share", "missing_names")
_FLAGGED = ("partial", "withheld", "masked")  # the statuses flag_text explains


def _hover(line: Line, ind: Indicator) -> list[str]:
    """The hover text of each row: name, period, value and why it is special. Read column by
    column; only the rows with a flag are looked at whole (``flag_text``): a chart's first
    build spent a sixth of its time walking plain rows."""
    texts = []
    df = line.data
    x = _x(df)
    freq = "year" if x == "year" else "month"
    flagged = _any_flag(df)
    columns = {c: df[c].tolist() for c in _FLAG_COLUMNS if c in df.columns}
    head = f"<b>{as_text(line.name)}</b><br>"
    for n, (when, value) in enumerate(zip(df[x].tolist(), df["value"].tolist(), strict=True)):
        row = SimpleNamespace(**{c: v[n] for c, v in columns.items()}) if flagged[n] else None
        bound = "minst " if row is not None and _flag(row, "is_lower_bound", False) else ""
        text = (f"{head}{_when(when, freq)}: {bound}"
                f"{format_value(value, ind.decimals, ind.short_unit)}")
        why = flag_text(row, ind) if row is not None else None
        if why:
            text += f"<br><i>{why}</i>"
        texts.append(text)
    return texts


@lru_cache(maxsize=4096)
def _when(value: object, freq: str) -> str:
    return periods.label(value, freq)


def _truthy(values: pd.Series) -> np.ndarray:
    """True where a flag column holds a true value (None and NaN are false)."""
    return np.array([v is not None and v is not pd.NA and not (isinstance(v, float) and
                     math.isnan(v)) and bool(v) for v in values.tolist()], dtype=bool)


def _any_flag(df: pd.DataFrame) -> np.ndarray:
    """The rows ``flag_text`` has something to say about (a lower bound, a partial, withheld
    or masked status, a preliminary value)."""
    out = np.zeros(len(df), dtype=bool)
    if "status" in df.columns:
        out |= np.array([v in _FLAGGED or source_mark(v) is not None
                         for v in df["status"].tolist()], dtype=bool)
    for column in ("is_lower_bound", "is_preliminary"):
        if column in df.columns:
            out |= _truthy(df[column])
    return out


def _x_values(df: pd.DataFrame) -> pd.Series:
    """The x values of a series: years, or the months as timestamps (a date axis)."""
    return df["year"] if _x(df) == "year" else pd.to_datetime(df["period"])


# plotly.js's horizontal legend (src/components/legend/draw.js, computeLegendDimensions): an
# entry is its text plus textGap = legend.itemwidth 30 + 2 × itemGap 5 = 40 px, entries stand
# itemGap apart; legend_rows follows that rule (it counted 46: a column 6 px too wide, so at
# 720 px the nine-name legend got room for five rows where plotly draws three; stop 28)
LEGEND_ITEM = 40
LEGEND_GAP = 5  # plotly.js's itemGap: between entries, and between the columns of a grid
LEGEND_MEASURE = 1  # px per entry for text_width's Arial metrics against the browser's (<0.7)
LEGEND_WRAP_SLACK = 6  # px a wrapped name (legend_name) keeps spare beside its symbol


def legend_rows(names: list[str], width: int | None = None) -> int:
    """How many rows a horizontal legend of ``names`` takes in a plot ``width`` px wide (by
    default a full-width chart's on screen: PLOT_WIDTH's margins less than on_screen's width,
    PLOT_WIDTH when that is not known), as plotly.js lays it out: one row when every entry fits side by side, otherwise a grid of
    columns each as wide as the widest entry (walk24: four long names went to four rows at
    1280 px, not the three that packing each entry by its own width gives). Entry widths come
    from the tick font's metrics at the legend's 12 px (``text_width``)."""
    if not names:
        return 0
    if width is None:
        screen = _SCREEN.get()
        width = PLOT_WIDTH if screen is None else screen - (FULL_WIDTH - PLOT_WIDTH)
    # a name in lines (legend_name) is as wide as its longest line, and its row that many
    # rows high (plotly.js spaces its lines less than rows: a few px to spare, no relayout)
    lines = [name.split("<br>") for name in names]
    items = [LEGEND_ITEM + LEGEND_MEASURE + max(text_width(line) for line in parts)
             for parts in lines]
    # one row when the entries and the gaps between them are narrower than the plot
    if sum(items) + LEGEND_GAP * (len(items) - 1) < width:
        return max(len(parts) for parts in lines)
    # else columns as wide as the widest entry: an entry starts a new row where it would
    # reach the plot's width, so k fit in a row while (k - 1) × (column + gap) + column < width
    column = max(items)
    per_row = 1
    while per_row * (column + LEGEND_GAP) + column < width:
        per_row += 1
    return sum(max(len(parts) for parts in lines[start:start + per_row])
               for start in range(0, len(lines), per_row))


_rows_of = legend_rows  # for _frame, whose argument has the name
PHONE_WIDTH = 358  # px of a full-width chart on a 390 px phone


def legend_name(name: str) -> str:
    """A legend entry's name as written (chart_text.plain: every '<' and '&' as text) in
    lines that fit a full-width chart's plot on screen beside the entry's symbol (a phone's
    when the width is not known; left27: at 390 px a group's long name ran out of the
    chart). Each line ends in its space, so the entry's text keeps its words; the hover
    names the line whole."""
    screen = _SCREEN.get()
    room = (PHONE_WIDTH if screen is None else screen) - (FULL_WIDTH - PLOT_WIDTH) \
        - LEGEND_ITEM - LEGEND_WRAP_SLACK
    if text_width(name) <= room:
        return plain(name)
    return _BREAK.join(plain(line) for line in wrap_px(name, room, TICK_SIZE).split("<br>"))


_FLAG_STYLE = {  # kind -> (legend name, marker)
    "partial": ("alla kommuner rapporterar inte", {"symbol": "circle-open", "size": 12,
                                                  "line": {"width": 2}}),
    # a sum without every member is a lower bound: said in the card's and the CSV's words
    "partial_lower": ("minst, nedre gräns: alla kommuner rapporterar inte",
                      {"symbol": "circle-open", "size": 12, "line": {"width": 2}}),
    "lower": ("nedre gräns (\"<5\" i källan)", {"symbol": "triangle-up", "size": 11}),
    "preliminary": ("preliminärt", {"symbol": "diamond-open", "size": 9,
                                    "line": {"width": 1.5}}),
}


def _flagged(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of a series that get a flag marker, by kind."""
    if not _any_flag(df).any():  # most series: nothing to mark, no frames cut
        return {}
    valued = df[df["value"].notna()]  # as dropna(subset=…), a third of its time
    out = {}
    if "status" in valued:
        partial = valued["status"] == "partial"
        bound = valued["is_lower_bound"].fillna(False).astype(bool) \
            if "is_lower_bound" in valued else pd.Series(False, index=valued.index)
        out["partial"] = valued[partial & ~bound]
        out["partial_lower"] = valued[partial & bound]  # a sum's: "minst"
    if "is_lower_bound" in valued:  # the "<5" mark; a partial sum is ringed as partial
        lower = valued["is_lower_bound"].fillna(False).astype(bool)
        hidden = valued["n_masked"].fillna(0) > 0 if "n_masked" in valued else \
            valued.get("status", pd.Series(None, index=valued.index)) != "partial"
        out["lower"] = valued[lower & hidden]
    if "is_preliminary" in valued:
        prelim = valued["is_preliminary"].fillna(False).astype(bool)
        if not prelim.all():  # all preliminary: said in the title, not marked point by point
            out["preliminary"] = valued[prelim]
    return {k: v for k, v in out.items() if not v.empty}


def _missing_marks(df: pd.DataFrame) -> pd.DataFrame:
    """Rows without a value that the source hid ("<5") or marked (SCB's ".."), or that too
    few kommuner report."""
    if "status" not in df:
        return df.iloc[0:0]
    hidden = np.array([v in ("masked", "withheld") or source_mark(v) is not None
                       for v in df["status"].tolist()], dtype=bool)
    if not hidden.any():
        return df.iloc[0:0]
    return df[df["value"].isna().to_numpy() & hidden]


def time_series(lines: list[Line], ind: Indicator, *, title: str,
                computed_note: str | None = None, height: int = 400,
                references: list[Reference] | None = None,
                breaks: list[tuple[date, str]] | None = None) -> go.Figure:
    """Lines over years or months with breaks marked, flagged values marked and explained,
    optional reference lines named on the chart, and the source written in.

    An annual chart marks the indicator's own breaks (``ind.breaks``, by year) inside the
    years shown; a monthly one the ``breaks`` given: (first month of the new series, Swedish
    label), e.g. a change of age band. Monthly lines have no markers (dozens of months).
    """
    fig = go.Figure()
    annual = all(_x(line.data) == "year" for line in lines)
    dashes = iter(MEMBER_DASHES * 3)
    flags_shown: set[str] = set()
    names = []
    for line in lines:
        style = dict(ROLE_STYLE.get(line.role, ROLE_STYLE["member"]))
        if line.role == "member":
            style["dash"] = next(dashes)
        df = line.data.sort_values(_x(line.data))
        names.append(line.name)
        fig.add_trace(go.Scatter(
            x=_x_values(df), y=df["value"], name=line.name,
            mode="lines+markers" if annual else "lines",
            line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
            marker={"size": 5 if line.role != "focus" else 6},
            hovertext=_hover(Line(line.name, df, line.role), ind),
            hoverinfo="text", connectgaps=False))
        for kind, rows in _flagged(df).items():
            label, marker = _FLAG_STYLE[kind]
            fig.add_trace(go.Scatter(
                x=_x_values(rows), y=rows["value"], mode="markers", name=label,
                legendgroup=kind, showlegend=kind not in flags_shown, legendrank=2000,
                marker={**marker, "color": style["color"]},
                hovertext=_hover(Line(line.name, rows, line.role), ind), hoverinfo="text"))
            if kind not in flags_shown:
                names.append(label)
            flags_shown.add(kind)
        if line.role == "focus":
            _mark_missing(fig, df, line.name, ind)
    shown = [line.data[line.data["value"].notna()] for line in lines]
    found = periods.span([df for df in shown if not df.empty])
    marks: list[tuple[object, str]] = []
    if annual and found:  # only breaks inside the years shown
        marks = [(brk.year - 0.5, brk.label) for brk in ind.breaks
                 if int(found[0]) < brk.year <= int(found[1])]
    elif not annual:  # between the month before and the first month of the new series
        marks = [(pd.Timestamp(when) - pd.Timedelta(days=15), label)
                 for when, label in breaks or []]
    for n, (x, label) in enumerate(marks):
        fig.add_vline(x=x, line={"color": "#b03030", "dash": "dash", "width": 1.5})
        fig.add_annotation(x=x, y=1 - 0.09 * n, yref="paper", text=f"Seriebrott: {label}",
                           showarrow=False, xanchor="left", yanchor="top", align="left",
                           font={"size": 11, "color": "#b03030"},
                           bgcolor="rgba(255,255,255,0.85)", hovertext=label)
    for ref in references or []:
        fig.add_hline(y=ref.value, line={"color": "#2b2b2b", "dash": "dashdot", "width": 1.5})
        fig.add_annotation(x=0, xref="paper", y=ref.value, yref="y", showarrow=False,
                           xanchor="left", yanchor="bottom", bgcolor="rgba(255,255,255,0.85)",
                           text=f"{as_text(ref.name)}: "
                                f"{format_value(ref.value, ind.decimals, ind.short_unit)}",
                           font={"size": 11, "color": "#2b2b2b"})
    rows = legend_rows(names) if len(names) > 1 else 0
    values = [*(v for line in lines for v in line.data["value"].to_numpy(dtype=float)),
              *(ref.value for ref in references or [])]
    ticks = value_ticks(values, ind.decimals, ind.unit == "count")
    _frame(fig, ind, title=title, source=source_text(ind, computed_note=computed_note),
           height=height, legend_rows=rows, left=left_for(ticks, titled=True))
    if annual:  # as update_xaxes (a figure of one x axis), without its relayout machinery
        # the range held to the years drawn (less than half a year each side, room for a
        # marker): autorange padded a phone's narrow plot past them, with ticks for 2007 and
        # 2023 on a 2008–2022 chart (walk27b)
        years = [y for line in lines for y in line.data["year"]]
        _set_layout(fig, xaxis={"dtick": 1 if _span(lines) <= 14 else 2, "tickformat": "d",
                                **({"range": [min(years) - 0.45, max(years) + 0.45]}
                                   if years else {})})
    else:  # years only: no month names needed
        _set_layout(fig, xaxis={"dtick": "M12", "tickformat": "%Y"})
    return fig


def _mark_missing(fig: go.Figure, df: pd.DataFrame, name: str, ind: Indicator) -> None:
    """'<5' (hidden by the source) or '–' (too few kommuner) at the foot of the plot for the
    chosen area's periods without a value, each saying why on hover."""
    missing = _missing_marks(df)
    if len(missing) > 36:  # a long hidden stretch: one note, not a mark per month
        missing = missing.iloc[[0, -1]]
    for row in missing.itertuples():
        x = row.year if _x(df) == "year" else pd.Timestamp(row.period)
        fig.add_annotation(x=x, y=0, yref="paper", yanchor="bottom", showarrow=False,
                           text="&lt;5" if row.status == "masked" else
                           source_mark(row.status) or "–",
                           font={"size": 10, "color": FLAG},
                           hovertext=f"{as_text(name)}: {flag_text(row, ind)}")


def _span(lines: list[Line]) -> int:
    years = [y for line in lines for y in line.data["year"]]
    return (max(years) - min(years)) if years else 0


def ranked_bar(df: pd.DataFrame, ind: Indicator, *, title: str, highlight: str | None = None,
               area: tuple[str, float] | None = None, height: int | None = None,
               computed_note: str | None = None,
               reference: list[tuple[str, float]] | None = None,
               missing: list[str] | None = None) -> go.Figure:
    """Members ranked by their value in one period (``df``: kommun_name, value).

    ``missing``: members without a value that period, each a slot at the foot marked
    "uppgift saknas" (never left out, never drawn as zero).

    ``reference`` (name, value) pairs are drawn as dotted lines named above the plot
    (Liknande kommuner: the peers' value and Riket).

    ``area`` (name, value) adds the area's own value as a bar of its own in the chosen-area
    colour (no line across the bars and their labels); counts pass none, since an area's sum
    is larger than every member. ``highlight`` (the chosen kommun) is a darker grey.
    """
    rows = member_bar_rows(df, missing, area)  # the deck's bars too (exports/deck.py)
    names = list(df.dropna(subset=["value"])["kommun_name"])
    top = float(rows["value"].max()) if rows["value"].notna().any() else 1.0
    texts = [MISSING_WORDS if gap else format_value(v, ind.decimals, ind.short_unit)
             for v, gap in zip(rows["value"], rows["missing"], strict=True)]
    # a missing member's slot: an empty bar (0) with the words, at the foot
    df = rows.assign(value=rows["value"].fillna(0.0))
    lacking = list(rows.loc[rows["missing"], "kommun_name"])
    colors = [FOCUS if name not in names + lacking else "#4d4d4d" if name == highlight
              else "#b3b3b3" for name in df["kommun_name"]]
    fig = go.Figure(go.Bar(
        x=df["value"], y=df["kommun_name"], orientation="h", marker_color=colors,
        text=texts,
        textposition="outside", hovertemplate="%{y}: %{text}<extra></extra>", cliponaxis=False))
    _frame(fig, ind, title=title, source=source_text(ind, computed_note=computed_note),
           height=height or max(240, 26 * len(df) + 120), value_axis="x",
           left=left_for(list(df["kommun_name"]), titled=False))
    lines = [(name, float(value)) for name, value in reference or []
             if value is not None and not pd.isna(value)]
    for name, value in lines:
        fig.add_vline(x=value, line={"color": "#5b5b5b", "dash": "dot"})
        fig.add_annotation(x=value, y=1.0, yref="paper", showarrow=False, yanchor="bottom",
                           text=f"{as_text(name)}: {format_value(value, ind.decimals, ind.short_unit)}",
                           font={"size": 11})
    top = max([top, *(value for _, value in lines)])
    # room for the value labels (with their unit) right of the longest bar
    room = 1.16 + 0.02 * len(ind.short_unit if ind.short_unit != "antal" else "")
    fig.update_xaxes(range=[0, top * room if top > 0 else 1])
    fig.update_layout(showlegend=False)
    return fig


def composition(df: pd.DataFrame, labels: dict[str, str], ind: Indicator, *, title: str,
                height: int = 420, parts: dict[str, str] | None = None) -> go.Figure:
    """Parts of one whole per year as stacked bars (``df``: indicator_id, year, value in %).

    ``labels``: indicator id -> the part's name; ``ind`` gives unit and source (the first
    part's indicator). ``parts``: every part's name, those without any value too (default
    ``labels``): a year where some lack a value says which, and what the rest sum to, in its
    hover and in the note under the chart (transforms.composition). Each part keeps its
    colour from a colour-blind safe palette; the legend is a row above the plot.
    """
    gaps = part_gaps(df, parts or labels)
    sums = part_sums(df)
    fig = go.Figure()
    order = list(labels)
    for n, indicator_id in enumerate(order):
        part = df[df["indicator_id"] == indicator_id].dropna(subset=["value"]).sort_values("year")
        fig.add_trace(go.Bar(
            x=part["year"], y=part["value"], name=labels[indicator_id],
            marker_color=PART_COLORS[n % len(PART_COLORS)],
            hovertext=[f"<b>{labels[indicator_id]}</b><br>{int(y)}: "
                       f"{format_value(v, ind.decimals, '%')}"
                       f"{gap_hover(int(y), gaps, sums, ind.decimals)}" for y, v in
                       zip(part["year"], part["value"], strict=True)], hoverinfo="text"))
    _frame(fig, ind, title=title,
           source=source_text(ind, computed_note=gaps_note(gaps, sums, ind.decimals)),
           height=height, legend_rows=legend_rows(list(labels.values())),
           left=left_for(value_ticks([100.0], ind.decimals, False), titled=True))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(range=[0, 101])
    return fig


def measures(lines: list[Line], ind: Indicator, *, title: str, source: str,
             height: int = 400) -> go.Figure:
    """Several measures of one area on one time axis (Vilket mått?): monthly lines, and
    annual values drawn mid-year as dots joined by a thin dashed line. ``ind`` gives the unit
    (all measures are in percent)."""
    fig = go.Figure()
    for n, line in enumerate(lines):
        color = MEASURE_COLORS[n % len(MEASURE_COLORS)]
        df = line.data.dropna(subset=["value"]).sort_values(_x(line.data))
        annual = _x(df) == "year"
        x = pd.to_datetime(df["year"].astype(int).astype(str) + "-07-01") if annual \
            else pd.to_datetime(df["period"])
        # a marker of the measure's own shape: every year's dot, on a monthly line about one
        # a year (dozens of months)
        fig.add_trace(go.Scatter(
            x=x, y=df["value"], name=line.name, mode="lines+markers",
            line={"color": color, "width": 1.5 if annual else 2.8,
                  "dash": "dash" if annual else "solid"},
            marker={"size": 7 if annual else 8,
                    "symbol": MEASURE_SYMBOLS[n % len(MEASURE_SYMBOLS)],
                    "maxdisplayed": 0 if annual else max(2, len(df) // 12)},
            hovertext=_hover(Line(line.name, df, line.role), ind), hoverinfo="text"))
    _frame(fig, ind, title=title, source=source, height=height,
           legend_rows=legend_rows([line.name for line in lines]))
    fig.update_xaxes(dtick="M12", tickformat="%Y")
    return fig


def population_by_age(df: pd.DataFrame, ind: Indicator, *, title: str) -> go.Figure:
    """Women and men per age group (``df``: age_code, age_label, sex K/M, population)."""
    order = list(dict.fromkeys(df.sort_values("age_code", key=_age_key)["age_label"]))
    fig = go.Figure()
    for sex, name, color in (("K", "Kvinnor", "#ee6677"), ("M", "Män", FOCUS)):
        part = df[df["sex"] == sex].groupby("age_label", as_index=False)["population"].sum()
        part = part.set_index("age_label").reindex(order).reset_index()
        fig.add_trace(go.Bar(
            y=part["age_label"], x=part["population"], name=name, orientation="h",
            marker_color=color,
            hovertemplate="%{y}: %{x:,d} " + name.lower() + "<extra></extra>"))
    _frame(fig, ind, title=title, source=source_text(ind), height=420, value_axis="x",
           legend_rows=1, left=left_for(order, titled=True))
    fig.update_layout(barmode="group")
    # the value axes' standoff, which left_for's title room is measured with: without it
    # Plotly's default puts the title ~18 px further out and the margin needs 98 px, not 80
    fig.update_yaxes(title={"text": "Ålder", "standoff": 6})
    return fig


def _age_key(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str.extract(r"(\d+)")[0].astype(float)


TITLE_SPACE = 66  # px above the legend for a title and its subtitle line
# A title longer than a phone's chart is wrapped as the source line is (left26: at 390 px
# "… (delad länk), Stockholms län, 2010–2022, totalt" ran out of the figure): the label at
# the title's size, the subtitle at <sup>'s (plotly.js: 70 %), each subtitle line in a <sup>
# of its own; every line past two takes TITLE_LINE px more above the legend (plotly.js spaces
# a title's lines 1.3 em of its 16 px, <sup> lines too)
TITLE_SIZE = 16
TITLE_LINE = 21
TITLE_WIDTH = SOURCE_WIDTH
# Streamlit's theme draws the title bold: measured in Chromium, a subtitle line is up to 13 %
# wider than text_width's regular metrics say (371 px for 329), so a line is measured 15 % wide
TITLE_BOLD = 1.15
# a line ends in its space: the title's text (copied, read aloud, matched) keeps its words
_SUB, _SUB_END, _BREAK, _SUB_BREAK = "<br><sup>", "</sup>", " <br>", " </sup><br><sup>"
# plotly.js puts every line of a title LINE_SPACING (1.3) em of the title's size below the
# one before, <sup> lines too: a wrapped subtitle's lines stood 20.8 px apart at 11.2 px, a
# blank line's gap between them on a phone (walk27b). Each subtitle line past its first is
# raised (CSS baseline-shift on a <span>, which plotly.js passes on to the line's tspan;
# Chromium draws it, on screen and in kaleido's images) by the difference to its own pitch,
# 1.3 em of <sup>'s 70 %: 14.56 px, SUB_LINE rounded up for the room above the legend
SUB_SIZE = TITLE_SIZE * 0.7
_SUB_RISE = 1.3 * (TITLE_SIZE - SUB_SIZE)  # px each subtitle line past the first is raised
SUB_LINE = math.ceil(1.3 * SUB_SIZE)  # px a subtitle line past its first takes (15)
_RAISED = re.compile(r' </sup><br><sup><span style="baseline-shift:[0-9.]+px">')
_RAISED_END = re.compile(r"</span>(?= </sup><br><sup>|</sup>$)")
LEFT = 64  # px left of the plot at least (a y axis of short numbers and its title)
LEFT_MAX = 320  # px at most: a longer label is left to Plotly's automargin
# Width of a y axis' tick labels, to ask for the left margin they need up front instead of
# letting Plotly's automargin widen it after the first draw, which draws the chart a second time
# (issue 12 point 7: "Kommunerna i …" 64 → 158 px). In the app plotly's font falls back to
# Arial (Liberation Sans on Debian: the same metrics), tick labels at 12 px (Streamlit's chart
# theme): advance widths in 1/1000 em, measured in Chromium; any other character counts a
# whole em, so an unknown label gets too much room rather than too little.
TICK_SIZE = 12
_WIDTHS = {ch: width for chars, width in (
    ("ijl", 222), ("f", 261), (" ,./It\u00a0", 278), ("()-r", 333), ("Jcksvxyz", 500),
    ("0123456789Labdeghnopquäåéöü–", 556), ("+−", 584), ("FTZ", 611), ("ABEKPSVXYÄÅ", 667),
    ("CDHNRUw", 722), ("GOQÖ", 778), ("Mm", 833), ("%", 889), ("W", 944)) for ch in chars}
_TICK_PAD = 24  # px Plotly adds beside the widest tick label (measured: 21)
_TITLE_PAD = 40  # the same with the axis title beside the labels (measured: 37)


def text_width(text: str, size: float = TICK_SIZE) -> float:
    """px ``text`` takes in the charts' tick font (Arial metrics; see _WIDTHS)."""
    return size * sum(_WIDTHS.get(ch, 1000) for ch in text) / 1000


def left_for(labels: list[str], *, titled: bool) -> int:
    """px left of the plot for a y axis with these tick labels (and a title beside them when
    ``titled``): LEFT at least, LEFT_MAX at most."""
    widest = max((text_width(label) for label in labels), default=0.0)
    return min(LEFT_MAX, max(LEFT, math.ceil(widest + (_TITLE_PAD if titled else _TICK_PAD))))


def value_ticks(values: list[float], decimals: int, count: bool) -> list[str]:
    """The widest tick labels a value axis over ``values`` (from zero) can get, formatted as
    the axis does: the largest and smallest value with room for Plotly's padding. Digits are
    all one width in the tick font, so a longer number is never narrower."""
    found = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    ends = [max([0.0, *found]) * 1.08, min([0.0, *found]) * 1.08]
    return [format_number(end, 0 if count else decimals) for end in ends]


X_TICKS = 28  # px under the plot for tick labels
X_TITLE = 26  # px more for an axis title under the ticks
# px between the plot's bottom edge and the time axis' labels (plotly.js ticklabelstandoff):
# the first year's label stands centred on the plot's left edge, where the value axis' "0,0"
# stands centred on the bottom edge; Plotly's own ~4 px put the two in one another (Borlänge's
# BAS chart: "0,0" over "2020"; stop 28). 6 px more clear the digits' foot (~4.3 px under the
# centre of a 12 px label) with a gap, flat or turned
CORNER_GAP = 6
# px under the plot for a time axis' year labels (four digits) turned 90°: plotly.js turns
# them when they do not fit flat (13 years at 390 px) and its automargin cannot see the
# source line under them, so the room is asked for at every width (rev25b: they ran 4 px
# into the source line); 11 px more than flat labels, and the labels' CORNER_GAP
X_TURNED = math.ceil(text_width("0000")) + 12 + CORNER_GAP


def house_template(fig: go.Figure) -> None:
    """Plotly's registered "plotly_white" template on ``fig``, as
    ``fig.update_layout(template="plotly_white")`` gives it, without validating the template
    again: that check walks and deep-copies the whole template, ~8 ms a figure, a third of a
    line chart's build and ~0.2 s of a page's first view (plotly itself sets its default
    template this way, as already valid). The figure gets a copy of its own; the registered
    template is not shared or changed (tests/test_charts.py)."""
    layout = fig.layout
    layout._validate = False
    try:
        layout.template = pio.templates["plotly_white"]
    finally:
        layout._validate = fig._validate


# The legend hangs from a fixed place under the title (container px, not the plot's top):
# plotly.js then reserves the legend's own height above the plot, however many rows the
# client's width wraps it into (walk25: sized for 1280 px, a three-entry legend wrapped into
# three rows on a 390 px phone and ran up into the title). Measured in Chromium (plotly.js
# 4, walk25's chart at 390 and 1280 px): the legend's box starts at its anchor, is 10 px +
# LEGEND_PITCH a row high, and the plot starts 12 px under it, so the plot's top is
# LEGEND_TOP + LEGEND_PAD + LEGEND_PITCH × rows; top_margin asks for 1 px more, so that at
# the rows legend_rows counts plotly.js has nothing to push (no second layout pass)
LEGEND_TOP = TITLE_SPACE  # the legend's first text 4 px under the subtitle's box
LEGEND_PITCH = 19
LEGEND_PAD = 22


def top_margin(rows: int, extra: int = 0) -> int:
    """px above the plot: the title (two lines in TITLE_SPACE, ``extra`` px more for a
    wrapped one: title_extra), then ``rows`` legend rows, then the plot; nothing
    overlaps. With a legend, as much as plotly.js reserves for those rows (a narrower
    screen's extra rows push the plot down)."""
    return extra + (LEGEND_TOP + LEGEND_PAD + LEGEND_PITCH * rows + 1 if rows
                    else TITLE_SPACE + 6)


def legend_y(height: int, extra: int = 0) -> float:
    """The legend's ``y`` (container fraction, anchored at its top) that hangs it LEGEND_TOP
    + ``extra`` px from the top of a figure ``height`` px high."""
    return 1 - (LEGEND_TOP + extra) / height


def title_y(height: int) -> float:
    """The title's ``y`` (container fraction, yanchor "bottom") that puts its first line's
    baseline TITLE_SPACE - 14 px from the top of a figure ``height`` px high (plotly.js
    draws the lines after the first below it: a wrapped title grows down, measured in
    Chromium; ``top_margin`` and ``legend_y`` make room for them)."""
    return 1 - (TITLE_SPACE - 14) / height


def unwrap_title(title: str) -> str:
    """A house title as written, before ``wrap_title`` broke it into lines."""
    label, sub, rest = title.partition(_SUB)
    rest = _RAISED.sub(" ", _RAISED_END.sub("", rest))
    return label.replace(_BREAK, " ") + sub + rest.replace(_SUB_BREAK, " ")


def _sub_lines(lines: list[str]) -> str:
    """A subtitle's lines (wrap_px's, without markup between them) as the title writes them:
    each in a <sup> of its own, each past the first raised to the subtitle's own pitch."""
    raised = [f'<span style="baseline-shift:{_SUB_RISE * n:.2f}px">{line}</span>'
              for n, line in enumerate(lines[1:], start=1)]
    return _SUB + _SUB_BREAK.join([lines[0], *raised]) + _SUB_END


def wrap_title(title: str, width: float = TITLE_WIDTH) -> str:
    """A house title ('Label<br><sup>subtitle</sup>', or a label alone) in lines of at most
    ``width`` px: the label at TITLE_SIZE, the subtitle at <sup>'s size, each subtitle line
    in a <sup> of its own (one the walk of ``unwrap_title`` can undo: an image wraps it again
    for its own width)."""
    label, sub, rest = unwrap_title(title).partition(_SUB)
    width = width / TITLE_BOLD
    lines = wrap_px(label, width, TITLE_SIZE).replace("<br>", _BREAK)
    if sub and rest.endswith(_SUB_END) and _SUB_END not in rest[:-len(_SUB_END)]:
        subtitle = wrap_px(rest.removesuffix(_SUB_END), width, SUB_SIZE)
        return lines + _sub_lines(subtitle.split("<br>"))
    return lines + sub + rest  # not the house's shape: the subtitle left as it is


def title_extra(title: str) -> int:
    """px a wrapped title needs above TITLE_SPACE's two lines: TITLE_LINE for each line of
    the label past its first, SUB_LINE for each of the subtitle's past its first (a title
    without a subtitle: TITLE_LINE for each line past two)."""
    label, sub, rest = title.partition(_SUB)
    if not sub:
        return TITLE_LINE * max(0, label.count("<br>") - 1)
    return TITLE_LINE * label.count("<br>") + SUB_LINE * rest.count("<br>")


def legend_names(fig: dict) -> list[str]:
    """The names a figure's legend shows (plotly's rule: the traces not hidden from it, and
    only when more than one is shown or the legend is asked for); [] for no legend."""
    layout = fig.get("layout", {})
    if layout.get("showlegend") is False:
        return []
    names = [str(t["name"]) for t in fig.get("data", [])
             if t.get("showlegend") is not False and t.get("name")]
    return names if len(names) > 1 or layout.get("showlegend") else []


def house_layout_at(fig: dict, width: int, height: int) -> None:
    """Lay a house-layout figure (``_frame``: title anchored at its bottom line in the
    container, a horizontal legend above the plot) out again, in place, for an image
    ``width`` × ``height`` px: the title kept TITLE_SPACE - 14 px from the top (a fraction
    of the screen's height would move it down into the legend on a taller image) and room
    above the plot for as many legend rows as the image's plot width needs (a narrower
    image wraps the legend into more rows: 4:3). Other figures are left as they are."""
    layout = fig.setdefault("layout", {})
    title = layout.get("title")
    if not (isinstance(title, dict) and title.get("yref") == "container"
            and title.get("yanchor") == "bottom"):
        return
    if isinstance(title.get("text"), str):  # wrapped again for the image's width
        title["text"] = wrap_title(title["text"], width - 32)
    extra = title_extra(title.get("text") or "")
    title["y"] = title_y(height)
    legend = layout.get("legend") or {}
    margin = layout.setdefault("margin", {})
    hung = legend.get("yref") == "container" and legend.get("yanchor") == "top"
    if hung:
        legend["y"] = legend_y(height, extra)
    if legend.get("orientation") == "h" and (hung or (
            legend.get("yanchor") == "bottom" and legend.get("y", 1) >= 1)):
        plot_width = width - margin.get("l", LEFT) - margin.get("r", 24)
        for trace in fig.get("data", []):  # a name in lines for the screen: the image's
            name = trace.get("name")
            if isinstance(name, str) and _BREAK in name:
                whole = name.replace(_BREAK, " ")
                room = plot_width - LEGEND_ITEM - LEGEND_WRAP_SLACK
                trace["name"] = whole if text_width(whole) <= room else \
                    wrap_px(whole, room, TICK_SIZE).replace("<br>", _BREAK)
        names = legend_names(fig)
        margin["t"] = top_margin(legend_rows(names, plot_width) if names else 0, extra)
    _source_at(layout, width)


def _source_at(layout: dict, width: int) -> None:
    """The source line (_frame's annotation named "source") wrapped again for an image
    ``width`` px wide, 8 px in from each side, and the bottom margin made as much larger or
    smaller as its lines: on screen it is wrapped for a phone (SOURCE_WIDTH), which in a
    16:9 image read as a narrow 3–4 line block under a wide chart (rev25b)."""
    note = next((a for a in layout.get("annotations") or []
                 if isinstance(a, dict) and a.get("name") == "source"), None)
    margin = layout.get("margin") or {}
    if note is None or "b" not in margin:
        return
    before = note["text"].count("<br>") + 1
    note["text"] = wrap_px(note["text"].replace("<br>", " "), width - 16, SOURCE_SIZE)
    margin["b"] += SOURCE_LINE * (note["text"].count("<br>") + 1 - before)
    note["yshift"] = -(margin["b"] - 6)


def _frame(fig: go.Figure, ind: Indicator, *, title: str, source: str, height: int,
           value_axis: str = "y", legend_rows: int = 0, left: int = LEFT) -> None:
    """House layout: title, legend in rows above the plot, unit on the value axis, the source
    under the plot below the axis title, Swedish number format. ``left``: px left of the plot,
    room enough for the y axis' tick labels and title (see left_for)."""
    house_template(fig)
    tickformat = f",.{ind.decimals}f" if ind.unit != "count" else ",d"
    axis = {"title": {"text": unit_title(ind), "standoff": 6}, "tickformat": tickformat,
            "rangemode": "tozero"}
    _set_layout(fig, **{f"{value_axis}axis": axis})  # as update_yaxes: the one value axis
    if value_axis == "y":  # the x axis' labels clear the value axis' lowest (CORNER_GAP)
        _set_layout(fig, xaxis={"ticklabelstandoff": CORNER_GAP})
    # tick labels and axis titles dark enough to read (WCAG 1.4.3): set in the figure, so
    # Streamlit's theme (#808495) does not apply and an exported image reads the same
    for name in ("xaxis", "yaxis"):
        _set_layout(fig, **{name: {"tickfont": {"color": AXIS_TEXT},
                                   "title": {"font": {"color": AXIS_TEXT}}}})
    # the y axis' top tick label, centred on its tick, may stand up to ~7 px above the plot,
    # into the 12+ px top_margin leaves under the legend (or the title): it must not widen
    # the top margin, or plotly.js pushes the plot down in a second layout pass (Unga,
    # Falun: "10,0" on a range to 10.16 stood 2.4 px above and pushed the plot 1.4 px)
    _set_layout(fig, yaxis={"automargin": "width+bottom"})
    # title and source in lines of the chart's width on screen, a phone's when not known
    # (left26, left27: screen_wrap)
    title_width, source_width = screen_wrap()
    wrapped = wrap_px(source, source_width, SOURCE_SIZE)
    n_lines = wrapped.count("<br>") + 1
    axis_space = X_TICKS + X_TITLE if value_axis == "x" else X_TURNED
    bottom = axis_space + SOURCE_LINE * n_lines + 12
    title = wrap_title(title, title_width)
    extra = title_extra(title)
    # long legend names in lines (legend_name), their rows counted with their lines
    shown = [(n, t) for n, t in enumerate(fig.data)
             if t.name and t.showlegend is not False]
    named = {n: legend_name(t.name) for n, t in shown} if legend_rows else {}
    if legend_rows and any("<br>" in name for name in named.values()):
        legend_rows = _rows_of(list(named.values()))
    top = top_margin(legend_rows, extra)
    # the plot as high as before the legend hung from the title: the legend's rows and the
    # title's lines past two are added to the figure, not taken from the plot
    total = height + SOURCE_LINE * n_lines + top - TITLE_SPACE - (10 if legend_rows else 6)
    _set_layout(
        fig,
        # anchored at its bottom line: plotly.js cuts the first line of a two-line title
        # anchored at the top (seen at 1280×800)
        title={"text": title, "x": 0, "xanchor": "left", "xref": "container",
               "y": title_y(total), "yref": "container", "yanchor": "bottom",
               "pad": {"l": 8}, "font": {"size": 16}},
        separators=SEPARATORS, height=total,
        font={"family": FONT, "size": 13},
        margin={"l": left, "r": 24, "t": top, "b": bottom},
        # "normal": a flag trace's legendgroup would switch plotly to grouped order, entries
        # side by side at their own widths, not legend_rows' columns (review of walk24);
        # legendrank still puts the flags last
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": legend_y(total, extra),
                "yref": "container", "yanchor": "top", "font": {"size": 12}, "itemclick": "toggle", "traceorder": "normal"},
        hoverlabel={"namelength": -1},
    )
    # the source sits in the figure itself, so an exported image keeps it; below the axis
    # title (issue 9 point 6: they overlapped in "Kommunerna i …"); from the figure's left,
    # under the title, so a phone's narrow chart has room for it (walk25)
    # named "source": house_layout_at wraps it again for an image's width
    fig.add_annotation(text=wrapped, name="source", xref="paper", yref="paper", x=0, y=0,
                       xshift=-(left - 8), yshift=-(bottom - 6), xanchor="left",
                       yanchor="bottom", showarrow=False, align="left",
                       font={"size": SOURCE_SIZE, "color": "#555555"})
    literal_figure(fig)  # names from users and links as written, never markup (chart_text)
    for n, name in named.items():
        if "<br>" in name:  # the name's own '<' written as text (legend_name: plain)
            fig.data[n].name = name


def _set_layout(fig: go.Figure, **props: object) -> None:
    """``fig.update_layout(**props)`` without its relayout machinery (which checks every key
    path against the whole layout, template included: ~10 ms a chart). A property not yet
    set is assigned as a whole (validated as usual); one already set is merged as
    update_layout would merge it. The figure comes out the same (tests/test_exports.py)."""
    layout = fig.layout
    for key, value in props.items():
        current = layout[key]
        if current is None or (hasattr(current, "to_plotly_json") and not current.to_plotly_json()):
            layout[key] = value
        else:
            layout.update({key: value})


def wrap_px(text: str, width: float, size: float) -> str:
    """``text`` in lines joined by ``<br>``, each at most ``width`` px in the charts' font at
    ``size`` px (text_width; a single longer word gets a line of its own)."""
    space = text_width(" ", size)
    lines: list[str] = []
    current, used = "", 0.0
    for word in text.replace("\n", " ").split(" "):  # not at non-breaking spaces
        if not word:
            continue
        need = text_width(word, size)
        if current and used + space + need > width:
            lines.append(current)
            current, used = word, need
        else:
            current, used = (f"{current} {word}", used + space + need) if current \
                else (word, need)
    lines.append(current)
    return "<br>".join(lines)


def _wrap(text: str, width: int) -> str:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)
