"""The one renderer of a page declared in ui/pages.yml: chosen area -> queries -> cards and
charts -> source line, section by section. A page with a ``renderer`` runs its own module."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial

import streamlit as st

from transforms import periods
from transforms.catalogue import Indicator, monthly_marts
from transforms.formatting import data_age_note, markdown_literal
from ui import blocks, data, selection
from ui.data import query
from ui.page_spec import PageSpec, Section, load_pages
from ui.selection import PageFacts, Selection
from ui.url_state import ViewState
from warehouse.queries import Area, UnknownIndicator

CATALOGUE_PAGE = "ui.pages.indikatorer"
ROOT_PAGE = "_root_page"  # session key: the app's one st.Page, for "Mer om …" links


def indicators_of(spec: PageSpec) -> list[Indicator]:
    """The page's indicators that the warehouse has, in page order."""
    return indicators_of_ids(spec.indicator_ids)


def indicators_of_ids(ids: list[str] | tuple[str, ...]) -> list[Indicator]:
    """The indicators the warehouse has among ``ids``, in that order."""
    found = []
    for indicator_id in ids:
        try:
            found.append(query("indicator", indicator_id))
        except UnknownIndicator:
            continue
    return found


def _first_last(ind: Indicator) -> tuple[str, str] | None:
    if ind.is_monthly:
        return (ind.first_period, ind.last_period) if ind.first_period else None
    if ind.first_year is None or ind.last_year is None:
        return None
    return str(ind.first_year), str(ind.last_year)


def drawn_sections(spec: PageSpec, tab: str | None) -> list[Section]:
    """The sections drawn with the tab ``tab`` open: those outside tabs and those of ``tab``
    (every section when the page has no tabs or ``tab`` is None)."""
    if not spec.tabs or tab is None:
        return list(spec.sections)
    return [s for s in spec.sections if s.tab in (None, tab)]


def page_facts(spec: PageSpec, state: ViewState | None = None,
               area: Area | None = None) -> PageFacts:
    """What the controls need for a page: its period frequency and periods, sex, indicators.

    A page (or open tab, for ``state`` and ``area``) mixing annual and monthly indicators
    chooses years (a monthly chart shows January to December of the years chosen, or the
    months a link names: ``PageFacts.monthly``); one of monthly indicators only chooses
    months. The catalogue page (a renderer that draws any indicator) takes every annual
    indicator.
    """
    tab = open_tab(spec, state, area) if spec.tabs and state is not None else None
    drawn = drawn_sections(spec, tab)
    ids = tuple(dict.fromkeys(i for s in drawn for i in (
        *s.indicators, *(m.indicator for m in s.monthly), *s.composition)))
    names = tuple(dict.fromkeys(b for s in drawn for b in s.blocks))
    inds = query("indicators") if spec.renderer == CATALOGUE_PAGE else indicators_of_ids(ids)
    inds = [i for i in inds if not (i.is_monthly and not i.first_period)]  # absent sources
    frequency = "month" if inds and all(i.is_monthly for i in inds) else "year"
    spans = [s for s in (_first_last(i) for i in inds) if s]
    spans += [s for s in (blocks.BLOCKS[b].span() for b in names if b in blocks.BLOCKS) if s]
    options: tuple[str, ...] = ()
    if spans:
        first = min((periods.Period.parse(a).as_frequency(frequency) for a, _ in spans))
        last = max((periods.Period.parse(b).as_frequency(frequency, end=True) for _, b in spans))
        options = tuple(periods.options(str(first), str(last), frequency))
    monthly = any(i.is_monthly for i in inds) or any(
        blocks.BLOCKS[b].span() for b in names if b in blocks.BLOCKS)
    # sex and a target's indicators are the whole page's: the Kön control and a target on
    # another tab stay as they are when the tab changes
    every = query("indicators") if spec.renderer == CATALOGUE_PAGE else [
        i for i in indicators_of(spec) if not (i.is_monthly and not i.first_period)]
    # a block's own indicator (the monthly BAS rate) may carry a target line too
    shown = [b.indicator for b in (blocks.BLOCKS.get(n) for n in spec.block_names)
             if b and b.indicator and b.indicator not in spec.indicator_ids]
    targets = every + indicators_of_ids(shown)
    return PageFacts(frequency=frequency, periods=options,
                     has_sex=any(i.has_sex for i in every),
                     indicators=tuple((i.id, i.label) for i in targets), monthly=monthly)


