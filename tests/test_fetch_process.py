"""Kolada's fetch in a forked process (warehouse/fetch_process.py, issue 12 point 7): the same
outcomes and the same bytes in the raw layer as the fetch in this process, and a child that
dies without an answer makes the refresh fetch Kolada itself instead of losing it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from data_sources.http import FakeClock
from data_sources.snapshot import latest_snapshot
from replay.process import ReplayProcess
from tests.conftest import ROOT, SHARED, SMALL_KPIS
from warehouse.fetch import FetchReport, fetch_kolada
from warehouse.fetch_process import KoladaFetchProcess, fetch_kolada_forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

DATASETS = ["municipality", "kpi"] + [f"data__{kpi}" for kpi in SMALL_KPIS]


@pytest.fixture(scope="module")
def replay():
    child = ReplayProcess(SHARED, ["kolada_v3"])
    yield child, f"{child.url}/kolada/v3"
    child.stop()


def _outcomes(report: FetchReport) -> list[tuple[str, str, bool, str]]:
    return [(o.source, o.dataset, o.ok, o.message) for o in report.outcomes]


def _files(root, dataset: str) -> list[tuple[str, str]]:
    snap = latest_snapshot(root, "kolada", dataset)
    return [(f["url"], f["sha256"]) for f in snap.manifest["files"]]


def test_a_forked_fetch_reports_and_writes_what_the_fetch_here_does(replay, tmp_path):
    child, url = replay
    here, there = FetchReport(), FetchReport()
    fetch_kolada(here, root=tmp_path / "here", progress=lambda _: None, base_url=url,
                 kpis=SMALL_KPIS, clock=FakeClock())
    there.add("scb", "TAB1", True, "hämtad")  # fetched here meanwhile: Kolada goes first
    lines: list[str] = []
    fetch = KoladaFetchProcess(root=tmp_path / "there", base_url=url, kpis=SMALL_KPIS,
                               clock=FakeClock(), mirror=None,
                               close_in_child=child.parent_fds())
    fetch_kolada_forked(fetch, there, lines.append, root=tmp_path / "there", kpis=SMALL_KPIS,
                        clock=FakeClock(), base_url=url)
    assert _outcomes(there) == _outcomes(here) + [("scb", "TAB1", True, "hämtad")]
    assert [o[1] for o in _outcomes(here)] == DATASETS
    assert all(o.ok for o in here.outcomes)
    for dataset in DATASETS:  # the same requests, the same bytes received
        assert _files(tmp_path / "there", dataset) == _files(tmp_path / "here", dataset)
    # the staged rows kept beside each body: the same bytes, though the child's pyarrow
    # allocates from the C library's malloc and this process's from its default pool
    assert _rows_files(tmp_path / "there") == _rows_files(tmp_path / "here")
    assert len(_rows_files(tmp_path / "here")) == sum(  # one beside each data body
        len(_files(tmp_path / "here", f"data__{kpi}")) for kpi in SMALL_KPIS) > len(SMALL_KPIS)
    assert lines[0] == "kolada: municipality (1/6)" and len(lines) == 6
    assert fetch.pid != os.getpid()
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(fetch.pid, os.WNOHANG)


def _rows_files(root) -> list[tuple[str, bytes]]:
    return sorted((f"{p.parent.parent.name}/{p.name}", p.read_bytes())
                  for p in Path(root).glob("kolada/*/*/*.rows-*.arrow"))


def test_the_forked_client_allocates_from_the_system_allocator(replay, tmp_path, monkeypatch):
    """pyarrow's default pool in the child is the C library's malloc (mimalloc re-zeroed huge
    pages there: ~0.15 s of the client's CPU); this process keeps its own."""
    import pyarrow as pa

    from warehouse import fetch_process

    def fetch_noting_the_pool(report, *, progress, **kwargs):
        progress(f"pool: {pa.default_memory_pool().backend_name}")
        fetch_kolada(report, progress=progress, **kwargs)

    monkeypatch.setattr(fetch_process, "fetch_kolada", fetch_noting_the_pool)
    child, url = replay
    before = pa.default_memory_pool().backend_name
    fetch = KoladaFetchProcess(root=tmp_path, base_url=url, kpis=SMALL_KPIS[:1],
                               clock=FakeClock(), mirror=None, close_in_child=child.parent_fds())
    report, lines = FetchReport(), []
    fetch_kolada_forked(fetch, report, lines.append, root=tmp_path, kpis=SMALL_KPIS[:1],
                        clock=FakeClock(), base_url=url)
    assert lines[0] == "pool: system"
    assert all(o.ok for o in report.outcomes) and len(report.outcomes) == 3
    assert pa.default_memory_pool().backend_name == before != "system"


def test_a_child_killed_before_it_answers_leaves_the_fetch_to_this_process(replay, tmp_path):
    child, url = replay
    fetch = KoladaFetchProcess(root=tmp_path, base_url=url, kpis=SMALL_KPIS, clock=FakeClock(),
                               mirror=None, close_in_child=child.parent_fds())
    os.kill(fetch.pid, signal.SIGKILL)
    report, lines = FetchReport(), []
    fetch_kolada_forked(fetch, report, lines.append, root=tmp_path, kpis=SMALL_KPIS,
                        clock=FakeClock(), base_url=url)
    assert lines[0].startswith("kolada: hämtningen i en egen process gav inget svar")
    assert [o.dataset for o in report.outcomes] == DATASETS
    assert all(o.ok for o in report.outcomes)
    assert latest_snapshot(tmp_path, "kolada", "data__N03920") is not None


def test_the_cli_refresh_forks_and_leaves_no_process_behind(tmp_path):
    """``python -m warehouse refresh --mirror``: one thread, pandas not loaded, so Kolada is
    fetched by a forked child; the refresh builds, reports every Kolada KPI first, and every
    child process it started has ended when it returns."""
    code = (
        "import sys, os, warehouse.fetch_process as fp\n"
        "from pathlib import Path\n"
        "from warehouse.refresh import refresh\n"
        "pids = []\n"
        "init = fp.KoladaFetchProcess.__init__\n"
        "def spy(self, **kw):\n"
        "    init(self, **kw); pids.append(self.pid)\n"
        "fp.KoladaFetchProcess.__init__ = spy\n"
        f"r = refresh(Path({str(SHARED)!r}), raw=Path(sys.argv[1]) / 'raw',\n"
        "            target=Path(sys.argv[1]) / 'w.duckdb', progress=lambda _: None,\n"
        f"            kpis={SMALL_KPIS!r})\n"
        "try:\n"
        "    os.waitpid(-1, os.WNOHANG)\n"
        "    left = 'a-child-left'\n"
        "except ChildProcessError:\n"
        "    left = 'none-left'\n"
        "print(len(pids), r.built, r.report.outcomes[0].dataset, r.report.outcomes[5].dataset,\n"
        "      r.report.outcomes[6].source, len(r.report.failures()), left)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    # the last line: what the script printed (the refresh's own progress lines come before it)
    assert done.stdout.splitlines()[-1].split() == ["1", "True", "municipality",
                                                    "data__N03920", "scb", "0", "none-left"], \
        done.stdout[-2000:] + done.stderr[-2000:]


def test_a_refresh_that_cannot_fork_fetches_kolada_itself(tmp_path):
    """``os.fork`` failing (a process limit: EAGAIN) is not a failed refresh: Kolada is fetched
    in this process, every source updates, and no pipe is left open."""
    code = (
        "import errno, os, sys\n"
        "from pathlib import Path\n"
        "from warehouse.refresh import refresh\n"
        "def no_fork():\n"
        "    raise BlockingIOError(errno.EAGAIN, 'Resource temporarily unavailable')\n"
        "os.fork = no_fork\n"
        "before = len(os.listdir('/proc/self/fd'))\n"
        f"r = refresh(Path({str(SHARED)!r}), raw=Path(sys.argv[1]) / 'raw',\n"
        "            target=Path(sys.argv[1]) / 'w.duckdb', progress=lambda _: None,\n"
        f"            kpis={SMALL_KPIS!r})\n"
        "kolada = [o for o in r.report.outcomes if o.source == 'kolada']\n"
        "print(r.built, len(kolada), all(o.ok for o in kolada), len(r.report.failures()),\n"
        "      len(os.listdir('/proc/self/fd')) - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.stdout.split() == ["True", str(2 + len(SMALL_KPIS)), "True", "0", "0"], \
        done.stderr[-2000:]


def _running(pid: int) -> bool:
    """True while ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _ignores_sigpipe(pid: int) -> bool:
    """Whether a process ignores SIGPIPE (its SigIgn mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGPIPE - 1)))
    raise AssertionError("no SigIgn line")


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started and has not reaped: every process whose parent it is,
    from each one's /proc/<id>/stat, which every Linux /proc has (/proc/<id>/task/*/children
    only a kernel built with CONFIG_PROC_CHILDREN)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:  # the field after state: ppid
            found.append(int(entry.name))
    return found


