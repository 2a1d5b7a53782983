"""Arbetsförmedlingen's monthly Excel files -> staging frames (grain: one cache record).

Reads the layout declared in ``af.yml`` (from ../shared/DOMAIN.md) with the streaming reader
in ``transforms/xlsx_stream.py``: the sheets only for their heading (the age band) and the pivot
caches for the data. Staging keeps the source's labels (län and kommun names, KOEN, ALDGR …);
names become codes in the mart step. Any difference from the documented layout raises
``AfLayoutError`` naming the file, the sheet or cache, and what was expected. Nothing is
returned until the whole file has been read and checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from transforms.xlsx_stream import FieldValues, PivotCache, Workbook, XlsxError
from transforms.yamlio import yaml_load

SPEC_FILE = Path(__file__).with_name("af.yml")
FILE_NAME = re.compile(r"^(?P<prefix>[a-z0-9-]+?)-(?P<year>\d{4})-(?P<month>\d{2})\.xlsx$")
MASKED = re.compile(r"^\s*<\s*(\d+)\s*$")
BAND = re.compile(r"(\d{2})\s*(?:[-–—]|till)\s*(\d{2})")


class AfLayoutError(ValueError):
    """A file differs from the documented layout. Swedish message: file, sheet/cache, field."""

    def __init__(self, file: str, where: str | None, expected: str):
        super().__init__(f"{file}{', ' + where if where else ''}: {expected}")
        self.file = file
        self.where = where
        self.expected = expected


@cache
def spec() -> dict:
    """The parsed af.yml."""
    return yaml_load(SPEC_FILE.read_text("utf-8"))


def group_codes() -> list[str]:
    """The <g> of every <g>SOK/<g>AK pair, in af.yml order."""
    return list(spec()["groups"])


def file_month(file_name: str, prefix: str) -> str:
    """'2026-08' from 'web-sok-lan-kom-2026-08.xlsx'; AfLayoutError when the name differs."""
    match = FILE_NAME.match(file_name)
    if not match or match["prefix"] != prefix or not 1 <= int(match["month"]) <= 12:
        raise AfLayoutError(file_name, None, f"filnamnet ska vara {prefix}-ÅÅÅÅ-MM.xlsx")
    return f"{match['year']}-{match['month']}"


def parse_period(value: object) -> date | None:
    """A PERIOD value ('2026-08', '202608', 202608.0, '2026M08', an ISO date) -> first day."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    match = re.fullmatch(r"\s*(\d{4})(?:-|M|)(\d{2})(?:-\d{2}(?:T[\d:.]+Z?)?)?\s*", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


# -- reading fields -----------------------------------------------------------------------------
def _open(path: Path, file_name: str) -> Workbook:
    try:
        return Workbook(path, name=file_name)
    except XlsxError as exc:
        raise AfLayoutError(file_name, exc.part, exc.message) from exc


def _find_cache(wb: Workbook, caches: list[PivotCache], required: list[str], key: str,
                file_name: str) -> PivotCache:
    """The cache holding field ``key`` and every required field; AfLayoutError naming what is
    missing. Where several caches qualify (pivot tables on different sheets may keep copies),
    the first in the workbook's order is read."""
    hits = [c for c in caches if key in c.field_names]
    if not hits:
        listing = "; ".join(f"{c.definition_part}: {', '.join(c.field_names)}" for c in caches)
        raise AfLayoutError(file_name, "pivotcacherna",
                            f"ingen pivotcache har fältet {key} (väntade fälten "
                            f"{', '.join(required)}; cacherna har: {listing or 'inga'})")
    complete = [c for c in hits if all(f in c.field_names for f in required)]
    if complete:
        return complete[0]
    cache_ = hits[0]
    missing = [f for f in required if f not in cache_.field_names]
    raise AfLayoutError(file_name, f"pivotcache {cache_.definition_part}",
                        f"fältet {', '.join(missing)} saknas (cachen har fälten "
                        f"{', '.join(cache_.field_names)})")


def _read(wb: Workbook, cache_: PivotCache, fields: list[str], file_name: str
          ) -> dict[str, FieldValues]:
    try:
        values = wb.read_records(cache_, fields)
    except XlsxError as exc:
        raise AfLayoutError(file_name, f"pivotcache {exc.part}", exc.message) from exc
    n = len(next(iter(values.values())).codes) if values else 0
    if n == 0:
        raise AfLayoutError(file_name, f"pivotcache {cache_.definition_part}",
                            "cachen har inga rader")
    return values


