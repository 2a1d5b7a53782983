"""monthly_series' direct path for an area none of whose members has a row in the mart (issue
12 point 7: the Göteborgsregionen group against SCB BAS, which the mirror has for Dalarna only)
gives exactly what the general path gives: compared frame by frame, dtypes included, on the
session warehouse built from the real files in ../shared/data, against the general path forced
by switching the direct one off. Since an area's monthly series is computed in SQL
(tests/test_monthly_sql.py), the pandas path is the reference and is forced here by
``_sql_monthly_fits`` returning False; the Göteborgsregionen case is also checked on the SQL
path that now serves it. Where the direct path declines (every area with a member in the
mart), the general path is what served the call, so it is not run a second time: each case
checks which areas the direct path serves, and compares the two wherever it does."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse import queries

GR = ("1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407")
AREAS = {
    "falun": "kommun:2080",
    "dalarna": "lan:20",
    "riket": "riket",
    "partial": queries.Area("group:p", "group", "Falun, Borlänge, Göteborg",
                            ("2080", "2081", "1480")),
    "gbg": queries.Area("group:gr", "group", "Göteborgsregionen", GR),
}


def _monthly_ids(con) -> list[str]:
    return [i.id for i in queries.indicators(con) if i.frequency == "month"]


@pytest.mark.parametrize("sex", ["T", "K", "M"])
@pytest.mark.parametrize("name", list(AREAS))
def test_the_direct_empty_path_equals_the_general_one(warehouse, monkeypatch, name, sex):
    ids = _monthly_ids(warehouse)
    assert "bas_arbetsloshet" in ids and "bas_arbetslosa" in ids
    spec = AREAS[name]
    area = spec if isinstance(spec, queries.Area) else queries.area(warehouse, spec)
    monkeypatch.setattr(queries, "_sql_monthly_fits", lambda *a, **k: False)  # pandas path
    served = []  # what the direct path gave in each call (None: it declined)
    real = queries._area_monthly_empty
    monkeypatch.setattr(queries, "_area_monthly_empty",
                        lambda *a: served.append(real(*a)) or served[-1])
    compared = 0
    for ind_id in ids:
        ind = queries.indicator(warehouse, ind_id)
        if sex != "T" and not ind.has_sex:
            continue
        served.clear()
        fast = queries.monthly_series(warehouse, ind, area, sex)
        declined = all(out is None for out in served)
        # the direct path serves exactly the areas none of whose members has a row in the mart
        assert declined == (name != "gbg" or not served), (ind_id, name, sex)
        if declined:
            # it declined (or was not reached): the call above ran the general path, so
            # running it again with the direct one off would be the same code on the same
            # data (it was, until issue 12 point 8: half this file's time)
            continue
        with monkeypatch.context() as m:
            m.setattr(queries, "_area_monthly_empty", lambda *a, **k: None)
            general = queries.monthly_series(warehouse, ind, area, sex)
        pd.testing.assert_frame_equal(fast, general, check_exact=True)
        compared += 1
    assert compared >= 7 or name != "gbg" or sex != "T"  # every BAS indicator, for Göteborg


def test_goteborgsregionen_has_no_bas_rows_and_every_month_is_withheld(warehouse, monkeypatch):
    """The case the direct path serves on the pandas side and the SQL statement serves in the
    app; Falun's real TAB6260 rate is asserted in test_bas."""
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    served = queries.monthly_series(warehouse, ind, AREAS["gbg"])  # the SQL path
    used = []
    real = queries._area_monthly_empty
    monkeypatch.setattr(queries, "_area_monthly_empty",
                        lambda *a: used.append(real(*a)) or used[-1])
    monkeypatch.setattr(queries, "_sql_monthly_fits", lambda *a, **k: False)
    df = queries.monthly_series(warehouse, ind, AREAS["gbg"])
    assert len(used) == 1 and used[0] is not None  # the direct path served it
    pd.testing.assert_frame_equal(served, df, check_exact=True, check_dtype=False)
    assert len(df) == 76 and df["value"].isna().all()
    assert set(df["status"]) == {"withheld"} and set(df["n_expected"]) == {13}
    assert (df["n_reporting"] == 0).all() and (df["numerator"] == 0).all()
