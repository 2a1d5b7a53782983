"""The app's data layer (ui.data) after a refresh swaps a new warehouse file in.

DuckDB keeps one database instance per path in a process: a second ``duckdb.connect(path)``
while a connection to that path is still open returns the same instance, i.e. the OLD file's
data after ``os.replace``. The app caches a connection per file identity and keeps the previous
one open (queries may still run on it), so it must open each file in an instance of its own.
"""

from __future__ import annotations

import os
import shutil

import pytest

from warehouse.db import connect

KOMMUN, YEAR = "0780", 2022  # Växjö


@pytest.fixture
def live(small_app_warehouse):
    """A private copy of the small warehouse as the app's warehouse file, caches emptied."""
    return small_app_warehouse


def _swap_in_changed_copy(target, tmp_path, value: float) -> None:
    """A new file, as a build makes one: a copy with Växjö's 2022 population set to ``value``,
    renamed over the live file."""
    new = tmp_path / "next.duckdb"
    shutil.copyfile(target, new)
    con = connect(new, read_only=False)
    con.execute("update marts.observation_kommun_year set value = ? where indicator_id = "
                "'N01951' and kommun_code = ? and year = ? and sex = 'T'", [value, KOMMUN, YEAR])
    con.execute("checkpoint")
    con.close()
    os.replace(new, target)


def _population(series) -> float:
    return float(series.loc[series["year"] == YEAR, "value"].iloc[0])


def test_after_a_swap_the_data_layer_reads_the_new_file(live, tmp_path):
    from ui import data

    before = _population(data.query("kommun_series", "N01951", KOMMUN))
    assert before == 97137  # Växjö's real population 2022 (Kolada N01951, the mirror)
    held = data.con()  # a query still running on the old file while the swap happens

    _swap_in_changed_copy(live, tmp_path, 123456.0)

    assert _population(data.query("kommun_series", "N01951", KOMMUN)) == 123456.0
    # the reader that started before the swap finishes on the old file, consistently
    old = held.execute("select value from marts.observation_kommun_year where indicator_id = "
                       "'N01951' and kommun_code = ? and year = ? and sex = 'T'",
                       [KOMMUN, YEAR]).fetchone()[0]
    assert old == before
    # and a second swap is seen too (the previous connection is still cached then)
    _swap_in_changed_copy(live, tmp_path, 7.0)
    assert _population(data.query("kommun_series", "N01951", KOMMUN)) == 7.0
    assert data.warehouse_ready()


def test_a_run_reads_one_file_and_looks_its_connection_up_once(live, tmp_path, monkeypatch):
    """Inside a script run the connection is looked up once (its file's identity is fixed for
    the run): a swap mid-run shows on the next run, never halfway down a page."""
    from ui import data

    looked_up = []
    real = data._connection
    monkeypatch.setattr(data, "_connection",
                        lambda path, sig: looked_up.append(sig) or real(path, sig))
    sql = ("select value from marts.observation_kommun_year where indicator_id = 'N01951' "
           "and kommun_code = ? and year = ? and sex = 'T'")
    with data.run_scope():
        first = data.con().execute(sql, [KOMMUN, YEAR]).fetchone()[0]
        assert first == 97137  # Växjö's real population 2022 (Kolada N01951, the mirror)
        _swap_in_changed_copy(live, tmp_path, 123456.0)
        assert data.con().execute(sql, [KOMMUN, YEAR]).fetchone()[0] == first
        assert len(looked_up) == 1
    with data.run_scope():  # the next run: the new file
        assert data.con().execute(sql, [KOMMUN, YEAR]).fetchone()[0] == 123456.0
        data.con()
    assert len(looked_up) == 2 and looked_up[0] != looked_up[1]
    data.con()  # outside a run: looked up on every call, as before
    data.con()
    assert len(looked_up) == 4
