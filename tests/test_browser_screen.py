"""The column width the browser reports (ui/screen.py) in real headless Chromium (review27 item
3b): a drag reran the page for every 40 px step, and a scrollbar that comes and goes as the
charts' heights change could move the column across a step and back (A → B → A), rerunning
the page for ever. The script debounces (WAIT ms) and keeps the width it reported while the
column stays within SLACK px of the one behind it. Uses test_browser's server and browser."""

from __future__ import annotations

import pytest

from tests.test_browser import _heading, _new_page

pytestmark = pytest.mark.browser

# the script alone: a main column of a set width, the component's JavaScript mounted on it as
# Streamlit mounts it, and each reported width answered as the server answers (a rerun that
# mounts the component again with the width it was made for)
HARNESS = """<html><body style="margin:0">
<div data-testid="stMainBlockContainer" id="main" style="width:1201px; height:50px"></div>
</body></html>"""

MOUNT = """async ([js, data]) => {
  const mod = await import(URL.createObjectURL(new Blob([js], {type: "text/javascript"})));
  window.sent = [];
  window.mount = (used) => mod.default({data: {...data, used}, setStateValue: (key, width) => {
    window.sent.push(width);
    setTimeout(() => window.mount(width), 30);  // the rerun, made for the width reported
  }});
  window.mount(null);
}"""


def _harness(browser):
    from ui.screen import _JS, SLACK, STEP, WAIT

    pg = _new_page(browser, viewport=(1400, 600))
    pg.set_content(HARNESS)
    pg.evaluate(MOUNT, [_JS, {"step": STEP, "wait": WAIT, "slack": SLACK}])
    pg.wait_for_timeout(WAIT + 200)
    return pg


def _width(pg, px: int, rest: int) -> None:
    pg.evaluate("(px) => { document.getElementById('main').style.width = px + 'px'; }", px)
    pg.wait_for_timeout(rest)


def test_a_scrollbar_coming_and_going_reruns_once_and_a_drag_reruns_once(browser):
    """1201 px reports 1200. A scrollbar taking 15 px (1186: step 1160) and leaving again, six
    times, each at rest: one report, 1160 (narrower is followed), then none: back at 1201 the
    column is only 15 px wider than the 1186 behind the report (before: 1160, 1200, 1160, …
    twelve reruns). A drag from 1201 to 401 px in 20 steps of 40 px, 16 ms apart: one report,
    400 (before: 20). A column 20 px or more wider than the one reported is heard again."""
    from ui.screen import WAIT

    pg = _harness(browser)
    try:
        assert pg.evaluate("window.sent") == [1200]
        for _ in range(6):
            _width(pg, 1186, WAIT + 150)
            _width(pg, 1201, WAIT + 150)
            assert pg.evaluate("document.documentElement.dataset.kolumnbreddMatt") == "1160"
        assert pg.evaluate("window.sent") == [1200, 1160]
        assert pg.evaluate("document.documentElement.dataset.kolumnbredd") == "1160"
        for step in range(1, 21):
            _width(pg, 1201 - 40 * step, 16)
        pg.wait_for_timeout(WAIT + 200)
        assert pg.evaluate("window.sent") == [1200, 1160, 400]
        _width(pg, 441, WAIT + 150)  # 40 px wider than the 401 behind the report
        assert pg.evaluate("window.sent") == [1200, 1160, 400, 440]
    finally:
        pg.context.close()


RUNS = """() => { window.runs = 0;
  new MutationObserver(ms => { for (const m of ms) if (m.target.getAttribute(
    'data-test-script-state') === 'running') window.runs += 1; })
  .observe(document.body, {subtree: true, attributes: true,
                           attributeFilter: ['data-test-script-state']}); }"""

INNER = """() => { const m = document.querySelector('[data-testid="stMainBlockContainer"]');
  const s = getComputedStyle(m);
  return m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"""


def _om_data(browser, app_url: str, width: int):
    pg = _new_page(browser, viewport=(width, 800))
    pg.goto(f"{app_url}/?sida=om_data", wait_until="domcontentloaded")
    _heading(pg, "Om data")
    return pg


def test_the_app_does_not_rerun_for_a_column_moving_back_and_forth_across_a_step(
        browser, app_url):
    """The same A → B → A in the app: a window whose column is 5 px over a 40 px step,
    narrowed by 12 px (7 px under it) and widened again, six times: the page runs once at
    most, for the narrower step, and stays made for it (before: twelve runs, 800, 760, …)."""
    from ui.screen import STEP, WAIT

    probe = _om_data(browser, app_url, 1280)
    try:  # the sidebar and the padding beside the column: the window's px the column lacks
        beside = 1280 - _inner(probe)
    finally:
        probe.context.close()
    step = (1280 - beside) // STEP * STEP
    wide = beside + step + 5
    pg = _om_data(browser, app_url, wide)
    try:
        assert _inner(pg) == step + 5
        # the first run's page may have had a scrollbar (its column under the step): then it
        # was made for the step below, and a column 15 px wider keeps it
        assert pg.evaluate("document.documentElement.dataset.kolumnbredd") in (
            str(step), str(step - STEP))
        pg.evaluate(RUNS)
        for _ in range(6):
            pg.set_viewport_size({"width": wide - 12, "height": 800})
            pg.wait_for_timeout(WAIT + 300)
            pg.set_viewport_size({"width": wide, "height": 800})
            pg.wait_for_timeout(WAIT + 300)
        assert pg.evaluate("window.runs") <= 1
        assert pg.evaluate("document.documentElement.dataset.kolumnbredd") == str(step - STEP)
    finally:
        pg.context.close()


def _inner(pg) -> int:
    """The main column's content box, px (as the component measures it)."""
    return round(pg.evaluate(INNER))
