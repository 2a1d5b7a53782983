"""Every page in real headless Chromium (issue 9 point 9). Uses the worker's shared server and
browser: `make test` hands this file, tests/test_browser.py and tests/test_browser_map.py to
one worker as one unit (tests/conftest.py ``SHARED_BROWSER_FILES``), so one server and one
Chromium serve all three (issue 12 point 8: on both workers each started its own)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT, call_passed
from tests.test_browser import _heading

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots")

# two animation frames: the first is laid out at the new viewport, the second painted
TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _painted(pg) -> None:
    """Wait until the page has laid out and painted what changed (a resize, a scroll): two
    animation frames, and every plotly chart done with its own redraw (plotly's
    ``_transitioning``/``_promises`` empty), instead of a fixed sleep."""
    pg.evaluate(TWO_FRAMES)
    pg.wait_for_function("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
        .every(gd => !(gd._promises && gd._promises.length) && !gd._transitioning)""",
                         timeout=30_000)
    pg.evaluate(TWO_FRAMES)


def _page_ids() -> list[str]:
    from ui.page_spec import load_pages

    return list(load_pages())


@pytest.fixture(scope="module")
def _tab(browser):
    """One browser tab for every page (issue 12 point 8: a fresh context per page loaded and
    compiled Streamlit's scripts again each time). Requests leaving 127.0.0.1 and failed
    responses are collected per test (``outside``, ``failed``, emptied at the start of each).
    ``pg.clean``: the last test on it passed (a page opened after a failure is a new load)."""
    holder = SimpleNamespace(page=None)

    def restart() -> None:
        from tests.browser_session import new_context

        if holder.page is not None:
            holder.page.context.close()
        pg = new_context(browser, 1280, 800).new_page()
        pg.outside, pg.failed, pg.clean = [], [], False
        pg.on("request", lambda r: pg.outside.append(r.url)
              if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        pg.on("response", lambda r: pg.failed.append(f"{r.status} {r.url}")
              if r.status >= 400 else None)
        holder.page = pg

    holder.restart = restart
    restart()
    yield holder
    holder.page.context.close()


@pytest.fixture
def tab(_tab, request):
    """The module's tab; after a failed (or skipped) test it is replaced by a fresh one, so a failure
    never leaves a half-done page for the next test to start from."""
    yield _tab.page
    if not call_passed(request):
        _tab.restart()
    else:
        _tab.page.clean = True


def _go(pg, app_url: str, target: str, title: str) -> None:
    """Show ``target`` (a link of the app): through the menu when the page shows the app and
    the menu's link leads exactly there (Streamlit's own page change: a new run, no new load of
    its scripts), else by loading it."""
    if pg.clean and pg.url.startswith(app_url):
        link = pg.get_by_role("link", name=title, exact=True)
        if link.count() == 1 and link.evaluate("a => a.href") == target:
            link.click()
            pg.wait_for_url(target)
            return
    pg.goto("about:blank")  # the previous page's charts are not redrawn at the new size
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.goto(target, wait_until="domcontentloaded")


@pytest.mark.parametrize("page_id", _page_ids())
def test_every_page_draws_its_charts_offline_at_1280x800(tab, app_url, page_id):
    """Each page for Falun (the kommun with monthly SCB data in the mirror) at 1280×800: every
    chart has drawn its plot, plotly's toolbar speaks Swedish, nothing leaves 127.0.0.1, and a
    screenshot is kept as a test artifact (test-artifacts/, not committed).

    The page opens at 1280×800; once its run has finished, the viewport grows as tall as the
    page (same width) and every chart is waited for there, so each is drawn once, all in view
    (issue 12 point 8: scrolling chart by chart at 800 px, then growing the viewport for the
    screenshot, drew the page twice). A page is reached through the menu of the page before
    when its link there leads to exactly this view, as a user moves between pages (issue 12
    point 8: a load of the app per page compiled Streamlit's scripts twelve times); the first
    page, Alla indikatorer (its link has no indicator), Karta (its link would carry
    Alla indikatorer's) and any page after a failure are loaded from their link."""
    from ui.page_spec import load_pages
    from ui.swedish import PLOTLY_LOCALE

    spec = load_pages()[page_id]
    pg = tab
    pg.set_viewport_size({"width": 1280, "height": 800})
    pg.outside.clear()
    pg.failed.clear()
    extra = "&indikator=N31807" if page_id == "indikatorer" else ""
    _go(pg, app_url, f"{app_url}/?sida={page_id}&kommun=2080{extra}", spec.title)
    heading = {"grupper": "Egna grupper av kommuner", "om_data": "Om data"}.get(
        page_id, f"{spec.title} – Falun")
    _heading(pg, heading)
    charts = pg.locator('[data-testid="stPlotlyChart"]')
    if spec.sections or page_id == "indikatorer":
        charts.first.wait_for(timeout=60_000)
    # the page scrolls inside Streamlit's main block: a viewport as tall as the page (same
    # width) shows it whole
    tall = pg.evaluate("Math.min(20000, document.querySelector("
                       "'[data-testid=\"stMain\"]').scrollHeight)")
    pg.set_viewport_size({"width": 1280, "height": max(800, int(tall))})
    pg.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    for n in range(charts.count()):
        # drawn: plotly's svg with at least one trace (line or bar) in it, or Karta's map
        # (what it drew is checked in tests/test_browser_map.py)
        charts.nth(n).locator(".main-svg .trace, .maplibregl-canvas").first.wait_for(
            state="attached", timeout=30_000)
    if spec.sections or page_id == "indikatorer":
        assert charts.count() > 0, page_id
    if charts.count():  # every chart's toolbar speaks Swedish (Karta's and Jämför's too)
        titles = set(pg.eval_on_selector_all(".modebar-btn", "bs => bs.map(b => b.dataset.title)"))
        english = {en for en, sv in PLOTLY_LOCALE["dictionary"].items() if en != sv}
        assert not titles & english, (page_id, titles & english)
        assert titles & set(PLOTLY_LOCALE["dictionary"].values()), (page_id, titles)
        # every chart asked for the margins its labels need (charts.left_for): one Plotly's
        # automargin widened is drawn twice (issue 12 point 7; Liknande's bars were 64 → 90)
        widened = pg.eval_on_selector_all(".js-plotly-plot", """gds => gds
            .filter(gd => ['l', 'r', 't', 'b'].some(
                side => gd._fullLayout.margin[side] !== gd._fullLayout._size[side]))
            .map(gd => gd._fullLayout.title.text)""")
        assert widened == [], (page_id, widened)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _painted(pg)
    pg.screenshot(path=str(ARTIFACTS / f"sida_{page_id}.jpg"), full_page=True,
                  quality=85)  # JPEG: a third of the PNG encoding's CPU
    assert pg.outside == []
    assert pg.failed == []
