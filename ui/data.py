"""The warehouse for the pages: one cached read-only connection, cached queries and figures.

The connection and every query result are keyed by the warehouse file's identity (inode and
mtime), so after a refresh swaps a new file in, the next rerun opens the new one while queries
already running finish on the old file. Each file is opened in a DuckDB instance of its own
(``connect_private``): a plain ``duckdb.connect(path)`` would reuse the still-open instance of
the old file and serve old data after the swap (tests/test_data_swap.py).

Speed (issue 9 point 8, docs/decisions.md "Caching on a rerun"): a query's arguments are keyed
by a digest of their pickle, not by Streamlit's own hasher (which walks an Area of 290 kommun
codes field by field: ~10 ms a call, hundreds of calls a run); the file's identity is read
once per script run (``run_scope``); figures are built once per distinct input (``figure``).
"""

from __future__ import annotations

import hashlib
import io
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb
import streamlit as st

import charts
import config
from transforms.catalogue import Indicator
from warehouse import queries
from warehouse.db import connect_private, file_signature, use_warehouse

T = TypeVar("T")
_RUN = threading.local()  # the warehouse file's identity during one script run (run_scope)


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, signature: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    return connect_private(path)


def _signature() -> tuple[int, int] | None:
    fixed = getattr(_RUN, "signature", None)
    return fixed if fixed is not None else file_signature(config.warehouse_path())


class _Memo:
    """What a run already asked for, in plain dicts: a repeated query or block is a dict
    lookup, not a call through Streamlit's cache (which hashes its arguments and inspects the
    function's signature on every call: ~0.5 ms each, ~120 calls a run on Översikt; issue 12
    point 7). Query results are kept pickled and handed out as fresh copies (as
    ``st.cache_data`` does); blocks are shared, as ``st.cache_resource`` shares them. Bounded
    and aged like the Streamlit caches behind it; one per process, dropped with
    ``st.cache_resource.clear()``."""

    def __init__(self, max_entries: int, ttl: float) -> None:
        self._items: OrderedDict[object, tuple[float, object]] = OrderedDict()
        self._max, self._ttl = max_entries, ttl
        self._lock = threading.Lock()

    def get(self, key: object) -> object:
        """The value kept for ``key``, or _MISSING."""
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > self._ttl:
                return _MISSING
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: object, value: object) -> None:
        """Keep ``value`` for ``key`` (the oldest entries go beyond the bound)."""
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


_MISSING = object()


@st.cache_resource(show_spinner=False)
def _memos() -> tuple[_Memo, _Memo]:
    """The process's memos of query results and of blocks (see _Memo)."""
    return _Memo(1024, 3600), _Memo(512, 3600)


@contextmanager
def run_scope() -> Iterator[None]:
    """One script run reads one warehouse file: its identity is taken once, at the start (a
    refresh swapping a new file in mid-run shows on the next run, not halfway down a page)."""
    _RUN.signature = file_signature(config.warehouse_path())
    _RUN.memos = _memos()
    _RUN.indicators = _RUN.connection = None
    try:
        yield
    finally:
        _RUN.signature = _RUN.memos = _RUN.indicators = _RUN.connection = None
        _RUN.batch = None


def read_ahead(batch: Callable[[str, tuple, dict], object] | None) -> None:
    """For the rest of this script run, a query that misses the cache asks ``batch(name,
    args, kwargs)`` first: a result it gives (not None) is cached as the query's own. A page
    reads the series of all its charts in one statement this way (ui/render.py) instead of
    one statement per chart, and only for the charts no cache holds yet."""
    _RUN.batch = batch


@contextmanager
def reading_ahead(batch: Callable[[str, tuple, dict], object]) -> Iterator[None]:
    """``read_ahead(batch)`` inside the block only, the run's own reader asked when ``batch``
    gives nothing (a section's cards read their places this way, ui/blocks.py)."""
    before = getattr(_RUN, "batch", None)

    def both(name: str, args: tuple, kwargs: dict) -> object:
        found = batch(name, args, kwargs)
        return found if found is not None or before is None else before(name, args, kwargs)

    _RUN.batch = both
    try:
        yield
    finally:
        _RUN.batch = before


def _from_batch(name: str, args: tuple, kwargs: tuple) -> object:
    batch = getattr(_RUN, "batch", None)
    return None if batch is None else batch(name, args, dict(kwargs))


def con() -> duckdb.DuckDBPyConnection:
    """A cursor on the current warehouse file (a DuckDB connection is not thread-safe).

    In a script run the file's connection is looked up once (its identity is fixed for the
    run): the path from the settings and Streamlit's cache lookup cost ~0.4 ms of CPU, paid
    by every query that misses the cache (issue 12 point 7)."""
    held = getattr(_RUN, "connection", None)
    if held is None:
        sig = _signature()
        if sig is None:
            raise FileNotFoundError(config.warehouse_path())
        held = _connection(str(config.warehouse_path()), sig)
        if getattr(_RUN, "signature", None) is not None:
            _RUN.connection = held
    return use_warehouse(held.cursor())


