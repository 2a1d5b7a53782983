"""PxWebApi 2.0 replay: answers SCB's v2 URL scheme from a mirror's ``scb_v2/`` folder.

Folder layout (as ``../shared/data/scb_v2``): ``config.json``, ``tables.json`` (and any
``tables_query_*.json``), ``tables/<ID>/metadata.json``, ``tables/<ID>/data.json``,
``codelists/<ID>.json``. Endpoints: ``GET /config``, ``GET /tables`` (``query``, ``pastDays``,
``pageNumber``, ``pageSize``; best effort over the recorded listings plus the tables present),
``GET /tables/{id}`` (the recorded listing entry, else built from the metadata),
``GET /tables/{id}/metadata``, ``GET|POST /tables/{id}/data``, ``GET /codeLists/{id}``.

Data requests are answered by slicing the recorded json-stat2 body to the selection (codes and
every expression in :mod:`data_sources.scb_selection`; a value-set or aggregation id is accepted
when the table's metadata lists it, and then resolves against ``codelists/<id>.json`` or else the
recorded codes). A selection reaching outside the recording is refused with the API's own 400
problem body, as are a missing mandatory variable, too many cells (``maxDataCells`` from the
folder's ``config.json``) and unknown variables or codelists; a repeated value code gives an
empty 500, as the live API does. Calls beyond ``maxCallsPerTimeWindow`` per ``timeWindow``
(sliding window, on the injectable clock) get 429 with ``Retry-After``; every answer carries
``X-Rate-Limit-Limit/-Remaining/-Reset`` as the live API's rate limiter sends them.

Fidelity rules (checked against PxTools/PxWebApi: ``TableApiController``, ``SelectionHandler``,
``QueryStringToDictionaryOfStrings``, ``ProblemUtility``):

- parameter names match case-insensitively, as ASP.NET Core binds them (``valuecodes[Tid]``,
  ``VALUECODES[Tid]`` and ``valueCodes[Tid]`` are one parameter; ``outputformat`` too). A GET
  value list splits on commas outside ``[...]``, and ``[a,b]`` is one code, as the API's binder
  does;
- a selection is checked as the API checks it: variables, codelists, mandatory variables, then
  every value against the table (its metadata, or the codelist) -> 400 "Non-existent value",
  then the cell count -> 400 "Too many cells selected"; only then is the recording consulted;
- what the API would answer but the mirror did not record (a period, a region, a total), and
  every parameter the replay does not implement (``heading``, ``stub``, ``outputFormatParams``,
  ``defaultSelection``, …), gets a loud 501 problem whose detail starts "replay:": never a 200
  with part of the request ignored, never an API error the API would not give;
- ``pageNumber`` past the last page of ``GET /tables`` is the API's 404 "Non-existent page".

Languages: a body is answered only in the language it was recorded in. ``<name>.<lang>.json``
(e.g. ``metadata.en.json``) is in ``<lang>`` by its name; ``<name>.json`` is in the language the
body states (json-stat2 ``extension.px.language``, else a top-level ``language``, else the API's
``defaultLanguage`` from ``config.json``); ``lang`` absent means that default. A language the
API offers (``config.json`` ``languages``) that the folder did not record gets the loud 501
("replay: … recorded in en only, not lang=sv"): never ``lang=sv`` answered with English labels,
nor the reverse; a language the API does not offer gets 400 "Unsupported language" [verify the
live title]. Resolving a data selection reads the metadata's codes and structure in whatever
language it was recorded.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from collections import deque
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from data_sources.http import Clock
from data_sources.scb_selection import SelectionError, count_cells, resolve
from replay.base import Reply, Request
from replay.scb_tables import PageOutOfRange, table_entry, tables_page
from transforms.jsonio import json_loads

# Query parameters per endpoint, as the API names them (PxWebApi 2.0 controllers). Names
# match case-insensitively. Those in NOT_IMPLEMENTED are real API parameters the replay cannot
# honour: they get a 501, never silence.
PARAMETERS = {
    "config": {"lang"},
    "tables": {"lang", "query", "pastDays", "includeDiscontinued", "pageNumber", "pageSize"},
    "table": {"lang"},
    "metadata": {"lang", "defaultSelection"},
    "data": {"lang", "outputFormat", "outputFormatParams", "heading", "stub"},
    "codelist": {"lang"},
}
NOT_IMPLEMENTED = {"defaultSelection", "outputFormatParams", "heading", "stub"}
SELECTION_PARAMETERS = ("valueCodes", "codelist")  # GET data: valueCodes[<var>], codelist[<var>]


def problem(status: int, title: str, detail: str | None = None, **headers: str) -> Reply:
    """The API's error body (``Problem``: type, title, status, detail)."""
    payload: dict = {"type": "Parameter error", "title": title, "status": status}
    if detail:
        payload["detail"] = detail
    reply = Reply.json(payload, status, **headers)
    reply.headers["Content-Type"] = "application/problem+json; charset=utf-8"
    return reply


