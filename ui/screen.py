"""The width of the page's main column in the reader's browser, so a chart's title and source
line are wrapped at the chart's own width (charts.on_screen), not a phone's on every screen
(left27: on a 1400 px window a title that fits one line was broken in two).

The server cannot see the browser, and plotly.js never wraps a title. So a small component
(Streamlit's components v2: inline JavaScript, no build) measures the main column, the width
a full-width chart gets, and reports it rounded down to STEP px; a resize across a step
reports again. Nothing is stored in the browser (no cookie: a public kommun site would need
the reader's consent for one that only remembers a layout), so each new session's first run is
made for a phone and the next at the measured width. Until a width is known (a session's first
run, AppTest, a browser without JavaScript) charts are made for a phone, as before: a title
wrapped too narrow is still inside the chart, one wrapped too wide is cut.
"""

from __future__ import annotations

import streamlit as st

KEY = "skarmbredd"
STEP = 40  # px: a width reported rounded down to this, so a resize reruns the page rarely
NARROWEST, WIDEST = 200, 4000  # a reported width outside these is not believed

# Measures the main column (its content box: the width of a full-width element), rounded down
# to the step, and reports it when it differs from what the server last heard from this page
# (at first: the width the run was made for). One ResizeObserver per page (a run mounting the
# component again replaces the last one).
_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const page = document.documentElement.dataset;
  if (!main) return;
  page.kolumnbredd = String(data.used ?? "");  // what this run's charts were made for
  const measure = () => {
    const style = getComputedStyle(main);
    const inner = main.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    return Math.floor(inner / data.step) * data.step;
  };
  const report = () => {
    const width = measure();
    if (!(width > 0)) return;
    page.kolumnbreddMatt = String(width);  // the run made for it draws the page's last charts
    if (width !== data.used && width !== window.__kolumnbreddSent) {
      window.__kolumnbreddSent = width;
      setStateValue("width", width);
    }
  };
  if (window.__kolumnbredd) window.__kolumnbredd.disconnect();
  const observer = new ResizeObserver(report);
  window.__kolumnbredd = observer;
  observer.observe(main);
  report();
  return () => observer.disconnect();
}
"""

_component = st.components.v2.component("arbetsmarknadslaget.kolumnbredd", js=_JS)


def _believed(value: object) -> int | None:
    """A reported width as px, or None when it is not a plausible column width."""
    try:
        width = int(str(value))
    except (TypeError, ValueError):
        return None
    return width if NARROWEST <= width <= WIDEST else None


def chart_width() -> int | None:
    """The width (px) a full-width chart has in this session's browser, rounded down to STEP,
    as the component reported it; None until it has (not known). Mounts the measuring
    component in the sidebar (no visible element)."""
    state = st.session_state.get(KEY)
    width = _believed(state.get("width")) if hasattr(state, "get") else None
    with st.sidebar:
        _component(key=KEY, data={"used": width, "step": STEP},
                   height=0, on_width_change=lambda: None)
    return width
