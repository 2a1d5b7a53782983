"""SCB staging and mart-shaped frames: the real TAB6471 response for population, and small
HAND-MADE json-stat2 bodies (built here, never written anywhere) for what no recorded response
shows: BAS status symbols and län rows, and AA0003. The real TAB6260 body is staged in
test_bas.py."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from data_sources.scb_datasets import dataset
from tests.scb_recorded import SCB
from transforms.jsonstat import decode
from transforms.staging_scb import (
    bas_frame,
    codelist_members,
    integration_frame,
    kommun_areas,
    match_measures,
    parse_periods,
    population_frame,
    prefer_final,
    region_level,
    sex_code,
    stage,
)


def _dim(label: str, codes: dict[str, str]) -> dict:
    return {"label": label, "category": {"index": {c: i for i, c in enumerate(codes)},
                                         "label": codes}}


def handmade_body(dims: dict[str, tuple[str, dict[str, str]]], values: list, status=None,
                  *, role_time: str = "Tid") -> dict:
    """A HAND-MADE json-stat2 dataset in SCB's shape (tests only)."""
    body = {"version": "2.0", "class": "dataset", "label": "HANDMADE", "source": "hand-made",
            "id": list(dims), "size": [len(codes) for _, codes in dims.values()],
            "dimension": {d: _dim(label, codes) for d, (label, codes) in dims.items()},
            "role": {"time": [role_time], "metric": ["ContentsCode"]}, "value": values}
    if status is not None:
        body["status"] = status
    return body


# --- population: the real TAB6471 response --------------------------------------------------

@pytest.fixture(scope="module")
def population_dataset():
    return dataset("population_lan_monthly")


@pytest.fixture(scope="module")
def staged(population_dataset) -> pd.DataFrame:
    df = decode((SCB / "tables/TAB6471/data.json").read_bytes())
    return stage(df, table_id="TAB6471", dimensions=population_dataset.dimensions)


def test_staging_keeps_source_codes_labels_and_casts_the_month(staged):
    assert list(staged.columns) == [
        "table_id", "region_code", "region_label", "age_code", "age_label", "sex_code",
        "sex_label", "contents_code", "contents_label", "period_code", "period", "value",
        "status"]
    row = staged.iloc[0]
    assert (row["region_code"], row["region_label"]) == ("01", "Stockholms län")
    assert (row["sex_code"], row["contents_code"]) == ("TotSa", "000007SF")
    assert row["period_code"] == "2026M01" and row["period"] == date(2026, 1, 1)
    assert any("CKM" in n for n in staged.attrs["note"])


def test_population_frame_kronoberg_women_20_29_march_2026(staged):
    pop = population_frame(staged)
    assert list(pop.columns) == ["region_code", "region_level", "age_code", "age_label", "sex",
                                 "sex_source_code", "period", "population", "status"]
    assert len(pop) == 2772 and set(pop["region_level"]) == {"lan"}
    row = pop[(pop["region_code"] == "07") & (pop["age_code"] == "20-29") & (pop["sex"] == "K")
              & (pop["period"] == date(2026, 3, 1))]
    assert row["population"].tolist() == [11269]
    assert row["sex_source_code"].tolist() == ["2"]
    assert dict(zip(pop["sex_source_code"], pop["sex"], strict=True)) == {
        "TotSa": "T", "1": "M", "2": "K"}


def test_yearly_population_has_an_integer_year_and_flags_instead_of_zero():
    body = handmade_body({  # HANDMADE_POPULATION_YEAR
        "Region": ("region", {"00": "Riket", "0780": "Växjö"}),
        "Alder": ("ålder", {"16": "16 år"}), "Kon": ("kön", {"1": "män", "2": "kvinnor"}),
        "ContentsCode": ("tabellinnehåll", {"BE0101N1": "Folkmängd"}),
        "Tid": ("år", {"2024": "2024"})}, [1000, None, 80, 75], {"1": ".."})
    pop = population_frame(stage(decode(body), table_id="HANDMADE", dimensions={
        "region": "Region", "age": "Alder", "sex": "Kon", "time": "Tid"}))
    assert pop["year"].dtype == "int64" and pop["year"].tolist() == [2024] * 4
    assert pop["region_level"].tolist() == ["riket", "riket", "kommun", "kommun"]
    flagged = pop.iloc[1]
    assert np.isnan(flagged["population"]) and flagged["status"] == ".."


