"""Kolada v3 replay: answers the API's URL scheme from a mirror's ``kolada_v3/`` folder.

Files (see ../shared/data/README.md): ``municipality.json``, ``kpi/<KPI>.json`` and
``data/kpi/<KPI>.json`` (all pages of one KPI joined). The app filters by municipality id(s) and
year(s) and paginates as the live API does (``per_page`` up to 5000, ``page`` from 1, a
``next_page`` link in the body).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from replay.base import Reply, Request

MAX_PER_PAGE = 5000
_DATA_PATH = re.compile(
    r"^data/kpi/(?P<kpi>[^/]+)(?:/municipality/(?P<muni>[^/]+))?(?:/year/(?P<year>[^/]+))?/?$"
)


def _ids(segment: str | None) -> set[str] | None:
    if segment is None or segment.lower() == "all":
        return None
    return {part.strip() for part in segment.split(",") if part.strip()}


def _error(status: int, message: str) -> Reply:
    return Reply.json({"error": message}, status)


class KoladaApp:
    """Serves one ``kolada_v3`` folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._load = lru_cache(maxsize=16)(self._load_uncached)

    def _load_uncached(self, relative: str) -> dict | None:
        path = self.folder / relative
        if not path.is_file():
            return None
        return json.loads(path.read_bytes())

    def kpi_ids(self) -> list[str]:
        """Every KPI with metadata in the mirror."""
        return sorted(p.stem for p in (self.folder / "kpi").glob("*.json"))

    def handle(self, request: Request) -> Reply:
        """Route one GET request."""
        if request.method != "GET":
            return _error(405, "method not allowed")
        path = request.path.strip("/")
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
        elif path == "kpi" or path.startswith("kpi/"):
            wanted = _ids(path.partition("/")[2] or None)
            ids = self.kpi_ids() if wanted is None else sorted(wanted)
            rows = [v for kpi in ids for v in (self._load(f"kpi/{kpi}.json") or {"values": []})
                    ["values"]]
        elif path == "data":
            kpis = _ids(request.param("kpi_id"))
            if not kpis:
                return _error(400, "kpi_id is required")
            rows = self._data(kpis, _ids(request.param("municipality_id")),
                              _ids(request.param("year")))
        elif match := _DATA_PATH.match(path):
            if match["muni"] is None and match["year"] is None:
                return _error(400, "give municipality or year with kpi")
            rows = self._data(_ids(match["kpi"]) or set(), _ids(match["muni"]),
                              _ids(match["year"]))
        else:
            return _error(404, f"no such endpoint: /{path}")
        return self._page(request, rows, page, per_page)

    def _data(self, kpis: set[str], munis: set[str] | None, years: set[str] | None) -> list[dict]:
        rows: list[dict] = []
        for kpi in sorted(kpis):
            body = self._load(f"data/kpi/{kpi}.json")
            if body is None:
                continue
            rows.extend(r for r in body["values"]
                        if (munis is None or r["municipality"] in munis)
                        and (years is None or str(r["period"]) in years))
        return rows

    @staticmethod
    def _page(request: Request, rows: list[dict], page: int, per_page: int) -> Reply:
        start = (page - 1) * per_page
        body: dict = {"count": len(rows), "values": rows[start:start + per_page]}
        query = {k: v[0] for k, v in request.query.items()}

        def link(n: int) -> str:
            return f"{request.base_url}/{request.path.strip('/')}?" + urlencode(
                {**query, "page": n, "per_page": per_page})

        if start + per_page < len(rows):
            body["next_page"] = link(page + 1)
        if page > 1:
            body["previous_page"] = link(page - 1)
        return Reply.json(body)
