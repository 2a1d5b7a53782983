"""Run a command and report the CPU time of it and of every process it started, also those
orphaned on the way (Chromium's zygote and renderers, which `/usr/bin/time` never sees: for
tests/test_browser.py it reported 52 s of 166 s). This process becomes their subreaper
(Linux ``PR_SET_CHILD_SUBREAPER``), so every descendant is reaped here and its CPU counted.

    python bench/cputime.py .venv/bin/pytest -q -p no:cacheprovider tests/test_browser.py

Prints ``cputime: user … sys … cpu … wall …`` on stderr; exits with the command's code.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    """Run ``argv``, wait for it and for every orphan it left, print the CPU of all."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    start = time.monotonic()
    code = subprocess.Popen(argv).wait()
    wall = time.monotonic() - start
    while True:  # the orphans, reaped as they end
        try:
            os.wait()
        except ChildProcessError:
            break
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"cputime: user {used.ru_utime:.2f} sys {used.ru_stime:.2f} "
          f"cpu {used.ru_utime + used.ru_stime:.2f} wall {wall:.2f}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
