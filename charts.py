"""Plotly figure builders: (data, Indicator) -> Figure. Never imports streamlit.

Every figure carries its own title (what, where, when), unit on the axis, and a source line
with the KPI id and fetch date, so an exported PNG or slide still says where it came from.
Swedish number format: decimal comma, space as thousands separator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from transforms import periods
from transforms.areas import coverage_label
from transforms.catalogue import Indicator
from transforms.formatting import format_date, format_number, format_value

SEPARATORS = ", "  # plotly: decimal separator, then thousands separator
FONT = "Source Sans Pro, Arial, sans-serif"
ROLE_STYLE = {
    "focus": {"color": "#1f5fa8", "width": 3.5, "dash": "solid"},
    "lan": {"color": "#d9822b", "width": 2.2, "dash": "solid"},
    "riket": {"color": "#5b5b5b", "width": 2.2, "dash": "dot"},
    "published": {"color": "#8a8a8a", "width": 1.5, "dash": "dash"},
    "member": {"color": "#9db7d5", "width": 1.3, "dash": "solid"},
}
# muted, and none close to the focus blue or the län orange
MEMBER_COLORS = ["#6a9fd4", "#8fbf7f", "#c49ad6", "#6cc3c0", "#d77a8c", "#a9a15a", "#8c8cd9",
                 "#a0a0a0"]


@dataclass
class Line:
    """One line of a time-series chart: a name, its data and its role (focus, lan, riket…)."""

    name: str
    data: pd.DataFrame  # year or period, value, and optionally status, n_reporting, n_expected
    role: str = "focus"
    computed: bool = False  # area value computed from kommuner


@dataclass
class Reference:
    """A horizontal reference line: a baseline period's value or a target the user typed."""

    name: str  # 'Växjö 2015' or 'LÖK-mål'
    value: float


def unit_title(ind: Indicator) -> str:
    """Axis title with the unit: 'Andel (%)', 'Antal', 'Kronor per invånare'."""
    return {"percent": "Andel (%)", "count": "Antal", "sek": f"Kronor ({ind.short_unit})",
            "per_1000": "Per 1 000 invånare"}[ind.unit]


def source_text(ind: Indicator, *, computed_note: str | None = None) -> str:
    """'Källa: Kolada (N03920); ursprunglig källa … Hämtad 25 november 2026.' plus method."""
    parts = [ind.source_line + "."]
    if ind.fetched_at:
        parts.append(f"Hämtad {format_date(ind.fetched_at)}.")
    if computed_note:
        parts.append(computed_note)
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


def _hover(line: Line, ind: Indicator) -> list[str]:
    texts = []
    df = line.data
    x = _x(df)
    freq = "year" if x == "year" else "month"
    for row in df.itertuples():
        value = format_number(row.value, ind.decimals)
        when = periods.label(getattr(row, x), freq)
        text = f"<b>{line.name}</b><br>{when}: {value} {ind.short_unit}"
        if getattr(row, "is_preliminary", False):
            text += "<br>preliminär"
        status = getattr(row, "status", None)
        if status == "partial":
            text += f"<br>{coverage_label(int(row.n_reporting), int(row.n_expected))}"
        texts.append(text)
    return texts


def _x_values(df: pd.DataFrame) -> pd.Series:
    """The x values of a series: years, or the months as timestamps (a date axis)."""
    return df["year"] if _x(df) == "year" else pd.to_datetime(df["period"])


def time_series(lines: list[Line], ind: Indicator, *, title: str,
                computed_note: str | None = None, height: int = 420,
                references: list[Reference] | None = None,
                breaks: list[tuple[date, str]] | None = None) -> go.Figure:
    """Lines over years or months with breaks marked, partial coverage flagged, optional
    reference lines named on the chart, and the source written in.

    An annual chart marks the indicator's own breaks (``ind.breaks``, by year) inside the
    years shown; a monthly one the ``breaks`` given: (first month of the new series, Swedish
    label), e.g. a change of age band. Monthly lines have no markers (dozens of months).
    """
    fig = go.Figure()
    member_colors = iter(MEMBER_COLORS * 3)
    annual = all(_x(line.data) == "year" for line in lines)
    for line in lines:
        style = dict(ROLE_STYLE.get(line.role, ROLE_STYLE["member"]))
        if line.role == "member":
            style["color"] = next(member_colors)
        df = line.data.sort_values(_x(line.data))
        fig.add_trace(go.Scatter(
            x=_x_values(df), y=df["value"], name=line.name,
            mode="lines+markers" if annual else "lines",
            line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
            marker={"size": 5}, hovertext=_hover(Line(line.name, df, line.role), ind),
            hoverinfo="text", connectgaps=False))
        if "status" in df.columns:
            partial = df[df["status"] == "partial"]
            if not partial.empty:
                fig.add_trace(go.Scatter(
                    x=_x_values(partial), y=partial["value"], mode="markers", showlegend=True,
                    name=f"{line.name}: alla kommuner rapporterar inte",
                    marker={"symbol": "circle-open", "size": 12, "color": style["color"],
                            "line": {"width": 2}}, hoverinfo="skip"))
    shown = [line.data.dropna(subset=["value"]) for line in lines]
    found = periods.span([df for df in shown if not df.empty])
    marks: list[tuple[object, str]] = []
    if annual and found:  # only breaks inside the years shown
        marks = [(brk.year - 0.5, brk.label) for brk in ind.breaks
                 if int(found[0]) < brk.year <= int(found[1])]
    elif not annual:  # between the month before and the first month of the new series
        marks = [(pd.Timestamp(when) - pd.Timedelta(days=15), label)
                 for when, label in breaks or []]
    for x, label in marks:
        fig.add_vline(x=x, line={"color": "#b03030", "dash": "dash", "width": 1.5})
        fig.add_annotation(x=x, y=1, yref="paper", text=f"Seriebrott: {label}",
                           showarrow=False, xanchor="left", yanchor="top",
                           font={"size": 11, "color": "#b03030"}, bgcolor="rgba(255,255,255,0.8)")
    for ref in references or []:
        fig.add_hline(y=ref.value, line={"color": "#2b2b2b", "dash": "dashdot", "width": 1.5})
        fig.add_annotation(x=0, xref="paper", y=ref.value, yref="y", showarrow=False,
                           xanchor="left", yanchor="bottom", bgcolor="rgba(255,255,255,0.85)",
                           text=f"{ref.name}: {format_value(ref.value, ind.decimals, ind.short_unit)}",
                           font={"size": 11, "color": "#2b2b2b"})
    _frame(fig, ind, title=title, source=source_text(ind, computed_note=computed_note),
           height=height)
    if annual:
        fig.update_xaxes(dtick=1 if _span(lines) <= 14 else 2, tickformat="d")
    else:
        fig.update_xaxes(dtick="M12", tickformat="%Y")  # years only: no English month names
    return fig