def _digest(value: object) -> bytes | None:
    """A short key for ``value`` from its pickle (equal pickles = equal values); None when it
    cannot be pickled. The pickler's memo is off ("fast" mode): with it, the bytes would
    depend on which equal objects happen to be one object (a query result returned twice
    pickles as a back-reference the second time), and equal inputs would miss the cache."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    return hashlib.blake2b(buffer.getbuffer(), digest_size=20).digest()


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached(name: str, signature: tuple[int, int], args: tuple, kwargs: tuple) -> object:
    if (found := _from_batch(name, args, kwargs)) is not None:
        return found
    with con() as cur:
        return getattr(queries, name)(cur, *args, **dict(kwargs))


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached_by_digest(name: str, signature: tuple[int, int], digest: bytes, _args: tuple,
                      _kwargs: tuple) -> object:
    """As ``_cached``, keyed by the arguments' digest (``_args`` and ``_kwargs`` are not hashed
    by Streamlit: the digest stands for them)."""
    if (found := _from_batch(name, _args, _kwargs)) is not None:
        return found
    with con() as cur:
        return getattr(queries, name)(cur, *_args, **dict(_kwargs))


@st.cache_resource(max_entries=2, show_spinner=False)
def _indicator_index(signature: tuple[int, int] | None) -> dict[str, Indicator]:
    """Every indicator of the catalogue by lower-case id, read once per warehouse file."""
    with con() as cur:
        return {ind.id.lower(): ind for ind in queries.indicators(cur)}


def query(name: str, *args, **kwargs):
    """Run ``warehouse.queries.<name>`` with caching keyed by the warehouse file's identity."""
    if name == "indicator" and len(args) == 1 and not kwargs and isinstance(args[0], str):
        # the same row of marts.indicator as queries.indicator (its id in any case), from
        # the catalogue read once: a page asks for its indicators hundreds of times a run.
        # Indicators are frozen, so they are handed out without copying.
        index = getattr(_RUN, "indicators", None)
        if index is None:
            index = _indicator_index(_signature())
            if getattr(_RUN, "memos", None) is not None:
                _RUN.indicators = index  # this run's file: one lookup in Streamlit's cache
        found = index.get(args[0].lower())
        if found is None:
            raise queries.UnknownIndicator(args[0])
        return found
    items = tuple(sorted(kwargs.items()))
    digest = _digest((args, items))
    if digest is None:
        return _cached(name, _signature(), args, items)
    memos = getattr(_RUN, "memos", None)
    if memos is None:  # outside a script run
        return _cached_by_digest(name=name, signature=_signature(), digest=digest,
                                 _args=args, _kwargs=items)
    key = (name, _signature(), digest)
    kept = memos[0].get(key)
    if kept is not _MISSING:
        return pickle.loads(kept)  # a fresh copy, as st.cache_data gives
    # by keyword: Streamlit looks up the name of each positional argument (to leave out
    # the underscored ones) with inspect.signature, ~0.15 ms a call that misses the memo
    result = _cached_by_digest(name=name, signature=key[1], digest=digest, _args=args,
                               _kwargs=items)
    try:
        memos[0].put(key, pickle.dumps(result, protocol=5))
    except (pickle.PicklingError, TypeError, AttributeError):
        pass  # kept by Streamlit's cache only
    return result


@st.cache_resource(ttl=3600, max_entries=256, show_spinner=False)
def _figure(builder: str, digest: bytes, _build: Callable[..., T], _args: tuple,
            _kwargs: dict) -> T:
    return _build(*_args, **_kwargs)


def figure(build: Callable[..., T], *args, **kwargs) -> T:
    """``build(*args, **kwargs)`` (a figure builder in charts.py), made once per distinct input
    and shared by every session and rerun after that. The inputs are the data drawn, so no
    warehouse identity is needed; the figure returned must not be changed by the caller."""
    # the width on screen too: titles and source lines are wrapped for it (charts.on_screen)
    digest = _digest((args, kwargs, charts.screen_width()))
    if digest is None:
        return build(*args, **kwargs)
    name = f"{build.__module__}.{build.__qualname__}:{id(build)}"
    return _figure(name, digest, build, args, kwargs)


def warehouse_ready() -> bool:
    """True when a warehouse file exists and can be opened."""
    if _signature() is None:
        return False
    try:
        return queries.has_table(con(), "marts.kommun")
    except duckdb.Error:
        return False


# a chart entry holds a figure (~150 KiB in memory): 512 entries stay under ~75 MB
@st.cache_resource(ttl=3600, max_entries=512, show_spinner=False)
def _made(kind: str, signature: tuple[int, int] | None, digest: bytes,
          _build: Callable[[], T]) -> T:
    return _build()


def cached(kind: str, key: object, build: Callable[[], T]) -> T:
    """``build()`` once per (kind, key, warehouse file), shared by every session and rerun
    after that: what a block computes from queries for one view (its figure, numbers, texts).
    ``key`` must hold everything ``build`` reads besides the warehouse; ``build`` must draw
    nothing, and what it returns must not be changed by the caller."""
    digest = _digest(key)
    if digest is None:
        return build()
    memos = getattr(_RUN, "memos", None)
    if memos is None:  # outside a script run
        return _made(kind, _signature(), digest, build)
    memo_key = (kind, _signature(), digest)
    kept = memos[1].get(memo_key)
    if kept is _MISSING:
        kept = _made(kind, memo_key[1], digest, build)
        memos[1].put(memo_key, kept)
    return kept
