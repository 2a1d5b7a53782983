"""The build's area values in one DuckDB statement (warehouse.area_sql) equal the pandas
reference (warehouse.build.area_values_pandas, i.e. transforms.areas.aggregate per indicator)
for every indicator, official area, year and sex of the real mirror (issue 12 point 7: the
pandas aggregation was ~3 s of a 7 s build)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from warehouse.area_sql import area_values_sql
from warehouse.build import OFFICIAL_KINDS, area_values_pandas


@pytest.fixture(scope="module")
def inputs(warehouse):
    """The build's inputs, as the session warehouse stored them."""
    obs = warehouse.execute("""select indicator_id, kommun_code, year, sex, value, status
                               from marts.observation_kommun_year""").df()
    indicators = warehouse.execute("""select indicator_id, aggregation from marts.indicator
                                      where frequency is distinct from 'month'""").df()
    members = warehouse.execute("""select area_id, kommun_code from marts.area_member
                                   where split_part(area_id, ':', 1) in ?""",
                                [tuple(OFFICIAL_KINDS)]).df()
    kommun = warehouse.execute("select kommun_code, first_year from marts.kommun").df()
    weights = warehouse.execute("""select indicator_id, kommun_code, year, sex, weight
                                   from marts.indicator_weight""").df()
    return obs, indicators, members, kommun, weights


@pytest.fixture(scope="module")
def sql_values(inputs) -> pd.DataFrame:
    """``area_values_sql`` on the real inputs, computed once for the three tests that read it
    (each used to compute it again: a few seconds of CPU on the whole mirror). A copy each."""
    return area_values_sql(*inputs)


def _normal(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True).copy()
    for col in ("indicator_id", "area_id", "sex"):
        df[col] = df[col].astype(str)
    # a string column with <NA> for no status: compared in one vectorised pass (as objects,
    # pandas compared each of the ~220 000 null statuses in Python: 4 s of CPU per frame pair)
    df["status"] = df["status"].astype(object).where(df["status"].notna(), None).astype(
        "string")
    for col in ("year", "n_expected", "n_reporting"):
        df[col] = df[col].astype("int64")
    return df


def test_sql_area_values_equal_the_pandas_rule_for_every_indicator_area_and_sex(inputs,
                                                                                 sql_values):
    obs, indicators, members, kommun, weights = inputs
    sql = _normal(sql_values)
    ref = _normal(area_values_pandas(obs, indicators, members, kommun, weights))
    # every annual rule is there: 54 indicators with values, each area kind, all three sexes
    assert sql["indicator_id"].nunique() >= 50
    assert set(sql["area_id"].str.split(":").str[0]) == set(OFFICIAL_KINDS)
    assert set(sql["sex"]) == {"T", "K", "M"}
    assert set(sql["status"].dropna()) == {"partial", "withheld"}
    pd.testing.assert_frame_equal(sql.drop(columns="value"), ref.drop(columns="value"))
    a, b = sql["value"].to_numpy(), ref["value"].to_numpy()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    both = ~np.isnan(a)
    # compensated sums on both sides, in another order: 96 % of the values are equal to the
    # last bit, the others differ in the last bits only (at most 4e-16 relative on the mirror)
    assert np.allclose(a[both], b[both], rtol=1e-14, atol=0)
    assert (a[both] == b[both]).mean() > 0.95


def test_the_built_warehouse_holds_the_sql_values(sql_values, warehouse):
    stored = warehouse.execute("""select indicator_id, area_id, year, sex, value, n_expected,
                                         n_reporting, status from marts.area_indicator_year"""
                               ).df()
    pd.testing.assert_frame_equal(_normal(stored), _normal(sql_values), check_exact=True)


