"""A pytest plugin: CPU seconds (user + sys, this process and its reaped children) per test
phase, for comparing test files on a shared machine where wall times mean little.

    CPUPLUG_OUT=/tmp/cpu.txt PYTHONPATH=bench .venv/bin/pytest -q -p pytest_cpu tests/test_x.py

appends one line per phase of 0.05 s or more, slowest first, and the total, to CPUPLUG_OUT.
A session fixture's set-up (``built``: the whole mirror refreshed, ~8–10 s) is counted in
the set-up of the first test that asks for it; in `make test` it is made once per run.
"""

from __future__ import annotations

import os
import resource

import pytest

_rows: list[tuple[float, str, str]] = []


def _cpu() -> float:
    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                       resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(phase: str):
    @pytest.hookimpl(hookwrapper=True)
    def hook(item):
        start = _cpu()
        yield
        _rows.append((_cpu() - start, phase, item.nodeid))
    return hook


pytest_runtest_setup = _timed("setup")
pytest_runtest_call = _timed("call")
pytest_runtest_teardown = _timed("teardown")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the per-phase CPU seconds to CPUPLUG_OUT (nothing without it)."""
    out = os.environ.get("CPUPLUG_OUT")
    if not out:
        return
    rows = sorted(_rows, reverse=True)
    text = "".join(f"{c:7.2f} {p:8s} {n}\n" for c, p, n in rows if c >= 0.05)
    with open(out, "a", encoding="utf-8") as f:
        f.write(text + f"total per-test cpu {sum(c for c, _, _ in _rows):.2f}\n")
