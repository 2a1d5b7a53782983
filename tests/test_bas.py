"""SCB BAS (TAB6260) end to end on the real files in ../shared/data: staging, the monthly mart,
area values from kommun counts, the CLI, mirror mode and the chunking of the live selection."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import httpx
import numpy as np
import pandas as pd
import pytest

from data_sources.http import FakeClock
from data_sources.scb import ScbClient
from data_sources.scb_datasets import dataset, dataset_bodies, fetch_dataset
from data_sources.scb_selection import count_cells
from replay.scb import ScbApp
from replay.server import ReplayServer
from tests.cli_inprocess import run_cli
from tests.scb_recorded import BAS, BAS_DATA, SCB, VINTAGES, bas_mirror
from transforms.jsonstat import decode
from transforms.staging_scb import bas_frame, match_measures, stage
from warehouse import queries
from warehouse.scb_marts import is_swedish

RATTVIK, FALUN, BORLANGE, SATER, VAXJO = "2031", "2080", "2081", "2082", "0780"


def _cube(path=BAS_DATA):
    """The recorded body as {(kommun, contents, month): value}, read straight from the file."""
    body = json.loads(path.read_bytes())
    idx = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    values = np.array(body["value"], dtype=float).reshape(body["size"])[:, 0, 0, 0, :, :]
    return {(r, c, t): values[i, j, k] for i, r in enumerate(idx["Region"])
            for j, c in enumerate(idx["ContentsCode"]) for k, t in enumerate(idx["Tid"])}, idx


CUBE, INDEX = _cube()
DALARNA = INDEX["Region"]


def _ratio(kommuner: list[str], month: str) -> float:
    return 100 * sum(CUBE[(k, "000004YH", month)] for k in kommuner) / sum(
        CUBE[(k, "000006IU", month)] for k in kommuner)


# --- staging the real body ------------------------------------------------------------------

@pytest.fixture(scope="module")
def bas_mart() -> pd.DataFrame:
    ds = dataset("bas_kommun_monthly")
    staged = stage(decode(BAS_DATA.read_bytes()), table_id="TAB6260", dimensions=ds.dimensions)
    return bas_frame(staged, measures=ds.measures, preliminary=ds.preliminary)


def test_tab6260_stages_to_one_row_per_kommun_and_month_with_all_eleven_measures(bas_mart):
    assert len(bas_mart) == 15 * 76 and sorted(set(bas_mart["kommun_code"])) == sorted(DALARNA)
    row = bas_mart[(bas_mart["kommun_code"] == RATTVIK)
                   & (bas_mart["period"] == date(2021, 3, 1))].iloc[0]
    assert (row["unemployment_rate"], row["unemployed_count"], row["labour_force_count"]) == (
        4.7, 218, 4607)
    assert row["employed_count"] == CUBE[(RATTVIK, "000006HI", "2021M03")]
    assert row["population_count"] == CUBE[(RATTVIK, "000006I8", "2021M03")]
    assert (row["sex"], row["age_code"], row["birth_region_code"]) == ("T", "20-64", "tot")
    # every label kept is the data body's Swedish one
    assert (row["kommun_label"], row["age_label"], row["sex_label"]) == (
        "Rättvik", "20-64 år", "totalt")
    assert bas_mart["is_preliminary"].all()
    assert bas_mart["period"].min() == date(2020, 1, 1)
    assert bas_mart["period"].max() == date(2026, 4, 1)


def test_measures_are_matched_by_contents_code_whatever_the_label_language():
    ds = dataset("bas_kommun_monthly")
    body = json.loads(BAS_DATA.read_bytes())
    english = json.loads((BAS / "metadata.en.json").read_bytes())
    # the real body with the English content labels put in (in memory only)
    body["dimension"]["ContentsCode"]["category"]["label"] = \
        english["dimension"]["ContentsCode"]["category"]["label"]
    staged = stage(decode(body), table_id="TAB6260", dimensions=ds.dimensions)
    found = match_measures(staged, ds.measures)
    assert found["unemployment_rate"] == "000006II"
    assert found["labour_force_count"] == "000006IU"
    assert len(set(found.values())) == 11


def test_the_english_metadata_never_lends_labels(shared):
    assert not is_swedish(json.loads((BAS / "metadata.en.json").read_bytes()))
    assert is_swedish(json.loads(BAS_DATA.read_bytes()))
    assert is_swedish(json.loads((SCB / "tables/TAB6471/metadata.json").read_bytes()))


# --- the warehouse built from the mirror ----------------------------------------------------

def _series(warehouse, area_id: str | queries.Area, indicator="bas_arbetsloshet", **dims):
    ind = queries.indicator(warehouse, indicator)
    area = area_id if isinstance(area_id, queries.Area) else queries.area(warehouse, area_id)
    df = queries.monthly_series(warehouse, ind, area, dims.pop("sex", "T"), dims)
    return df.set_index(df["period"].map(lambda p: p.strftime("%Y%m")))


def test_the_mirror_refresh_fetches_bas_and_says_what_is_missing(built):
    outcomes = {o.dataset: o for o in built["result"].report.outcomes if o.source == "scb"}
    assert outcomes["bas_kommun_monthly"].ok
    assert outcomes["bas_kommun_monthly_final"].message.startswith("ej i spegeln")


def test_the_catalogue_describes_bas_as_monthly_with_its_options(warehouse):
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    assert (ind.frequency, ind.aggregation, ind.numerator, ind.denominator, ind.kommun_value) \
        == ("month", "ratio", "unemployed_count", "labour_force_count", "unemployment_rate")
    assert ind.dimensions == ("age", "birth_region") and ind.has_sex
    # the source line cites the tables the values came from: the mirror records TAB2948's
    # metadata but no data (its fetch says "ej i spegeln"), so only TAB6260
    tables = {r[0] for r in warehouse.execute(
        "select distinct table_id from marts.bas_kommun_monthly").fetchall()}
    assert tables == {"TAB6260"}
    assert ind.source_ids == ("TAB6260",)
    assert ind.source_line == ("Källa: SCB, Befolkningens arbetsmarknadsstatus (BAS), tabell "
                               "TAB6260 (preliminär)")
    assert (ind.first_period, ind.last_period) == ("2020-01", "2026-04")
    assert ind.fetched_at is not None
    counts = queries.indicator(warehouse, "bas_arbetslosa")
    assert (counts.aggregation, counts.unit, counts.denominator) == ("sum", "count", None)


def test_a_kommun_shows_scbs_own_published_rate(warehouse):
    falun = _series(warehouse, f"kommun:{FALUN}")
    assert falun.loc["202604", "value"] == CUBE[(FALUN, "000006II", "2026M04")] == 3.1
    assert falun.loc["202504", "value"] == CUBE[(FALUN, "000006II", "2025M04")]
    assert not falun["is_computed"].any() and falun["is_preliminary"].all()
    assert set(falun["table_id"]) == {"TAB6260"} and set(falun["band"]) == {"20-64"}
    assert len(falun) == 76


def test_a_monthly_indicator_is_an_area_series_with_months(warehouse):
    """The one query a page's indicator line uses (ui.blocks) gives the monthly series."""
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    lan = queries.area(warehouse, "lan:20")
    series = queries.area_series(warehouse, ind, lan)
    assert "year" not in series and str(series["period"].iloc[-1]) == "2026-04-01"
    pd.testing.assert_frame_equal(series, queries.monthly_series(warehouse, ind, lan))


