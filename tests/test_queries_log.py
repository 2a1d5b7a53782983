"""The footer's "Data senast uppdaterad" reads the newest run_at with ``max()``
(``queries.newest_run_at``) instead of sorting the whole refresh log for one row
(``refresh_log(con, 1)``, issue 12): the same value on the real warehouse's log, on that log
with older and newer runs of other sources added, and ``None`` where the old query gave no row."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import queries


def _old(con) -> str | None:
    """What the footer read before: the first row of ``refresh_log(con, 1)``."""
    log = queries.refresh_log(con, 1)
    return None if log.empty else log["run_at"].iloc[0]


@pytest.fixture
def log_copy(built):
    """An in-memory warehouse holding a copy of the real warehouse's marts.refresh_log."""
    con = duckdb.connect()
    con.execute("attach ? as w (read_only)", [str(built["warehouse"])])
    con.execute("create schema marts")
    con.execute("create table marts.refresh_log as select * from w.marts.refresh_log")
    con.execute("detach w")
    yield con
    con.close()


def test_the_newest_run_at_is_the_first_row_of_the_log(warehouse):
    newest = queries.newest_run_at(warehouse)
    assert newest is not None and newest == _old(warehouse)
    runs = [r[0] for r in warehouse.execute("select run_at from marts.refresh_log").fetchall()]
    assert runs and newest == max(runs)


def test_the_newest_run_at_of_a_longer_log_and_an_empty_one(log_copy):
    real = queries.newest_run_at(log_copy)
    assert real == _old(log_copy) is not None
    # an older run, then a newer one by another source (a refresh's fetch rows, not the build)
    older, newer = "2001-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"
    log_copy.execute("insert into marts.refresh_log (run_at, source, dataset, ok) "
                     "values (?, 'kolada', 'N03920', true)", [older])
    assert queries.newest_run_at(log_copy) == _old(log_copy) == real
    log_copy.execute("insert into marts.refresh_log (run_at, source, dataset, ok) "
                     "values (?, 'scb', 'TAB6260', false), (null, 'scb', 'x', false)", [newer])
    assert queries.newest_run_at(log_copy) == _old(log_copy) == newer
    log_copy.execute("delete from marts.refresh_log")
    assert queries.newest_run_at(log_copy) is None and _old(log_copy) is None
