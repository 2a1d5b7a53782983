"""The Kolada v3 client against the replay server serving the real ../shared/data/kolada_v3."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from data_sources.http import FakeClock, FetchError
from data_sources.kolada import KoladaClient, batched, next_link
from data_sources.snapshot import SnapshotWriter, fetch_snapshot, latest_snapshot
from replay.server import Fault, ReplayServer


@pytest.fixture(scope="module")
def server(shared):
    with ReplayServer(shared) as srv:
        yield srv


@pytest.fixture
def client(server):
    c = KoladaClient(server.base_url("kolada_v3"), clock=FakeClock())
    yield c
    c.close()


def _file_value(shared, kpi: str, kommun: str, year: int, gender: str = "T") -> float:
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    entry = next(e for e in body["values"] if e["municipality"] == kommun and e["period"] == year)
    return next(v["value"] for v in entry["values"] if v["gender"] == gender)


def test_vaxjo_unemployment_2022_is_the_real_value(client, shared):
    rows = client.kpi_data("N03920", [2022], municipalities=["0780"])
    [entry] = rows
    total = next(v["value"] for v in entry["values"] if v["gender"] == "T")
    assert total == pytest.approx(5.973365)
    assert total == _file_value(shared, "N03920", "0780", 2022)


def test_all_municipalities_for_a_kpi_span_1994_to_2022(client):
    rows = client.kpi_data("N31807", range(1994, 2027))
    assert {r["period"] for r in rows} == set(range(1994, 2023))
    assert len({r["municipality"] for r in rows}) == 290
    # Alvesta (0764) 1994, a real value from the file
    alvesta = next(r for r in rows if r["municipality"] == "0764" and r["period"] == 1994)
    assert alvesta["values"][0]["value"] == pytest.approx(4.487308)


def test_pagination_follows_next_page_links(server):
    client = KoladaClient(server.base_url("kolada_v3"), per_page=100)
    rows = client.kpi_data("N03920", [2022])
    assert len(rows) == 290
    assert client.calls == 3  # 100 + 100 + 90
    assert len({r["municipality"] for r in rows}) == 290


def test_next_url_is_accepted_as_well_as_next_page():
    assert next_link({"next_page": "http://x/2"}) == "http://x/2"
    assert next_link({"next_url": "http://x/3"}) == "http://x/3"
    assert next_link({"values": []}) is None

    pages = {
        "1": {"count": 2, "values": [{"id": "0114"}], "next_url": "http://k.test/v3/municipality?page=2"},
        "2": {"count": 2, "values": [{"id": "0115"}]},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page", "1")])

    client = KoladaClient("http://k.test/v3", transport=httpx.MockTransport(handler))
    assert [m["id"] for m in client.municipalities()] == ["0114", "0115"]


def test_long_id_lists_are_batched(server):
    ids = sorted(p.stem for p in (server.mirror / "kolada_v3/kpi").glob("*.json"))
    client = KoladaClient(server.base_url("kolada_v3"))
    kpis = client.kpis(ids)
    assert len(ids) == 66 and {k["id"] for k in kpis} == set(ids)
    assert client.calls == 4  # 20 + 20 + 20 + 6
    assert list(batched(ids, 20))[-1] == ids[60:]


def test_429_waits_as_told_then_succeeds(shared):
    clock = FakeClock()
    with ReplayServer(shared, faults=[Fault("429", "N03921", times=2, retry_after="7")]) as srv:
        client = KoladaClient(srv.base_url("kolada_v3"), clock=clock)
        rows = client.kpi_data("N03921", [2022], municipalities=["0780"])
    assert rows[0]["municipality"] == "0780"
    assert clock.slept == [7.0, 7.0]
    assert client.calls == 3


def test_500_and_truncated_bodies_are_retried(shared):
    clock = FakeClock()
    faults = [Fault("500", "N03926", times=1), Fault("truncate", "N03926", times=1)]
    with ReplayServer(shared, faults=faults) as srv:
        client = KoladaClient(srv.base_url("kolada_v3"), clock=clock)
        rows = client.kpi_data("N03926", [2021], municipalities=["0780"])
    assert rows[0]["period"] == 2021
    assert client.calls == 3 and len(clock.slept) == 2


def test_persistent_failure_raises_and_keeps_the_previous_snapshot(shared, tmp_path):
    with ReplayServer(shared) as srv:
        good = KoladaClient(srv.base_url("kolada_v3"))
        first = fetch_snapshot(tmp_path, "kolada", "data__N03920",
                               lambda w: good.kpi_data("N03920", [2022], snapshot=w))
    with ReplayServer(shared, faults=[Fault("500", "N03920", times=99)]) as srv:
        bad = KoladaClient(srv.base_url("kolada_v3"), clock=FakeClock())
        with pytest.raises(FetchError) as err:
            fetch_snapshot(tmp_path, "kolada", "data__N03920",
                           lambda w: bad.kpi_data("N03920", [2022], snapshot=w))
    assert "HTTP 500" in err.value.message
    assert latest_snapshot(tmp_path, "kolada", "data__N03920").folder == first.folder


def test_every_body_is_saved_verbatim_with_a_sidecar(server, tmp_path):
    client = KoladaClient(server.base_url("kolada_v3"))
    writer = SnapshotWriter(tmp_path, "kolada", "data__N00960")
    client.kpi_data("N00960", [2020, 2021], municipalities=["0780", "0764"], snapshot=writer)
    snap = writer.commit()
    [path] = snap.files
    [sidecar] = snap.sidecars()
    assert sidecar["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sidecar["status"] == 200 and sidecar["method"] == "GET"
    assert "/data/kpi/N00960/municipality/0780,0764/year/2020,2021" in sidecar["url"]
    assert json.loads(path.read_bytes())["count"] == 4


def test_unreachable_source_fails_fast_with_a_swedish_message():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    clock = FakeClock()
    client = KoladaClient("http://kolada.invalid/v3", transport=httpx.MockTransport(refuse),
                          clock=clock)
    with pytest.raises(FetchError) as err:
        client.municipalities()
    assert "kunde inte ansluta" in err.value.message
    assert sum(clock.slept) < 30  # bounded retries


def test_old_snapshots_are_pruned_but_the_newest_complete_ones_kept(tmp_path):
    from data_sources.snapshot import complete_snapshots, prune

    def ok(writer):
        writer.add(httpx.Response(200, content=b'{"values": []}',
                                  request=httpx.Request("GET", "http://k.test/x")))

    def cut_off(writer):
        ok(writer)
        raise RuntimeError("connection cut after the first page")

    for _ in range(7):
        fetch_snapshot(tmp_path, "kolada", "municipality", ok)
    for _ in range(4):
        with pytest.raises(RuntimeError):
            fetch_snapshot(tmp_path, "kolada", "municipality", cut_off)
    newest = complete_snapshots(tmp_path, "kolada", "municipality")[0]
    prune(tmp_path, keep_complete=5, keep_failed=3)
    folders = list((tmp_path / "kolada" / "municipality").iterdir())
    assert len(complete_snapshots(tmp_path, "kolada", "municipality")) == 5
    assert sum(1 for f in folders if (f / "FAILED.txt").exists()) == 3
    assert complete_snapshots(tmp_path, "kolada", "municipality")[0] == newest