def test_dalarnas_lan_is_summed_unemployed_over_summed_labour_force(warehouse):
    lan = _series(warehouse, "lan:20")
    for month in ("2026M04", "2025M04", "2020M01"):
        row = lan.loc[month.replace("M", "")]
        assert row["value"] == pytest.approx(_ratio(DALARNA, month))
        assert (row["n_reporting"], row["n_expected"], row["status"]) == (15, 15, None)
    assert lan.loc["202604", "value"] == pytest.approx(100 * 5275 / 129081)
    mean_of_rates = np.mean([CUBE[(k, "000006II", "2026M04")] for k in DALARNA])
    assert abs(lan.loc["202604", "value"] - mean_of_rates) > 0.05  # not a mean of rates
    counts = _series(warehouse, "lan:20", "bas_arbetslosa")
    assert counts.loc["202604", "value"] == sum(CUBE[(k, "000004YH", "2026M04")]
                                                for k in DALARNA) == 5275


def test_a_three_kommun_group_and_coverage_like_the_annual_values(warehouse):
    trio = queries.Area("group:x", "group", "Falun, Borlänge, Säter", (FALUN, BORLANGE, SATER))
    got = _series(warehouse, trio)
    assert got.loc["202604", "value"] == pytest.approx(_ratio([FALUN, BORLANGE, SATER],
                                                              "2026M04"))
    # one of two members without BAS: half the kommuner is enough when the one with values
    # holds at least half of the people 20–64 år too (stop 28: Kolada's N01955, 2022)
    people = dict(warehouse.execute(
        """select kommun_code, value from marts.observation_kommun_year
           where indicator_id = 'N01955' and sex = 'T' and year = 2022""").fetchall())
    vannas = "2460"  # Vännäs: smaller than Falun, no BAS in the mirror
    half = _series(warehouse, queries.Area("group:y", "group", "Falun och Vännäs",
                                           (FALUN, vannas)))
    assert people[FALUN] > people[vannas]
    assert half.loc["202604", "status"] == "partial"
    assert (half.loc["202604", "n_reporting"], half.loc["202604", "n_expected"]) == (1, 2)
    assert half.loc["202604", "value"] == pytest.approx(_ratio([FALUN], "2026M04"))
    assert half.loc["202604", "covered_share"] == pytest.approx(
        people[FALUN] / (people[FALUN] + people[vannas]))
    # Växjö holds more of the people than Falun: half the kommuner, under half the people
    thin = _series(warehouse, queries.Area("group:z", "group", "Falun och Växjö",
                                           (FALUN, VAXJO)))
    assert people[FALUN] < people[VAXJO]
    assert thin.loc["202604", "status"] == "withheld" and pd.isna(thin.loc["202604", "value"])
    riket = _series(warehouse, "riket")  # 15 of 290 kommuner: withheld, never a number
    assert riket["value"].isna().all() and set(riket["status"]) == {"withheld"}
    assert (riket["n_reporting"].max(), riket["n_expected"].max()) == (15, 290)
    vaxjo = _series(warehouse, f"kommun:{VAXJO}")
    assert vaxjo["value"].isna().all()