def labels(values: FieldValues, name: str, where: str, file_name: str) -> pd.Categorical:
    """A text field (län, kommun, KOEN …) as a categorical; numbers become their text."""
    cats = list(values.categories)
    codes = values.codes
    numeric = (codes < 0) & ~np.isnan(values.numbers) if values.has_numbers else None
    if numeric is not None and numeric.any():  # e.g. a code stored as a number: keep as text
        as_text = [_number_text(v) for v in values.numbers[numeric]]
        extra = {t: len(cats) + i for i, t in enumerate(dict.fromkeys(as_text))}
        cats.extend(extra)
        codes = codes.astype(np.int32)
        codes[numeric] = [extra[t] for t in as_text]
    if len(set(cats)) != len(cats):  # a text item listed twice: merge
        uniq = list(dict.fromkeys(cats))
        remap = np.array([uniq.index(c) for c in cats] + [-1], dtype=np.int32)
        codes = remap[np.where(codes >= 0, codes, len(cats))]
        cats = uniq
    return pd.Categorical.from_codes(codes, categories=cats)


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def counts(values: FieldValues, name: str, where: str, file_name: str
           ) -> tuple[np.ndarray, np.ndarray]:
    """A count field -> (value, masked_below): '<5' gives (NaN, 5); other text stops the read.

    Consumes ``values``: its number array is filled in place (no copy of millions of floats).
    """
    numbers = values.numbers
    if not numbers.flags.writeable:
        numbers = numbers.copy()
    below = np.zeros(len(numbers), dtype=np.int16)
    text = np.flatnonzero(values.codes >= 0)
    if len(text):
        parsed = {}
        bad = []
        for i, cat in enumerate(values.categories):
            masked = MASKED.match(cat)
            number = _as_number(cat)
            if masked:
                parsed[i] = (np.nan, int(masked.group(1)))
            elif number is not None:
                parsed[i] = (number, 0)
            else:
                bad.append(i)
        codes = values.codes[text]
        used_bad = [values.categories[i] for i in bad if (codes == i).any()]
        if used_bad:
            raise AfLayoutError(file_name, where, f"fältet {name} ska vara ett antal eller "
                                f"'<5', men har {', '.join(repr(c) for c in used_bad[:5])}")
        lookup_num = np.array([parsed.get(i, (np.nan, 0))[0]
                               for i in range(len(values.categories))])
        lookup_below = np.array([parsed.get(i, (np.nan, 0))[1]
                                 for i in range(len(values.categories))], dtype=np.int16)
        numbers[text] = lookup_num[codes]
        below[text] = lookup_below[codes]
    return numbers, below


def _as_number(text: str) -> float | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def periods(values: FieldValues, where: str, file_name: str) -> pd.Categorical:
    """PERIOD -> a categorical of months (first day; 2 bytes a record, not 8).

    AfLayoutError on a value that is not a month, or a record without one.
    """
    cats = labels(values, "PERIOD", where, file_name)
    parsed = [parse_period(c) for c in cats.categories]
    bad = [c for c, p in zip(cats.categories, parsed, strict=True) if p is None]
    if bad:
        raise AfLayoutError(file_name, where, f"fältet PERIOD ska vara en månad (ÅÅÅÅ-MM), men "
                            f"har {', '.join(repr(b) for b in bad[:5])}")
    if (cats.codes < 0).any():
        raise AfLayoutError(file_name, where, "fältet PERIOD saknar värde på någon rad")
    months = pd.DatetimeIndex(parsed)
    if months.has_duplicates:  # '2026-08' and '202608' both present: one month
        uniq = months.unique()
        remap = uniq.get_indexer(months).astype(np.int16)
        return pd.Categorical.from_codes(remap[cats.codes], categories=uniq)
    return pd.Categorical.from_codes(cats.codes, categories=months)


def _check_latest(period: pd.Categorical, month: str, where: str, file_name: str) -> None:
    used = np.unique(period.codes)
    latest = period.categories[used].max().strftime("%Y-%m")
    if latest != month:
        raise AfLayoutError(file_name, where, f"senaste PERIOD är {latest}, men filnamnet säger "
                            f"{month}")


# -- web-inskrivna-arbetslosa-andel-av-bas ------------------------------------------------------
@dataclass
class AndelAvBas:
    """A read andel-av-bas file: staging rows (long: one per record × group) and its heading."""

    rows: pd.DataFrame
    age_bands: dict[str, str | None]  # 'total' / 'unga' / 'aldre' -> '16–64' …
    heading: str
    cache_part: str
    extra_fields: list[str] = field(default_factory=list)


