"""A refresh killed with SIGKILL at any point leaves the previous warehouse serving the same
numbers, and no half-written file is ever read.

``python -m warehouse refresh --mirror …`` runs in a child process (tests/refresh_child.py)
that stops at a named point: during the fetch, with the new warehouse half written, just
before and just after the swap. The test SIGKILLs it there (four children side by side, each
on its own copy of one warehouse, forked from one process that imported the code once), checks what a reader sees, then builds again after the
killed fetch, which must read complete snapshots only. The mirror is the real one cut to four
KPIs, so each child runs for a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

import pytest

from data_sources.snapshot import complete_snapshots
from tests.conftest import ROOT, SHARED, SMALL_KPIS, copy_small
from warehouse import checks
from warehouse.build import build_warehouse
from warehouse.db import connect, file_signature, remove_stale_builds
from warehouse.refresh import read_status

KPIS = SMALL_KPIS
VAXJO_2022 = 5.973365  # N03920, Växjö, 2022, total: the real value in the mirror


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """The real mirror with Kolada cut to four KPIs (files linked, never copied)."""
    root = tmp_path_factory.mktemp("mirror")
    kolada = root / "kolada_v3"
    (kolada / "data" / "kpi").mkdir(parents=True)
    (kolada / "municipality.json").symlink_to(SHARED / "kolada_v3" / "municipality.json")
    (kolada / "kpi").symlink_to(SHARED / "kolada_v3" / "kpi")
    for kpi in KPIS:
        (kolada / "data" / "kpi" / f"{kpi}.json").symlink_to(
            SHARED / "kolada_v3" / "data" / "kpi" / f"{kpi}.json")
    for folder in ("scb_v2", "regions"):
        (root / folder).symlink_to(SHARED / folder)
    return root


def reader_view(target) -> tuple:
    """What the dashboard would read: Växjö's value, the log length, and the checks."""
    con = connect(target)
    try:
        value = con.execute("""select value from marts.observation_kommun_year
            where indicator_id = 'N03920' and kommun_code = '0780' and year = 2022
            and sex = 'T'""").fetchone()[0]
        log = con.execute("select count(*) from marts.refresh_log").fetchone()[0]
        return value, log, checks.run(con)
    finally:
        con.close()


def run_and_kill(orders: dict[str, tuple]) -> dict[str, int]:
    """Run the CLI refresh once per point, each in a child that stops there, and SIGKILL each
    child as soon as it reports its point. The children are forked by one server process
    (tests/refresh_child.py --fork-server) that imported the code once. Returns the pids."""
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "refresh_child.py"),
                               "--fork-server"], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pids, paused, ended = {}, set(), {}
    try:
        for point, (mirror, raw, target) in orders.items():
            server.stdin.write(json.dumps({
                "point": point, "env": {"WAREHOUSE_PATH": str(target), "RAW_DIR": str(raw)},
                "args": ["refresh", "--mirror", str(mirror)]}) + "\n")
        server.stdin.close()
        for line in server.stdout:
            what, point, *number = line.split()
            if what == "STARTED":
                pids[point] = int(number[0])
            elif what == "PAUSED":
                paused.add(point)
                os.kill(pids[point], signal.SIGKILL)
            elif what == "EXIT":
                ended[point] = int(number[0])
                if point not in paused:
                    pytest.fail(f"the child ended (code {ended[point]}) before reaching {point}")
    finally:
        for point, pid in pids.items():
            if point not in ended:  # not reaped yet, so the pid is still this child's
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        assert server.wait(timeout=60) == 0
    assert ended == {point: -signal.SIGKILL for point in orders}
    return pids


POINTS = ("fetch", "build_write", "before_swap", "after_swap")


def test_sigkill_at_every_point_leaves_the_previous_warehouse_serving(mirror, small_base,
                                                                      tmp_path):
    value, log, failures = reader_view(small_base / "warehouse.duckdb")
    assert value == pytest.approx(VAXJO_2022) and failures == []
    # one copy of the small warehouse per kill point; the four children run side by side
    dirs = {point: tmp_path / point for point in POINTS}
    for folder in dirs.values():
        copy_small(small_base, folder)
    before = {p: (file_signature(d / "warehouse.duckdb"), read_status(d / "warehouse.duckdb"),
                  complete_snapshots(d / "raw", "kolada", "data__N03920")[0].folder)
              for p, d in dirs.items()}
    pids = run_and_kill({p: (mirror, d / "raw", d / "warehouse.duckdb")
                         for p, d in dirs.items()})

    # killed during the fetch: a snapshot folder without a manifest, nothing else changed
    folder = dirs["fetch"]
    target = folder / "warehouse.duckdb"
    assert file_signature(target) == before["fetch"][0]
    assert reader_view(target) == (value, log, [])
    fetched = sorted((folder / "raw" / "kolada" / "data__N03920").iterdir())
    assert len(fetched) == 2 and not (fetched[-1] / "manifest.json").exists()
    assert complete_snapshots(folder / "raw", "kolada", "data__N03920")[0].folder \
        == before["fetch"][2]

    # killed with the new file half written, and with it complete but not swapped in
    for point in ("build_write", "before_swap"):
        target = dirs[point] / "warehouse.duckdb"
        pid = pids[point]
        assert file_signature(target) == before[point][0], point
        assert reader_view(target) == (value, log, []), point
        assert read_status(target) == before[point][1], point
        leftovers = list(dirs[point].glob(f".warehouse.duckdb.building-{pid}-*"))
        assert leftovers, point
        assert remove_stale_builds(target) == leftovers  # what the next build does first
        assert not list(dirs[point].glob(".warehouse.duckdb.building-*"))

    # killed just after the swap: the new file is whole (it passed the checks before the
    # rename) and serves the same numbers; the status file is the previous one, intact
    target = dirs["after_swap"] / "warehouse.duckdb"
    assert file_signature(target) != before["after_swap"][0]
    new_value, new_log, new_failures = reader_view(target)
    assert new_value == pytest.approx(VAXJO_2022) and new_failures == [] and new_log > log
    assert read_status(target) == before["after_swap"][1]

    # the next build after the killed fetch reads complete snapshots only
    target = dirs["fetch"] / "warehouse.duckdb"
    build_warehouse(dirs["fetch"] / "raw", target)
    assert reader_view(target)[0] == pytest.approx(VAXJO_2022)
    con = connect(target)
    used = {r[0] for r in con.execute("select snapshot from marts.provenance").fetchall()}
    con.close()
    assert fetched[-1].name not in used and fetched[0].name in used
