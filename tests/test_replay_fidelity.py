"""Replay fidelity: a request the replay cannot answer as the API would fails loudly.

Each test names the issue-12 item it catches. API behaviour is taken from PxTools/PxWebApi
(``TableApiController``, ``SelectionHandler``, ``QueryStringToDictionaryOfStrings``,
``ProblemUtility``); for Kolada from the recorded bodies and what public v3 clients send.
Independent clients from PyPI (pxwebpy 0.6.0, koladapy 1.0.1) are pointed at the server too.
"""

from __future__ import annotations

import ast
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from data_sources.http import FakeClock
from replay.base import Request
from replay.kolada import KoladaApp
from replay.scb import ScbApp
from replay.server import ReplayServer
from tests.conftest import ROOT, SHARED
from tests.scb_recorded import SCB, make_mirror

KOLADA = SHARED / "kolada_v3"
BASE = "http://replay.test/scb/api/v2"


def scb_get(app: ScbApp, path: str, query: dict[str, list[str]]):
    app.clock.t += 10  # a fresh call window
    return app.handle(Request("GET", path, query, b"", BASE))


def kolada_get(path: str, query: dict[str, list[str]] | None = None):
    return KoladaApp(KOLADA).handle(Request("GET", path, query or {}, b"",
                                            "http://replay.test/kolada/v3"))


def recorded_kolada(kpi: str, munis: set[str], years: set[int]) -> list[tuple[str, int, float]]:
    body = json.loads((KOLADA / "data" / "kpi" / f"{kpi}.json").read_bytes())
    return sorted((e["municipality"], e["period"], v["value"]) for e in body["values"]
                  if e["municipality"] in munis and e["period"] in years
                  for v in e["values"] if v["gender"] == "T")


def rows(reply) -> list[tuple[str, int, float]]:
    assert reply.status == 200, reply.body
    return sorted((e["municipality"], e["period"], v["value"])
                  for e in json.loads(reply.body)["values"]
                  for v in e["values"] if v["gender"] == "T")


# --- python -m replay -------------------------------------------------------------------------
def test_python_m_replay_serves_a_mirror_on_the_port_and_host_given():
    proc = subprocess.Popen([sys.executable, "-m", "replay", "--mirror", str(SHARED),
                             "--host", "127.0.0.1", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("replay: http://127.0.0.1:"), first
        env = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(2))
        reply = httpx.get(f"{env['KOLADA_API_URL']}/municipality/0780", timeout=10)
        assert reply.json()["values"] == [{"id": "0780", "title": "Växjö", "type": "K"}]
        assert env["SCB_API_URL"] == first.removeprefix("replay: ") + "/scb/api/v2"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_python_m_replay_refuses_a_missing_mirror_with_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "replay", "--mirror", str(tmp_path / "nej")],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "mirror folder not found" in done.stderr


# --- SCB: parameter names, value lists ----------------------------------------------------------
ONE_CELL = {"Region": "07", "Alder": "20-29", "Kon": "2", "ContentsCode": "000007SF",
            "Tid": "2026M03"}


@pytest.mark.parametrize("spelling", ["valueCodes", "valuecodes", "VALUECODES", "ValueCodes"])
def test_scb_get_parameter_names_match_case_insensitively(spelling):
    """Issue item: ``valuecodes[Tid]=…`` returned the whole recording (ASP.NET binds names
    case-insensitively; QueryStringToDictionaryOfStrings compares with IgnoreCase)."""
    app = ScbApp(SCB, clock=FakeClock())
    query = {f"{spelling}[{var}]": [code] for var, code in ONE_CELL.items()}
    query["CODELIST[Region]"] = ["vs_CKM02Län"]
    query["outputformat"] = ["json-stat2"]
    reply = scb_get(app, "/tables/TAB6471/data", query)
    assert reply.status == 200 and json.loads(reply.body)["value"] == [11269]