def test_code_rules():
    assert region_level(pd.Series(["00", "07", "0780", "LA2308"])).tolist() == [
        "riket", "lan", "kommun", "other"]
    assert sex_code(pd.Series(["TotSa", "1+2", "1", "2"])).tolist() == ["T", "T", "M", "K"]
    with pytest.raises(ValueError, match="könskoder"):
        sex_code(pd.Series(["3"]))
    kind, starts = parse_periods(pd.Series(["2025K1", "2025K4"]))
    assert kind == "period" and starts.tolist() == [date(2025, 1, 1), date(2025, 10, 1)]
    with pytest.raises(ValueError, match="tidskoder"):
        parse_periods(pd.Series(["2025M01", "2025"]))


# --- BAS: the real TAB6260 body is tested in test_bas.py; the rules it cannot show are here --

BAS_CONTENTS = {"000006II": "arbetslöshet", "000006IU": "antal sysselsatta och arbetslösa "
                "(arbetskraften)", "000004YH": "antal arbetslösa", "000006IK": "sysselsättningsgrad"}
RATE_AND_COUNTS = {"unemployment_rate": {"code": "000006II"},
                   "labour_force_count": {"code": "000006IU", "optional": True},
                   "unemployed_count": {"code": "000004YH", "optional": True}}


def handmade_bas_body(contents: dict[str, str] = BAS_CONTENTS, status=None) -> dict:
    """HANDMADE_BAS_BODY: TAB6260's real codes, but 2 kommuner + Kronobergs län x kvinnor x
    16-19 x inrikes/utrikes x 4 contents x 2 months with invented values (the recorded body has
    no län rows and no status symbols)."""
    regions = {"07": "Kronobergs län", "0764": "Alvesta", "0780": "Växjö"}
    births = {"in": "inrikes födda", "ut": "utrikes födda"}
    n = 3 * 1 * 1 * 2 * len(contents) * 2
    values = [None if (status or {}).get(str(i)) == ".." else float(i) for i in range(n)]
    return handmade_body({
        "Region": ("region", regions), "Kon": ("kön", {"2": "kvinnor"}),
        "Alder": ("ålder", {"16-19": "16-19 år"}), "Fodelseregion": ("födelseregion", births),
        "ContentsCode": ("tabellinnehåll", contents),
        "Tid": ("månad", {"2025M01": "2025M01", "2025M02": "2025M02"})}, values, status)


@pytest.fixture(scope="module")
def bas_dataset():
    return dataset("bas_kommun_monthly")


def _bas(bas_dataset, body: dict, measures=RATE_AND_COUNTS, **kwargs) -> pd.DataFrame:
    staged = stage(decode(body), table_id="HANDMADE_BAS", dimensions=bas_dataset.dimensions)
    return bas_frame(staged, measures=measures,
                     preliminary=kwargs.pop("preliminary", bas_dataset.preliminary), **kwargs)


