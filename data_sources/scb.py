"""SCB PxWebApi 2.0 client. Fetches and snapshots; never reshapes (see transforms/).

What it does: reads ``GET /config`` and obeys it (``maxDataCells`` per call; a sliding-window
budget of ``maxCallsPerTimeWindow`` calls per ``timeWindow`` seconds, on the injected clock,
run before every attempt); reads the ``X-Rate-Limit-*`` headers and on 429 waits as told
(``Retry-After``, else the reset time) and retries; resolves tables by id and says whether a
table is current from its ``lastPeriod`` (the ``discontinued`` flag is unreliable); resolves
selection expressions against the metadata or codelist to count cells, splits a selection that
is too big along any variable except contents and time until every part fits, and POSTs each
part for json-stat2. Every response (config, table, metadata, codelist, data parts) goes
verbatim to the raw layer with its request. A truncated or malformed body is retried.

Languages: data is always asked for in ``lang`` (Swedish: every label a user sees comes from a
data body). Metadata is read for codes and structure only (values, elimination, value sets,
roles), so it may be asked for in another language (``metadata_lang``): a dataset whose
metadata was verified from an English recording declares ``metadata_lang: en``.

What it does not do: decode json-stat2 into tables (transforms/jsonstat.py), decide which
tables and selections to fetch (data_sources/scb_datasets.yml), follow ``/tables`` paging,
use saved queries, or ask for any output format but json-stat2.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from math import prod

import httpx

import config
from data_sources.http import BadBody, Clock, FetchError, HttpSession, json_body
from data_sources.scb_selection import Selection, SelectionError, is_expression, resolve, split
from data_sources.snapshot import SnapshotWriter

SOURCE = "scb"
DEFAULT_MAX_LAG_DAYS = {"Monthly": 150, "Quarterly": 240, "Annual": 550}
MAX_SERVER_WAIT = 300.0  # never trust a reset header further out than this


def _json_object(response: httpx.Response) -> dict:
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadBody("svaret är inte ett JSON-objekt")
    return body


def _config_body(response: httpx.Response) -> dict:
    body = _json_object(response)
    if not isinstance(body.get("maxDataCells"), int):
        raise BadBody("/config saknar maxDataCells")
    return body


def _jsonstat_body(response: httpx.Response) -> dict:
    """A json-stat2 dataset whose value count matches its size (else BadBody)."""
    body = _json_object(response)
    if not all(k in body for k in ("id", "size", "dimension")):
        raise BadBody("json-stat2 utan id/size/dimension")
    value = body.get("value")
    if isinstance(value, list) and value and len(value) != prod(body["size"]):
        raise BadBody(f"{len(value)} värden men storleken säger {prod(body['size'])}")
    return body


def _table_body(response: httpx.Response) -> dict:
    body = _json_object(response)
    if "id" not in body:
        raise BadBody("tabellsvaret saknar id")
    return body


def _codelist_body(response: httpx.Response) -> dict:
    body = _json_object(response)
    if not isinstance(body.get("values"), list):
        raise BadBody("kodlistan saknar values")
    return body


@dataclass(frozen=True)
class ApiConfig:
    """What ``GET /config`` says about limits (``max_calls`` 0 means no call budget)."""

    max_data_cells: int
    max_calls: int
    time_window: float
    body: dict

    @classmethod
    def from_body(cls, body: dict) -> ApiConfig:
        """Read the limits from a /config body."""
        return cls(int(body["maxDataCells"]), int(body.get("maxCallsPerTimeWindow") or 0),
                   float(body.get("timeWindow") or 0), body)


class CallBudget:
    """At most ``max_calls`` calls in any ``window`` seconds, on ``clock``; obeys server headers.

    ``acquire`` runs before every attempt (HttpSession's ``before``) and sleeps until a call is
    allowed; ``observe`` (HttpSession's ``on_response``) follows ``X-Rate-Limit-Remaining`` and,
    on a 429 without ``Retry-After``, holds calls back until ``X-Rate-Limit-Reset``.
    """

    def __init__(self, clock: Clock, *, max_calls: int = 0, window: float = 0.0,
                 margin: float = 0.0):
        self.clock = clock
        self.max_calls = max_calls
        self.window = window
        self.margin = margin
        self.calls: deque[float] = deque()
        self.blocked_until = 0.0
        self.waited: list[float] = []
        self.last_headers: dict[str, str] = {}

    def configure(self, max_calls: int, window: float) -> None:
        """Set the budget read from /config."""
        self.max_calls, self.window = max_calls, window

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waited.append(seconds)
            self.clock.sleep(seconds)

    def acquire(self) -> None:
        """Wait until one more call fits the budget and the server's reset, then count it."""
        self._sleep(self.blocked_until - self.clock.now())
        if self.max_calls > 0 and self.window > 0:
            span = self.window + self.margin
            now = self.clock.now()
            while self.calls and now - self.calls[0] >= span:
                self.calls.popleft()
            while len(self.calls) >= self.max_calls:
                # wait for the oldest call to leave the window, then drop it whatever the clock
                # reads: comparing floats again could wait forever on a clock that rounds
                self._sleep(self.calls[0] + span - now)
                self.calls.popleft()
                now = max(now, self.clock.now())
        self.calls.append(self.clock.now())

    def observe(self, response: httpx.Response) -> None:
        """Follow the server's own count: ``X-Rate-Limit-Remaining`` and, on 429, the reset.

        When the server has fewer calls left than we think (another client on the same IP),
        the missing calls are counted as made now. On 429 without ``Retry-After`` (which the
        retry itself waits), calls are held back until ``X-Rate-Limit-Reset``.
        """
        headers = response.headers
        self.last_headers = {k: v for k, v in headers.items() if k.lower().startswith(
            "x-rate-limit")}
        try:
            remaining = int(headers.get("X-Rate-Limit-Remaining", ""))
        except ValueError:
            remaining = None
        if remaining is not None and self.max_calls > 0:
            now = self.clock.now()
            ours = self.max_calls - sum(1 for t in self.calls if now - t < self.window)
            self.calls.extend([now] * max(ours - max(remaining, 0), 0))
        if response.status_code == 429 and headers.get("Retry-After") is None:
            wait = reset_seconds(headers.get("X-Rate-Limit-Reset"))
            if wait is not None:
                until = self.clock.now() + min(wait, MAX_SERVER_WAIT)
                self.blocked_until = max(self.blocked_until, until)


def reset_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds until a reset given as seconds, an epoch time or an ISO 8601 date-time."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    if number > 1e9:  # an epoch timestamp
        return max(number - (now or datetime.now(UTC)).timestamp(), 0.0)
    return max(number, 0.0)


def period_end(code: str) -> date | None:
    """Last day of a PxWeb period code: ``2026M04``, ``2025K2``/``2025Q2``, ``2025``."""
    code = code.strip().upper()
    try:
        if len(code) == 7 and code[4] == "M":
            year, month = int(code[:4]), int(code[5:])
        elif len(code) == 6 and code[4] in "KQ":
            year, month = int(code[:4]), int(code[5]) * 3
        elif len(code) == 4:
            year, month = int(code), 12
        else:
            return None
    except ValueError:
        return None
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


@dataclass(frozen=True)
class TableInfo:
    """``GET /tables/{id}``: the fields we use, and the body."""

    id: str
    label: str
    first_period: str | None
    last_period: str | None
    updated: str | None
    time_unit: str | None
    discontinued: bool | None
    body: dict

    @classmethod
    def from_body(cls, body: dict) -> TableInfo:
        """Read a table body."""
        return cls(str(body["id"]), str(body.get("label") or ""), body.get("firstPeriod"),
                   body.get("lastPeriod"), body.get("updated"), body.get("timeUnit"),
                   body.get("discontinued"), body)

    def is_current(self, today: date | None = None, *, max_lag_days: int | None = None) -> bool:
        """True when ``lastPeriod`` ended at most ``max_lag_days`` before ``today``.

        The default lag depends on the time unit (monthly 150, quarterly 240, annual 550 days).
        Ignores the ``discontinued`` flag, which SCB does not keep up to date.
        """
        end = period_end(self.last_period or "")
        if end is None:
            return False
        lag = max_lag_days if max_lag_days is not None else DEFAULT_MAX_LAG_DAYS.get(
            self.time_unit or "", 550)
        return ((today or datetime.now(UTC).date()) - end).days <= lag


def within(codes: Sequence[str], universe: Sequence[str], first: str | None,
           last: str | None) -> list[str]:
    """The codes between ``first`` and ``last`` (inclusive) by their position in ``universe``.

    A bound that is not in the universe does not restrict.
    """
    order = {c: i for i, c in enumerate(universe)}
    lo = order.get(first or "", 0)
    hi = order.get(last or "", len(universe) - 1)
    return [c for c in codes if lo <= order.get(c, -1) <= hi]


def _variables(metadata: dict) -> tuple[list[str], set[str], set[str]]:
    """Variable ids in table order, the fixed ones (contents, time) and the mandatory ones."""
    dims = [str(d) for d in metadata.get("id") or []]
    role = metadata.get("role") or {}
    fixed = set(role.get("time") or []) | set(role.get("metric") or [])
    fixed |= {d for d in dims if d.lower() in {"contentscode", "tid"}}
    mandatory = {d for d in dims if not ((metadata["dimension"][d].get("extension") or {})
                                         .get("elimination", False))}
    return dims, fixed, mandatory


class ScbClient:
    """PxWebApi 2.0 over HTTP. ``transport`` and ``clock`` are injectable for tests.

    ``margin`` seconds are added to the call window, so network jitter between our clock and
    the server's cannot make a call land inside the server's window.
    """

    def __init__(self, base_url: str | None = None, *, transport: httpx.BaseTransport | None = None,
                 clock: Clock | None = None, lang: str = "sv", margin: float = 0.1):
        self.clock = clock or Clock()
        self.budget = CallBudget(self.clock, margin=margin)
        self.lang = lang
        self.http = HttpSession(SOURCE, base_url or config.scb_api_url(), transport=transport,
                                clock=self.clock, on_response=self.budget.observe)
        self._config: ApiConfig | None = None
        self._metadata: dict[tuple[str, str], dict] = {}
        self._codelists: dict[str, dict] = {}

    @property
    def calls(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.http.calls

    def _request(self, method: str, path: str, *, validate, snapshot: SnapshotWriter | None,
                 params: dict | None = None, lang: str | None = None,
                 **kwargs) -> tuple[httpx.Response, dict]:
        parsed: list[dict] = []

        def check(response: httpx.Response) -> None:
            parsed[:] = [validate(response)]

        try:
            response = self.http.request(method, path,
                                         params={"lang": lang or self.lang, **(params or {})},
                                         validate=check, before=self.budget.acquire, **kwargs)
        except FetchError as exc:
            raise _readable(exc) from exc
        body = parsed[0]
        if snapshot is not None:
            snapshot.add(response, parsed=body)
        return response, body

    def config(self, snapshot: SnapshotWriter | None = None, *, refresh: bool = False
               ) -> ApiConfig:
        """``GET /config``, once per client (again with ``refresh``); sets the call budget."""
        if self._config is None or refresh:
            _, body = self._request("GET", "config", validate=_config_body, snapshot=snapshot)
            self._config = ApiConfig.from_body(body)
            self.budget.configure(self._config.max_calls, self._config.time_window)
        return self._config

    def table(self, table_id: str, snapshot: SnapshotWriter | None = None) -> TableInfo:
        """``GET /tables/{id}``: label, first/last period, updated."""
        self.config(snapshot)
        _, body = self._request("GET", f"tables/{table_id}", validate=_table_body,
                                snapshot=snapshot)
        return TableInfo.from_body(body)

    def metadata(self, table_id: str, snapshot: SnapshotWriter | None = None, *,
                 refresh: bool = False, lang: str | None = None) -> dict:
        """``GET /tables/{id}/metadata`` (json-stat2 without values), cached per client.

        ``lang`` (default: the client's) is the language asked for; read codes from it, never
        labels a user sees.
        """
        self.config(snapshot)
        key = (table_id, lang or self.lang)
        if key not in self._metadata or refresh:
            _, body = self._request("GET", f"tables/{table_id}/metadata", validate=_jsonstat_body,
                                    snapshot=snapshot, lang=key[1])
            self._metadata[key] = body
        return self._metadata[key]

    def codelist(self, codelist_id: str, snapshot: SnapshotWriter | None = None, *,
                 refresh: bool = False) -> dict:
        """``GET /codeLists/{id}``: a value set or aggregation (``values`` with ``valueMap``)."""
        self.config(snapshot)
        if codelist_id not in self._codelists or refresh:
            _, body = self._request("GET", f"codeLists/{codelist_id}", validate=_codelist_body,
                                    snapshot=snapshot)
            self._codelists[codelist_id] = body
        return self._codelists[codelist_id]

    def plan(self, table_id: str, selection: Mapping[str, Sequence[str] | str], *,
             codelists: Mapping[str, str] | None = None,
             snapshot: SnapshotWriter | None = None, metadata_lang: str | None = None,
             periods: tuple[str | None, str | None] | None = None) -> list[Selection]:
        """The data calls a selection needs: expressions resolved, split to fit maxDataCells.

        ``periods`` (the table's firstPeriod, lastPeriod from ``GET /tables/{id}``) keeps the
        time variable inside what the table says it holds: live, the metadata agrees and
        nothing changes; a mirror says what it recorded, so mirror mode asks exactly that.
        """
        limits = self.config(snapshot)
        metadata = self.metadata(table_id, snapshot, lang=metadata_lang)
        dims, fixed, mandatory = _variables(metadata)
        by_name = {d.lower(): d for d in dims}
        time_dims = set((metadata.get("role") or {}).get("time") or [])
        codelists = {by_name.get(k.lower(), k): v for k, v in (codelists or {}).items()}
        wanted: dict[str, list[str]] = {}
        for name, values in selection.items():
            dim = by_name.get(name.lower()) or (next(iter(time_dims), None)
                                                if name.lower() == "time" else None)
            if dim is None:
                raise FetchError(SOURCE, table_id, f"tabellen saknar variabeln {name}")
            wanted[dim] = [values] if isinstance(values, str) else [str(v) for v in values]
        if missing := sorted(mandatory - set(wanted)):
            raise FetchError(SOURCE, table_id, f"urvalet saknar obligatoriska {missing}")
        resolved: Selection = {}
        for dim in dims:
            if dim not in wanted:
                continue
            values, codelist = wanted[dim], codelists.get(dim)
            if codelist and not any(is_expression(v) for v in values):
                resolved[dim] = list(dict.fromkeys(values))
                continue
            universe = ([str(v["code"]) for v in self.codelist(codelist, snapshot)["values"]]
                        if codelist else list(metadata["dimension"][dim]["category"]["index"]))
            try:
                resolved[dim] = resolve(values, universe, is_time=dim in time_dims)
            except SelectionError as exc:
                raise FetchError(SOURCE, table_id, f"ogiltigt urval för {dim}: {exc}") from exc
            if dim in time_dims and periods:
                resolved[dim] = within(resolved[dim], universe, *periods)
                if not resolved[dim]:
                    raise FetchError(SOURCE, table_id, f"inga perioder i urvalet ligger inom "
                                                       f"tabellens {periods[0]}–{periods[1]}")
        try:
            return split(resolved, limits.max_data_cells, fixed=fixed)
        except SelectionError as exc:
            raise FetchError(SOURCE, table_id, f"urvalet går inte att dela: {exc}") from exc

    def fetch_table(self, table_id: str, selection: Mapping[str, Sequence[str] | str], *,
                    codelists: Mapping[str, str] | None = None,
                    snapshot: SnapshotWriter | None = None, metadata_lang: str | None = None,
                    periods: tuple[str | None, str | None] | None = None) -> list[dict]:
        """POST the selection (split to fit) for json-stat2; return each part's body, in order.

        Parameters
        ----------
        table_id
            e.g. ``"TAB6471"``.
        selection
            ``{variable: [codes or expressions]}``; an omitted variable is eliminated by SCB.
        codelists
            ``{variable: codelist id}``, e.g. ``{"Region": "vs_CKM03Kommun"}``.
        snapshot
            Every response is added to it verbatim.
        metadata_lang, periods
            As for :meth:`plan`.
        """
        parts = self.plan(table_id, selection, codelists=codelists, snapshot=snapshot,
                          metadata_lang=metadata_lang, periods=periods)
        codelists = {k.lower(): v for k, v in (codelists or {}).items()}
        bodies = []
        for part in parts:
            query = {"selection": [
                {"variableCode": dim, "valueCodes": codes,
                 **({"codelist": codelists[dim.lower()]} if dim.lower() in codelists else {})}
                for dim, codes in part.items()]}
            _, body = self._request("POST", f"tables/{table_id}/data",
                                    params={"outputFormat": "json-stat2"}, json=query,
                                    validate=_jsonstat_body, snapshot=snapshot)
            bodies.append(body)
        return bodies

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


def _readable(exc: FetchError) -> FetchError:
    """A 4xx with the API's problem body, retold in Swedish with SCB's own title.

    A 501 from the replay server (a request the mirror cannot answer) says so.
    """
    text = exc.body or ""
    if exc.status is None or not (400 <= exc.status < 500 or exc.status == 501) \
            or "{" not in text:
        return exc
    try:
        problem = json.loads(text[text.index("{"):])
    except ValueError:
        return exc
    if not isinstance(problem, dict):
        return exc
    title = problem.get("title") or ""
    detail = problem.get("detail") or ""
    if exc.status == 501:
        return type(exc)(exc.source, exc.url, f"spegeln saknar svaret (HTTP 501): {detail}",
                         status=exc.status, body=exc.body)
    text = f"SCB avvisade frågan (HTTP {exc.status}): {title}" + (f" – {detail}" if detail and
                                                                   detail != title else "")
    return type(exc)(exc.source, exc.url, text, status=exc.status, body=exc.body)
