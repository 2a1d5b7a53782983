"""Run ``python -m warehouse refresh --mirror …`` in a child process that stops at a named
point, so the test can SIGKILL it exactly there (tests/test_refresh_kill.py).

Usage: ``python tests/refresh_child.py <point> refresh --mirror DIR`` with WAREHOUSE_PATH and
RAW_DIR in the environment. At the point the child prints ``PAUSED <point>`` on stdout and
waits for its end. Points:

- ``fetch``: the Kolada N03920 snapshot has written its first response, not its manifest;
- ``build_write``: the new warehouse file is half written (some tables, no checks, no swap);
- ``before_swap``: the new file is complete and checked, not yet renamed over the old one;
- ``after_swap``: the new file is in place, the status file not yet written.

SCB's call budget runs on a fake clock (shared by client and replay, as in the tests), so the
child never sleeps for the budget; nothing else differs from the real command.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_sources import http, snapshot
from warehouse import build, cli, db

POINT = sys.argv[1]
_fake_now = [0.0]


def pause(point: str) -> None:
    """Stop here for good if this is the point asked for (the parent kills us)."""
    if point == POINT:
        print(f"PAUSED {point}", flush=True)
        threading.Event().wait()


http.Clock.now = lambda self: _fake_now[0]
http.Clock.sleep = lambda self, seconds: _fake_now.__setitem__(0, _fake_now[0] + max(seconds, 0))

_add = snapshot.SnapshotWriter.add


def add(self, response, **kwargs):
    path = _add(self, response, **kwargs)
    if self.dataset == "data__N03920":
        pause("fetch")
    return path


snapshot.SnapshotWriter.add = add

_write_table = build.write_table
_written = [0]


def write_table(con, name, df, **kwargs):
    _write_table(con, name, df, **kwargs)
    _written[0] += 1
    if _written[0] == 4:
        con.execute("checkpoint")  # the half-written file is really on disk
        pause("build_write")


build.write_table = write_table

_replace = os.replace


def replace(src, dst, *args, **kwargs):
    swap = ".building-" in str(src)
    if swap:
        pause("before_swap")
    _replace(src, dst, *args, **kwargs)
    if swap:
        pause("after_swap")


db.os.replace = replace

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[2:]))
