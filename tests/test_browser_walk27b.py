"""Walkthrough 27's defects seen in real headless Chromium (fixb27): Enter in Mötesunderlag's
indicator picker, and Arbetslöshet's "Vilket mått?" table at 390 px. Uses test_browser's
server and browser (tests/browser_session.py)."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import _heading, _new_page

pytestmark = pytest.mark.browser


def test_enter_in_the_deck_picker_adds_the_typed_kpi_only(browser, app_url):
    """walk27: "N00960" and Enter in Mötesunderlag's Nyckeltal added N00914 too (a
    discontinued KPI): Streamlit 1.67's fuzzy search matched both, "Välj alla 2 träffar"
    stood first and Enter took it. Egna grupper's Kommuner has no bulk option
    (select_all=False); the deck's picker neither, so Enter adds the typed match alone."""
    from playwright.sync_api import expect

    pg = _new_page(browser)
    try:
        pg.goto(f"{app_url}/?sida=motesunderlag&kommun=2081", wait_until="domcontentloaded")
        _heading(pg, "Mötesunderlag")
        box = pg.locator('[data-testid="stMultiSelect"]').filter(
            has_text="Nyckeltal, i den ordning")
        tags = box.locator("[data-tag]")
        tags.first.wait_for(timeout=60_000)
        before = tags.all_inner_texts()
        assert not any(t.startswith(("N00960", "N00914")) for t in before), before
        picker = box.get_by_role("combobox")
        picker.click()
        picker.fill("N00960")
        expect(pg.get_by_role("option", name=re.compile("^N00960 "))).to_be_visible()
        expect(pg.get_by_role("option", name=re.compile("^N00914 "))).to_be_visible()
        picker.press("Enter")
        expect(tags).to_have_count(len(before) + 1, timeout=30_000)
        added = [t for t in tags.all_inner_texts() if t not in before]
        assert len(added) == 1 and added[0].startswith("N00960 "), added
        picker.fill("N00960")  # no bulk option while searching, as in Egna grupper
        expect(pg.get_by_role("option", name=re.compile("^N00914 "))).to_be_visible()
        assert pg.get_by_role("option", name=re.compile(r"^(Välj alla|Select)")).count() == 0
    finally:
        pg.context.close()


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
