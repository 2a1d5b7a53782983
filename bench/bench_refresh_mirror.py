"""A whole refresh from the mirror as `python -m warehouse refresh --mirror` runs it: the replay
server, every source's fetch into a new raw layer, the build and the swap (issue 12 point 7).

    python bench/bench_refresh_mirror.py              # 3 refreshes, each into a new folder
    python bench/bench_refresh_mirror.py --once       # one (for a whole-process timer)
    python bench/bench_refresh_mirror.py --fetch-only # the fetch alone (no build), 3 times
    python bench/bench_refresh_mirror.py --once --tmp DIR --keep  # raw layer under DIR, kept

Where the raw layer goes matters on this VM: its ext4 has no journal, and there ext4 skips
every inode freed in the last ~30 s when it picks one for a new file (``recently_deleted``),
scanning them one by one; /tmp's inode group holds every process's temporary files, so a new
file there cost 0.5-1.1 ms of system CPU at times at stop 22 (630 files: 0.32-0.71 s; under
data/ on the same disk 0.02-0.09 s), and a refresh creates ~660, most in Kolada's client, on
the fetch's critical path (from ~0.1 s up to ~1.2 s of system time, with the machine's churn). ``--tmp`` puts the run's folder under DIR (the product writes under
``data/``, not /tmp); ``--keep`` leaves it (its path is printed; remove it after the session)
so one run's deletions do not tax the next run's new files (``bench/results/refresh_speed.md``,
"refresh22"). Defaults as before: a temporary folder in /tmp, removed after each run.

Real clock as in production (no FakeClock passed). Goal: under 5 s. Besides wall time it
prints the CPU seconds of this process and of its children (the Kolada replay runs in one,
Kolada's client in another), so a loaded machine's figures can still be compared. Kolada's
client is forked only while pandas is not loaded (warehouse/fetch_process.py): in one
process, the first refresh forks, later ones (the build loaded pandas) fetch here; `--once`
in a fresh process each time is the refresh as `python -m warehouse refresh` runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
import types
from collections.abc import Iterator
from pathlib import Path

from _common import MIRROR, exit_as_the_cli, header, peak_rss_mb, stats


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _real_build(name: str) -> object:
    """``name`` from the real ``warehouse.build`` (imported on first use, after the forks, as
    the refresh itself does), for the stand-in module of ``--fetch-only``."""
    import importlib

    stand_in = sys.modules.pop("warehouse.build")
    try:
        return getattr(importlib.import_module("warehouse.build"), name)
    finally:
        sys.modules["warehouse.build"] = stand_in


@contextlib.contextmanager
def _run_folder(parent: Path | None, keep: bool) -> Iterator[str]:
    """A new folder for one run (under ``parent``), removed afterwards unless ``keep``."""
    if keep:
        folder = tempfile.mkdtemp(prefix="bench-refresh-", dir=parent)
        print(f"kept: {folder}", file=sys.stderr)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="bench-refresh-", dir=parent) as folder:
        yield folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--fetch-only", action="store_true",
                        help="time the fetch, validation and raw writes without the build")
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--tmp", type=Path, default=None,
                        help="parent folder of each run's raw layer and warehouse (default: "
                             "the system's temporary folder)")
    parser.add_argument("--keep", action="store_true",
                        help="leave each run's folder (printed) instead of removing it")
    args = parser.parse_args()
    import warehouse.refresh as refresh_module
    from warehouse.refresh import refresh

    if args.fetch_only:  # the build is not run; the refresh reports it as not built
        # (the refresh imports the build lazily, and forks Kolada's client only while pandas
        # is not loaded: a stand-in module keeps it so; a baseline has it at module level)
        if hasattr(refresh_module, "build_warehouse"):
            build_module = refresh_module
        else:
            build_module = types.ModuleType("warehouse.build")
            build_module.BuildError = type("BuildError", (Exception,), {})
            build_module.__getattr__ = _real_build  # what the read-ahead takes from it
            sys.modules["warehouse.build"] = build_module

        def no_build(*_args, **_kwargs):
            raise build_module.BuildError("bench: fetch only")

        build_module.build_warehouse = no_build
        refresh_module.write_status = lambda *_args, **_kwargs: None

    times, cpu, child_cpu, phases = [], [], [], []
    for _ in range(1 if args.once else args.n):
        with _run_folder(args.tmp, args.keep) as tmp:
            build_at: list[float] = []

            def progress(line: str, build_at: list[float] = build_at) -> None:
                if line.startswith("bygger:") and not build_at:  # the fetch phase ends
                    build_at.extend((time.perf_counter(), time.process_time()))

            c0, k0, t0 = time.process_time(), _children_cpu(), time.perf_counter()
            result = refresh(MIRROR, raw=Path(tmp) / "raw", target=Path(tmp) / "w.duckdb",
                             progress=progress)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if build_at:  # wall of each phase; this process's CPU in each (the children's
                # all falls in the fetch phase)
                phases.append((build_at[0] - t0, times[-1] - (build_at[0] - t0),
                               build_at[1] - c0, cpu[-1] - (build_at[1] - c0)))
            child_cpu.append(_children_cpu() - k0)
            assert result.built or args.fetch_only, result.build_message
            assert not result.report.failures(), result.report.failures()
    print(header())
    what = "fetch only (replay, fetch, checks, raw writes)" if args.fetch_only else \
        "refresh from the mirror (fetch, build, swap)"
    print(f"{what}: {stats(times)}; CPU this process "
          f"{', '.join(f'{c:.2f}' for c in cpu)} s, children "
          f"{', '.join(f'{c:.2f}' for c in child_cpu)} s; peak RSS {peak_rss_mb():.0f} MB; "
          f"load after {os.getloadavg()[0]:.1f}")
    if phases:  # from refresh() called to the build's first progress line, and the rest
        print("phases: fetch (replay, fetch, checks, raw writes, the build's imports) "
              + ", ".join(f"{p[0]:.2f}" for p in phases) + " s; build and swap "
              + ", ".join(f"{p[1]:.2f}" for p in phases) + " s")
        print("CPU of this process by phase: fetch "
              + ", ".join(f"{p[2]:.2f}" for p in phases) + " s; build and swap "
              + ", ".join(f"{p[3]:.2f}" for p in phases) + " s")


if __name__ == "__main__":
    main()
    exit_as_the_cli()
