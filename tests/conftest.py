"""Shared fixtures: the real mirror in ../shared/data, a warehouse built from it, AppTest set-up.

Speed (issue 12 point 8): `make test` runs pytest-xdist with two workers, one test file per
worker at a time (``--dist loadfile``, so a module-scoped fixture such as a Streamlit server
starts once). Expensive inputs are built ONCE per run and shared read-only by the workers
through ``_once_per_run`` (a folder under the run's temp root, made under a file lock):
``built`` (the whole mirror's warehouse) and ``small_base`` (four KPIs). A new test that needs
a warehouse takes ``built`` (AppTest: ``app_env``; a Streamlit server or CLI: pass
``built["warehouse"]`` as WAREHOUSE_PATH); one that changes a warehouse copies ``small_base``
with ``copy_small``. Arbetsförmedlingen's hand-made workbooks and their refreshes are made
once too: ``af_august`` (the 2026-08 files) and ``af_september`` (then 2026-09's), read by
tests/test_af_refresh.py and tests/test_af_monthly.py; a test that refreshes again copies
one with ``copy_refreshed``. Never write into a shared folder; use ``tmp_path`` (per test) or
``built["base"]`` (per worker). A new expensive shared input: another ``_once_per_run`` name.
Ports are always free ones (port 0), never fixed, so tests are safe in parallel.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


# Collection imports every test module and what they import: with Python's young generation
# collected every 700 allocations, ~11 full passes walked the growing heap (1.3-1.45 s of CPU
# per collecting process, a worker's whole collection ~1.2 s less without them). Collected
# every COLLECTION_YOUNG allocations while collecting only, Python's own setting back before
# the first test (pytest calls pytest_collection_finish even when collection fails). Not in
# the xdist controller, which collects nothing.
COLLECTION_YOUNG = 50_000
_GC_THRESHOLD = gc.get_threshold()


def pytest_configure(config: pytest.Config) -> None:
    if not SHARED.is_dir():
        raise pytest.UsageError(f"Real data expected at {SHARED} (../shared/data beside the repo)")
    if os.environ.get("PYTEST_XDIST_WORKER") or not config.getoption("numprocesses", None):
        gc.set_threshold(COLLECTION_YOUNG, *_GC_THRESHOLD[1:])


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.set_threshold(*_GC_THRESHOLD)


def _no_real_sleep(self, seconds: float) -> None:
    raise AssertionError(
        f"a test waited {seconds:.3f} s on the real clock: pass a FakeClock (data_sources.http)")


@pytest.fixture(scope="session", autouse=True)
def shape_cache_of_this_run(tmp_path_factory):
    """The map's shapes kept between builds (warehouse/shape_cache.py) go to a folder of this
    run, shared by its workers (pytest's folder of the run: the user's own, mode 0700), never
    to the repo's data/cache or a CACHE_DIR of the shell, and never to an earlier run's."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # the run's folder, above each worker's popen-gwN
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CACHE_DIR", str(folder / "shape-cache"))
        yield


@pytest.fixture(scope="session", autouse=True)
def no_real_clock_waits():
    """No test waits on the real clock: retry, backoff and call-budget waits go through
    ``data_sources.http.Clock``, and its real ``sleep`` fails here. Pass a ``FakeClock``."""
    from data_sources.http import Clock

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Clock, "sleep", _no_real_sleep)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_component_scan_per_worker():
    """Streamlit's AppTest scans every installed distribution's metadata for v2 component
    manifests on each new AppTest (~600 METADATA files parsed, about 1 s of CPU per test,
    a third of a typical AppTest). The installed packages do not change during a run, so
    the scan's answer is kept for the worker session; each AppTest still registers the
    components it found as before."""
    from functools import cache

    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as mp:
        scan = cache(manifest_scanner.scan_component_manifests)
        mp.setattr(manifest_scanner, "scan_component_manifests", lambda: list(scan()))
        yield


