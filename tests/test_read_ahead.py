"""Kolada's bodies parsed for the build while the refresh's forked client fetches the rest
(warehouse/refresh.py ``_KoladaReadAhead``, transforms/staging_kolada.py ``READ_AHEAD``; issue
12 point 7): only committed snapshots of this refresh are read, the build takes a parse only for
the very file it was made from, and what it takes equals its own parse."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest

from data_sources.http import FakeClock
from data_sources.snapshot import SnapshotWriter, latest_snapshot, utc_stamp
from replay.process import ReplayProcess
from tests.conftest import SHARED, SMALL_KPIS
from transforms import staging_kolada
from transforms.staging_kolada import READ_AHEAD, _read_file, _read_known, read_ahead
from warehouse.fetch import FetchReport, fetch_kolada
from warehouse.fetch_process import KoladaFetchProcess, fetch_kolada_forked
from warehouse.refresh import _KoladaReadAhead

RECORDED = SHARED / "kolada_v3" / "data" / "kpi"


@pytest.fixture(autouse=True)
def _empty_read_ahead():
    READ_AHEAD.clear()
    yield
    READ_AHEAD.clear()


def _body(kpi: str) -> bytes:
    return (RECORDED / f"{kpi}.json").read_bytes()


def test_a_parse_read_ahead_is_the_builds_own_and_taken_once(tmp_path):
    path = tmp_path / "response-0001.json"
    shutil.copyfile(RECORDED / "N03920.json", path)
    read_ahead(path)
    assert len(READ_AHEAD) == 1
    taken = _read_known(path)
    assert not READ_AHEAD  # used once
    assert taken.equals(_read_file(path))
    values = orjson.loads(path.read_bytes())["values"]
    first = values[0]["values"][0]
    assert taken.num_rows == sum(len(e["values"]) for e in values)
    assert (taken["municipality"][0].as_py(), taken["period"][0].as_py(),
            taken["gender"][0].as_py(), taken["value"][0].as_py()) == (
        values[0]["municipality"], values[0]["period"], first["gender"], first["value"])
    again = _read_known(path)  # nothing read ahead now: parsed again
    assert again is not taken and again.equals(taken)


def test_a_file_changed_after_its_read_ahead_is_parsed_again(tmp_path):
    """The parse is keyed by the file's identity (path, inode, size, modification time): a
    file written again under the same name never gets the old parse."""
    path = tmp_path / "response-0001.json"
    shutil.copyfile(RECORDED / "N03920.json", path)
    read_ahead(path)
    body = orjson.loads(path.read_bytes())
    body["values"] = body["values"][:10]  # the same rows, fewer of them
    path.write_bytes(orjson.dumps(body))
    fresh = _read_known(path)
    assert fresh.num_rows == sum(len(e["values"]) for e in body["values"]) < 60
    assert fresh.equals(_read_file(path))
    assert len(READ_AHEAD) == 1  # the stale parse is never handed out (the refresh clears it)


def test_a_body_that_would_not_stage_is_read_ahead_as_such(tmp_path):
    """A body the fast staging refuses (a number where a kommun code belongs) is read ahead
    as a refusal (None), so the build falls back to stage_values exactly as it would have."""
    path = tmp_path / "response-0001.json"
    body = orjson.loads(_body("N03920"))
    body["values"][0]["municipality"] = 114
    path.write_bytes(orjson.dumps(body))
    read_ahead(path)
    assert _read_known(path) is None and _read_file(path) is None


def _response(kpi: str, n: int = 1) -> httpx.Response:
    url = f"http://127.0.0.1:1/kolada/v3/data/kpi/{kpi}/year/2010?page={n}"
    return httpx.Response(200, content=_body(kpi), request=httpx.Request("GET", url),
                          headers={"content-type": "application/json"})


def test_only_this_refreshs_committed_snapshots_are_read_in_the_fetchs_order(tmp_path):
    raw = tmp_path / "raw"
    a, b, c, d = SMALL_KPIS
    old = SnapshotWriter(raw, "kolada", f"data__{a}", now=datetime(2026, 1, 1, tzinfo=UTC))
    old.add(_response(a))
    old.commit()  # the previous refresh's: never read ahead
    since = utc_stamp(datetime.now(UTC))
    ahead = _KoladaReadAhead(raw, SMALL_KPIS, since)
    assert ahead() is False  # nothing of this refresh yet

    writers = {kpi: SnapshotWriter(raw, "kolada", f"data__{kpi}") for kpi in (a, b)}
    for kpi, writer in writers.items():
        writer.add(_response(kpi))
    assert ahead() is False and not READ_AHEAD  # under way: no manifest yet
    writers[b].commit()
    assert ahead() is True  # b, though a (before it) is still under way
    snap_b = latest_snapshot(raw, "kolada", f"data__{b}")
    assert [k[0] for k in READ_AHEAD] == [str(p) for p in snap_b.files]
    assert ahead() is False
    failed = SnapshotWriter(raw, "kolada", f"data__{c}")
    failed.add(_response(c))
    failed.abort("InvalidData: test")  # refused: no manifest, never read
    writers[a].commit()
    assert ahead() is True and ahead() is False
    snap_a = latest_snapshot(raw, "kolada", f"data__{a}")
    assert snap_a.folder != old.folder
    assert sorted(k[0] for k in READ_AHEAD) == sorted(str(p) for p in snap_a.files
                                                      + snap_b.files)
    assert ahead.todo == [f"data__{c}", f"data__{d}"]
    for path in snap_a.files + snap_b.files:  # what the build will take is its own parse
        assert _read_known(path).equals(_read_file(path))
    assert not READ_AHEAD


def test_a_read_ahead_that_fails_stops_reading_and_leaves_it_to_the_build(tmp_path):
    """Reading ahead is never the refresh's failure: a manifest that cannot be read (here
    cut short on disk) ends it quietly; the build parses what it needs itself."""
    raw = tmp_path / "raw"
    ahead = _KoladaReadAhead(raw, SMALL_KPIS, utc_stamp(datetime.now(UTC)))
    writer = SnapshotWriter(raw, "kolada", f"data__{SMALL_KPIS[0]}")
    writer.add(_response(SMALL_KPIS[0]))
    manifest = writer.commit().folder / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8")[:40], "utf-8")
    assert ahead() is False and ahead.todo == [] and not READ_AHEAD
    assert ahead() is False


@pytest.fixture(scope="module")
def replay():
    child = ReplayProcess(SHARED, ["kolada_v3"])
    yield child, f"{child.url}/kolada/v3"
    child.stop()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_refresh_reads_ahead_while_the_forked_client_fetches(replay, tmp_path, monkeypatch):
    """The forked client holds its last KPI's commit until this process has read the others
    ahead (so the reading happens while it runs, whatever the machine's load); the outcomes
    are those of a fetch here, and every parse read ahead is of a committed file of this
    fetch, equal to the build's own parse of it."""
    child, url = replay
    parent, release = os.getpid(), tmp_path / "release"
    commit = SnapshotWriter.commit

    def held(self, **extra):
        if os.getpid() != parent and self.dataset == f"data__{SMALL_KPIS[-1]}":
            for _ in range(1200):  # up to 120 s on a loaded machine
                if release.exists():
                    break
                threading.Event().wait(0.1)
        return commit(self, **extra)

    monkeypatch.setattr(SnapshotWriter, "commit", held)
    here = FetchReport()
    fetch_kolada(here, root=tmp_path / "here", progress=lambda _: None, base_url=url,
                 kpis=SMALL_KPIS, clock=FakeClock())
    raw = tmp_path / "there"
    ahead = _KoladaReadAhead(raw, SMALL_KPIS, utc_stamp(datetime.now(UTC)))
    calls = []

    def meanwhile() -> bool:
        if release.exists():  # the held KPI is committed any moment: read no further
            return False
        did = ahead()
        calls.append(did)
        if ahead.todo == [f"data__{SMALL_KPIS[-1]}"]:
            release.touch()
        return did

    fetch = KoladaFetchProcess(root=raw, base_url=url, kpis=SMALL_KPIS, clock=FakeClock(),
                               mirror=None, close_in_child=child.parent_fds())
    there = FetchReport()
    fetch_kolada_forked(fetch, there, lambda _: None, meanwhile=meanwhile, root=raw,
                        kpis=SMALL_KPIS, clock=FakeClock(), base_url=url)
    assert [(o.dataset, o.ok) for o in there.outcomes] == \
        [(o.dataset, o.ok) for o in here.outcomes]
    assert release.exists() and calls.count(True) == len(SMALL_KPIS) - 1
    files = [p for kpi in SMALL_KPIS[:-1]
             for p in latest_snapshot(raw, "kolada", f"data__{kpi}").files]
    assert sorted(k[0] for k in READ_AHEAD) == sorted(map(str, files))
    assert all(Path(p).parent.joinpath("manifest.json").is_file() for p, *_ in READ_AHEAD)
    for path in files:
        assert _read_known(path).equals(_read_file(path))
    assert staging_kolada.READ_AHEAD is READ_AHEAD and not READ_AHEAD


def test_no_parse_outlives_koladas_staging(tmp_path):
    """A parse the build did not take (a snapshot it did not pick, a refused batch) is dropped
    when Kolada's staging ends, before the build's later, larger steps."""
    import duckdb

    taken, other = tmp_path / "taken.json", tmp_path / "other.json"
    shutil.copyfile(RECORDED / "N03920.json", taken)
    shutil.copyfile(RECORDED / "N31807.json", other)
    read_ahead(taken)
    read_ahead(other)
    con = duckdb.connect()
    assert staging_kolada.stage_values_into(con, [("N03920", taken, "s1")], "values_k")
    assert not READ_AHEAD
    staged = con.execute("select count(*) from values_k").fetchone()[0]
    assert staged == _read_file(taken).num_rows > 0


def test_reading_ahead_stops_at_one_batch_of_json(tmp_path, monkeypatch):
    """At most BATCH_BYTES of JSON is held read ahead (the build's own batch): past it, the
    build parses the rest in its batches, as it would have."""
    raw = tmp_path / "raw"
    a, b = SMALL_KPIS[:2]
    since = utc_stamp(datetime.now(UTC))
    for kpi in (a, b):
        writer = SnapshotWriter(raw, "kolada", f"data__{kpi}")
        writer.add(_response(kpi))
        writer.commit()
    first = latest_snapshot(raw, "kolada", f"data__{a}").files
    monkeypatch.setattr(staging_kolada, "BATCH_BYTES", sum(p.stat().st_size for p in first))
    ahead = _KoladaReadAhead(raw, [a, b], since)
    assert ahead() is True and len(READ_AHEAD) == len(first)
    assert ahead() is False and ahead.todo == []
    assert sorted(k[0] for k in READ_AHEAD) == sorted(str(p) for p in first)


def test_a_build_from_read_ahead_parses_is_the_plain_build(small_base, tmp_path, monkeypatch):
    """The refresh's path end to end on real files: every Kolada body of the small mirror read
    ahead as the refresh reads them, then built; the build takes every parse and makes exactly
    what the refresh without read-ahead made from the same raw files (pytest's process cannot
    fork, so the shared small warehouse was built with none)."""
    from bench.compare_warehouses import compare
    from warehouse.build import build_warehouse

    raw = small_base / "raw"
    ahead = _KoladaReadAhead(raw, SMALL_KPIS, "")
    while ahead():
        pass
    bodies = [p for k in SMALL_KPIS for p in latest_snapshot(raw, "kolada", f"data__{k}").files]
    assert sorted(k[0] for k in READ_AHEAD) == sorted(str(p) for p in bodies)
    taken = []
    known = staging_kolada._read_known
    monkeypatch.setattr(staging_kolada, "_read_known", lambda path: taken.append(
        staging_kolada._identity(path) in READ_AHEAD) or known(path))
    build_warehouse(raw, tmp_path / "w.duckdb")
    assert taken == [True] * len(bodies) and not READ_AHEAD
    assert compare(str(small_base / "warehouse.duckdb"), str(tmp_path / "w.duckdb"),
                   skip=frozenset({"marts.refresh_log"})) == []  # (the fetch's outcomes)