def test_bas_frame_puts_each_content_in_its_column_by_code(bas_dataset):
    bas = _bas(bas_dataset, handmade_bas_body())
    assert list(bas.columns) == [
        "kommun_code", "kommun_label", "sex", "sex_source_code", "sex_label", "age_code",
        "age_label", "birth_region_code", "birth_region_label", "period",
        "unemployment_rate", "unemployment_rate_status", "labour_force_count",
        "labour_force_count_status", "unemployed_count", "unemployed_count_status",
        "is_preliminary"]
    assert sorted(set(bas["kommun_code"])) == ["0764", "0780"]  # the län row is not a kommun
    row = bas[(bas["kommun_code"] == "0780") & (bas["birth_region_code"] == "ut")
              & (bas["period"] == date(2025, 2, 1))].iloc[0]
    # flat index = ((region 2 * 2 + birth 1) * 4 + content) * 2 + month 1; contents in body order
    assert row["unemployment_rate"] == ((2 * 2 + 1) * 4 + 0) * 2 + 1
    assert row["labour_force_count"] == ((2 * 2 + 1) * 4 + 1) * 2 + 1
    assert row["unemployed_count"] == ((2 * 2 + 1) * 4 + 2) * 2 + 1
    assert row["sex"] == "K" and row["sex_source_code"] == "2"
    assert bas["is_preliminary"].all()  # BAS monthly is published as preliminary


def test_bas_status_symbols_stay_flags_never_zero(bas_dataset):
    bas = _bas(bas_dataset, handmade_bas_body(status={"16": "..", "17": "p"}),
               preliminary="status")
    # cells 16/17: region 0764, inrikes födda, arbetslöshet, 2025M01/M02
    alvesta = bas[(bas["kommun_code"] == "0764") & (bas["birth_region_code"] == "in")]
    assert alvesta["unemployment_rate_status"].tolist() == ["..", "p"]
    assert alvesta["is_preliminary"].tolist() == [False, True]
    assert np.isnan(alvesta["unemployment_rate"].iloc[0])  # suppressed: NaN, not 0
    assert alvesta["unemployment_rate"].iloc[1] == 17


def test_bas_level_none_keeps_lan_with_its_level(bas_dataset):
    bas = _bas(bas_dataset, handmade_bas_body(), level=None)
    assert set(zip(bas["region_code"], bas["region_level"], strict=True)) == {
        ("07", "lan"), ("0764", "kommun"), ("0780", "kommun")}


def test_bas_without_a_declared_code_fails_naming_what_the_table_has(bas_dataset):
    renamed = {"000009XX" if k == "000006II" else k: v for k, v in BAS_CONTENTS.items()}
    with pytest.raises(ValueError, match="unemployment_rate .000006II.*000009XX"):
        _bas(bas_dataset, handmade_bas_body(renamed))
    with pytest.raises(ValueError, match="employed_count"):  # every real measure is required
        _bas(bas_dataset, handmade_bas_body(), measures=bas_dataset.measures)


def test_optional_measures_may_be_absent(bas_dataset):
    only_rate = {"000006II": "arbetslöshet"}
    bas = _bas(bas_dataset, handmade_bas_body(only_rate))
    assert bas["unemployment_rate"].notna().all() and bas["labour_force_count"].isna().all()
    staged = stage(decode(handmade_bas_body(only_rate)), table_id="X",
                   dimensions=bas_dataset.dimensions)
    assert match_measures(staged, RATE_AND_COUNTS)["labour_force_count"] is None


def test_an_unverified_table_may_still_match_by_its_swedish_label():
    yearly = dataset("bas_kommun_yearly")  # TAB5655: codes not verified yet
    staged = stage(decode(handmade_bas_body()), table_id="X", dimensions=yearly.dimensions)
    assert match_measures(staged, yearly.measures) == {
        "unemployment_rate": "000006II", "labour_force_count": "000006IU",
        "unemployed_count": "000004YH"}


def test_final_rows_replace_preliminary_ones_for_the_same_key():
    """HANDMADE frames: no TAB2948 data is recorded."""
    key = {"kommun_code": "2080", "sex": "T", "age_code": "20-64", "birth_region_code": "tot"}
    prelim = pd.DataFrame([{**key, "period": date(2024, 12, 1), "unemployment_rate": 3.4,
                            "is_preliminary": True, "table_id": "TAB6260"},
                           {**key, "period": date(2025, 1, 1), "unemployment_rate": 3.6,
                            "is_preliminary": True, "table_id": "TAB6260"}])
    final = pd.DataFrame([{**key, "period": date(2024, 12, 1), "unemployment_rate": 3.3,
                           "is_preliminary": False, "table_id": "TAB2948"}])
    out = prefer_final([prelim, final])
    assert out[["period", "unemployment_rate", "is_preliminary", "table_id"]].values.tolist() == [
        [date(2024, 12, 1), 3.3, False, "TAB2948"], [date(2025, 1, 1), 3.6, True, "TAB6260"]]
    assert dataset("bas_kommun_monthly_final").final_for == "bas_kommun_monthly"


