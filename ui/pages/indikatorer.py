"""Alla indikatorer: every indicator in the warehouse, searchable; the one picked is drawn for
the chosen area (card, chart with its source line, the member kommuner of an area). The pick is
part of the view: ``?sida=indikatorer&indikator=N31807``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from transforms.catalogue import FREQUENCIES, group_labels
from transforms.formatting import markdown_literal
from ui import blocks
from ui.data import query
from ui.selection import Selection, indicator_control


def catalogue_table(inds: list) -> pd.DataFrame:
    """One row per indicator: the source's id (as the pickers name it; "–" for files named
    by month), name, source, unit, how often, the years or months there are, target groups
    (Swedish headings), and the id a link uses (``indikator=``), so the table's search finds
    either."""
    groups = group_labels()
    rows = []
    for ind in inds:
        if ind.is_monthly:
            span = f"{ind.first_period}–{ind.last_period}" if ind.first_period else \
                "finns inte i databasen"
        else:
            span = f"{ind.first_year}–{ind.last_year}" if ind.first_year else "inga värden"
        rows.append({"Id": ind.source_id or "–", "Nyckeltal": ind.label,
                     "Källa": ind.source, "Enhet": ind.short_unit,
                     "Hur ofta": FREQUENCIES[ind.frequency], "Period": span,
                     "Per kön": "ja" if ind.has_sex else "nej",
                     "Målgrupper": ", ".join(groups.get(g, g) for g in ind.groups),
                     "I länkar": f"indikator={ind.id}"})
    return pd.DataFrame(rows)


def render(sel: Selection) -> None:
    """The catalogue and the indicator picked, drawn for the chosen area."""
    inds = query("indicators")
    st.session_state[blocks.DRAWN_DIMS] = set()
    st.session_state[blocks.SAID] = set()
    st.title(f"{sel.page.title} – {markdown_literal(sel.area.name)}", anchor=False)
    st.markdown(f"Alla {len(inds)} nyckeltal i databasen. Skriv i rutan för att söka på namn "
                "eller på källans id (Koladas nyckeltal som N03920, SCB:s tabell som "
                "TAB6260); det valda nyckeltalet ritas för vald kommun eller valt område.")
    st.caption(blocks.selection_caption(sel))
    options = {i.id: i.picker_label(with_source=True) for i in inds}
    chosen = indicator_control(sel, "Nyckeltal", options)
    if chosen is None:
        st.info("Välj ett nyckeltal i rutan ovan, eller sök i tabellen nedan.")
    else:
        ind = next(i for i in inds if i.id == chosen)
        st.header(ind.label, anchor=False)
        if ind.is_monthly:
            blocks.monthly_unemployment_block(sel, ind.id)
        else:
            blocks.indicator_card(sel, ind.id)
            blocks.indicator_chart(sel, ind.id)
            if not sel.area.is_kommun and len(sel.area.members) <= blocks.MAX_MEMBER_BARS:
                with st.expander(f"Kommunerna i {sel.area.name}"):
                    blocks.members_block(sel, ind.id)
    st.header("Katalogen", anchor=False)
    st.dataframe(catalogue_table(inds), hide_index=True, width="stretch")