def not_recorded(detail: str) -> Reply:
    """The loud answer to a request the API would answer but the mirror cannot: 501."""
    reply = Reply.json({"type": "Replay limitation", "title": "Not recorded in the mirror",
                        "status": 501, "detail": f"replay: {detail}"}, 501)
    reply.headers["Content-Type"] = "application/problem+json; charset=utf-8"
    return reply


class NotRecorded(Exception):
    """A valid selection that reaches outside what the mirror recorded."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


class ScbApp:
    """Serves one ``scb_v2`` folder; ``clock`` drives the call budget (share a FakeClock)."""

    def __init__(self, folder: Path, *, clock: Clock | None = None):
        self.folder = Path(folder)
        self.clock = clock or Clock()
        self.config = self._json("config.json") or {}
        self.max_cells = int(self.config.get("maxDataCells") or 0)
        self.max_calls = int(self.config.get("maxCallsPerTimeWindow") or 0)
        self.window = float(self.config.get("timeWindow") or 0)
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self._json = lru_cache(maxsize=64)(self._json)

    # --- files ---------------------------------------------------------------------------
    def _json(self, relative: str) -> dict | None:
        path = self.folder / relative
        return json_loads(path.read_bytes()) if path.is_file() else None

    def _find(self, folder: str, name: str, suffix: str = "") -> str | None:
        """Relative path of ``folder/<name><suffix>``, matched case- and NFC-insensitively."""
        base = self.folder / folder
        if not base.is_dir():
            return None
        wanted = _nfc(name + suffix)
        for entry in base.iterdir():
            if _nfc(entry.name) == wanted:
                return f"{folder}/{entry.name}"
        return None

    def tables_listing_codelist(self, codelist_id: str) -> str | None:
        """The first recorded table whose metadata lists ``codelist_id``, else None."""
        wanted = _nfc(codelist_id)
        for table in self.table_ids():
            for name in ("metadata.json", "metadata.en.json"):
                meta = self._json(f"tables/{table}/{name}") or {}
                for dim in (meta.get("dimension") or {}).values():
                    for listed in (dim.get("extension") or {}).get("codelists") or []:
                        if _nfc(str(listed.get("id", ""))) == wanted:
                            return table
        return None

    # --- languages -----------------------------------------------------------------------
    def language(self, request: Request) -> str:
        """The language asked for: ``lang``, else the API's default (``config.json``)."""
        return (request.param("lang") or self.config.get("defaultLanguage") or "sv").lower()

    def body_language(self, body: dict | None) -> str:
        """The language a recorded body states (json-stat2 px extension, or ``language``)."""
        body = body or {}
        px = (body.get("extension") or {}).get("px") or {}
        return str(px.get("language") or body.get("language")
                   or self.config.get("defaultLanguage") or "sv").lower()

    def recorded(self, folder: str, stem: str, lang: str) -> str | None:
        """Relative path of ``folder/<stem>`` as recorded in ``lang``, or None."""
        named = f"{folder}/{stem}.{lang}.json"
        if (self.folder / named).is_file():
            return named
        plain = f"{folder}/{stem}.json"
        if (self.folder / plain).is_file() and self.body_language(self._json(plain)) == lang:
            return plain
        return None

    def languages(self, folder: str, stem: str) -> list[str]:
        """The languages ``folder/<stem>`` was recorded in (empty: not recorded at all)."""
        found: set[str] = set()
        base = self.folder / folder
        for path in base.glob(f"{stem}.*json") if base.is_dir() else []:
            middle = path.name[len(stem) + 1:-len(".json")] if path.name != f"{stem}.json" else ""
            found.add(middle.lower() if middle else
                      self.body_language(self._json(f"{folder}/{path.name}")))
        return sorted(found)

    def other_language(self, what: str, langs: list[str], lang: str) -> Reply:
        """The loud answer to a language the folder does not hold (never other labels)."""
        offered = {str(x.get("id", "")).lower() for x in self.config.get("languages") or []}
        if offered and lang not in offered:
            return problem(400, "Unsupported language", f"{lang}")
        return not_recorded(f"{what} is recorded in {', '.join(langs)} only, not lang={lang}")

    def _structure(self, folder: str) -> dict | None:
        """The table's metadata in any recorded language: only codes and structure are read."""
        for lang in self.languages(folder, "metadata"):
            found = self.recorded(folder, "metadata", lang)
            if found:
                return self._json(found)
        return None

    def table_ids(self) -> list[str]:
        """Tables with recorded metadata or data in the folder."""
        base = self.folder / "tables"
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    # --- call budget ---------------------------------------------------------------------
    def _admit(self) -> tuple[bool, dict[str, str]]:
        """Count this call in the sliding window; False when the budget is spent."""
        if self.max_calls <= 0 or self.window <= 0:
            return True, {}
        with self._lock:
            now = self.clock.now()
            while self._calls and now - self._calls[0] >= self.window:
                self._calls.popleft()
            allowed = len(self._calls) < self.max_calls
            if allowed:
                self._calls.append(now)
            reset_in = (self._calls[0] + self.window - now) if self._calls else self.window
            remaining = self.max_calls - len(self._calls)
        reset_at = datetime.now(UTC) + timedelta(seconds=max(reset_in, 0.0))
        window = f"{self.window:g}s"
        headers = {"X-Rate-Limit-Limit": window, "X-Rate-Limit-Remaining": str(remaining),
                   "X-Rate-Limit-Reset": reset_at.isoformat().replace("+00:00", "Z")}
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(reset_in)))
        return allowed, headers

    # --- routing -------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """Answer one request as PxWebApi 2.0 would, within the call budget."""
        allowed, headers = self._admit()
        if not allowed:
            text = (f"API calls quota exceeded! maximum admitted {self.max_calls} per "
                    f"{self.window:g}s.")
            return Reply(429, text.encode("utf-8"), {"Content-Type": "text/plain", **headers})
        checked = _check_parameters(request)
        reply = checked if isinstance(checked, Reply) else self._route(checked)
        reply.headers.update(headers)
        return reply

    def _route(self, request: Request) -> Reply:
        parts = [p for p in request.path.split("/") if p]
        method = request.method.upper()
        if method not in {"GET", "POST"}:
            return problem(405, "Method not allowed")
        if parts == ["config"] and method == "GET":
            return self._file("config.json")
        if parts and parts[0] == "tables" and method == "GET" and len(parts) <= 2:
            if len(parts) == 1:
                try:
                    return Reply.json(tables_page(self, request))
                except PageOutOfRange:
                    return problem(404, "Non-existent page", "Non-existent page")
                except ValueError as exc:  # pageNumber=x: ASP.NET's model binding refuses it
                    return problem(400, "Parameter error", str(exc))
            entry = table_entry(self, parts[1], request)
            if entry:
                return Reply.json(entry)
            folder = self._find("tables", parts[1])
            langs = sorted(set(self.languages(folder, "metadata") + self.languages(
                folder, "data"))) if folder else []
            return (self.other_language(f"table {parts[1]}", langs, self.language(request))
                    if langs else problem(404, "Non-existent table"))
        if len(parts) == 3 and parts[0] == "tables":
            folder = self._find("tables", parts[1])
            if folder is None:
                return problem(404, "Non-existent table")
            if parts[2] == "metadata" and method == "GET":
                lang = self.language(request)
                found = self.recorded(folder, "metadata", lang)
                if found:
                    return self._file(found)
                langs = self.languages(folder, "metadata")
                return (self.other_language(f"{folder}/metadata", langs, lang) if langs
                        else problem(404, "Non-existent table"))
            if parts[2] == "data":
                return self._data(folder, request)
        if len(parts) == 2 and parts[0].lower() == "codelists" and method == "GET":
            found = self._find("codelists", parts[1], ".json")
            if found:
                lang, recorded_in = self.language(request), self.body_language(self._json(found))
                return self._file(found) if recorded_in == lang else self.other_language(
                    found, [recorded_in], lang)
            listed_by = self.tables_listing_codelist(parts[1])
            if listed_by:  # real at SCB, only not recorded: say so, never a made-up 404
                return not_recorded(f"codelist {parts[1]} is listed by {listed_by}'s metadata "
                                    "but was not recorded")
            return problem(404, "Non-existent codelist")
        return problem(404, "Not found", f"replay has no endpoint {method} {request.path}")

    def _file(self, relative: str, missing: str = "Not found") -> Reply:
        path = self.folder / relative
        if not path.is_file():
            return problem(404, missing)
        return Reply(200, path.read_bytes(), {"Content-Type": "application/json; charset=utf-8"})

    # --- data ----------------------------------------------------------------------------
    def _data(self, folder: str, request: Request) -> Reply:
        lang = self.language(request)
        path = self.recorded(folder, "data", lang)
        if path is None:
            langs = self.languages(folder, "data")
            if langs:
                return self.other_language(f"{folder}/data", langs, lang)
            return problem(400, "Non-existent value", "replay: no data recorded for this table")
        recorded = self._json(path)
        fmt = (request.param("outputFormat") or "json-stat2").lower()
        if fmt not in {"json-stat2", "jsonstat2"}:
            return problem(400, "Unsupported output format",
                           f"replay holds json-stat2 only, not {fmt}")
        try:
            entries = _selection_entries(request)
        except ValueError as exc:
            return problem(400, "Illegal selection", str(exc))
        if not entries:  # the API's default selection; here: what was recorded
            return self._file(path)
        for entry in entries:
            codes = [c for c in entry["valueCodes"] if c]
            if len(codes) != len(set(codes)):
                return Reply(500, b"", {})  # the live API's answer to a repeated code
        metadata = self._structure(folder)  # codes only: any recorded language will do
        try:
            chosen = self._select(recorded, metadata, entries)
        except SelectionError as exc:
            return problem(400, exc.title, exc.detail)
        except NotRecorded as exc:
            return not_recorded(str(exc))
        cells = count_cells({d: c for d, c in chosen.items() if c is not None})
        if self.max_cells and cells > self.max_cells:
            return problem(400, "Too many cells selected", "Too many cells selected")
        try:
            picks = self._picks(recorded, metadata, chosen)
        except NotRecorded as exc:
            return not_recorded(str(exc))
        sizes = [int(s) for s in recorded["size"]]
        if all(p is not None and p == list(range(n))
               for p, n in zip(picks.values(), sizes, strict=True)):
            return self._file(path)  # the whole recording: its own bytes
        return Reply.json(slice_body(recorded, picks))

    def _select(self, recorded: dict, metadata: dict | None, entries: list[dict]
                ) -> dict[str, list[str] | None]:
        """Codes per variable as the API resolves them (None: eliminated), in table order.

        Checked against the table's metadata (or the codelist), not the recording, in the
        API's order; SelectionError carries the API's own title. Without recorded metadata a
        code outside the recording cannot be judged: NotRecorded.
        """
        dims = [str(d) for d in recorded["id"]]
        time_dims = set((recorded.get("role") or {}).get("time") or [])
        by_name = {d.lower(): d for d in dims}
        for t in time_dims:
            by_name.setdefault("time", t)
        chosen: dict[str, dict] = {}
        for entry in entries:
            dim = by_name.get(str(entry["variableCode"]).lower())
            if dim is None:
                raise SelectionError("Non-existent variable", str(entry["variableCode"]))
            chosen[dim] = entry
        out: dict[str, list[str] | None] = {}
        for dim in dims:
            meta_dim = ((metadata or {}).get("dimension") or {}).get(dim) or {}
            rec_dim = recorded["dimension"][dim]
            entry = chosen.get(dim)
            codes = [] if entry is None else self._resolve_entry(
                entry, dim, list(rec_dim["category"]["index"]), meta_dim,
                is_time=dim in time_dims, judged=metadata is not None)
            if not codes:
                _check_elimination(dim, rec_dim, meta_dim)
            out[dim] = codes or None
        return out

    def _picks(self, recorded: dict, metadata: dict | None,
               chosen: dict[str, list[str] | None]) -> dict[str, list[int] | None]:
        """Recorded positions per variable (None: eliminated), or NotRecorded."""
        picks: dict[str, list[int] | None] = {}
        for dim, codes in chosen.items():
            rec_dim = recorded["dimension"][dim]
            recorded_codes = list(rec_dim["category"]["index"])
            if codes is None:
                meta_dim = ((metadata or {}).get("dimension") or {}).get(dim) or {}
                picks[dim] = _eliminate(dim, rec_dim, meta_dim, recorded_codes)
                continue
            missing = [c for c in codes if c not in recorded_codes]
            if missing:
                more = "…" if len(recorded_codes) > 5 else ""
                raise NotRecorded(f"{dim} {missing[:5]} exists in the table but is not in the "
                                  f"recorded response (recorded: {recorded_codes[:5]}{more})")
            picks[dim] = sorted(recorded_codes.index(c) for c in codes)
        return picks

    def _resolve_entry(self, entry: dict, dim: str, recorded_codes: list[str], meta_dim: dict,
                       *, is_time: bool, judged: bool) -> list[str]:
        """The codes one entry selects; ``judged`` False: the universe is only the recording."""
        codelist = entry.get("codelist")
        universe = list(meta_dim.get("category", {}).get("index") or recorded_codes)
        if codelist:
            listed = [c.get("id") for c in (meta_dim.get("extension") or {}).get("codelists")
                      or []]
            if meta_dim and not any(_nfc(str(i)) == _nfc(codelist) for i in listed):
                raise SelectionError("Non-existent codelist", f"{dim}: {codelist}")
            found = self._find("codelists", codelist, ".json")
            body = self._json(found) if found else None
            if body:
                universe = [str(v["code"]) for v in body["values"]]
            else:  # the value set's own codes were not recorded: only the recording is known
                universe, judged = recorded_codes, False
        try:
            return resolve([str(v) for v in entry["valueCodes"]], universe, is_time=is_time)
        except SelectionError as exc:
            if judged or exc.title != "Non-existent value":
                raise
            raise NotRecorded(f"{dim}: {exc.detail}; without the table's metadata or the "
                              f"codelist {codelist or ''} the replay cannot tell whether the API "
                              "has it") from exc


