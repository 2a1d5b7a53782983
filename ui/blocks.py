"""Building blocks of a page: card, chart with its source line, member bars, SCB blocks.

Every block takes the run's Selection (area, sex, period, reference line) and draws one thing.
An indicator's series is clipped to the chosen period; annual and monthly series alike (the
time column is ``year`` or ``period``, see transforms/periods.py). Named blocks that a page
lists under ``blocks:`` in ui/pages.yml are registered in BLOCKS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

import charts
from chart_text import as_text
from transforms import bounds, monthly, periods, ranking
from transforms.areas import (
    LanChoice,
    compared_with,
    coverage_of,
    missing_members,
    withheld_text,
)
from transforms.catalogue import Indicator, load_catalogue, monthly_marts
from transforms.composition import gaps_note, missing_part_rows, part_gaps, part_sums
from transforms.export import (
    area_code,
    mark_few_people,
    members_subtitle,
    missing_member_rows,
    population_frame,
    series_frame,
    shown_change,
    stacked_frame,
)
from transforms.formatting import (
    and_list,
    count_of,
    dash_ranges,
    few_people_note,
    format_change,
    format_date,
    format_month,
    format_value,
    genitive,
    markdown_literal,
)
from ui import cards, swedish
from ui.analysis import default_options
from ui.cards import CardView
from ui.data import cached, figure, query
from ui.downloads import chart as draw_chart
from ui.downloads import chart_downloads, name_parts, plotly_config, table_export
from ui.selection import (
    NO_SEX,
    NO_SEX_FETCHED,
    SEX_LABELS,
    Selection,
    dimension_control,
    reference_value,
    total_note,
)
from warehouse import queries

MAX_MEMBER_LINES = 8  # an area with at most this many kommuner draws each of them too
MAX_MEMBER_BARS = 60  # "Kommunerna i …" for areas up to this size
PLOTLY_CONFIG = swedish.PLOTLY_CONFIG  # Swedish toolbar, decimal comma, no logo


def note(text: str) -> None:
    """``st.info`` with no icon. Without ``icon`` Streamlit looks for a leading emoji in any
    non-ASCII text, and the first look loads its emoji catalogue and compiles a regular
    expression of every emoji (~0.1 s of the app's first run; issue 12 point 7: the monthly
    block's "no values" note on a cold start). Our notes never start with an emoji."""
    st.info(text, icon="")


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
    return "T", total_note(NO_SEX)


def series(sel: Selection, ind: Indicator, area: queries.Area, sex: str) -> pd.DataFrame:
    """An area's series inside the chosen period (a weighted rate's partial years carry the
    share of the population behind them: queries.area_series)."""
    return periods.clip(query("area_series", ind, area, sex), sel.start, sel.end)


def coverage_text(ind: Indicator, row: pd.Series) -> str:
    """'4 av 5 kommuner, 92 % av befolkningen 16–64 år' for a partial area value (the share
    where the series carries it), '' when every member reports."""
    return coverage_of(row, ind.weight_label)


def compared_areas(sel: Selection, *, members: bool = True) -> list[tuple[queries.Area, str]]:
    """(area, role): the selected kommun or area, the län it is compared with (its own, or for
    an area across län the one holding most of its population: lan_choice), Riket, and with
    ``members`` the member kommuner of a small area."""
    shown = compared_with(sel.area, lan_choice(sel), lambda area_id: query("area", area_id))
    if members and not sel.area.is_kommun and len(sel.area.members) <= MAX_MEMBER_LINES:
        named = zip(query("kommun_names", list(sel.area.members)), sel.area.members, strict=True)
        shown += [(query("area", f"kommun:{code}"), "member") for _, code in sorted(named)]
    return shown


def lan_choice(sel: Selection) -> LanChoice:
    """The län the selected area's charts, cards and downloads draw beside it, and the note
    saying why for an area across län (transforms.areas.lan_comparison, as the deck)."""
    return query("lan_comparison", sel.area)


def lan_note_text(sel: Selection) -> str:
    """Which län an area across län is compared with and why ('Jämförs med Västra Götalands
    län, där 12 av 13 kommuner …'), or why it is compared with Riket only; '' otherwise."""
    return lan_choice(sel).note


def comparison_lines(sel: Selection, ind: Indicator) -> list[charts.Line]:
    """The selected kommun or area, its län, Riket and the members of a small area.

    Beside a computed län or Riket, the source's own published value is drawn when fetched.
    """
    sex = sex_for(sel, ind)[0]
    lines = []
    for area, role in compared_areas(sel):
        lines.append(charts.Line(area.name, series(sel, ind, area, sex), role,
                                 computed=not area.is_kommun, area_id=area.area_id))
        if area.kind in ("lan", "riket") and ind.frequency == "year":
            own = query("published_series", ind.id, area.area_id, sex)
            own = periods.clip(own, sel.start, sel.end)
            if not own.empty:
                lines.append(charts.Line(f"{area.name} enligt {ind.source}", own, "published"))
    return lines


def references(sel: Selection, ind: Indicator, focus: pd.DataFrame) -> list[charts.Reference]:
    """The reference line(s) the user chose that apply to this indicator (``focus``: the
    chosen area's whole series, for a baseline period's value)."""
    out = []
    if sel.state.baseline:
        value = reference_value(sel, focus)
        if value is not None:
            when = periods.Period.parse(sel.state.baseline)
            label = str(when.year) if ind.frequency == "year" else when.label()
            out.append(charts.Reference(f"{sel.area.name} {label}", value))
    target = sel.state.target
    if target and target.indicator_id == ind.id:
        out.append(charts.Reference(target.name, target.value))
    return out


@dataclass(frozen=True)
class Card:
    """What a card shows (a value or a plain note) and the period it shows (None: no
    value)."""

    view: CardView
    period: object = None


def card_of(sel: Selection, indicator_id: str) -> Card:
    """What indicator_card draws, computed from the queries (no drawing: cached per view)."""
    ind = query("indicator", indicator_id)
    sex, sex_note = sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        return Card(CardView(info=f"**{ind.label}**: {ind.area_method}. {ind.note or ''}"))
    whole = query("area_series", ind, sel.area, sex)
    found = periods.latest_and_previous(periods.clip(whole, sel.start, sel.end))
    if found is None:
        return Card(CardView(info=f"**{ind.label}**: inga värden för "
                                  f"{markdown_literal(sel.area.name)} "
                                  f"{none_words(sel, whole)}."))
    latest, _ = found
    freq = periods.frequency_of(whole)
    column = "year" if freq == "year" else "period"
    # the period before may lie before the chosen range: look it up in the whole series
    upto = periods.clip(whole, None, periods.code(latest[column], freq))
    _, previous = periods.latest_and_previous(upto)
    delta, notes = None, ()
    if previous is not None:
        delta, notes = change_of(sel, ind, sex, latest, previous, freq)
    lower = bounds.is_lower(latest)  # a sum of counts with members missing (numfix26)
    if latest.get("status") == "partial":
        cover = coverage_text(ind, latest)
        notes = (f"Områdesvärdet bygger på {cover}." + (
            " **Minst:** kommuner utan värde saknas i summan, så det sanna antalet är minst "
            "detta." if lower else ""),) + notes
    if freq == "year":  # "the year before rests on few people" only where a change is given
        notes += few_people_notes(ind, sel.area, sex, latest,
                                  previous if delta is not None else None)
    value = ("minst " if lower else "") + format_value(latest["value"], ind.decimals,
                                                       ind.short_unit)
    newest = newest_year_missing(sel, ind, sex, int(latest["year"])) if freq == "year" else None
    if newest is not None:  # never an older year's value as if it were the newest (walk27b)
        # members report that year, but too few of them or of the people (stop 28)
        row = whole[whole["year"] == newest]
        why = withheld_text(row.iloc[0], ind.weight_label) if not row.empty else ""
        return Card(CardView(
            label=f"{ind.label}, {newest}{sex_note}", value=WITHHELD_VALUE if why else
            MISSING_VALUE, help=ind.definition,
            notes=(missing_year_note(newest, sel.area.name, int(latest["year"]), value, delta,
                                     why), *notes)), newest)
    return Card(CardView(label=f"{ind.label}, {periods.label(latest[column], freq)}{sex_note}",
                         value=value, delta=delta, help=ind.definition, notes=notes),
                latest[column])


MISSING_VALUE = "uppgift saknas"
WITHHELD_VALUE = "inget områdesvärde"


def newest_year_missing(sel: Selection, ind: Indicator, sex: str, latest: int) -> int | None:
    """The year a yearly card should show when the area has no value for it but ``latest``
    (its newest value) is older: the newest year in the chosen period that other kommuner
    have a value for (Riket's series for this sex, computed from the kommuner); None when the
    area's newest value is that year (walk27b: Tjörn's U31804 for kvinnor showed 2021 beside
    cards and a chart of 2022, nothing saying 2022 was missing for Tjörn)."""
    end = int(str(sel.end)[:4]) if sel.end else None
    if ind.last_year is None or latest >= min(ind.last_year, end or ind.last_year) \
            or sel.area.kind == "riket":
        return None  # (the indicator's last_year is any sex's: Riket's series says this sex's)
    riket = query("area_series", ind, query("area", "riket"), sex)
    years = riket.loc[riket["value"].notna(), "year"].astype(int)
    years = years[years <= end] if end else years
    newest = int(years.max()) if len(years) else None
    return newest if newest is not None and newest > latest else None


def missing_year_note(year: int, name: str, latest: int, value: str, delta: str | None,
                      why: str = "") -> str:
    """'2022: uppgift saknas för Tjörn; senast 2021: 4,7 % (−3,2 procentenheter från 2020).'
    The card's note for a newest year the area has no value for (the monthly card's 'augusti
    2026: dolt av källan' for a year). ``why``: the area's value is withheld though members
    report (transforms.areas.withheld_text): '2022: inget områdesvärde för Y: värden finns
    för 2 av 3 kommuner, …' (stop 28)."""
    before = f"senast {latest}: {value}" + (f" ({delta})" if delta else "") + "."
    if why:
        return (f"**{year}: inget områdesvärde för {name}**: "
                f"{why.removeprefix('inget områdesvärde: ')}; {before}")
    return f"**{year}: uppgift saknas för {name}** (källan har värden för andra kommuner); {before}"


def change_of(sel: Selection, ind: Indicator, sex: str, latest: pd.Series,
              previous: pd.Series, freq: str) -> tuple[str | None, tuple[str, ...]]:
    """A card's change from ``previous`` to ``latest`` and its notes. Where either rests on
    only some of the area's members (a sum with members missing, numfix26, or a weighted share
    over the reporting members, stop 27), the change is counted like for like, over the
    members with a value both years, the earlier year with the same weights ("samma 4
    kommuner båda åren"), or withheld with the reason: a change between values of different
    members is no change. Across
    one of the indicator's series breaks (``ind.breaks``) no change is given and the note says
    why (``periods.break_reason``, as the deck's key figures)."""
    column = "year" if freq == "year" else "period"
    if freq == "year":  # across a series break the years are not alike (as the monthly card)
        reason = periods.break_reason(ind.breaks, int(previous["year"]), int(latest["year"]))
        if reason:
            return None, (reason,)
    new, old, same = latest["value"], previous["value"], ""
    if freq != "year":  # like with like: never across a break or between two age bands
        mart = monthly_marts().get(ind.mart)
        same_band = None if mart is None else monthly.band_lookup(
            mart, {}, lambda d: query("monthly_series", ind, sel.area, sex, d))
        compared = monthly.compared_value(latest, previous, breaks=ind.breaks,
                                          same_band=same_band)
        if compared.value is None:
            return None, ((compared.reason,) if compared.reason else ())
        if compared.note:  # the month before read in this month's band (december's 20–65
            # against january's 20–66 gave a change of two different populations)
            if bounds.rests_on_part(latest) or compared.status == "partial" \
                    or compared.is_lower_bound:
                return None, (compared.note, bounds.NOT_LIKE_FOR_LIKE)
            change = shown_change(new, compared.value, ind.decimals)
            words = format_change(change, ind.decimals, ind.unit, ind.short_unit, ind.label)
            return f"{words} från {periods.label(previous[column], freq)}", (compared.note,)
    if bounds.rests_on_part(latest) or bounds.rests_on_part(previous):
        if freq == "year":
            years = (int(latest["year"]), int(previous["year"]))
            both = bounds.like_for_like(query("member_values_weighted", ind,
                                              list(sel.area.members), sex, years), *years)
        elif bounds.is_lower(latest) or bounds.is_lower(previous):
            both = None  # a month's bound: no change (numfix26)
        else:  # a share over some kommuner: the same kommuner both months
            both = query("monthly_like_for_like", ind, sel.area, sex, {},
                         str(pd.Timestamp(latest["period"]).date()),
                         str(pd.Timestamp(previous["period"]).date()))
        if both is None:
            return None, (bounds.NOT_LIKE_FOR_LIKE,)
        new, old = both.latest, both.previous
        same = (f", samma {both.n_members} kommuner båda "
                f"{'åren' if freq == 'year' else 'månaderna'}")
    change = shown_change(new, old, ind.decimals)
    words = format_change(change, ind.decimals, ind.unit, ind.short_unit, ind.label)
    return f"{words} från {periods.label(previous[column], freq)}{same}", ()


def people_indicator(ind: Indicator) -> Indicator | None:
    """The yearly count of people (or households) an indicator's value rests on: the value
    itself for a count, the one count a share is weighted by where that weight is the share's
    own denominator (``weight_exact``: biståndsmottagare, those in or leaving
    etableringsuppdraget); None for a share of the population (thousands in every kommun), a
    monthly measure or a kommun-only value without a denominator."""
    if ind.is_monthly:
        return None
    if ind.unit == "count" and ind.aggregation == "sum":
        return ind
    if ind.aggregation != "weighted" or not ind.weight_exact or len(ind.weight_ids) != 1 \
            or (ind.weight_label or "").startswith("befolkningen"):
        return None
    try:
        weight = query("indicator", ind.weight_ids[0])
    except queries.UnknownIndicator:
        return None
    return weight if weight.unit == "count" and weight.aggregation == "sum" else None


def people_by_year(ind: Indicator, area: queries.Area, sex: str) -> dict[int, float]:
    """Year -> the count of people ``ind``'s value for ``area`` rests on (people_indicator);
    empty when it has none."""
    who = people_indicator(ind)
    if who is None:
        return {}
    df = query("area_series", who, area, sex if who.has_sex else "T").dropna(subset=["value"])
    return dict(zip(df["year"].astype(int), df["value"].astype(float), strict=True))


def people_noun(ind: Indicator) -> str:
    """'hushåll' when the count behind the value counts households, else 'personer'."""
    who = people_indicator(ind)
    return "hushåll" if who is not None and "hushåll" in who.label.lower() else "personer"


def few_people_notes(ind: Indicator, area: queries.Area, sex: str, latest: pd.Series,
                     previous: pd.Series | None) -> tuple[str, ...]:
    """A card's note when its latest value, or the year its change is counted from, rests on
    few people (transforms.formatting.few_people_note); () otherwise."""
    counts = people_by_year(ind, area, sex)
    if not counts:
        return ()
    noun = people_noun(ind)
    share_of = ind.weight_label if people_indicator(ind) is not ind else None
    year = int(latest["year"])
    note = few_people_note(counts.get(year), year, share_of=share_of, noun=noun)
    if note:
        return (note,)
    if previous is not None:
        before = int(previous["year"])
        n = counts.get(before)
        if few_people_note(n, before, noun=noun):
            text = (f"Året före bygger på få {noun} ({count_of(n, noun)} år {before}), så "
                    "förändringen ska tolkas försiktigt.")
            return (text,)
    return ()


def none_words(sel: Selection, whole: pd.DataFrame) -> str:
    """Where a series shown for the chosen period has no value: 'i vald period (senaste värde
    2022)' when it has values outside the period, 'i den hämtade datan' when it has none at
    all (SCB BAS outside Dalarna in the mirror)."""
    if not whole["value"].notna().any():
        return "i den hämtade datan"
    before, after = periods.nearest_outside(whole, sel.start, sel.end)
    near = "; ".join(text for text in (before and f"senaste värde {before}",
                                       after and f"första värde {after}") if text)
    return f"i vald period ({near})" if near else "i vald period"


def indicator_card_of(sel: Selection, indicator_id: str) -> Card:
    """The latest value in the period with the change from the period before, and coverage
    (cached per view; ``period`` None when there is no value)."""
    return cached("card", (indicator_id, sel.view_key()), lambda: card_of(sel, indicator_id))


def indicator_card(sel: Selection, indicator_id: str) -> None:
    """One indicator's card, the whole width."""
    cards.draw([indicator_card_of(sel, indicator_id).view], whole=True)


def section_cards(sel: Selection, ids: list[str], *, rank: bool = False) -> None:
    """The cards of a section's indicators, three to a row, as one element; ``rank``: each
    with the kommun's place among all kommuner under it."""
    cards.draw([ranked_card(sel, i) if rank else indicator_card_of(sel, i).view for i in ids])


def places_reader(sel: Selection, ids: list[str]) -> Callable[[str, tuple, dict], object]:
    """A read-ahead (ui.data.reading_ahead) for the places of a page's ranked annual cards
    (``ids``): the first card whose every-kommun values miss the cache reads those of all of
    them in one statement per sex (one statement per card before: 12 on Översikt's first view
    in a process). Monthly cards keep their own statement."""
    wanted: dict[tuple[str, int, str], None] = {}
    read: dict[tuple[str, int, str], pd.DataFrame] = {}
    asked: list[bool] = []

    def places() -> None:  # at the first miss: a run whose places are cached does nothing
        asked.append(True)
        for indicator_id in ids:
            ind = query("indicator", indicator_id)
            if ind.is_monthly or ind.better is None:
                continue
            period = indicator_card_of(sel, indicator_id).period
            if period is not None:
                wanted[(ind.id, int(str(period)[:4]), sex_for(sel, ind)[0])] = None
        for sex in dict.fromkeys(s for _, _, s in wanted):
            pairs = [(i, y) for i, y, s in wanted if s == sex]
            found = query("kommun_values_many", pairs, sex)
            read.update({(i, y, sex): found[(i, y)] for i, y in pairs})

    def batch(name: str, args: tuple, kwargs: dict) -> object:
        if name != "kommun_values" or kwargs or len(args) != 3 or not sel.area.is_kommun \
                or not isinstance(args[0], Indicator) or args[0].is_monthly:
            return None
        if not asked:
            places()
        found = read.get((args[0].id, int(str(args[1])[:4]), args[2]))
        return None if found is None else found.copy()

    return batch


@dataclass(frozen=True)
class ChartParts:
    """What a chart block draws: the figure, what its files are named by, the period shown,
    whether area values are computed, and its numbers for the downloads."""

    fig: object
    names: tuple[str, ...]
    period: str
    computed: bool
    table: object  # exports.tables.TableExport


def indicator_chart(sel: Selection, indicator_id: str) -> None:
    """The comparison chart over time, its source footer and the numbers as CSV."""
    parts = cached("chart", (indicator_id, sel.view_key(), charts.screen_width()),
                   lambda: chart_of(sel, indicator_id))
    if parts is None:
        return
    draw_chart(parts.fig, plotly_config(*parts.names), key=f"chart-{indicator_id}",
               table=parts.table)
    source_footer(query("indicator", indicator_id), period=parts.period,
                  computed=parts.computed)
    chart_downloads(parts.fig, *parts.names, key=f"dl-{indicator_id}", table=parts.table)


def chart_of(sel: Selection, indicator_id: str) -> ChartParts | None:
    """What indicator_chart draws (no drawing: cached per view); None for no chart."""
    ind = query("indicator", indicator_id)
    sex, sex_note = sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        return None
    lines = comparison_lines(sel, ind)
    if lines[0].data["value"].isna().all():
        return None
    beside = ""
    if ind.unit == "count":  # never on one axis with Riket: the area alone, the rest as numbers
        beside = _latest_numbers(ind, [line for line in lines if line.role in ("lan", "riket")])
        lines = [line for line in lines if line.role in ("focus", "member")]
    compared = [line.name for line in lines if line.role in ("lan", "riket")
                and not line.data["value"].isna().all()]  # only those drawn
    against = f" jämfört med {and_list([as_text(c) for c in compared])}" if compared else ""
    if beside:
        against += f"; {beside}"
    period = charts.period_text([line.data for line in lines])
    computed = any(line.computed for line in lines)
    title = (f"{ind.label}{sex_note}<br><sup>{as_text(sel.area.name)}{against}, {period}, "
             f"{SEX_LABELS[sex].lower()}</sup>")
    focus = query("area_series", ind, sel.area, sex)
    fig = charts.time_series(lines, ind, title=title, references=references(sel, ind, focus),
                             computed_note=area_note(ind) if computed else None)
    names = name_parts(sel.area.name, ind.label, period, sex)
    table = series_frame([(line.name, line.data, line.area_id) for line in lines
                          if line.role != "published"], ind, sex=SEX_LABELS[sex])
    if people_indicator(ind) is not None:  # the download says where a value rests on few
        table = mark_few_people(table, {area_code(area.area_id): people_by_year(ind, area, sex)
                                        for area, role in compared_areas(sel)
                                        if role in ("focus", "member")},
                                noun=people_noun(ind), by="kod")
    return ChartParts(fig, names, period, computed, table_export(
        sel.area, ind, table, sex=SEX_LABELS[sex], period=period, computed=computed))


def _coverage_words(ind: Indicator, row: pd.Series) -> str:
    """', bygger på 253 av 290 kommuner' for an area value only some members report, else
    '' (the words of the cards and the hover)."""
    if row.get("status") != "partial":
        return ""
    cover = coverage_text(ind, row)
    return f", bygger på {cover}" if cover else ""


def _latest_numbers(ind: Indicator, lines: list[charts.Line]) -> str:
    """'Kronobergs län 1 234 (2023), Riket 8 548 (2022, bygger på 253 av 290 kommuner)': the
    latest value of each line, with its coverage when only some member kommuner report (the
    same words as a card's and a hover's note)."""
    texts = []
    for line in lines:
        df = line.data.dropna(subset=["value"])
        found = periods.latest_and_previous(df)
        if found is None:
            continue
        latest = found[0]
        freq = periods.frequency_of(df)
        when = periods.label(latest["year" if freq == "year" else "period"], freq)
        when += _coverage_words(ind, latest)
        bound = "minst " if bounds.is_lower(latest) else ""  # a sum without every member
        texts.append(f"{line.name} {bound}"
                     f"{format_value(latest['value'], ind.decimals, ind.short_unit)} ({when})")
    return ", ".join(texts)


def area_note(ind: Indicator) -> str:
    """The source line's words on how a chart's area values are made from the kommuner:
    'Områden: beräknat från kommunerna, vägt med befolkningen 16–64 år …' (every chart that
    draws an area value: lines, monthly lines, the member bars' area bar)."""
    return f"Områden: {ind.area_method}."


def members_block(sel: Selection, indicator_id: str) -> None:
    """An area's member kommuner ranked on the latest period, with the area marked."""
    parts = cached("members", (indicator_id, sel.view_key(), charts.screen_width()),
                   lambda: members_chart_of(sel, indicator_id))
    if parts is None:
        return
    draw_chart(parts.fig, plotly_config(*parts.names), key=f"members-{indicator_id}",
               table=parts.table)
    chart_downloads(parts.fig, *parts.names, key=f"dl-members-{indicator_id}",
                    table=parts.table)


CHOSEN = "(vald kommun)"  # after the picker's kommun's name on a member bar


def members_chart_of(sel: Selection, indicator_id: str) -> ChartParts | None:
    """What members_block draws (no drawing: cached per view); None when no member has a
    value in the period."""
    ind = query("indicator", indicator_id)
    sex = sex_for(sel, ind)[0]
    values = periods.clip(query("member_values", ind.id, list(sel.area.members), sex),
                          sel.start, sel.end)
    df = values.dropna(subset=["value"])
    if df.empty:
        return None
    freq = periods.frequency_of(df)
    column = "year" if freq == "year" else "period"
    keys = periods.key(df)
    latest = df[keys == keys.max()]
    when = latest[column].iloc[0]
    members = list(zip(sel.area.members, query("kommun_names", list(sel.area.members)),
                       strict=True))
    # a member without a value is named in a slot of its own, not left out (walk26b)
    missing = missing_members(values, members, int(when)) if freq == "year" else []
    own = None
    # the area's own value as a bar of its own; never for a count (the area's sum is larger
    # than every member and would flatten them)
    if ind.aggregation not in ("none", "sum") and ind.unit != "count":
        area_df = query("area_series", ind, sel.area, sex)
        row = area_df[area_df[column] == when]
        if not row.empty:
            own = (sel.area.name, row["value"].iloc[0])
    # the sex as the line charts say it (walk25), in a subtitle as the deck's slide says
    # it: a bar image pasted alone must not pass women's values off as everyone's, and a
    # one-line title ending in the sex was cut at 1280 px (uifix25)
    subtitle = members_subtitle(as_text(sel.area.name), periods.label(when, freq), sex)
    if ind.aggregation == "sum":  # the area's sum as a number, not as a bar or a line
        area_df = query("area_series", ind, sel.area, sex)
        row = area_df[area_df[column] == when].dropna(subset=["value"])
        if not row.empty:
            cover = _coverage_words(ind, row.iloc[0]).removeprefix(", ")
            # 'sammanlagt', not 'totalt': the subtitle says the sex with 'totalt'; on the
            # subtitle's line, as the title's space holds two lines
            bound = "minst " if bounds.is_lower(row.iloc[0]) else ""  # kommuner missing
            subtitle += (f". {as_text(sel.area.name)} sammanlagt: {bound}"
                         f"{format_value(row['value'].iloc[0], ind.decimals, ind.short_unit)}"
                         f"{f' ({cover})' if cover else ''}")
    # the picker's kommun is darker only where it is a member, and its bar's name says why
    # (a label, not the subtitle: that line is full at 1280 px with a count's sum)
    shown, highlight = latest, None
    if sel.kommun_code in sel.area.members:
        highlight = f"{sel.kommun_name} {CHOSEN}"
        shown = latest.assign(kommun_name=latest["kommun_name"].where(
            latest["kommun_code"] != sel.kommun_code, highlight))
    title = f"{ind.label}<br><sup>{subtitle}</sup>"
    when_text = periods.label(when, freq)
    # the area's own bar is computed from the kommuner: the source line says how, as every
    # other chart with an area value (walk27)
    notes = ([area_note(ind)] if own is not None else []) + (
        [f"Uppgift saknas {when_text}: {and_list([as_text(m) for m in missing])}."]
        if missing else [])
    fig = charts.ranked_bar(
        shown, ind, title=title, highlight=highlight, area=own, missing=missing,
        computed_note=" ".join(notes) or None)
    names = name_parts(f"Kommunerna i {sel.area.name}", ind.label, when_text, sex)
    table = series_frame([(row.kommun_name, latest[latest["kommun_code"] == row.kommun_code],
                           f"kommun:{row.kommun_code}") for row in latest.itertuples()],
                         ind, sex=SEX_LABELS[sex])
    table = missing_member_rows(table, [(code, name) for code, name in members
                                        if name in missing], int(when)) if missing else table
    return ChartParts(fig, names, periods.label(when, freq), not sel.area.is_kommun,
                      table_export(sel.area, ind, table, sex=SEX_LABELS[sex],
                                   period=periods.label(when, freq)))


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
    lan_note = lan_note_text(sel)
    vintage += f" {markdown_literal(lan_note)}" if lan_note else ""
    outside, name = "", markdown_literal(area.name)  # a group's name as written
    if area.kind != "riket" and sel.kommun_code not in area.members:
        outside = (f"{sel.kommun_name} ingår inte i {name}: sidan visar området. "
                   f"Områdena där {sel.kommun_name} ingår står först under Område. ")
    return (f"{outside}{name} ({where}). Kön: {sel.sex_label}. Områdets värden är "
            f"beräknade från kommunerna enligt varje nyckeltals regel.{vintage}")


MONTHLY_INDICATOR = "bas_arbetsloshet"  # the indicator of the monthly block on Översikt


DRAWN_DIMS = "_dims_drawn"  # session key: the option pickers already drawn in this run
SAID = "_notes_said"  # session key: the notes about missing monthly values said in this run


def _option_labels(sel: Selection, ind: Indicator, mart: dict, name: str) -> dict[str, str]:
    """Code -> label of one dimension's options some kommun has values for (our series
    first, then the source's codes; each band named once: monthly.offered_options), and the
    default and the link's choice even without values (the block then says so)."""
    spec = mart["dimensions"][name]
    return monthly.offered_options(
        mart, name, lambda dims: not query("monthly_kommuner", ind, dims).empty,
        keep=(str(spec["default"]), sel.dim(name)))


def _monthly_options(sel: Selection, ind: Indicator, mart: dict,
                     fixed: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The mart's option pickers (age band, födelseregion) side by side; the codes chosen.

    ``fixed`` options (from pages.yml) get no picker; a picker already drawn on the page (a
    second monthly block of the same mart) is not drawn again: its choice applies to both.
    """
    dims = mart.get("dimensions") or {}
    options = {name: _option_labels(sel, ind, mart, name) for name in dims}
    chosen = dict(fixed)
    drawn = st.session_state.setdefault(DRAWN_DIMS, set())
    for name, spec in dims.items():
        if name not in chosen and name in drawn:
            code = sel.dim(name) or str(spec["default"])
            chosen[name] = code if code in options[name] else str(spec["default"])
    free = [name for name in dims if name not in chosen]
    if not free:
        return chosen
    # widths by the longest option, so "20 år – pensionsåldern (20–64, …)" is read whole
    widths = [max(map(len, options[name].values())) for name in free]
    for column, name in zip(st.columns(widths), free, strict=True):
        spec = dims[name]
        chosen[name] = dimension_control(sel, name, spec.get("label", name), options[name],
                                         str(spec["default"]), column)
        drawn.add(name)
    return chosen


def _monthly_series(sel: Selection, ind: Indicator, sex: str, dims: dict
                    ) -> list[tuple[queries.Area, str, pd.DataFrame]]:
    """(area, role, whole monthly series) for the area, its län and Riket."""
    return [(area, role, query("monthly_series", ind, area, sex, dims))
            for area, role in compared_areas(sel, members=False)]


def _missing_sentence(ind: Indicator, missing: list[tuple[queries.Area, pd.DataFrame]],
                      focus: queries.Area | None, choices: dict[str, monthly.Choice],
                      period: tuple[str | None, str | None] = (None, None)) -> str:
    """Why areas have no monthly value, in one plain sentence (``focus``: the chosen area
    when it is among them; ``period``: the chosen first and last period)."""
    # members report, but under half of the population (stop 28): said with the coverage
    # words of the cards ("2 av 3 kommuner, 10 % av befolkningen 20–64 år; Malmö saknas"),
    # not as missing data; the other areas as before
    thin = []
    for area, df in missing:
        last = periods.clip(df, *period)
        last = last.iloc[-1] if not last.empty else None
        if last is not None and pd.notna(last.get("covered_share")):
            thin.append((area, withheld_text(last, ind.weight_label)))
    thin = [(area, text) for area, text in thin if text]
    said = "; ".join(f"{markdown_literal(area.name)}: {text}" for area, text in thin)
    rest = [(area, df) for area, df in missing if all(area is not a for a, _ in thin)]
    if not rest:
        return said + "."
    other = _missing_data_sentence(ind, rest, focus if any(a is focus for a, _ in rest)
                                   else None, choices, period)
    return f"{said}. {other}" if said else other


def _missing_data_sentence(ind: Indicator, missing: list[tuple[queries.Area, pd.DataFrame]],
                           focus: queries.Area | None, choices: dict[str, monthly.Choice],
                           period: tuple[str | None, str | None] = (None, None)) -> str:
    """``_missing_sentence`` for areas whose values are missing or from under half of the
    kommuner."""
    what = ind.label.split(" (")[0].lower()
    outside = _outside_period(missing, focus, period)
    if outside:  # walk26: 2010–2019 was blamed on the kommuner the data cover
        names = and_list([markdown_literal(area.name) for area, _ in missing])
        return f"SCB:s månadssiffror för {what} saknas för {names} i vald period: {outside}."
    if focus is None:  # the area is there; its län or Riket cannot be computed
        texts = []
        for area, df in missing:
            last = df.iloc[-1] if not df.empty else None
            n = f"{int(last['n_reporting'])} av dess {int(last['n_expected'])}" \
                if last is not None else "ingen av dess"
            texts.append(f"{markdown_literal(area.name)} kan inte beräknas: SCB:s månadssiffror finns bara för "
                         f"{n} kommuner i den hämtade datan")
        return "; ".join(texts) + " (under hälften räknas inget områdesvärde)."
    have = query("monthly_kommuner", ind)
    names = [markdown_literal(area.name) for area, _ in missing]  # shown as markdown
    listed = and_list(names)
    chosen = [c for c in choices.values() if c.option != _default_option(ind, c.dim)]
    # the kommuner with values for the options chosen (as the deck's title line counts)
    with_options = query("monthly_kommuner", ind, {c.dim: c.option for c in choices.values()}
                         ) if chosen else have
    if chosen and (with_options.empty or monthly.months_found(have, focus.members).inside
                   == len(focus.members)):
        labels = ", ".join(monthly.used_label(c, pd.DataFrame()) for c in chosen)
        return (f"SCB:s månadssiffror för {what} saknas för {listed} med valet {labels}: den "
                "hämtade datan har inga sådana värden.")
    found = monthly.months_found(with_options, focus.members)  # as the deck's title counts
    where = ""
    if found.kommuner:
        where = (f": den hämtade datan har dem bara för {found.kommuner} kommuner i "
                 f"{found.lans[0]}" if len(found.lans) == 1
                 else f": den hämtade datan har dem för {found.kommuner} kommuner")
    elif not query("has_table", monthly_marts()[ind.mart]["table"]):
        where = ": de har inte kunnat hämtas från SCB"
    return f"SCB:s månadssiffror för {what} saknas för {listed}{where}."


def _outside_period(missing: list[tuple[queries.Area, pd.DataFrame]],
                    focus: queries.Area | None,
                    period: tuple[str | None, str | None]) -> str | None:
    """'den hämtade datan börjar i januari 2020, efter vald period' when the chosen area has
    monthly values, but none in the chosen period (the data end before it: 'slutar i'), else
    None."""
    whole = next((df for area, df in missing if area is focus), None)
    if focus is None or whole is None or whole.dropna(subset=["value"]).empty:
        return None
    before, after = periods.nearest_outside(whole, *period)
    if after and not before:
        return f"den hämtade datan börjar i {after}, efter vald period"
    if before and not after:
        return f"den hämtade datan slutar i {before}, före vald period"
    return None


def _default_option(ind: Indicator, dim: str) -> str:
    return str(monthly_marts()[ind.mart]["dimensions"][dim]["default"])


# what the user needs when Arbetsförmedlingen's files are absent: that they are missing, why
# and where to read more; "Inget värde har hittats på" read as a broken sentence (walk25)
AF_ABSENT = ("Arbetsförmedlingens månadsfiler om inskrivna arbetslösa har inte kunnat hämtas "
             "och finns inte i databasen, så Arbetsförmedlingens andel visas inte här. Varför "
             "står under Om data › Senaste uppdateringen; nästa uppdatering som når "
             "Arbetsförmedlingen lägger till dem.")


def monthly_absent(ind: Indicator) -> str | None:
    """A plain sentence when the indicator's monthly source is not in the warehouse at all
    (Arbetsförmedlingen's files: the mirror has none), else None."""
    mart = monthly_marts()[ind.mart]
    if query("has_table", mart["table"]) and ind.first_period:
        return None
    if ind.source == "Arbetsförmedlingen":
        return AF_ABSENT
    what = ind.label.split(" (")[0].lower()
    return f"{genitive(ind.source)} månadssiffror för {what} finns inte i databasen."


def monthly_unemployment_block(sel: Selection, indicator_id: str = MONTHLY_INDICATOR, *,
                               options: tuple[tuple[str, str], ...] = (),
                               cards: bool = True) -> None:
    """Monthly figures for the area, its län and Riket: the latest month of the chosen period
    against the same month a year earlier, a chart with breaks, and what is missing or revised,
    in words. The options (age band, födelseregion) are part of the view, in the URL; those in
    ``options`` are fixed by the page. ``cards`` False: the chart only."""
    ind = query("indicator", indicator_id)
    absent = monthly_absent(ind)
    if absent:
        note(f"**{ind.label}**: {absent}")
        return
    mart = monthly_marts()[ind.mart]
    if has_monthly_values(sel.area, ind):
        dims = _monthly_options(sel, ind, mart, options)
    else:  # walk28: no picker that cannot show anything here; the sentence says why
        dims = {**{name: sel.dim(name) or str(spec["default"])
                   for name, spec in (mart.get("dimensions") or {}).items()}, **dict(options)}
    parts = cached("monthly", (indicator_id, options, tuple(sorted(dims.items())),
                               sel.view_key(), charts.screen_width()),
                    lambda: monthly_of(sel, ind, mart, dims))
    if cards or ind.aggregation == "sum":  # a count's län and Riket stand beside it as numbers
        _monthly_cards(ind, list(parts.cards), parts.sex_reason)
    if parts.sentence:
        said = st.session_state.setdefault(SAID, set())
        if parts.sentence not in said:  # several monthly blocks on a page: say it once
            note(parts.sentence)
            said.add(parts.sentence)
    chart = parts.chart
    if chart is None:
        return
    fixed = "".join(f"-{code}" for _, code in options)
    draw_chart(chart.fig, plotly_config(*chart.names), key=f"chart-{ind.id}{fixed}",
               table=chart.table)
    source_footer(ind, period=chart.period, computed=chart.computed, area_note=parts.area_note)
    chart_downloads(chart.fig, *chart.names, key=f"dl-{ind.id}{fixed}", table=chart.table)


def monthly_notes(ind: Indicator, series: pd.DataFrame, areas: list[queries.Area], *,
                  sex: str, computed: bool, dims: dict | None = None,
                  focus: tuple[str, ...] | list[str] = (), shown: str = "Diagrammet",
                  month: str | None = None) -> monthly.ChartNotes:
    """A monthly indicator's notes for a chart or map of ``areas`` (``series``: the one
    whose age bands are named; ``dims``: the options read, the mart's defaults when None):
    the one function Arbetslöshet, Översikt, Jämför and Karta take them from
    (monthly.chart_notes; the revisions are those of the areas' kommuner, the example from
    ``focus``)."""
    mart = monthly_marts()[ind.mart]
    choices = monthly.choose(mart, dims or {}, indicator_id=ind.id)
    members = tuple(sorted({m for area in areas for m in area.members}))
    changes = query("series_revisions", ind, queries.Area("chart", "group", "", members),
                    sex, dims)
    kommuner = query("kommuner")
    return monthly.chart_notes(
        mart, series, choices, changes, computed=computed, decimals=ind.decimals,
        short_unit=ind.short_unit, focus=list(focus), source=ind.source or "SCB",
        names=dict(zip(kommuner["kommun_code"], kommuner["kommun_name"], strict=True)),
        shown=shown, month=month, revised_on=query("source_revised", ind))


def with_notes(note: str | None, said: monthly.ChartNotes | None) -> str | None:
    """A figure's source-line note with a monthly indicator's notes after it (so the
    images made of the figure carry them)."""
    text = " ".join(t for t in (note, said.figure() if said else None) if t)
    return text or None


def has_monthly_values(area: queries.Area, ind: Indicator) -> bool:
    """Whether some member of ``area`` has a value of the monthly ``ind`` (any option)."""
    return bool(set(area.members) & set(query("monthly_kommuner", ind)["kommun_code"]))


@dataclass(frozen=True)
class MonthlyParts:
    """What monthly_unemployment_block draws: the cards' (area, latest month), the sentence on
    what is missing, the chart (None: no area has a value), the note under it and why the
    cards show the total instead of the chosen sex ('' when they show it)."""

    cards: tuple
    sentence: str | None
    chart: ChartParts | None
    area_note: str | None
    sex_reason: str = ""  # why the cards show the total, not the chosen sex (measure_sex)


def monthly_of(sel: Selection, ind: Indicator, mart: dict, dims: dict) -> MonthlyParts:
    """What monthly_unemployment_block draws for the options ``dims`` (no drawing: cached
    per view)."""
    choices = monthly.choose(mart, dims, indicator_id=ind.id)
    sex, sex_note, why = sel.sex, "", ""
    found = _monthly_series(sel, ind, sex, dims)
    if sex != "T" and found[0][2].dropna(subset=["value"]).empty:
        # the cards say it as the yearly cards do (walk26: a total read as women's rate)
        why = measure_sex(sel, ind)[1] or NO_SEX_FETCHED
        sex, sex_note = "T", (f" Siffror för {SEX_LABELS[sel.sex].lower()} finns inte i den "
                              "hämtade datan; totalt visas.")
        found = _monthly_series(sel, ind, sex, dims)
    shown, missing, cards_found = [], [], []
    for area, role, whole in found:
        in_period = periods.clip(whole, sel.start, sel.end)
        # the card: the latest month in the period; the year before may lie before the period
        # like with like: the year before in the latest month's age band, never across a break;
        # a newer month the source hides ("<5") is that month, said so (numfix26)
        same_band = monthly.band_lookup(mart, dims, lambda d, area=area: query(
            "monthly_series", ind, area, sex, d))
        upto = periods.clip(whole, None, sel.end)
        latest = None if in_period.dropna(subset=["value"]).empty else \
            bounds.newest_hidden(upto, monthly.latest_with_year_before(
                upto, same_band=same_band, breaks=ind.breaks, source=ind.source or "Källan",
                same_members=None if area.is_kommun else (
                    lambda now, then, band, area=area: query(
                        "monthly_like_for_like", ind, area, sex,
                        monthly.band_dims(mart, dims, band), now, then))),
                source=ind.source or "Källan")
        if latest is None:
            missing.append((area, whole))
            continue
        shown.append(charts.Line(area.name, in_period, role, computed=not area.is_kommun,
                                 area_id=area.area_id))
        cards_found.append((area, latest))
    if ind.aggregation == "sum":  # a count: the chart shows the area alone
        shown = [line for line in shown if line.role == "focus"]
    sentence = None
    if missing:
        focus = sel.area if missing[0][0] is sel.area else None
        sentence = _missing_sentence(ind, missing, focus, choices, (sel.start, sel.end))
    if not shown:
        return MonthlyParts(tuple(cards_found), sentence, None, None, why)
    breaks = monthly.band_breaks(shown[0].data, choices["age"]) if "age" in choices else []
    labels = monthly.options_text(choices, shown[0].data)  # as the deck's subtitle
    period = charts.period_text([line.data for line in shown])
    title = (f"{ind.label}<br><sup>{', '.join(as_text(line.name) for line in shown)}, "
             f"{period}, "
             f"{SEX_LABELS[sex].lower()}, {labels}</sup>")
    computed = any(line.computed for line in shown)
    said = monthly_notes(ind, shown[0].data, [area for area, _, df in found
                                               if not df.dropna(subset=["value"]).empty],
                         sex=sex, dims=dims, computed=computed, focus=sel.area.members)
    fig = charts.time_series(shown, ind, title=title, breaks=breaks,
                             references=references(sel, ind, found[0][2]),
                             computed_note=with_notes(area_note(ind) if computed else None,
                                                      said))
    names = name_parts(sel.area.name, ind.label, period, sex, options=labels)
    notes = [sex_note.strip()] if sex_note else []
    if said.screen():
        notes.append(said.screen())
    # the age band and birth region in every row (walk26), and how the län's and Riket's
    # rows were made whenever there are any, a kommun's file too
    table = series_frame([(line.name, line.data, line.area_id) for line in shown], ind,
                         sex=SEX_LABELS[sex], options=choices)
    chart = ChartParts(fig, names, period, computed, table_export(
        sel.area, ind, table, sex=SEX_LABELS[sex], period=period, computed=computed))
    return MonthlyParts(tuple(cards_found), sentence, chart, " ".join(notes) or None, why)


def _monthly_cards(ind: Indicator, found: list[tuple[queries.Area, dict]],
                   sex_reason: str = "") -> None:
    """The latest month of the area, its län and Riket as cards side by side (a count's cards
    name the count: several count blocks stand on one page); nothing when none has a value.
    ``sex_reason``: why they show the total, said in each label as the yearly cards say it."""
    views = []
    for area, latest in found:
        name = f"{ind.label}: {area.name}" if ind.aggregation == "sum" else area.name
        card = bas_card(latest, ind, name)
        if sex_reason:
            card = replace(card, label=card.label + total_note(sex_reason))
        if latest["status"] == "partial":
            card = replace(card, notes=("Beräknat från " + coverage_text(ind, latest) + ".",
                                        *card.notes))
        views.append(card)
    cards.draw(views)


LOWER_BOUND_NOTE = bounds.LOWER_BOUND_NOTE
YEAR_BEFORE_LOWER_NOTE = bounds.YEAR_BEFORE_LOWER_NOTE


def bas_card(latest: dict, ind: Indicator, name: str) -> CardView:
    """A card from monthly.latest_with_year_before()."""
    period = latest["period"]
    delta = None
    if latest["change"] is not None:  # (none between lower bounds, none for a hidden month)
        # over the same kommuner both months where the area's value rests on some (stop 27)
        change = format_change(shown_change(latest.get("value_like", latest["value"]),
                                            latest["value_year_before"], ind.decimals),
                               ind.decimals, ind.unit, ind.short_unit, ind.label)
        delta = f"{change} från {format_month(period.replace(year=period.year - 1))}"
        if latest.get("same_members"):
            delta += f", samma {latest['same_members']} kommuner båda månaderna"
    label = f"{name}, {format_month(period)}"
    if latest["is_preliminary"]:
        label += " (preliminär)"
    value, notes = bounds.card_text(latest, ind, format_value(latest["value"], ind.decimals,
                                                              ind.short_unit))
    notes = (*notes, *monthly.change_notes(latest))  # no change across a band or break: why
    return CardView(label=label, value=value, delta=delta, help=ind.definition, notes=notes)


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
    # SCB's "0-9 år" as the UI writes a range, "0–9 år" (chart, hover and download alike)
    df = df.assign(age_label=df["age_label"].map(
        {label: dash_ranges(label) for label in df["age_label"].unique()}))
    if df.empty:
        st.caption(f"SCB:s månadsbefolkning saknas för {name} i vald period.")
        return
    meta = scb_population_meta(str(df["table_id"].iloc[0]))
    latest = df["period"].max()
    now = df[(df["period"] == latest) & (df["sex"] == "T")]["population"].sum()
    first = df[(df["period"] == df["period"].min()) & (df["sex"] == "T")]["population"].sum()
    delta = None
    if df["period"].nunique() > 1:
        change = format_change(now - first, 0, "count")
        delta = f"{change} sedan {format_month(df['period'].min())}"
    if area.is_kommun:
        st.caption(f"SCB:s månadsbefolkning per kommun finns inte i datan; {sel.lan_name} "
                   f"visas.")
    cards.draw([CardView(f"Folkmängd, {name}, {format_month(latest)}",
                         format_value(now, 0, "antal"), delta)], whole=True)
    fig = figure(charts.population_by_age, df[df["period"] == latest], meta,
                 title=f"Folkmängd efter ålder och kön, {name}, {format_month(latest)}")
    names = ("Folkmängd efter ålder och kön", name, format_month(latest))
    shown = area if area.kind in ("lan", "riket") else query("area", f"lan:{lan_codes[0]}")
    table = cached("population_table", (sel.view_key(), name), lambda: replace(
        table_export(shown, meta, population_frame(df, name, meta, shown.area_id),
                     sex="Totalt, kvinnor och män", period=format_month(latest)),
        area_method=False))  # SCB's own län figures (Riket: their sum)
    draw_chart(fig, plotly_config(*names), key="chart-population", table=table)
    chart_downloads(fig, *names, key="dl-population", table=table)
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


# --- Översikt: a card with the kommun's place among all kommuner ---------------------------

def rank_caption(sel: Selection, ind: Indicator, when: object, sex: str) -> str | None:
    """'Plats 212 av 290 bland kommunerna; plats 1 = lägst värde, det bästa' for the chosen
    kommun in the period ``when`` (a year or a month), or None for an area or a kommun
    without a value."""
    if not sel.area.is_kommun or ind.better is None:  # no good end: a place says nothing
        return None
    period = periods.code(when, "month" if ind.is_monthly else "year")
    # the kommun's place counted directly among every kommun's value (one pass; ranking all
    # 290 and looking the kommun up cost ~10 ms a card)
    rank = ranking.place_of(query("kommun_values", ind, period, sex), sel.kommun_code,
                            ind.better)
    if rank is None:
        return None
    return f"**{rank.text[0].upper()}{rank.text[1:]}** bland kommunerna; {rank.end_text}."


def ranked_card(sel: Selection, indicator_id: str) -> CardView:
    """An indicator's card with the kommun's place among all kommuner under it."""
    ind = query("indicator", indicator_id)
    if ind.is_monthly and monthly_absent(ind):
        return CardView(info=f"**{ind.label}**: {monthly_absent(ind)}")
    card = indicator_card_of(sel, indicator_id)
    latest = card.period
    if latest is None:
        return card.view
    text = cached("rank", (indicator_id, latest, sel.view_key()),
                  lambda: rank_caption(sel, ind, latest, sex_for(sel, ind)[0]))
    return replace(card.view, notes=(*card.view.notes, text)) if text else card.view


# --- Försörjningsstöd: parts of one whole -----------------------------------------------

def composition_block(sel: Selection, ids: tuple[str, ...] | list[str]) -> None:
    """Shares of one whole (försörjningshinder) per year as one stacked chart, for the chosen
    area, with the parts' names from the catalogue."""
    inds = [query("indicator", i) for i in ids]
    sex = "T" if not all(i.has_sex for i in inds) else sel.sex
    frames, labels = [], {}
    every = {ind.id: _part_label(ind.label) for ind in inds}  # those without values too
    for ind in inds:
        df = series(sel, ind, sel.area, sex).dropna(subset=["value"])
        if not df.empty:
            frames.append(df.assign(indicator_id=ind.id)[["indicator_id", "year", "value"]])
            labels[ind.id] = every[ind.id]
    if not frames:
        note(f"Inga värden för {markdown_literal(sel.area.name)} i vald period.")
        return
    df = pd.concat(frames, ignore_index=True)
    period = charts.period_text([df])
    first = inds[0]
    ids_text = f"{inds[0].id}–{inds[-1].id}"
    meta = Indicator(**{**first.__dict__, "id": ids_text, "definition": (
        "Vuxna mottagare av ekonomiskt bistånd med försörjningshinder, fördelade efter sitt "
        "huvudsakliga hinder (arbetslös, sjukskriven, arbetshinder av sociala skäl …), i procent "
        f"av alla med försörjningshinder. Varje del är ett eget nyckeltal ({ids_text}).")})
    title = (f"Försörjningshinder bland vuxna biståndsmottagare<br><sup>"
             f"{as_text(sel.area.name)}, "
             f"{period}, andel av mottagarna med försörjningshinder</sup>")
    fig = figure(charts.composition, df, labels, meta, title=title, parts=every)
    names = name_parts(sel.area.name, "Försörjningshinder", period, sex)
    computed = not sel.area.is_kommun
    gaps = part_gaps(df, every)
    # each part with its own id and source; a part without a value in a year the chart
    # shows keeps its row there, marked "uppgift saknas" (missing_part_rows)
    table, decimals = stacked_frame([series_frame(
        [(sel.area.name, df[df["indicator_id"] == ind.id], sel.area.area_id)], ind,
        sex=SEX_LABELS[sex])
        for ind in inds if ind.id in labels])
    table, decimals = missing_part_rows(table, decimals, gaps, inds, every)
    export = table_export(sel.area, inds, table, sex=SEX_LABELS[sex], period=period,
                          decimals=decimals)
    draw_chart(fig, plotly_config(*names), key=f"composition-{ids_text}", table=export)
    source_footer(meta, period=period, computed=computed,
                  area_note="Varje del är en egen Kolada-indikator. "
                            + gaps_note(gaps, part_sums(df), first.decimals))
    chart_downloads(fig, *names, key=f"dl-composition-{ids_text}", table=export)


def _part_label(label: str) -> str:
    """'Försörjningshinder arbetslös' -> 'Arbetslös'."""
    text = label.removeprefix("Försörjningshinder").strip(" ,:–-")
    return text[:1].upper() + text[1:] if text else label


# --- Arbetslöshet: Vilket mått? ----------------------------------------------------------

MEASURES = ("bas_arbetsloshet", "af_andel_inskrivna", "N03920", "N03921", "N03926")


def _measure(indicator_id: str) -> dict:
    return (load_catalogue()["indicators"].get(indicator_id) or {}).get("measure") or {}


def measure_sex(sel: Selection, ind: Indicator) -> tuple[str, str]:
    """The sex code of a measure's values and why it is the total: the chosen sex where the
    measure is split by sex and the area has values for it, else "T" and the reason."""
    if sel.sex == "T":
        return "T", ""
    if not ind.has_sex:
        return "T", NO_SEX
    if query("area_series", ind, sel.area, sel.sex)["value"].isna().all():
        return "T", NO_SEX_FETCHED  # the mirror's BAS: totals only
    return sel.sex, ""


def measure_latest(sel: Selection, ind: Indicator,
                   sex: str = "T") -> tuple[str, float, pd.Series] | None:
    """(period label, value, its row) of the area's latest value of one measure for
    ``sex``, or None. The row carries the value's coverage (coverage_text) and, for a
    monthly measure, its age band (``band``)."""
    if ind.is_monthly and monthly_absent(ind):
        return None
    if ind.aggregation == "none" and not sel.area.is_kommun:
        return None
    df = series(sel, ind, sel.area, sex).dropna(subset=["value"])
    found = periods.latest_and_previous(df)
    if found is None:
        return None
    latest = found[0]
    freq = "month" if ind.is_monthly else "year"
    return periods.label(latest["period" if ind.is_monthly else "year"], freq), \
        float(latest["value"]), latest


def measure_withheld(sel: Selection, ind: Indicator, sex: str = "T") -> str:
    """Why the area's newest period in the chosen span has no value although some of its
    members report (transforms.areas.withheld_text: too few kommuner, or too little of the
    population, stop 28); '' otherwise."""
    if sel.area.is_kommun or ind.aggregation == "none":
        return ""
    df = series(sel, ind, sel.area, sex)
    return withheld_text(df.iloc[-1], ind.weight_label) if not df.empty else ""


def measure_ages(ind: Indicator, spec: dict, row: pd.Series | None) -> tuple[str, str | None]:
    """The "Vilket mått?" table's age cell and a note: for a monthly measure the band of the
    value shown ('20–64 år', walk28: not the series' whole schedule next to a 20–64 value)
    and the series' bands in the note ('SCB:s arbetslöshet (BAS): värdet gäller 20–64 år.
    Serien: 20 år till pensionsåldern (…)'); else the measure's ages and no note."""
    ages = str(spec.get("ages", ""))
    band = row.get("band") if row is not None and ind.is_monthly else None
    if not isinstance(band, str) or not band:
        return ages, None
    choice = (default_options(ind) or {}).get("age")
    shown = choice.code_label(band) if choice is not None else band
    if shown == ages:
        return ages, None
    name = spec.get("name", ind.label)
    return shown, f"{name}: värdet i tabellen gäller {shown}. Serien: {ages}."


def measures_block(sel: Selection) -> None:
    """What each unemployment measure counts, its denominator, ages, source and frequency, the
    area's latest value of each, and the measures side by side on one time axis."""
    rows, lines, latest_texts, shown, age_notes = [], [], [], [], []
    chosen = SEX_LABELS[sel.sex].lower()
    column = f"{sel.area.name}, senaste" if sel.sex == "T" else \
        f"{sel.area.name}, {chosen}, senaste"
    for indicator_id in MEASURES:
        try:
            ind = query("indicator", indicator_id)
        except queries.UnknownIndicator:
            continue
        spec = _measure(indicator_id)
        missing = ind.is_monthly and monthly_absent(ind)
        sex, why = ("T", "") if missing else measure_sex(sel, ind)
        total = sex != sel.sex  # a measure without the chosen sex: its total, said so
        found = measure_latest(sel, ind, sex)
        withheld = "" if found or missing else measure_withheld(sel, ind, sex)
        if found:
            # a partial area value says its coverage as the cards do (walk28)
            cover = coverage_text(ind, found[2])
            value = (f"{format_value(found[1], ind.decimals, ind.short_unit)} ({found[0]}"
                     f"{f'; beräknat från {cover}' if cover else ''}"
                     f"{f', totalt: {why}' if why else ''})")
        elif missing:
            value = "finns inte i databasen"
        elif withheld:
            value = withheld[:1].upper() + withheld[1:]
        else:
            value = (f"inga värden för {sel.area.name} "
                     f"{none_words(sel, query('area_series', ind, sel.area, sex))}")
        ages, age_note = measure_ages(ind, spec, found[2] if found else None)
        if age_note:
            age_notes.append(age_note)
        # the value next to the measure's name: at 390 px the table shows about three
        # columns, and the value last needed a sideways scroll (walk27)
        rows.append({"Mått": spec.get("name", ind.label), column: value,
                     "Räknar": spec.get("counts", ""),
                     "Delar med": spec.get("denominator", ""), "Ålder": ages,
                     "Källa": spec.get("source", ind.source),
                     "Hur ofta": spec.get("frequency", "")})
        if found:
            latest_texts.append(f"{spec.get('name', ind.label)} {value}: "
                                f"{' '.join(str(spec.get('why', '')).split())}")
            data = series(sel, ind, sel.area, sex)
            name = spec.get("name", ind.label) + (" (totalt)" if total else "")
            lines.append(charts.Line(name, data, "focus"))
            shown.append((ind, series_frame([(sel.area.name, data, sel.area.area_id)], ind,
                                            sex=SEX_LABELS[sex],
                                            options=default_options(ind))))
    st.table(pd.DataFrame(rows).set_index("Mått"))  # a static table: long texts wrap
    if age_notes:
        st.caption("**Ålder:** " + " ".join(age_notes))
    if latest_texts:
        st.markdown(f"**Varför siffrorna skiljer sig för {markdown_literal(sel.area.name)}:**\n" +
                    "\n".join(f"- {t}" for t in latest_texts))
    else:
        note(f"Inget av måtten har ett värde för {markdown_literal(sel.area.name)} i vald "
             "period.")
    absent = [query("indicator", i) for i in MEASURES[:2]]
    for ind in absent:
        text = monthly_absent(ind)
        if text:
            st.caption(f"{ind.label}: {text}")
    if len(lines) < 2:
        return
    unit = query("indicator", "N03920")
    period = charts.period_text([line.data for line in lines])
    totals = any(line.name.endswith(" (totalt)") for line in lines)
    said = f"{chosen} (totalt där det står)" if totals else chosen
    # how each kind is drawn, said only for the kinds drawn (Kronobergs län has no monthly line)
    drawn_as = [words for monthly, words in (
        (True, "månadsvärden som heldragna linjer"),
        (False, "årsvärden som punkter mitt i året")) if any(
            ind.is_monthly == monthly for ind, _ in shown)]
    title = (f"Arbetslöshet enligt olika mått<br><sup>{as_text(sel.area.name)}, {period}, "
             f"{said}; "
             f"{', '.join(drawn_as)}</sup>")
    drawn = [query("indicator", i) for i in MEASURES
             if any(line.name.removesuffix(" (totalt)") == _measure(i).get("name")
                    for line in lines)]
    source = charts.sources_text(drawn, computed=not sel.area.is_kommun)
    fig = figure(charts.measures, lines, unit, title=title, source=source)
    names = name_parts(sel.area.name, "Arbetslöshet enligt olika mått", period)
    table, decimals = stacked_frame([frame for _, frame in shown])
    export = table_export(sel.area, [ind for ind, _ in shown], table,
                          sex=said[:1].upper() + said[1:], period=period, decimals=decimals)
    draw_chart(fig, plotly_config(*names), key="chart-matt", table=export)
    chart_downloads(fig, *names, key="dl-matt", table=export)


@dataclass(frozen=True)
class Block:
    """A named block a page may list under ``blocks:``, and the months it can show."""

    render: Callable[[Selection], None]
    frequency: str = "month"
    table: str | None = None  # the warehouse table whose months it shows
    indicator: str | None = None  # or the catalogue indicator it shows (a target may name it)

    def span(self) -> tuple[str, str] | None:
        """The first and last period the block can show, if it knows."""
        if self.indicator:
            try:
                ind = query("indicator", self.indicator)
            except queries.UnknownIndicator:
                return None
            return (ind.first_period, ind.last_period) if ind.first_period else None
        return query("month_span", self.table) if self.table else None


BLOCKS: dict[str, Block] = {
    "bas_senaste_manad": Block(monthly_unemployment_block, indicator=MONTHLY_INDICATOR),
    "vilket_matt": Block(measures_block, indicator=MONTHLY_INDICATOR),
    "befolkning_lan": Block(population_block, table="marts.population_region_monthly"),
}
