"""Arbetsmarknadsläget: router and frame only (navigation, sidebar pickers, footer)."""

import streamlit as st

import components as ui

st.set_page_config(page_title="Arbetsmarknadsläget", page_icon="📊", layout="wide")

if not ui.warehouse_ready():
    ui.no_data_message()
    st.stop()

st.session_state["selection"] = ui.sidebar_selection()
page = st.navigation([
    st.Page("pages/oversikt.py", title="Översikt", icon="🏠", default=True),
    st.Page("pages/grupper.py", title="Egna grupper", icon="🧩"),
    st.Page("pages/om_data.py", title="Om data", icon="ℹ️"),
])
page.run()
ui.app_footer()
