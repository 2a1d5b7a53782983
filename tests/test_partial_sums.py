"""An area's number that looks complete when it is not (review26, numfix26).

1. A sum of counts over fewer kommuner than the area has is a lower bound ("minst …", with how
   many of how many) wherever it is shown, and its change is counted over the same kommuner
   in both periods or withheld. Real Kolada values: Nynäshamn (0192) has no biståndshushåll
   for 2022, so Stockholms län's 26 589 is 25 of 26 kommuner; against 2021 the card said
   −4 104 where the same 25 kommuner fell by 3 651.
2. A kommun's newest month that Arbetsförmedlingen hides as "<5" is that month on the card,
   said so, not the month before's value (HAND-MADE workbooks, tests/af_workbooks.py: no real
   AF file exists here).
3. The map, its list and its download keep the lower bound.
Shares over the reporting kommuner (weighted) are estimates labelled "n av m", not bounds.
"""

from __future__ import annotations

import json

import charts_map
from transforms.areas import coverage_label
from transforms.export import to_excel_csv
from warehouse import queries

STOCKHOLM, SKANE, NYNASHAMN = "lan:01", "lan:12", "0192"


def _kolada(shared, kpi: str) -> dict[tuple[str, int], float]:
    """(kommun, year) -> the mirror's value for kön totalt (read in place)."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {(e["municipality"], int(e["period"])): v["value"] for e in body["values"]
            for v in e["values"] if v["gender"] == "T" and v["value"] is not None}


def _kommuner(shared, lan: str) -> list[str]:
    body = json.loads((shared / "kolada_v3/municipality.json").read_bytes())
    rows = body["values"] if isinstance(body, dict) else body
    return sorted(m["id"] for m in rows if m.get("type") == "K" and m["id"][:2] == lan)


def _same_members_change(values: dict, members: list[str], year: int) -> tuple[float, int]:
    both = [k for k in members if (k, year) in values and (k, year - 1) in values]
    return sum(values[(k, year)] - values[(k, year - 1)] for k in both), len(both)


def test_a_sum_with_a_kommun_missing_is_at_least_its_value(warehouse, shared):
    values = _kolada(shared, "N31910")
    members = _kommuner(shared, "01")
    assert len(members) == 26 and (NYNASHAMN, 2022) not in values
    assert (NYNASHAMN, 2021) in values and values[(NYNASHAMN, 2021)] == 453
    ind = queries.indicator(warehouse, "N31910")
    lan = queries.area(warehouse, STOCKHOLM)
    series = queries.area_series(warehouse, ind, lan).set_index("year")
    row = series.loc[2022]
    assert row["value"] == sum(values[(k, 2022)] for k in members if (k, 2022) in values)
    assert row["value"] == 26_589 and (row["n_reporting"], row["n_expected"]) == (25, 26)
    assert row["is_lower_bound"] and not series.loc[2021, "is_lower_bound"]
    assert series.loc[2019, "is_lower_bound"] and series.loc[2019, "n_reporting"] == 17
    # the pages' batch read says the same
    many = queries.area_series_many(warehouse, [ind], lan)["N31910"].set_index("year")
    assert many.loc[2022, "is_lower_bound"] and not many.loc[2021, "is_lower_bound"]
    # a user group of the same kommuner: the same
    group = queries.Area("group:sthlm", "group", "Stockholms kommuner", tuple(members))
    mine = queries.area_series(warehouse, ind, group).set_index("year")
    assert mine.loc[2022, "value"] == 26_589 and mine.loc[2022, "is_lower_bound"]
    # a share over the reporting kommuner is an estimate with its coverage, not a bound
    share = queries.indicator(warehouse, "N31807")
    weighted = queries.area_series(warehouse, share, lan).set_index("year")
    assert weighted.loc[2022, "status"] == "partial" and "is_lower_bound" not in weighted
    assert coverage_label(*weighted.loc[2022, ["n_reporting", "n_expected"]].astype(int)) \
        == "25 av 26 kommuner"


def test_the_map_keeps_the_lower_bound(warehouse, shared):
    from ui.pages.karta import map_table

    ind = queries.indicator(warehouse, "N31910")
    values = queries.area_values(warehouse, ind, "lan", "2022")
    at = values.set_index("area_id")
    assert at.loc[STOCKHOLM, "value"] == 26_589 and at.loc[STOCKHOLM, "is_lower_bound"]
    uppsala = _kolada(shared, "N31910")
    assert at.loc["lan:03", "value"] == sum(v for (k, y), v in uppsala.items()
                                            if k[:2] == "03" and y == 2022)
    assert not at.loc["lan:03", "is_lower_bound"]
    hover = dict(zip(values["area_id"], charts_map.hover_texts(values, ind), strict=True))
    assert hover[STOCKHOLM].endswith("minst 26\u00a0589 (nedre gräns: bara 25 av 26 kommuner "
                                     "har värden)")
    assert "minst" not in hover["lan:03"]
    table = map_table(values.assign(place=1), ind, "T")
    rows = table.set_index("kod")
    assert rows.loc["01", "anmärkning"] == "nedre gräns" and rows.loc["03", "anmärkning"] == ""
    assert rows.loc["01", "täckning"] == "25 av 26 kommuner"
    csv = to_excel_csv(table).decode("utf-8-sig")
    assert "Stockholms län;01;2022;Totalt;26589;1;antal;25 av 26 kommuner;nedre gräns" in csv
