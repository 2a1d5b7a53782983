"""Shared fixtures: the real mirror in ../shared/data, a warehouse built from it, AppTest set-up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def pytest_configure(config: pytest.Config) -> None:
    if not SHARED.is_dir():
        raise pytest.UsageError(f"Real data expected at {SHARED} (../shared/data beside the repo)")


def _no_real_sleep(self, seconds: float) -> None:
    raise AssertionError(
        f"a test waited {seconds:.3f} s on the real clock: pass a FakeClock (data_sources.http)")


@pytest.fixture(scope="session", autouse=True)
def no_real_clock_waits():
    """No test waits on the real clock: retry, backoff and call-budget waits go through
    ``data_sources.http.Clock``, and its real ``sleep`` fails here. Pass a ``FakeClock``."""
    from data_sources.http import Clock

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Clock, "sleep", _no_real_sleep)
        yield


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real open data mirror (read in place, never copied)."""
    return SHARED


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A warehouse built once per session from ../shared/data through the replay server."""
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    base = tmp_path_factory.mktemp("built")
    raw, target = base / "raw", base / "warehouse.duckdb"
    result = refresh(SHARED, raw=raw, target=target, progress=lambda _: None, clock=FakeClock())
    assert result.built, result.build_message
    return {"raw": raw, "warehouse": target, "base": base, "result": result}


SMALL_KPIS = ["N01951", "N01954", "N01955", "N03920"]


@pytest.fixture(scope="session")
def small_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small warehouse (four KPIs, all SCB the mirror has) refreshed once per session from
    ../shared/data; tests copy the folder (``raw/``, ``warehouse.duckdb``, status) and change
    the copy."""
    from data_sources.http import FakeClock
    from warehouse.refresh import refresh

    base = tmp_path_factory.mktemp("small")
    result = refresh(SHARED, raw=base / "raw", target=base / "warehouse.duckdb",
                     kpis=SMALL_KPIS, progress=lambda _: None, clock=FakeClock())
    assert result.built, result.build_message
    return base


def copy_small(base: Path, to: Path) -> tuple[Path, Path]:
    """A private copy of the small warehouse folder: (raw, warehouse path)."""
    import shutil

    shutil.copytree(base, to, symlinks=True)
    return to / "raw", to / "warehouse.duckdb"


@pytest.fixture(scope="session")
def warehouse(built):
    """A read-only connection to the session warehouse."""
    from warehouse.db import connect

    con = connect(built["warehouse"])
    yield con
    con.close()


@pytest.fixture
def app_env(built, tmp_path, monkeypatch) -> Path:
    """Environment for AppTest: the session warehouse and a fresh user-groups file."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(built["warehouse"]))
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    return tmp_path


def pytest_collection_modifyitems(config, items):
    """Live tests run only with `make test-live` (RUN_LIVE=1)."""
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
