"""Fetch step of a refresh: every source into the raw layer, one snapshot per dataset.

A dataset whose fetch fails keeps its previous snapshot (the build reads the newest complete
one), so a failed or malformed fetch never replaces good data. Every dataset is checked at the
boundary (transforms/validate.py) after its last response and before its snapshot is committed:
a renamed field, an unknown kommun code, duplicate rows, a number where a code belongs or an
empty answer where there was data is refused with a Swedish message naming the source and the
URL. A source that cannot be reached at all is skipped after its first failure, and one that
keeps answering 429 or not answering in time after two datasets in a row, so an offline start
or a throttled night stays short.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import config
from data_sources import NOT_IN_MIRROR
from data_sources.http import (
    Clock,
    FetchError,
    HttpSession,
    InvalidData,
    SourceThrottled,
    SourceUnreachable,
)
from data_sources.kolada import KoladaClient
from data_sources.snapshot import SnapshotWriter, fetch_snapshot, latest_snapshot
from transforms import kolada_arrow, validate
from transforms.catalogue import indicator_ids
from transforms.jsonio import json_loads
from transforms.kolada_arrow import Page
from transforms.kommun import code_changes

if TYPE_CHECKING:  # SCB's and Arbetsförmedlingen's clients are imported where they are used:
    # a refresh forks Kolada's client and replay before it fetches them (~35 ms sooner)
    from data_sources.arbetsformedlingen import AfClient
    from data_sources.scb_datasets import ScbDataset

FIRST_YEAR = 1994  # Kolada's series start here
SOURCE_NAMES = {"kolada": "Kolada", "scb": "SCB", "af": "Arbetsförmedlingen"}
THROTTLED_IN_A_ROW = 2  # datasets in a row answered 429/timeout before the source is skipped
# Kolada KPIs fetched at once. Kolada publishes no call limit; three connections keep a
# refresh polite and let a KPI's answer travel while the one before is parsed and checked.
KOLADA_WORKERS = 3
# allocations between collections of the youngest generation while Kolada is fetched (gc_paused)
YOUNG_COLLECTION = 50_000


@dataclass
class DatasetOutcome:
    """What happened to one dataset in one refresh."""

    source: str
    dataset: str
    ok: bool
    message: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    url: str | None = None

    @property
    def text(self) -> str:
        """One line for people: source, what happened, and the URL that failed."""
        where = f" – {self.url}" if self.url and not self.ok else ""
        return f"{SOURCE_NAMES.get(self.source, self.source)}, {self.dataset}: {self.message}" \
               f"{where}"


@dataclass
class FetchReport:
    """Outcomes of a refresh's fetch step, per dataset, with per-source summaries."""

    outcomes: list[DatasetOutcome] = field(default_factory=list)
    mirror: str | None = None

    def add(self, source: str, dataset: str, ok: bool, message: str,
            url: str | None = None) -> None:
        """Record one dataset's outcome."""
        self.outcomes.append(DatasetOutcome(source, dataset, ok, message, url=url))

    def failures(self) -> list[DatasetOutcome]:
        """Datasets that failed (not those the mirror does not hold)."""
        return [o for o in self.outcomes
                if not o.ok and not o.message.startswith(NOT_IN_MIRROR)]

    def sources(self) -> dict[str, dict]:
        """Per source: counts, the first failure (text, when, URL) and every failed dataset."""
        out: dict[str, dict] = {}
        for o in self.outcomes:
            s = out.setdefault(o.source, {"fetched": 0, "failed": 0, "skipped": 0,
                                          "first_error": None, "first_error_at": None,
                                          "failures": []})
            if o.ok:
                s["fetched"] += 1
            elif o.message.startswith(NOT_IN_MIRROR):
                s["skipped"] += 1
            else:
                s["failed"] += 1
                if s["first_error"] is None:
                    s["first_error"], s["first_error_at"] = o.text, o.at
                s["failures"].append({"dataset": o.dataset, "at": o.at, "message": o.message,
                                      "url": o.url})
        return out


Progress = Callable[[str], None]


def years_to_fetch(today: datetime | None = None) -> list[int]:
    """Every year from Kolada's first (1994) up to the current year."""
    return list(range(FIRST_YEAR, (today or datetime.now(UTC)).year + 1))


