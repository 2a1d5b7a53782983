"""The build's speed-ups change nothing it writes (issue 12 point 7): a rebuild from the
session's raw layer is the session warehouse table by table, row by row and in the same order
(bench/compare_warehouses.py, which must also see a changed value and rows in another
order), and each weight proxy
computed once for the indicators sharing it is the one computed for each alone."""

from __future__ import annotations

import os
import shutil

import duckdb
import pandas as pd
import pytest

from bench.compare_warehouses import compare
from transforms.catalogue import load_catalogue
from transforms.weights import resolve_weights
from warehouse.build import build_warehouse

# the refresh's log holds the fetch outcomes a bare build does not have
SKIP = frozenset({"marts.refresh_log"})


@pytest.fixture(scope="module")
def rebuilt(built, tmp_path_factory) -> dict:
    """ONE rebuild of the session's raw layer, shared by the two tests that need a build of
    their own (each made one before: a second build of ~2 s of CPU only to watch the sync
    setting): the new file (``path``) and the new file's ``fsync_mode`` when it was opened,
    after the build and at the last checkpoint before the swap (``modes``), and what
    bench/compare_warehouses.py finds between it and the session warehouse (``diffs``)."""
    from contextlib import contextmanager

    from warehouse import build

    real_building, real_into = build.building, build._build_into
    real_kolada, real_area = build.load_kolada, build._area_values_capped
    modes: dict[str, str] = {}
    decay: dict[str, int | None] = {}

    def mode(con) -> str:
        return con.execute("select current_setting('fsync_mode')").fetchone()[0]

    @contextmanager
    def building(target):
        with real_building(target) as con:
            modes["opened"] = mode(con)
            yield con
            modes["at the last checkpoint"] = mode(con)

    def build_into(con, *args):
        out = real_into(con, *args)
        modes["building"] = mode(con)
        return out

    def kolada(*args):
        decay["kolada"] = _dirty_decay_ms()
        return real_kolada(*args)

    def area_values(*args):
        decay["area values"] = _dirty_decay_ms()
        return real_area(*args)

    path = tmp_path_factory.mktemp("rebuilt") / "rebuilt.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "building", building)
        mp.setattr(build, "_build_into", build_into)
        mp.setattr(build, "load_kolada", kolada)
        mp.setattr(build, "_area_values_capped", area_values)
        build_warehouse(built["raw"], path)
    return {"path": path, "modes": modes, "decay": decay,
            "diffs": compare(str(built["warehouse"]), str(path), skip=SKIP)}


def test_a_rebuild_is_the_session_warehouse_and_a_changed_value_shows(built, rebuilt,
                                                                      tmp_path):
    assert rebuilt["diffs"] == []
    rebuilt = rebuilt["path"]

    changed = tmp_path / "changed.duckdb"
    shutil.copy(rebuilt, changed)
    con = duckdb.connect(str(changed))
    n = con.execute("""update marts.area_indicator_year set value = value + 1
                       where indicator_id = 'N03920' and area_id = 'riket' and year = 2022
                         and sex = 'T'""").fetchone()[0]
    # and the same kommun rows in another stored order
    con.execute("create temp table k as select * from marts.kommun order by kommun_code desc")
    con.execute("delete from marts.kommun")
    con.execute("insert into marts.kommun select * from k")
    con.close()
    assert n == 1
    diffs = compare(str(built["warehouse"]), str(changed), skip=SKIP)
    assert len(diffs) == 2 and diffs[0].startswith("marts.area_indicator_year:")
    assert "1 only in old, 1 only in new" in diffs[0]
    assert diffs[1] == "marts.kommun: the same rows in another order"


