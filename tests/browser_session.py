"""The Streamlit server and Chromium of the browser tests, started once per pytest-xdist worker
and shared by every browser test file that runs there (issue 12 point 8: test speed; they
were one of each per file). tests/conftest.py imports the fixtures, so all files share one
instance; tests still open pages in fresh browser contexts (no cookies, no session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


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
