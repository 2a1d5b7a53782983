"""Building blocks of a page: card, chart with its source line, member bars, SCB blocks.

Every block takes the run's Selection (area, sex, period, reference line) and draws one thing.
An indicator's series is clipped to the chosen period; annual and monthly series alike (the
time column is ``year`` or ``period``, see transforms/periods.py). Named blocks that a page
lists under ``blocks:`` in ui/pages.yml are registered in BLOCKS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

import charts
from transforms import bas, periods
from transforms.areas import coverage_label
from transforms.catalogue import Indicator
from transforms.export import series_frame
from transforms.formatting import format_change, format_date, format_month, format_value
from transforms.groups import slug
from ui.data import query
from ui.downloads import csv_button
from ui.selection import SEX_LABELS, Selection, reference_value
from warehouse import queries

MAX_MEMBER_LINES = 8  # an area with at most this many kommuner draws each of them too
MAX_MEMBER_BARS = 60  # "Kommunerna i …" for areas up to this size
PLOTLY_CONFIG = {"displaylogo": False, "locale": "sv",
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def source_footer(ind: Indicator, *, period: str, computed: bool,
                  area_note: str | None = None) -> None:
    """Definition, source, period and method under a chart, in Swedish."""
    parts = [f"**Definition:** {ind.definition or ind.title or ind.label}",
             f"**{ind.source_line}.** Hämtad {format_date(ind.fetched_at)}. Period: {period}."]
    if computed:
        parts.append(f"**Län, riket och andra områden:** {ind.area_method}.")
    if area_note:
        parts.append(area_note)
    if ind.note:
        parts.append(ind.note)
    st.caption("  \n".join(parts))


def sex_for(sel: Selection, ind: Indicator) -> tuple[str, str]:
    """The sex code to query and a note when the indicator has no split by sex."""
    if ind.has_sex or sel.sex == "T":
        return sel.sex, ""
    return "T", " (finns inte per kön; visar totalt)"


def series(sel: Selection, ind: Indicator, area: queries.Area, sex: str) -> pd.DataFrame:
    """An area's series inside the chosen period."""
    return periods.clip(query("area_series", ind, area, sex), sel.start, sel.end)


def comparison_lines(sel: Selection, ind: Indicator) -> list[charts.Line]:
    """The selected kommun or area, its län (when all members share one) and Riket.

    Beside a computed län or Riket, the source's own published value is drawn when fetched.
    """
    sex = sex_for(sel, ind)[0]
    shown: list[tuple[queries.Area, str]] = [(sel.area, "focus")]
    lan_codes = {m[:2] for m in sel.area.members}
    if sel.area.kind not in ("lan", "riket") and len(lan_codes) == 1:
        shown.append((query("area", f"lan:{lan_codes.pop()}"), "lan"))
    if sel.area.kind != "riket":
        shown.append((query("area", "riket"), "riket"))
    if not sel.area.is_kommun and len(sel.area.members) <= MAX_MEMBER_LINES:
        named = zip(query("kommun_names", list(sel.area.members)), sel.area.members, strict=True)
        shown += [(query("area", f"kommun:{code}"), "member") for _, code in sorted(named)]
    lines = []
    for area, role in shown:
        lines.append(charts.Line(area.name, series(sel, ind, area, sex), role,
                                 computed=not area.is_kommun))
        if area.kind in ("lan", "riket") and ind.frequency == "year":
            own = query("published_series", ind.id, area.area_id, sex)
            own = periods.clip(own, sel.start, sel.end)
            if not own.empty:
                lines.append(charts.Line(f"{area.name} enligt {ind.source}", own, "published"))
    return lines


def references(sel: Selection, ind: Indicator, sex: str) -> list[charts.Reference]:
    """The reference line(s) the user chose that apply to this indicator."""
    out = []
    if sel.state.baseline:
        value = reference_value(sel, query("area_series", ind, sel.area, sex))
        if value is not None:
            when = periods.Period.parse(sel.state.baseline)
            label = str(when.year) if ind.frequency == "year" else when.label()
            out.append(charts.Reference(f"{sel.area.name} {label}", value))
    target = sel.state.target
    if target and target.indicator_id == ind.id:
        out.append(charts.Reference(target.name, target.value))
    return out