def test_scb_get_value_lists_split_as_the_api_splits_them():
    app = ScbApp(SCB, clock=FakeClock())
    base = {f"valueCodes[{v}]": [c] for v, c in ONE_CELL.items() if v != "Kon"}
    joined = scb_get(app, "/tables/TAB6471/data", {**base, "valueCodes[Kon]": ["1,2"]})
    repeated = scb_get(app, "/tables/TAB6471/data", {**base, "valueCodes[Kon]": ["1", "2"]})
    bracketed = scb_get(app, "/tables/TAB6471/data", {**base, "valueCodes[Kon]": ["[1],[2]"]})
    assert json.loads(joined.body)["value"] == json.loads(repeated.body)["value"] \
        == json.loads(bracketed.body)["value"]
    assert len(json.loads(joined.body)["value"]) == 2


@pytest.mark.parametrize(("query", "status", "text"), [
    ({"valuecode[Tid]": ["2026M03"]}, 501, "valuecode[Tid]"),        # a typo: never ignored
    ({"valueCodes[]": ["x"]}, 400, "should be like valueCodes[<variable>]"),
    ({"heading": ["Tid"]}, 501, "heading"),                          # real, not implemented
    ({"stub": ["Region"]}, 501, "stub"),
    ({"outputFormatParams": ["UseCodes"]}, 501, "outputFormatParams"),
])
def test_scb_parameters_the_replay_cannot_honour_fail_loudly(query, status, text):
    app = ScbApp(SCB, clock=FakeClock())
    reply = scb_get(app, "/tables/TAB6471/data", query)
    assert reply.status == status, reply.body
    assert text in json.loads(reply.body)["detail"]


def test_scb_metadata_default_selection_is_not_silently_ignored():
    app = ScbApp(SCB, clock=FakeClock())
    reply = scb_get(app, "/tables/TAB6471/metadata", {"defaultselection": ["true"]})
    assert reply.status == 501 and "defaultSelection" in json.loads(reply.body)["detail"]


# --- SCB: paging, cells, codelists ------------------------------------------------------------
def test_scb_page_number_past_the_last_page_is_the_apis_404():
    """Issue item: pageNumber past the last page gave 200 with an empty list."""
    app = ScbApp(SCB, clock=FakeClock())
    first = json.loads(scb_get(app, "/tables", {"pageSize": ["10"]}).body)
    last = first["page"]["totalPages"]
    assert scb_get(app, "/tables", {"pageSize": ["10"], "pageNumber": [str(last)]}).status == 200
    past = scb_get(app, "/tables", {"pagesize": ["10"], "PAGENUMBER": [str(last + 1)]})
    assert past.status == 404
    assert json.loads(past.body)["title"] == "Non-existent page"


def test_scb_too_many_cells_is_checked_against_the_table_before_the_recording(tmp_path):
    """Issue item: a selection over maxDataCells got "Non-existent value". The API resolves
    values against the table first, then counts cells (SelectionHandler)."""
    app = ScbApp(make_mirror(tmp_path, maxDataCells=1000) / "scb_v2", clock=FakeClock())
    selection = [{"variableCode": v, "valueCodes": ["*"]}
                 for v in ("Region", "Alder", "Kon", "ContentsCode", "Tid")]
    app.clock.t += 10
    reply = app.handle(Request("POST", "/tables/TAB6471/data", {"outputFormat": ["json-stat2"]},
                               json.dumps({"selection": selection}).encode(), BASE))
    assert reply.status == 400 and json.loads(reply.body)["title"] == "Too many cells selected"
    # a value the table does not have is refused first, as the API does
    selection[0]["valueCodes"] = ["9999"]
    app.clock.t += 10
    reply = app.handle(Request("POST", "/tables/TAB6471/data", {},
                               json.dumps({"selection": selection}).encode(), BASE))
    assert reply.status == 400 and json.loads(reply.body)["title"] == "Non-existent value"