@pytest.fixture(scope="session", autouse=True)
def apptest_waits_for_its_run_without_polling():
    """AppTest waits for a run by polling every millisecond (``require_widgets_deltas``:
    ``time.sleep(0.001)``, then a scan of every event the run has sent), so the test's thread
    wakes and takes the GIL from the app's thread hundreds of times a run. Here it waits on
    the run's SHUTDOWN event instead: the same end, timeout and error, no polling."""
    import threading

    from streamlit.runtime.scriptrunner import ScriptRunnerEvent
    from streamlit.testing.v1 import local_script_runner

    def wait_for_run(runner, timeout: float = 3) -> None:
        wait_for_run.calls += 1
        done = threading.Event()

        def on_event(sender, event, **kwargs) -> None:
            if event == ScriptRunnerEvent.SHUTDOWN:
                done.set()

        runner.on_event.connect(on_event, weak=False)
        try:  # asked after connecting: a run that ended before is seen here; asked again
            # after the wait: Streamlit's Signal.send copies its listeners before calling
            # them, so an end sent just before connecting reaches only the runner's own record
            if runner.script_stopped() or done.wait(timeout) or runner.script_stopped():
                return
        finally:
            runner.on_event.disconnect(on_event)
        runner.request_stop()
        runner.join()
        raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")

    wait_for_run.calls = 0  # tests/test_app.py checks runs go through it
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(local_script_runner, "require_widgets_deltas", wait_for_run)
        yield


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real open data mirror (read in place, never copied)."""
    return SHARED


@contextmanager
def _once_per_run(name: str, factory: pytest.TempPathFactory):
    """A folder shared by every pytest-xdist worker of this run (one per session without
    xdist) and whether it still has to be made: the first worker makes it under a lock, the
    others wait on the lock and then reuse it read-only. Yields (folder, must_make)."""
    import fcntl

    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's temp root, shared by the workers (gw0, gw1, ...)
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            must_make = not done.exists()
            if must_make:
                shutil.rmtree(folder, ignore_errors=True)  # a half-made one from a crash
                folder.mkdir()
            yield folder, must_make
            if must_make:
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A warehouse built once per test run from ../shared/data through the replay server,
    shared read-only by every xdist worker. ``base`` is a private scratch folder per worker
    (e.g. a CLI's user-groups file); never write into ``raw`` or ``warehouse``."""
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    with _once_per_run("built", tmp_path_factory) as (shared_dir, must_make):
        raw, target = shared_dir / "raw", shared_dir / "warehouse.duckdb"
        saved = shared_dir / "result.pickle"  # the RefreshResult, for the other workers
        if must_make:
            result = refresh(SHARED, raw=raw, target=target, progress=lambda _: None,
                             clock=FakeClock())
            assert result.built, result.build_message
            saved.write_bytes(pickle.dumps(result))
        result = pickle.loads(saved.read_bytes())
    return {"raw": raw, "warehouse": target, "result": result,
            "base": tmp_path_factory.mktemp("built")}


SMALL_KPIS = ["N01951", "N01954", "N01955", "N03920"]


@pytest.fixture(scope="session")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse (four KPIs, all SCB the mirror has) refreshed once per test run from
    ../shared/data (shared by the xdist workers); tests copy the folder (``raw/``,
    ``warehouse.duckdb``, status) with ``copy_small`` and change the copy, never this one."""
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    with _once_per_run("small", tmp_path_factory) as (base, must_make):
        if must_make:
            result = refresh(SHARED, raw=base / "raw", target=base / "warehouse.duckdb",
                             kpis=SMALL_KPIS, progress=lambda _: None, clock=FakeClock())
            assert result.built, result.build_message
    return base


def copy_small(base: Path, to: Path) -> tuple[Path, Path]:
    """A private copy of the small warehouse folder: (raw, warehouse path)."""
    shutil.copytree(base, to, symlinks=True)
    return to / "raw", to / "warehouse.duckdb"


@pytest.fixture
def small_app_warehouse(small_base, tmp_path, monkeypatch):
    """A private copy of the small warehouse as the app's warehouse file (WAREHOUSE_PATH),
    Streamlit's caches emptied before and after: its path."""
    import streamlit as st

    _, target = copy_small(small_base, tmp_path / "small")
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield target
    st.cache_data.clear()
    st.cache_resource.clear()


def _refresh_quietly(mirror: Path, folder: Path, kpis: list[str]):
    """A refresh from ``mirror`` into ``folder`` (raw/, warehouse.duckdb): its result."""
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    result = refresh(mirror, raw=folder / "raw", target=folder / "warehouse.duckdb",
                     kpis=kpis, progress=lambda _: None, clock=FakeClock())
    assert result.built, result.build_message
    return result


def copy_refreshed(source: Path, to: Path) -> Path:
    """A private copy of a refreshed folder (``raw/``, the warehouse and its status) to
    refresh again or change: ``to``."""
    for name in ("raw", "warehouse.duckdb", "warehouse.last_refresh.json"):
        if (source / name).is_dir():
            shutil.copytree(source / name, to / name, symlinks=True)
        else:
            to.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, to / name)
    return to


AF_KPIS = ["N01951"]
AF_MONTHS = ("2021-12", "2022-01", "2026-07", "2026-08")
AF_UPPVIDINGE_MASKED = ("2026-08", "0760", "UNGKSOK")  # Uppvidinge's unga kvinnor: "<5"