def _band_text(a: str, b: str) -> str:
    return f"{int(a)}–{int(b)}"


def read_heading(wb: Workbook, file_name: str) -> tuple[dict[str, str | None], str]:
    """The age bands from the top rows of the sheets 'Antal' and 'Andel', and the heading text.

    total: the one working-age band (start 15–20, end 60–74) in the text; unga: the band in a
    cell saying 'Unga'; aldre: a band starting at 45 or later. Only 'total' is required.
    """
    conf = spec()["files"]["andel-av-bas"]
    names = {n.strip().casefold(): n for n in wb.sheet_names()}
    texts: list[str] = []
    for sheet in conf["sheets"]:
        actual = names.get(sheet.casefold())
        if actual is None:
            raise AfLayoutError(file_name, f"bladet '{sheet}'", "bladet saknas (filen har "
                                f"bladen {', '.join(wb.sheet_names()) or 'inga'})")
        try:
            rows = wb.sheet_rows(actual, max_rows=conf["header_rows"])
        except XlsxError as exc:
            raise AfLayoutError(file_name, f"bladet '{sheet}'", exc.message) from exc
        cells = [str(c) for row in rows for c in row if isinstance(c, str) and c.strip()]
        if not any(c.strip().casefold() == "period" for c in cells):
            raise AfLayoutError(file_name, f"bladet '{sheet}'", "rubrikraden med PERIOD saknas "
                                f"bland de {conf['header_rows']} översta raderna")
        texts.extend(cells)
    bands: dict[str, set[str]] = {"total": set(), "unga": set(), "aldre": set()}
    for cell in texts:
        for a, b in BAND.findall(cell):
            lo, hi = int(a), int(b)
            if "unga" in cell.casefold():
                bands["unga"].add(_band_text(a, b))
            elif lo >= 45:
                bands["aldre"].add(_band_text(a, b))
            elif 15 <= lo <= 20 and 60 <= hi <= 74:
                bands["total"].add(_band_text(a, b))
    heading = " | ".join(dict.fromkeys(texts))[:2000]
    for kind, found in bands.items():
        if len(found) > 1:
            raise AfLayoutError(file_name, "bladen 'Antal' och 'Andel'", f"olika åldersintervall "
                                f"för {kind} i rubrikerna: {', '.join(sorted(found))}")
    if not bands["total"]:
        raise AfLayoutError(file_name, "bladen 'Antal' och 'Andel'", "inget åldersintervall "
                            "(t.ex. '16-64 år') i rubrikraderna: åldern läses ur rubriken, "
                            "den antas aldrig")
    return {k: (next(iter(v)) if v else None) for k, v in bands.items()}, heading


def read_andel_av_bas(path: Path, file_name: str) -> AndelAvBas:
    """Read a web-inskrivna-arbetslosa-andel-av-bas file (grain: period × län × kommun × group).

    Columns: period, lan_label, kommun_label, group_code, sok_count, sok_masked_below,
    ak_count, ak_masked_below.
    """
    conf = spec()["files"]["andel-av-bas"]
    month = file_month(file_name, conf["prefix"])
    groups = group_codes()
    measures = [f"{g}{m}" for g in groups for m in ("SOK", "AK")]
    required = list(conf["cache_fields"]) + measures
    with _open(path, file_name) as wb:
        age_bands, heading = read_heading(wb, file_name)
        caches = wb.pivot_caches()
        cache_ = _find_cache(wb, caches, required, "KOM", file_name)
        where = f"pivotcache {cache_.definition_part}"
        values = _read(wb, cache_, required, file_name)
    period = periods(values["PERIOD"], where, file_name)
    _check_latest(period, month, where, file_name)
    lan = labels(values["LAN"], "LAN", where, file_name)
    kommun = labels(values["KOM"], "KOM", where, file_name)
    n = len(period)
    parts = []
    for g in groups:
        sok, sok_below = counts(values[f"{g}SOK"], f"{g}SOK", where, file_name)
        ak, ak_below = counts(values[f"{g}AK"], f"{g}AK", where, file_name)
        parts.append(pd.DataFrame({
            "period": period, "lan_label": lan, "kommun_label": kommun,
            "group_code": pd.Categorical.from_codes(np.full(n, groups.index(g)), groups),
            "sok_count": sok, "sok_masked_below": sok_below,
            "ak_count": ak, "ak_masked_below": ak_below}))
    rows = pd.concat(parts, ignore_index=True)
    rows["file_name"] = _constant(file_name, len(rows))
    extra = [f for f in cache_.field_names if f not in required]
    return AndelAvBas(rows, age_bands, heading, cache_.definition_part, extra)


