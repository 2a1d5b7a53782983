"""Kolada data bodies in Arrow: one parse (pyarrow) for the refresh's check and the build's staging.

A refresh's client parses each data page once with pyarrow (``parse_page``), checks the
dataset's pages in columns (``check_pages``), and, when they pass, writes beside each raw JSON
body a derived file of its staged rows (``write_rows``); the build reads that file
(``read_rows``) instead of parsing the JSON again. The JSON body stays the source of truth:

- ``check_pages`` accepts only what ``transforms.validate.kolada_rows`` accepts (it may refuse
  more: anything it does not accept, or pyarrow does not parse, goes to ``kolada_rows`` on the
  same bytes, which decides and words the message). pyarrow cannot tell a missing key from a
  null, and ``kolada_rows`` refuses a value object without ``value`` but accepts
  ``"value": null``: the page is parsed against the full schema of a Kolada page with any other
  field an error, so the JSON string ``"value"`` can only be that key or inside a string; no
  string may contain ``value`` and the bytes must hold ``"value"`` once per value object.
- A rows file is named by the SHA-256 of the body's bytes and of this module's source as
  imported and pyarrow's version (a stale file is never found), holds the SHA-256 of its Arrow
  payload before it and its key in the schema, and is checked on read against the body's bytes
  as they are now: anything missing, cut short, changed or of another shape is ignored and the
  JSON parsed (``transforms.staging_kolada``). Written only for a dataset that passed the check,
  before its snapshot is committed.

Imports only pyarrow: Kolada's client runs in a process forked before pandas is imported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

FORMAT = b"kolada-rows arrow-ipc 1"
_DIGEST = 32  # bytes of SHA-256 before the Arrow payload of a rows file
GENDERS = ("T", "K", "M")  # transforms.validate.GENDERS
# one staged row per value, in the body's order (staging_kolada._read_file's table)
ROWS = pa.schema([("kpi", pa.string()), ("municipality", pa.string()), ("period", pa.int64()),
                  ("gender", pa.string()), ("value", pa.float64()), ("status", pa.string()),
                  ("count", pa.int64())])
# a value object and a row (entry) of a Kolada data page; staging_kolada parses with the same
# types, so a body read from its kept rows and one parsed from JSON always agree
VALUE = pa.struct([("count", pa.int64()), ("gender", pa.string()), ("status", pa.string()),
                    ("value", pa.float64())])
ENTRY = pa.struct([("kpi", pa.string()), ("municipality", pa.string()),
                    ("period", pa.int64()), ("values", pa.list_(VALUE))])
# a whole Kolada data page, any other field an error (see the module's docstring)
_PAGE = pa_json.ParseOptions(
    explicit_schema=pa.schema([("count", pa.int64()), ("values", pa.list_(ENTRY)),
                               ("next_page", pa.string()), ("previous_page", pa.string()),
                               ("next_url", pa.string())]),
    unexpected_field_behavior="error", newlines_in_values=True)
_LINKS = ("next_page", "next_url")  # data_sources.kolada.next_link's order
PERIODS = 1_000_000  # years outside [0, PERIODS) go to kolada_rows (the keys are packed)


def _parser_digest() -> bytes:
    h = hashlib.sha256(FORMAT)
    for part in (Path(__file__).read_bytes(), pa.__version__.encode()):
        h.update(len(part).to_bytes(8, "little") + part)
    return h.digest()


PARSER = _parser_digest()  # this module's source as imported, and pyarrow's version


def read_options(size: int) -> pa_json.ReadOptions:
    """One block for the whole body, no threads (bodies are parsed side by side instead)."""
    return pa_json.ReadOptions(use_threads=False, block_size=max(size + 1024, 1 << 16))


def rows_of(body: pa.Table) -> tuple[pa.Table, pa.StructArray] | None:
    """A parsed body's rows (``ROWS``) and its entries; None when it is not one object whose
    list ``values`` holds no null entry and entries whose value objects are not null (what
    stage_values would fail on). An entry without a list has no rows."""
    if body.num_rows != 1:
        return None
    entries_of = body.column("values").combine_chunks()
    if entries_of.null_count:  # no list 'values'
        return None
    entries = pc.list_flatten(entries_of)
    if entries.null_count:  # a null entry
        return None
    kpi, municipality, period, values_of = entries.flatten()
    values = pc.list_flatten(values_of)
    if values.null_count:
        return None
    parent = pc.list_parent_indices(values_of)
    count, gender, status, value = values.flatten()
    return pa.table({"kpi": kpi.take(parent), "municipality": municipality.take(parent),
                     "period": period.take(parent), "gender": gender, "value": value,
                     "status": status, "count": count}), entries


@dataclass(frozen=True)
class Page:
    """One data page parsed by pyarrow: its rows, entries, next-page link and what the check
    needs of its bytes."""

    rows: pa.Table
    entries: pa.StructArray
    next: str | None
    links: tuple[str, ...]  # the page's top-level strings (page links)
    value_keys: int  # occurrences of the bytes '"value"'
    sha256: str  # of the bytes parsed


_BLANKS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_HEAD = 1 << 16  # bytes of a file looked at for its first JSON value


def opens_an_object(head: bytes) -> bool:
    """Whether the first JSON value in ``head`` (a body's first bytes) opens an object, after
    an optional byte order mark and blanks. pyarrow's JSON reader (26.0) ends the process with
    a segmentation fault on a body whose first value is ``null``; only a body that opens an
    object is given to it (anything else goes to orjson and ``kolada_rows``, which refuse it
    with a message)."""
    head = head.removeprefix(_BOM)
    return head.lstrip(_BLANKS)[:1] == b"{"


def file_opens_an_object(path: Path) -> bool:
    """``opens_an_object`` for a file's first bytes (False when they are all blanks)."""
    with open(path, "rb") as f:
        return opens_an_object(f.read(_HEAD))


def parse_page(data: bytes) -> Page | None:
    """``data`` parsed as a Kolada data page with pyarrow; None when pyarrow does not parse it
    as one (then orjson and ``kolada_rows`` decide, as without this module)."""
    if not opens_an_object(data[:_HEAD]):
        return None
    try:
        body = pa_json.read_json(pa.BufferReader(data), read_options=read_options(len(data)),
                                 parse_options=_PAGE)
        body.validate(full=True)  # every string valid UTF-8 (the reader does not check)
    except (pa.ArrowException, ValueError):
        return None
    found = rows_of(body)
    if found is None:
        return None
    top = {name: body.column(name)[0].as_py() for name in ("next_page", "previous_page",
                                                           "next_url")}
    link = next((top[k] for k in _LINKS if top[k]), None)
    return Page(found[0], found[1], link, tuple(s for s in top.values() if s is not None),
                data.count(b'"value"'), hashlib.sha256(data).hexdigest())


def _all(mask: pa.Array) -> bool:
    return mask.null_count == 0 and bool(pc.all(mask, min_count=0).as_py())


def _ints(array: pa.Array) -> np.ndarray:
    """An integer array without nulls as numpy, from its buffer (``to_numpy`` would import
    pandas, through pyarrow's pandas check: the client's process has no pandas)."""
    width = array.type.bit_width // 8
    if not len(array):
        return np.empty(0, f"<i{width}")
    return np.frombuffer(array.buffers()[1], dtype=f"<i{width}",
                         count=len(array), offset=array.offset * width)


def check_pages(pages: list[Page], *, kpi: str, known_ids: set[str] | None) -> int | None:
    """The number of values when the pages of one dataset pass every check
    ``transforms.validate.kolada_rows`` makes (with ``seen`` carried across the pages), else
    None: the caller then runs ``kolada_rows``, which decides and words the refusal."""
    if "value" in kpi:
        return None
    known = None if known_ids is None else np.array(sorted(
        int(c) for c in known_ids if len(c) == 4 and c.isascii() and c.isdigit()), np.int64)
    keys = []
    n = 0
    for page in pages:
        rows, entries = page.rows, page.entries
        if page.value_keys != rows.num_rows or any("value" in s for s in page.links):
            return None
        kpis, munis, periods, values_of = entries.flatten()
        if kpis.null_count or munis.null_count or periods.null_count or values_of.null_count:
            return None
        if pc.unique(kpis).to_pylist() not in ([], [kpi]) \
                or not _all(pc.match_substring_regex(munis, pattern="^[0-9]{4}$")):
            return None
        codes = _ints(pc.cast(munis, pa.int64()))
        if known is not None and not np.isin(codes, known).all():
            return None
        if len(periods) and (pc.min(periods).as_py() < 0 or pc.max(periods).as_py() >= PERIODS):
            return None
        keys.append(_ints(periods) * 10_000 + codes)
        gender, status, value = rows.column("gender"), rows.column("status"), rows.column("value")
        if gender.null_count or pc.any(pc.match_substring(status, pattern="value")).as_py() \
                or pc.any(pc.is_nan(value)).as_py() or pc.any(pc.is_inf(value)).as_py():
            return None
        genders = pc.dictionary_encode(gender.combine_chunks())
        names = genders.dictionary.to_pylist()
        if not set(names) <= set(GENDERS):  # a gender not T/K/M
            return None
        code = np.array([GENDERS.index(g) for g in names], np.int64)[_ints(genders.indices)]
        parent = _ints(pc.list_parent_indices(values_of))
        if len(parent) and np.bincount(parent * 3 + code).max() > 1:
            return None  # the same gender twice in one row
        n += rows.num_rows
    key = np.concatenate(keys) if keys else np.empty(0, np.int64)
    if len(np.unique(key)) != len(key):  # a (kpi, kommun, år) twice in the dataset
        return None
    return n


def _key(body_sha256: str) -> str:
    return hashlib.sha256(bytes.fromhex(body_sha256) + PARSER).hexdigest()


def rows_path(body: Path, body_sha256: str) -> Path:
    """Where the rows of the body ``body`` with these bytes are kept."""
    return body.with_name(f"{body.stem}.rows-{_key(body_sha256)}.arrow")


def write_rows(body: Path, page: Page) -> None:
    """The page's rows beside its body (``rows_path``); nothing when it cannot be written."""
    key = _key(page.sha256)
    table = page.rows.replace_schema_metadata({b"key": key.encode()})
    try:
        out = pa.BufferOutputStream()
        with pa.ipc.new_file(out, table.schema) as writer:
            writer.write_table(table)
        payload = out.getvalue()
        with open(rows_path(body, page.sha256), "wb") as sink:
            sink.write(hashlib.sha256(payload).digest())
            sink.write(payload)
    except (OSError, pa.ArrowException):
        return  # the build parses the JSON


def read_rows(body: Path) -> pa.Table | None:
    """The rows kept beside ``body`` for its bytes as they are now, or None (none kept, or one
    cut short, changed, of another key or shape: the caller parses the JSON)."""
    try:  # read into Arrow's memory pool, where the JSON parse's arrays are; the body hashed
        # in chunks (no copy of it held)
        with open(body, "rb") as f:
            path = rows_path(body, hashlib.file_digest(f, "sha256").hexdigest())
        with pa.OSFile(str(path)) as f:
            data = f.read_buffer()
        payload = data.slice(_DIGEST)
        if data.size <= _DIGEST or hashlib.sha256(payload).digest() != data[:_DIGEST].to_pybytes():
            return None
        table = pa.ipc.open_file(payload).read_all()
        if (table.schema.metadata or {}).get(b"key") != path.stem.split(".rows-")[1].encode() \
                or not table.schema.remove_metadata().equals(ROWS):
            return None
        return table.replace_schema_metadata(None)
    except Exception:  # noqa: BLE001 - whatever cannot be read back is parsed from the JSON
        return None