def _span(lines: list[Line]) -> int:
    years = [y for line in lines for y in line.data["year"]]
    return (max(years) - min(years)) if years else 0


def ranked_bar(df: pd.DataFrame, ind: Indicator, *, title: str, highlight: str | None = None,
               reference: list[tuple[str, float]] | None = None, height: int | None = None,
               computed_note: str | None = None) -> go.Figure:
    """Members ranked by their value in one year (``df``: kommun_name, value)."""
    df = df.dropna(subset=["value"]).sort_values("value")
    colors = ["#1f5fa8" if name == highlight else "#9db7d5" for name in df["kommun_name"]]
    fig = go.Figure(go.Bar(
        x=df["value"], y=df["kommun_name"], orientation="h", marker_color=colors,
        text=[format_number(v, ind.decimals) for v in df["value"]], textposition="outside",
        hovertemplate="%{y}: %{text} " + ind.short_unit + "<extra></extra>", cliponaxis=False))
    for name, value in reference or []:
        if value is None or pd.isna(value):
            continue
        fig.add_vline(x=value, line={"color": "#5b5b5b", "dash": "dot"})
        fig.add_annotation(x=value, y=1.0, yref="paper", text=f"{name}: "
                           f"{format_number(value, ind.decimals)}", showarrow=False,
                           yanchor="bottom", font={"size": 11})
    _frame(fig, ind, title=title, source=source_text(ind, computed_note=computed_note),
           height=height or max(260, 28 * len(df) + 160), value_axis="x")
    fig.update_layout(showlegend=False)
    return fig


def population_by_age(df: pd.DataFrame, ind: Indicator, *, title: str) -> go.Figure:
    """Women and men per age group (``df``: age_code, age_label, sex K/M, population)."""
    order = list(dict.fromkeys(df.sort_values("age_code", key=_age_key)["age_label"]))
    fig = go.Figure()
    for sex, name, color in (("K", "Kvinnor", "#c0504d"), ("M", "Män", "#1f5fa8")):
        part = df[df["sex"] == sex].groupby("age_label", as_index=False)["population"].sum()
        part = part.set_index("age_label").reindex(order).reset_index()
        fig.add_trace(go.Bar(
            y=part["age_label"], x=part["population"], name=name, orientation="h",
            marker_color=color,
            hovertemplate="%{y}: %{x:,d} " + name.lower() + "<extra></extra>"))
    _frame(fig, ind, title=title, source=source_text(ind), height=420, value_axis="x")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Ålder")
    return fig


def _age_key(codes: pd.Series) -> pd.Series:
    return codes.astype(str).str.extract(r"(\d+)")[0].astype(float)


def _frame(fig: go.Figure, ind: Indicator, *, title: str, source: str, height: int,
           value_axis: str = "y") -> None:
    """House layout: title, unit on the value axis, source line under the plot, Swedish format."""
    tickformat = f",.{ind.decimals}f" if ind.unit != "count" else ",d"
    axis = {"title_text": unit_title(ind), "tickformat": tickformat, "rangemode": "tozero"}
    (fig.update_yaxes if value_axis == "y" else fig.update_xaxes)(**axis)
    wrapped = _wrap(source, 110)
    n_lines = wrapped.count("<br>") + 1
    bottom = 50 + 14 * n_lines
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=SEPARATORS, height=height + 14 * n_lines, font={"family": FONT, "size": 13},
        margin={"l": 60, "r": 30, "t": 70, "b": bottom}, template="plotly_white",
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top",
                "font": {"size": 12}},
        hoverlabel={"namelength": -1},
    )
    # the source sits in the figure itself, so an exported image keeps it
    fig.add_annotation(text=wrapped, xref="paper", yref="paper", x=0, y=0, yshift=-(bottom - 8),
                       xanchor="left", yanchor="bottom", showarrow=False, align="left",
                       font={"size": 10, "color": "#555555"})


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
