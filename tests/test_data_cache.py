"""ui.data.query's caches (issue 12 point 7): a query that misses the run's memo is asked of
Streamlit's cache by keyword, keyed by the arguments' digest (the arguments themselves are not
hashed): equal arguments are read once, other arguments are read anew, and Streamlit's cache
still answers when the memo has dropped a result."""

from __future__ import annotations

import pytest
import streamlit as st

VAXJO, LUND = "0780", "1281"


@pytest.fixture
def app_data(small_app_warehouse, monkeypatch):
    """ui.data on a private copy of the small warehouse, caches emptied, each query counted."""
    from ui import data
    from warehouse import queries

    asked = []
    real = queries.kommun_series
    monkeypatch.setattr(queries, "kommun_series",
                        lambda con, *a, **k: asked.append(a) or real(con, *a, **k))
    return data, asked


def _population(series, year: int = 2022) -> float:
    return float(series.loc[series["year"] == year, "value"].iloc[0])


def test_equal_arguments_are_read_once_and_others_anew(app_data):
    data, asked = app_data
    with data.run_scope():
        vaxjo = data.query("kommun_series", "N01951", VAXJO)
        again = data.query("kommun_series", "N01951", VAXJO)
        lund = data.query("kommun_series", "N01951", LUND)
        assert asked == [("N01951", VAXJO), ("N01951", LUND)]
        # the real populations 2022 (Kolada N01951, the mirror), and fresh copies each time
        assert _population(vaxjo) == _population(again) == 97137
        assert again is not vaxjo
        assert _population(lund) == 128384
        data._RUN.memos[0]._items.clear()  # the memo dropped them: Streamlit's cache answers
        assert _population(data.query("kommun_series", "N01951", LUND)) == 128384
        assert len(asked) == 2
    st.cache_data.clear()
    with data.run_scope():
        data._RUN.memos[0]._items.clear()
        assert _population(data.query("kommun_series", "N01951", VAXJO)) == 97137
        assert asked[-1] == ("N01951", VAXJO) and len(asked) == 3
    # outside a script run: Streamlit's cache alone, by the same keys
    assert _population(data.query("kommun_series", "N01951", VAXJO)) == 97137
    assert len(asked) == 3
