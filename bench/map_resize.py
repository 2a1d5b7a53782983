"""Is Karta after a resize laid out as a fresh load at that size? (tests/test_browser_map.py's
layout test resizes the page its draw test loaded: issue 12 point 8.) For each map and pair of
sizes: load at one size, resize to the other, and compare the boxes (chart, shapes, list,
main block) with a fresh load at the second size. Needs a running app:

    python -m bench.map_resize http://127.0.0.1:8753   (from the repository root)

Prints one line per case, ``same`` or ``DIFF`` with both boxes; exits 1 on any difference.
"""

from __future__ import annotations

import json
import sys
import time

from tests.browser_session import CHROMIUM, CHROMIUM_ARGS, CONTEXT
from tests.test_browser_map import BOXES

MAPS = ["kommun=0780", "kommun=2403&indikator=N00971"]
SIZES = [((1024, 700), (1280, 800)), ((1024, 700), (1920, 1080)), ((1280, 800), (1920, 1080)),
         ((1920, 1080), (1280, 800)), ((1280, 800), (800, 700)), ((800, 700), (1280, 800))]


def _load(browser, url: str, size: tuple[int, int]):
    """A fresh context showing the map at ``url``, drawn and listed."""
    page = browser.new_context(viewport={"width": size[0], "height": size[1]},
                               **CONTEXT).new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => document.querySelectorAll('path.choroplethlocation')"
                           ".length === 290", timeout=120_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=120_000)
    return page


def _settled(page) -> dict:
    """The boxes once two reads 0.2 s apart agree (at most 6 s)."""
    before = None
    for _ in range(30):
        now = page.evaluate(BOXES)
        if now == before:
            return now
        before = now
        time.sleep(0.2)
    return now


def main(app: str) -> int:
    """Compare every case; 0 when every resize gave a fresh load's boxes."""
    from playwright.sync_api import sync_playwright

    differ = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        for query in MAPS:
            url = f"{app}/?sida=karta&{query}"
            for first, then in SIZES:
                page = _load(browser, url, then)
                fresh = _settled(page)
                page.context.close()
                page = _load(browser, url, first)
                page.set_viewport_size({"width": then[0], "height": then[1]})
                resized = _settled(page)
                page.context.close()
                same = resized == fresh
                differ += not same
                print(query, first, "->", then, "same" if same else "DIFF")
                if not same:
                    print("  fresh  ", json.dumps(fresh), "\n  resized", json.dumps(resized))
        browser.close()
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
