"""Arbetsmarknadsläget: the entry point. The frame (ui/frame.py) routes and draws every page."""

import streamlit as st

from ui import frame

# no page icons: Streamlit fetches a material icon for the favicon from Google (offline: fails)
st.set_page_config(page_title="Arbetsmarknadsläget", layout="wide")
frame.run()
