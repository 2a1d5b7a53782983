"""DuckDB prints a progress bar to stdout for any statement over 2 s (found on a loaded
machine, in a refresh's output that test_fetch_process and scripts read): every connection
the project opens has it off. Checked in a fresh interpreter whose stdout is a pipe, as a
refresh's or the CLI's is (under pytest's capture DuckDB starts with the bar off anyway)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys
import duckdb
from warehouse import db
SETTING = "select current_setting('enable_progress_bar')"
target = sys.argv[1]
print("default", duckdb.connect().execute(SETTING).fetchone()[0])
with db.building(target) as con:
    print("building", con.execute(SETTING).fetchone()[0])
    con.execute("create table t as select 1 as a")
print("connect", db.connect(target).execute(SETTING).fetchone()[0])
print("private", db.connect_private(target).execute(SETTING).fetchone()[0])
"""


def test_the_build_and_the_readers_connections_have_no_progress_bar(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "w.duckdb")],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    shown = dict(line.split() for line in out.splitlines())
    assert shown["default"] == "True"  # what a plain connection would print with
    assert (shown["building"], shown["connect"], shown["private"]) == ("False",) * 3
