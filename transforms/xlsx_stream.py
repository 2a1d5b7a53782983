"""Streaming reads of an xlsx workbook: sheet names, the first rows of a sheet, pivot caches.

Nothing is loaded whole: every XML part is parsed by expat straight from the zip stream, so a
pivot cache of hundreds of MB costs the arrays of the fields asked for and no more. Shared items
in a cache definition are kept once per field and referenced by index, as in the file.

Why not openpyxl: it reads pivot caches only in full (every record as Python objects, gigabytes
for a real ``web-sok-lan-kom``), and in read-only mode not at all. Why expat rather than
``ElementTree.iterparse``: measured 2.5x faster on a 200 MB records part with the same flat
memory (see docs/decisions.md). Errors are ``XlsxError`` with a Swedish message naming the file
and the part.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Self
from xml.parsers import expat

import numpy as np

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHUNK = 1 << 20
RESOLVE_BLOCK = 1 << 18  # records resolved per block (see _resolve_values)
NAN = float("nan")


class XlsxError(ValueError):
    """The workbook cannot be read as documented; ``message`` is Swedish and names file and part."""

    def __init__(self, file: str, part: str | None, message: str):
        where = f"{file}, {part}" if part else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.part = part
        self.message = message


@dataclass(frozen=True)
class CacheField:
    """One field of a pivot cache: its name, shared items, and whether records carry it."""

    name: str
    shared: tuple  # items: str | float | None (missing) in file order
    in_records: bool  # False for calculated/grouped fields (databaseField="0")


@dataclass(frozen=True)
class PivotCache:
    """A pivot cache: its definition part, records part and fields."""

    definition_part: str
    records_part: str | None
    fields: tuple[CacheField, ...]
    record_count: int | None

    @property
    def field_names(self) -> list[str]:
        """Names of every field, in the definition's order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> CacheField:
        """The field called ``name`` (KeyError when there is none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass
class FieldValues:
    """One field's values over all records: text as categorical codes, numbers as floats.

    ``codes[i]`` indexes ``categories`` (-1: not text), ``numbers[i]`` is the number (NaN: not a
    number). A record's value is missing when it is neither. A field holding no number at all
    gets an all-NaN ``numbers`` only when asked (``numbers`` is built lazily: a text field of
    millions of records should not cost a float per record).
    """

    codes: np.ndarray
    categories: list[str]
    _numbers: np.ndarray | None = None

    @property
    def numbers(self) -> np.ndarray:
        """Per record the number, NaN where the value is text or missing."""
        if self._numbers is None:
            self._numbers = np.full(len(self.codes), np.nan)
        return self._numbers

    @property
    def has_numbers(self) -> bool:
        """True when some record holds a number."""
        return self._numbers is not None and bool((~np.isnan(self._numbers)).any())


@dataclass
class _Slot:
    """Parse-time storage for one requested field.

    ``idx`` per record: >= 0 a shared item, -1 none (an inline number or missing), <= -2 an
    inline string. It starts as narrow as the field's shared items allow (1 or 2 bytes a
    record) and widens if inline strings overflow it.
    """

    idx: array = field(default_factory=lambda: array("i"))
    num: array | None = None  # inline numbers, created at the first <n>
    inline: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_items(cls, n_shared: int) -> _Slot:
        """A slot whose index array fits ``n_shared`` shared items."""
        code = "b" if n_shared < 100 else "h" if n_shared < 30_000 else "i"
        return cls(idx=array(code))

    def append_shared(self, index: int) -> None:
        """A shared index in a field that also holds inline numbers."""
        self.idx.append(index)
        self.num.append(NAN)

    def widen(self) -> None:
        """Move the index array to the next wider integer type."""
        self.idx = array({"b": "h", "h": "i"}.get(self.idx.typecode, "q"), self.idx)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attr(attrs: list[str], key: str) -> str | None:
    for i in range(0, len(attrs) - 1, 2):
        if attrs[i] == key:
            return attrs[i + 1]
    return None


def _column_index(ref: str | None) -> int | None:
    if not ref:
        return None
    letters = re.match(r"[A-Z]+", ref)
    if not letters:
        return None
    n = 0
    for ch in letters.group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Stop(Exception):
    """Raised inside a handler to stop parsing early."""


class Workbook:
    """An xlsx file opened for streaming reads. Use as a context manager or call ``close``."""

    def __init__(self, path: Path, *, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        with open(self.path, "rb") as fh:
            head = fh.read(512)
        if not head.startswith(b"PK"):
            if b"<html" in head.lower() or b"<!doctype" in head.lower():
                raise XlsxError(self.name, None, "filen är en HTML-sida, inte en xlsx-fil")
            raise XlsxError(self.name, None, "filen är inte en xlsx-fil (ingen zip-signatur)")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise XlsxError(self.name, None, f"trasig eller avkortad zip-fil ({exc})") from exc
        self.parts = set(self.zip.namelist())
        if "xl/workbook.xml" not in self.parts:
            raise XlsxError(self.name, None, "xl/workbook.xml saknas: ingen Excel-arbetsbok")
        self._shared_strings: list[str] | None = None
        self._workbook = self._read_workbook()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    # -- parsing plumbing ------------------------------------------------------------------
    def _parse(self, part: str, start: Callable, end: Callable | None = None,
               text: Callable | None = None) -> None:
        if part not in self.parts:
            raise XlsxError(self.name, part, "delen saknas i filen")
        parser = expat.ParserCreate()
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        try:
            with self.zip.open(part) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            return
        except expat.ExpatError as exc:
            raise XlsxError(self.name, part, f"ogiltig XML ({exc})") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise XlsxError(self.name, part, f"trasig eller avkortad zip-fil ({exc})") from exc

    def _rels(self, part: str) -> dict[str, str]:
        """Relationship id -> target part path, for ``part``'s .rels file ({} if none)."""
        folder, _, base = part.rpartition("/")
        rels_part = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_part not in self.parts:
            return {}
        out: dict[str, str] = {}

        def start(name: str, attrs: list[str]) -> None:
            if _local(name) == "Relationship":
                rid, target = _attr(attrs, "Id"), _attr(attrs, "Target")
                if rid and target and _attr(attrs, "TargetMode") != "External":
                    out[rid] = _resolve(folder, target)

        self._parse(rels_part, start)
        return out

    def _read_workbook(self) -> dict:
        sheets: list[tuple[str, str]] = []
        caches: list[tuple[str, str]] = []

        def start(name: str, attrs: list[str]) -> None:
            local = _local(name)
            if local == "sheet":
                sheets.append((_attr(attrs, "name") or "", _rid(attrs) or ""))
            elif local == "pivotCache":
                caches.append((_attr(attrs, "cacheId") or "", _rid(attrs) or ""))

        self._parse("xl/workbook.xml", start)
        rels = self._rels("xl/workbook.xml")
        return {"sheets": [(n, rels.get(r)) for n, r in sheets],
                "caches": [(c, rels.get(r)) for c, r in caches]}

    # -- sheets ----------------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""
        return [n for n, _ in self._workbook["sheets"]]

    def shared_strings(self) -> list[str]:
        """The shared string table (read once, on first use)."""
        if self._shared_strings is not None:
            return self._shared_strings
        out: list[str] = []
        if "xl/sharedStrings.xml" in self.parts:
            state = {"buf": None, "depth_rph": 0, "in_t": False}

            def start(name: str, attrs: list[str]) -> None:
                local = _local(name)
                if local == "si":
                    state["buf"] = []
                elif local == "rPh":
                    state["depth_rph"] += 1
                elif local == "t" and not state["depth_rph"]:
                    state["in_t"] = True

            def end(name: str) -> None:
                local = _local(name)
                if local == "si":
                    out.append("".join(state["buf"] or []))
                    state["buf"] = None
                elif local == "rPh":
                    state["depth_rph"] -= 1
                elif local == "t":
                    state["in_t"] = False

            def text(data: str) -> None:
                if state["in_t"] and state["buf"] is not None:
                    state["buf"].append(data)

            self._parse("xl/sharedStrings.xml", start, end, text)
        self._shared_strings = out
        return out

    def sheet_rows(self, sheet: str, *, max_rows: int = 40) -> list[list[object]]:
        """The first ``max_rows`` rows of a sheet as lists (None for empty cells).

        Text comes back as str (shared, inline or formula strings), numbers as float. Parsing
        stops after the last wanted row, so a big sheet costs no more than its head.
        """
        part = dict(self._workbook["sheets"]).get(sheet)
        if part is None:
            raise XlsxError(self.name, f"bladet '{sheet}'", "bladet finns inte "
                            f"(bladen heter: {', '.join(self.sheet_names())})")
        rows: dict[int, dict[int, object]] = {}
        cell: dict = {}
        state = {"row": 0, "col": -1, "collect": False}

        def start(name: str, attrs: list[str]) -> None:
            local = _local(name)
            if local == "row":
                r = _attr(attrs, "r")
                state["row"] = int(r) if r else state["row"] + 1
                state["col"] = -1
                if state["row"] > max_rows:
                    raise _Stop
            elif local == "c":
                col = _column_index(_attr(attrs, "r"))
                state["col"] = col if col is not None else state["col"] + 1
                cell.clear()
                cell.update(t=_attr(attrs, "t") or "n", text=[])
            elif local in ("v", "t"):
                state["collect"] = True

        def end(name: str) -> None:
            local = _local(name)
            if local in ("v", "t"):
                state["collect"] = False
            elif local == "c":
                value = _cell_value(cell, self.shared_strings)
                if value is not None:
                    rows.setdefault(state["row"], {})[state["col"]] = value

        def text(data: str) -> None:
            if state["collect"] and cell:
                cell["text"].append(data)

        self._parse(part, start, end, text)
        out: list[list[object]] = []
        for r in range(1, max_rows + 1):
            cells = rows.get(r, {})
            width = max(cells) + 1 if cells else 0
            out.append([cells.get(c) for c in range(width)])
        while out and not out[-1]:
            out.pop()
        return out

    # -- pivot caches ----------------------------------------------------------------------
    def pivot_caches(self) -> list[PivotCache]:
        """Every pivot cache the workbook declares (definition read; records not yet)."""
        parts = [p for _, p in self._workbook["caches"] if p]
        if not parts:  # no <pivotCaches> in workbook.xml: fall back to the parts present
            parts = sorted((p for p in self.parts
                            if re.fullmatch(r"xl/pivotCache/pivotCacheDefinition\d+\.xml", p)),
                           key=lambda p: int(re.search(r"(\d+)\.xml$", p).group(1)))
        return [self._read_definition(p) for p in parts]

    def _read_definition(self, part: str) -> PivotCache:
        fields: list[CacheField] = []
        state: dict = {"field": None, "items": None, "in_shared": False, "rid": None,
                       "count": None, "root_ok": False}

        def start(name: str, attrs: list[str]) -> None:
            local = _local(name)
            if local == "pivotCacheDefinition":
                state["root_ok"] = True
                state["rid"] = _rid(attrs)
                count = _attr(attrs, "recordCount")
                state["count"] = int(count) if count and count.isdigit() else None
            elif local == "cacheField":
                state["field"] = (_attr(attrs, "name") or "",
                                  _attr(attrs, "databaseField") not in ("0", "false"))
                state["items"] = []
            elif local == "sharedItems":
                state["in_shared"] = True
            elif state["in_shared"] and local in _ITEM_KINDS:
                state["items"].append(_item(local, _attr(attrs, "v")))

        def end(name: str) -> None:
            local = _local(name)
            if local == "sharedItems":
                state["in_shared"] = False
            elif local == "cacheField":
                fname, in_records = state["field"]
                fields.append(CacheField(fname, tuple(state["items"]), in_records))

        self._parse(part, start, end)
        if not state["root_ok"]:
            raise XlsxError(self.name, part, "väntade en pivotCacheDefinition")
        records = self._rels(part).get(state["rid"]) if state["rid"] else None
        if records is None:
            guess = part.replace("pivotCacheDefinition", "pivotCacheRecords")
            records = guess if guess in self.parts else None
        return PivotCache(part, records, tuple(fields), state["count"])

    def read_records(self, cache: PivotCache, names: Iterable[str]) -> dict[str, FieldValues]:
        """The values of the named fields over every record of ``cache``, streamed.

        Raises XlsxError when the cache holds no records, a record has more or fewer values
        than the cache has record fields, or an index points past a field's shared items.
        """
        names = list(names)
        if cache.records_part is None or cache.records_part not in self.parts:
            raise XlsxError(self.name, cache.definition_part,
                            "pivotcachen saknar sparade rader (pivotCacheRecords)")
        stored = [f for f in cache.fields if f.in_records]
        stored_names = [f.name for f in stored]
        for n in names:
            if n not in stored_names:
                raise XlsxError(self.name, cache.definition_part, f"fältet {n} saknas")
        slots: list[_Slot | None] = [(_Slot.for_items(len(f.shared)) if f.name in names else None)
                                     for f in stored]
        width = len(stored)
        part = cache.records_part
        pos = 0
        n_records = 0
        bad: list[str] = []

        def fail(message: str) -> None:
            bad.append(message)
            raise _Stop

        # Per record position, what an <x> does: None (field not asked for) or an append of
        # the shared index. Kept in a list of bound methods: the hot path of a file with
        # tens of millions of values.
        on_x: list = [None] * width

        def rebind(i: int) -> None:
            slot = slots[i]
            if slot is None:
                on_x[i] = None
            elif slot.num is None:
                on_x[i] = slot.idx.append
            else:
                on_x[i] = slot.append_shared

        for i in range(width):
            rebind(i)

        def start(name: str, attrs: list[str]) -> None:
            nonlocal pos, n_records
            if name == "x":
                if pos >= width:
                    fail(f"rad {n_records} har fler värden än cachens {width} fält")
                append = on_x[pos]
                if append is not None:
                    v = int(attrs[1] if attrs[0] == "v" else _attr(attrs, "v"))
                    try:
                        append(v)
                    except OverflowError:  # an index past the shared items: reported below
                        slots[pos].widen()
                        rebind(pos)
                        on_x[pos](v)
                pos += 1
            elif name == "r":
                if n_records and pos != width:
                    fail(f"rad {n_records} har {pos} värden, cachen har {width} fält")
                n_records += 1
                pos = 0
            elif name in _ITEM_KINDS:
                if pos >= width:
                    fail(f"rad {n_records} har fler värden än cachens {width} fält")
                slot = slots[pos]
                if slot is not None and _store_inline(slot, name, attrs):
                    rebind(pos)
                pos += 1
            elif ":" in name:  # a prefixed namespace: same handling on the local name
                start(_local(name), attrs)

        try:
            self._parse(part, start)
        except (IndexError, ValueError, TypeError) as exc:  # e.g. <x/> without v, v="abc"
            raise XlsxError(self.name, part, f"ogiltigt värde i rad {n_records} ({exc})") from exc
        if bad:
            raise XlsxError(self.name, part, bad[0])
        if n_records and pos != width:
            raise XlsxError(self.name, part, f"sista raden har {pos} värden, cachen har "
                            f"{width} fält (avkortad?)")
        on_x.clear()  # its bound methods hold the parse arrays
        out = {}
        for i, f in enumerate(stored):
            if slots[i] is not None:
                out[f.name] = _resolve_values(self.name, part, f, slots[i], n_records)
                slots[i] = None  # free the parse arrays field by field
        return out