def test_employment_and_participation_rates_aggregate_from_their_own_counts(warehouse):
    lan = _series(warehouse, "lan:20", "bas_sysselsattningsgrad")
    month = "2026M04"
    expected = 100 * sum(CUBE[(k, "000006HI", month)] for k in DALARNA) / sum(
        CUBE[(k, "000006I8", month)] for k in DALARNA)
    assert lan.loc["202604", "value"] == pytest.approx(expected)


def test_working_age_with_only_20_64_in_the_data_shows_20_64_and_says_so(warehouse):
    from transforms import monthly
    from transforms.catalogue import monthly_marts

    lan = _series(warehouse, "lan:20", age="20-pension")
    assert set(lan["band"]) == {"20-64"} and lan["value"].notna().all()
    choice = monthly.choose(monthly_marts()["bas"], {"age": "20-pension"})["age"]
    assert monthly.band_breaks(lan.reset_index(drop=True), choice) == []
    note = monthly.band_note(lan.reset_index(drop=True), choice)
    assert "20–65 år från januari 2023" in note and "20–66 år från januari 2026" in note
    assert "20–64 år" in note
    assert _series(warehouse, "lan:20", age="16-pension").empty  # no 16–6x band recorded
    assert _series(warehouse, "lan:20", sex="K").empty  # only kön totalt recorded


# --- the CLI --------------------------------------------------------------------------------

def _cli(built, *args: str) -> subprocess.CompletedProcess:
    env = {"WAREHOUSE_PATH": str(built["warehouse"]), "USER_DB_PATH":
           str(built["base"] / "cli-user.duckdb"), "PATH": "/usr/bin:/bin"}
    return run_cli(env, *args)  # in-process: tests/cli_inprocess.py


def test_cli_lists_bas_indicators_with_their_table(built):
    out = _cli(built, "indicators")
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("bas_arbetsloshet\t"))
    assert "TAB6260" in line and "månad" in line and "2020-01–2026-04" in line


def test_cli_monthly_series_prints_year_month_periods(built):
    out = _cli(built, "series", "--indicator", "bas_arbetsloshet", "--area",
               f"kommun:{RATTVIK}", "--format", "csv")
    assert out.returncode == 0, out.stderr
    df = pd.read_csv(pd.io.common.StringIO(out.stdout), dtype={"period": str})
    assert list(df.columns) == ["period", "value"] and len(df) == 76
    assert df.set_index("period").loc["2021-03", "value"] == 4.7
    assert df["period"].iloc[0] == "2020-01" and df["period"].iloc[-1] == "2026-04"
    lan = _cli(built, "series", "--indicator", "BAS_ARBETSLOSHET", "--area", "lan:20",
               "--format", "csv", "--age", "20-64", "--birth-region", "tot", "--coverage")
    rows = pd.read_csv(pd.io.common.StringIO(lan.stdout), dtype={"period": str})
    last = rows.set_index("period").loc["2026-04"]
    assert last["value"] == pytest.approx(_ratio(DALARNA, "2026M04"))
    assert (last["n_reporting"], last["table_id"], last["age"]) == (15, "TAB6260", "20-64")


