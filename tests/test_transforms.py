"""Transforms on small hand-made frames: one rule per test."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from transforms.areas import aggregate, combine_weights, coverage_label
from transforms.catalogue import load_catalogue, producer_from_description
from transforms.formatting import format_change, format_number, format_value, genitive
from transforms.kommun import first_years, harmonise_kommun_codes
from transforms.staging_kolada import stage_values

FIRST = pd.Series({"0001": 1994, "0002": 1994, "0003": 1994, "0004": 2003})


def _values(rows):
    return pd.DataFrame(rows, columns=["kommun_code", "year", "sex", "value"])


def _members(*codes, area="a"):
    return pd.DataFrame({"area_id": area, "kommun_code": list(codes)})


# --- staging -------------------------------------------------------------------------------

def test_staging_keeps_leading_zeros_and_null_values():
    body = {"values": [{"kpi": "N1", "municipality": "0180", "period": 2020,
                        "values": [{"gender": "T", "value": None, "status": "", "count": 0}]}]}
    df = stage_values([body])
    assert df["municipality_id"].tolist() == ["0180"]
    assert math.isnan(df["value"].iloc[0])  # missing stays missing, never 0
    assert pd.isna(df["status"].iloc[0])


def test_staging_rejects_numeric_ids_that_lost_their_zero():
    body = {"values": [{"kpi": "N1", "municipality": "180", "period": 2020,
                        "values": [{"gender": "T", "value": 1.0, "status": ""}]}]}
    with pytest.raises(ValueError, match="4-digit"):
        stage_values([body])


# --- kommun codes ---------------------------------------------------------------------------

def test_heby_1917_becomes_0331():
    df = pd.DataFrame({"kommun_code": ["1917", "0180"]})
    out = harmonise_kommun_codes(df, valid={"0331", "0180"})
    assert out["kommun_code"].tolist() == ["0331", "0180"]


def test_an_unknown_kommun_code_stops_with_a_message():
    with pytest.raises(ValueError, match="kommun_changes.csv"):
        harmonise_kommun_codes(pd.DataFrame({"kommun_code": ["9999"]}), valid={"0180"})


def test_first_year_is_the_year_after_the_first_31_december_population():
    pop = _values([("0140", 1994, "T", None), ("0140", 1998, "T", 8000.0),
                   ("0180", 1994, "T", 700000.0)])
    fy = first_years(pop).set_index("kommun_code")["first_year"]
    assert fy["0140"] == 1999  # Nykvarn: formed 1999-01-01, first population 1998-12-31
    assert fy["0180"] == 1994  # present at the series start


# --- aggregation ----------------------------------------------------------------------------

def test_weighted_area_value_is_the_population_weighted_mean_not_the_plain_mean():
    values = _values([("0001", 2020, "T", 10.0), ("0002", 2020, "T", 2.0)])
    weights = pd.DataFrame({"kommun_code": ["0001", "0002"], "year": 2020, "sex": "T",
                            "weight": [1000.0, 9000.0]})
    out = aggregate(values, _members("0001", "0002"), rule="weighted", first_year=FIRST,
                    weights=weights)
    assert out["value"].iloc[0] == pytest.approx((10 * 1000 + 2 * 9000) / 10000)  # 2.8
    assert out["value"].iloc[0] != pytest.approx(6.0)  # the unweighted mean


def test_counts_are_summed():
    values = _values([("0001", 2020, "T", 10.0), ("0002", 2020, "T", 32.0)])
    out = aggregate(values, _members("0001", "0002"), rule="sum", first_year=FIRST)
    assert out["value"].tolist() == [42.0]
    assert out["status"].isna().all()


def test_a_missing_member_makes_the_value_partial_with_its_coverage():
    values = _values([("0001", 2020, "T", 10.0), ("0002", 2020, "T", 20.0),
                      ("0003", 2020, "T", None)])
    out = aggregate(values, _members("0001", "0002", "0003"), rule="sum", first_year=FIRST)
    row = out.iloc[0]
    assert (row["n_reporting"], row["n_expected"], row["status"]) == (2, 3, "partial")
    assert coverage_label(2, 3) == "2 av 3 kommuner"


def test_under_half_of_the_members_withholds_the_value():
    values = _values([("0001", 2020, "T", 10.0), ("0002", 2020, "T", None),
                      ("0003", 2020, "T", None)])
    out = aggregate(values, _members("0001", "0002", "0003"), rule="sum", first_year=FIRST)
    assert out["status"].iloc[0] == "withheld" and math.isnan(out["value"].iloc[0])


def test_a_kommun_that_did_not_yet_exist_is_not_missing():
    values = _values([("0001", 2000, "T", 5.0), ("0004", 2000, "T", None),
                      ("0001", 2005, "T", 5.0), ("0004", 2005, "T", None)])
    out = aggregate(values, _members("0001", "0004"), rule="sum", first_year=FIRST)
    by_year = out.set_index("year")
    assert pd.isna(by_year.loc[2000, "status"]) and by_year.loc[2000, "n_expected"] == 1
    assert by_year.loc[2005, "status"] == "partial"  # it existed by then


def test_not_additive_indicators_get_no_area_value():
    values = _values([("0001", 2020, "T", 10.0), ("0002", 2020, "T", 20.0)])
    out = aggregate(values, _members("0001", "0002"), rule="none", first_year=FIRST)
    assert out["status"].iloc[0] == "withheld" and math.isnan(out["value"].iloc[0])


def test_a_weight_is_missing_when_any_of_its_parts_is():
    a = _values([("0001", 2020, "T", 100.0), ("0002", 2020, "T", 50.0)])
    b = _values([("0001", 2020, "T", 10.0)])
    w = combine_weights([a, b])
    assert w.to_dict("records") == [{"kommun_code": "0001", "year": 2020, "sex": "T",
                                     "weight": 110.0}]


def test_each_sex_is_weighted_by_the_same_sex_population():
    values = _values([("0001", 2020, "K", 10.0), ("0002", 2020, "K", 20.0)])
    weights = pd.DataFrame({"kommun_code": ["0001", "0002", "0001", "0002"], "year": 2020,
                            "sex": ["K", "K", "T", "T"], "weight": [100.0, 300.0, 1.0, 1.0]})
    out = aggregate(values, _members("0001", "0002"), rule="weighted", first_year=FIRST,
                    weights=weights)
    assert out["value"].iloc[0] == pytest.approx((10 * 100 + 20 * 300) / 400)


# --- catalogue and formatting ---------------------------------------------------------------

def test_every_weight_used_by_the_catalogue_is_itself_in_the_catalogue():
    doc = load_catalogue()
    used = {i for w in doc["weights"].values() for i in w["ids"]}
    assert used <= set(doc["indicators"])


def test_producer_is_read_from_the_description():
    assert producer_from_description("… år T. Källa: Arbetsförmedlingen och SCB.") == \
        "Arbetsförmedlingen och SCB"
    # Kolada's own text of N31860 names its source twice: once here (walk24 point 5)
    import json

    from tests.conftest import SHARED

    body = json.loads((SHARED / "kolada_v3/kpi/N31860.json").read_bytes())
    description = body["values"][0]["description"]
    assert description.count("Källa: Socialstyrelsen") == 2
    assert producer_from_description(description) == "Socialstyrelsen"


def test_swedish_number_format():
    assert format_number(12345.67, 1) == "12\u00a0345,7"
    assert format_number(None, 1) == "–"
    assert format_value(5.973365, 1, "%") == "6,0\u00a0%"
    assert format_change(-0.44, 1, "percent") == "−0,4 procentenheter"


@pytest.mark.parametrize(("name", "of"), [  # kommun and source names as the app shows them
    ("Växjö", "Växjös"), ("Borås", "Borås"), ("Vännäs", "Vännäs"), ("Göteborg", "Göteborgs"),
    ("SCB", "SCB:s"), ("Arbetsförmedlingen", "Arbetsförmedlingens")])
def test_a_swedish_genitive_adds_no_s_after_s(name, of):
    assert genitive(name) == of


def test_csv_download_is_swedish_excel_friendly_and_keeps_coverage():
    from transforms.catalogue import Indicator
    from transforms.export import series_frame, to_excel_csv

    ind = Indicator(id="N31807", label="Invånare med ekonomiskt bistånd", unit="percent",
                    short_unit="%", decimals=1, groups=(), aggregation="weighted",
                    fetched_at="2026-11-25T08:00:00+00:00")
    df = pd.DataFrame({"year": [2021, 2022], "value": [4.25, None],
                       "status": ["partial", "withheld"], "n_reporting": [2, 1],
                       "n_expected": [3, 3]})
    data = to_excel_csv(series_frame([("Värend", df, "group:varend")], ind, sex="Totalt"))
    text = data.decode("utf-8")
    assert text.startswith("\ufeffområde;kod;år;kön;värde;enhet;täckning")
    # as shown on screen: format_number(4.25, 1) == "4,2" (the screen's rounding)
    assert format_number(4.25, 1) == "4,2"
    assert f"Värend;group:varend;2021;Totalt;4,2;%;2 av 3 kommuner;;{ind.area_method};N31807" \
        in text
    assert "Värend;group:varend;2022;Totalt;;%;1 av 3 kommuner;undanhållet" in text
    assert "2026-11-25" in text


# --- weights --------------------------------------------------------------------------------

def _handmade_population():
    """Hand-made single-year population for two kommuner (not real data)."""
    rows = [(k, y, "T", age, n) for k, n in (("0001", 10.0), ("0002", 30.0))
            for y in (2021, 2022, 2023) for age in range(80)]
    return pd.DataFrame(rows, columns=["kommun_code", "year", "sex", "age", "population"])\
        .assign(table_id="TAB638")


def test_exact_scb_band_replaces_the_proxy_when_it_covers_every_year():
    from transforms.weights import resolve_weights

    spec = {"scb_ages": [{"from": 1994, "ages": [18, 64]}, {"from": 2023, "ages": [18, 65]}]}
    w = resolve_weights(spec, ["N01954"], "befolkningen 16–64 år", False,
                        observations=pd.DataFrame(columns=["indicator_id", "kommun_code",
                                                           "year", "sex", "value"]),
                        years={2022, 2023}, scb_population=_handmade_population())
    assert w.exact and w.source == "SCB TAB638"
    got = w.frame.set_index(["kommun_code", "year"])["weight"]
    assert got[("0001", 2022)] == 47 * 10.0  # ages 18..64
    assert got[("0001", 2023)] == 48 * 10.0  # ages 18..65 from 2023
    assert w.label == "befolkningen i nyckeltalets åldersgrupp"


def test_population_of_31_december_the_year_before_weighs_year_t():
    from transforms.weights import resolve_weights

    spec = {"scb_ages": [{"from": 1994, "ages": [16, 24]}], "weight_year": "previous"}
    w = resolve_weights(spec, [], "x", False, observations=pd.DataFrame(), years={2022, 2023},
                        scb_population=_handmade_population())
    assert sorted(w.frame["year"].unique()) == [2022, 2023, 2024]
    assert w.label == "befolkningen 16–24 år"


def test_the_proxy_is_kept_when_scb_does_not_cover_every_year():
    from transforms.weights import resolve_weights

    obs = pd.DataFrame({"indicator_id": "N01954", "kommun_code": ["0001"], "year": [2010],
                        "sex": ["T"], "value": [5.0]})
    spec = {"scb_ages": [{"from": 1994, "ages": [16, 24]}]}
    w = resolve_weights(spec, ["N01954"], "befolkningen 16–64 år", False, obs, years={2010, 2022},
                        scb_population=_handmade_population())
    assert not w.exact and w.source == "Kolada N01954" and w.label == "befolkningen 16–64 år"


def _recorded_population_by_age_group() -> pd.DataFrame:
    """The smallest real frame in the shape of SCB's single-age population: no recording in
    ../shared/data has kommun population by single year of age (TAB638 is stored as metadata
    only; the raw mirror has none), so SCB's recorded TAB6471 (population by län and ten-year
    age group, January 2026) stands in: each län as a 'kommun', each group at its first age,
    2026 as the year."""
    from tests.scb_recorded import RECORDED

    dims = RECORDED["dimension"]
    index = pd.MultiIndex.from_product([list(dims[d]["category"]["index"])
                                        for d in RECORDED["id"]], names=RECORDED["id"])
    df = pd.DataFrame({"population": RECORDED["value"]}, index=index).reset_index()
    df = df[df["Tid"] == "2026M01"]
    return pd.DataFrame({
        "kommun_code": df["Region"].astype(str), "year": 2026,
        "sex": df["Kon"].map({"TotSa": "T", "1": "M", "2": "K"}),
        "age": df["Alder"].str.extract(r"^(\d+)")[0].astype(int),
        "population": df["population"].astype(float), "table_id": "TAB6471"})


def test_indicators_weighted_by_the_same_scb_band_share_one_frame():
    """With SCB's single-age population, each distinct exact band (its ages and weight year)
    is one frame shared by every indicator weighted by it, so the build stores it as one
    series (five of the twelve scb_ages indicators weigh by 18–64); each is the band's own
    population as computed for that indicator alone."""
    from transforms.weights import resolve_weights

    population = _recorded_population_by_age_group()
    specs = {i: s for i, s in load_catalogue()["indicators"].items() if s.get("scb_ages")}
    assert len(specs) == 12
    cache: dict = {}
    frames = {}
    for indicator_id, spec in specs.items():
        years = {2027} if spec.get("weight_year") == "previous" else {2026}
        shared = resolve_weights(spec, ["N01954"], "x", False, pd.DataFrame(), years,
                                 population, cache)
        alone = resolve_weights(spec, ["N01954"], "x", False, pd.DataFrame(), years,
                                population)
        assert shared.exact and shared.source == "SCB TAB6471", indicator_id
        pd.testing.assert_frame_equal(shared.frame, alone.frame, check_exact=True)
        frames[indicator_id] = shared.frame
    assert len({id(f) for f in frames.values()}) == 8
    adults = [i for i, s in specs.items()
              if s["scb_ages"] == [{"from": 1994, "ages": [18, 64]}] and not s.get("weight_year")]
    assert len(adults) == 5 and len({id(frames[i]) for i in adults}) == 1
    # Stockholms län (01), both sexes, 2026: the groups from 20 to 60 (18–64 read at each
    # group's first age)
    weights = frames[adults[0]].set_index(["kommun_code", "sex"])["weight"]
    rows = population[(population["kommun_code"] == "01") & (population["sex"] == "T")]
    assert weights[("01", "T")] == rows.loc[rows["age"].between(18, 64), "population"].sum()
    assert 1_000_000 < weights[("01", "T")] < 2_000_000
    # N03920's 18–64 turns 18–65 from 2023: another band, another frame
    assert frames["N03920"] is not frames[adults[0]]


def test_long_term_assistance_of_adults_weighs_by_the_adults_when_scb_has_them():
    """walk26/walkfixb26: N31816 is by Kolada's definition a share of the inhabitants 18 år
    och äldre. With SCB's single ages its weight is that population ('100+' read as 100),
    labelled so; without them the total (N01951), the closest Kolada population, which the
    chart calls the closest in the data (not exact)."""
    from transforms.weights import resolve_weights

    spec = load_catalogue()["indicators"]["N31816"]
    assert spec["weight"] == "pop_total" and not spec.get("exact")
    population = _recorded_population_by_age_group()  # SCB TAB6471, län × ten-year groups
    w = resolve_weights(spec, ["N01951"], "befolkningen", False, pd.DataFrame(), {2026},
                        population)
    assert w.exact and w.label == "befolkningen 18 år och äldre"
    got = w.frame.set_index(["kommun_code", "sex"])["weight"]
    rows = population[(population["kommun_code"] == "07") & (population["sex"] == "T")]
    adults = rows.loc[rows["age"] >= 18, "population"].sum()  # groups 20-29 … 100+
    assert got[("07", "T")] == adults
    assert 0.7 * rows["population"].sum() < adults < rows["population"].sum()
    assert rows["age"].max() == 100  # '100+10' is in the band


def test_the_sources_own_lan_and_riket_rows_are_kept_apart_from_kommuner():
    from warehouse.build import _observations

    staged = stage_values([{"values": [
        {"kpi": "N03920", "municipality": mid, "period": 2022,
         "values": [{"gender": "T", "value": v, "status": "", "count": 1}]}
        for mid, v in (("0780", 5.97), ("0007", 6.2), ("0000", 5.6))]}])
    obs, own = _observations(staged, {"0780"})
    assert obs["kommun_code"].tolist() == ["0780"]
    assert dict(zip(own["area_id"], own["value"], strict=True)) == {"lan:07": 6.2, "riket": 5.6}


def test_population_download_sums_regions_youngest_first_in_whole_numbers():
    """Hand-made: two län, two age groups, one month; Riket's rows are their sums."""
    from transforms.catalogue import Indicator
    from transforms.export import population_frame, to_excel_csv

    ind = Indicator(id="TAB6471", label="Folkmängd", unit="count", short_unit="antal",
                    decimals=0, groups=("befolkning",), aggregation="sum", source="SCB",
                    fetched_at="2026-11-30T10:00:00+00:00", frequency="month")
    month = pd.Timestamp("2026-01-01")
    df = pd.DataFrame([
        ("07", "10-19", "10-19 år", "T", month, 100.0), ("07", "0-9", "0-9 år", "T", month, 50.0),
        ("20", "10-19", "10-19 år", "T", month, 7.0), ("20", "0-9", "0-9 år", "T", month, 3.0),
        ("07", "100+10", "100+ år", "K", month, 2.0)],
        columns=["region_code", "age_code", "age_label", "sex", "period", "population"])
    out = population_frame(df, "Riket", ind)
    assert out[["kön", "åldersgrupp"]].values.tolist() == [
        ["Totalt", "0-9 år"], ["Totalt", "10-19 år"], ["Kvinnor", "100+ år"]]
    assert out["värde"].tolist() == [53, 107, 2]
    text = to_excel_csv(out).decode("utf-8-sig")
    assert "Riket;2026-01;Totalt;0-9 år;53;antal;SCB, tabell TAB6471;2026-11-30" in text