def indicator_card(sel: Selection, indicator_id: str) -> None:
    """The latest value in the period with the change from the period before, and coverage."""
    ind = query("indicator", indicator_id)
    sex, sex_note = sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        st.info(f"**{ind.label}**: {ind.area_method}. {ind.note or ''}")
        return
    whole = query("area_series", ind, sel.area, sex)
    shown = periods.clip(whole, sel.start, sel.end).dropna(subset=["value"])
    found = periods.latest_and_previous(shown)
    if found is None:
        st.info(f"**{ind.label}**: inga värden för {sel.area.name} i vald period.")
        return
    latest, _ = found
    freq = periods.frequency_of(whole)
    column = "year" if freq == "year" else "period"
    # the period before may lie before the chosen range: look it up in the whole series
    upto = periods.clip(whole, None, periods.code(latest[column], freq))
    _, previous = periods.latest_and_previous(upto)
    delta = None
    if previous is not None:
        change = latest["value"] - previous["value"]
        delta = (f"{format_change(change, ind.decimals, ind.unit, ascii_minus=True)} från "
                 f"{periods.label(previous[column], freq)}")
    st.metric(f"{ind.label}, {periods.label(latest[column], freq)}{sex_note}",
              format_value(latest["value"], ind.decimals, ind.short_unit), delta,
              delta_color="off", border=True, help=ind.definition)
    if latest.get("status") == "partial":
        cover = coverage_label(int(latest["n_reporting"]), int(latest["n_expected"]))
        st.caption(f"Områdesvärdet bygger på {cover}.")


def indicator_chart(sel: Selection, indicator_id: str) -> None:
    """The comparison chart over time, its source footer and the numbers as CSV."""
    ind = query("indicator", indicator_id)
    sex, sex_note = sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        return
    lines = comparison_lines(sel, ind)
    if lines[0].data.dropna(subset=["value"]).empty:
        return
    compared = [line.name for line in lines if line.role in ("lan", "riket")]
    against = f" jämfört med {' och '.join(compared)}" if compared else ""
    period = charts.period_text([line.data for line in lines])
    computed = any(line.computed for line in lines)
    title = (f"{ind.label}{sex_note}<br><sup>{sel.area.name}{against}, {period}, "
             f"{SEX_LABELS[sex].lower()}</sup>")
    fig = charts.time_series(lines, ind, title=title, references=references(sel, ind, sex),
                             computed_note=f"Områden: {ind.area_method}." if computed else None)
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"chart-{indicator_id}")
    source_footer(ind, period=period, computed=computed)
    table = series_frame([(line.name, line.data) for line in lines if line.role != "published"],
                         ind, sex=SEX_LABELS[sex])
    csv_button(table, f"{ind.id}_{slug(sel.area.name)}.csv", key=f"csv-{indicator_id}")


def members_block(sel: Selection, indicator_id: str) -> None:
    """An area's member kommuner ranked on the latest period, with the area marked."""
    ind = query("indicator", indicator_id)
    sex = sex_for(sel, ind)[0]
    df = periods.clip(query("member_values", ind.id, list(sel.area.members), sex),
                      sel.start, sel.end).dropna(subset=["value"])
    if df.empty:
        return
    freq = periods.frequency_of(df)
    column = "year" if freq == "year" else "period"
    keys = periods.key(df)
    latest = df[keys == keys.max()]
    when = latest[column].iloc[0]
    ref = []
    if ind.aggregation != "none":
        area_df = query("area_series", ind, sel.area, sex)
        row = area_df[area_df[column] == when]
        if not row.empty:
            ref.append((sel.area.name, row["value"].iloc[0]))
    fig = charts.ranked_bar(latest, ind, title=f"{ind.label}: kommunerna i {sel.area.name}, "
                            f"{periods.label(when, freq)}", highlight=sel.kommun_name,
                            reference=ref)
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"members-{indicator_id}")


def selection_caption(sel: Selection) -> str:
    """One line under a page title saying what is shown and how areas are computed."""
    area = sel.area
    if area.is_kommun:
        return (f"{sel.kommun_name} i {sel.lan_name}, jämfört med länet och riket. "
                f"Kön: {sel.sex_label}. Län och riket är beräknade från kommunerna.")
    members = ", ".join(query("kommun_names", list(area.members)))
    where = f"{len(area.members)} kommuner: {members}" if len(area.members) <= 15 \
        else f"{len(area.members)} kommuner"
    vintage = f" Indelning {area.vintage}." if area.vintage else ""
    return (f"{area.name} ({where}). Kön: {sel.sex_label}. Områdets värden är beräknade från "
            f"kommunerna enligt varje nyckeltals regel.{vintage}")