def sex_note(inds: list[Indicator], sex: str) -> str | None:
    """'Kön: 4 av nyckeltalen på sidan finns inte per kön …' for the chosen ``sex``: the
    annual indicators without a split by sex, and the monthly ones whose fetched data has
    none (SCB BAS in the mirror: totals only); None when every one has it."""
    plain = [i for i in inds if not i.is_monthly and not i.has_sex]
    fetched = [i for i in inds if i.is_monthly and i.first_period and (
        not i.has_sex or sex not in query("month_sexes", monthly_marts()[i.mart]["table"]))]
    if not plain and not fetched:
        return None
    parts = []
    if plain:
        parts.append(f"{len(plain)} av nyckeltalen på sidan finns inte per kön")
    if fetched:
        parts.append(f"{len(fetched)} av månadsmåtten saknas per kön i den hämtade datan")
    return (f"Kön: {', och '.join(parts)}; för dem visas totalt (det står vid varje sådant "
            "nyckeltal).")


def indicator_page(sel: Selection) -> None:
    """Draw a page from its sections: heading, blocks, monthly blocks, cards (with the kommun's
    place among all kommuner where asked), charts, a composition chart, member bars, a link."""
    spec = sel.page
    st.session_state[blocks.DRAWN_DIMS] = set()
    st.session_state[blocks.SAID] = set()
    st.title(f"{spec.title} – {markdown_literal(sel.area.name)}", anchor=False)
    intro = spec.intro if sel.area.is_kommun else (spec.area_intro or spec.intro)
    if intro:
        st.markdown(intro)
    st.caption(blocks.selection_caption(sel))
    if "sex" in spec.controls and sel.sex != "T":
        note = sex_note(indicators_of(spec), sel.sex)
        if note:
            st.caption(note)
    known = {i.id for i in indicators_of(spec)}
    chosen = open_tab(spec, sel.state, sel.area) if spec.tabs else None
    drawn = drawn_sections(spec, chosen)
    age = data_age_note(yearly_drawn(drawn, known), date.today())
    if age:
        st.caption(age)
    data.read_ahead(series_reader(drawn, known))
    ranked = [i for s in drawn if s.rank for i in s.indicators if i in known]
    try:
        with data.reading_ahead(blocks.places_reader(sel, ranked)):
            tabs_drawn = False
            for section in spec.sections:
                if section.tab is None:
                    _section(sel, section, known)
                elif not tabs_drawn:  # tabbed sections stand together (ui/page_spec.py checks)
                    tabs_drawn = True
                    _tabs(sel, known)
    finally:
        data.read_ahead(None)


def yearly_drawn(sections: list[Section], known: set[str]) -> list[Indicator]:
    """The yearly indicators of ``sections`` that the warehouse has (cards, charts,
    compositions), once each."""
    ids = dict.fromkeys(i for s in sections for i in (*s.indicators, *s.composition)
                        if i in known)
    return [i for i in indicators_of_ids(list(ids)) if not i.is_monthly]


def series_reader(sections: list[Section],
                  known: set[str]) -> Callable[[str, tuple, dict], object] | None:
    """What ``data.read_ahead`` takes for the sections drawn in this run: the yearly series
    (and the source's published län and Riket values) of all their indicators, read in one
    statement per area and sex the first time one of them misses the cache, instead of one
    statement per chart and area (issue 9 point 8: 9 charts × kommun, län and Riket were 27
    scans on a kommun's first view). None when the sections have no yearly indicator.
    Monthly indicators and user groups keep their own queries."""
    inds = [query("indicator", i) for s in sections for i in (*s.indicators, *s.composition)
            if i in known]
    inds = list({i.id: i for i in inds if not i.is_monthly}.values())
    if not inds:
        return None
    wanted = {i.id for i in inds}
    read: dict[tuple, dict] = {}  # one batch per area (or area id) and sex in this run

    def batch(name: str, args: tuple, kwargs: dict) -> object:
        if kwargs or len(args) != 3:
            return None
        if name == "area_series" and isinstance(args[0], Indicator) \
                and isinstance(args[1], Area) and args[1].kind != "group":
            ind, area, sex = args
            key, want = (name, area, sex), ind.id
            if want in wanted and key not in read:
                read[key] = query("area_series_many", inds, area, sex)
        elif name == "published_series":
            want, area_id, sex = args
            key = (name, area_id, sex)
            if want in wanted and key not in read:
                read[key] = query("published_series_many", sorted(wanted), area_id, sex)
        else:
            return None
        found = read.get(key, {}).get(want) if want in wanted else None
        return None if found is None else found.copy()

    return batch


