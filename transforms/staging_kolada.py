"""Staging for Kolada v3 bodies: parse, rename, cast. No joins, no harmonising, no derived values.

Ids stay strings with their leading zeros ("0180", "0007"); years are integers; a missing value
stays null with its status, never zero.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.db import sql_identifier

VALUE_COLUMNS = ["kpi_id", "municipality_id", "year", "gender", "value", "status", "count"]


def stage_municipalities(bodies: list[dict]) -> pd.DataFrame:
    """One row per Kolada municipality id (kommun K, region/län/riket L)."""
    rows = [row for body in bodies for row in body["values"]]
    df = pd.DataFrame(rows, columns=["id", "title", "type"])
    df = df.rename(columns={"id": "municipality_id"}).astype(
        {"municipality_id": "string", "title": "string", "type": "string"})
    return df.drop_duplicates("municipality_id").reset_index(drop=True)


def stage_kpis(bodies: list[dict]) -> pd.DataFrame:
    """One row per KPI's metadata, as Kolada describes it."""
    rows = [row for body in bodies for row in body["values"]]
    cols = ["id", "title", "description", "is_divided_by_gender", "municipality_type",
            "operating_area", "publication_date"]
    df = pd.DataFrame(rows).reindex(columns=cols)
    df = df.rename(columns={"id": "kpi_id"})
    df["is_divided_by_gender"] = df["is_divided_by_gender"].fillna(False).astype(bool)
    for col in ("kpi_id", "title", "description", "municipality_type", "operating_area",
                "publication_date"):
        df[col] = df[col].astype("string")
    return df.drop_duplicates("kpi_id").reset_index(drop=True)


def stage_values(bodies: list[dict]) -> pd.DataFrame:
    """One row per KPI × municipality × year × gender, as delivered (value may be null)."""
    entries = [entry for body in bodies for entry in body["values"]]
    if not entries:
        return _empty_values()
    # a plain comprehension: pd.json_normalize costs ~30x more on 500 000 values
    records = [(e.get("kpi"), e.get("municipality"), e.get("period"), v.get("gender"),
                v.get("value"), v.get("status"), v.get("count"))
               for e in entries for v in e.get("values") or []]
    df = pd.DataFrame.from_records(records, columns=VALUE_COLUMNS)
    df["kpi_id"] = df["kpi_id"].astype("string")
    df["municipality_id"] = df["municipality_id"].astype("string")
    if not df["municipality_id"].str.fullmatch(r"\d{4}").all():
        bad = sorted(df.loc[~df["municipality_id"].str.fullmatch(r"\d{4}"), "municipality_id"]
                     .unique())[:5]
        raise ValueError(f"Kolada municipality ids must be 4-digit strings; got {bad}")
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("int32")
    df["gender"] = df["gender"].astype("string")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    status = df["status"].astype("string").str.strip()
    df["status"] = status.mask(status == "")
    df["count"] = pd.to_numeric(df["count"], errors="coerce").astype("Int32")
    return df.drop_duplicates(["kpi_id", "municipality_id", "year", "gender"], keep="last")\
        .reset_index(drop=True)


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame({
        "kpi_id": pd.Series(dtype="string"), "municipality_id": pd.Series(dtype="string"),
        "year": pd.Series(dtype="int32"), "gender": pd.Series(dtype="string"),
        "value": pd.Series(dtype="float64"), "status": pd.Series(dtype="string"),
        "count": pd.Series(dtype="Int32"),
    })


# Kolada data bodies straight into DuckDB (read_json, typed), for the build's many KPIs at once:
# ~3x less CPU than orjson + per-row tuples + pandas casts. It accepts only what stage_values
# would stage to the same frame (keys present, 4-digit ids, no duplicate, a status without
# surrounding blanks, a number or null as value); for anything else it returns None and the
# caller stages through stage_values, which stays the reference (tests/test_staging_fast.py
# holds the two equal on every KPI of the real mirror).
# the types read_json must detect (over every row) for the fast path to apply; naming the
# columns' types instead made DuckDB's JSON reading ~4x slower
MEMORY_LIMIT = "192MB"  # keeps the build's peak memory down
_TYPES = {"kpi": {"VARCHAR"}, "municipality": {"VARCHAR"}, "period": {"BIGINT"},
          "gender": {"VARCHAR"}, "value": {"DOUBLE", "BIGINT"}, "status": {"VARCHAR"},
          "count": {"BIGINT"}}

_BODIES_SQL = """
select f.n, j."values" as entries
from read_json(?, format = 'unstructured', sample_size = -1, filename = true,
               maximum_object_size = ?) j
join _files f on f.path = j.filename
"""

# the file's KPI and snapshot stay in _files (joined by n): ~30 MB less per build
_ROWS_SQL = """
with e as (select n, generate_subscripts(entries, 1) as ei, unnest(entries) as e from _bodies),
v as (select n, ei, e.kpi as kpi, e.municipality as municipality,
             e.period as period, generate_subscripts(e."values", 1) as vi,
             unnest(e."values") as v from e)
select n, ei, vi, kpi, municipality, period, v.gender as gender,
       v.value as value, v.status as status, v.count as count
from v
"""
# each file's rows of its own KPI, in the widest of the types each column may be detected as,
# in stage_values' order (files in order, each batch sorted: the table needs no sort at the end)
_RAW_TABLE = """create or replace temp table _raw (n BIGINT, ei BIGINT, vi BIGINT, kpi VARCHAR,
    municipality VARCHAR, period BIGINT, gender VARCHAR, value DOUBLE, status VARCHAR,
    count BIGINT)"""