_ITEM_KINDS = {"s", "n", "m", "b", "d", "e"}


def _rid(attrs: list[str]) -> str | None:
    for i in range(0, len(attrs) - 1, 2):
        if attrs[i] == "r:id" or attrs[i].endswith(":id") or attrs[i] == "id":
            return attrs[i + 1]
    return None


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in PurePosixPath(folder, target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _item(kind: str, value: str | None) -> object:
    """A shared or inline item as Python: str for s/d/e/b, float for n, None for m."""
    if kind == "m":
        return None
    if kind == "n":
        return float(value) if value is not None else None
    return value if value is not None else ""


def _store_inline(slot: _Slot, kind: str, attrs: list[str]) -> bool:
    """Store one inline value; True when the slot changed shape (numbers began, or widened)."""
    changed = False
    if kind == "n":
        v = attrs[1] if attrs and attrs[0] == "v" else _attr(attrs, "v")
        if slot.num is None:
            slot.num = array("d", [NAN]) * len(slot.idx)
            changed = True
        code, number = -1, float(v) if v is not None else NAN
    else:
        value = _item(kind, _attr(attrs, "v"))
        code = -1 if value is None else -2 - slot.inline.setdefault(value, len(slot.inline))
        number = NAN
    try:
        slot.idx.append(code)
    except OverflowError:
        slot.widen()
        slot.idx.append(code)
        changed = True
    if slot.num is not None:
        slot.num.append(number)
    return changed


_NP_TYPES = {"b": np.int8, "h": np.int16, "i": np.int32, "q": np.int64}


def _resolve_values(file: str, part: str, f: CacheField, slot: _Slot, n: int) -> FieldValues:
    dtype = _NP_TYPES[slot.idx.typecode]
    idx = np.frombuffer(slot.idx, dtype=dtype) if len(slot.idx) else np.empty(0, dtype)
    if len(idx) != n:
        raise XlsxError(file, part, f"fältet {f.name} har {len(idx)} värden för {n} rader")
    if len(idx) and idx.max(initial=-1) >= len(f.shared):
        raise XlsxError(file, part, f"fältet {f.name} pekar på delat värde {int(idx.max())}, "
                        f"men definitionen har {len(f.shared)}")
    categories: list[str] = []
    shared_code = np.full(len(f.shared) + 1, -1, dtype=np.int32)
    shared_num = np.full(len(f.shared) + 1, np.nan)
    for i, item in enumerate(f.shared):
        if isinstance(item, float):
            shared_num[i] = item
        elif item is not None:
            shared_code[i] = len(categories)
            categories.append(item)
    inline_base = len(categories)
    categories.extend(sorted(slot.inline, key=slot.inline.__getitem__))
    code_type = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_000 \
        else np.int32
    shared_code = shared_code.astype(code_type)
    has_shared_num = not np.isnan(shared_num).all()
    inline_num = np.frombuffer(slot.num, dtype=np.float64) if slot.num is not None else None
    codes = np.empty(n, dtype=code_type)
    numbers = np.empty(n) if has_shared_num or inline_num is not None else None
    for lo in range(0, n, RESOLVE_BLOCK):  # in blocks: temporaries stay a few MB
        part = idx[lo:lo + RESOLVE_BLOCK].astype(np.int64)
        safe = np.where(part >= 0, part, len(f.shared))  # the extra last slot: -1 / NaN
        block = shared_code[safe]
        inline = part <= -2
        if inline.any():
            block = np.where(inline, inline_base + (-2 - part), block)
        codes[lo:lo + RESOLVE_BLOCK] = block
        if numbers is not None:
            block_num = shared_num[safe]
            if inline_num is not None:
                block_num = np.where(part >= 0, block_num, inline_num[lo:lo + RESOLVE_BLOCK])
            numbers[lo:lo + RESOLVE_BLOCK] = block_num
    return FieldValues(codes, categories, numbers)


def _cell_value(cell: dict, shared: Callable[[], list[str]]) -> object:
    raw = "".join(cell.get("text", []))
    kind = cell.get("t")
    if kind == "s":
        try:
            return shared()[int(raw)]
        except (ValueError, IndexError):
            return None
    if kind in ("inlineStr", "str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        return raw
