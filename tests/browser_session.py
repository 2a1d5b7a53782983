"""The Streamlit server and Chromium of the browser tests, started once per pytest-xdist worker
and shared by every browser test file that runs there (issue 12 point 8: test speed; they
were one of each per file). tests/conftest.py imports the fixtures, so all files share one
instance, and its xdist scheduler hands those files (``SHARED_BROWSER_FILES``) to one worker
as one unit, so one instance serves them all in `make test` too; tests still open pages in
fresh browser contexts (no cookies, no session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Debian's chromium-headless-shell (Chromium's own headless browser, the one Playwright runs by
# default; `make chromium` installs it beside chromium) when installed, else Debian's chromium
# in its headless mode: with reduced motion the shell took ~25 % less CPU per load of Översikt
# (5.1-5.7 s against 7.0-7.9 s, A/B at load 20; issue 12 point 8). Same Blink, same page.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or (
    HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() else "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# every test context asks for reduced motion (prefers-reduced-motion: reduce): measured on
# Översikt, Chromium's CPU per page load fell by ~40 % (11.4 -> 6.7 s at load 20) and an idle
# loaded page from 1.2-2.4 s to ~0.1 s per 10 s (issue 12 point 8). Only animation changes:
# every element, text and chart is drawn as before, and that is what the tests check.
CONTEXT = {"locale": "sv-SE", "reduced_motion": "reduce"}


def new_context(browser, width: int, height: int):
    """A fresh browser context (no cookies, no cache, no session) for the tests."""
    return browser.new_context(viewport={"width": width, "height": height}, **CONTEXT)


def _require_chromium() -> None:
    """Skip locally, fail in CI, when Debian's Chromium is missing (conftest.require_tool)."""
    from tests.conftest import require_tool

    require_tool(CHROMIUM, "chromium")


@pytest.fixture(scope="session")
def app_url(built, tmp_path_factory):
    """``streamlit run app.py`` on the shared warehouse, once per worker session for every
    browser test file there; tests isolate themselves with pages in fresh contexts. Started
    as bench/concurrency.py starts it (one way to start the app for tests and benches)."""
    from bench.concurrency import start_app

    _require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    log = folder / "streamlit.log"
    try:
        proc, url = start_app(built["warehouse"], folder / "user.duckdb", log)
    except RuntimeError:
        pytest.fail("Streamlit did not start: " + log.read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser(app_url):
    """Debian's Chromium through Playwright, once per worker session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield launched
        launched.close()