def open_tab(spec: PageSpec, state: ViewState, area: Area | None = None) -> str:
    """The id of the page's open tab: the link's ``flik`` when the page has it, else the
    default for ``area`` (``default_tab``)."""
    ids = [tab_id for tab_id, _ in spec.tabs]
    return state.tab if state.tab in ids else default_tab(spec, area)


def default_tab(spec: PageSpec, area: Area | None) -> str:
    """The tab a page opens on for ``area``: the first with values for it (walk28: Malmö has
    no SCB BAS months in the data, so Arbetslöshet opened on two "saknas" notes while his
    Kolada years stood under "Per år"); the first tab when none has or no area is given.

    A tab has values when it holds an annual indicator or a block, or a monthly indicator
    that some member of the area has a value for."""
    ids = [tab_id for tab_id, _ in spec.tabs]
    if area is None:
        return ids[0]
    return next((t for t in ids if tab_has_values(spec, t, area)), ids[0])


def tab_has_values(spec: PageSpec, tab: str, area: Area) -> bool:
    """Whether the tab ``tab`` has something to show for ``area`` (see ``default_tab``)."""
    for section in (s for s in spec.sections if s.tab == tab):
        if section.blocks:
            return True
        for ind in indicators_of_ids([*section.indicators, *section.composition,
                                      *(m.indicator for m in section.monthly)]):
            if not ind.is_monthly or (ind.first_period and blocks.has_monthly_values(area, ind)):
                return True
    return False


def _tab_chosen(spec: PageSpec, default: str, state: ViewState, label: str) -> ViewState:
    """The view with the tab labelled ``label`` open (the view's default tab, ``default``,
    is no ``flik``)."""
    tab_id = next(t for t, text in spec.tabs if text == label)
    return replace(state, tab=None if tab_id == default else tab_id)


def _tabs(sel: Selection, known: set[str]) -> None:
    """The page's tabs; only the open tab's sections are drawn (their charts made and sent),
    a tab change reruns the page with the new tab in the URL (``flik``)."""
    spec = sel.page
    chosen = open_tab(spec, sel.state, sel.area)
    labels = dict(spec.tabs)
    key = selection.page_key("flik")
    containers = st.tabs(list(labels.values()), default=labels[chosen], key=key,
                         on_change=selection.page_changed,
                         args=(key, partial(_tab_chosen, spec, default_tab(spec, sel.area))))
    for (tab_id, _), container in zip(spec.tabs, containers, strict=True):
        if tab_id == chosen:
            with container:
                for section in spec.sections:
                    if section.tab == tab_id:
                        _section(sel, section, known)


def _section(sel: Selection, section: Section, known: set[str]) -> None:
    st.header(section.heading, anchor=False)
    if section.intro:
        st.markdown(section.intro)
    for name in section.blocks:
        blocks.BLOCKS[name].render(sel)
    for entry in section.monthly:
        if entry.indicator in known:
            blocks.monthly_unemployment_block(sel, entry.indicator, options=entry.options,
                                              cards=entry.cards)
    missing = [i for i in (*section.indicators, *section.composition) if i not in known]
    if missing:
        st.caption(f"Saknas i databasen: {', '.join(missing)}.")
    ids = [i for i in section.indicators if i in known]
    blocks.section_cards(sel, ids, rank=section.rank)
    if section.charts:
        for indicator_id in ids:
            blocks.indicator_chart(sel, indicator_id)
    parts = [i for i in section.composition if i in known]
    if parts:
        blocks.composition_block(sel, parts)
    annual = [i for i in ids if not query("indicator", i).is_monthly]
    if section.members and section.charts and annual and not sel.area.is_kommun \
            and len(sel.area.members) <= blocks.MAX_MEMBER_BARS:
        with st.expander(f"Kommunerna i {markdown_literal(sel.area.name)}"):
            for indicator_id in annual:
                blocks.members_block(sel, indicator_id)
    if section.link:
        target = load_pages()[section.link]
        root = st.session_state.get(ROOT_PAGE)
        if root is not None:
            st.page_link(root, label=f"Mer om {target.title.lower()} →",
                         query_params=sel.link_params(section.link))


def render(sel: Selection) -> None:
    """Draw the selected page: its own renderer module, or its sections."""
    if sel.page.renderer:
        importlib.import_module(sel.page.renderer).render(sel)
    else:
        indicator_page(sel)
