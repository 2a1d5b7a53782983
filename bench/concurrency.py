"""Many real browser sessions on the running dashboard while a refresh swaps the warehouse
(issue 12 point 6). Used by ``bench/bench_concurrency.py`` (8 sessions, figures) and by
``tests/test_concurrency.py`` (3 sessions, asserts no errors and data in every view).

Each session is a fresh Chromium context (Debian's /usr/bin/chromium through Playwright) that
opens kommun views one after another; a view counts when Streamlit's run has finished and a
metric card shows a number. Meanwhile ``python -m warehouse build`` rebuilds the warehouse
from the raw layer and renames the new file over the one the app reads, again and again.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
# kommuner in the mirror, by code, with the name the Kommun picker shows
NAMES = {"0780": "Växjö", "1480": "Göteborg", "2080": "Falun", "2584": "Kiruna",
         "1280": "Malmö", "2480": "Umeå", "0380": "Uppsala", "0180": "Stockholm"}
KOMMUNER = list(NAMES)


@dataclass
class Outcome:
    """What the sessions saw: page times, views without data, errors, swaps made, and the
    views that started after a swap had landed (on the new file)."""

    times: list[float] = field(default_factory=list)
    after_swap: list[str] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    swaps: int = 0
    swap_errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        """The q-quantile of the page times (nearest rank), seconds."""
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def summary(self) -> str:
        """One line for people."""
        return (f"{len(self.times)} views, p50 {statistics.median(self.times):.2f} s, "
                f"p95 {self.percentile(0.95):.2f} s, max {max(self.times):.2f} s; "
                f"{len(self.errors)} errors, {len(self.no_data)} views without data; "
                f"{self.swaps} warehouse swaps during the run")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(warehouse: Path, user_db: Path, log: Path | None = None
              ) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free port, reading ``warehouse``; waits for health.
    The server's output (tracebacks) goes to ``log`` when given."""
    port = free_port()
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse), "USER_DB_PATH": str(user_db)}
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=open(log, "w") if log else subprocess.DEVNULL,  # noqa: SIM115
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("Streamlit did not start")


