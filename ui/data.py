"""The warehouse for the pages: one cached read-only connection, and cached queries.

The connection and every query result are keyed by the warehouse file's identity (inode and
mtime), so after a refresh swaps a new file in, the next rerun opens the new one while queries
already running finish on the old file. Each file is opened in a DuckDB instance of its own
(``connect_private``): a plain ``duckdb.connect(path)`` would reuse the still-open instance of
the old file and serve old data after the swap (tests/test_data_swap.py).
"""

from __future__ import annotations

import duckdb
import streamlit as st

import config
from warehouse import queries
from warehouse.db import connect_private, file_signature, use_warehouse


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, signature: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    return connect_private(path)


def _signature() -> tuple[int, int] | None:
    return file_signature(config.warehouse_path())


def con() -> duckdb.DuckDBPyConnection:
    """A cursor on the current warehouse file (a DuckDB connection is not thread-safe)."""
    sig = _signature()
    if sig is None:
        raise FileNotFoundError(config.warehouse_path())
    return use_warehouse(_connection(str(config.warehouse_path()), sig).cursor())


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached(name: str, signature: tuple[int, int], args: tuple, kwargs: tuple) -> object:
    with con() as cur:
        return getattr(queries, name)(cur, *args, **dict(kwargs))


def query(name: str, *args, **kwargs):
    """Run ``warehouse.queries.<name>`` with caching keyed by the warehouse file's identity."""
    return _cached(name, _signature(), args, tuple(sorted(kwargs.items())))


def warehouse_ready() -> bool:
    """True when a warehouse file exists and can be opened."""
    if _signature() is None:
        return False
    try:
        return queries.has_table(con(), "marts.kommun")
    except duckdb.Error:
        return False
