"""DuckDB helpers below every layer (transforms/ stages with DuckDB, warehouse/ builds and
reads with it): a connection without the progress bar, and checked names for SQL text."""

from __future__ import annotations

import re

import duckdb


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` without DuckDB's progress bar, which it prints to stdout for any statement
    over 2 s (a loaded machine): into the CLI's and a refresh's output, which scripts read."""
    con.execute("set enable_progress_bar = false")
    return con


_NAME = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?")


def sql_identifier(*names: str) -> str:
    """Our own column or ``schema.table`` names for SQL text, each checked by a regex, joined
    with ', ' (they come from indicators.yml; values always go in as ``?`` parameters)."""
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"not an identifier: {name!r}")
    return ", ".join(names)