def _check_elimination(dim: str, rec_dim: dict, meta_dim: dict) -> None:
    """An unselected variable the API refuses: a mandatory one."""
    meta_ext, rec_ext = meta_dim.get("extension") or {}, rec_dim.get("extension") or {}
    if not meta_ext.get("elimination", rec_ext.get("elimination", False)):
        raise SelectionError("Missing selection for mandantory variable", dim)


def _eliminate(dim: str, rec_dim: dict, meta_dim: dict, recorded_codes: list[str]) -> None:
    """An eliminated variable: NotRecorded when its total is not in the recording."""
    meta_ext, rec_ext = meta_dim.get("extension") or {}, rec_dim.get("extension") or {}
    total = rec_ext.get("eliminationValueCode", meta_ext.get("eliminationValueCode"))
    if total is None or total not in recorded_codes:
        raise NotRecorded(f"eliminating {dim} needs its total, which was not recorded; "
                          f"select {dim}")


_LIST_SPLIT = re.compile(r",(?=[^\]]*(?:\[|$))")


def split_value_list(text: str) -> list[str]:
    """A GET value list as the API splits it: commas outside ``[...]``; ``[a,b]`` is one code."""
    out = []
    for item in _LIST_SPLIT.split(text):
        item = item.strip()
        out.append(item[1:-1] if item.startswith("[") and item.endswith("]") else item)
    return out


