"""SCB's staging made during a refresh's fetch, while the forked client fetches Kolada
(warehouse/refresh.py ``_ScbReadAhead``, warehouse/scb_marts.py ``READ_AHEAD``; issue 12 point
7): the build takes it only for the very snapshots it would stage, and what it builds from it is
the plain build."""

from __future__ import annotations

import shutil

import pytest

from bench.compare_warehouses import compare
from data_sources.snapshot import latest_snapshot
from warehouse import scb_marts
from warehouse.build import build_warehouse
from warehouse.refresh import _drop_read_ahead, _ScbReadAhead


@pytest.fixture(autouse=True)
def _empty_read_ahead():
    scb_marts.READ_AHEAD.clear()
    yield
    scb_marts.READ_AHEAD.clear()


@pytest.fixture()
def stagings(monkeypatch) -> list[int]:
    """Counts SCB stagings made from here on (``scb_marts._load``)."""
    made: list[int] = []
    real = scb_marts._load

    def counted(found):
        made.append(1)
        return real(found)

    monkeypatch.setattr(scb_marts, "_load", counted)
    return made


def test_a_build_takes_scbs_staging_read_ahead_and_is_the_plain_build(small_base, tmp_path,
                                                                      stagings):
    """Staged ahead from the small mirror's raw layer, then built: the build stages SCB no
    second time, holds nothing read ahead afterwards, and makes exactly what the refresh
    without it made from the same raw files."""
    raw = small_base / "raw"
    scb_marts.read_ahead(raw)
    assert len(scb_marts.READ_AHEAD) == 1
    build_warehouse(raw, tmp_path / "w.duckdb")
    assert len(stagings) == 1 and not scb_marts.READ_AHEAD  # the read-ahead's only
    assert compare(str(small_base / "warehouse.duckdb"), str(tmp_path / "w.duckdb"),
                   skip=frozenset({"marts.refresh_log"})) == []  # (the fetch's outcomes)


def test_a_snapshot_committed_after_the_read_ahead_is_staged_again(small_base, tmp_path,
                                                                   stagings):
    """A newer complete snapshot of a dataset than the one staged ahead: the build's load
    stages again (and reads the new one); the staging read ahead is dropped, not kept."""
    raw = tmp_path / "raw"
    shutil.copytree(small_base / "raw" / "scb", raw / "scb")
    scb_marts.read_ahead(raw)
    bas = latest_snapshot(raw, "scb", "bas_kommun_monthly")
    newer = bas.folder.with_name("99991231T000000000000Z")  # sorts after every real fetch
    shutil.copytree(bas.folder, newer)
    frames = scb_marts.load(raw)
    assert len(stagings) == 2 and not scb_marts.READ_AHEAD  # the read-ahead's and the load's
    assert newer.name in {s.folder.name for s in frames.snapshots}


def test_the_same_snapshots_in_another_raw_folder_are_staged_again(small_base, tmp_path,
                                                                   stagings):
    """The key names the raw folder too: a copy elsewhere is not taken for the one staged."""
    raw = tmp_path / "raw"
    shutil.copytree(small_base / "raw" / "scb", raw / "scb")
    scb_marts.read_ahead(small_base / "raw")
    scb_marts.load(raw)
    assert len(stagings) == 2


def test_the_refresh_stages_scb_ahead_once_and_never_fails_for_it(small_base, monkeypatch):
    """``_ScbReadAhead`` stages on its first call only (True once, then False); a staging that
    raises is dropped (the build stages SCB itself and meets the error there); the refresh
    forgets whatever was staged ahead when it ends."""
    ahead = _ScbReadAhead(small_base / "raw")
    assert ahead() is True and len(scb_marts.READ_AHEAD) == 1
    assert ahead() is False
    _drop_read_ahead()
    assert not scb_marts.READ_AHEAD

    def broken(found):
        raise RuntimeError("staging broke")

    monkeypatch.setattr(scb_marts, "_load", broken)
    failing = _ScbReadAhead(small_base / "raw")
    assert failing() is True and not scb_marts.READ_AHEAD
