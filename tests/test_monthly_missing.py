"""monthly_series answers "no data yet" (an empty frame) only when the indicator's mart is
missing, as it is before its source was first fetched; any other missing table or column is a
defect and is raised, not shown as an empty chart (a missing column was always raised: it is a
BinderException). On copies of the session warehouse built from the real files in
../shared/data."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from warehouse import queries


@pytest.fixture
def copy(built, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(built["warehouse"], path)
    return path


def _series(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        ind = queries.indicator(con, "bas_arbetsloshet")
        return queries.monthly_series(con, ind, queries.area(con, "lan:20"))
    finally:
        con.close()


def test_dalarna_has_bas_months_in_the_copy(copy):
    df = _series(copy)
    assert len(df) >= 76 and str(df["period"].min())[:7] == "2020-01"


def test_a_missing_mart_is_no_data_yet(copy):
    table = queries.monthly_marts()["bas"]["table"]
    with duckdb.connect(str(copy)) as con:
        con.execute(f"drop table {table}")
    df = _series(copy)
    assert df.empty and list(df.columns) == queries.MONTHLY_COLUMNS


def test_another_missing_table_is_raised(copy):
    with duckdb.connect(str(copy)) as con:
        ind = queries.indicator(con, "bas_arbetsloshet")
        dalarna = queries.area(con, "lan:20")
        con.execute("alter table marts.kommun rename to kommun_gone")
        with pytest.raises(duckdb.CatalogException, match="kommun"):
            queries.monthly_series(con, ind, dalarna)

