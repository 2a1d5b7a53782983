"""How `make test`'s two pytest-xdist workers would share the suite, from measured durations:
the order tests/conftest.py's HEAVY_FIRST gives, and the longest-first order by file.

    .venv/bin/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=0 > durations.txt
    .venv/bin/python -m pytest --collect-only -q | grep :: > order.txt
    .venv/bin/python bench/xdist_schedule.py durations.txt order.txt [--workers 2]

The simulation follows pytest-xdist's loadscope scheduler (xdist/scheduler/loadscope.py): each
worker starts with one file, and takes the next file in the queue whenever two tests or fewer
of its own are left (so a file of one long test brings the next one along at once). A test
lasts what the durations file says (set-up + call + teardown); waits on a shared fixture's
lock (``built``) are not modelled. Every worker first collects (``--collect``, seconds).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import SHARED_BROWSER_FILES

LINE = re.compile(r"^([0-9.]+)s (setup|call|teardown)\s+(\S+)")


def test_seconds(durations: Path) -> dict[str, float]:
    """Seconds per test id (its phases summed) from pytest's ``--durations=0`` output."""
    seconds: dict[str, float] = collections.Counter()
    for line in durations.read_text("utf-8").splitlines():
        if m := LINE.match(line):
            seconds[m.group(3)] += float(m.group(1))
    return seconds


def files_in_order(order: Path, seconds: dict[str, float]) -> dict[str, list[float]]:
    """Work unit -> its tests' seconds, in collection order (a test not timed: 2 ms). A unit
    is a file, but tests/conftest.py's SHARED_BROWSER_FILES are one unit, as its scheduler
    hands them out ("browser files")."""
    files: dict[str, list[float]] = {}
    for test in order.read_text("utf-8").split():
        if "::" in test:
            name = test.split("::")[0].rsplit("/", 1)[-1]
            unit = "browser files" if name in SHARED_BROWSER_FILES else name
            files.setdefault(unit, []).append(seconds.get(test, 0.002))
    return files


def simulate(files: dict[str, list[float]], order: list[str], workers: int = 2,
             collect: float = 8.0) -> list[tuple[float, list[str]]]:
    """(end time, files taken) per worker when the files are handed out in ``order``."""
    queue = [list(files[name]) for name in order]
    names = list(order)
    nodes = [{"t": collect, "pending": collections.deque(), "files": []}
             for _ in range(workers)]

    def assign(node: dict) -> None:
        if queue:
            node["pending"].extend(queue.pop(0))
            node["files"].append(names.pop(0))

    for node in nodes:
        assign(node)
    for node in nodes:
        if len(node["pending"]) <= 2:
            assign(node)
    while any(node["pending"] for node in nodes):
        node = min((n for n in nodes if n["pending"]), key=lambda n: n["t"])
        node["t"] += node["pending"].popleft()
        if len(node["pending"]) <= 2:
            assign(node)
    return [(node["t"], node["files"]) for node in nodes]


def main(argv: list[str] | None = None) -> None:
    """Print the simulated end of each worker for the current and the longest-first order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("durations", type=Path)
    parser.add_argument("order", type=Path, help="pytest --collect-only -q (current order)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--collect", type=float, default=8.0)
    args = parser.parse_args(argv)
    files = files_in_order(args.order, test_seconds(args.durations))
    total = {name: sum(s) for name, s in files.items()}
    print(f"{len(files)} files, {sum(total.values()):.1f} s summed; the best possible end: "
          f"{sum(total.values()) / args.workers + args.collect:.1f} s, "
          f"the longest file {max(total.values()):.1f} s")
    longest_first = sorted(files, key=lambda name: -total[name])
    for label, order in (("current order", list(files)), ("longest first", longest_first)):
        ends = simulate(files, order, args.workers, args.collect)
        print(f"{label}: ends {max(t for t, _ in ends):.1f} s "
              f"({', '.join(f'{t:.1f}' for t, _ in ends)})")
        for i, (_, taken) in enumerate(ends):
            print(f"  gw{i}: {' '.join(taken[:12])}{' …' if len(taken) > 12 else ''}")
    heavy = [file for name in longest_first if total[name] >= 3.0  # the unit as its files
             for file in (SHARED_BROWSER_FILES if name == "browser files" else (name,))]
    print("HEAVY_FIRST (files of 3 s or more, longest first):")
    print("  " + repr(heavy))


if __name__ == "__main__":
    main()
