"""The PxWebApi 2.0 replay app on the real ../shared/data/scb_v2 recording: URL scheme, slicing
to a selection, the API's own errors, maxDataCells and the call budget on a fake clock."""

from __future__ import annotations

import json

import httpx
import pytest

from data_sources.http import FakeClock
from replay.base import Request
from replay.scb import ScbApp, slice_body
from replay.server import ReplayServer
from tests.scb_recorded import AGES, DATA, LAN, SCB, SHARED, make_mirror
from transforms.jsonstat import decode

BASE = "http://replay.test/scb/api/v2"


@pytest.fixture
def app() -> ScbApp:
    """The real folder with its real config (3 calls per 1 s) on a fake clock."""
    return ScbApp(SCB, clock=FakeClock())


def get(app: ScbApp, path: str, **query: str):
    app.clock.t += 10  # a fresh call window: these tests are not about the budget
    return app.handle(Request("GET", path, {k: [v] for k, v in query.items()}, b"", BASE))


def post(app: ScbApp, selection: list[dict], path: str = "/tables/TAB6471/data"):
    app.clock.t += 10
    body = json.dumps({"selection": selection}).encode("utf-8")
    return app.handle(Request("POST", path, {"outputFormat": ["json-stat2"]}, body, BASE))


def full(**changes) -> list[dict]:
    """The recorded selection, with some variables replaced (None drops one)."""
    sel = {"Region": {"valueCodes": list(LAN), "codelist": "vs_CKM02Län"},
           "Alder": {"valueCodes": list(AGES), "codelist": "vs_CKM0410årN"},
           "Kon": {"valueCodes": ["TotSa", "1", "2"]}, "ContentsCode": {"valueCodes": ["*"]},
           "Tid": {"valueCodes": ["2026M01", "2026M02", "2026M03", "2026M04"]}}
    for name, value in changes.items():
        if value is None:
            sel.pop(name)
        else:
            sel[name] = value if isinstance(value, dict) else {"valueCodes": value}
    return [{"variableCode": k, **v} for k, v in sel.items()]


def test_config_and_metadata_are_the_recorded_bytes(app):
    assert get(app, "/config").body == (SCB / "config.json").read_bytes()
    reply = get(app, "/tables/TAB6471/metadata", lang="sv")
    assert reply.status == 200 and reply.body == (SCB / "tables/TAB6471/metadata.json").read_bytes()


def test_table_entry_is_built_from_metadata_with_last_period(app):
    entry = json.loads(get(app, "/tables/tab6471").body)
    assert entry["id"] == "TAB6471"
    assert (entry["firstPeriod"], entry["lastPeriod"]) == ("2025M01", "2026M04")
    assert entry["timeUnit"] == "Monthly"
    assert entry["label"].startswith("Folkmängden per månad efter region, ålder och kön")


def test_table_listing_search_and_paging(app):
    found = json.loads(get(app, "/tables", query="befolkning").body)
    assert "TAB4552" in [t["id"] for t in found["tables"]]
    page = json.loads(get(app, "/tables", pageSize="5", pageNumber="2").body)
    assert page["page"]["pageNumber"] == 2 and len(page["tables"]) == 5
    # what the folder holds: the recorded listings, plus every table folder the replay can
    # describe from a recorded metadata or data body (the mirror grows; never a constant)
    listed = {t["id"].upper() for p in SCB.glob("tables*.json")
              for t in json.loads(p.read_bytes())["tables"]}
    described = {d.name.upper() for d in (SCB / "tables").iterdir()
                 if (d / "metadata.json").exists() or (d / "data.json").exists()}
    assert page["page"]["totalElements"] == len(listed | described)
    recorded = json.loads((SCB / "tables.json").read_bytes())["tables"]
    assert page["tables"][0]["id"] == recorded[5]["id"]