@pytest.fixture(scope="session")
def af_august(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Arbetsförmedlingen's HAND-MADE workbooks (tests/af_workbooks.py) and ONE refresh of
    the 2026-08 files per test run, shared read-only by tests/test_af_monthly.py and
    tests/test_af_refresh.py (each refreshed it on its own before: issue 12 point 8).

    ``sc``: the check-figure population of 2021-12, 2022-01, 2026-07 and 2026-08, with
    Uppvidinge's unga kvinnor 2026-08 written as "<5" in the andel-av-bas file; ``later``:
    2026-08 and 2026-09 with another seed (so Växjö's August differs). ``books``: the file
    name -> workbook for both months, and ``renamed``: a 2026-09 andel-av-bas whose TOTAK is
    renamed. ``dir``: the refresh's folder (``raw/``, ``warehouse.duckdb``, status,
    ``mirror/``: kolada_v3, scb_v2 and regions link to ../shared/data, Kolada's N01951 only);
    ``result``: its RefreshResult. Never write into ``dir``: copy it (``copy_refreshed``)."""
    from tests.af_workbooks import (
        af_mirror,
        andel_workbook,
        file_names,
        mirror_with_shared,
        scenario,
        sok_workbook,
    )

    with _once_per_run("af_august", tmp_path_factory) as (folder, must_make):
        saved = folder / "made.pickle"
        if must_make:
            sc, later = scenario(AF_MONTHS, check_figures=True), scenario(
                ("2026-08", "2026-09"), seed=9)
            books_dir = folder / "books"
            (books_dir / "renamed").mkdir(parents=True)
            books = {}
            for s, month, masked in ((sc, "2026-08", {AF_UPPVIDINGE_MASKED: "<5"}),
                                     (later, "2026-09", None)):
                andel, sok = file_names(month)
                books[andel] = andel_workbook(books_dir / andel, s, masked=masked)
                books[sok] = sok_workbook(books_dir / sok, s)
            books["renamed"] = andel_workbook(books_dir / "renamed" / file_names("2026-09")[0],
                                              later, rename={"TOTAK": "TOTAK_NY"})
            mirror = mirror_with_shared(folder / "mirror")
            af_mirror(mirror, {n: books[n] for n in file_names("2026-08")})
            result = _refresh_quietly(mirror, folder, AF_KPIS)
            saved.write_bytes(pickle.dumps({"sc": sc, "later": later, "books": books,
                                            "result": result}))
        made = pickle.loads(saved.read_bytes())
    return {**made, "dir": folder}


@pytest.fixture(scope="session")
def af_september(af_august, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The August folder copied and refreshed twice, once per test run (shared read-only by
    tests/test_af_refresh.py and tests/test_af_monthly.py): first with 2026-09's
    andel-av-bas beside 2026-08's web-sok-lan-kom (the month must wait: ``waiting``, its
    RefreshResult), then with both 2026-09 files (``complete``). ``dir`` as in ``af_august``."""
    from tests.af_workbooks import af_mirror, file_names, mirror_with_shared

    books = af_august["books"]
    (sep_andel, sep_sok), aug_sok = file_names("2026-09"), file_names("2026-08")[1]
    with _once_per_run("af_september", tmp_path_factory) as (folder, must_make):
        saved = folder / "results.pickle"
        if must_make:
            copy_refreshed(af_august["dir"], folder)
            results = {}
            for step, names in (("waiting", [sep_andel, aug_sok]),
                                ("complete", [sep_andel, sep_sok])):
                mirror = mirror_with_shared(folder / f"mirror-{step}")
                af_mirror(mirror, {n: books[n] for n in names})
                results[step] = _refresh_quietly(mirror, folder, AF_KPIS)
            saved.write_bytes(pickle.dumps(results))
        results = pickle.loads(saved.read_bytes())
    return {**results, "dir": folder}


@pytest.fixture(scope="session")
def warehouse(built):
    """A read-only connection to the session warehouse."""
    from warehouse.db import connect

    con = connect(built["warehouse"])
    yield con
    con.close()


@pytest.fixture(scope="session")
def seeded_user_db(built, tmp_path_factory) -> Path:
    """A user-groups file as the app leaves it after its first start (the suggested groups
    seeded by ``usergroups.seed_suggestions`` from the session warehouse), made once per
    worker. Seeding writes a new DuckDB file group by group: ~0,3 s of CPU and seconds of
    fsync on a busy disk, which every AppTest paid again on its own empty file."""
    from warehouse import queries, usergroups
    from warehouse.db import connect

    path = tmp_path_factory.mktemp("seeded") / "user.duckdb"
    con = connect(built["warehouse"])
    try:
        assert usergroups.seed_suggestions(queries.kommuner(con), path=path) > 0
    finally:
        con.close()
    assert not path.with_name(path.name + ".wal").exists()  # closed and checkpointed
    return path


@pytest.fixture
def app_env(built, seeded_user_db, tmp_path, monkeypatch) -> Path:
    """Environment for AppTest: the session warehouse and a private user-groups file, a copy
    of one after the app's first start (suggestions seeded; tests/test_groups.py and
    tests/test_concurrency.py test the seeding itself on empty files)."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(built["warehouse"]))
    shutil.copyfile(seeded_user_db, tmp_path / "user.duckdb")
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    return tmp_path


# The slowest test files, slowest first (measured, issue 12 point 8). `make test` passes
# --no-loadscope-reorder, so pytest-xdist hands files out in this order instead of by their
# number of tests (which left the two slowest single tests, refresh-kill and concurrency, for
# the end of the run, one worker busy with them and the other idle). With --dist loadfile a
# worker takes the next file when it has two tests or fewer left, so the order is a
# longest-first list schedule: the run cannot end before its longest file, nor before half of
# the sum. The second file needs no ``built`` warehouse (test_af_refresh.py makes
# ``af_august`` and ``af_september`` first), so the other worker works while the first builds
# it; test_af_monthly.py comes after it and reuses both. A file not named here runs after
# these, in the usual order. Figures: bench/results/tests.md.
HEAVY_FIRST = [
    "test_browser.py", "test_af_refresh.py", "test_browser_pages.py", "test_concurrency.py",
    "test_revisions.py", "test_app.py", "test_refresh.py", "test_af_monthly.py",
    "test_fetch_process.py", "test_build_fast.py", "test_hostile_input.py", "test_area_sql.py",
    "test_refresh_kill.py", "test_browser_map.py", "test_phone_layout.py",
    "test_browser_walk27b.py", "test_browser_screen.py", "test_deck.py",
    "test_exports.py", "test_pages.py", "test_staging_fast.py", "test_group_sql.py", "test_pages_batch.py",
    "test_exports_karta_jamfor.py", "test_monthly_sql.py", "test_monthly_fast.py",
    "test_analysis_pages.py", "test_groups.py", "test_url_state.py", "test_code_history.py",
]


# The files that use the worker's Streamlit server and Chromium (tests/browser_session.py):
# `make test`'s file-by-file hand-out (--dist loadfile) gives them to ONE worker as one unit,
# in HEAVY_FIRST's order, so one server, one Chromium and one Playwright driver serve all of them
# and the server's caches are warm for the second file (they landed on both workers: each
# started its own; issue 12 point 8, bench/results/tests.md "tests24").
SHARED_BROWSER_FILES = ("test_browser.py", "test_browser_pages.py", "test_browser_map.py",
                        "test_phone_layout.py", "test_browser_walk27b.py",
                        "test_browser_screen.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile with SHARED_BROWSER_FILES as one work unit (see above); every other
    file is its own unit, as xdist's LoadFileScheduling makes them."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class _BrowserFilesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "browser files" if path.rsplit("/", 1)[-1] in SHARED_BROWSER_FILES else path

    return _BrowserFilesTogether(config, log)


def pytest_collection_modifyitems(config, items):
    """Heaviest files first (see HEAVY_FIRST); live tests run only with `make test-live`."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable within a file
    if os.environ.get("RUN_LIVE") == "1":
        return
    skip = pytest.mark.skip(reason="live: run with `make test-live`")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


def require_tool(path: str, what: str) -> None:
    """Skip (locally) or fail (in CI) when a Debian tool that `make test` installs is missing."""
    import shutil

    if Path(path).exists() or shutil.which(Path(path).name):
        return
    message = f"{path} not found: `make test` installs Debian's {what}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)  # never skipped in CI
    pytest.skip(message)


@pytest.fixture(scope="session")
def export_browser():
    """The export browser (kaleido + Debian's Chromium), started once per session."""
    require_tool("/usr/bin/chromium", "chromium")
    from exports import images

    images.start()
    yield images
    images.stop()


# the browser tests' Streamlit server and Chromium: one per worker session for every file
from tests.browser_session import app_url, browser  # noqa: F401


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on its test as ``rep_setup``/``rep_call``/``rep_teardown``: the
    browser files' shared pages are kept for the next test only when the call passed (not
    after a failure, nor after a skip that may have stopped halfway through a view)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def call_passed(request: pytest.FixtureRequest) -> bool:
    """True when the test of ``request`` ran its call and it passed (for teardown code)."""
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.passed