def monthly_unemployment_block(sel: Selection) -> None:
    """Latest month of SCB BAS unemployment in the period, with the change from the same
    month a year earlier, when that dataset is in the warehouse; otherwise say what is
    missing and why."""
    if not query("has_table", "marts.bas_kommun_monthly"):
        st.caption("Månadsvis arbetslöshet (SCB BAS, tabell TAB6260) saknas i databasen: den "
                   "finns inte i spegeln och har inte kunnat hämtas från SCB.")
        return
    members = list(sel.area.members)
    monthly = bas.area_monthly(query("bas_monthly", members), members, sel.sex)
    latest = bas.latest_with_year_before(periods.clip(monthly, None, sel.end))
    if latest is None:
        st.caption(f"SCB BAS har inga månadsvärden för {sel.area.name} i vald period (för ett "
                   "område krävs antal arbetslösa och arbetskraften för varje kommun).")
        return
    fetched = format_date(query("fetched_at", "scb", "bas_kommun_monthly"))
    st.metric(**bas_metric(latest))
    st.caption(f"Källa: SCB, Befolkningens arbetsmarknadsstatus (BAS), hämtad {fetched}. "
               "Andel arbetslösa av arbetskraften 16–64 år"
               + ("; området: summa arbetslösa / summa arbetskraft." if len(members) > 1
                  else ".") + " Inte samma mått som Kolada/Arbetsförmedlingens nedan.")


def bas_metric(latest: dict) -> dict:
    """Arguments for st.metric from bas.latest_with_year_before()."""
    period = latest["period"]
    delta = None
    if latest["rate_year_before"] is not None:
        change = format_change(latest["rate"] - latest["rate_year_before"], 1, "percent",
                               ascii_minus=True)
        delta = f"{change} från {format_month(period.replace(year=period.year - 1))}"
    label = f"Arbetslöshet 16–64 år (SCB BAS), {format_month(period)}"
    if latest["is_preliminary"]:
        label += " – preliminär"
    return {"label": label, "value": format_value(latest["rate"], 1, "%"), "delta": delta,
            "delta_color": "off", "border": True}


def population_block(sel: Selection) -> None:
    """SCB's monthly population for the län (or Riket), by age group and sex, when fetched."""
    if not query("has_table", "marts.population_region_monthly"):
        st.caption("SCB:s befolkning per månad saknas i databasen.")
        return
    area = sel.area
    if area.kind in ("kommun", "lan"):
        lan_codes, name = [area.members[0][:2]], sel.lan_name if area.is_kommun else area.name
    elif area.kind == "riket":
        lan_codes, name = sorted({m[:2] for m in area.members}), "Riket"
    else:
        st.caption("SCB:s månadsbefolkning finns här per län; välj en kommun, ett län eller "
                   "riket för att se den.")
        return
    df = periods.clip(query("population_lan_monthly", lan_codes), sel.start, sel.end)
    if df.empty:
        st.caption(f"SCB:s månadsbefolkning saknas för {name} i vald period.")
        return
    meta = scb_population_meta(str(df["table_id"].iloc[0]))
    latest = df["period"].max()
    now = df[(df["period"] == latest) & (df["sex"] == "T")]["population"].sum()
    first = df[(df["period"] == df["period"].min()) & (df["sex"] == "T")]["population"].sum()
    delta = None
    if df["period"].nunique() > 1:
        change = format_change(now - first, 0, "count", ascii_minus=True)
        delta = f"{change} sedan {format_month(df['period'].min())}"
    if area.is_kommun:
        st.caption(f"SCB:s månadsbefolkning per kommun finns inte i datan; {sel.kommun_name}s "
                   f"län visas.")
    st.metric(f"Folkmängd, {name}, {format_month(latest)}",
              format_value(now, 0, "antal"), delta, delta_color="off", border=True)
    fig = charts.population_by_age(df[df["period"] == latest], meta,
                                   title=f"Folkmängd efter ålder och kön, {name}, "
                                         f"{format_month(latest)}")
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key="chart-population")
    st.caption("Summerat över SCB:s åldersgrupper. Från referensåret 2025 lägger SCB in en liten "
               "slumpmässig osäkerhet i alla befolkningsuppgifter (Cell Key Method), så en summa "
               "av delar kan avvika något från SCB:s publicerade total.")


def scb_population_meta(table_id: str) -> Indicator:
    """Chart metadata for SCB's monthly population table."""
    return Indicator(id=table_id, label="Folkmängd", unit="count", short_unit="antal",
                     decimals=0, groups=("befolkning",), aggregation="sum", source="SCB",
                     definition="Folkmängden den sista dagen i respektive månad.",
                     fetched_at=query("fetched_at", "scb", "population_lan_monthly"),
                     frequency="month")


@dataclass(frozen=True)
class Block:
    """A named block a page may list under ``blocks:``, and the months it can show."""

    render: Callable[[Selection], None]
    frequency: str = "month"
    dataset: str | None = None  # warehouse.queries.MONTHLY_TABLES key for its period span

    def span(self) -> tuple[str, str] | None:
        """The first and last period the block can show, if it knows."""
        return query("month_span", self.dataset) if self.dataset else None


BLOCKS: dict[str, Block] = {
    "bas_senaste_manad": Block(monthly_unemployment_block, dataset="bas"),
    "befolkning_lan": Block(population_block, dataset="population"),
}
