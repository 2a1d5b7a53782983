"""Mart checks and area values on the warehouse built from the real mirror; the CLI."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from tests.cli_inprocess import run_cli
from warehouse import checks, queries


@pytest.mark.parametrize("name", list(checks.CHECKS))
def test_mart_check(warehouse, name):
    assert warehouse.execute(checks.CHECKS[name]).fetchall() == []


def test_exactly_290_kommuner_with_string_codes(warehouse):
    df = warehouse.execute("select kommun_code, lan_code, typeof(kommun_code) t "
                           "from marts.kommun").df()
    assert len(df) == 290 and df["kommun_code"].is_unique
    assert set(df["t"]) == {"VARCHAR"}
    assert "0114" in set(df["kommun_code"]) and df["lan_code"].str.len().eq(2).all()


def test_kolada_and_scb_hold_the_same_290_kommun_codes(shared):
    kolada = json.loads((shared / "kolada_v3/municipality.json").read_bytes())["values"]
    kolada_codes = {m["id"] for m in kolada if m["type"] == "K"}
    meta = json.loads((shared / "scb_v2/tables/TAB6471/metadata.json").read_bytes())
    scb_codes = {c for c in meta["dimension"]["Region"]["category"]["index"] if len(c) == 4}
    assert len(kolada_codes) == 290 and kolada_codes == scb_codes


def test_kommun_dimension_first_years_come_from_the_data(warehouse):
    fy = dict(warehouse.execute("select kommun_code, first_year from marts.kommun").fetchall())
    assert fy["0140"] == 1999 and fy["0330"] == 2003 and fy["0780"] == 1994


def test_catalogue_covers_every_kpi_in_the_mirror_with_source_titles(warehouse, shared):
    kpis = {p.stem for p in (shared / "kolada_v3/kpi").glob("*.json")}
    df = warehouse.execute("select indicator_id, title, definition, aggregation "
                           "from marts.indicator where source = 'Kolada'").df()
    assert set(df["indicator_id"]) == kpis and len(kpis) == 66
    n03920 = df.set_index("indicator_id").loc["N03920"]
    assert n03920["title"] == "Arbetslöshet 18-65 år, årsmedelvärde, andel (%) av bef."
    assert df["title"].notna().all() and df["definition"].notna().all()


def _file_rows(shared, kpi: str, year: int, sex: str = "T") -> dict[str, float]:
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {e["municipality"]: v["value"] for e in body["values"] if e["period"] == year
            for v in e["values"] if v["gender"] == sex and v["value"] is not None}


def test_lan_value_is_the_population_weighted_mean_of_its_kommuner(warehouse, shared):
    rates = {k: v for k, v in _file_rows(shared, "N03920", 2022).items() if k.startswith("07")}
    w16 = _file_rows(shared, "N01954", 2022)
    w20 = _file_rows(shared, "N01955", 2022)
    weights = {k: w16[k] + w20[k] for k in rates}
    assert len(rates) == 8 and len(set(weights.values())) == 8  # unequal weights
    by_hand = sum(rates[k] * weights[k] for k in rates) / sum(weights.values())
    unweighted = sum(rates.values()) / len(rates)
    got = warehouse.execute("""select value from marts.area_indicator_year where
        indicator_id = 'N03920' and area_id = 'lan:07' and year = 2022 and sex = 'T'""").fetchone()[0]
    assert got == pytest.approx(by_hand, rel=1e-12)
    assert abs(got - unweighted) > 0.01


def test_a_user_group_is_aggregated_like_an_official_area(warehouse, shared):
    ind = queries.indicator(warehouse, "N31807")
    group = queries.Area("group:varend", "group", "Värend", ("0764", "0763", "0780"))
    series = queries.area_series(warehouse, ind, group).set_index("year")
    rates = _file_rows(shared, "N31807", 2015)
    pop = _file_rows(shared, "N01951", 2015)
    members = ["0764", "0763", "0780"]
    by_hand = sum(rates[k] * pop[k] for k in members) / sum(pop[k] for k in members)
    assert series.loc[2015, "value"] == pytest.approx(by_hand, rel=1e-12)
    assert list(series.index) == list(range(1994, 2023))


def test_riket_counts_are_sums_over_all_kommuner(warehouse, shared):
    total = sum(_file_rows(shared, "N00960", 2019).values())
    got = warehouse.execute("""select value, status from marts.area_indicator_year where
        indicator_id = 'N00960' and area_id = 'riket' and year = 2019 and sex = 'T'""").fetchone()
    assert got[0] == pytest.approx(total)


def test_published_area_rows_never_count_as_kommuner(warehouse):
    n = warehouse.execute("select count(*) from marts.observation_kommun_year "
                          "where kommun_code like '00%'").fetchone()[0]
    assert n == 0


def _cli(built, *args: str) -> subprocess.CompletedProcess:
    env = {"WAREHOUSE_PATH": str(built["warehouse"]), "USER_DB_PATH":
           str(built["base"] / "cli-user.duckdb"), "PATH": "/usr/bin:/bin"}
    return run_cli(env, *args)  # in-process: tests/cli_inprocess.py


def test_cli_series_prints_one_row_per_year_for_a_lan(built, shared):
    out = _cli(built, "series", "--indicator", "N31807", "--area", "lan:07", "--format", "csv")
    assert out.returncode == 0, out.stderr
    df = pd.read_csv(pd.io.common.StringIO(out.stdout))
    assert list(df.columns) == ["period", "value"]
    assert df["period"].tolist() == list(range(1994, 2023))
    rates = {k: v for k, v in _file_rows(shared, "N31807", 2022).items() if k.startswith("07")}
    pop = _file_rows(shared, "N01951", 2022)
    expected = sum(rates[k] * pop[k] for k in rates) / sum(pop[k] for k in rates)
    assert df.set_index("period").loc[2022, "value"] == pytest.approx(expected)


def test_cli_table_format_is_swedish(built):
    out = _cli(built, "series", "--indicator", "N03920", "--area", "kommun:0780")
    assert out.returncode == 0
    rows = dict(line.split(None, 1) for line in out.stdout.splitlines() if line[:1].isdigit())
    assert rows["2022"].strip() == "6,0" and rows["2010"].strip() == "7,9"
    assert "Källa: Kolada (N03920)" in out.stdout


@pytest.mark.parametrize("args", [
    ["series", "--indicator", "N99999", "--area", "riket"],
    ["series", "--indicator", "N03920", "--area", "lan:99"],
    ["series", "--indicator", "N03920", "--area", "planet:1"],
    ["series", "--indicator", "N03920", "--area", "group:finns-inte"],
])
def test_cli_unknown_ids_give_a_clear_error_and_exit_2(built, args):
    out = _cli(built, *args)
    assert out.returncode == 2
    assert out.stderr.startswith("fel: ") and "Traceback" not in out.stderr


def test_cli_knows_the_suggested_groups_on_first_start(built, shared):
    out = _cli(built, "series", "--indicator", "N31807", "--area",
               "group:Samordningsförbundet Värend", "--format", "csv")
    assert out.returncode == 0, out.stderr
    df = pd.read_csv(pd.io.common.StringIO(out.stdout)).set_index("period")
    rates = _file_rows(shared, "N31807", 2022)
    pop = _file_rows(shared, "N01951", 2022)
    members = ["0764", "0763", "0780"]
    expected = sum(rates[k] * pop[k] for k in members) / sum(pop[k] for k in members)
    assert df.loc[2022, "value"] == pytest.approx(expected)
    listing = _cli(built, "areas", "--kind", "group").stdout
    assert "group:samordningsforbundet-varend\tSamordningsförbundet Värend\t3 kommuner" in listing


def test_a_built_file_is_synced_before_the_swap_and_its_folder_after(tmp_path, monkeypatch):
    """The build commits unsynced and a last checkpoint with nothing left to write syncs
    nothing (DuckDB 2.0), so ``db.building`` syncs the new file itself before the rename and
    the folder after it: the file swapped in is on disk whatever the checkpoint did."""
    import os

    import duckdb

    from warehouse import db

    target = tmp_path / "w.duckdb"
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("replace", f"{src} -> {dst}"))
        real_replace(src, dst)

    monkeypatch.setattr(db.os, "fsync", fsync)
    monkeypatch.setattr(db.os, "replace", replace)
    with db.building(target) as con:
        con.execute("set fsync_mode = 'none'")
        con.execute("create table t as select range as i from range(1000)")
        con.execute("checkpoint")  # everything written unsynced: the last one has nothing left
        con.execute("set fsync_mode = 'standard'")
        new = con.execute("select path from duckdb_databases() where database_name = "
                          "current_database()").fetchone()[0]
    assert events == [("fsync", new), ("replace", f"{new} -> {target}"),
                      ("fsync", str(tmp_path))]
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("select count(*), sum(i) from t").fetchone() == (1000, 499500)
    finally:
        con.close()


def test_a_folder_that_cannot_be_synced_keeps_the_swapped_in_build(tmp_path, monkeypatch):
    """A network share (CIFS, some FUSE mounts) refuses to sync a folder with EINVAL: the new
    file, already swapped in, stands and the build is not reported as failed. The file's own
    sync stays strict (before the swap: a failure there keeps the old file)."""
    import errno
    import os

    import duckdb

    from warehouse import db

    target = tmp_path / "w.duckdb"
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.path.isdir(os.readlink(f"/proc/self/fd/{fd}")):
            raise OSError(errno.EINVAL, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(db.os, "fsync", fsync)
    with db.building(target) as con:
        con.execute("create table t as select 1 as i")
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("select i from t").fetchone() == (1,)
    finally:
        con.close()

    def fsync_eio(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(db.os, "fsync", fsync_eio)
    with pytest.raises(OSError, match="Input/output"), db.building(target) as con:
        con.execute("create table t as select 2 as i")
    con = duckdb.connect(str(target), read_only=True)  # the old file, the new one deleted
    try:
        assert con.execute("select i from t").fetchone() == (1,)
    finally:
        con.close()
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]


def test_the_weight_series_checks_find_a_repeated_row_and_a_number_without_its_series(
        small_base, tmp_path):
    """A small build passes (its series numbers without rows are those whose proxies were
    not fetched); a weight series row stored twice, or an indicator pointing at a series not
    stored while its proxies have values, fails the check of that name."""
    import duckdb

    from tests.conftest import copy_small

    _, target = copy_small(small_base, tmp_path / "small")
    with duckdb.connect(str(target)) as con:
        assert con.execute("select count(*) from marts.indicator i where weight_series "
                           "not in (select series from marts.weight_series)").fetchall()[0][0]
        assert checks.run(con) == []
        con.execute("insert into marts.weight_series select * from marts.weight_series "
                    "limit 1")
        assert checks.run(con) == ["weight series: unique key"]
        con.execute("delete from marts.weight_series where rowid = (select max(rowid) "
                    "from marts.weight_series)")
        con.execute("update marts.indicator set weight_series = 99 "
                    "where indicator_id = 'N03920'")
        assert checks.run(con) == ["indicator: weight series stored"]
