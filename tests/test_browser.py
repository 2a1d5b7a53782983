"""The dashboard in real headless Chromium (Debian's /usr/bin/chromium via Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="module")
def app_url(built, tmp_path_factory):
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


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.outside = []  # every request that leaves 127.0.0.1: the app must work offline
        pg.on("request", lambda r: pg.outside.append(r.url)
              if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        yield pg
        browser.close()


def test_picking_vaxjo_shows_its_real_unemployment_in_swedish_format(page, app_url, shared):
    from playwright.sync_api import expect

    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    entry = next(e for e in body["values"] if e["municipality"] == "0780" and e["period"] == 2022)
    value = next(v["value"] for v in entry["values"] if v["gender"] == "T")
    expected = f"{value:.1f}".replace(".", ",")  # 5.973365 -> "6,0"

    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Översikt").first.wait_for(timeout=60_000)
    picker = page.get_by_role("combobox", name="Kommun")
    picker.click()
    picker.fill("Växjö")
    page.get_by_role("option", name="Växjö", exact=True).click()
    page.get_by_role("heading", name="Översikt – Växjö").wait_for(timeout=60_000)
    card = page.locator('[data-testid="stMetric"]', has_text="Arbetslöshet 18–65 år, 2022")
    card.first.wait_for(timeout=60_000)
    # the heading changes before the rerun has redrawn every card: wait for Växjö's value
    # (a card still showing the previous kommun's number fails after the timeout)
    expect(card.first).to_contain_text(f"{expected}\u00a0%", timeout=60_000)
    card_text = card.first.inner_text().replace("\u00a0", " ")
    assert f"{expected} %" in card_text
    assert "kommun=V%C3%A4xj%C3%B6" in page.url or "kommun=Växjö" in page.url
    assert page.outside == []  # no CDN, fonts or map tiles fetched from the internet
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "vaxjo.png"),
                        full_page=True)


def _listening(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text("ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_the_server_binds_localhost_only_by_default(app_url):
    """Started without --server.address, the project's config keeps it on 127.0.0.1."""
    port = int(app_url.rsplit(":", 1)[1])
    assert _listening(port) == {"0100007F"}  # 127.0.0.1, and no 0.0.0.0 or :: socket


def test_falun_shows_monthly_bas_unemployment_in_the_browser(page, app_url):
    from playwright.sync_api import expect

    page.goto(f"{app_url}/?kommun=Falun", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Översikt – Falun").wait_for(timeout=60_000)
    card = page.locator('[data-testid="stMetric"]', has_text="Falun, april 2026 (preliminär)")
    expect(card.first).to_contain_text("3,1\u00a0%", timeout=60_000)  # TAB6260, 2080, 2026M04
    expect(card.first).to_contain_text("procentenheter från april 2025")
    lan = page.locator('[data-testid="stMetric"]', has_text="Dalarnas län, april 2026")
    expect(lan.first).to_contain_text("4,1\u00a0%")  # 100 × 5 275 / 129 081
    assert page.outside == []
