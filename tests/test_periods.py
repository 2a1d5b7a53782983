"""transforms/periods.py on hand-made series (annual: year; monthly: period)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms import periods
from transforms.periods import Period

ANNUAL = pd.DataFrame({"year": [2018, 2019, 2020, 2021], "value": [1.0, 2.0, None, 4.0]})
MONTHLY = pd.DataFrame({  # hand-made; periods as dates, as the marts store them
    "period": [dt.date(2020, m, 1) for m in (1, 2, 3)] + [dt.date(2021, m, 1) for m in (1, 2, 3)],
    "value": [7.0, 7.1, 7.2, 8.0, 8.1, 8.2]})


def test_parse_and_print():
    assert Period.parse("2015") == Period(2015) and str(Period(2015)) == "2015"
    assert Period.parse("2020-03") == Period(2020, 3) and str(Period(2020, 3)) == "2020-03"
    assert Period(2020, 3).label() == "mars 2020"
    for bad in ("15", "2020-13", "2020-3", "1800", "2020-03-01", ""):
        assert not periods.is_period(bad)


def test_clip_annual_by_years_and_by_months():
    assert periods.clip(ANNUAL, "2019", "2020")["year"].tolist() == [2019, 2020]
    assert periods.clip(ANNUAL, "2019-06", None)["year"].tolist() == [2019, 2020, 2021]
    assert periods.clip(ANNUAL, None, None) is ANNUAL


def test_clip_monthly_by_months_and_by_years():
    assert len(periods.clip(MONTHLY, "2020-02", "2021-01")) == 3
    assert len(periods.clip(MONTHLY, "2021", None)) == 3
    texts = MONTHLY.assign(period=MONTHLY["period"].astype(str).str[:7])
    assert len(periods.clip(texts, None, "2020")) == 3


def test_latest_and_previous_year_skips_missing_values():
    latest, previous = periods.latest_and_previous(ANNUAL)
    assert latest["year"] == 2021 and previous is None  # 2020 has no value
    latest, previous = periods.latest_and_previous(ANNUAL[ANNUAL["year"] < 2021])
    assert (latest["year"], previous["year"]) == (2019, 2018)


def test_latest_and_previous_on_unsorted_rows_without_a_year_or_a_value():
    """Rows in any order, repeated index labels, a value without a year (nullable Int64), a
    suppressed row (a status, no value): the latest dated value and the one a year before."""
    df = pd.DataFrame({"year": pd.array([2021, None, 2019, 2022, 2020], dtype="Int64"),
                       "value": [4.0, 9.0, 2.0, None, 3.0],
                       "status": [None, None, None, "suppressed", None]},
                      index=[0, 0, 1, 1, 2])
    latest, previous = periods.latest_and_previous(df)
    assert (latest["year"], latest["value"]) == (2021, 4.0)
    assert (previous["year"], previous["value"]) == (2020, 3.0)
    undated = df.assign(year=pd.array([None] * 5, dtype="Int64"))
    assert periods.latest_and_previous(undated) is None


def test_latest_and_previous_month_is_the_same_month_a_year_earlier():
    latest, previous = periods.latest_and_previous(MONTHLY)
    assert latest["value"] == 8.2 and previous["value"] == 7.2


def test_span_and_options():
    assert periods.span([ANNUAL]) == ("2018", "2021")
    assert periods.span([MONTHLY]) == ("2020-01", "2021-03")
    assert periods.options("2019", "2021", "year") == ["2019", "2020", "2021"]
    assert periods.options("2020-11", "2021-02", "month") == [
        "2020-11", "2020-12", "2021-01", "2021-02"]
    assert periods.options("2020", "2020", "month")[::11] == ["2020-01", "2020-12"]


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2015", "2015", True), ("2016", "2015", False), ("2015-12", "2015", True),
    ("2016-01", "2015", False), (None, "2015", True)])
def test_ordered(start, end, expected):
    assert periods.ordered(start, end) is expected
