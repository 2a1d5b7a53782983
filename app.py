"""Arbetsmarknadsläget: the entry point. The frame (ui/frame.py) routes and draws every page."""

import streamlit as st
import streamlit.delta_generator as _delta_generator
from streamlit import runtime
from streamlit.runtime import Runtime

from ui import frame

# Streamlit checks once per process, at the first element, whether it runs in a Python REPL
# (to warn "use streamlit run"): inspect.stack() reads the source of every frame and maps
# every loaded module to its file, ~0.2 s of the first run (issue 12 point 7: cold start). Under
# `streamlit run` (the runtime exists) the answer is always no and nothing is printed, so the
# check is marked done. A Streamlit without this flag is unaffected (an unused attribute).
if runtime.exists():
    _delta_generator._use_warning_has_been_displayed = True
# no page icons: Streamlit fetches a material icon for the favicon from Google (offline: fails)
st.set_page_config(page_title="Arbetsmarknadsläget", layout="wide")
frame.run()
# A real server (not AppTest's stand-in runtime, so a test process is left as it is) freezes
# what its first whole run left alive: Streamlit's collection after each run then walks only
# the objects made since (ui/frame.py, freeze_long_lived).
if runtime.exists() and type(runtime.get_instance()) is Runtime:
    frame.freeze_long_lived()