def test_unknown_table_and_codelist_are_404_problems(app):
    reply = get(app, "/tables/TAB9999")
    assert reply.status == 404 and json.loads(reply.body)["title"] == "Non-existent table"
    assert get(app, "/codeLists/vs_Finns_inte").status == 404
    codelist = get(app, "/codeLists/agg_Ålder10årJ")
    assert codelist.status == 200 and json.loads(codelist.body)["label"] == "10-årsklasser"


def test_the_recorded_selection_returns_the_recorded_bytes(app):
    reply = post(app, full())
    assert reply.status == 200 and reply.body == DATA.read_bytes()


def test_slice_one_cell_kronoberg_women_20_29_march(app):
    reply = post(app, full(Region=["07"], Alder=["20-29"], Kon=["2"], Tid=["2026M03"]))
    body = json.loads(reply.body)
    assert body["size"] == [1, 1, 1, 1, 1] and body["value"] == [11269]
    assert body["dimension"]["Region"]["category"]["label"] == {"07": "Kronobergs län"}
    assert any("CKM" in n for n in body["note"])  # notes survive the slice
    assert decode(body)["value"].tolist() == [11269]


def test_slice_equals_the_same_cells_of_the_whole_response(app):
    whole = decode(DATA.read_bytes())
    reply = post(app, full(Region={"valueCodes": ["12", "07"], "codelist": "vs_CKM02Län"},
                           Tid=["top(2)"], Kon=["*"]))
    part = decode(reply.body)
    assert list(part["Region"].cat.categories) == ["07", "12"]  # the table's order
    assert list(part["Tid"].cat.categories) == ["2026M03", "2026M04"]  # top = latest
    expect = whole[whole["Region"].isin(["07", "12"]) & whole["Tid"].isin(["2026M03", "2026M04"])]
    assert part["value"].tolist() == expect["value"].tolist()


def test_expressions_bottom_from_range_and_get_form(app):
    bottom = json.loads(post(app, full(Kon=["bottom(1)"])).body)
    assert list(bottom["dimension"]["Kon"]["category"]["index"]) == ["2"]  # not time: the last
    earliest = post(app, full(Tid=["bottom(1)"]))  # time: the earliest month, 2025M01
    assert earliest.status == 501 and "2025M01" in json.loads(earliest.body)["detail"]
    ranged = json.loads(post(app, full(Tid=["range(2026M02,2026M03)"], Alder={
        "valueCodes": ["from(90-99)"], "codelist": "vs_CKM0410årN"})).body)
    assert list(ranged["dimension"]["Tid"]["category"]["index"]) == ["2026M02", "2026M03"]
    assert list(ranged["dimension"]["Alder"]["category"]["index"]) == ["90-99", "100+10"]
    reply = get(app, "/tables/TAB6471/data", **{
        "valueCodes[Region]": "07", "codelist[Region]": "vs_CKM02Län",
        "valueCodes[Alder]": "20-29", "valueCodes[Kon]": "2",
        "valueCodes[ContentsCode]": "000007SF", "valueCodes[Tid]": "2026M03"})
    assert json.loads(reply.body)["value"] == [11269]


def test_eliminating_kon_gives_the_recorded_total(app):
    body = json.loads(post(app, full(Kon=None, Region=["07"], Tid=["2026M01"])).body)
    assert body["id"] == ["Region", "Alder", "ContentsCode", "Tid"]
    total = decode(DATA.read_bytes())
    expect = total[(total["Region"] == "07") & (total["Kon"] == "TotSa")
                   & (total["Tid"] == "2026M01")]["value"].tolist()
    assert body["value"] == expect


