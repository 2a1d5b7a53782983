"""Revisions: values a source published before and publishes differently now, per refresh.

A build writes the new marts into a new file; before that file is swapped in, the previous
warehouse is attached read-only and every monthly indicator's kommun value (the source's own
figure, ``kommun_value`` in indicators.yml) is compared cell by cell: kommun × month × sex ×
the mart's dimensions, for the cells both files hold. A cell whose value differs is a
revision: indicator, kommun, month, dimensions, old → new, the source tables and publication
stamps (the data body's ``updated``) on both sides, and when it was seen (the build's time).
New months are additions, not revisions; a cell the new fetch no longer asks for is not
counted either (that is a change of selection, not of the source).

``marts.revision`` carries the detail of the newest ``KEEP_DETAIL_RUNS`` refreshes that revised
anything; ``marts.revision_summary`` (one row per refresh × indicator) is carried forward
forever, so a full revision of the live table (millions of cells) cannot make every later
warehouse file grow without bound.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.catalogue import load_catalogue

KEEP_DETAIL_RUNS = 5
DETAIL = """seen_at VARCHAR, indicator_id VARCHAR, area_id VARCHAR, kommun_code VARCHAR,
    period DATE, sex VARCHAR, dims VARCHAR, old_value DOUBLE, new_value DOUBLE,
    old_table_id VARCHAR, new_table_id VARCHAR, old_published VARCHAR, new_published VARCHAR"""
SUMMARY = """seen_at VARCHAR, indicator_id VARCHAR, n_values BIGINT, n_kommuner BIGINT,
    first_period DATE, last_period DATE, old_published VARCHAR, new_published VARCHAR"""


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                       "where database_name = ?", [database]).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute("select column_name from duckdb_columns() where database_name = ? "
                       "and schema_name = ? and table_name = ?", [database, schema, name])
    return {r[0] for r in rows.fetchall()}


def _compare_sql(indicator_id: str, table: str, value: str, dims: dict[str, str],
                 stamps: bool) -> str:
    """SQL for one indicator's revised cells (identifiers from indicators.yml, checked there)."""
    keys = ["kommun_code", "period", "sex", *dims.values()]
    dims_text = " || ';' || ".join(f"'{name}=' || n.{column}"
                                   for name, column in sorted(dims.items())) or "''"
    old_stamp = "o.source_updated" if stamps else "null"
    return f"""
        insert into _revision
        select ?, '{indicator_id}', 'kommun:' || n.kommun_code, n.kommun_code, n.period, n.sex,
               {dims_text}, o.{value}, n.{value}, o.table_id, n.table_id,
               {old_stamp}, n.source_updated
        from {table} n join prev.{table} o using ({', '.join(keys)})
        where o.{value} is distinct from n.{value}"""


def record(con: duckdb.DuckDBPyConnection, previous: Path | None, seen_at: str) -> dict:
    """Compare the new marts in ``con`` with the ``previous`` warehouse file; write
    marts.revision and marts.revision_summary. Returns {indicator_id: values revised}.

    Without a previous file (the first build) nothing is revised and the tables start empty.
    """
    con.execute(f"create or replace temp table _revision ({DETAIL})")
    con.execute("create schema if not exists marts")
    attached = False
    counts: dict[str, int] = {}
    try:
        if previous is not None and Path(previous).exists():
            con.execute(f"attach '{_path(previous)}' as prev (read_only)")
            attached = True
        if attached:
            _compare(con, seen_at, counts)
        con.execute(f"create or replace table marts.revision ({DETAIL})")
        con.execute(f"create or replace table marts.revision_summary ({SUMMARY})")
        old = _tables(con, "prev") if attached else set()
        if "marts.revision" in old:
            con.execute("insert into marts.revision by name select * from prev.marts.revision")
        if "marts.revision_summary" in old:
            con.execute("insert into marts.revision_summary by name "
                        "select * from prev.marts.revision_summary")
    finally:
        if attached:
            con.execute("detach prev")
    con.execute("insert into marts.revision select * from _revision")
    con.execute("""insert into marts.revision_summary
        select seen_at, indicator_id, count(*), count(distinct kommun_code), min(period),
               max(period), min(old_published), max(new_published)
        from _revision group by seen_at, indicator_id""")
    con.execute("""delete from marts.revision where seen_at not in (
        select seen_at from (select distinct seen_at from marts.revision)
        order by seen_at desc limit ?)""", [KEEP_DETAIL_RUNS])
    con.execute("drop table _revision")
    con.execute("comment on table marts.revision is 'Värden som källan reviderat: gammalt → "
                "nytt per indikator × kommun × månad × kön × indelning, med källans "
                "publiceringsstämplar och när det sågs (de senaste uppdateringarna)'")
    con.execute("comment on table marts.revision_summary is 'Revideringar per uppdatering och "
                "indikator: antal värden, kommuner och månader (sparas för alltid)'")
    return counts


def _compare(con: duckdb.DuckDBPyConnection, seen_at: str, counts: dict[str, int]) -> None:
    doc = load_catalogue()
    new, old = _tables(con, _main(con)), _tables(con, "prev")
    for indicator_id, spec in doc["indicators"].items():
        if spec.get("frequency") != "month":
            continue
        mart = doc["monthly_marts"][spec["mart"]]
        table = mart["table"]
        if table not in new or table not in old:
            continue
        dims = {name: d["column"] for name, d in (mart.get("dimensions") or {}).items()}
        need = {"kommun_code", "period", "sex", spec["kommun_value"], "table_id",
                *dims.values()}
        old_columns = _columns(con, "prev", table)
        if not need <= old_columns:
            continue  # the previous file is of another shape: nothing to compare cell by cell
        before = con.execute("select count(*) from _revision").fetchone()[0]
        con.execute(_compare_sql(indicator_id, table, spec["kommun_value"], dims,
                                 "source_updated" in old_columns), [seen_at])
        counts[indicator_id] = con.execute("select count(*) from _revision").fetchone()[0] \
            - before


def _main(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _path(path: Path) -> str:
    return str(Path(path).resolve()).replace("'", "''")
