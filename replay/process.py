"""The replay server for some of a mirror's folders in a process of its own.

A refresh from the mirror spends most of its fetch CPU on two sides of one socket: the replay
reading, filtering and writing 48 MB of Kolada JSON, and the client parsing and checking it. In
one process they take turns on one interpreter lock; with the replay in a child process (the
plain ``python -m replay``) the two run side by side on two cores. The child exits when this
process closes its stdin, so a parent killed with SIGKILL leaves no replay behind.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
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