@pytest.mark.parametrize("args", [
    ["--age", "17-99"], ["--birth-region", "mars"], ["--sex", "X"],
])
def test_cli_bad_monthly_options_exit_2_with_one_swedish_line(built, args):
    out = _cli(built, "series", "--indicator", "bas_arbetsloshet", "--area", "lan:20", *args)
    assert out.returncode == 2 and out.stderr.startswith("fel: ")
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_cli_annual_indicator_refuses_monthly_options(built):
    out = _cli(built, "series", "--indicator", "N03920", "--area", "lan:07", "--age", "20-64")
    assert out.returncode == 2 and "årsvärde" in out.stderr


# --- mirror mode asks exactly what the mirror holds -------------------------------------------

@pytest.mark.parametrize("vintage", [None, "2023-06-09"])
def test_mirror_mode_asks_for_exactly_the_recorded_months(tmp_path, vintage):
    mirror = bas_mirror(tmp_path, vintage)
    clock = FakeClock()
    with ReplayServer(mirror, apps={"/scb/api/v2": ScbApp(mirror / "scb_v2", clock=clock)}) \
            as server:
        client = ScbClient(server.base_url("scb_v2"), clock=clock)
        snap = fetch_dataset(client, dataset("bas_kommun_monthly"), tmp_path / "raw",
                             mirror=True)
        client.close()
    recorded = (VINTAGES / vintage / "data.json") if vintage else BAS_DATA
    assert dataset_bodies(snap)["data"] == [recorded.read_bytes()]  # one call, the very bytes
    months = list(json.loads(recorded.read_bytes())["dimension"]["Tid"]["category"]["index"])
    posted = json.loads(snap.sidecars()[-1]["body"])["selection"]
    assert next(s for s in posted if s["variableCode"] == "Tid")["valueCodes"] == months
    urls = [s["url"].split("/api/v2/")[1] for s in snap.sidecars()]
    assert "tables/TAB6260/metadata?lang=en" in urls  # codes from the English metadata
    assert urls[-1].startswith("tables/TAB6260/data?lang=sv")  # labels from Swedish data


# --- the full live selection, chunked (no network) --------------------------------------------

def test_the_full_live_selection_is_chunked_under_max_data_cells():
    """Real /config and real TAB6260 metadata; the value set vs_RegionKommun07EjAggr is not
    recorded, so it is HANDMADE here from the metadata's 290 four-digit kommun codes."""
    metadata = json.loads((BAS / "metadata.en.json").read_bytes())
    regions = list(metadata["dimension"]["Region"]["category"]["index"])
    kommuner = [r for r in regions if len(r) == 4]
    handmade_valueset = {"id": "vs_RegionKommun07EjAggr", "type": "Valueset",
                         "values": [{"code": k, "label": k} for k in kommuner]}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/config"):
            return httpx.Response(200, content=(SCB / "config.json").read_bytes())
        if path.endswith("/metadata"):
            assert request.url.params["lang"] == "en"
            return httpx.Response(200, content=(BAS / "metadata.en.json").read_bytes())
        if "/codeLists/" in path:
            return httpx.Response(200, json=handmade_valueset)
        raise AssertionError(f"no data call expected: {request.url}")

    client = ScbClient("http://scb.test/api/v2", transport=httpx.MockTransport(handler),
                       clock=FakeClock())
    ds = dataset("bas_kommun_monthly")
    selection, codelists = ds.request(mirror=False)
    parts = client.plan("TAB6260", selection, codelists=codelists,
                        metadata_lang=ds.metadata_lang)
    max_cells = json.loads((SCB / "config.json").read_bytes())["maxDataCells"]
    sizes = dict(zip(metadata["id"], metadata["size"], strict=True))
    assert len(kommuner) == 290
    total = 290 * 3 * 8 * 3 * sizes["ContentsCode"] * sizes["Tid"]
    assert sum(count_cells(p) for p in parts) == total == 17_915_040
    assert max(count_cells(p) for p in parts) <= max_cells == 150_000
    for part in parts:  # contents and time are never split
        assert len(part["ContentsCode"]) == 11 and len(part["Tid"]) == sizes["Tid"] == 78
    cells = [(r, k, a, f) for p in parts for r in p["Region"] for k in p["Kon"]
             for a in p["Alder"] for f in p["Fodelseregion"]]
    assert len(cells) == len(set(cells)) == 290 * 3 * 8 * 3  # each cell exactly once
    per_call = max_cells // (11 * 78)  # 174 region × kön × ålder × födelseregion combinations
    assert len(parts) == -(-len(cells) // per_call) == 120  # the fewest calls possible