def test_a_proxy_shared_through_the_cache_is_the_proxy_made_alone(warehouse):
    obs = warehouse.execute("""select indicator_id, kommun_code, year, sex, value
                               from marts.observation_kommun_year""").df()
    rows = warehouse.execute("""select indicator_id, weight_ids, weight_label, weight_exact
                                from marts.indicator where aggregation = 'weighted'
                                order by indicator_id""").fetchall()
    specs = load_catalogue()["indicators"]
    cache: dict = {}
    shared = 0
    for indicator_id, ids, label, exact in rows:
        years = set(obs.loc[obs["indicator_id"] == indicator_id, "year"].unique())
        before = len(cache)
        cached = resolve_weights(specs[indicator_id], list(ids), label, bool(exact), obs, years,
                                 None, cache)
        shared += len(cache) == before
        alone = resolve_weights(specs[indicator_id], list(ids), label, bool(exact), obs, years)
        pd.testing.assert_frame_equal(cached.frame, alone.frame, check_exact=True)
        assert (cached.label, cached.exact, cached.source) == (alone.label, alone.exact,
                                                               alone.source)
    assert len(rows) >= 40 and shared >= 30  # most weighted indicators share a proxy
    # a real weight: Göteborg's population 16–64 (N01954 + N01955) in 2022, both sexes
    gbg = cache[(("N01954", "N01955"), False)]
    row = gbg[(gbg["kommun_code"] == "1480") & (gbg["year"] == 2022) & (gbg["sex"] == "T")]
    assert len(row) == 1 and 350_000 < row["weight"].iloc[0] < 500_000


def test_each_weighted_indicator_carries_the_label_and_source_resolved_for_it(warehouse):
    """marts.indicator's weight columns, which the build sets for all weighted indicators at
    once, are each indicator's own resolve_weights result (from the catalogue's proxy)."""
    from transforms.catalogue import build_indicator_table

    obs = warehouse.execute("""select indicator_id, kommun_code, year, sex, value
                               from marts.observation_kommun_year""").df()
    catalogue = build_indicator_table(pd.DataFrame(columns=["kpi_id", "title", "description",
                                                            "is_divided_by_gender"]))
    weighted = catalogue[catalogue["aggregation"] == "weighted"]
    stored = {r[0]: r[1:] for r in warehouse.execute(
        """select indicator_id, weight_label, weight_exact, weight_source from marts.indicator
           where aggregation = 'weighted'""").fetchall()}
    specs = load_catalogue()["indicators"]
    assert set(stored) == set(weighted["indicator_id"]) and len(stored) >= 40
    for row in weighted.itertuples():
        years = set(obs.loc[obs["indicator_id"] == row.indicator_id, "year"].unique())
        w = resolve_weights(specs[row.indicator_id], list(row.weight_ids), row.weight_label,
                            bool(row.weight_exact), obs, years)
        assert stored[row.indicator_id] == (w.label, w.exact, w.source), row.indicator_id
    assert stored["N03920"] == ("befolkningen 16–64 år", False, "Kolada N01954 + N01955")
    assert len({v for v in stored.values()}) >= 6  # the indicators' weights differ


def test_observations_made_in_sql_are_the_pandas_split(warehouse, tmp_path):
    """The build splits Kolada's staged values into kommun observations and the source's own
    area totals in SQL (warehouse.build._observations_in); the pandas function stays the
    reference: the same rows, types and order, on the whole mirror."""
    import duckdb

    from warehouse.build import _observations, _observations_in

    values = warehouse.execute("select * from staging.kolada__values").df()
    # the mirror has no län or Riket rows: two, copied from a real row, go to the own totals
    extra = values.head(2).assign(municipality_id=["0000", "0007"])
    values = pd.concat([values.head(1000), extra, values.iloc[1000:]], ignore_index=True)
    muni = warehouse.execute("select * from staging.kolada__municipality").df()
    codes = set(muni.loc[muni["type"] == "K", "municipality_id"])
    con = duckdb.connect(str(tmp_path / "obs.duckdb"))
    try:
        con.execute("create schema staging")
        con.register("values_frame", values)
        con.execute("create table staging.kolada__values as select * from values_frame")
        _observations_in(con, codes)
        obs_sql = con.execute("select * from marts.observation_kommun_year").df()
        own_sql = con.execute("select * from marts.published_area_year").df()
    finally:
        con.close()
    values = values.astype({"kpi_id": "string", "municipality_id": "string",
                            "gender": "string", "status": "string", "year": "int32"})
    obs, own = _observations(values, codes)
    assert len(obs) > 500_000 and own["area_id"].tolist() == ["riket", "lan:07"]
    for sql, ref in ((obs_sql, obs), (own_sql, own)):
        assert list(sql.columns) == list(ref.columns)
        for col in sql.columns:
            a, b = sql[col].astype(object), ref[col].astype(object)
            assert (a.isna() == b.isna()).all(), col
            assert (a[a.notna()] == b[b.notna()]).all(), col


