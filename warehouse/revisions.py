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
import pandas as pd

from transforms.catalogue import load_catalogue
from transforms.duck import sql_identifier

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
            con.execute("attach ? as prev (read_only)", [str(Path(previous).resolve())])
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
        value = spec["kommun_value"]
        old_columns = _columns(con, "prev", table)
        if not {"kommun_code", "period", "sex", value, "table_id", *dims.values()} \
                <= old_columns:
            continue  # the previous file is of another shape: nothing to compare cell by cell
        stamp = "source_updated" if "source_updated" in old_columns else "table_id"
        keys = ["kommun_code", "period", "sex", *dims.values()]
        # identifiers from indicators.yml, checked again by sql_identifier; no values in text
        diff = con.execute(f"""
            select {sql_identifier(*keys)}, o.{sql_identifier(value)} as old_value,
                   n.{sql_identifier(value)} as new_value, o.table_id as old_table_id,
                   n.table_id as new_table_id, o.{sql_identifier(stamp)} as old_published,
                   n.source_updated as new_published
            from {sql_identifier(table)} n join prev.{sql_identifier(table)} o
                 using ({sql_identifier(*keys)})
            where o.{sql_identifier(value)} is distinct from n.{sql_identifier(value)}""").df()
        if stamp != "source_updated":
            diff["old_published"] = None
        counts[indicator_id] = len(diff)
        if diff.empty:
            continue
        key = pd.Series("", index=diff.index)
        for n, (name, column) in enumerate(sorted(dims.items())):
            key = key + ("" if n == 0 else ";") + f"{name}=" + diff[column].astype(str)
        rows = pd.DataFrame({
            "seen_at": seen_at, "indicator_id": indicator_id,
            "area_id": "kommun:" + diff["kommun_code"].astype(str),
            "kommun_code": diff["kommun_code"], "period": diff["period"], "sex": diff["sex"],
            "dims": key, "old_value": diff["old_value"], "new_value": diff["new_value"],
            "old_table_id": diff["old_table_id"], "new_table_id": diff["new_table_id"],
            "old_published": diff["old_published"], "new_published": diff["new_published"]})
        con.register("_revised", rows)
        try:
            con.execute("insert into _revision by name select * from _revised")
        finally:
            con.unregister("_revised")


def _main(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]
