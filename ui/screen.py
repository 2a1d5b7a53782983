"""The width of the page's main column in the reader's browser, so a chart's title and source
line are wrapped at the chart's own width (charts.on_screen), not a phone's on every screen
(left27: on a 1400 px window a title that fits one line was broken in two).

The server cannot see the browser, and plotly.js never wraps a title. So a small component
(Streamlit's components v2: inline JavaScript, no build) measures the main column, the width
a full-width chart gets, and reports it rounded down to STEP px; a resize reports again once
it has rested WAIT ms and crossed a step (a wider column by SLACK px or more). The server
floors and clamps what it is told too (``_believed``): the figure caches are keyed by the
width. Nothing is stored in the browser (no cookie: a public kommun site would need the
reader's consent for one that only remembers a layout), so each new session's first run is
made for a phone and the next at the measured width. Until a width is known (a session's
first run, AppTest, a browser without JavaScript) charts are made for a phone, as before: a
title wrapped too narrow is still inside the chart, one wrapped too wide is cut.
"""

from __future__ import annotations

import streamlit as st

KEY = "skarmbredd"
STEP = 40  # px: a width reported rounded down to this, so a resize reruns the page rarely
NARROWEST, WIDEST = 200, 4000  # px: a reported width is clamped to these (then floored)
WAIT = 250  # ms: a resize reports once it has rested this long (a drag reruns the page once)
SLACK = 20  # px: a column wider by less than this than the one last reported is not new

# Measures the main column (its content box: the width of a full-width element) and reports it
# rounded down to the step when it differs from what the server last heard from this page (at
# first: the width the run was made for). Debounced: a drag across 800 px reported ~20 widths
# and reran the page for each (review27). With slack: a column under SLACK px wider than the
# one behind the last report keeps the width reported (a narrower one is always followed: too
# wide is cut), so a scrollbar that comes and goes as the charts' heights change (1201 px ->
# 1186 -> 1201: steps 1200 and 1160) reruns the page once, for 1160, not back and forth. One
# ResizeObserver per page (a run mounting the component again replaces the last one).
_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const page = document.documentElement.dataset;
  if (!main) return;
  page.kolumnbredd = String(data.used ?? "");  // what this run's charts were made for
  const measure = () => {
    const style = getComputedStyle(main);
    return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  const report = () => {
    const inner = measure();
    if (!(inner > 0)) return;
    const last = window.__kolumnbreddRaw;  // the column behind the width last sent
    const stepped = Math.floor(inner / data.step) * data.step;
    // wider by under data.slack px: kept (narrower is followed: a chart made too wide is cut)
    const slight = data.used != null && last !== undefined && stepped > data.used
      && inner - last < data.slack;
    const width = slight ? data.used : stepped;
    page.kolumnbreddMatt = String(width);  // the run made for it draws the page's last charts
    if (width !== data.used && width !== window.__kolumnbreddSent) {
      window.__kolumnbreddSent = width;
      window.__kolumnbreddRaw = inner;
      setStateValue("width", width);
    }
  };
  let timer;
  const later = () => { clearTimeout(timer); timer = setTimeout(report, data.wait); };
  if (window.__kolumnbredd) window.__kolumnbredd.disconnect();
  const observer = new ResizeObserver(later);
  window.__kolumnbredd = observer;
  observer.observe(main);
  report();  // at once: a first visit's width is wanted now, not after a rest
  return () => { observer.disconnect(); clearTimeout(timer); };
}
"""

_component = st.components.v2.component("arbetsmarknadslaget.kolumnbredd", js=_JS)


def _believed(value: object) -> int | None:
    """A reported width as the px a run is made for: clamped to NARROWEST–WIDEST and rounded
    down to STEP, as the browser rounds it (review27: any integer 200–4000 was taken, so a
    crafted message could make 3 801 cache keys per view and push every reader's figures
    out of the shared caches; now at most 96); None when it is no positive number."""
    try:
        width = int(str(value))
    except (TypeError, ValueError):
        return None
    if width <= 0:
        return None
    return min(max(width, NARROWEST), WIDEST) // STEP * STEP


def chart_width() -> int | None:
    """The width (px) a full-width chart has in this session's browser, rounded down to STEP,
    as the component reported it; None until it has (not known). Mounts the measuring
    component in the sidebar (no visible element)."""
    state = st.session_state.get(KEY)
    width = _believed(state.get("width")) if hasattr(state, "get") else None
    with st.sidebar:
        _component(key=KEY, data={"used": width, "step": STEP, "wait": WAIT, "slack": SLACK},
                   height=0, on_width_change=lambda: None)
    return width