# --- AA0003 integration: hand-made in the documented shape -------------------------------------

def handmade_integration_body() -> dict:
    """HANDMADE_AA0003_BODY: Växjö x vistelsetid x skäl x 3 contents x 1 year (invented)."""
    contents = {"AA0003A1": "Andel förvärvsarbetande, procent", "AA0003A2": "Antal personer",
                "AA0003A3": "Antal förvärvsarbetande"}
    return handmade_body({
        "Region": ("region", {"0780": "Växjö"}), "Kon": ("kön", {"1+2": "totalt"}),
        "VistTid": ("vistelsetid", {"0-1": "0-1 år", "2-3": "2-3 år"}),
        "Skal": ("skäl till invandring", {"SKYDD": "skyddsbehövande", "ANH": "anhöriga"}),
        "ContentsCode": ("tabellinnehåll", contents), "Tid": ("år", {"2022": "2022"})},
        [10.0, 200, 20, 30.0, 100, 30, 40.0, 50, 20, 50.0, 60, 30])


def test_integration_frame_pivots_shares_and_counts():
    integration = dataset("integration_kommun_new")
    staged = stage(decode(handmade_integration_body()), table_id="HANDMADE_AA0003",
                   dimensions=integration.dimensions)
    out = integration_frame(staged, measures=integration.measures)
    assert list(out.columns[:9]) == ["kommun_code", "kommun_label", "sex", "sex_source_code",
                                     "sex_label", "vistelsetid_code", "vistelsetid_label",
                                     "skal_code", "skal_label"]
    row = out[(out["vistelsetid_code"] == "2-3") & (out["skal_code"] == "SKYDD")].iloc[0]
    assert row["year"] == 2022 and row["forvarvsarbetande_share"] == 40.0
    assert row["population_count"] == 50 and row["forvarvsarbetande_count"] == 20
    assert np.isnan(row["inskrivna_arbetslosa_share"])  # not in this table: absent, not 0


# --- regional codelists -------------------------------------------------------------------------

def test_codelist_members_on_the_real_age_aggregation():
    body = json.loads((SCB / "codelists/agg_Ålder10årJ.json").read_bytes())
    members = codelist_members(body)
    first = members[members["group_code"] == "-9"]
    assert sorted(first["member_code"], key=int) == [str(i) for i in range(10)]
    assert first["group_label"].iloc[0] == "0-9 år"
    with pytest.raises(ValueError, match="inte är kommunkoder"):
        kommun_areas(body)


def test_kommun_areas_from_a_handmade_la_codelist():
    handmade_la = {"id": "agg_RegionLA2018", "label": "HANDMADE LA", "type": "Aggregation",
                   "values": [{"code": "LA1807", "label": "Växjö",
                               "valueMap": ["0764", "0780", "0761"]},
                              {"code": "LA1801", "label": "Stockholm", "valueMap": ["0114"]}]}
    areas = kommun_areas(handmade_la)
    assert list(areas.columns) == ["codelist_id", "area_code", "area_label", "kommun_code"]
    assert areas[areas["area_code"] == "LA1807"]["kommun_code"].tolist() == [
        "0764", "0780", "0761"]
    twice = {**handmade_la, "values": handmade_la["values"] + [
        {"code": "LA1802", "label": "X", "valueMap": ["0114"]}]}
    with pytest.raises(ValueError, match="flera områden"):
        kommun_areas(twice)
