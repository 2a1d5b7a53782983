"""Walkthrough 27's defects seen in real headless Chromium (fixb27): Enter in Mötesunderlag's
indicator picker, and Arbetslöshet's "Vilket mått?" table at 390 px. Uses test_browser's
server and browser (tests/browser_session.py)."""

from __future__ import annotations

import pytest

from tests.test_browser import _heading, _new_page

pytestmark = pytest.mark.browser


# the header cells of "Vilket mått?"'s table and the page's width
_TABLE = """() => {
  const t = [...document.querySelectorAll('[data-testid="stTable"]')]
    .find(e => [...e.querySelectorAll('thead th')].some(h => h.textContent.trim() === 'Räknar'));
  if (!t) return null;
  return {width: document.documentElement.clientWidth,
          heads: [...t.querySelectorAll('thead th')].map(h => {
            const r = h.getBoundingClientRect();
            return {text: h.textContent.trim(), l: r.left, r: r.right}; }),
          cells: [...t.querySelectorAll('tbody tr')].map(
            tr => [...tr.querySelectorAll('th, td')].map(c => c.textContent.trim()))};
}"""


def test_the_measures_table_shows_its_values_on_a_phone(browser, app_url, tmp_path):
    """walk27: at 390 px "Vilket mått?" showed 3 of its 7 columns and the area's values, the
    last column, needed a sideways scroll. The values stand next to the measure's name: both
    inside the screen's width, Borlänge's Kolada N03920 2022 (7,0 %, the recorded value)
    readable without scrolling."""
    from tests.test_walk27b_fixes import _kolada

    pg = _new_page(browser, viewport=(390, 844))
    try:
        pg.goto(f"{app_url}/?sida=arbetsloshet&kommun=2081", wait_until="domcontentloaded")
        _heading(pg, "Arbetslöshet")
        pg.wait_for_function(f"({_TABLE})() !== null", timeout=60_000)
        at = pg.evaluate(_TABLE)
        pg.screenshot(path=str(tmp_path / "vilket-matt-390.png"), full_page=True)
    finally:
        pg.context.close()
    names = [h["text"] for h in at["heads"]]
    assert names[:2] == ["Mått", "Borlänge, senaste"], names
    assert at["heads"][1]["r"] <= at["width"], at  # the values' column inside the screen
    value = f"{round(_kolada('N03920', 2022)['2081'], 1):.1f}".replace(".", ",")
    kolada = next(row for row in at["cells"] if row[0].startswith("Koladas arbetslöshet 18"))
    assert kolada[1] == f"{value}\u00a0% (2022)", kolada
