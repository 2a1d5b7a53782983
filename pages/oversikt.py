"""Översikt: the latest values and trends for a kommun or an area against its län and Riket."""

import streamlit as st

import components as ui

SECTIONS = [
    ("Arbetslöshet", ["N03920", "N03921"]),
    ("Ekonomiskt bistånd (försörjningsstöd)", ["N31807", "U31804"]),
    ("Nyanlända", ["N00960", "N01986"]),
]

sel = ui.current_selection()
st.title(f"Översikt – {sel.area.name}")
st.caption(ui.selection_caption(sel))
ui.monthly_unemployment_block(sel)

for heading, indicator_ids in SECTIONS:
    st.header(heading)
    for column, indicator_id in zip(st.columns(len(indicator_ids)), indicator_ids, strict=True):
        with column:
            ui.indicator_card(sel, indicator_id)
    for indicator_id in indicator_ids:
        ui.indicator_chart(sel, indicator_id)
    if not sel.area.is_kommun and len(sel.area.members) <= 60:
        with st.expander(f"Kommunerna i {sel.area.name}"):
            for indicator_id in indicator_ids:
                ui.members_block(sel, indicator_id)

st.header("Befolkning (SCB)")
ui.population_block(sel)