def test_scb_codelist_listed_in_metadata_but_not_recorded_is_501_not_a_made_up_404():
    """Found with pxwebpy: it fetches vs_CKM02Län to expand "*"; SCB has it, the mirror not."""
    app = ScbApp(SCB, clock=FakeClock())
    listed = scb_get(app, "/codeLists/vs_CKM02Län", {})
    assert listed.status == 501 and "is listed by TAB" in json.loads(listed.body)["detail"]
    assert scb_get(app, "/codeLists/vs_Finns_inte", {}).status == 404


# --- Kolada -------------------------------------------------------------------------------------
def test_kolada_repeated_municipality_id_and_year_use_every_value():
    """Issue item: ``?municipality_id=A&municipality_id=B`` and repeated ``year`` used only
    the first value."""
    want = recorded_kolada("N03920", {"0780", "0764"}, {2021, 2022})
    assert len(want) == 4
    repeated = kolada_get("data", {"kpi_id": ["N03920"], "municipality_id": ["0780", "0764"],
                                   "year": ["2021", "2022"]})
    joined = kolada_get("data", {"kpi_id": ["N03920"], "municipality_id": ["0780,0764"],
                                 "year": ["2021,2022"]})
    assert rows(repeated) == rows(joined) == want


def test_kolada_next_page_link_carries_every_repeated_value():
    reply = kolada_get("data", {"kpi_id": ["N03920"], "municipality_id": ["0780", "0764"],
                                "year": ["2021", "2022"], "per_page": ["1"]})
    body = json.loads(reply.body)
    assert body["count"] == 4 and len(body["values"]) == 1
    assert "municipality_id=0780&municipality_id=0764" in body["next_page"]


def test_kolada_title_and_type_filters_are_applied():
    """Issue item: ``title=`` and ``type=`` were ignored (whole list answered)."""
    everything = json.loads((KOLADA / "municipality.json").read_bytes())["values"]
    lan = json.loads(kolada_get("municipality", {"type": ["L"]}).body)["values"]
    assert lan == [m for m in everything if m["type"] == "L"] and len(lan) == 22
    found = json.loads(kolada_get("municipality", {"title": ["växjö"]}).body)["values"]
    assert found == [{"id": "0780", "title": "Växjö", "type": "K"}]
    kpis = json.loads(kolada_get("kpi", {"title": ["arbetslös"]}).body)["values"]
    assert kpis and all("arbetslös" in k["title"].casefold() for k in kpis)
    assert len(kpis) < len(json.loads(kolada_get("kpi").body)["values"])
    assert kolada_get("municipality", {"type": ["X"]}).status == 400


@pytest.mark.parametrize(("path", "query"), [
    ("data", {"kpi_id": ["N03920"], "from_date": ["2024-01-01"]}),
    ("kpi", {"operating_area": ["Arbetsmarknad"]}),
    ("data/kpi/N03920/year/2022", {"from_date": ["2024-01-01"]}),
    ("municipality", {"region_type": ["K"]}),
])
def test_kolada_parameters_the_replay_does_not_implement_fail_loudly(path, query):
    reply = kolada_get(path, query)
    assert reply.status == 501 and next(iter(query)) in json.loads(reply.body)["error"]


