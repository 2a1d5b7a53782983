"""Where a refresh from the mirror spends its wall time: one refresh, as a timeline.

    python bench/refresh_timeline.py            # this checkout
    BENCH_CODE=/tmp/base python bench/refresh_timeline.py

Prints, in seconds from the start of this process: each progress line of the refresh with this
process's CPU at that moment, when each dataset's snapshot got its first file and its manifest
(the child's commits, which its progress lines only report at the end), and the CPU of each
child when it is reaped (Kolada's client first, then Kolada's replay). Wall times on a shared
machine mostly measure waiting for a core; the CPU figures are what compare between runs.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import MIRROR, header

START, WALL = time.perf_counter(), time.time()
EVENTS: list[tuple[float, str]] = []


def _waitpid(pid: int, options: int, _waitpid=os.waitpid) -> tuple[int, int]:
    """``os.waitpid`` that notes a reaped child's CPU (``wait4``)."""
    if pid > 0 and options == 0:
        pid, status, usage = os.wait4(pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        what = (f"reaped {pid}: CPU {cpu:.2f} s (user {usage.ru_utime:.2f}, "
                f"system {usage.ru_stime:.2f})")
        EVENTS.append((time.perf_counter() - START, what))
        return pid, status
    return _waitpid(pid, options)


def main() -> None:
    os.waitpid = _waitpid
    import warehouse.refresh as refresh_module

    EVENTS.append((time.perf_counter() - START, f"imported (CPU {time.process_time():.2f} s)"))

    def progress(line: str) -> None:
        if ": data__" not in line:  # Kolada's per-KPI lines: the snapshots below say more
            EVENTS.append((time.perf_counter() - START, f"[CPU {time.process_time():.2f}] {line}"))

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        EVENTS.append((time.perf_counter() - START, "refresh()"))
        refresh_module.refresh(MIRROR, raw=raw, target=Path(tmp) / "w.duckdb", progress=progress)
        EVENTS.append((time.perf_counter() - START, f"done (CPU {time.process_time():.2f} s)"))
        for snap in sorted(raw.glob("*/*/*")):
            files = [f for f in snap.iterdir() if f.is_file()]
            if not files:
                continue
            name = f"{snap.parent.parent.name}/{snap.parent.name}"
            size = sum(f.stat().st_size for f in files) / 1e6
            EVENTS.append((min(f.stat().st_mtime for f in files) - WALL, f"  {name} first file"))
            manifest = snap / "manifest.json"
            if manifest.exists():
                EVENTS.append((manifest.stat().st_mtime - WALL,
                               f"  {name} committed ({size:.1f} MB)"))
    print(header())
    for at, what in sorted(EVENTS):
        print(f"{at:6.2f} {what}")
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