def _endpoint(request: Request) -> str | None:
    parts = [p for p in request.path.split("/") if p]
    if parts == ["config"]:
        return "config"
    if parts[:1] == ["tables"]:
        return {1: "tables", 2: "table"}.get(len(parts)) or (
            parts[2] if len(parts) == 3 and parts[2] in {"metadata", "data"} else None)
    if len(parts) == 2 and parts[0].lower() == "codelists":
        return "codelist"
    return None


def _check_parameters(request: Request) -> Request | Reply:
    """The request with parameter names spelt as the API spells them, or a loud refusal.

    ASP.NET Core binds query names case-insensitively; ``valueCodes[<var>]`` and
    ``codelist[<var>]`` (GET data only) keep the variable name as given.
    """
    endpoint = _endpoint(request)
    if endpoint is None:
        return request  # routing answers 404 for an unknown endpoint
    known = {name.lower(): name for name in PARAMETERS[endpoint]}
    query: dict[str, list[str]] = {}
    for key, values in request.query.items():
        lowered = key.lower()
        name = known.get(lowered)
        if name is None and endpoint == "data" and request.method.upper() == "GET":
            for kind in SELECTION_PARAMETERS:
                if lowered.startswith(kind.lower()):
                    if not (lowered.startswith(kind.lower() + "[") and key.endswith("]")
                            and len(key) > len(kind) + 2):
                        return problem(400, "Parameter error", (
                            f"{kind}-parameter should be like {kind}[<variable>]. {key} is not."))
                    name = f"{kind}[{key[len(kind) + 1:-1]}]"
        if name is None:
            return not_recorded(f"parameter {key!r} is not one the replay knows for this "
                                f"endpoint (known: {sorted(PARAMETERS[endpoint])})")
        if name in NOT_IMPLEMENTED:
            return not_recorded(f"parameter {name!r} is not implemented by the replay")
        query.setdefault(name, []).extend(values)
    return Request(request.method, request.path, query, request.body, request.base_url)


