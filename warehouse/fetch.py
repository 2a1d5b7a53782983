"""Fetch step of a refresh: every source into the raw layer, one snapshot per dataset.

A dataset whose fetch fails keeps its previous snapshot (the build reads the newest complete
one), so a failed or malformed fetch never replaces good data. A source that cannot be reached
at all is skipped after its first failure, so an offline start stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import config
from data_sources.http import Clock, FetchError, HttpSession, SourceUnreachable
from data_sources.kolada import KoladaClient
from data_sources.scb import ScbClient
from data_sources.scb_datasets import NOT_IN_MIRROR, NotInMirror, fetch_dataset, load_datasets
from data_sources.snapshot import fetch_snapshot
from transforms.catalogue import indicator_ids

FIRST_YEAR = 1994  # Kolada's series start here


@dataclass
class DatasetOutcome:
    """What happened to one dataset in one refresh."""

    source: str
    dataset: str
    ok: bool
    message: str
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


@dataclass
class FetchReport:
    """Outcomes of a refresh's fetch step, per dataset, with per-source summaries."""

    outcomes: list[DatasetOutcome] = field(default_factory=list)
    mirror: str | None = None

    def add(self, source: str, dataset: str, ok: bool, message: str) -> None:
        """Record one dataset's outcome."""
        self.outcomes.append(DatasetOutcome(source, dataset, ok, message))

    def sources(self) -> dict[str, dict]:
        """Per source: fetched count, failed count, and the first failure's message."""
        out: dict[str, dict] = {}
        for o in self.outcomes:
            s = out.setdefault(o.source, {"fetched": 0, "failed": 0, "skipped": 0,
                                          "first_error": None})
            if o.ok:
                s["fetched"] += 1
            elif o.message.startswith("ej i spegeln"):
                s["skipped"] += 1
            else:
                s["failed"] += 1
                s["first_error"] = s["first_error"] or o.message
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
    jobs: list[tuple[str, Callable]] = [
        ("municipality", lambda w: client.municipalities(snapshot=w)),
        ("kpi", lambda w: client.kpis(kpis, snapshot=w)),
    ] + [(f"data__{kpi}", partial(_kpi_job, client, kpi, years)) for kpi in kpis]
    try:
        _run_jobs(report, "kolada", jobs, root=root, progress=progress,
                  base_url=client.http.base_url)
    finally:
        client.close()


def _kpi_job(client: KoladaClient, kpi: str, years: list[int], writer) -> None:
    client.kpi_data(kpi, years, snapshot=writer)


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
            raise FetchError("scb", url, "filen liknar inte SCB:s kommunkopplingar")
        writer.add(response, suffix="csv")

    try:
        _run_jobs(report, "scb", [("kommunkopplingar", job)], root=root, progress=progress,
                  base_url=url)
    finally:
        http.close()


def _run_jobs(report: FetchReport, source: str, jobs: list[tuple[str, Callable]], *, root: Path,
              progress: Progress, base_url: str) -> None:
    unreachable: SourceUnreachable | None = None
    for i, (dataset, job) in enumerate(jobs, 1):
        if unreachable is not None:
            report.add(source, dataset, False, f"hoppades över: {unreachable.message}")
            continue
        progress(f"{source}: {dataset} ({i}/{len(jobs)})")
        try:
            fetch_snapshot(root, source, dataset, job, base_url=base_url)
        except SourceUnreachable as exc:
            unreachable = exc
            report.add(source, dataset, False, exc.message)
        except FetchError as exc:
            report.add(source, dataset, False, exc.message)
        except (ValueError, KeyError, TypeError) as exc:  # body of the wrong shape
            report.add(source, dataset, False, f"oväntat svar: {exc}")
        else:
            report.add(source, dataset, True, "hämtad")


def fetch_scb(report: FetchReport, *, root: Path, progress: Progress, mirror: bool,
              base_url: str | None = None, clock: Clock | None = None, transport=None) -> None:
    """Every dataset in data_sources/scb_datasets.yml, one snapshot each.

    In mirror mode a dataset the mirror does not hold is reported as skipped ("ej i spegeln"),
    not failed. Limits from SCB's /config (cells per call, calls per window) are obeyed by the
    client.
    """
    client = ScbClient(base_url, transport=transport, clock=clock)
    datasets = load_datasets()
    unreachable: SourceUnreachable | None = None
    try:
        for i, ds in enumerate(datasets, 1):
            if unreachable is not None:
                report.add("scb", ds.id, False, f"hoppades över: {unreachable.message}")
                continue
            if mirror and ds.request(mirror=True) is None:
                report.add("scb", ds.id, False, f"{NOT_IN_MIRROR}: {ds.source_id}")
                continue
            progress(f"scb: {ds.id} ({ds.source_id}) ({i}/{len(datasets)})")
            try:
                snap = fetch_dataset(client, ds, root, mirror=mirror)
            except NotInMirror as exc:
                report.add("scb", ds.id, False, exc.message)
            except SourceUnreachable as exc:
                unreachable = exc
                report.add("scb", ds.id, False, exc.message)
            except FetchError as exc:
                report.add("scb", ds.id, False, exc.message)
            except (ValueError, KeyError, TypeError) as exc:
                report.add("scb", ds.id, False, f"oväntat svar: {exc}")
            else:
                parts = snap.manifest.get("scb", {}).get("parts")
                report.add("scb", ds.id, True, f"hämtad ({parts} delar)" if parts else "hämtad")
    finally:
        client.close()
