"""The replay server for some of a mirror's folders in a process of its own.

A refresh from the mirror spends most of its fetch CPU on two sides of one socket: the replay
reading, filtering and writing 48 MB of Kolada JSON, and the client parsing and checking it. In
one process they take turns on one interpreter lock; with the replay in a child process the two
run side by side on two cores. Two kinds of child, both ending with their parent, even one
killed with SIGKILL (each reads a pipe only the parent writes to; the fork's machinery is
data_sources/fork.py, shared with Kolada's forked client):

- ``ReplayFork``: this process forked, serving a socket bound before the fork. Nothing to start
  and nothing to wait for: the child has every module already, and a client may connect at
  once (the kernel queues the connection until the child accepts it). A refresh uses it while
  it has one thread (as for Kolada's forked client, warehouse/fetch_process.py).
- ``ReplayProcess``: the plain ``python -m replay --until-stdin-closes``, for a process with
  threads (a fork copies one thread and whatever locks the others held); it starts a new
  interpreter and imports the replay first (~0.2 s, waited for).
"""

from __future__ import annotations

import gc
import os
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0  # seconds for the child to say where it listens


class ReplayProcess:
    """``python -m replay --only FOLDERS`` as a child; ``url`` is its root URL."""

    def __init__(self, mirror: Path, folders: Sequence[str], *, host: str = "127.0.0.1"):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CODE_ROOT),
                                                        env.get("PYTHONPATH")) if p)
        with tempfile.TemporaryFile() as errors:  # a file: a pipe nobody reads can fill up
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "replay", "--mirror", str(Path(mirror).resolve()),
                 "--host", host, "--only", ",".join(folders), "--until-stdin-closes"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                cwd=CODE_ROOT, env=env)
            ready, _, _ = select.select([self._proc.stdout], [], [], START_TIMEOUT)
            line = self._proc.stdout.readline().decode("utf-8", "replace").strip() \
                if ready else ""
            if not line.startswith("replay: http"):
                self.stop()
                errors.seek(0)
                error = errors.read().decode("utf-8", "replace").strip()
                raise OSError(f"replay process did not start: {error or line or 'no answer'}")
        self.url = line.removeprefix("replay: ")

    def parent_fds(self) -> tuple[int, ...]:
        """This process's ends of the child's pipes: a process forked from this one closes
        them, so the child still ends when this process closes stdin or dies."""
        return tuple(s.fileno() for s in (self._proc.stdin, self._proc.stdout) if not s.closed)

    def stop(self) -> None:
        """End the child (closing its stdin is the signal) and reap it."""
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            stream.close()


class ReplayFork:
    """The replay for ``folders`` in a child forked from this process; ``url`` is its root URL.

    Call only while this process has one thread (``threading.active_count() == 1``). Raises
    OSError when no process can be forked (the caller serves the folders itself).
    """

    def __init__(self, mirror: Path, folders: Sequence[str], *, host: str = "127.0.0.1"):
        from data_sources.fork import ForkedChild
        from replay.server import ReplayServer

        if threading.active_count() != 1:  # a fork would copy a lock another thread holds
            raise OSError("ReplayFork needs a process with one thread (use ReplayProcess)")
        server = ReplayServer(Path(mirror), host=host, only=tuple(folders), background=False)
        self.url = server.url
        try:
            self._child = ForkedChild(lambda: _serve(server))
        finally:
            server.close_socket()  # the child's copy listens (or no child: nobody does)
        self.pid = self._child.pid

    def parent_fds(self) -> tuple[int, ...]:
        """This process's end of the child's pipe: a process forked from this one closes it,
        so the child still ends when this process ends."""
        return self._child.parent_fds()

    def stop(self) -> None:
        """End the child (its pipe closes) and reap it. Idempotent."""
        self._child.stop()


def _serve(server) -> None:
    """The forked child's work: serve in this thread until the parent stops it (ForkedChild)."""
    # as in `python -m replay --until-stdin-closes`: the cycle collector walked the parsed
    # recordings again and again; this process lives for one fetch and frees by counting
    gc.disable()
    server.serve_forever()
