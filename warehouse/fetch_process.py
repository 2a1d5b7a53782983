"""Kolada's fetch in a forked process of its own, for a refresh from the mirror.

Kolada's fetch is CPU work in the end (48 MB of JSON parsed and checked) and the build that
follows must first import pandas, DuckDB and pyarrow (about a second). In one process they
took turns; with the fetch in a child forked before those imports, the two run side by side
on two cores. The child writes its snapshots into the raw layer as the fetch in this process
did, and hands back the outcomes and progress lines; the report is the same as before,
Kolada's outcomes first.

Forked only when that is safe and cheap: no other thread in this process (a fork copies one
thread and whatever locks the others held) and pandas not yet imported (the fork is small).
The child ends when this process ends, even by SIGKILL: it watches a pipe only this process
writes to (data_sources/fork.py, shared with the replay's fork). A child that dies without an
answer makes the caller fetch Kolada itself.
"""

from __future__ import annotations

import os
import pickle
import select
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from data_sources.fork import ForkedChild
from data_sources.http import Clock
from warehouse.fetch import DatasetOutcome, FetchReport, Progress, fetch_kolada

POLL = 0.02  # seconds between looks for more work while the child runs (join's meanwhile)


def can_fork() -> bool:
    """True where a fork copies nothing half-held: POSIX, one thread, pandas not loaded."""
    return (hasattr(os, "fork") and threading.active_count() == 1
            and "pandas" not in sys.modules)


class KoladaFetchProcess:
    """``fetch_kolada`` in a forked child; ``join`` adds its outcomes to a report."""

    def __init__(self, *, root: Path, base_url: str, kpis: list[str] | None, clock: Clock | None,
                 mirror: str | None, close_in_child: tuple[int, ...] = ()):
        results_r, results_w = os.pipe()

        def work() -> None:
            _system_allocator()
            report, lines = FetchReport(mirror=mirror), []
            fetch_kolada(report, root=root, progress=lines.append, base_url=base_url, kpis=kpis,
                         clock=clock)
            with os.fdopen(results_w, "wb") as out:
                out.write(pickle.dumps((report.outcomes, lines)))

        try:  # close_in_child: e.g. the replay child's pipe, whose end is this process's
            self._child = ForkedChild(work, close_in_child=(results_r, *close_in_child))
        except BaseException:  # OSError: the caller fetches here instead; none left open
            os.close(results_r)
            raise
        finally:
            os.close(results_w)
        self.pid = self._child.pid
        self._results = results_r

    def join(self, meanwhile: Callable[[], bool] | None = None
             ) -> tuple[list[DatasetOutcome], list[str]] | None:
        """Wait for the child: its outcomes and progress lines, or None when it died without
        them (the caller then fetches Kolada itself). While it runs, ``meanwhile`` is called
        again and again (at once when it did something, i.e. returned True; else after up to
        ``POLL`` seconds): this process's own work beside the child's."""
        if meanwhile is not None:  # poll, not select: select refuses a descriptor >= 1024
            ready = select.poll()
            ready.register(self._results, select.POLLIN | select.POLLHUP)
            busy = True
            while not ready.poll(0 if busy else round(POLL * 1000)):
                busy = meanwhile()
        chunks = []
        while chunk := os.read(self._results, 1 << 20):
            chunks.append(chunk)
        self.close()
        try:
            return pickle.loads(b"".join(chunks)) if chunks else None
        except (pickle.UnpicklingError, EOFError, ValueError):
            return None

    def close(self) -> None:
        """End the child if it still runs (its pipe closes) and reap it. Idempotent."""
        if not self._child.stopped:
            os.close(self._results)
            self._child.stop()


def _system_allocator() -> None:
    """pyarrow's allocations in this child from the C library's malloc, not its default pool
    (mimalloc). mimalloc's segments lie on transparent huge pages here, and it hands freed
    pages back and touches them again, so the kernel zeroed 2 MB pages over and over: ~0.15 s
    of the client's ~1.9 s of CPU (stop 22, refresh22: system time 0.20 against 0.35 s, median
    of 5 pairs). Set once for the child's life (it ends after the fetch); the tables it makes
    are the same, only where their memory comes from differs."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def fetch_kolada_forked(fetch: KoladaFetchProcess, report: FetchReport, progress: Progress,
                        meanwhile: Callable[[], bool] | None = None, **in_process) -> None:
    """The child's outcomes into ``report`` (Kolada's first, as when fetched here) and its
    progress lines to ``progress``; without an answer, ``fetch_kolada(**in_process)`` here.
    ``meanwhile``: as in ``KoladaFetchProcess.join``."""
    answer = fetch.join(meanwhile)
    if answer is None:
        progress("kolada: hämtningen i en egen process gav inget svar; hämtar här i stället")
        own = FetchReport(mirror=report.mirror)
        fetch_kolada(own, progress=progress, **in_process)
        outcomes = own.outcomes
    else:
        outcomes, lines = answer
        for line in lines:
            progress(line)
    report.outcomes[:0] = outcomes