def fetch_kolada(report: FetchReport, *, root: Path, progress: Progress,
                 base_url: str | None = None, kpis: list[str] | None = None,
                 clock: Clock | None = None, transport=None) -> None:
    """Municipality list, KPI metadata and each catalogue KPI's data, one snapshot each."""
    client = KoladaClient(base_url, transport=transport, clock=clock)
    kpis = kpis or indicator_ids()
    years = years_to_fetch()
    known: dict[str, set[str]] = {}  # municipality ids from this refresh's list

    def municipalities(writer: SnapshotWriter) -> None:
        client.municipalities(snapshot=writer)

    def check_municipalities(writer: SnapshotWriter) -> None:
        ids = set().union(*_each_body(writer, "kolada", validate.kolada_municipalities))
        if not ids:
            raise InvalidData("kolada", writer.entries()[-1][1], "kommunlistan är tom")
        known["ids"] = ids

    jobs: list[tuple[str, Callable, Callable | None]] = [
        ("municipality", municipalities, check_municipalities),
        ("kpi", lambda w: client.kpis(kpis, snapshot=w),
         lambda w: _each_body(w, "kolada", validate.kolada_kpis)),
    ]
    for kpi in kpis:  # each KPI's pages, parsed once by its job, are its check's
        pages: list[Page | None] = []
        jobs.append((f"data__{kpi}", partial(_kpi_job, client, kpi, years, pages),
                     partial(_check_kpi, kpi, root, known, pages)))
    try:
        # the municipality list and the KPI metadata first, one at a time: every KPI's check
        # needs this refresh's municipality ids, and an unreachable source is found there
        with gc_paused():
            _run_jobs(report, "kolada", jobs, root=root, progress=progress,
                      base_url=client.http.base_url, parallel_from=3, workers=KOLADA_WORKERS)
    finally:
        client.close()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector kept off everything alive before the fetch while bodies are
    parsed and checked (``gc.freeze``), back to normal after.

    Parsing 48 MB of Kolada JSON makes some 2 million dicts and lists; every so often the
    collector walked every object of the process (pandas' and DuckDB's modules included): a
    third of the parse-and-check CPU. Frozen, those are never walked, while the collector still
    runs over what the fetch itself makes: each httpx response is a reference cycle (response ->
    stream -> response), and with the collector switched off altogether no response was freed
    until the fetch ended (Kolada's fetch peaked at 122 MiB against 90 MiB; frozen 180 against
    214 MiB in a process with pandas loaded, for about 0.4 s more CPU than switched off).

    The youngest generation is collected every ``YOUNG_COLLECTION`` allocations instead of
    every 700: a parse of one page allocates tens of thousands of containers, and each of the
    ~1000 collections a fetch made walked the half-built lists again and promoted them to be
    walked once more (0.35 s of the client's CPU). Cycles (the responses) are still freed, a
    few pages later (gc time 0.35 -> 0.11 s, peak +6 MiB; 100 000 saved 0.05 s more for +20).
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _kpi_job(client: KoladaClient, kpi: str, years: list[int], pages: list[Page | None],
             writer) -> None:
    pages[:] = client.kpi_pages(kpi, years, snapshot=writer)


def _each_body(writer: SnapshotWriter, source: str, check: Callable[[dict], object]) -> list:
    """``check`` on every response body of a fetch; InvalidData names the URL that failed."""
    out = []
    for body, url in writer.bodies():
        try:
            out.append(check(body))
        except (validate.InvalidBody, ValueError, KeyError, TypeError) as exc:
            raise InvalidData(source, url, f"svaret kan inte publiceras: {exc}") from exc
    return out


def _known_municipalities(root: Path, known: dict[str, set[str]]) -> set[str] | None:
    """Ids a data row may carry: this refresh's list, else the last one kept; plus old codes."""
    ids = known.get("ids")
    if ids is None:
        snap = latest_snapshot(root, "kolada", "municipality")
        if snap is None:
            return None
        ids = {row["id"] for path in snap.files
               for row in json_loads(path.read_bytes())["values"]}
    return ids | set(code_changes())


def _check_kpi(kpi: str, root: Path, known: dict[str, set[str]], pages: list[Page | None],
               writer: SnapshotWriter) -> None:
    """One KPI's pages checked before its snapshot is committed: in columns on the pages pyarrow
    parsed (``kolada_arrow.check_pages``: it accepts only what ``kolada_rows`` accepts), and
    their staged rows kept beside the bodies for the build; anything else (a page pyarrow did
    not parse, a page the column check does not accept) through ``kolada_rows`` on every body,
    which decides and words the refusal."""
    ids = _known_municipalities(root, known)
    entries = writer.entries()
    n = None
    try:
        if entries and len(pages) == len(entries) and all(p is not None for p in pages):
            n = kolada_arrow.check_pages(pages, kpi=kpi, known_ids=ids)
        if n is None:
            seen: set[tuple] = set()
            n = sum(_each_body(writer, "kolada", partial(validate.kolada_rows, kpi=kpi,
                                                         known_ids=ids, seen=seen)))
        else:
            for (path, _), page in zip(entries, pages, strict=True):
                kolada_arrow.write_rows(path, page)
    finally:
        pages.clear()  # the parse is on disk now, or not needed: not held for the whole fetch
    if n == 0:
        previous = latest_snapshot(root, "kolada", f"data__{kpi}")
        had = sum(len(json_loads(p.read_bytes())["values"]) for p in previous.files) \
            if previous else 0
        if had:
            raise InvalidData("kolada", writer.entries()[-1][1],
                              f"tomt svar: inga värden för {kpi}, men förra hämtningen "
                              f"({previous.fetched_at:%Y-%m-%d}) hade {had} rader")


def fetch_regions_file(report: FetchReport, *, root: Path, progress: Progress,
                       url: str | None = None, clock: Clock | None = None,
                       transport=None) -> None:
    """SCB's kommun classification table (LA, FA, kommungrupp) as CSV, when a URL is known."""
    url = url or config.scb_kommunkopplingar_url()
    if not url:
        return
    http = HttpSession("scb", url.rsplit("/", 1)[0], transport=transport, clock=clock or Clock())

    def job(writer) -> None:
        response = http.request("GET", url)
        if b"Kommunkod" not in response.content[:5000] and b"Kommun" not in response.content[:5000]:
            raise InvalidData("scb", url, "filen liknar inte SCB:s kommunkopplingar")
        writer.add(response, suffix="csv")

    try:
        _run_jobs(report, "scb", [("kommunkopplingar", job, None)], root=root,
                  progress=progress, base_url=url)
    finally:
        http.close()


def _run_jobs(report: FetchReport, source: str, jobs: list[tuple[str, Callable, Callable | None]],
              *, root: Path, progress: Progress, base_url: str, parallel_from: int | None = None,
              workers: int = 1) -> None:
    """Each job into a snapshot of its own, outcomes recorded in the jobs' order.

    From job number ``parallel_from`` on, up to ``workers`` jobs run at once (threads: while
    one parses and checks its body, the next one's answer is on its way). A job not yet
    started when its source's gate closes is skipped, as when they ran one by one; one
    already under way finishes and reports what happened to it.
    """
    gate = _SourceGate(source)

    def run(dataset: str, job: Callable, check: Callable | None) -> BaseException | bool:
        if gate.closed:
            return False
        try:
            fetch_snapshot(root, source, dataset, job, check=check, base_url=base_url)
        except (FetchError, ValueError, KeyError, TypeError) as exc:
            return exc
        return True

    def settle(dataset: str, outcome: BaseException | bool) -> None:
        if outcome is False:  # not started: the gate had closed
            report.add(source, dataset, False, gate.reason, url=gate.url)
        elif isinstance(outcome, FetchError):
            gate.failed(outcome)
            report.add(source, dataset, False, outcome.message, url=outcome.url)
        elif isinstance(outcome, BaseException):  # body of the wrong shape
            gate.failed(None)
            report.add(source, dataset, False, f"oväntat svar: {outcome}", url=base_url)
        else:
            gate.ok()
            report.add(source, dataset, True, "hämtad")

    split = len(jobs) if parallel_from is None or workers <= 1 else parallel_from - 1
    for i, (dataset, job, check) in enumerate(jobs[:split], 1):
        if not gate.closed:
            progress(f"{source}: {dataset} ({i}/{len(jobs)})")
        settle(dataset, run(dataset, job, check))
    if split == len(jobs):
        return
    pending: deque[tuple[str, Future]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix=f"fetch-{source}") as pool:
        for i, (dataset, job, check) in enumerate(jobs[split:], split + 1):
            while len(pending) >= workers:
                settle(*_result(pending.popleft()))
            if gate.closed:
                pending.append((dataset, _done(False)))
                continue
            progress(f"{source}: {dataset} ({i}/{len(jobs)})")
            pending.append((dataset, pool.submit(run, dataset, job, check)))
        while pending:
            settle(*_result(pending.popleft()))


def _result(item: tuple[str, Future]) -> tuple[str, BaseException | bool]:
    return item[0], item[1].result()


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


class _SourceGate:
    """Closes a source after it could not be reached, or after 429s/timeouts in a row."""

    def __init__(self, source: str):
        self.source, self.closed, self.reason, self.url = source, False, "", None
        self._throttled = 0

    def failed(self, exc: FetchError | None) -> None:
        name = SOURCE_NAMES.get(self.source, self.source)
        if isinstance(exc, SourceUnreachable):
            self.closed, self.url = True, exc.url
            self.reason = f"hoppades över: {exc.message}"
        elif isinstance(exc, SourceThrottled):
            self._throttled += 1
            if self._throttled >= THROTTLED_IN_A_ROW:
                self.closed, self.url = True, exc.url
                self.reason = (f"hoppades över: {name} begränsade eller besvarade inte "
                               f"{self._throttled} dataset i rad ({exc.message})")
        else:
            self._throttled = 0

    def ok(self) -> None:
        self._throttled = 0


def fetch_scb(report: FetchReport, *, root: Path, progress: Progress, mirror: bool,
              base_url: str | None = None, clock: Clock | None = None, transport=None) -> None:
    """Every dataset in data_sources/scb_datasets.yml, one snapshot each.

    In mirror mode a dataset the mirror does not hold is reported as skipped ("ej i spegeln"),
    not failed. Limits from SCB's /config (cells per call, calls per window) are obeyed by the
    client.
    """
    from data_sources.scb import ScbClient
    from data_sources.scb_datasets import NotInMirror, fetch_dataset, load_datasets

    client = ScbClient(base_url, transport=transport, clock=clock)
    datasets = load_datasets()
    gate = _SourceGate("scb")
    try:
        for i, ds in enumerate(datasets, 1):
            if gate.closed:
                report.add("scb", ds.id, False, gate.reason, url=gate.url)
                continue
            if mirror and ds.request(mirror=True) is None:
                report.add("scb", ds.id, False, f"{NOT_IN_MIRROR}: {ds.source_id}")
                continue
            progress(f"scb: {ds.id} ({ds.source_id}) ({i}/{len(datasets)})")
            try:
                snap = fetch_dataset(client, ds, root, mirror=mirror,
                                     check=partial(_check_scb, ds))
            except NotInMirror as exc:
                report.add("scb", ds.id, False, exc.message)
            except FetchError as exc:
                gate.failed(exc)
                report.add("scb", ds.id, False, exc.message, url=exc.url)
            except (ValueError, KeyError, TypeError) as exc:
                gate.failed(None)
                report.add("scb", ds.id, False, f"oväntat svar: {exc}", url=client.http.base_url)
            else:
                gate.ok()
                parts = snap.manifest.get("scb", {}).get("parts")
                report.add("scb", ds.id, True, f"hämtad ({parts} delar)" if parts else "hämtad")
    finally:
        client.close()


def _check_scb(ds: ScbDataset, writer: SnapshotWriter) -> None:
    """Every data part against the table's metadata fetched in the same snapshot."""
    entries = writer.bodies()
    metadata = next((body for body, url in entries
                     if url.split("?")[0].endswith("/metadata")), None)
    codelists = {**ds.codelists, **ds.mirror_codelists}
    free = [dim for dim, codelist in codelists.items() if codelist.lower().startswith("agg_")]
    for body, url in entries:
        if not url.split("?")[0].endswith("/data"):
            continue
        try:
            validate.jsonstat_dataset(body, metadata, free=free)
        except (validate.InvalidBody, ValueError, KeyError, TypeError) as exc:
            raise InvalidData("scb", url, f"svaret kan inte publiceras: {exc}") from exc


def fetch_af(report: FetchReport, *, root: Path, progress: Progress, page_url: str | None = None,
             clock: Clock | None = None, transport=None) -> None:
    """Arbetsförmedlingen: the statistics page, then the newest file of each dataset the reader
    uses, one snapshot per file. A file name already in the raw layer is not fetched again."""
    from data_sources.arbetsformedlingen import AfClient, has_file

    client = AfClient(page_url, transport=transport, clock=clock)
    try:
        progress("af: sidan med tidsserier")
        try:
            links = client.links()
        except FetchError as exc:  # SourceUnreachable included
            report.add("af", "sida", False, exc.message, url=exc.url)
            return
        for i, (dataset, link) in enumerate(sorted(links.items()), 1):
            if has_file(root, dataset, link.file_name):
                report.add("af", dataset, True, f"finns redan: {link.file_name}")
                continue
            progress(f"af: {link.file_name} ({i}/{len(links)})")
            try:
                fetch_snapshot(root, "af", dataset, partial(_af_job, client, link),
                               base_url=client.page_url,
                               af={"file_name": link.file_name, "month": link.month,
                                   "url": link.url, "page_url": client.page_url})
            except FetchError as exc:
                report.add("af", dataset, False, f"{link.file_name}: {exc.message}", url=exc.url)
                if isinstance(exc, SourceUnreachable):
                    return
            else:
                report.add("af", dataset, True, f"hämtad: {link.file_name}")
    finally:
        client.close()


def _af_job(client: AfClient, link, writer) -> None:
    client.download(link, writer)