def test_an_old_code_that_repeats_a_key_stops_the_build_and_one_of_its_own_builds(
        warehouse, tmp_path):
    """A staged row of an old code (Heby's 1917) whose key, mapped onto today's 0331, repeats a
    staged row stops the build with a Swedish message; mapped onto a key of its own it builds,
    and the observations' key is then unique (the final check every build still runs)."""
    import duckdb

    from warehouse import checks
    from warehouse.build import BuildError, _observations_in

    values = warehouse.execute("select * from staging.kolada__values "
                               "where municipality_id in ('0331', '0180')").df()
    muni = warehouse.execute("select * from staging.kolada__municipality").df()
    codes = set(muni.loc[muni["type"] == "K", "municipality_id"])
    heby = values[values["municipality_id"] == "0331"].head(1)
    unique_sql = checks.CHECKS["observation: unique key"]
    for n, (year, fails) in enumerate([(int(heby["year"].iloc[0]), True), (1900, False)]):
        extra = heby.assign(municipality_id="1917", year=year)
        con = duckdb.connect(str(tmp_path / f"obs{n}.duckdb"))
        try:
            con.execute("create schema staging")
            con.register("values_frame", pd.concat([values, extra], ignore_index=True))
            con.execute("create table staging.kolada__values as select * from values_frame")
            if fails:
                with pytest.raises(BuildError, match="Dubbla värden efter kodharmonisering"):
                    _observations_in(con, codes)
                continue
            _observations_in(con, codes)
            assert con.execute("select count(*) from marts.observation_kommun_year "
                               "where kommun_code = '0331' and year = 1900").fetchone() == (1,)
            assert con.execute(unique_sql).fetchall() == []
        finally:
            con.close()


def test_the_build_hands_freed_pages_back_at_once_and_puts_the_setting_back():
    """DuckDB's jemalloc keeps freed pages a second by default; the build asks for them back
    at once (its peak no longer depends on the machine's load) and restores the setting."""
    import ctypes

    import duckdb
    import pytest

    from warehouse.build import _jemalloc_ctl, _pages_returned_at_once

    mallctl = _jemalloc_ctl()
    if mallctl is None:
        pytest.skip("this DuckDB does not export its jemalloc")
    duckdb.connect().execute("select 1").fetchall()  # jemalloc's arenas exist

    def decay(name: bytes = b"arenas") -> int:
        value = ctypes.c_ssize_t(-2)
        size = ctypes.c_size_t(ctypes.sizeof(value))
        assert mallctl(name + b".dirty_decay_ms", ctypes.byref(value), ctypes.byref(size),
                       None, 0) == 0
        return value.value

    before = decay()
    with _pages_returned_at_once():
        assert decay() == 0 and decay(b"arena.0") == 0
    assert decay() == before != 0 and decay(b"arena.0") == before


def _dirty_decay_ms(name: bytes = b"arenas") -> int | None:
    """DuckDB's jemalloc setting ``dirty_decay_ms`` now (None: this DuckDB does not export it)."""
    import ctypes

    from warehouse.build import _jemalloc_ctl

    mallctl = _jemalloc_ctl()
    if mallctl is None:
        return None
    value = ctypes.c_ssize_t(-2)
    size = ctypes.c_size_t(ctypes.sizeof(value))
    assert mallctl(name + b".dirty_decay_ms", ctypes.byref(value), ctypes.byref(size),
                   None, 0) == 0
    return value.value


