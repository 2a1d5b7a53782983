"""The SCB PxWebApi 2.0 client against the replay server on the real ../shared/data/scb_v2,
with a FakeClock shared by client and server so nothing sleeps for real."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest

from data_sources.http import FakeClock, FetchError
from data_sources.scb import ScbClient, TableInfo, period_end, reset_seconds
from data_sources.scb_datasets import (
    NotInMirror,
    ScbDataset,
    dataset,
    dataset_bodies,
    fetch_dataset,
    load_datasets,
)
from data_sources.scb_selection import SelectionError, resolve, split
from data_sources.snapshot import SnapshotWriter, latest_snapshot
from replay.scb import ScbApp
from replay.server import Fault, ReplayServer
from tests.scb_recorded import AGES, DATA, LAN, RECORDED, SCB, SHARED, make_mirror
from transforms.jsonstat import decode, join_parts

MONTHS = ["2026M01", "2026M02", "2026M03", "2026M04"]
SELECTION = {"Region": LAN, "Alder": AGES, "Kon": ["TotSa", "1", "2"],
             "ContentsCode": ["000007SF"], "Tid": MONTHS}
CODELISTS = {"Region": "vs_CKM02Län", "Alder": "vs_CKM0410årN"}


class Setup:
    """A replay server and a client sharing one FakeClock."""

    def __init__(self, mirror: Path, **faults):
        self.clock = FakeClock()
        self.app = ScbApp(mirror / "scb_v2", clock=self.clock)
        self.server = ReplayServer(mirror, apps={"/scb/api/v2": self.app})
        self.client = ScbClient(self.server.base_url("scb_v2"), clock=self.clock)

    def data_calls(self) -> list[str]:
        return [r for r in self.server.requests if "/data" in r]

    def close(self) -> None:
        self.client.close()
        self.server.stop()


@pytest.fixture
def real():
    setup = Setup(SHARED)
    yield setup
    setup.close()


def test_fetch_the_recorded_selection_is_one_call_and_the_recorded_body(real, tmp_path):
    writer = SnapshotWriter(tmp_path, "scb", "population_lan_monthly")
    [body] = real.client.fetch_table("TAB6471", SELECTION, codelists=CODELISTS, snapshot=writer)
    assert body == RECORDED
    snap = writer.commit()
    urls = [s["url"] for s in snap.sidecars()]
    assert [u.split("/api/v2/")[1] for u in urls] == [
        "config?lang=sv", "tables/TAB6471/metadata?lang=sv",
        "tables/TAB6471/data?lang=sv&outputFormat=json-stat2"]
    data_file, sidecar = snap.files[-1], snap.sidecars()[-1]
    assert data_file.read_bytes() == DATA.read_bytes()  # verbatim
    assert sidecar["method"] == "POST" and sidecar["status"] == 200
    assert sidecar["sha256"] == hashlib.sha256(DATA.read_bytes()).hexdigest()
    posted = json.loads(sidecar["body"])["selection"]
    assert posted[0] == {"variableCode": "Region", "valueCodes": LAN, "codelist": "vs_CKM02Län"}
    assert snap.files[0].read_bytes() == (SCB / "config.json").read_bytes()


def test_expressions_resolve_against_metadata_before_the_call(real):
    selection = {**SELECTION, "Kon": "*", "ContentsCode": ["*"], "Tid": ["top(4)"]}
    [part] = real.client.plan("TAB6471", selection, codelists=CODELISTS)
    assert part["Tid"] == MONTHS and part["Kon"] == ["TotSa", "1", "2"]
    [body] = real.client.fetch_table("TAB6471", selection, codelists=CODELISTS)
    kronoberg = decode(body).query("Region == '07' and Alder == '20-29' and Kon == '2' "
                                   "and Tid == '2026M03'")
    assert kronoberg["value"].tolist() == [11269]


def test_a_value_set_expression_resolves_through_the_codelist():
    """No vs_CKM02Län response is recorded: the codelist here is HANDMADE from the recorded codes."""
    handmade_codelist = {"id": "vs_CKM02Län", "label": "län", "type": "Valueset",
                         "values": [{"code": c, "label": c} for c in LAN]}
    posted: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/config"):
            return httpx.Response(200, content=(SCB / "config.json").read_bytes())
        if path.endswith("/metadata"):
            return httpx.Response(200, content=(SCB / "tables/TAB6471/metadata.json").read_bytes())
        if "/codeLists/" in path:
            return httpx.Response(200, json=handmade_codelist)
        posted.append(json.loads(request.content))
        return httpx.Response(200, content=DATA.read_bytes())

    client = ScbClient("http://scb.test/api/v2", transport=httpx.MockTransport(handler),
                       clock=FakeClock())
    client.fetch_table("TAB6471", {**SELECTION, "Region": ["*"]}, codelists=CODELISTS)
    assert posted[0]["selection"][0]["valueCodes"] == LAN


def test_chunking_small_max_data_cells_joins_to_the_one_big_response(tmp_path):
    setup = Setup(make_mirror(tmp_path, maxDataCells=300, maxCallsPerTimeWindow=1000))
    try:
        parts = setup.client.plan("TAB6471", SELECTION, codelists=CODELISTS)
        # 21 län x 132 cells each: 2 län per call fits 300 cells -> 11 calls
        assert len(parts) == 11 and [len(p["Region"]) for p in parts] == [2] * 10 + [1]
        bodies = setup.client.fetch_table("TAB6471", SELECTION, codelists=CODELISTS)
        assert len(bodies) == 11 and len(setup.data_calls()) == 11
        assert all(len(b["value"]) <= 300 for b in bodies)
        pd.testing.assert_frame_equal(join_parts(bodies), decode(DATA.read_bytes()))
    finally:
        setup.close()


def test_chunking_recurses_to_a_second_variable(tmp_path):
    setup = Setup(make_mirror(tmp_path, maxDataCells=40, maxCallsPerTimeWindow=1000))
    try:
        bodies = setup.client.fetch_table("TAB6471", {**SELECTION, "Region": ["07", "12"]},
                                          codelists=CODELISTS)
        # one län is 132 cells > 40: split Alder too (3 ages x 12 cells = 36 per call)
        assert len(bodies) == 2 * 4 and max(len(b["value"]) for b in bodies) <= 40
        whole = decode(DATA.read_bytes())
        expect = whole[whole["Region"].isin(["07", "12"])].reset_index(drop=True)
        joined = join_parts(bodies)
        assert joined["value"].tolist() == expect["value"].tolist()
        assert joined["Alder"].astype(str).tolist() == expect["Alder"].astype(str).tolist()
    finally:
        setup.close()


def test_tight_call_budget_waits_on_the_fake_clock_and_never_gets_429(tmp_path, monkeypatch):
    real_sleeps: list[float] = []
    real_sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        real_sleeps.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", recording_sleep)
    setup = Setup(make_mirror(tmp_path, maxDataCells=300, maxCallsPerTimeWindow=3, timeWindow=1))
    try:
        bodies = setup.client.fetch_table("TAB6471", SELECTION, codelists=CODELISTS)
        assert len(bodies) == 11
        assert len(setup.server.requests) == 13  # config + metadata + 11 parts, no retries
        assert setup.client.calls == 13
        # 13 calls at 3 per second: waits before calls 4, 7, 10 and 13, one window + margin each
        margin = setup.client.budget.margin
        assert setup.client.budget.waited == pytest.approx([1 + margin] * 4)
        assert setup.clock.t == pytest.approx(4 * (1 + margin))
        pd.testing.assert_frame_equal(join_parts(bodies), decode(DATA.read_bytes()))
    finally:
        setup.close()
    # nothing slept for real: the four waits of ~1 s were on the fake clock (no wall-clock limit,
    # which failed at 6.9 s on a machine at load 28)
    assert [s for s in real_sleeps if s >= 0.5] == []


def test_server_budget_tighter_than_config_is_followed_from_its_headers(tmp_path):
    setup = Setup(make_mirror(tmp_path, maxCallsPerTimeWindow=3, timeWindow=1))
    setup.app.max_calls = 2  # another client on our IP: the server allows fewer than /config says
    try:
        [body] = setup.client.fetch_table("TAB6471", SELECTION, codelists=CODELISTS)
        assert body == RECORDED
        # X-Rate-Limit-Remaining said 0 after two calls, so the third waited: no 429 at all
        assert len(setup.server.requests) == setup.client.calls == 3
        assert setup.client.budget.waited == pytest.approx([1 + setup.client.budget.margin])
        assert setup.client.budget.last_headers["x-rate-limit-limit"] == "1s"
    finally:
        setup.close()


def test_429_without_retry_after_waits_until_the_reset_header():
    clock = FakeClock()
    answers = iter([httpx.Response(429, text="API calls quota exceeded!", headers={
        "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "4"})])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/config"):
            return httpx.Response(200, content=(SCB / "config.json").read_bytes())
        return next(answers, None) or httpx.Response(200, json={"id": "TAB6471"})

    client = ScbClient("http://scb.test/api/v2", transport=httpx.MockTransport(handler),
                       clock=clock)
    assert client.table("TAB6471").id == "TAB6471"
    assert sum(clock.slept) >= 4.0  # backoff, then the rest of the wait until the reset
    assert client.calls == 3


@pytest.mark.parametrize("kind", ["429", "500", "truncate"])
def test_faults_on_data_calls_are_retried(tmp_path, kind):
    setup = Setup(SHARED)
    setup.server.faults.append(Fault(kind, "/data", times=2, retry_after="3"))
    writer = SnapshotWriter(tmp_path, "scb", "faults")
    try:
        [body] = setup.client.fetch_table("TAB6471", SELECTION, codelists=CODELISTS,
                                          snapshot=writer)
        assert body == RECORDED
        assert len(setup.data_calls()) == 3  # two faults, then the good answer
        if kind == "429":
            assert setup.clock.slept.count(3.0) == 2  # Retry-After, as told
        snap = writer.commit()
        assert snap.files[-1].read_bytes() == DATA.read_bytes()  # only the good body is kept
        assert len(snap.files) == 3
    finally:
        setup.close()


def test_a_fault_that_persists_fails_in_swedish_and_keeps_the_previous_snapshot(tmp_path):
    setup = Setup(SHARED)
    population = dataset("population_lan_monthly")
    try:
        good = fetch_dataset(setup.client, population, tmp_path, mirror=True)
        setup.server.faults.append(Fault("500", "/data", times=100))
        with pytest.raises(FetchError, match="serverfel") as info:
            fetch_dataset(setup.client, population, tmp_path, mirror=True)
        assert info.value.message.startswith("serverfel (HTTP 500) – gav upp efter 4 försök")
        assert latest_snapshot(tmp_path, "scb", "population_lan_monthly").folder == good.folder
        failed = [p for p in good.folder.parent.iterdir() if (p / "FAILED.txt").exists()]
        assert len(failed) == 1
    finally:
        setup.close()


def test_a_selection_outside_the_recording_is_refused_loudly_by_the_replay(real):
    with pytest.raises(FetchError, match="spegeln saknar svaret .HTTP 501.: replay: Region"):
        real.client.fetch_table("TAB6471", {**SELECTION, "Region": ["0780"]})


def test_unknown_variable_and_missing_mandatory_fail_before_any_data_call(real):
    with pytest.raises(FetchError, match="saknar variabeln Civilstand"):
        real.client.fetch_table("TAB6471", {**SELECTION, "Civilstand": ["*"]})
    without_time = {k: v for k, v in SELECTION.items() if k != "Tid"}
    with pytest.raises(FetchError, match="obligatoriska"):
        real.client.fetch_table("TAB6471", without_time, codelists=CODELISTS)
    assert real.data_calls() == []


def test_fetch_dataset_in_mirror_mode_asks_for_exactly_the_recording(real, tmp_path):
    snap = fetch_dataset(real.client, dataset("population_lan_monthly"), tmp_path, mirror=True,
                         today=date(2026, 6, 30))
    bodies = dataset_bodies(snap)
    assert sorted(bodies) == ["config", "data", "metadata", "table"]
    assert bodies["data"] == [DATA.read_bytes()]
    details = snap.manifest["scb"]
    assert details["last_period"] == "2026M04" and details["is_current"] is True
    assert details["verified"] is True and details["parts"] == 1
    with pytest.raises(NotInMirror, match="^.*ej i spegeln"):  # TAB2948: metadata only
        fetch_dataset(real.client, dataset("bas_kommun_monthly_final"), tmp_path, mirror=True)


def test_table_is_current_compares_last_period_with_today_not_the_flag(real):
    info = real.client.table("TAB6471")
    assert info.last_period == "2026M04"
    assert info.is_current(date(2026, 6, 30))
    assert not info.is_current(date(2027, 3, 1))
    stale_but_not_flagged = TableInfo.from_body({**info.body, "discontinued": False,
                                                 "lastPeriod": "2024M12"})
    assert not stale_but_not_flagged.is_current(date(2026, 11, 22))
    flagged_but_current = TableInfo.from_body({**info.body, "discontinued": True})
    assert flagged_but_current.is_current(date(2026, 6, 30))


def test_period_end_and_reset_header_forms():
    assert period_end("2026M02") == date(2026, 2, 28)
    assert period_end("2025K4") == date(2025, 12, 31)
    assert period_end("2024") == date(2024, 12, 31)
    assert period_end("2024/2025") is None
    assert reset_seconds("7") == 7
    now = pd.Timestamp("2026-11-22T10:00:00Z").to_pydatetime()
    assert reset_seconds("2026-11-22T10:00:05Z", now=now) == 5
    assert reset_seconds(str(now.timestamp() + 9), now=now) == pytest.approx(9)


def test_selection_helpers():
    months = ["2025M12", "2026M01", "2026M02"]
    assert resolve(["top(2)"], months, is_time=True) == ["2026M01", "2026M02"]
    assert resolve(["TOP(1,1)"], ["a", "b", "c"]) == ["b"]
    assert resolve(["c", "a", "A"], ["a", "b", "c"]) == ["a", "c"]
    with pytest.raises(SelectionError):
        resolve(["x"], ["a"])
    with pytest.raises(SelectionError):
        split({"ContentsCode": ["c"], "Tid": months}, 2, fixed={"ContentsCode", "Tid"})


def test_dataset_file_declares_every_dataset_and_marks_what_is_verified():
    found = {d.id: d for d in load_datasets()}
    assert {"population_kommun_year", "population_lan_monthly", "bas_kommun_monthly",
            "bas_kommun_yearly", "integration_kommun_old", "integration_kommun_new",
            "regions_la", "regions_kommungrupp"} <= set(found)
    # verified: from a recorded response in ../shared/data (TAB6471 sv; the others lang=en)
    assert {d.source_id for d in found.values() if d.verified} == {
        "TAB6471", "TAB6260", "TAB2948", "TAB5557", "TAB638"}
    for table in ("TAB6260", "TAB2948", "TAB5557", "TAB638"):
        metadata = json.loads((SCB / "tables" / table / "metadata.en.json").read_bytes())
        for d in (d for d in found.values() if d.table == table):
            assert d.metadata_lang == "en"
            for variable, codes in d.selection.items():  # every declared code exists
                universe = metadata["dimension"][variable]["category"]["index"]
                listed = [c["id"] for c in metadata["dimension"][variable]["extension"]
                          .get("codelists", [])]
                assert d.codelists.get(variable) in (None, *listed), (table, variable)
                plain = [c for c in codes if c != "*" and "(" not in c]
                if variable not in d.codelists:
                    assert set(plain) <= set(universe), (table, variable)
            codes = set(metadata["dimension"]["ContentsCode"]["category"]["index"])
            assert {m["code"] for m in d.measures.values()} <= codes
    mirror, codelists = found["population_lan_monthly"].request(mirror=True)
    assert mirror == SELECTION and codelists == CODELISTS


def test_dataset_file_refuses_a_verified_measure_named_by_its_label(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("x:\n  kind: bas\n  table: TAB1\n  verified: true\n  selection:\n"
                    "    Tid: ['*']\n  measures:\n    rate: {label: '^arbetslöshet'}\n")
    with pytest.raises(ValueError, match="by its ContentsCode"):
        load_datasets(path)


def test_dataset_file_refuses_unquoted_codes(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("x:\n  kind: population\n  table: TAB1\n  selection:\n    Region: [01]\n")
    with pytest.raises(ValueError, match="unquoted"):
        load_datasets(path)


def test_other_variables_all_selects_every_unlisted_variable(real, tmp_path):
    partial = ScbDataset(id="population_partial", kind="population", label="test",
                         verified=True, table="TAB6471", other_variables="all",
                         selection={"Region": LAN, "Alder": AGES, "Tid": MONTHS},
                         codelists=CODELISTS)
    snap = fetch_dataset(real.client, partial, tmp_path, mirror=False)
    assert snap.manifest["scb"]["selection"]["Kon"] == ["*"]
    assert dataset_bodies(snap)["data"] == [DATA.read_bytes()]


def test_a_codelist_dataset_is_config_plus_the_codelist(tmp_path):
    handmade_la = {"id": "agg_RegionLA2018", "label": "HANDMADE", "type": "Aggregation",
                   "values": [{"code": "LA1807", "label": "Växjö", "valueMap": ["0780"]}]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/config"):
            return httpx.Response(200, content=(SCB / "config.json").read_bytes())
        assert request.url.path.endswith("/codeLists/agg_RegionLA2018")
        return httpx.Response(200, json=handmade_la)

    client = ScbClient("http://scb.test/api/v2", transport=httpx.MockTransport(handler),
                       clock=FakeClock())
    bodies = dataset_bodies(fetch_dataset(client, dataset("regions_la"), tmp_path, mirror=False))
    assert sorted(bodies) == ["codelist", "config"]
    assert json.loads(bodies["codelist"][0]) == handmade_la


@pytest.mark.live
@pytest.mark.parametrize("entry", [d for d in load_datasets() if d.kind != "codelist"],
                         ids=lambda d: d.id)
def test_live_declared_tables_and_variables_exist(entry):
    """[verify] helper: the table id and every declared variable exist on the live API."""
    client = ScbClient()
    try:
        info = client.table(entry.source_id)
        metadata = client.metadata(entry.source_id)
        variables = {v.lower() for v in metadata["id"]}
        assert {v.lower() for v in entry.selection} <= variables, info.label
        assert {v.lower() for v in entry.dimensions.values()} <= variables, info.label
    finally:
        client.close()


@pytest.mark.timeout(20)
def test_call_budget_makes_progress_on_a_clock_that_rounds_small_waits_away():
    # at 2**52 seconds a float clock moves in whole seconds: a 0.05 s wait changes nothing.
    # The budget used to re-compare the same floats after each wait and spin forever (the
    # refresh test that hung for 600 s in CallBudget._sleep).
    from data_sources.scb import CallBudget

    clock = FakeClock(t=2.0**52)
    budget = CallBudget(clock, max_calls=3, window=1.0, margin=0.05)
    for _ in range(10):
        budget.acquire()
    assert len(budget.calls) == 3 and budget.waited  # it waited, and it finished
    assert clock.t > 2.0**52