def test_real_values_riket_and_a_weighted_lan(inputs, sql_values):
    obs, _, members, _, weights = inputs
    sql = sql_values.set_index(
        ["indicator_id", "area_id", "year", "sex"])
    # Riket's population (a sum, N01951) is the sum of the 290 kommuner in the same data
    pop = obs[(obs["indicator_id"] == "N01951") & (obs["year"] == 2022) & (obs["sex"] == "T")]
    row = sql.loc[("N01951", "riket", 2022, "T")]
    assert (row["n_expected"], row["n_reporting"]) == (290, 290) and pd.isna(row["status"])
    assert row["value"] == pytest.approx(pop["value"].sum(), rel=1e-15)
    assert row["value"] > 10_000_000
    # Kronobergs län's unemployment (weighted, N03920): Σ value × weight / Σ weight
    lan = members.loc[members["area_id"] == "lan:07", "kommun_code"]
    o = obs[(obs["indicator_id"] == "N03920") & (obs["year"] == 2022) & (obs["sex"] == "T")
            & obs["kommun_code"].isin(lan)]
    w = weights[(weights["indicator_id"] == "N03920") & (weights["year"] == 2022)
                & (weights["sex"] == "T")]
    j = o.merge(w, on=["kommun_code"])
    assert len(j) == 8
    row = sql.loc[("N03920", "lan:07", 2022, "T")]
    assert row["value"] == pytest.approx((j["value"] * j["weight"]).sum() / j["weight"].sum(),
                                         rel=1e-12)


def test_hand_made_weights_of_one_sex_only_fall_back_to_the_total_for_the_other():
    """Hand-made: weights for T and K only; M rows take T's weight, K rows never do."""
    obs = pd.DataFrame({"indicator_id": "X", "kommun_code": ["0001", "0002"] * 3,
                        "year": 2020, "sex": ["T", "T", "K", "K", "M", "M"],
                        "value": [10.0, 20.0, 11.0, 21.0, 9.0, 19.0]})
    weights = pd.DataFrame({"indicator_id": "X", "kommun_code": ["0001", "0002", "0001"],
                            "year": 2020, "sex": ["T", "T", "K"],
                            "weight": [1.0, 3.0, 2.0]})
    indicators = pd.DataFrame({"indicator_id": ["X"], "aggregation": ["weighted"]})
    members = pd.DataFrame({"area_id": "a", "kommun_code": ["0001", "0002"]})
    kommun = pd.DataFrame({"kommun_code": ["0001", "0002"], "first_year": [1990, 2021]})
    sql = area_values_sql(obs, indicators, members, kommun, weights)
    ref = area_values_pandas(obs, indicators, members, kommun, weights)
    pd.testing.assert_frame_equal(_normal(sql), _normal(ref))
    by_sex = sql.set_index("sex")
    assert by_sex.loc["T", "value"] == pytest.approx((10 + 60) / 4)
    assert by_sex.loc["M", "value"] == pytest.approx((9 + 57) / 4)
    # K: 0002 has no K weight and K is split, so only 0001 reports; 0002 (first year 2021)
    # reports nothing and was not expected yet, hence full coverage
    assert (by_sex.loc["K", "value"], by_sex.loc["K", "n_expected"]) == (11.0, 1)


def test_weights_shared_by_series_give_the_per_indicator_values(inputs, sql_values):
    """The build hands the statement each weight series once (41 weighted indicators share 8)
    and each indicator's series number: the values are those of the per-indicator path, bit
    for bit."""
    import duckdb

    from warehouse.area_sql import area_values_in

    obs, indicators, members, kommun, weights = inputs
    series: dict[str, int] = {}
    frames: dict[tuple, pd.DataFrame] = {}
    for indicator_id, w in weights.groupby("indicator_id", sort=False):
        rows = w[["kommun_code", "year", "sex", "weight"]].reset_index(drop=True)
        key = tuple(pd.util.hash_pandas_object(rows, index=False))  # NaN weights equal too
        if key not in frames:
            frames[key] = rows.assign(p=len(frames))
        series[indicator_id] = int(frames[key]["p"].iloc[0])
    assert len(frames) < len(series) / 3  # really shared
    con = duckdb.connect()
    try:
        con.register("_obs_in", obs[["indicator_id", "kommun_code", "year", "sex", "value"]])
        con.register("_pw_in", pd.concat(frames.values(), ignore_index=True))
        shared = area_values_in(con, indicators, members, kommun, series)
    finally:
        con.close()
    pd.testing.assert_frame_equal(_normal(shared), _normal(sql_values), check_exact=True)