_INSERT_RAW = """insert into _raw select n, ei, vi, kpi, municipality, period, gender,
    value::double, status, count from _part where kpi = $kpis[n + 1] order by n, ei, vi"""
# what stage_values refuses anywhere in a file (a missing key, an id not of 4 digits)
_BAD_SQL = r"""select count(*) from _part
    where kpi is null or municipality is null or period is null or gender is null
       or not regexp_full_match(municipality, '[0-9]{4}')"""
# the staged table: the types write_table gives stage_values' frame (string -> VARCHAR,
# int32 and Int32 -> INTEGER); a projection of _raw, so in its order
_STAGED_SQL = """
select kpi as kpi_id, municipality as municipality_id, period::integer as year, gender, value,
       nullif(status, '') as status, count::integer as count, $snapshots[n + 1] as snapshot
from _raw
"""
BATCH_BYTES = 64_000_000  # JSON read at once (the mirror's 49 MB: one read; smaller batches cost CPU)


def _batches(files: list[tuple[str, Path, str]]) -> list[list[int]]:
    """The files' positions in batches of about BATCH_BYTES (whole files, in order)."""
    batches: list[list[int]] = [[]]
    size = 0
    for n, (_, path, _) in enumerate(files):
        if batches[-1] and size >= BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(n)
        size += path.stat().st_size
    return batches


def _read_batch(con: duckdb.DuckDBPyConnection, paths: list[str], kpis: list[str]) -> bool:
    """Read ``paths`` (files number n in ``kpis``) into _raw; False when they would not
    stage exactly as stage_values does."""
    longest = max(Path(p).stat().st_size for p in paths) + 1024
    con.execute("create or replace temp table _bodies as " + _BODIES_SQL, [paths, longest])
    # every file read, each with its list 'values' (stage_values fails without one)
    n, lists = con.execute("select count(*), count(entries) from _bodies").fetchall()[0]
    if n != len(paths) or lists != n:
        return False
    con.execute("create or replace temp table _part as " + _ROWS_SQL)
    con.execute("drop table _bodies")  # freed before the rows are copied
    types = dict(con.execute("select column_name, data_type from duckdb_columns() "
                             "where table_name = '_part' and database_name = 'temp'"
                             ).fetchall())
    odd = [col for col, ok in _TYPES.items() if types.get(col) not in ok]
    # a column without any value in this batch may be detected as anything: null it is
    for col in odd:
        if col not in types or con.execute(
                f"select count({sql_identifier(col)}) from _part").fetchall()[0][0]:
            return False
    if con.execute(_BAD_SQL).fetchall()[0][0]:
        return False
    statuses = [r[0] for r in con.execute("select distinct status::varchar from _part "
                                          "where status is not null").fetchall()]
    if any(x != x.strip() for x in statuses):  # str.strip's blanks, exactly
        return False
    con.execute(_INSERT_RAW, {"kpis": kpis})
    con.execute("drop table _part")
    return True


def stage_values_into(con: duckdb.DuckDBPyConnection, files: list[tuple[str, Path, str]],
                      table: str) -> bool:
    """Stage many KPIs' bodies into the new table ``table`` of ``con`` (a ``schema.table``
    name): ``files`` = (kpi_id, response path, snapshot name) in the order stage_values would
    read them, read in batches of about BATCH_BYTES. The rows of each file that are its KPI's,
    as ``stage_values`` + the build's filter would give them, plus a ``snapshot`` column.
    False (and no table) when anything would not stage exactly so: the caller then uses
    stage_values."""
    if not files:
        return False
    listing = pd.DataFrame({"n": range(len(files)), "path": [str(p) for _, p, _ in files]})
    kpis = [k for k, _, _ in files]
    con.register("_files", listing)
    try:
        con.execute(_RAW_TABLE)
        for batch in _batches(files):
            if not _read_batch(con, [str(files[n][1]) for n in batch], kpis):
                return False
        dup = con.execute("""select count(*) from (select 1 from _raw
            group by kpi, municipality, period, gender having count(*) > 1)""").fetchall()[0][0]
        if dup:
            return False
        con.execute(f"create table {sql_identifier(table)} as " + _STAGED_SQL,
                    {"snapshots": [s for _, _, s in files]})
        return True
    except duckdb.Error:
        return False
    finally:
        con.execute("drop table if exists _bodies; drop table if exists _part; "
                    "drop table if exists _raw")
        con.unregister("_files")


def stage_values_fast(files: list[tuple[str, Path, str]]) -> pd.DataFrame | None:
    """``stage_values_into`` as a frame (the dtypes of stage_values' frame plus ``snapshot``),
    in a connection of its own; None when it would not stage exactly as stage_values does."""
    spill = tempfile.TemporaryDirectory(prefix="kolada-stage-")  # past the cap: spill, not fail
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": spill.name})
    try:
        if not stage_values_into(con, files, "staged"):
            return None
        table = con.sql("select * from staged").to_arrow_table()
    finally:
        con.close()
        spill.cleanup()
    return staged_frame(table)


def staged_frame(table) -> pd.DataFrame:
    """A staged Arrow table (``stage_values_into``'s columns) as stage_values' frame."""
    df = table.to_pandas(self_destruct=True)  # frees each Arrow column once converted
    del table
    for col in ("kpi_id", "municipality_id", "gender", "status"):
        df[col] = df[col].astype("string")
    df["snapshot"] = df["snapshot"].astype(str)  # as the build's .assign(snapshot=name)
    df["year"] = df["year"].astype("int32")
    df["value"] = df["value"].astype("float64")
    df["count"] = df["count"].astype("Int32")
    return df
