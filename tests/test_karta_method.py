"""Karta's downloads say how each value was made (stop 28): a monthly kommun value the app
computed (``is_computed``, as ``monthly_series`` flags it) said "kommunens värde från
källan" in the map's CSV and Excel, where every other download says how it was computed;
the area layers (län, LA, FA) say the indicator's area rule from the map's own table."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_review27_downloads import (  # noqa: F401 - the fixture, by name
    KOMMUN_OWN,
    _bas,
    _offered,
    _sheets,
    borlange_rate_unpublished,
)

COMPUTED = ("kommunens värde beräknat från källans antal: summa arbetslösa / summa "
            "arbetskraften (sysselsatta och arbetslösa)")


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


@pytest.mark.usefixtures("borlange_rate_unpublished")
@pytest.mark.parametrize("omrade", [None, "lan:20"])
def test_a_map_s_kommun_value_computed_from_counts_says_so(shared, monkeypatch, omrade):
    """SCB BAS April 2026 with SCB's own rate of Borlänge removed (its counts kept): the map
    draws 100 × arbetslösa / arbetskraften from the recorded counts, and its CSV and Excel
    row says so; Falun's published rate stays "från källan". The same on the map of
    Dalarnas län's kommuner (an area's members)."""
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    params = {"sida": "karta", "kommun": "2081", "indikator": "bas_arbetsloshet",
              "till": "2026-04", **({"omrade": omrade} if omrade else {})}
    at = _app(**params).run()
    assert not at.exception
    table = offered["dl-karta"]
    assert table.indicators[0].kommun_method() == COMPUTED
    rows, cells = _sheets(table)
    for shown in (rows, cells):
        by_code = {str(r["kod"]): r for r in shown}
        assert by_code["2081"]["metod"] == COMPUTED
        assert by_code["2080"]["metod"] == KOMMUN_OWN
        valued = {c for c in by_code if not pd.isna(by_code[c]["värde"])
                  and by_code[c]["värde"] != ""}
        assert len(valued) == 15
        assert {by_code[c]["metod"] for c in valued - {"2081"}} == {KOMMUN_OWN}
        # a row without a value claims no method (review28)
        assert {by_code[c]["metod"] or "" for c in set(by_code) - valued} <= {""}
    by_code = {r["kod"]: r for r in rows}
    computed = 100 * _bas(shared, "2081", "000004YH", "2026M04") / _bas(
        shared, "2081", "000006IU", "2026M04")
    assert by_code["2081"]["värde"] == _decimal(computed)
    assert by_code["2080"]["värde"] == _decimal(_bas(shared, "2080", "000006II", "2026M04"))
    assert len(rows) == (15 if omrade else 290)


def test_a_map_of_the_source_s_own_values_says_from_the_source(warehouse, shared):
    """The session warehouse as built: every one of Dalarna's 15 BAS values in April 2026 is
    SCB's own rate (none flagged computed), and a yearly Kolada map's never is."""
    from warehouse import queries

    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    values = queries.map_kommun_values(warehouse, ind, "2026-04")
    valued = values.dropna(subset=["value"]).set_index("kommun_code")
    assert len(valued) == 15 and not values["is_computed"].any()
    assert valued.loc["2080", "value"] == pytest.approx(
        _bas(shared, "2080", "000006II", "2026M04"))
    yearly = queries.map_kommun_values(warehouse, queries.indicator(warehouse, "N03920"), "2022")
    assert len(yearly) == 290 and not yearly["is_computed"].any()


def test_an_option_summed_from_the_source_s_bands_flags_every_kommun(warehouse, monkeypatch):
    """16–24 år is SCB's 16–19 plus 20–24, never published: every kommun row of such a map
    is computed, and its ``metod`` names the two bands (the mirror holds 20–64 only, so the
    map of 16–24 has no values; the flag and the words do not depend on them)."""
    from transforms import monthly
    from transforms.catalogue import monthly_marts
    from transforms.export import summed_parts
    from ui import analysis
    from ui.pages.karta import map_table
    from warehouse import queries

    age = monthly_marts()["bas"]["dimensions"]["age"]
    monkeypatch.setitem(age, "default", "16-24")  # the map's option (restored after)
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    values = queries.map_kommun_values(warehouse, ind, "2026-04")
    assert len(values) == 290 and values["is_computed"].all()
    young = monthly.choose(monthly_marts()["bas"], {})
    shown = analysis.with_places(values.assign(area_id="kommun:" + values["kommun_code"],
                                               area_name=values["kommun_name"]), ind.better)
    table = map_table(shown, ind, "T", parts=summed_parts(young))
    # no values for 16–24 in the mirror: a row without a value claims no method (review28)
    assert table["värde"].isna().all() and set(table["metod"]) == {""}
    from transforms.export import row_method

    assert row_method(ind, "kommun:2080", computed=True, parts=summed_parts(young)) == (
        "kommunens värde beräknat från källans grupper 16–19 år och 20–24 år: summa "
        "arbetslösa / summa arbetskraften (sysselsatta och arbetslösa)")


@pytest.mark.parametrize("layer", ["lan", "la", "fa"])
@pytest.mark.parametrize(("indicator_id", "period"), [("bas_arbetsloshet", "2026-04"),
                                                      ("N03920", "2022")])
def test_an_area_layer_s_rows_say_the_area_rule(app_env, warehouse, layer, indicator_id,
                                                period):
    """Län, LA and FA layers: each row's ``metod`` is the indicator's area rule, in the map's
    own table (the download used to guess it from the code's shape), monthly and yearly."""
    from exports.tables import TableExport, data_sheet
    from ui.pages.karta import map_table, map_values
    from warehouse import queries

    ind = queries.indicator(warehouse, indicator_id)
    riket = queries.area(warehouse, "riket")

    class _Sel:
        area = riket

    values, scope = map_values(_Sel(), ind, period, "T", layer)
    table = map_table(values, ind, "T", scope=scope)
    assert len(table) in (21, 60) or table["kod"].str.startswith("la:").all()
    valued = table["värde"].notna()
    assert valued.any() and set(table.loc[valued, "metod"]) == {ind.area_method}
    assert set(table.loc[~valued, "metod"]) <= {""}  # no value, no method (review28)
    assert ind.area_method.startswith("beräknat från kommunerna")
    sheet = data_sheet(TableExport(table, [ind], riket.name, riket.area_id))
    assert list(sheet["metod"]) == list(table["metod"])
    assert list(sheet.columns).index("metod") == list(sheet.columns).index("nyckeltal") - 1