def _swapper(raw: Path, warehouse: Path, stop: threading.Event, out: Outcome,
             max_swaps: int | None = None) -> None:
    """Rebuild and swap the warehouse again and again until ``stop`` or ``max_swaps`` swaps
    (a separate process, as the nightly refresh is). A build still running at ``stop`` is
    ended, not waited for:
    the sessions are done, and a build killed at any point leaves the last file serving
    (tests/test_refresh_kill.py); it counts neither as a swap nor as an error."""
    env = {**os.environ, "RAW_DIR": str(raw), "WAREHOUSE_PATH": str(warehouse)}
    while not stop.is_set() and (max_swaps is None or out.swaps < max_swaps):
        build = subprocess.Popen([sys.executable, "-m", "warehouse", "build"], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        while True:
            try:
                stdout, stderr = build.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stop.is_set():
                    build.kill()
                    build.communicate()
                    return
        if build.returncode == 0:
            out.swaps += 1
        else:
            out.swap_errors.append(stdout[-300:] + stderr[-300:])


async def _open(page, url: str, kommun: str, in_session: bool) -> None:
    """One view of Översikt for ``kommun``: a fresh page load (a new Streamlit session), or,
    with ``in_session``, the Kommun picker of the page already open (a rerun of the same
    session: the server queries the warehouse again, the browser keeps its loaded app)."""
    if not in_session:
        await page.goto(f"{url}/?kommun={kommun}", wait_until="domcontentloaded")
        return
    picker = page.get_by_role("combobox", name="Kommun")
    await picker.click()
    await picker.fill(NAMES[kommun])
    await page.get_by_role("option", name=NAMES[kommun], exact=True).click()
    # the new run's title: from here on, "notRunning" is the end of that run
    await page.get_by_role("heading", name=f"Översikt – {NAMES[kommun]}").first.wait_for(
        timeout=120_000)


async def _session(browser, url: str, n: int, views: int, out: Outcome, *,
                   in_session: bool = False, viewport: tuple[int, int] = (1400, 1000),
                   reduced_motion: str = "no-preference") -> None:
    width, height = viewport
    context = await browser.new_context(locale="sv-SE", reduced_motion=reduced_motion,
                                        viewport={"width": width, "height": height})
    page = await context.new_page()
    page.on("pageerror", lambda e: out.errors.append(f"session {n}: page error {e}"))
    page.on("response", lambda r: out.errors.append(f"session {n}: {r.status} {r.url}")
            if r.status >= 400 else None)
    deadline = time.monotonic() + 600
    try:
        i, seen_swap = 0, False
        # the planned views, and more until one view started after a swap had landed (the
        # views before it ran while the new file was built and renamed in)
        while (i < views or not seen_swap) and time.monotonic() < deadline:
            swapped = out.swaps >= 1
            kommun = KOMMUNER[(n + i) % len(KOMMUNER)]
            t0 = time.perf_counter()
            await _open(page, url, kommun, in_session and i > 0)
            i += 1
            await page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]'
                               ).wait_for(timeout=120_000)
            metric = page.locator('.kort-varde').first  # a card's value (ui/cards.py)
            try:
                await metric.wait_for(timeout=60_000)
                text = await metric.inner_text()
            except Exception as exc:  # noqa: BLE001 - counted, reported below
                text = f"({type(exc).__name__})"
            out.times.append(time.perf_counter() - t0)
            if swapped:
                seen_swap = True
                out.after_swap.append(f"session {n} kommun {kommun}")
            if not any(ch.isdigit() for ch in text):
                out.no_data.append(f"session {n} kommun {kommun}: {text!r}")
            exc_box = page.locator('[data-testid="stException"]')
            if await exc_box.count():
                shown = (await exc_box.first.inner_text())[:200]
                out.errors.append(f"session {n} kommun {kommun}: on the page: {shown}")
    finally:
        await context.close()


async def _drive(url: str, sessions: int, views: int, out: Outcome, *,
                 executable: str = CHROMIUM, **how) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True,
                                           args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*[_session(browser, url, n, views, out, **how)
                                   for n in range(sessions)])
        finally:
            await browser.close()


def run(url: str, raw: Path, warehouse: Path, *, sessions: int, views: int,
        in_session: bool = False, viewport: tuple[int, int] = (1400, 1000),
        max_swaps: int | None = None, reduced_motion: str = "no-preference",
        executable: str = CHROMIUM) -> Outcome:
    """``sessions`` simultaneous browser sessions of ``views`` page views each on ``url``
    (and more until each has shown a view started after a swap), while the warehouse at
    ``warehouse`` is rebuilt from ``raw`` and swapped continuously. Every view is a fresh page
    load, or with ``in_session`` only the first: the others pick the next kommun in the page
    already open (cheaper for the browser; the server still runs and queries anew). With
    ``max_swaps`` the rebuilding stops after that many swaps (each build takes a core the
    sessions would use). ``reduced_motion="reduce"`` (the tests) spares Chromium the animations'
    frames; the benchmark keeps a browser's default. ``executable``: the Chromium to drive
    (the tests pass tests/browser_session.py's)."""
    out = Outcome()
    stop = threading.Event()
    swapper = threading.Thread(target=_swapper, args=(raw, warehouse, stop, out, max_swaps),
                               daemon=True)
    swapper.start()
    try:
        # on a thread of its own: the caller's thread may already run an event loop (pytest's
        # shared sync Playwright in tests/browser_session.py), where asyncio.run() refuses
        driver = ThreadPoolExecutor(1, thread_name_prefix="sessions")
        driver.submit(asyncio.run, _drive(url, sessions, views, out, in_session=in_session,
                                          viewport=viewport, executable=executable,
                                          reduced_motion=reduced_motion)).result()
        driver.shutdown()
    finally:
        stop.set()
        swapper.join(timeout=120)
    return out
