"""Compare two warehouse files table by table: schema (names, types, comments) and every row.

    python bench/compare_warehouses.py OLD.duckdb NEW.duckdb

For a change to the build that must not change its output (issue 12 point 7): build once with
the old code and once with the new from the same raw layer, then compare. Rows are compared
first position by position in their stored order (a ``positional join``: equal counts and row
i the same on both sides for every i means identical, in order; ~0.5 s for two whole-mirror
files where the steps below took ~10 s of CPU); a table that differs there is compared as
multisets (``except all`` both ways), then by its stored order (a query without ``order by``
may depend on it), which says how it differs;
columns that hold the build's own clock (``refresh_log.run_at``, the build's message with its
timestamp) are left out. Exit 1 and the differences when anything differs.

Views are compared as tables are, by their rows (a view has no rowid: its order is compared
by the positional join only), so a table that became a view (``marts.indicator_weight`` over
``marts.weight_series``, weights24) is compared with what it was, and the change is named. A
column added or dropped is named and the rows are compared on the columns both sides have.
"""

from __future__ import annotations

import sys

import duckdb

# the build's clock: differs between any two builds
VOLATILE = {"marts.refresh_log": {"run_at"}, "marts.revision": {"seen_at"},
            "marts.revision_summary": {"seen_at"}}


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, str | None]:
    rows = con.execute("select schema_name || '.' || table_name, comment from duckdb_tables() "
                       "where database_name = ? union all "
                       "select schema_name || '.' || view_name, comment from duckdb_views() "
                       "where database_name = ? and not internal", [db, db]).fetchall()
    return dict(rows)


def _views(con: duckdb.DuckDBPyConnection, db: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select schema_name || '.' || view_name from duckdb_views() "
        "where database_name = ? and not internal", [db]).fetchall()}


def _columns(con: duckdb.DuckDBPyConnection, db: str, table: str) -> list[tuple]:
    schema, name = table.split(".")
    return con.execute("select column_name, data_type, comment from duckdb_columns() "
                       "where database_name = ? and schema_name = ? and table_name = ? "
                       "order by column_index", [db, schema, name]).fetchall()


def compare(old: str, new: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every difference between the two files, as readable lines (empty: identical); tables
    in ``skip`` (``schema.table``) are not compared."""
    con = duckdb.connect()
    con.execute("attach ? as a (read_only)", [old])
    con.execute("attach ? as b (read_only)", [new])
    ta, tb = _tables(con, "a"), _tables(con, "b")
    va, vb = _views(con, "a"), _views(con, "b")
    for table in skip:
        ta.pop(table, None)
        tb.pop(table, None)
    out = [f"only in old: {t}" for t in sorted(set(ta) - set(tb))]
    out += [f"only in new: {t}" for t in sorted(set(tb) - set(ta))]
    for table in sorted(set(ta) & set(tb)):
        if ta[table] != tb[table]:
            out.append(f"{table}: table comment differs")
        if (table in va) != (table in vb):
            out.append(f"{table}: a {'view' if table in vb else 'table'} in new, "
                       f"a {'view' if table in va else 'table'} in old")
        ca, cb = _columns(con, "a", table), _columns(con, "b", table)
        if ca != cb:
            names_a, names_b = [c[0] for c in ca], [c[0] for c in cb]
            shared_a = [c for c in ca if c[0] in names_b]
            shared_b = [c for c in cb if c[0] in names_a]
            if shared_a != shared_b or not shared_a:
                out.append(f"{table}: columns differ\n  old {ca}\n  new {cb}")
                continue
            out += [f"{table}: column {c[0]} only in {side}" for side, only in (
                ("old", [c for c in ca if c[0] not in names_b]),
                ("new", [c for c in cb if c[0] not in names_a])) for c in only]
            ca = shared_a
        cols = [c[0] for c in ca if c[0] not in VOLATILE.get(table, set())]
        select = ", ".join(f'"{c}"' for c in cols)
        na = con.execute(f"select count(*) from a.{table}").fetchone()[0]
        nb = con.execute(f"select count(*) from b.{table}").fetchone()[0]
        if na == nb and con.execute(
                f"select count(*) from (select {select} from a.{table}) x positional join "
                f"(select {select} from b.{table}) y where x is distinct from y"
                ).fetchone()[0] == 0:
            continue  # row i the same on both sides, for every i: identical, in order
        counts = []
        for x, y in (("a", "b"), ("b", "a")):
            sql = (f"select count(*) from (select {select} from {x}.{table} except all "
                   f"select {select} from {y}.{table})")
            counts.append(con.execute(sql).fetchone()[0])
        if any(counts) or na != nb:
            out.append(f"{table}: {na} vs {nb} rows; {counts[0]} only in old, "
                       f"{counts[1]} only in new")
            continue
        if table in va or table in vb:  # no rowid: the positional join said it
            out.append(f"{table}: the same rows in another order")
            continue
        order = [con.execute(f"select md5(string_agg(cast(row({select}) as varchar), chr(10) "
                             f"order by rowid)) from {x}.{table}").fetchone()[0]
                 for x in ("a", "b")]
        if order[0] != order[1]:
            out.append(f"{table}: the same rows in another order")
    con.close()
    return out


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    diffs = compare(old, new)
    for line in diffs:
        print(line)
    print("identical" if not diffs else f"{len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
