"""The Streamlit server and Chromium of the browser tests, started once per pytest-xdist worker
and shared by every browser test file that runs there (issue 12 point 8: test speed; they
were one of each per file). tests/conftest.py imports the fixtures, so all files share one
instance; tests still open pages in fresh browser contexts (no cookies, no session)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    message = f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)  # never skipped in CI
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(built, tmp_path_factory):
    """``streamlit run app.py`` on the shared warehouse, once per worker session for every
    browser test file there; tests isolate themselves with pages in fresh contexts."""
    _require_chromium()
    port = _free_port()
    env = {**os.environ, "WAREHOUSE_PATH": str(built["warehouse"]),
           "USER_DB_PATH": str(tmp_path_factory.mktemp("browser") / "user.duckdb")}
    env.pop("STREAMLIT_SERVER_ADDRESS", None)  # the address comes from .streamlit/config.toml
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("Streamlit did not start: " + proc.stdout.read().decode()[-2000:])
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
