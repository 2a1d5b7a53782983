"""Kolada's replay in a process of its own, and Kolada's KPIs fetched a few at a time (issue 12
point 7): the same answers as the replay in this process, outcomes reported in the KPIs'
order however the fetches finish, a closed source starting nothing more, and no replay left
behind by a refresh killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from data_sources.http import SourceUnreachable
from replay.server import ReplayServer
from tests.conftest import ROOT, SHARED
from warehouse.fetch import FetchReport, _run_jobs

KPI = "N03920"
DATA = f"data/kpi/{KPI}/year/2020,2021,2022"


def test_the_kolada_replay_in_a_child_process_answers_as_the_one_in_this_process():
    with ReplayServer(SHARED) as here, \
            ReplayServer(SHARED, own_process=("kolada_v3",)) as split:
        child = split._child._proc
        assert child.pid != os.getpid() and child.poll() is None
        assert split.base_url("kolada_v3") != f"{split.url}/kolada/v3"  # another server
        assert split.base_url("scb_v2") == f"{split.url}/scb/api/v2"  # SCB stays here
        assert "SCB_KOMMUNKOPPLINGAR_URL" in split.env() and "KOLADA_API_URL" in split.env()
        for path in (DATA, "municipality", f"kpi/{KPI}"):
            ours = httpx.get(f"{here.base_url('kolada_v3')}/{path}")
            theirs = httpx.get(f"{split.base_url('kolada_v3')}/{path}")
            assert ours.status_code == theirs.status_code == 200
            assert theirs.content == ours.content, path
        rows = theirs.json()["values"]
        assert [r["id"] for r in rows] == [KPI]
        values = httpx.get(f"{split.base_url('kolada_v3')}/{DATA}").json()["values"]
        vaxjo = next(r for r in values if r["municipality"] == "0780" and r["period"] == 2022)
        total = next(v for v in vaxjo["values"] if v["gender"] == "T")
        assert total["value"] == pytest.approx(5.973365)  # the mirror's real value
    assert child.poll() is not None  # stop() ended and reaped it


def test_only_kolada_may_be_served_by_a_child_process():
    with pytest.raises(ValueError, match="call budget"):
        ReplayServer(SHARED, own_process=("scb_v2",))


def _outcomes(report: FetchReport) -> list[tuple[str, bool, str]]:
    return [(o.dataset, o.ok, o.message) for o in report.outcomes]


def test_jobs_run_side_by_side_are_reported_in_their_order(tmp_path):
    """The third job finishes last (it waits for the fifth); the report keeps the jobs' order."""
    fifth_done = threading.Event()
    progress: list[str] = []

    def job(name: str, wait: threading.Event | None = None, done: threading.Event | None = None):
        def run(writer) -> None:
            if wait is not None:
                assert wait.wait(30), "the fifth job never ran beside the third"
            writer.add(httpx.Response(200, content=name.encode(),
                                      request=httpx.Request("GET", f"http://x/{name}")))
            if done is not None:
                done.set()
        return run

    def bad(writer) -> None:
        raise KeyError("values")

    jobs = [("a", job("a"), None), ("b", job("b"), None), ("c", job("c", wait=fifth_done), None),
            ("d", bad, None), ("e", job("e", done=fifth_done), None), ("f", job("f"), None)]
    report = FetchReport()
    _run_jobs(report, "kolada", jobs, root=tmp_path, progress=progress.append,
              base_url="http://x", parallel_from=3, workers=3)
    assert _outcomes(report) == [("a", True, "hämtad"), ("b", True, "hämtad"),
                                 ("c", True, "hämtad"), ("d", False, "oväntat svar: 'values'"),
                                 ("e", True, "hämtad"), ("f", True, "hämtad")]
    assert progress == [f"kolada: {d} ({i}/6)" for i, d in enumerate("abcdef", 1)]
    assert (tmp_path / "kolada" / "c").is_dir() and not list(
        (tmp_path / "kolada" / "d").glob("*/manifest.json"))