@pytest.mark.parametrize(("selection", "title"), [
    (full(Tid=None), "Missing selection for mandantory variable"),
    (full(Alder={"valueCodes": ["*"], "codelist": "vs_Hittepå"}), "Non-existent codelist"),
    (full(Tid=["top(x)"]), "Non-existent value"),
    (full(Tid=["2031M01"]), "Non-existent value"),           # not a period of the table
    (full(Region=["9999"]), "Non-existent value"),           # not a region of the table
    ([{"variableCode": "Civilstand", "valueCodes": ["*"]}], "Non-existent variable"),
])
def test_selections_the_api_refuses_get_the_api_400(app, selection, title):
    reply = post(app, selection)
    assert reply.status == 400, reply.body
    problem = json.loads(reply.body)
    assert problem["type"] == "Parameter error" and problem["status"] == 400
    assert problem["title"] == title
    assert reply.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(("selection", "detail"), [
    (full(Tid=["top(5)"]), "2025M12"),              # a real period, not recorded
    (full(Region=["*"]), "exists in the table"),   # * without value set = all 312 regions
    (full(Region=["0780"]), "0780"),               # a kommun: real, not recorded
    (full(Region=None), "eliminating Region"),      # SCB's total, not recorded
])
def test_valid_selections_outside_the_recording_get_a_loud_501_not_an_api_error(
        app, selection, detail):
    """The API would answer these with 200: the replay says it cannot, never a made-up 400."""
    reply = post(app, selection)
    assert reply.status == 501, reply.body
    problem = json.loads(reply.body)
    assert problem["title"] == "Not recorded in the mirror"
    assert problem["detail"].startswith("replay: ") and detail in problem["detail"]


def test_a_repeated_value_code_gives_an_empty_500_like_the_api(app):
    reply = post(app, full(Region=["07", "07"]))
    assert (reply.status, reply.body) == (500, b"")


def test_max_data_cells_from_config(tmp_path):
    app = ScbApp(make_mirror(tmp_path, maxDataCells=100) / "scb_v2", clock=FakeClock())
    too_big = post(app, full())
    assert too_big.status == 400
    assert json.loads(too_big.body)["title"] == "Too many cells selected"
    fits = post(app, full(Region=["07", "12"]))  # 2 x 11 x 3 x 1 x 4 = 264 > 100
    assert fits.status == 400
    assert post(app, full(Region=["07"], Kon=["2"])).status == 200  # 44 cells


def test_call_budget_answers_429_with_retry_after_on_the_fake_clock(tmp_path):
    clock = FakeClock()
    mirror = make_mirror(tmp_path, maxCallsPerTimeWindow=2, timeWindow=10)
    app = ScbApp(mirror / "scb_v2", clock=clock)

    def call():
        return app.handle(Request("GET", "/config", {}, b"", BASE))

    first, second, third = call(), call(), call()
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert first.headers["X-Rate-Limit-Remaining"] == "1"
    assert first.headers["X-Rate-Limit-Limit"] == "10s"
    assert third.headers["Retry-After"] == "10"
    assert third.headers["X-Rate-Limit-Remaining"] == "0"
    clock.t += 9.5
    assert call().status == 429 and app.handle(Request("GET", "/config", {}, b"", BASE)
                                               ).headers["Retry-After"] == "1"
    clock.t += 0.5
    assert call().status == 200


def test_slice_body_keeps_status_symbols_for_the_slice():
    handmade = {  # HANDMADE: 2 x 3 with a sparse status dict, not a recording
        "version": "2.0", "class": "dataset", "id": ["Region", "Tid"], "size": [2, 3],
        "dimension": {"Region": {"category": {"index": {"0780": 0, "0764": 1}}},
                      "Tid": {"category": {"index": {"2025": 0, "2026": 1, "2027": 2}}}},
        "value": [1, None, 3, 4, 5, None], "status": {"1": "..", "5": "."}}
    out = slice_body(handmade, {"Region": [1], "Tid": [1, 2]})
    assert out["size"] == [1, 2] and out["value"] == [5, None]
    assert out["status"] == {"1": "."}
    assert list(out["dimension"]["Tid"]["category"]["index"]) == ["2026", "2027"]


