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
"""

from __future__ import annotations

import json
import math
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
from replay.scb_tables import table_entry, tables_page


def problem(status: int, title: str, detail: str | None = None, **headers: str) -> Reply:
    """The API's error body (``Problem``: type, title, status, detail)."""
    payload: dict = {"type": "Parameter error", "title": title, "status": status}
    if detail:
        payload["detail"] = detail
    reply = Reply.json(payload, status, **headers)
    reply.headers["Content-Type"] = "application/problem+json; charset=utf-8"
    return reply


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
        return json.loads(path.read_bytes()) if path.is_file() else None

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
        reply = self._route(request)
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
                return Reply.json(tables_page(self, request))
            entry = table_entry(self, parts[1], request)
            return Reply.json(entry) if entry else problem(404, "Non-existent table")
        if len(parts) == 3 and parts[0] == "tables":
            folder = self._find("tables", parts[1])
            if folder is None:
                return problem(404, "Non-existent table")
            if parts[2] == "metadata" and method == "GET":
                return self._file(f"{folder}/metadata.json", "Non-existent table")
            if parts[2] == "data":
                return self._data(folder, request)
        if len(parts) == 2 and parts[0].lower() == "codelists" and method == "GET":
            found = self._find("codelists", parts[1], ".json")
            return self._file(found) if found else problem(404, "Non-existent codelist")
        return problem(404, "Not found", f"replay has no endpoint {method} {request.path}")

    def _file(self, relative: str, missing: str = "Not found") -> Reply:
        path = self.folder / relative
        if not path.is_file():
            return problem(404, missing)
        return Reply(200, path.read_bytes(), {"Content-Type": "application/json; charset=utf-8"})

    # --- data ----------------------------------------------------------------------------
    def _data(self, folder: str, request: Request) -> Reply:
        recorded = self._json(f"{folder}/data.json")
        if recorded is None:
            return problem(400, "Non-existent value", "replay: no data recorded for this table")
        fmt = (request.param("outputFormat") or "json-stat2").lower()
        if fmt not in {"json-stat2", "jsonstat2"}:
            return problem(400, "Unsupported output format",
                           f"replay holds json-stat2 only, not {fmt}")
        try:
            entries = _selection_entries(request)
        except ValueError as exc:
            return problem(400, "Illegal selection", str(exc))
        if not entries:  # the API's default selection; here: what was recorded
            return self._file(f"{folder}/data.json")
        for entry in entries:
            codes = [c for c in entry["valueCodes"] if c]
            if len(codes) != len(set(codes)):
                return Reply(500, b"", {})  # the live API's answer to a repeated code
        try:
            picks = self._picks(recorded, self._json(f"{folder}/metadata.json"), entries)
        except SelectionError as exc:
            return problem(400, exc.title, exc.detail)
        cells = count_cells({d: p for d, p in picks.items() if p is not None})
        if self.max_cells and cells > self.max_cells:
            return problem(400, "Too many cells selected", "Too many cells selected")
        sizes = [int(s) for s in recorded["size"]]
        if all(p is not None and p == list(range(n))
               for p, n in zip(picks.values(), sizes, strict=True)):
            return self._file(f"{folder}/data.json")  # the whole recording: its own bytes
        return Reply.json(slice_body(recorded, picks))

    def _picks(self, recorded: dict, metadata: dict | None, entries: list[dict]
               ) -> dict[str, list[int] | None]:
        """Recorded positions per dimension (None: eliminated), or SelectionError."""
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
        picks: dict[str, list[int] | None] = {}
        for dim in dims:
            rec_dim = recorded["dimension"][dim]
            recorded_codes = list(rec_dim["category"]["index"])
            meta_dim = ((metadata or {}).get("dimension") or {}).get(dim) or {}
            entry = chosen.get(dim)
            codes = [] if entry is None else self._resolve_entry(
                entry, dim, recorded_codes, meta_dim, is_time=dim in time_dims)
            if codes:
                missing = [c for c in codes if c not in recorded_codes]
                if missing:
                    raise SelectionError("Non-existent value", (
                        f"replay: {dim} {missing[:5]} not in the recorded response "
                        f"(recorded: {recorded_codes[:5]}{'…' if len(recorded_codes) > 5 else ''})"))
                picks[dim] = sorted(recorded_codes.index(c) for c in codes)
            else:
                picks[dim] = _eliminate(dim, rec_dim, meta_dim, recorded_codes)
        return picks

    def _resolve_entry(self, entry: dict, dim: str, recorded_codes: list[str], meta_dim: dict,
                       *, is_time: bool) -> list[str]:
        codelist = entry.get("codelist")
        universe = list(meta_dim.get("category", {}).get("index") or recorded_codes)
        if codelist:
            listed = [c.get("id") for c in (meta_dim.get("extension") or {}).get("codelists")
                      or []]
            if meta_dim and not any(_nfc(str(i)) == _nfc(codelist) for i in listed):
                raise SelectionError("Non-existent codelist", f"{dim}: {codelist}")
            found = self._find("codelists", codelist, ".json")
            body = self._json(found) if found else None
            universe = [str(v["code"]) for v in body["values"]] if body else recorded_codes
        return resolve([str(v) for v in entry["valueCodes"]], universe, is_time=is_time)


def _eliminate(dim: str, rec_dim: dict, meta_dim: dict, recorded_codes: list[str]) -> None:
    """An unselected variable: refused when mandatory or when its total was not recorded."""
    meta_ext, rec_ext = meta_dim.get("extension") or {}, rec_dim.get("extension") or {}
    if not meta_ext.get("elimination", rec_ext.get("elimination", False)):
        raise SelectionError("Missing selection for mandantory variable", dim)
    total = rec_ext.get("eliminationValueCode", meta_ext.get("eliminationValueCode"))
    if total is None or total not in recorded_codes:
        raise SelectionError("Non-existent value", (
            f"replay: eliminating {dim} needs its total, which was not recorded; select {dim}"))


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
    for key, values in request.query.items():
        for kind in ("valueCodes", "codelist"):
            if key.startswith(f"{kind}[") and key.endswith("]"):
                entry = entries.setdefault(key[len(kind) + 1:-1], {"valueCodes": [],
                                                                   "codelist": None})
                if kind == "codelist":
                    entry["codelist"] = values[0]
                else:
                    entry["valueCodes"] += [v for value in values for v in value.split(",")]
    return [{"variableCode": k, **v} for k, v in entries.items()]


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
