"""Kolada v3 replay: answers the API's URL scheme from a mirror's ``kolada_v3/`` folder.

Files (see ../shared/data/README.md): ``municipality.json``, ``kpi/<KPI>.json`` and
``data/kpi/<KPI>.json`` (all pages of one KPI joined). The app filters by municipality id(s) and
year(s) and paginates as the live API does (``per_page`` up to 5000, ``page`` from 1, a
``next_page`` link in the body).

Fidelity: ids and years may come comma-separated (``municipality_id=0780,0764``) or repeated
(``municipality_id=0780&municipality_id=0764``, as koladapy 1.0.1 sends lists); the replay
takes every value, never only the first. [verify] Kolada's v3 documentation is not among the
stored sources; public clients use both forms (Kolada-MCP joins with commas), so the union is
the reading under which both work. ``title`` filters ``/municipality`` and ``/kpi`` (a
case-insensitive substring of the title, as clients use it to search), ``type`` (K or L)
filters ``/municipality``. Every other query parameter the API has (``from_date``,
``operating_area``, ``publication_date``, ``ou_id``, …) gets a loud 501 naming it, and so does
data for a KPI the mirror did not record: the replay never answers 200 with part of a request
ignored, nor "no data" for what it simply does not hold.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import orjson

from replay.base import Reply, Request

MAX_PER_PAGE = 5000
_DATA_PATH = re.compile(
    r"^data/kpi/(?P<kpi>[^/]+)(?:/municipality/(?P<muni>[^/]+))?(?:/year/(?P<year>[^/]+))?/?$"
)


# query parameters the replay implements, per endpoint (paging is common to all)
PARAMETERS = {"municipality": {"title", "type"}, "kpi": {"title"},
              "data": {"kpi_id", "municipality_id", "year"}, "data_path": set()}
PAGING = {"page", "per_page"}


def _ids(segment: str | list[str] | None) -> set[str] | None:
    """Ids from a path segment or from query values, comma-separated and/or repeated."""
    if segment is None:
        return None
    parts = [segment] if isinstance(segment, str) else segment
    if len(parts) == 1 and parts[0].lower() == "all":
        return None
    return {p.strip() for part in parts for p in part.split(",") if p.strip()}


def _error(status: int, message: str) -> Reply:
    return Reply.json({"error": message}, status)


def _endpoint(path: str) -> str | None:
    if path == "municipality" or path.startswith("municipality/"):
        return "municipality"
    if path == "kpi" or path.startswith("kpi/"):
        return "kpi"
    if path == "data":
        return "data"
    if _DATA_PATH.match(path):
        return "data_path"
    return None


def _title_filter(rows: list[dict], request: Request) -> list[dict]:
    words = request.query.get("title")
    if not words:
        return rows
    wanted = [w.casefold() for w in words if w]
    return [r for r in rows if all(w in str(r.get("title", "")).casefold() for w in wanted)]


class NotRecorded(LookupError):
    """A request Kolada would answer that the mirror holds nothing for (answered 501)."""


class KoladaApp:
    """Serves one ``kolada_v3`` folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._load = lru_cache(maxsize=16)(self._load_uncached)
        # the rows of one data query, kept while its pages are asked for (a KPI's pages
        # otherwise filtered the whole recording again for every page)
        self._rows = lru_cache(maxsize=16)(self._data_uncached)
        self._lenient = False  # a recording only the standard library could read (NaN, ...)
        self._runs: dict[int, tuple[list[dict], list[tuple[str, int, int]]]] = {}
        self._runs_lock = threading.Lock()

    def _load_uncached(self, relative: str) -> dict | None:
        path = self.folder / relative
        if not path.is_file():
            return None
        data = path.read_bytes()
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            self._lenient = True  # answered with the standard library from now on
            return json.loads(data)

    def _json(self, payload: dict, status: int = 200) -> Reply:
        """A JSON answer. orjson writes the big data pages about ten times faster than the
        standard library (compact, the same values and order); a recording orjson refused
        (NaN, huge integers) is answered by the standard library, as before."""
        if not self._lenient:
            try:
                return Reply(status, orjson.dumps(payload),
                             {"Content-Type": "application/json; charset=utf-8"})
            except TypeError:
                pass
        return Reply.json(payload, status)

    def kpi_ids(self) -> list[str]:
        """Every KPI with metadata in the mirror."""
        return sorted(p.stem for p in (self.folder / "kpi").glob("*.json"))

    def handle(self, request: Request) -> Reply:
        """Route one GET request."""
        if request.method != "GET":
            return _error(405, "method not allowed")
        path = request.path.strip("/")
        endpoint = _endpoint(path)
        if endpoint is not None:
            unknown = sorted(set(request.query) - PARAMETERS[endpoint] - PAGING)
            if unknown:
                return _error(501, f"replay: parameter {unknown} is not implemented for "
                                   f"/{path} (implemented: "
                                   f"{sorted(PARAMETERS[endpoint] | PAGING)})")
            repeated = [k for k in PAGING if len(request.query.get(k, [])) > 1]
            if repeated:
                return _error(400, f"{repeated[0]} given more than once")
        try:
            per_page = int(request.param("per_page", str(MAX_PER_PAGE)))
            page = int(request.param("page", "1"))
        except ValueError:
            return _error(400, "per_page and page must be integers")
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            return _error(400, f"per_page must be 1..{MAX_PER_PAGE} and page >= 1")

        if path == "municipality" or path.startswith("municipality/"):
            rows = self._load("municipality.json")["values"]
            wanted = _ids(path.partition("/")[2] or None)
            rows = [r for r in rows if wanted is None or r["id"] in wanted]
            types = _ids(request.query.get("type"))
            if types is not None:
                if not types <= {"K", "L"}:
                    return _error(400, f"type is K or L, not {sorted(types)}")
                rows = [r for r in rows if r.get("type") in types]
            rows = _title_filter(rows, request)
        elif path == "kpi" or path.startswith("kpi/"):
            wanted = _ids(path.partition("/")[2] or None)
            ids = self.kpi_ids() if wanted is None else sorted(wanted)
            rows = [v for kpi in ids for v in (self._load(f"kpi/{kpi}.json") or {"values": []})
                    ["values"]]
            rows = _title_filter(rows, request)
        elif path == "data":
            kpis = _ids(request.query.get("kpi_id"))
            if not kpis:
                return _error(400, "kpi_id is required")
            try:
                rows = self._data(kpis, _ids(request.query.get("municipality_id")),
                                  _ids(request.query.get("year")))
            except NotRecorded as exc:
                return _error(501, str(exc))
        elif match := _DATA_PATH.match(path):
            if match["muni"] is None and match["year"] is None:
                return _error(400, "give municipality or year with kpi")
            try:
                rows = self._data(_ids(match["kpi"]) or set(), _ids(match["muni"]),
                                  _ids(match["year"]))
            except NotRecorded as exc:
                return _error(501, str(exc))
        else:
            return _error(404, f"no such endpoint: /{path}")
        return self._page(request, rows, page, per_page)

    def _data(self, kpis: set[str], munis: set[str] | None, years: set[str] | None) -> list[dict]:
        return self._rows(frozenset(kpis), None if munis is None else frozenset(munis),
                          None if years is None else frozenset(years))

    def _data_uncached(self, kpis: frozenset[str], munis: frozenset[str] | None,
                       years: frozenset[str] | None) -> list[dict]:
        rows: list[dict] = []
        for kpi in sorted(kpis):
            body = self._load(f"data/kpi/{kpi}.json")
            if body is None:  # Kolada may well have it: never answer "no data" for it
                raise NotRecorded(f"replay: no data recorded for KPI {kpi}")
            values = body["values"]
            # the rows of the years asked for, in the recording's order: whole runs of one
            # year sliced out (a recording lists its rows year by year: ~30 runs, not ~7000
            # rows each tested per request, for one recording 2-3 requests)
            parts = [values] if years is None else \
                [values[start:end] for year, start, end in self._year_runs(values)
                 if year in years]
            for part in parts:
                rows.extend(part if munis is None else
                            (r for r in part if r["municipality"] in munis))
        return rows

    def _year_runs(self, values: list[dict]) -> list[tuple[str, int, int]]:
        """(year, start, end) for each run of consecutive rows of one year (``str(period)``,
        as asked for), in order; computed once per recording parsed."""
        cached = self._runs.get(id(values))
        if cached is not None and cached[0] is values:
            return cached[1]
        runs: list[tuple[str, int, int]] = []
        start, year = 0, None
        for i, row in enumerate(values):
            period = str(row["period"])
            if period != year:
                if year is not None:
                    runs.append((year, start, i))
                start, year = i, period
        if year is not None:
            runs.append((year, start, len(values)))
        with self._runs_lock:  # the server answers on threads: one change of the dict at a time
            while len(self._runs) >= 16:  # as many as the recordings kept parsed
                self._runs.pop(next(iter(self._runs)))
            self._runs[id(values)] = (values, runs)  # the list held: its id is not reused
        return runs

    def _page(self, request: Request, rows: list[dict], page: int, per_page: int) -> Reply:
        start = (page - 1) * per_page
        body: dict = {"count": len(rows), "values": rows[start:start + per_page]}
        query = {k: v for k, v in request.query.items() if k not in PAGING}

        def link(n: int) -> str:  # every value of every parameter travels to the next page
            return f"{request.base_url}/{request.path.strip('/')}?" + urlencode(
                {**query, "page": n, "per_page": per_page}, doseq=True)

        if start + per_page < len(rows):
            body["next_page"] = link(page + 1)
        if page > 1:
            body["previous_page"] = link(page - 1)
        return self._json(body)
