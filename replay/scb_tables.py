"""PxWebApi 2.0 replay: the table listing (``GET /tables``) and one table (``GET /tables/{id}``).

Best effort from what a mirror holds: the recorded listings (``tables.json`` and any
``tables_query_*.json``) plus every table with recorded metadata, whose entry is built from
that metadata (label, updated, first/last period from the time variable, variable names).

This module does not import :mod:`replay.scb` (which imports it): it reads the folder through
the small :class:`TableSource` protocol that ``replay.scb.ScbApp`` satisfies. Discontinued
tables are left out unless ``includeDiscontinued=true``, and a ``pageNumber`` past the last page
is the API's 404 "Non-existent page" (PxWebApi ``TableApiController.ListAllTables``,
``ProblemUtility.OutOfRange``), never a 200 with an empty list.

Only what was recorded in the language asked for is used: a listing or a table body in another
language is left out (see :mod:`replay.scb` on languages), so a table recorded with English
metadata and Swedish data is described in Swedish from its data body.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from replay.base import Request
from transforms.jsonio import json_loads

DEFAULT_PAGE_SIZE = 20


class TableSource(Protocol):
    """What the listing reads of an SCB mirror folder (``replay.scb.ScbApp`` is one)."""

    folder: Path

    def _json(self, relative: str) -> dict | None: ...

    def table_ids(self) -> list[str]: ...

    def language(self, request: Request) -> str: ...

    def body_language(self, body: dict | None) -> str: ...

    def recorded(self, folder: str, stem: str, lang: str) -> str | None: ...


class PageOutOfRange(LookupError):
    """``pageNumber`` past the last page: the API answers 404 "Non-existent page"."""


ScbApp = TableSource  # the name the functions below were written against


def _recorded(app: ScbApp, lang: str) -> list[dict]:
    seen: dict[str, dict] = {}
    for path in sorted(app.folder.glob("tables*.json")):
        body = json_loads(path.read_bytes())
        if app.body_language(body) != lang:
            continue
        for table in body.get("tables") or []:
            seen.setdefault(str(table["id"]).upper(), table)
    return list(seen.values())


def _time_unit(code: str) -> str:
    if "M" in code:
        return "Monthly"
    if "K" in code or "Q" in code:
        return "Quarterly"
    return "Annual" if code.isdigit() else "Other"


def _links(base: str, table_id: str, lang: str) -> list[dict]:
    return [{"rel": "self", "hreflang": lang, "href": f"{base}/tables/{table_id}?lang={lang}"},
            {"rel": "metadata", "hreflang": lang,
             "href": f"{base}/tables/{table_id}/metadata?lang={lang}"},
            {"rel": "data", "hreflang": lang,
             "href": f"{base}/tables/{table_id}/data?lang={lang}&outputFormat=json-stat2"}]


def _from_metadata(app: ScbApp, folder: str, request: Request) -> dict | None:
    lang = app.language(request)
    found = (app.recorded(f"tables/{folder}", "metadata", lang)
             or app.recorded(f"tables/{folder}", "data", lang))
    meta = app._json(found) if found else None
    if meta is None:
        return None
    dims = meta.get("dimension") or {}
    time_dims = (meta.get("role") or {}).get("time") or []
    periods = list(dims[time_dims[0]]["category"]["index"]) if time_dims else []
    ext = meta.get("extension") or {}
    return {"type": "Table", "id": folder, "label": meta.get("label"), "description": "",
            "updated": meta.get("updated"),
            "firstPeriod": periods[0] if periods else None,
            "lastPeriod": periods[-1] if periods else None,
            "category": "public", "discontinued": ext.get("discontinued"),
            "variableNames": [dims[d].get("label", d) for d in meta.get("id") or []],
            "source": meta.get("source"),
            "subjectCode": (ext.get("px") or {}).get("subject-code"),
            "timeUnit": _time_unit(periods[-1]) if periods else None, "paths": [],
            "links": _links(request.base_url, folder, lang)}


def _all_tables(app: ScbApp, request: Request) -> list[dict]:
    tables = _recorded(app, app.language(request))
    known = {str(t["id"]).upper() for t in tables}
    for folder in app.table_ids():
        if folder.upper() not in known and (entry := _from_metadata(app, folder, request)):
            tables.append(entry)
    return tables


def table_entry(app: ScbApp, table_id: str, request: Request) -> dict | None:
    """``GET /tables/{id}``: the recorded listing entry, else one built from the metadata."""
    lang = app.language(request)
    for table in _recorded(app, lang):
        if str(table["id"]).upper() == table_id.upper():
            return {"language": lang, **table}
    folder = next((f for f in app.table_ids() if f.upper() == table_id.upper()), None)
    entry = _from_metadata(app, folder, request) if folder else None
    return {"language": lang, **entry} if entry else None


def _matches(table: dict, words: list[str]) -> bool:
    text = " ".join([str(table.get("id", "")), str(table.get("label", "")),
                     *map(str, table.get("variableNames") or [])]).casefold()
    return all(w in text for w in words)


def tables_page(app: ScbApp, request: Request) -> dict:
    """``GET /tables``: filter by ``query`` words and ``pastDays``, then one page."""
    tables = _all_tables(app, request)
    words = (request.param("query") or "").casefold().split()
    tables = [t for t in tables if _matches(t, words)]
    if (request.param("includeDiscontinued") or "false").lower() != "true":
        tables = [t for t in tables if t.get("discontinued") is not True]
    if past := request.param("pastDays"):
        since = datetime.now(UTC) - timedelta(days=int(past))
        tables = [t for t in tables if t.get("updated") and
                  datetime.fromisoformat(t["updated"]) >= since]
    size = int(request.param("pageSize") or 0)
    size = size if size > 0 else DEFAULT_PAGE_SIZE  # the API: <= 0 means its default
    number = max(1, int(request.param("pageNumber") or 1))
    pages = max(1, math.ceil(len(tables) / size))
    if number > pages:
        raise PageOutOfRange(number)
    lang = app.language(request)

    def link(rel: str, n: int) -> dict:
        return {"rel": rel, "hreflang": lang,
                "href": f"{request.base_url}/tables?lang={lang}&pageSize={size}&pageNumber={n}"}

    page_links = ([link("next", number + 1)] if number < pages else []) + \
        ([link("last", pages)] if pages > 1 else [])
    return {"language": lang, "tables": tables[(number - 1) * size:number * size],
            "page": {"pageNumber": number, "pageSize": size, "totalElements": len(tables),
                     "totalPages": pages, "links": page_links},
            "links": [link("self", number)]}