def test_a_source_found_unreachable_first_starts_no_parallel_job(tmp_path):
    started: list[str] = []

    def unreachable(writer) -> None:
        started.append("municipality")
        raise SourceUnreachable("kolada", "http://x/municipality", "kunde inte ansluta")

    def job(name: str):
        return lambda writer: started.append(name)

    jobs = [("municipality", unreachable, None), ("kpi", job("kpi"), None)] + [
        (f"data__{k}", job(k), None) for k in ("N1", "N2", "N3", "N4")]
    report = FetchReport()
    _run_jobs(report, "kolada", jobs, root=tmp_path, progress=lambda _: None,
              base_url="http://x", parallel_from=3, workers=3)
    assert started == ["municipality"]
    assert [o.message for o in report.outcomes][1:] == \
        ["hoppades över: kunde inte ansluta"] * 5


def _replay_children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"replay" in cmdline:
                out.append(int(child))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_refresh_killed_with_sigkill_leaves_no_replay_process(tmp_path):
    mirror = tmp_path / "mirror"
    kpis = mirror / "kolada_v3" / "data" / "kpi"
    kpis.mkdir(parents=True)
    (mirror / "kolada_v3" / "municipality.json").symlink_to(
        SHARED / "kolada_v3" / "municipality.json")
    (mirror / "kolada_v3" / "kpi").symlink_to(SHARED / "kolada_v3" / "kpi")
    (kpis / f"{KPI}.json").symlink_to(SHARED / "kolada_v3" / "data" / "kpi" / f"{KPI}.json")
    env = {**os.environ, "WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
           "RAW_DIR": str(tmp_path / "raw")}
    parent = subprocess.Popen([sys.executable, str(ROOT / "tests" / "refresh_child.py"), "fetch",
                               "refresh", "--mirror", str(mirror)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert any(line.strip() == "PAUSED fetch" for line in parent.stdout)
        replays = _replay_children(parent.pid)
        assert len(replays) == 1 and _running(replays[0])
        os.kill(parent.pid, signal.SIGKILL)
    finally:
        parent.kill()
        parent.wait(timeout=60)
    # the replay's stdin closed with its parent: it stops by itself (bounded wait, not timed)
    for _ in range(600):
        if not _running(replays[0]):
            break
        threading.Event().wait(0.05)
    else:
        os.kill(replays[0], signal.SIGKILL)
        pytest.fail("the replay process outlived the refresh that started it")


FORKED_REPLAY = """
import os, signal, sys, threading
from pathlib import Path
from replay.process import ReplayFork
fork = ReplayFork(Path(sys.argv[1]), ["kolada_v3"])
print(fork.pid, fork.url, flush=True)
threading.Event().wait()
"""


def _ignores_sigpipe(pid: int) -> bool:
    """Whether a process ignores SIGPIPE (its SigIgn mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGPIPE - 1)))
    raise AssertionError("no SigIgn line")


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/stat").exists(),
                    reason="needs os.fork and /proc")
def test_a_forked_replay_answers_as_this_one_ignores_sigpipe_and_ends_with_its_parent():
    """The refresh's Kolada replay is this process forked (no interpreter to start): the same
    bytes as the replay here; SIGPIPE ignored as in its parent (every Python process starts so,
    and `python -m warehouse refresh` leaves it: test_fetch_process), so a client hanging up
    mid-answer is an error for that answer, not the end of the replay; and a parent killed with
    SIGKILL takes it along (it reads a pipe only the parent writes to)."""
    parent = subprocess.Popen([sys.executable, "-c", FORKED_REPLAY, str(SHARED)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        pid, url = parent.stdout.readline().split()
        assert int(pid) != parent.pid and _running(int(pid))
        assert _ignores_sigpipe(parent.pid) and _ignores_sigpipe(int(pid))
        with ReplayServer(SHARED) as here:
            for path in (DATA, "municipality", f"kpi/{KPI}"):
                ours = httpx.get(f"{here.base_url('kolada_v3')}/{path}")
                theirs = httpx.get(f"{url}/kolada/v3/{path}")
                assert theirs.status_code == ours.status_code == 200
                assert theirs.content == ours.content, path
        assert _running(int(pid))
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=60)
        for _ in range(600):  # bounded wait, not timed
            if not _running(int(pid)):
                break
            threading.Event().wait(0.05)
        assert not _running(int(pid)), "the forked replay outlived its parent"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def test_a_replay_fork_refuses_a_process_with_threads():
    """A fork copies a lock another thread may hold: with a second thread running, ReplayFork
    says so with OSError (the refresh then serves Kolada itself) and forks nothing."""
    from replay.process import ReplayFork

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        with pytest.raises(OSError, match="one thread"):
            ReplayFork(SHARED, ["kolada_v3"])
    finally:
        stop.set()
        other.join()