def test_kolada_and_the_area_values_hand_freed_pages_back_at_once(rebuilt):
    """Both steps run with DuckDB's jemalloc handing freed pages back at once. Kolada's reading
    without it saved ~40 000 page faults (~0.13 s of system time) but, in a refresh, it is the
    peak step (the parses read ahead during the fetch are held while DuckDB writes the table):
    270-293 MiB against 254-258 (bench/results/build.md, perf26)."""
    if rebuilt["decay"]["kolada"] is None:
        pytest.skip("this DuckDB does not export its jemalloc")
    assert rebuilt["decay"] == {"kolada": 0, "area values": 0}


def test_the_build_collects_young_objects_less_often_and_puts_the_collector_back():
    """While building: what was alive before is frozen and the youngest generation is collected
    every YOUNG_COLLECTION allocations; afterwards (also when the build raised) the collector's
    threshold and the frozen objects are as they were."""
    import gc

    from warehouse.build import YOUNG_COLLECTION, _old_objects_frozen

    before = gc.get_threshold()
    assert before[0] != YOUNG_COLLECTION and gc.get_freeze_count() == 0
    with _old_objects_frozen():
        assert gc.get_threshold() == (YOUNG_COLLECTION, *before[1:])
        assert gc.get_freeze_count() > 1000
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), _old_objects_frozen():
        raise RuntimeError("a failed build")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_command_line_exits_with_every_object_left_out_of_the_last_collections(tmp_path):
    """``python -m warehouse`` freezes what is alive before the interpreter's exit (its last
    collections walked every module's objects: ~0.2-0.3 s after a build), with the command's
    exit code kept."""
    import subprocess
    import sys

    probe = ("import atexit, gc, runpy, sys\n"
             "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 1000))\n"
             "sys.argv = ['warehouse', 'status']\n"
             "runpy.run_module('warehouse', run_name='__main__')\n")
    env = {**os.environ, "WAREHOUSE_PATH": str(tmp_path / "none.duckdb"),
           "DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr  # no refresh has run here: bad input
    assert "Ingen uppdatering har körts här" in done.stderr
    assert done.stdout.strip().endswith("frozen True")


def test_the_weights_written_from_the_shared_series_are_the_reference_frame(built, warehouse,
                                                                   tmp_path):
    """The build stores each weight series once (warehouse.build._weight_series: 41 weighted
    indicators share 8) and marts.indicator_weight is the view of every indicator's rows over
    them; that view is the frame of every indicator's weights (``indicator_weights``, the
    reference): rows, types and order, on the whole mirror, and the series number in
    marts.indicator points at each indicator's own rows."""
    import duckdb

    from warehouse import scb_marts
    from warehouse.build import _weight_series, indicator_weights, weights_view
    from warehouse.db import write_table

    obs = warehouse.execute("select * from marts.observation_kommun_year").df()
    indicators = warehouse.execute("select * from marts.indicator").df()
    population = scb_marts.load(built["raw"]).population_single_age
    con = duckdb.connect(str(tmp_path / "weights.duckdb"))
    try:
        con.execute("create schema marts")
        con.execute("attach ? as w (read_only)", [str(built["warehouse"])])
        con.execute("create table marts.observation_kommun_year as "
                    "select * from w.marts.observation_kommun_year")
        mine = indicators.drop(columns=["weight_series"]).copy()
        series = _weight_series(con, mine, population)
        write_table(con, "marts.indicator", mine)
        weights_view(con)
        ref = indicator_weights(obs.astype({"indicator_id": "string", "kommun_code": "string",
                                            "sex": "string"}), indicators.copy(), population)
        write_table(con, "marts.reference", ref)
        types = [con.execute("select column_name, data_type from duckdb_columns() where "
                             "database_name = current_database() and table_name = ? "
                             "order by column_index", [t]).fetchall()
                 for t in ("indicator_weight", "reference")]
        assert types[0] == types[1]
        # the same rows in the same order (a row number on each side, then an anti join)
        differ = con.execute("""
            select count(*) from (select row_number() over () as n, * from
                                  marts.indicator_weight) a
            full join (select row_number() over () as n, * from marts.reference) b
              on a.n = b.n and a.indicator_id = b.indicator_id
             and a.kommun_code = b.kommun_code and a.year = b.year and a.sex = b.sex
             and a.weight is not distinct from b.weight
            where a.n is null or b.n is null""").fetchone()[0]
        n = con.execute("select count(*) from marts.indicator_weight").fetchone()[0]
        stored = con.execute("select count(*), count(distinct series) "
                             "from marts.weight_series").fetchall()[0]
        # the numbers _weight_series returned (the area values read the series by them) each
        # give that indicator's own rows of the reference, by indicator id (no view, no column)
        con.register("_numbers", pd.DataFrame({"indicator_id": list(series),
                                               "series": list(series.values())}))
        misnumbered = con.execute("""
            select count(*) from marts.reference r
            full join (select n.indicator_id, s.* from _numbers n
                       join marts.weight_series s using (series)) x
              on x.indicator_id = r.indicator_id and x.kommun_code = r.kommun_code
             and x.year = r.year and x.sex = r.sex and x.weight is not distinct from r.weight
            where x.indicator_id is null or r.indicator_id is null""").fetchall()[0][0]
        # Göteborg's weight for N03920 (unemployment 16–64) in 2022, both sexes, by its series
        gbg = con.execute("""select w.weight, s.weight from marts.indicator_weight w
                             join marts.weight_series s on s.series = ?
                              and s.kommun_code = w.kommun_code
                              and s.year = w.year and s.sex = w.sex
                             where w.indicator_id = 'N03920' and w.kommun_code = '1480'
                               and w.year = 2022 and w.sex = 'T'""",
                          [series["N03920"]]).fetchall()
    finally:
        con.close()
    assert n == len(ref) > 500_000 and differ == 0
    # each series once: 8 for 41 indicators, a fifth of the long form's rows
    assert misnumbered == 0 and len(series) == 41 and stored[1] == 8
    assert stored[0] < n / 4
    assert len(gbg) == 1 and gbg[0][0] == gbg[0][1] and 350_000 < gbg[0][0] < 500_000


def test_only_the_last_checkpoint_is_synced_and_under_the_files_own_setting(rebuilt):
    """While it builds, the new file's commits are not synced (it is not live, and a build that
    fails is deleted); the checkpoint before the swap runs under the setting the file had, so
    the file swapped in is synced whole, as before. The build's output is unchanged."""
    assert rebuilt["modes"] == {"opened": "STANDARD", "building": "none",
                                "at the last checkpoint": "STANDARD"}
    assert rebuilt["diffs"] == []


def test_one_populations_weights_are_what_combine_weights_makes_of_it(warehouse):
    """A weight series of one population (six of the eight Kolada proxies: N01951, N01955 …)
    is stored as ``transforms.areas.combine_weights`` makes it of that population's rows (the
    build takes the rows as they are, without the merge): the same rows, order and values,
    shifted a year where the indicator is weighted by the previous year's population."""
    from transforms.areas import combine_weights
    from transforms.weights import shift_to_next_year

    rows = warehouse.execute("""select indicator_id, weight_ids[1], weight_year
                                from marts.indicator where weight_series is not null
                                  and len(weight_ids) = 1 order by indicator_id""").fetchall()
    proxies = {proxy for _, proxy, _ in rows}
    assert len(rows) >= 20 and {"N01951", "N01955"} <= proxies
    for indicator_id, proxy, year_rule in rows:
        population = warehouse.execute("""select kommun_code, year, sex, value
                                          from marts.observation_kommun_year
                                          where indicator_id = ?""", [proxy]).df()
        expected = combine_weights([population])
        if year_rule == "previous":
            expected = shift_to_next_year(expected)
        stored = warehouse.execute("""select kommun_code, year, sex, weight
                                      from marts.indicator_weight where indicator_id = ?""",
                                   [indicator_id]).df()
        assert len(stored) > 1000, indicator_id
        pd.testing.assert_frame_equal(stored, expected.reset_index(drop=True),
                                      check_exact=True, check_dtype=False, obj=indicator_id)