def test_values_written_into_a_table_are_the_frame_write_table_stores(inputs, sql_values):
    """The build has the statement write marts.area_indicator_year itself (``into``): the
    table is the one write_table makes of the frame: the same column types, rows and stored
    order (status spelled out), on the whole mirror."""
    import duckdb

    from warehouse.area_sql import area_values_in
    from warehouse.db import write_table

    obs, indicators, members, kommun, weights = inputs
    con = duckdb.connect()
    try:
        con.execute("create schema marts")
        con.register("_obs_in", obs[["indicator_id", "kommun_code", "year", "sex", "value"]])
        con.register("_weights_in", weights)
        assert area_values_in(con, indicators, members, kommun, into="marts.direct") is None
        write_table(con, "marts.reference", sql_values)
        types = [con.execute("select column_name, data_type from duckdb_columns() "
                             "where table_name = ? order by column_index", [t]).fetchall()
                 for t in ("direct", "reference")]
        differ = con.execute("""
            select count(*) from (select row_number() over () as n, * from marts.direct) a
            full join (select row_number() over () as n, * from marts.reference) b
              on a.n = b.n and a.indicator_id = b.indicator_id and a.area_id = b.area_id
             and a.year = b.year and a.sex = b.sex and a.value is not distinct from b.value
             and a.n_expected = b.n_expected and a.n_reporting = b.n_reporting
             and a.status is not distinct from b.status
            where a.n is null or b.n is null""").fetchone()[0]
        statuses = dict(con.execute("select coalesce(status, 'null'), count(*) "
                                    "from marts.direct group by all").fetchall())
    finally:
        con.close()
    assert types[0] == types[1] and ("status", "VARCHAR") in types[0]
    assert differ == 0 and len(sql_values) > 200_000
    assert statuses.get("partial", 0) > 0 and statuses.get("withheld", 0) > 0


def test_the_statement_runs_without_the_build_side_pass_and_the_setting_is_put_back():
    """The area statement runs with DuckDB's ``build_side_probe_side`` pass off (it built the
    weights' joins on the reporting rows: more time and memory; bench/results/build.md,
    build22b), beside what the connection had disabled already, and the connection's own
    setting is back afterwards; the values are the pandas rule's."""
    import duckdb

    from warehouse.area_sql import area_values_in

    obs = pd.DataFrame({"indicator_id": "X", "kommun_code": ["0001", "0002"] * 2,
                        "year": 2020, "sex": ["T", "T", "K", "K"],
                        "value": [10.0, 20.0, 11.0, 21.0]})
    weights = pd.DataFrame({"indicator_id": "X", "kommun_code": ["0001", "0002"],
                            "year": 2020, "sex": "T", "weight": [1.0, 3.0]})
    indicators = pd.DataFrame({"indicator_id": ["X"], "aggregation": ["weighted"]})
    members = pd.DataFrame({"area_id": "a", "kommun_code": ["0001", "0002"]})
    kommun = pd.DataFrame({"kommun_code": ["0001", "0002"], "first_year": [1990, 1990]})
    con = duckdb.connect()
    seen: list[str] = []

    class Spy:  # records the setting as the statement is run; everything else as con
        def __getattr__(self, name):
            return getattr(con, name)

        def execute(self, sql, *args):
            if sql.startswith("create temp table _r as"):
                seen.append(con.execute("select current_setting('disabled_optimizers')")
                            .fetchone()[0])
            return con.execute(sql, *args)

    try:
        con.execute("set disabled_optimizers = 'compressed_materialization'")
        con.register("_obs_in", obs)
        con.register("_weights_in", weights)
        out = area_values_in(Spy(), indicators, members, kommun)
        after = con.execute("select current_setting('disabled_optimizers')").fetchone()[0]
    finally:
        con.close()
    assert len(seen) == 1
    assert set(seen[0].split(",")) == {"compressed_materialization", "build_side_probe_side"}
    assert after == "compressed_materialization"
    ref = area_values_pandas(obs, indicators, members, kommun, weights)
    pd.testing.assert_frame_equal(_normal(out), _normal(ref))
    assert out.set_index("sex").loc["T", "value"] == pytest.approx((10 + 60) / 4)
