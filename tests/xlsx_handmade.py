"""A small writer of hand-made xlsx workbooks with sheets and pivot caches (tests and bench).

It writes the parts Excel writes for a workbook whose pivot tables keep their data in the file:
``xl/workbook.xml`` with ``<pivotCaches>``, the sheets with shared strings, and per cache a
``pivotCacheDefinition`` (fields, shared items) and ``pivotCacheRecords`` (``<r>`` with ``<x>``
indexes into the shared items, or inline ``<n>``/``<s>``/``<m>``) tied together by
relationships. Records stream into the zip, so a cache of hundreds of MB never sits in memory.
Every number in these workbooks is made up: they are hand-made test inputs, never real data.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass
class Cache:
    """One pivot cache: field names, records (one value per field) and which fields share items.

    ``shared`` fields get their distinct values as ``<sharedItems>`` and records point at them
    with ``<x v="i"/>``; other fields are written inline (``<n>``, ``<s>``, ``<m/>``).
    ``calculated`` names extra fields with ``databaseField="0"`` (not in the records).
    """

    fields: list[str]
    records: Iterable[Sequence]
    shared: set[str] = field(default_factory=set)
    calculated: list[str] = field(default_factory=list)
    save_records: bool = True


def _attr_value(v: object) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _inline(v: object) -> str:
    if v is None:
        return "<m/>"
    if isinstance(v, int | float) and not isinstance(v, bool):
        return f'<n v="{_attr_value(v)}"/>'
    return f"<s v={quoteattr(str(v))}/>"


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_xml(rows: list[list], strings: dict[str, int]) -> str:
    out = [DECL, f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetData>']
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, str):
                idx = strings.setdefault(v, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{idx}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{_attr_value(v)}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


class _Discard:
    def write(self, data: bytes) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        return None


def _write_records(z: zipfile.ZipFile, name: str | None, cache: Cache
                   ) -> tuple[list[dict], int]:
    """Stream the records part (none when ``name`` is None); return each field's shared items
    (value -> index) and the record count."""
    items: list[dict] = [{} for _ in cache.fields]
    shared = [f in cache.shared for f in cache.fields]
    n = 0
    with (z.open(name, "w", force_zip64=True) if name else _Discard()) as fh:
        fh.write(f'{DECL}<pivotCacheRecords xmlns="{MAIN}" xmlns:r="{RELS}">'.encode())
        buf: list[str] = []
        for record in cache.records:
            parts = ["<r>"]
            for i, v in enumerate(record):
                if shared[i]:
                    parts.append(f'<x v="{items[i].setdefault(v, len(items[i]))}"/>')
                else:
                    parts.append(_inline(v))
            parts.append("</r>")
            buf.append("".join(parts))
            n += 1
            if len(buf) >= 20_000:
                fh.write("".join(buf).encode())
                buf.clear()
        fh.write("".join(buf).encode())
        fh.write(b"</pivotCacheRecords>")
    return items, n


def _definition_xml(cache: Cache, items: list[dict], n: int, records_rid: str | None) -> str:
    rid = f' r:id="{records_rid}"' if records_rid else ""
    save = "" if cache.save_records else ' saveData="0"'
    root = (f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{RELS}"{rid}{save} '
            f'refreshedBy="handgjord" createdVersion="6" refreshedVersion="6" '
            f'minRefreshableVersion="3" recordCount="{n}">')
    source = '<cacheSource type="worksheet"><worksheetSource ref="A1:Z2" sheet="Data"/></cacheSource>'
    out = [DECL, root, source,
           f'<cacheFields count="{len(cache.fields) + len(cache.calculated)}">']
    for name, shared in zip(cache.fields, items, strict=True):
        if name in cache.shared:
            values = list(shared)
            texts = all(isinstance(v, str) for v in values)
            flags = "" if texts else ' containsMixedTypes="1" containsNumber="1"'
            body = "".join(_inline(v) for v in values)
            out.append(f'<cacheField name={quoteattr(name)} numFmtId="0">'
                       f'<sharedItems{flags} count="{len(values)}">{body}</sharedItems>'
                       f'</cacheField>')
        else:
            out.append(f'<cacheField name={quoteattr(name)} numFmtId="0">'
                       f'<sharedItems containsMixedTypes="1" containsNumber="1"/></cacheField>')
    for name in cache.calculated:
        out.append(f'<cacheField name={quoteattr(name)} numFmtId="0" formula="1" '
                   f'databaseField="0"/>')
    out.append("</cacheFields></pivotCacheDefinition>")
    return "".join(out)


def write_workbook(path: Path, *, sheets: dict[str, list[list]], caches: list[Cache],
                   compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a hand-made xlsx with these sheets (rows of str/number/None) and pivot caches."""
    path = Path(path)
    strings: dict[str, int] = {}
    overrides = [("/xl/workbook.xml", f"{CT}.sheet.main+xml")]
    wb_rels = []
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        sheet_entries = []
        for i, (name, rows) in enumerate(sheets.items(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows, strings))
            overrides.append((f"/xl/worksheets/sheet{i}.xml", f"{CT}.worksheet+xml"))
            wb_rels.append((f"rId{i}", f"{RELS}/worksheet", f"worksheets/sheet{i}.xml"))
            sheet_entries.append(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>')
        cache_entries = []
        for j, cache in enumerate(caches, 1):
            rid = f"rId{len(sheets) + j}"
            items, n = _write_records(
                z, f"xl/pivotCache/pivotCacheRecords{j}.xml" if cache.save_records else None,
                cache)
            if cache.save_records:
                overrides.append((f"/xl/pivotCache/pivotCacheRecords{j}.xml",
                                  f"{CT}.pivotCacheRecords+xml"))
                z.writestr(f"xl/pivotCache/_rels/pivotCacheDefinition{j}.xml.rels",
                           f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                           f'Type="{RELS}/pivotCacheRecords" Target="pivotCacheRecords{j}.xml"/>'
                           f'</Relationships>')
            z.writestr(f"xl/pivotCache/pivotCacheDefinition{j}.xml",
                       _definition_xml(cache, items, n, "rId1" if cache.save_records else None))
            overrides.append((f"/xl/pivotCache/pivotCacheDefinition{j}.xml",
                              f"{CT}.pivotCacheDefinition+xml"))
            wb_rels.append((rid, f"{RELS}/pivotCacheDefinition",
                            f"pivotCache/pivotCacheDefinition{j}.xml"))
            cache_entries.append(f'<pivotCache cacheId="{j}" r:id="{rid}"/>')
        if strings:
            body = "".join(f"<si><t xml:space=\"preserve\">{escape(s)}</t></si>"
                           for s in sorted(strings, key=strings.__getitem__))
            z.writestr("xl/sharedStrings.xml", f'{DECL}<sst xmlns="{MAIN}" count="{len(strings)}" '
                       f'uniqueCount="{len(strings)}">{body}</sst>')
            overrides.append(("/xl/sharedStrings.xml", f"{CT}.sharedStrings+xml"))
            wb_rels.append((f"rId{len(wb_rels) + 1}", f"{RELS}/sharedStrings",
                            "sharedStrings.xml"))
        pivots = f"<pivotCaches>{''.join(cache_entries)}</pivotCaches>" if cache_entries else ""
        z.writestr("xl/workbook.xml", f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
                   f'<sheets>{"".join(sheet_entries)}</sheets>{pivots}</workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'{DECL}<Relationships xmlns="{PKG}">' + "".join(
            f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in wb_rels)
            + "</Relationships>")
        z.writestr("_rels/.rels", f'{DECL}<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                   f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("[Content_Types].xml", f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/content-types"><Default Extension="rels" ContentType="'
                   f'application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/>'
                   + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
                   + "</Types>")
    return path
