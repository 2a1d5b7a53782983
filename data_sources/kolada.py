"""Kolada API v3 client. Fetches and snapshots; never reshapes (that is transforms/staging_kolada.py).

What it does: builds the URLs, batches long id lists, follows the next-page link the body
carries (``next_page`` or ``next_url``; public clients disagree), retries 429/5xx with backoff
(honouring ``Retry-After``), checks that each body is JSON of the documented shape, and writes
every body verbatim to the raw layer. What it does not do: parse values into tables, decide
which KPIs to load (the indicator catalogue does), or compute anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import httpx

import config
from data_sources.http import BadBody, Clock, FetchError, HttpSession, json_body
from data_sources.snapshot import SnapshotWriter
from transforms.kolada_arrow import Page
from transforms.kolada_arrow import parse_page as parse_arrow_page

SOURCE = "kolada"
PER_PAGE = 5000  # the API's maximum
MAX_PAGES = 10_000  # a guard against a server that links a page to itself forever
ID_BATCH = 20  # ids per path segment: keeps URLs short (public clients use 20)


def batched(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    """Consecutive slices of ``ids`` of at most ``size`` items."""
    if size < 1:
        raise ValueError("batch size must be positive")
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def next_link(body: dict | Page) -> str | None:
    """The next page's URL from a Kolada body: ``next_page`` or ``next_url``, else None."""
    if isinstance(body, Page):
        return body.next
    for key in ("next_page", "next_url"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def parse_page(response: httpx.Response) -> Page | dict:
    """A data page parsed once by pyarrow (``transforms.kolada_arrow.parse_page``), else (HTML,
    or anything pyarrow does not parse as a Kolada data page) ``parse_body``'s dict or BadBody,
    as without pyarrow."""
    if "html" not in response.headers.get("content-type", "").lower():
        page = parse_arrow_page(response.content)
        if page is not None:
            return page
    return parse_body(response)


def parse_body(response: httpx.Response) -> dict:
    """The JSON body of a Kolada answer; BadBody when it is truncated or lacks ``values``."""
    body = json_body(response)
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise BadBody("listan 'values' saknas")
    return body


def _data_paths(kpi: str, years: Iterable[int],
                municipalities: Sequence[str] | None) -> Iterator[str]:
    """The paths of one KPI's data for ``years`` (and the given municipality ids, else all)."""
    year_list = [str(y) for y in years]
    muni_batches = list(batched(list(municipalities), ID_BATCH)) if municipalities else [None]
    for munis in muni_batches:
        for year_batch in batched(year_list, ID_BATCH):
            where = f"municipality/{','.join(munis)}/" if munis else ""
            yield f"data/kpi/{kpi}/{where}year/{','.join(year_batch)}"


@dataclass
class KoladaClient:
    """Kolada v3 over HTTP. ``transport`` and ``clock`` are injectable for tests."""

    base_url: str | None = None
    transport: httpx.BaseTransport | None = None
    clock: Clock | None = None
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        self.http = HttpSession(SOURCE, self.base_url or config.kolada_api_url(),
                                transport=self.transport, clock=self.clock or Clock())

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.http.calls

    def pages(self, path: str, params: dict | None = None,
              snapshot: SnapshotWriter | None = None, *, arrow: bool = False
              ) -> Iterator[dict | Page]:
        """Yield every page's body for ``path``, following the body's next-page link. With
        ``arrow`` a data page is parsed by pyarrow where it can be (``parse_page``): its
        ``Page`` is yielded, and the snapshot gets no Python parse of it (a check that needs
        one parses the file)."""
        parse = parse_page if arrow else parse_body
        url: str | None = self.http.url(path)
        query: dict | None = {"per_page": self.per_page, **(params or {})}
        seen: set[str] = set()
        parsed: list[dict] = []

        def keep(response: httpx.Response) -> None:  # validate once, keep the parse
            parsed[:] = [parse(response)]

        for _ in range(MAX_PAGES):
            parsed.clear()
            response = self.http.request("GET", url, params=query, validate=keep)
            body = parsed[0] if parsed else parse(response)
            if snapshot is not None:
                snapshot.add(response, parsed=None if isinstance(body, Page) else body)
            yield body
            url, query = next_link(body), None
            if url is None:
                return
            url = self.http.url(url)
            if url in seen:
                raise FetchError(SOURCE, url, "sidlänken pekar tillbaka på en redan hämtad sida")
            seen.add(url)
        raise FetchError(SOURCE, path, f"fler än {MAX_PAGES} sidor; avbryter")

    def municipalities(self, snapshot: SnapshotWriter | None = None) -> list[dict]:
        """All municipalities and regions: ``[{"id", "title", "type"}]`` (type K or L)."""
        return [row for body in self.pages("municipality", snapshot=snapshot)
                for row in body["values"]]

    def kpis(self, ids: Sequence[str], snapshot: SnapshotWriter | None = None) -> list[dict]:
        """KPI metadata (title, description, ...) for ``ids``, fetched in batches."""
        out: list[dict] = []
        for batch in batched(list(ids), ID_BATCH):
            for body in self.pages(f"kpi/{','.join(batch)}", snapshot=snapshot):
                out.extend(body["values"])
        return out

    def kpi_data(self, kpi: str, years: Iterable[int], *,
                 municipalities: Sequence[str] | None = None,
                 snapshot: SnapshotWriter | None = None) -> list[dict]:
        """Data rows for one KPI, every municipality (or the given ids), for ``years``."""
        out: list[dict] = []
        for path in _data_paths(kpi, years, municipalities):
            for body in self.pages(path, snapshot=snapshot):
                out.extend(body["values"])
        return out

    def kpi_pages(self, kpi: str, years: Iterable[int], *,
                  snapshot: SnapshotWriter) -> list[Page | None]:
        """``kpi_data``'s pages into ``snapshot``, each parsed once by pyarrow where it can be:
        per page (in the snapshot's order) its ``Page``, or None where it was parsed by orjson
        (the check then reads the file)."""
        return [body if isinstance(body, Page) else None
                for path in _data_paths(kpi, years, None)
                for body in self.pages(path, snapshot=snapshot, arrow=True)]

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()