# --- modules -------------------------------------------------------------------------------------
def test_replay_scb_tables_does_not_import_replay_scb():
    """Issue item: replay/scb.py and replay/scb_tables.py imported each other."""
    tree = ast.parse((ROOT / "replay" / "scb_tables.py").read_text("utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "replay.scb" not in imported
    code = "import sys, replay.scb_tables; assert 'replay.scb' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, timeout=60)
    assert done.returncode == 0


# --- independent clients ------------------------------------------------------------------------
@pytest.fixture
def open_mirror(tmp_path) -> Path:
    """The real mirror with SCB's call budget off, so third-party clients never sleep."""
    root = make_mirror(tmp_path, maxCallsPerTimeWindow=0)
    (root / "kolada_v3").symlink_to(KOLADA)
    return root


@pytest.fixture
def no_third_party_sleep(monkeypatch):
    """pxwebpy and koladapy pace themselves with time.sleep: make any real wait fail."""
    import koladapy.api
    import pxweb._internal.client

    def fail(seconds):
        raise AssertionError(f"a third-party client waited {seconds} s for real")

    monkeypatch.setattr(koladapy.api.time, "sleep", fail)
    monkeypatch.setattr(pxweb._internal.client.time, "sleep", fail)


def test_pxwebpy_reads_the_replay_like_the_api(open_mirror, no_third_party_sleep):
    from pxweb import PxApi

    with ReplayServer(open_mirror) as srv:
        api = PxApi(srv.base_url("scb_v2"), language="sv", disable_cache=True)
        data = api.get_table_data("TAB6471", value_codes={k: [v] for k, v in ONE_CELL.items()},
                                  code_list={"Region": "vs_CKM02Län"})
        assert [row["value"] for row in data] == [11269]
        assert data[0]["region"] == "07: Kronobergs län"
        with pytest.raises(Exception, match="501"):  # "*" needs the unrecorded value set
            api.get_table_data("TAB6471", value_codes={"Region": ["*"]},
                               code_list={"Region": "vs_CKM02Län"})


def test_koladapy_reads_the_replay_like_the_api(open_mirror, no_third_party_sleep):
    from koladapy import KoladaAPI

    with ReplayServer(open_mirror) as srv:
        api = KoladaAPI(base_url=srv.base_url("kolada_v3") + "/", max_requests_per_second=1e9)
        got = api.get_values(kpi_id="N03920", municipality_id=["0780", "0764"],
                             years=[2021, 2022])
        assert sorted((r["municipality"], r["period"], v["value"]) for r in got
                       for v in r["values"] if v["gender"] == "T") \
            == recorded_kolada("N03920", {"0780", "0764"}, {2021, 2022})
        assert [m["id"] for m in api.get_municipalities(query="Växjö")] == ["0780"]
        assert {m["type"] for m in api.get_municipalities(municipality_type="L")} == {"L"}



@pytest.mark.parametrize("order", ["recorded", "by municipality"])
def test_kolada_data_years_come_in_the_recordings_order_however_it_lists_them(tmp_path, order):
    """The replay slices a recording's runs of one year instead of testing every row: the
    answer must still be exactly the rows of the years (and municipalities) asked for, in the
    recording's order, also for a recording that lists its rows municipality by municipality
    (a run per row) and for years that are not a prefix. Real rows of N03920, paged."""
    body = json.loads((KOLADA / "data" / "kpi" / "N03920.json").read_bytes())
    values = body["values"]
    if order != "recorded":
        values = sorted(values, key=lambda e: (e["municipality"], e["period"]))
    folder = tmp_path / "kolada_v3"
    (folder / "data" / "kpi").mkdir(parents=True)
    (folder / "data" / "kpi" / "N03920.json").write_text(
        json.dumps({"count": len(values), "values": values}), "utf-8")
    app = KoladaApp(folder)
    years = sorted({e["period"] for e in values})
    asked = [years[1], years[4], years[-1]]  # not a prefix, not contiguous
    munis = sorted({e["municipality"] for e in values})[5:40]
    year_part = f"year/{','.join(map(str, asked))}"
    for path, wanted in ((f"data/kpi/N03920/{year_part}",
                          [e for e in values if e["period"] in asked]),
                         (f"data/kpi/N03920/municipality/{','.join(munis)}/{year_part}",
                          [e for e in values if e["period"] in asked
                           and e["municipality"] in munis])):
        got, page = [], 1
        while True:
            reply = app.handle(Request("GET", path, {"per_page": ["100"], "page": [str(page)]},
                                       b"", "http://replay.test/kolada/v3"))
            assert reply.status == 200, reply.body
            answer = json.loads(reply.body)
            assert answer["count"] == len(wanted)
            got += answer["values"]
            if "next_page" not in answer:
                break
            page += 1
        assert len(wanted) > 100 and got == wanted
