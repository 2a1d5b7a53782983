"""Run ``python -m warehouse <args>`` inside the test process (issue 12 point 8: test speed).

A new interpreter per CLI call costs ~0,7 s of CPU importing pandas and DuckDB before the
command does anything, and test files call the CLI dozens of times. ``run_cli`` runs the same
``warehouse.cli.main`` with the same arguments, the same environment (only the variables
given, as the ``subprocess.run(env=…)`` it replaces) and the project folder as working
directory, and returns what ``subprocess.run(..., capture_output=True, text=True)`` would: the
exit code (2 for argparse's usage errors, 1 with the traceback on stderr for an uncaught
exception), stdout and stderr. The refresh-kill children and the concurrency test still start
the real ``python -m warehouse`` in a clean environment (tests/test_replay_fidelity.py starts
``python -m replay``).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import traceback

from tests.conftest import ROOT


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``warehouse.cli.main(args)`` with ``env`` as the whole environment, cwd = the repo."""
    from warehouse import cli

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # noqa: BLE001 - as the interpreter would: traceback, exit 1
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
    return subprocess.CompletedProcess(["python", "-m", "warehouse", *args], code or 0,
                                       out.getvalue(), err.getvalue())