def _selection_entries(request: Request) -> list[dict]:
    """The selection as ``[{variableCode, valueCodes, codelist}]`` from a POST body or GET query."""
    if request.method.upper() == "POST" and request.body.strip():
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"body is not JSON: {exc}") from exc
        selection = body.get("selection") if isinstance(body, dict) else None
        if selection is None:
            return []
        if not isinstance(selection, list) or not all(
                isinstance(s, dict) and "variableCode" in s for s in selection):
            raise ValueError("selection must be a list of {variableCode, valueCodes}")
        return [{"variableCode": s["variableCode"], "valueCodes": list(s.get("valueCodes") or []),
                 "codelist": s.get("codelist")} for s in selection]
    entries: dict[str, dict] = {}
    for key, values in request.query.items():  # names already canonical (_check_parameters)
        for kind in SELECTION_PARAMETERS:
            if key.startswith(f"{kind}[") and key.endswith("]"):
                variable = key[len(kind) + 1:-1]
                entry = entries.setdefault(variable.lower(), {"variableCode": variable,
                                                              "valueCodes": [], "codelist": None})
                if kind == "codelist":
                    entry["codelist"] = values[-1]
                else:  # repeated keys are joined with commas, as ASP.NET's StringValues are
                    entry["valueCodes"] += split_value_list(",".join(values))
    return list(entries.values())