def test_mounted_in_the_replay_server_over_http(tmp_path):
    with ReplayServer(SHARED, apps={"/scb/api/v2": ScbApp(SCB, clock=FakeClock())}) as srv:
        url = srv.base_url("scb_v2")
        response = httpx.post(f"{url}/tables/TAB6471/data?outputFormat=json-stat2",
                              json={"selection": full(Region=["07"], Kon=["2"],
                                                      Alder=["20-29"], Tid=["2026M03"])})
        assert response.status_code == 200 and response.json()["value"] == [11269]
        assert "X-Rate-Limit-Remaining" in response.headers


# --- languages: answered only as recorded ----------------------------------------------------

BAS_FOLDER = SCB / "tables" / "TAB6260"


def test_metadata_is_served_only_in_the_language_it_was_recorded_in(app):
    english = get(app, "/tables/TAB6260/metadata", lang="en")
    assert english.status == 200 and english.body == (BAS_FOLDER / "metadata.en.json").read_bytes()
    for query in ({"lang": "sv"}, {}):  # no lang = the API's default language, sv
        reply = get(app, "/tables/TAB6260/metadata", **query)
        assert reply.status == 501, query  # SCB would answer; the mirror holds English only
        problem = json.loads(reply.body)
        assert problem["detail"] == ("replay: tables/TAB6260/metadata is recorded in en only, "
                                     "not lang=sv")
    assert get(app, "/tables/TAB6471/metadata", lang="en").status == 501  # recorded in sv only
    assert get(app, "/codeLists/agg_Ålder10årJ", lang="en").status == 501
    unknown = get(app, "/tables/TAB6260/metadata", lang="xx")  # not one of /config's languages
    assert unknown.status == 400 and json.loads(unknown.body)["title"] == "Unsupported language"


def test_swedish_data_resolves_against_english_metadata_but_never_answers_english(app):
    kommuner = list(json.loads((BAS_FOLDER / "data.json").read_bytes())["dimension"]["Region"]
                    ["category"]["index"])
    selection = [{"variableCode": "Region", "valueCodes": ["2031"],
                  "codelist": "vs_RegionKommun07EjAggr"},
                 {"variableCode": "Kon", "valueCodes": ["1+2"]},
                 {"variableCode": "Alder", "valueCodes": ["20-64"]},
                 {"variableCode": "Fodelseregion", "valueCodes": ["tot"]},
                 {"variableCode": "ContentsCode", "valueCodes": ["000006II"]},
                 {"variableCode": "Tid", "valueCodes": ["2021M03"]}]
    body = json.loads(post(app, selection, "/tables/TAB6260/data").body)
    assert body["value"] == [4.7] and "2031" in kommuner
    assert body["dimension"]["ContentsCode"]["category"]["label"] == {"000006II": "arbetslöshet"}
    app.clock.t += 10
    english = app.handle(Request("POST", "/tables/TAB6260/data",
                                 {"outputFormat": ["json-stat2"], "lang": ["en"]},
                                 json.dumps({"selection": selection}).encode(), BASE))
    assert english.status == 501 and "recorded in sv only" in json.loads(english.body)["detail"]


def test_a_table_is_described_from_what_was_recorded_in_the_language_asked(app):
    swedish = json.loads(get(app, "/tables/TAB6260", lang="sv").body)
    assert swedish["label"].startswith("Arbetsmarknadsstatus efter region")  # the data body
    assert (swedish["firstPeriod"], swedish["lastPeriod"]) == ("2020M01", "2026M04")
    english = json.loads(get(app, "/tables/TAB6260", lang="en").body)
    assert english["label"].startswith("Labour market status")  # the metadata
    assert english["lastPeriod"] == "2026M06"
    assert get(app, "/tables/TAB2948", lang="sv").status == 501  # English metadata only
    assert json.loads(get(app, "/tables/TAB2948", lang="en").body)["lastPeriod"] == "2024M12"
    listed_en = json.loads(get(app, "/tables", lang="en", pageSize="100").body)["tables"]
    assert "TAB2948" in {t["id"] for t in listed_en}
    assert "TAB4707" not in {t["id"] for t in listed_en}  # the recorded listings are Swedish
