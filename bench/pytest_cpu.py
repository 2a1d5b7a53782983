"""A pytest plugin: CPU seconds per test phase, for comparing test files on a shared machine
where wall times mean little.

    CPUPLUG_OUT=/tmp/cpu.txt PYTHONPATH=bench .venv/bin/pytest -q -p pytest_cpu tests/test_x.py

appends to CPUPLUG_OUT one line per phase of 0.05 s or more, slowest first, then the seconds
per test file and the totals. Two figures per line:

- ``own``: user + sys of this process and its reaped children (``getrusage``);
- ``machine``: the whole machine's busy CPU during the phase (``/proc/stat``: every state but
  idle and iowait). It also counts what pytest never reaps: Chromium's renderers, the
  Streamlit server's work for the browser tests, LibreOffice, kaleido (for
  tests/test_browser.py ``own`` is about a third of it). Read it only from a run with ``-n``
  off on a quiet machine: everything else running is counted too.

A session fixture's set-up (``built``: the whole mirror refreshed, ~8–10 s) is counted in
the set-up of the first test that asks for it; in `make test` it is made once per run.
"""

from __future__ import annotations

import collections
import os
import resource

import pytest

_rows: list[tuple[float, float, str, str]] = []
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                       resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _machine() -> float:
    """Seconds of CPU the whole machine has been busy since boot (0 without /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK  # all but idle and iowait


def _timed(phase: str):
    @pytest.hookimpl(hookwrapper=True)
    def hook(item):
        start, machine = _cpu(), _machine()
        yield
        _rows.append((_cpu() - start, _machine() - machine, phase, item.nodeid))
    return hook


pytest_runtest_setup = _timed("setup")
pytest_runtest_call = _timed("call")
pytest_runtest_teardown = _timed("teardown")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the per-phase and per-file CPU seconds to CPUPLUG_OUT (nothing without it)."""
    out = os.environ.get("CPUPLUG_OUT")
    if not out:
        return
    lines = ["    own machine phase    test\n"]
    lines += [f"{c:7.2f} {m:7.2f} {p:8s} {n}\n" for c, m, p, n in sorted(_rows, reverse=True)
              if c >= 0.05 or m >= 0.05]
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for c, m, _, n in _rows:
        files[n.split("::")[0]][0] += c
        files[n.split("::")[0]][1] += m
    lines.append("    own machine file\n")
    lines += [f"{c:7.2f} {m:7.2f} {name}\n"
              for name, (c, m) in sorted(files.items(), key=lambda kv: -kv[1][1])]
    with open(out, "a", encoding="utf-8") as f:
        f.write("".join(lines) + f"total per-test cpu {sum(r[0] for r in _rows):.2f}, "
                f"machine {sum(r[1] for r in _rows):.2f}\n")