def slice_body(body: dict, picks: dict[str, list[int] | None]) -> dict:
    """The json-stat2 body cut to ``picks`` (recorded positions per dimension; None drops it).

    Keeps every key of the body; size, category index/label/unit, value and status follow
    the slice.
    """
    dims = [str(d) for d in body["id"]]
    sizes = [int(s) for s in body["size"]]
    axes = [p if p is not None else [_total_position(body, d)]
            for d, p in zip(dims, picks.values(), strict=True)]
    flat = np.arange(math.prod(sizes)).reshape(sizes)[np.ix_(*axes)].ravel()
    out = {k: v for k, v in body.items() if k not in {"value", "status"}}
    kept = [d for d in dims if picks[d] is not None]
    out["id"] = kept
    out["size"] = [len(picks[d]) for d in kept]
    out["dimension"] = {d: _slice_dimension(body["dimension"][d], picks[d]) for d in kept}
    if body.get("role"):
        out["role"] = {r: [d for d in ds if d in kept] for r, ds in body["role"].items()}
    out["value"] = _slice_cells(body["value"], flat)
    status = body.get("status")
    if status is not None:
        out["status"] = status if isinstance(status, str) else _slice_cells(status, flat)
    return out


def _total_position(body: dict, dim: str) -> int:
    total = (body["dimension"][dim].get("extension") or {}).get("eliminationValueCode")
    return list(body["dimension"][dim]["category"]["index"]).index(total)


def _slice_dimension(dimension: dict, positions: list[int]) -> dict:
    out = dict(dimension)
    category = dict(dimension["category"])
    codes = list(category["index"])
    keep = [codes[i] for i in positions]
    category["index"] = {c: i for i, c in enumerate(keep)}
    for key, value in dimension["category"].items():
        if key != "index" and isinstance(value, dict):
            category[key] = {c: value[c] for c in keep if c in value}
    out["category"] = category
    return out


def _slice_cells(cells: list | dict, flat: np.ndarray) -> list | dict:
    if isinstance(cells, list):
        return np.array(cells, dtype=object)[flat].tolist() if len(cells) > 1 else cells
    return {str(new): cells[str(old)] for new, old in enumerate(flat.tolist())
            if str(old) in cells}
