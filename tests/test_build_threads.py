"""A build that raises leaves no thread of its own running (review at stop 19): SCB's staging
runs on a second thread while Kolada is read, and a build that failed in Kolada's reading used
to return at once while that thread still worked, after the build had put back the memory pool
and the collector and deleted its spill folder. The failure is injected; nothing is timed: the
staging thread starts its work only when the build shuts its threads down, so a build that does
not wait for it returns before it ends."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from warehouse import build


def test_a_build_that_fails_in_koladas_reading_waits_for_scbs_thread(monkeypatch, tmp_path):
    shut = threading.Event()  # the build is shutting its threads down
    ended = []

    class Pool(ThreadPoolExecutor):
        def shutdown(self, wait=True, *, cancel_futures=False):
            shut.set()
            super().shutdown(wait, cancel_futures=cancel_futures)

    def staging(raw):
        shut.wait(60)
        for _ in range(3_000_000):  # work after the build began to shut down (no clock; a
            pass  # Python loop, which hands the GIL over, unlike sum(range(…)))
        ended.append(True)
        return {}

    def failing_kolada(raw, con):
        raise ValueError("trasig Kolada-fil")

    monkeypatch.setattr(build, "ThreadPoolExecutor", Pool)
    monkeypatch.setattr(build.scb_marts, "load", staging)
    monkeypatch.setattr(build, "load_kolada", failing_kolada)
    before = set(threading.enumerate())
    with pytest.raises(build.BuildError, match="trasig Kolada-fil"):
        build.build_warehouse(tmp_path / "raw", tmp_path / "w.duckdb")
    assert ended == [True]  # the thread's work was over when the build raised
    assert set(threading.enumerate()) <= before
    assert not (tmp_path / "w.duckdb").exists()
