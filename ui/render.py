"""The one renderer of a page declared in ui/pages.yml: chosen area -> queries -> cards and
charts -> source line, section by section. A page with a ``renderer`` runs its own module."""

from __future__ import annotations

import importlib

import streamlit as st

from transforms import periods
from transforms.catalogue import Indicator
from ui import blocks
from ui.data import query
from ui.page_spec import PageSpec
from ui.selection import PageFacts, Selection
from warehouse.queries import UnknownIndicator


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


def page_facts(spec: PageSpec) -> PageFacts:
    """What the controls need for a page: its period frequency and periods, sex, indicators."""
    inds = indicators_of(spec)
    frequency = "month" if any(i.is_monthly for i in inds) else "year"
    spans = [s for s in (_first_last(i) for i in inds) if s]
    spans += [s for s in (blocks.BLOCKS[b].span() for b in spec.block_names
                          if b in blocks.BLOCKS) if s]
    options: tuple[str, ...] = ()
    if spans:
        first = min((periods.Period.parse(a).as_frequency(frequency) for a, _ in spans))
        last = max((periods.Period.parse(b).as_frequency(frequency, end=True) for _, b in spans))
        options = tuple(periods.options(str(first), str(last), frequency))
    # a block's own indicator (the monthly BAS rate) may carry a target line too
    shown = [b.indicator for b in (blocks.BLOCKS.get(n) for n in spec.block_names)
             if b and b.indicator and b.indicator not in spec.indicator_ids]
    targets = inds + indicators_of_ids(shown)
    return PageFacts(frequency=frequency, periods=options,
                     has_sex=any(i.has_sex for i in inds),
                     indicators=tuple((i.id, i.label) for i in targets))


def indicator_page(sel: Selection) -> None:
    """Draw a page from its sections: heading, blocks, cards, charts, member bars."""
    spec = sel.page
    st.title(f"{spec.title} – {sel.area.name}")
    if spec.intro:
        st.markdown(spec.intro)
    st.caption(blocks.selection_caption(sel))
    known = {i.id for i in indicators_of(spec)}
    for section in spec.sections:
        st.header(section.heading)
        if section.intro:
            st.markdown(section.intro)
        for name in section.blocks:
            blocks.BLOCKS[name].render(sel)
        missing = [i for i in section.indicators if i not in known]
        if missing:
            st.caption(f"Saknas i databasen: {', '.join(missing)}.")
        ids = [i for i in section.indicators if i in known]
        if not ids:
            continue
        for column, indicator_id in zip(st.columns(len(ids)), ids, strict=True):
            with column:
                blocks.indicator_card(sel, indicator_id)
        for indicator_id in ids:
            blocks.indicator_chart(sel, indicator_id)
        if section.members and not sel.area.is_kommun \
                and len(sel.area.members) <= blocks.MAX_MEMBER_BARS:
            with st.expander(f"Kommunerna i {sel.area.name}"):
                for indicator_id in ids:
                    blocks.members_block(sel, indicator_id)


def render(sel: Selection) -> None:
    """Draw the selected page: its own renderer module, or its sections."""
    if sel.page.renderer:
        importlib.import_module(sel.page.renderer).render(sel)
    else:
        indicator_page(sel)
