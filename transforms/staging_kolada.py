"""Staging for Kolada v3 bodies: parse, rename, cast. No joins, no harmonising, no derived values.

Ids stay strings with their leading zeros ("0180", "0007"); years are integers; a missing value
stays null with its status, never zero.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from transforms import kolada_arrow
from transforms.duck import quiet, sql_identifier

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


# Kolada data bodies straight into DuckDB, for the build's many KPIs at once. pyarrow's JSON
# reader parses each file against the schema of a Kolada body (nothing is detected or sampled; a
# JSON value of another type than the schema's is an error, never a cast), two files at a time
# (it lets go of the GIL), and the rows are one Arrow column per field, in the files' order. It
# accepts only what stage_values would stage to the same frame (keys present, 4-digit ids, no
# duplicate, a status without surrounding blanks, a finite number or null as value); for
# anything else it returns False and the caller stages through stage_values, which stays the
# reference (tests/test_staging_fast.py holds the two equal on every KPI of the real mirror).
# DuckDB's own read_json cost ~2.5x the CPU: it parsed every file twice (once to detect the
# types over every row; naming them instead was ~4x slower still) and unnested in SQL.
# A body whose rows the refresh's client kept beside it (transforms/kolada_arrow.py: the same
# table, made by the same code from the same bytes, checked against them on read) is not parsed
# again (_read_body).
MEMORY_LIMIT = "192MB"  # keeps the build's peak memory down
_PARSE = pa_json.ParseOptions(explicit_schema=pa.schema([("values", pa.list_(kolada_arrow.ENTRY))]),
                              unexpected_field_behavior="ignore", newlines_in_values=True)
READERS = 2  # files parsed at once: the machine's cores

# what stage_values refuses anywhere in a file (a missing key, an id not of 4 digits) or stages
# otherwise (NaN or an infinity: Python's json reads them, DuckDB would store them as values)
_BAD_SQL = r"""select count(*) from _part
    where kpi is null or municipality is null or period is null or gender is null
       or not regexp_full_match(municipality, '[0-9]{4}') or not isfinite(value)"""
# each file's rows of its own KPI in stage_values' order (a projection: no sort), in the types
# write_table gives stage_values' frame (string -> VARCHAR, int32 and Int32 -> INTEGER)
_STAGED_SQL = """
select kpi as kpi_id, municipality as municipality_id, period::integer as year, gender, value,
       nullif(status, '') as status, count::integer as count, $snapshots[n + 1] as snapshot
from _part where kpi = $kpis[n + 1]
"""
BATCH_BYTES = 64_000_000  # JSON held at once (the mirror's 49 MB: one batch)


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


def _read_file(path: Path) -> pa.Table | None:
    """One body's rows (kpi, municipality, period, gender, value, status, count), one per value
    in the body's order; None when it is not one JSON object whose list ``values`` has the
    types of a Kolada body (stage_values would fail on it or cast something)."""
    try:
        if not kolada_arrow.file_opens_an_object(path):  # pyarrow would crash on 'null'
            return None
        body = pa_json.read_json(path, read_options=kolada_arrow.read_options(path.stat().st_size),
                                 parse_options=_PARSE)
    except (pa.ArrowException, OSError):
        return None
    found = kolada_arrow.rows_of(body)
    return None if found is None else found[0]


def _read_body(path: Path) -> pa.Table | None:
    """``_read_file``, from the rows the refresh kept beside this body when they are there and
    check out against its bytes (``kolada_arrow.read_rows``; the same table, not parsed again)."""
    kept = kolada_arrow.read_rows(path)
    return _read_file(path) if kept is None else kept


# Bodies a refresh parsed while the rest of its fetch ran (warehouse/refresh.py), by the file's
# identity (path, inode, size, modification time): the build's read of the same unchanged file
# takes the parse instead of repeating it; any other file is parsed as always. Only committed
# snapshots are read ahead, and their files are never written again.
READ_AHEAD: dict[tuple[str, int, int, int], pa.Table | None] = {}


def _identity(path: Path) -> tuple[str, int, int, int]:
    st = path.stat()
    return str(path), st.st_ino, st.st_size, st.st_mtime_ns


def read_ahead(path: Path) -> None:
    """Parse one body now, for the build's read of the same file (see READ_AHEAD)."""
    key = _identity(path)
    READ_AHEAD[key] = _read_body(path)


def _read_known(path: Path) -> pa.Table | None:
    """``_read_body``, or the parse read ahead of this very file (taken: used once)."""
    table = READ_AHEAD.pop(_identity(path), READ_AHEAD)  # (the dict itself: none read ahead)
    return _read_body(path) if table is READ_AHEAD else table


def _read_batch(con: duckdb.DuckDBPyConnection, paths: list[Path], numbers: list[int],
                table: str, first: bool, params: dict) -> bool:
    """Read the files ``paths`` (numbered ``numbers`` in the build's list) into ``table`` (made
    when ``first``); False when they would not stage exactly as stage_values does."""
    with ThreadPoolExecutor(READERS) as pool:
        parts = list(pool.map(_read_known, paths))
    if any(part is None for part in parts):
        return False
    part = pa.concat_tables([p.append_column("n", pa.array(np.full(p.num_rows, n, np.int32)))
                             for n, p in zip(numbers, parts, strict=True)])
    del parts
    con.register("_part", part)
    try:
        if con.execute(_BAD_SQL).fetchall()[0][0]:
            return False
        statuses = [r[0] for r in con.execute("select distinct status from _part "
                                              "where status is not null").fetchall()]
        if any(x != x.strip() for x in statuses):  # str.strip's blanks, exactly
            return False
        head = (f"create table {sql_identifier(table)} as " if first
                else f"insert into {sql_identifier(table)} ")
        with _one_thread(con):
            con.execute(head + _STAGED_SQL, params)
    finally:
        con.unregister("_part")
    return True


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's threads set to one inside, then back. The table written from the Arrow rows
    (512 618 rows on the full mirror) by two threads cost ~0.25 s of CPU and held ~50-70 MiB
    more while writing (the build's highest step then); by one ~0.17 s and ~27 MiB, in about
    the same wall time (stop 27, bench/results/build.md)."""
    threads = con.execute("select current_setting('threads')").fetchall()[0][0]
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute("set threads = ?", [threads])


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
    params = {"kpis": [k for k, _, _ in files], "snapshots": [s for _, _, s in files]}
    made = kept = False
    try:
        for batch in _batches(files):
            if not _read_batch(con, [files[n][1] for n in batch], batch, table, not made,
                               params):
                return False
            made = True
        dup = con.execute(f"""select count(*) from (select 1 from {sql_identifier(table)}
            group by kpi_id, municipality_id, year, gender having count(*) > 1)""").fetchall()
        if dup[0][0]:
            return False
        kept = True
        return True
    except duckdb.Error:
        return False
    finally:
        READ_AHEAD.clear()  # Kolada is staged once per build: a parse not taken by now (a
        # refused batch, a snapshot the build did not pick) would only stand under the peak
        if made and not kept:
            con.execute(f"drop table if exists {sql_identifier(table)}")


def stage_values_fast(files: list[tuple[str, Path, str]]) -> pd.DataFrame | None:
    """``stage_values_into`` as a frame (the dtypes of stage_values' frame plus ``snapshot``),
    in a connection of its own; None when it would not stage exactly as stage_values does."""
    spill = tempfile.TemporaryDirectory(prefix="kolada-stage-")  # past the cap: spill, not fail
    con = quiet(duckdb.connect(config={"memory_limit": MEMORY_LIMIT,
                                       "temp_directory": spill.name}))
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
