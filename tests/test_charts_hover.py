"""A line chart's hover texts and flag markers, read column by column (issue 9 point 8: the
row-by-row walk was a sixth of a chart's build), say what the row-by-row reference says for
real series with every kind of flag: a group of kommuner with a kommun formed in 2003
(partial years), Riket and a kommun (no flags), SCB's monthly BAS for Falun (preliminary
months) and Riket (withheld: 15 kommuner in the mirror), and a hand-made lower bound and
masked month."""

from __future__ import annotations

import pandas as pd
import pytest

import charts
from transforms import periods
from transforms.formatting import format_value
from warehouse import queries


def _reference(line: charts.Line, ind) -> list[str]:
    """The hover texts as the chart built them before, one ``itertuples`` row at a time."""
    texts = []
    x = charts._x(line.data)
    freq = "year" if x == "year" else "month"
    for row in line.data.itertuples():
        bound = "minst " if charts._flag(row, "is_lower_bound", False) else ""
        text = (f"<b>{line.name}</b><br>{periods.label(getattr(row, x), freq)}: {bound}"
                f"{format_value(row.value, ind.decimals, ind.short_unit)}")
        why = charts.flag_text(row, ind)
        if why:
            text += f"<br><i>{why}</i>"
        texts.append(text)
    return texts


def _series(warehouse) -> list[tuple[object, pd.DataFrame]]:
    knivsta = queries.Area("group:k", "group", "Knivsta och Uppsala", ("0330", "0380"))
    out = []
    for indicator_id in ("N03920", "N31807", "N00960"):
        ind = queries.indicator(warehouse, indicator_id)
        for area in (knivsta, queries.area(warehouse, "riket"),
                     queries.area(warehouse, "kommun:0780")):
            out.append((ind, queries.area_series(warehouse, ind, area, "T")))
    bas = queries.indicator(warehouse, "bas_arbetsloshet")
    for area_id in ("kommun:2080", "riket"):  # preliminary months; Riket withheld (15 kommuner)
        out.append((bas, queries.area_series(warehouse, bas, queries.area(warehouse, area_id))))
    return out


def test_hover_texts_and_flags_are_the_row_by_row_ones(warehouse):
    seen, said = set(), ""
    for ind, df in _series(warehouse):
        line = charts.Line("Området", df, "focus")
        texts = charts._hover(line, ind)
        assert texts == _reference(line, ind)
        said += " ".join(texts)
        flagged = charts._flagged(df)
        seen |= set(flagged)
        valued = df[df["value"].notna()]
        if "status" in df:
            partial = valued[valued["status"] == "partial"]
            # a sum's partial year is a lower bound, ringed under its own words (walk26b 7)
            marked = sum(len(flagged.get(k, partial.iloc[0:0]))
                         for k in ("partial", "partial_lower"))
            assert marked == len(partial)
    assert "partial" in seen  # real flags were met, not only plain rows
    assert all(w in said for w in ("bygger på", "preliminärt värde",
                                   ("inget värde: bygger bara på 15 av 290 kommuner (under "
                                   "hälften av kommunerna rapporterar)")))


def test_a_lower_bound_and_a_masked_month_are_explained(warehouse):
    bas = queries.indicator(warehouse, "bas_arbetsloshet")
    df = pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03"], "value": [4.0, None, 2.5],
                       "status": [None, "masked", None], "n_expected": [1, 1, 1],
                       "n_reporting": [1, 0, 1], "is_preliminary": [False, False, None],
                       "is_lower_bound": [True, False, None]})
    line = charts.Line("Falun", df, "focus")
    texts = charts._hover(line, bas)
    assert texts == _reference(line, bas)
    assert "minst 4,0" in texts[0] and "nedre gräns" in texts[0]
    assert "&lt;5" not in texts[1] and "färre än 5" in texts[1]
    assert "<i>" not in texts[2]
    assert list(charts._flagged(df)) == ["lower"]
    assert list(charts._missing_marks(df)["period"]) == ["2026-02"]


@pytest.mark.parametrize("status", [None, "partial"])
def test_a_series_without_values_has_no_marks(status):
    df = pd.DataFrame({"year": [2020, 2021], "value": [None, None], "status": [status, status]})
    assert charts._flagged(df) == {}
    assert charts._missing_marks(df).empty


def test_a_yearly_chart_s_axis_holds_only_the_years_drawn(warehouse):
    """walk27b: on a phone N02797's chart (Riket, 2008–2022 in the mirror) had ticks for
    2007 and 2023, years without data: the x axis is held to the years drawn, under half a
    year each side, so every integer tick in it is a year of the series."""
    import math

    ind = queries.indicator(warehouse, "N02797")
    df = queries.area_series(warehouse, ind, queries.area(warehouse, "riket"))
    df = df[df["value"].notna()]
    first, last = int(df["year"].min()), int(df["year"].max())
    fig = charts.time_series([charts.Line("Riket", df)], ind, title="N02797")
    low, high = fig.layout.xaxis.range
    assert low < first and high > last
    assert list(range(math.ceil(low), math.floor(high) + 1)) == list(range(first, last + 1))
