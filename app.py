"""Arbetsmarknadsläget: router and frame only (navigation, selection bar, footer)."""

import streamlit as st

import components as ui

# no page icons: Streamlit fetches a material icon for the favicon from Google (offline: fails)
st.set_page_config(page_title="Arbetsmarknadsläget", layout="wide")

if not ui.warehouse_ready():
    # one hidden page, so Streamlit does not list the pages/ folder on an empty start
    st.navigation([st.Page(ui.no_data_message, title="Arbetsmarknadsläget")],
                  position="hidden").run()
    st.stop()

page = st.navigation([
    st.Page("pages/oversikt.py", title="Översikt", default=True),
    st.Page("pages/grupper.py", title="Egna grupper"),
    st.Page("pages/om_data.py", title="Om data"),
])
st.session_state["selection"] = ui.selection_bar()
page.run()
ui.app_footer()