# -- web-sok-lan-kom ----------------------------------------------------------------------------
def read_sok_lan_kom(path: Path, file_name: str) -> pd.DataFrame:
    """Read a web-sok-lan-kom file (grain: period × KOEN × län × kommun × dimension item).

    One block per cache (ALDGR, FODLGRP, UTBILDNING). Columns: dimension, period, sex_label,
    lan_label, kommun_label, item_label, insal_count, insal_masked_below, cache_part,
    file_name. Text columns are categoricals, written once into the final arrays (no
    per-cache frames to stack): the real file has millions of records.
    """
    conf = spec()["files"]["sok-lan-kom"]
    month = file_month(file_name, conf["prefix"])
    blocks: list[dict] = []
    with _open(path, file_name) as wb:
        caches = wb.pivot_caches()
        for dim, required in conf["caches"].items():
            cache_ = _find_cache(wb, caches, required, dim, file_name)
            where = f"pivotcache {cache_.definition_part}"
            values = _read(wb, cache_, required, file_name)
            period = periods(values.pop("PERIOD"), where, file_name)
            _check_latest(period, month, where, file_name)
            insal, below = counts(values.pop("INSAL"), "INSAL", where, file_name)
            blocks.append({
                "dimension": dim, "cache_part": cache_.definition_part, "n": len(period),
                "period": period,
                "sex_label": labels(values.pop("KOEN"), "KOEN", where, file_name),
                "lan_label": labels(values.pop("LAN"), "LAN", where, file_name),
                "kommun_label": labels(values.pop("KOMMUN_BESKR"), "KOMMUN_BESKR", where,
                                       file_name),
                "item_label": labels(values.pop(dim), dim, where, file_name),
                "insal_count": insal, "insal_masked_below": below})
            del values, period, insal, below
    return _stack(blocks, file_name)


def _stack(blocks: list[dict], file_name: str) -> pd.DataFrame:
    """One frame from the per-cache blocks, each column allocated once and the block's part
    dropped as soon as it is copied in (peak: the data once plus one column)."""
    n = sum(b["n"] for b in blocks)
    out: dict[str, object] = {
        "dimension": _repeat([b["dimension"] for b in blocks], [b["n"] for b in blocks])}
    for col in ("period", "sex_label", "lan_label", "kommun_label", "item_label"):
        out[col] = _stack_categorical(blocks, col, n)
    for col in ("insal_count", "insal_masked_below"):
        values = np.empty(n, dtype=blocks[0][col].dtype)
        at = 0
        for b in blocks:
            src = b.pop(col)
            values[at:at + len(src)] = src
            at += len(src)
            del src
        out[col] = values
    out["cache_part"] = _repeat([b["cache_part"] for b in blocks], [b["n"] for b in blocks])
    out["file_name"] = _repeat([file_name], [n])
    return pd.DataFrame(out, copy=False)


def _stack_categorical(blocks: list[dict], col: str, n: int) -> pd.Categorical:
    parts = [b[col] for b in blocks]
    if isinstance(parts[0].categories, pd.DatetimeIndex):
        categories = parts[0].categories
        for p in parts[1:]:
            categories = categories.union(p.categories)
    else:
        categories = pd.Index(list(dict.fromkeys(c for p in parts for c in p.categories)))
    dtype = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_000 \
        else np.int32
    remaps = [np.append(categories.get_indexer(p.categories), -1).astype(dtype) for p in parts]
    del parts
    codes = np.empty(n, dtype=dtype)
    at = 0
    for b, remap in zip(blocks, remaps, strict=True):
        src = b.pop(col).codes  # dropped from the block as it is copied
        codes[at:at + len(src)] = remap[np.where(src >= 0, src, len(remap) - 1)]
        at += len(src)
        del src
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def _repeat(values: list[str], counts: list[int]) -> pd.Categorical:
    """values[i] repeated counts[i] times, as a categorical at one byte a row."""
    cats = list(dict.fromkeys(values))
    codes = np.repeat(np.array([cats.index(v) for v in values], dtype=np.int8), counts)
    return pd.Categorical.from_codes(codes, categories=cats, validate=False)


def _constant(value: str, n: int) -> pd.Categorical:
    """One value for n rows at one byte a row."""
    return _repeat([value], [n])