PAUSE_IN_THE_FORK = """
import os, runpy, sys, threading
from data_sources import snapshot
add = snapshot.SnapshotWriter.add
def pause(self, response, **kwargs):
    path = add(self, response, **kwargs)
    if self.dataset == "data__N03920":
        print("PAUSED", os.getpid(), flush=True)
        threading.Event().wait()
    return path
snapshot.SnapshotWriter.add = pause
import warehouse.refresh
whole, kpis = warehouse.refresh.refresh, sys.argv[2].split(",")
warehouse.refresh.refresh = lambda mirror, **kw: whole(mirror, kpis=kpis, **kw)
sys.argv = ["warehouse", "refresh", "--mirror", sys.argv[1]]  # `python -m warehouse refresh`
runpy.run_module("warehouse", run_name="__main__", alter_sys=True)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_refresh_killed_while_the_fork_fetches_leaves_no_process_behind(tmp_path):
    """SIGKILL ``python -m warehouse refresh`` while its forked child is inside Kolada's fetch:
    the child and the replay it talks to (forked too) both end, each reading a pipe only the refresh wrote to,
    and Kolada's N03920 snapshot stays without a manifest."""
    mirror = tmp_path / "mirror"  # the real mirror cut to the small KPIs (linked)
    (mirror / "kolada_v3" / "data" / "kpi").mkdir(parents=True)
    for name in ("municipality.json", "kpi"):
        (mirror / "kolada_v3" / name).symlink_to(SHARED / "kolada_v3" / name)
    for kpi in SMALL_KPIS:
        (mirror / "kolada_v3" / "data" / "kpi" / f"{kpi}.json").symlink_to(
            SHARED / "kolada_v3" / "data" / "kpi" / f"{kpi}.json")
    env = {**os.environ, "RAW_DIR": str(tmp_path / "raw"),
           "WAREHOUSE_PATH": str(tmp_path / "w.duckdb")}
    refresh = subprocess.Popen([sys.executable, "-c", PAUSE_IN_THE_FORK, str(mirror),
                                ",".join(SMALL_KPIS)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        word, pid = refresh.stdout.readline().split()
        assert word == "PAUSED" and int(pid) != refresh.pid and _running(int(pid))
        children = _children(refresh.pid)  # Kolada's client and Kolada's replay
        assert len(children) == 2 and int(pid) in children and all(map(_running, children))
        # a peer that hangs up is an error to handle there, not a signal that ends a process:
        # `python -m warehouse refresh` leaves SIGPIPE ignored, and its children inherit that
        assert _ignores_sigpipe(refresh.pid) and all(map(_ignores_sigpipe, children))
        os.kill(refresh.pid, signal.SIGKILL)
        assert refresh.wait(timeout=60) == -signal.SIGKILL
        for _ in range(600):  # up to 60 s on a loaded machine; at once on a quiet one
            if not any(map(_running, children)):
                break
            threading.Event().wait(0.1)
        assert not any(map(_running, children))
    finally:
        refresh.kill()
        refresh.wait()
        refresh.stdout.close()
    fetched = list((tmp_path / "raw" / "kolada" / "data__N03920").iterdir())
    assert len(fetched) == 1 and not (fetched[0] / "manifest.json").exists()


def test_the_refresh_imports_neither_pandas_nor_httpx_command_line():
    """What ``python -m warehouse refresh`` imports before it forks: no pandas (else nothing is
    forked), and not httpx's command-line client (click, pygments, rich), which httpx loads
    whenever they are installed; httpx keeps its own stand-in for it."""
    code = ("import sys, warehouse.refresh, httpx\n"
            "print(sorted(m for m in ('pandas', 'click', 'pygments', 'rich') if m in sys.modules),"
            " callable(httpx.main), httpx.Client.__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["[]", "True", "Client"], done.stderr[-2000:]


def test_the_command_line_restores_sigpipe_for_every_command_but_a_refresh(monkeypatch):
    """`python -m warehouse` decides SIGPIPE once, by command: its default for a command whose
    output may go to `| head` (ends quietly); left ignored (Python's setting) for a refresh, or
    a server resetting a connection mid-request kills the refresh without a word. Called as a
    function (tests, the app) it leaves the caller's process as it is."""
    import signal

    from warehouse import cli

    seen = []
    for command in ("refresh", "status"):
        monkeypatch.setattr(cli, f"cmd_{command}",
                            lambda args: seen.append(signal.getsignal(signal.SIGPIPE)) and 0)
    before = signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as every Python process starts
    try:
        cli.main(["status"])
        cli.main(["refresh"], command_line=True)
        cli.main(["status"], command_line=True)
    finally:
        signal.signal(signal.SIGPIPE, before)
    assert seen == [signal.SIG_IGN, signal.SIG_IGN, signal.SIG_DFL]
