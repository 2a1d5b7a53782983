"""Controls shared by Karta, Jämför and Liknande kommuner, each bound to the view (the URL).

Each picker draws one widget whose value is part of ``ViewState`` (``indikator``, ``kon``,
``fran``/``till``), through ``selection.page_changed``: a change reaches the URL on the rerun,
and a link sets the widget. A picker whose options depend on the indicator carries the
indicator in its key, so a new indicator draws it afresh.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from transforms import monthly, ranking
from transforms.catalogue import Indicator, monthly_marts
from transforms.periods import Period, at_or_before
from ui import url_state
from ui.data import query
from ui.selection import (
    NO_SEX,
    NO_SEX_FETCHED,
    SEX_LABELS,
    Selection,
    page_changed,
    page_key,
    period_note,
    total_note,
)

DEFAULT_INDICATOR = "N03920"
# what the picker's search finds: its options name the source's id, never our key (walk25)
PICKER_HELP = ("Alla nyckeltal i databasen; skriv för att söka på namn eller på källans id "
               "(Koladas nyckeltal som N03920, SCB:s tabell som TAB6260).")


def indicator_picker(sel: Selection, column, *, name: str, annual_only: bool = False,
                     label: str = "Nyckeltal", by_options: bool = False) -> Indicator:
    """A picker of every indicator in the warehouse (``indikator=``); returns the chosen one.
    ``by_options``: a link without ``indikator`` that chooses a monthly option (``alder=16-24``)
    opens the first indicator with that option (options_indicator), not DEFAULT_INDICATOR."""
    catalogue = [i for i in query("indicators") if not annual_only or not i.is_monthly]
    by_id = {i.id: i for i in catalogue}
    default = (options_indicator(sel.state, catalogue) if by_options else None) \
        or DEFAULT_INDICATOR
    wanted = sel.state.analysis.indicator
    chosen = wanted if wanted in by_id else (default if default in by_id
                                             else next(iter(by_id)))
    ids = list(by_id)
    key = page_key(name)
    column.selectbox(
        label, ids, index=ids.index(chosen), key=key, filter_mode="contains",
        format_func=lambda i: by_id[i].picker_label(), on_change=page_changed,
        args=(key, _indicator_setter(default)), help=PICKER_HELP)
    return by_id[chosen]


def _indicator_setter(default: str):
    """The picker's change: the page's default indicator is no choice (left out of the URL)."""
    def apply(state: url_state.ViewState, value: object) -> url_state.ViewState:
        return url_state.with_analysis(state, indicator=None if value == default else str(value))
    return apply


def options_indicator(state: url_state.ViewState, catalogue: list[Indicator]) -> str | None:
    """The indicator a link's monthly options ask for when it names none: the first monthly
    one (catalogue order) whose mart has every dimension the link chooses, e.g. SCB BAS
    arbetslöshet for ``?sida=karta&alder=16-24`` (stop 28: the youth map by a link); None
    when the link chooses no option."""
    wanted = {name for name, _ in state.dims}
    if not wanted:
        return None
    marts = monthly_marts()
    return next((i.id for i in catalogue if i.is_monthly and i.mart
                 and wanted <= set(marts[i.mart].get("dimensions") or {})), None)


def option_pickers(sel: Selection, ind: Indicator, *, name: str) -> dict[str, str]:
    """The monthly options of ``ind`` (age band, födelseregion, Arbetsförmedlingen's group)
    as pickers side by side, bound to the view (``alder=16-24``) like the monthly blocks'
    pickers, with the options some kommun has values for (monthly.offered_options) and the
    link's choice even without values; returns the chosen codes ({} for an indicator without
    options). A change keeps the indicator in the URL, so the view stays on it."""
    if not ind.is_monthly or not ind.mart:
        return {}
    mart = monthly_marts()[ind.mart]
    dims = mart.get("dimensions") or {}
    if not dims:
        return {}
    chosen = {}
    for column, (dim, spec) in zip(st.columns(len(dims)), dims.items(), strict=True):
        default = str(spec["default"])
        options = monthly.offered_options(
            mart, dim, lambda d: not query("monthly_kommuner", ind, d).empty,
            keep=(default, sel.dim(dim)))
        codes = list(options)
        code = sel.dim(dim) or default
        key = page_key(f"{name}_{dim}_{ind.id}")
        column.selectbox(spec.get("label", dim), codes,
                         index=codes.index(code) if code in codes else 0,
                         format_func=options.get, key=key, on_change=page_changed,
                         args=(key, _option_setter(dim, default, ind.id)))
        chosen[dim] = code if code in codes else default
    return chosen


def _option_setter(name: str, default: str, indicator_id: str):
    def apply(state: url_state.ViewState, value: object) -> url_state.ViewState:
        state = state.with_dim(name, str(value), default)
        return url_state.with_analysis(state, indicator=indicator_id)
    return apply


def sex_picker(sel: Selection, ind: Indicator, column, *, name: str) -> tuple[str, str]:
    """Kön (``kon=``) where the indicator is split by sex; returns (sex code, note)."""
    reason = NO_SEX if not ind.has_sex else monthly_sex_missing(ind, sel.sex)
    if reason:  # a monthly source without the sex in the data: the total, as other pages
        if sel.sex != "T":  # (walk26: Kvinnor offered on SCB BAS drew an empty map)
            column.caption(f"{ind.label} {reason}; visar totalt.")
            return "T", total_note(reason)
        column.caption(f"{reason[:1].upper()}{reason[1:]}.")
        return "T", ""
    sexes = list(SEX_LABELS)
    key = page_key(name)
    column.radio("Kön", sexes, index=sexes.index(sel.sex), format_func=SEX_LABELS.get,
                 horizontal=True, key=key, on_change=page_changed,
                 args=(key, lambda s, v: replace(s, sex=str(v))))
    return sel.sex, ""


def monthly_sex_missing(ind: Indicator, sex: str) -> str:
    """NO_SEX_FETCHED when ``ind`` is monthly and its fetched data has no values split by
    sex (the mirror's SCB BAS: totals only; ``sex`` "T" asks whether any split is there),
    else ''."""
    if not ind.is_monthly or not ind.mart:
        return ""
    held = query("month_sexes", monthly_marts()[ind.mart]["table"])
    wanted = {sex} if sex != "T" else {"K", "M"}
    return NO_SEX_FETCHED if held and not wanted & set(held) else ""


def option_series(ind: Indicator, area, sex: str,
                  dims: dict[str, str] | None = None) -> pd.DataFrame:
    """An area's series as Karta and Jämför read it: a monthly indicator with the options
    ``dims`` (the pickers, the URL's ``alder=``; ``monthly_series``), else (or without
    options) ``area_series`` (the mart's defaults)."""
    if ind.is_monthly and dims:
        return query("monthly_series", ind, area, sex, dims)
    return query("area_series", ind, area, sex)


def monthly_options_words(ind: Indicator, data: pd.DataFrame,
                          dims: dict[str, str] | None = None) -> str:
    """', 20–64 år, alla (inrikes och utrikes födda)' for a monthly indicator read with the
    options ``dims`` (default: its mart's, as ``area_series`` reads it), in the words of the
    monthly block's subtitle (monthly.options_text; ``data``: the series shown, whose bands
    are named); '' for an annual indicator or one without options."""
    choices = default_options(ind, dims)
    return ", " + monthly.options_text(choices, data) if choices else ""


def default_options(ind: Indicator, dims: dict[str, str] | None = None
                    ) -> dict[str, monthly.Choice] | None:
    """A monthly indicator's options as read with ``dims`` (default: the mart's, as
    ``area_series`` reads them), for a subtitle's or a download's words; None for an annual
    one or one without options."""
    if not ind.is_monthly or not ind.mart:
        return None
    mart = monthly_marts()[ind.mart]
    return monthly.choose(mart, dims or {}, indicator_id=ind.id) if mart.get("dimensions") \
        else None


def shown_range(sel: Selection, periods: list[str], *, end_only: bool = False
                ) -> tuple[str, str, str | None] | None:
    """The view's period (``fran``/``till``) as the indicator's ``periods`` show it: (first,
    last, note), both options of ``periods``; the note (``selection.period_note``, the words
    of the other pages' slider) when the data end sooner or begin later than chosen. With
    ``end_only`` only the end counts (a page showing one period). None without periods."""
    if not periods:
        return None
    state = replace(sel.state, start=None) if end_only else sel.state
    shown, notes = url_state.clamp_period(state, periods)
    end = at_or_before(periods, shown.end)
    start = periods[0]
    if shown.start is not None:  # the first option not before it (a source may skip one)
        first = Period.parse(shown.start)
        start = next((p for p in periods if Period.parse(p) >= first), periods[0])
    if Period.parse(start) > Period.parse(end):
        start = end
    if end_only:
        start = end
    one = one_period_note(sel.state, periods, end, moved=bool(notes)) if start == end else None
    if one is not None:
        notes = [one]
    return start, end, period_note(sel.state, notes)


def one_period_note(chosen: url_state.ViewState, periods: list[str], shown: str, *,
                    moved: bool) -> str | None:
    """The note when a page shows one period (``shown``) and the data do not reach the
    period ``chosen`` (``moved``: a bound was moved into the data, or the chosen start lies
    after ``shown``): 'Uppgifterna här slutar 2022, så sidan visar 2022.' ('finns bara för
    2022' when 2022 is the only period); None otherwise. Pure."""
    freq = "year" if Period.parse(periods[0]).month is None else "month"
    first, last = Period.parse(periods[0]), Period.parse(periods[-1])
    start, end = (Period.parse(v).as_frequency(freq, end=is_end) if v else None
                  for v, is_end in ((chosen.start, False), (chosen.end, True)))
    here = Period.parse(shown)
    if not moved and (start is None or start <= here):
        return None
    label = here.label()
    if first == last:
        return f"Uppgifterna här finns bara för {label}, så sidan visar {label}."
    verb = "slutar" if any(b is not None and b > last for b in (start, end)) else "börjar"
    return f"Uppgifterna här {verb} {label}, så sidan visar {label}."


def period_picker(sel: Selection, ind: Indicator, periods: list[str], column, *,
                  name: str) -> str | None:
    """One period (``till=``: the end of the view's range), from the indicator's periods;
    a note under it when the data end sooner than the period chosen."""
    found = shown_range(sel, periods, end_only=True)
    if found is None:
        return None
    _, shown, note = found
    if len(periods) == 1:
        column.caption(f"Period: {Period.parse(shown).label()}" + (f". {note}" if note else ""))
        return shown
    key = page_key(f"{name}_{ind.id}")
    column.select_slider(
        "Period", periods, value=shown, key=key, format_func=lambda p: Period.parse(p).label(),
        on_change=page_changed, args=(key, _end_setter(periods)),
        help="Perioden som visas. Den följer med till de andra sidorna som periodens slut.")
    if note:
        column.caption(note)
    return shown


def _end_setter(periods: list[str]):
    def apply(state: url_state.ViewState, value: object) -> url_state.ViewState:
        end = None if value == periods[-1] else str(value)
        start = state.start
        if start is not None and end is not None and not _not_after(start, end):
            start = None  # the range would be reversed: open it at the start
        return replace(state, end=end, start=start)
    return apply


def _not_after(start: str, end: str) -> bool:
    return Period.parse(start).first_month <= Period.parse(end).last_month


def range_picker(sel: Selection, ind: Indicator, periods: list[str], column, *,
                 name: str) -> tuple[str, str] | None:
    """From–to (``fran``/``till``) over the indicator's periods; returns the range shown,
    with a note under it when the data end sooner or begin later than the period chosen."""
    found = shown_range(sel, periods)
    if found is None:
        return None
    start, end, note = found
    if len(periods) == 1:
        column.caption(f"Period: {Period.parse(end).label()}" + (f". {note}" if note else ""))
        return start, end
    key = page_key(f"{name}_{ind.id}")
    column.select_slider(
        "Period", periods, value=(start, end), key=key,
        format_func=lambda p: Period.parse(p).label(), on_change=page_changed,
        args=(key, _range_setter(periods)),
        help="Diagrammet visar perioden; rangordningen gäller periodens sista år eller månad.")
    if note:
        column.caption(note)
    return start, end


def _range_setter(periods: list[str]):
    def apply(state: url_state.ViewState, value: object) -> url_state.ViewState:
        lo, hi = value
        return replace(state, start=None if lo == periods[0] else str(lo),
                       end=None if hi == periods[-1] else str(hi))
    return apply


def with_places(values: pd.DataFrame, better: str | None, *,
                code: str = "kommun_code") -> pd.DataFrame:
    """``values`` (every row kept, order kept) with transforms.ranking's ``place``, ``of`` and
    ``tied`` added; rows without a value get no place (<NA>)."""
    ranked = ranking.rank_values(values[[code, "value"]], better, code=code)
    out = values.drop(columns=[c for c in ("place", "of", "tied") if c in values.columns])
    out = out.merge(ranked[[code, "place", "of", "tied"]], on=code, how="left")
    out["place"] = out["place"].astype("Int64")
    out["tied"] = out["tied"].astype("Int64")
    out["of"] = len(ranked)
    return out


def place_text(row, better: str | None) -> str:
    """'plats 3 av 290' ('delad plats …' when tied), or 'ingen plats (värde saknas)'."""
    if pd.isna(row.place):
        return "ingen plats (värde saknas)"
    return ranking.Rank(int(row.place), int(row.of), better, int(row.tied)).text
