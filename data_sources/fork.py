"""A child forked from this process that ends with it, even when this process is SIGKILLed.

Both of a refresh's forked children use it: Kolada's replay (replay/process.py ``ReplayFork``)
and Kolada's client (warehouse/fetch_process.py ``KoladaFetchProcess``). Here, not in either,
because the replay must not import the warehouse. The child reads a pipe only this process
writes to (never writes it); when the pipe closes (``stop``, or this process died) a thread in
the child ends it at once. SIGPIPE is left as the process has it: see docs/decisions.md
("SIGPIPE: decided once, by the command line").
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable


class ForkedChild:
    """``work()`` in a child forked from this process; ``pid`` is the child's.

    In the child: ``close_in_child`` is closed first (descriptors that are this process's ends
    of other pipes, so those still see this process end), then ``work`` runs; the child ends
    when it returns (exit 0) or raises (its traceback on stderr, exit 1; Ctrl-C exits 0: it
    reaches the whole process group, this process reports it), or at once when this process
    calls ``stop`` or ends. Never returns in the child. Raises OSError when no process can be
    forked (nothing is left open). Exit statuses are not read: each caller learns what
    happened from what the child sent (or did not).
    """

    def __init__(self, work: Callable[[], object], *, close_in_child: Iterable[int] = ()):
        sys.stdout.flush()  # else the child writes this process's buffered lines again
        sys.stderr.flush()
        alive_r, alive_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(alive_r)
            os.close(alive_w)
            raise
        if pid == 0:
            _child(work, alive_r, (alive_w, *close_in_child))
        os.close(alive_r)
        self.pid = pid
        self._alive_w: int | None = alive_w

    def parent_fds(self) -> tuple[int, ...]:
        """This process's end of the child's pipe: a process forked from this one closes it,
        so the child still ends when this process ends."""
        return () if self._alive_w is None else (self._alive_w,)

    @property
    def stopped(self) -> bool:
        """True once ``stop`` has run."""
        return self._alive_w is None

    def stop(self) -> None:
        """End the child if it still runs (its pipe closes) and reap it. Idempotent."""
        if self._alive_w is not None:
            os.close(self._alive_w)
            self._alive_w = None
            os.waitpid(self.pid, 0)


def _child(work: Callable[[], object], alive_r: int, close: tuple[int, ...]) -> None:
    code = 1
    try:
        for fd in close:
            os.close(fd)
        threading.Thread(target=_exit_with_parent, args=(alive_r,), daemon=True).start()
        work()
        code = 0
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent reports it
        code = 0
    except BaseException:  # noqa: BLE001 - the parent learns it from the missing answer
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _exit_with_parent(alive_r: int) -> None:
    """Read until the parent's end closes (it stopped us, or was killed), then end at once:
    nothing to save, and freeing what the child holds would only delay the parent's waitpid."""
    while os.read(alive_r, 1):
        pass
    os._exit(0)
