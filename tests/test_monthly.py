"""Monthly rules on HAND-MADE frames: the pension-age band per month, 16–24 as a sum of bands,
the monthly aggregation's coverage, the latest month against a year earlier. (The recorded
TAB6260 holds 20–64 only, so a band change cannot be shown on it: see test_bas.py.)"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from transforms import monthly
from transforms.areas import aggregate
from transforms.catalogue import monthly_marts


def _choice(option: str) -> monthly.Choice:
    return monthly.choose(monthly_marts()["bas"], {"age": option})["age"]


def _rows(spec: list[tuple[str, date, str, float, float]]) -> pd.DataFrame:
    """HANDMADE kommun rows: kommun, month, age band, unemployed, labour force."""
    return pd.DataFrame([{"kommun_code": k, "period": p, "age": a, "birth_region": "tot",
                          "numerator": u, "denominator": lf, "kommun_value": 100 * u / lf,
                          "is_preliminary": True, "table_id": "TAB6260",
                          "source_updated": "x"} for k, p, a, u, lf in spec])


def test_the_working_age_band_follows_the_pension_age_where_the_data_have_it():
    dec, jan, jan26 = date(2022, 12, 1), date(2023, 1, 1), date(2026, 1, 1)
    rows = _rows([("2080", dec, "20-64", 10, 100), ("2080", jan, "20-64", 11, 100),
                  ("2080", jan, "20-65", 12, 110), ("2080", jan26, "20-65", 13, 110)])
    choice = _choice("20-pension")
    available = rows[["period", "age"]].rename(columns={"age": "code"})
    assert monthly.scheduled(choice, dec) == "20-64"
    assert monthly.scheduled(choice, jan) == "20-65" and monthly.scheduled(choice, jan26) == "20-66"
    used = monthly.bands_by_month(choice, available)
    # 2026-01: 20-66 is missing, the nearest band that exists (20-65) stands in
    assert used == {dec: "20-64", jan: "20-65", jan26: "20-65"}
    picked = monthly.apply(rows, choice, available)
    assert picked["numerator"].tolist() == [10, 12, 13]
    series = pd.DataFrame({"period": [dec, jan, jan26], "value": [10.0, 10.9, 11.8],
                           "band": ["20-64", "20-65", "20-65"]})
    breaks = monthly.band_breaks(series, choice)
    assert breaks == [(jan, "20–65 år från januari 2023 (pensionsåldern höjdes till 66 år)")]
    note = monthly.band_note(series, choice)
    assert note.startswith("SCB redovisar 20–66 år från januari 2026")


def test_a_fixed_band_is_held_whatever_the_schedule():
    rows = _rows([("2080", date(2023, 1, 1), "20-64", 11, 100),
                  ("2080", date(2023, 1, 1), "20-65", 12, 110)])
    picked = monthly.apply(rows, _choice("20-64"), pd.DataFrame(columns=["period", "code"]))
    assert picked["numerator"].tolist() == [11]


def test_16_24_is_the_sum_of_16_19_and_20_24_and_needs_both():
    m = date(2026, 4, 1)
    rows = _rows([("2080", m, "16-19", 5, 50), ("2080", m, "20-24", 20, 400),
                  ("2081", m, "16-19", 7, 70)])  # Borlänge lacks 20-24: no 16-24 value
    out = monthly.apply(rows, _choice("16-24"), pd.DataFrame(columns=["period", "code"]))
    assert out[["kommun_code", "numerator", "denominator", "age"]].values.tolist() == [
        ["2080", 25, 450, "16-24"]]
    assert np.isnan(out["kommun_value"].iloc[0])  # no published 16–24 rate: computed


def test_unknown_options_are_refused_in_swedish():
    with pytest.raises(monthly.DimensionError, match="okänt val ”17-99” för ålder"):
        _choice("17-99")
    with pytest.raises(monthly.DimensionError, match="ingen indelning efter utbildning"):
        monthly.choose(monthly_marts()["bas"], {"utbildning": "x"}, indicator_id="bas_x")


def test_monthly_ratio_aggregation_keeps_the_annual_coverage_rules():
    months = [date(2026, 3, 1), date(2026, 4, 1)]
    values = pd.DataFrame({"kommun_code": ["a", "b", "c", "a"], "period": [months[0]] * 3
                           + [months[1]], "sex": "T", "numerator": [10, 30, 60, 12],
                           "denominator": [100, 200, 300, 100]})
    members = pd.DataFrame({"area_id": "g", "kommun_code": ["a", "b", "c"]})
    out = aggregate(values, members, rule="ratio", scale=100, time="period",
                    first_year=pd.Series(dtype=float)).set_index("period")
    assert out.loc[months[0], "value"] == pytest.approx(100 * 100 / 600)  # not mean(10,15,20)
    assert out.loc[months[0], "status"] is None
    assert np.isnan(out.loc[months[1], "value"])  # 1 of 3 kommuner: below half, withheld
    assert (out.loc[months[1], "status"], out.loc[months[1], "n_reporting"]) == ("withheld", 1)


def test_a_hidden_count_makes_the_area_a_lower_bound_never_0_or_5():
    # HANDMADE: kommun b's count is shown as "<5" by the source (masked, no number)
    aug = date(2026, 8, 1)
    values = pd.DataFrame({"kommun_code": ["a", "b", "c"], "period": aug, "sex": "T",
                           "numerator": [10.0, np.nan, 60.0], "masked": [False, True, False],
                           "denominator": [100.0, 80.0, 300.0]})
    members = pd.DataFrame({"area_id": "g", "kommun_code": ["a", "b", "c"]})
    out = aggregate(values, members, rule="ratio", scale=100, time="period",
                    first_year=pd.Series(dtype=float)).iloc[0]
    # b reports (its denominator is there) and adds 0, the least "<5" can be
    assert (out["n_reporting"], out["status"]) == (3, None)
    assert out["numerator"] == 70 and out["denominator"] == 480
    assert out["value"] == pytest.approx(100 * 70 / 480)
    assert out["is_lower_bound"] and out["n_masked"] == 1
    counts = aggregate(values.drop(columns="denominator").rename(columns={"numerator": "value"}),
                       members, rule="sum", time="period", first_year=pd.Series(dtype=float))
    assert counts.iloc[0]["value"] == 70 and counts.iloc[0]["is_lower_bound"]
    exact = aggregate(values[values["kommun_code"] != "b"], members.iloc[[0, 2]], rule="ratio",
                      scale=100, time="period", first_year=pd.Series(dtype=float)).iloc[0]
    assert not exact["is_lower_bound"] and exact["value"] == pytest.approx(100 * 70 / 400)


def test_rows_with_unknown_kommun_add_to_the_area_but_never_count_as_members():
    # HANDMADE: "Uppgift saknas" rows of the area (extra); one month's count cannot be formed
    jul, aug = date(2026, 7, 1), date(2026, 8, 1)
    values = pd.DataFrame({"kommun_code": ["a", "b", "a", "b"], "period": [jul, jul, aug, aug],
                           "sex": "T", "numerator": [10.0, 20.0, 11.0, 21.0],
                           "denominator": [100.0, 200.0, 100.0, 200.0]})
    members = pd.DataFrame({"area_id": "lan", "kommun_code": ["a", "b"]})
    extra = pd.DataFrame({"area_id": "lan", "period": [jul, aug], "sex": "T",
                          "value": [3.0, np.nan]})
    out = aggregate(values, members, rule="ratio", scale=100, time="period",
                    first_year=pd.Series(dtype=float), extra=extra).set_index("period")
    assert out.loc[jul, "numerator"] == 33 and out.loc[jul, "denominator"] == 300
    assert out.loc[jul, "value"] == pytest.approx(11.0) and not out.loc[jul, "is_lower_bound"]
    assert (out.loc[jul, "n_reporting"], out.loc[jul, "n_expected"]) == (2, 2)
    assert out.loc[aug, "numerator"] == 32 and out.loc[aug, "is_lower_bound"]


def test_latest_month_against_the_same_month_a_year_earlier():
    series = pd.DataFrame({"period": [date(2025, 4, 1), date(2026, 3, 1), date(2026, 4, 1),
                                      date(2026, 5, 1)],
                           "value": [4.0, 3.8, 3.5, np.nan], "is_preliminary": True,
                           "band": "20-64"})
    latest = monthly.latest_with_year_before(series)
    assert latest["period"] == date(2026, 4, 1) and latest["value"] == 3.5
    assert latest["value_year_before"] == 4.0 and latest["change"] == pytest.approx(-0.5)
    assert monthly.latest_with_year_before(series.assign(value=np.nan)) is None


def test_sql_identifiers_from_the_catalogue_are_checked_before_they_reach_sql():
    from transforms.duck import sql_identifier

    assert sql_identifier("marts.bas_kommun_monthly", "age_code") == \
        "marts.bas_kommun_monthly, age_code"
    for bad in ("age_code; drop table x", "Age", "a.b.c", "", "x'--"):
        with pytest.raises(ValueError, match="not an identifier"):
            sql_identifier(bad)


@pytest.mark.parametrize("bounds", [[False, False, True, False], [True, False, False, False]])
def test_no_change_between_lower_bounds(bounds):
    """A sum with a hidden "<5" count is at least its value: against the year before (or with
    the year before such a sum) its difference is no number, so there is no change to show."""
    series = pd.DataFrame({"period": [date(2025, 4, 1), date(2026, 3, 1), date(2026, 4, 1),
                                      date(2026, 5, 1)],
                           "value": [4.0, 3.8, 3.5, np.nan], "is_lower_bound": bounds})
    latest = monthly.latest_with_year_before(series)
    assert latest["value_year_before"] == 4.0 and latest["change"] is None
    assert (latest["is_lower_bound"], latest["year_before_lower_bound"]) == (bounds[2], bounds[0])
    plain = monthly.latest_with_year_before(series.assign(is_lower_bound=False))
    assert plain["change"] == pytest.approx(-0.5)
