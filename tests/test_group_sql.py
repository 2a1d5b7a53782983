"""A user group's yearly series in one SQL statement (warehouse.queries) equals the same series
through transforms.areas.aggregate, the rule the official areas are built with, for every
annual indicator in the real warehouse and every sex (issue 12 point 7: Översikt's group
queries were 4 queries + pandas each)."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse import queries

GR = ["1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407"]  # Göteborgsregionen's 13 kommuner
# a hand-made member set: a kommun formed in 2003 (Knivsta, 0330, split from Uppsala), an old
# one and a code that is no kommun
OTHERS = [["0330", "0380", "9999"]]


def _both(con, ind, members, sex):
    sql = queries._group_series_sql(con, ind, members, sex)
    pandas = queries._group_series_pandas(con, ind, members, sex)
    return sql.reset_index(drop=True), pandas.reset_index(drop=True)


@pytest.mark.parametrize("sex", ["T", "K", "M"])
def test_sql_group_series_equals_the_area_rule_for_every_annual_indicator(warehouse, sex):
    checked = 0
    for ind in queries.indicators(warehouse):
        if ind.is_monthly or ind.aggregation not in {"sum", "weighted", "none"}:
            continue
        for members in [GR, *OTHERS]:
            sql, pandas = _both(warehouse, ind, members, sex)
            pd.testing.assert_frame_equal(sql, pandas, check_dtype=False, rtol=1e-9,
                                          obj=f"{ind.id} {sex} {members}")
            checked += 1
    assert checked >= 60 * 2


def test_goteborgsregionen_weighted_unemployment_is_the_real_weighted_value(warehouse):
    ind = queries.indicator(warehouse, "N03920")
    series = queries.computed_area_series(warehouse, ind, GR)
    row = series[series["year"] == 2022].iloc[0]
    assert (row["n_expected"], row["n_reporting"], row["status"]) == (13, 13, None)
    obs = warehouse.execute(
        """select sum(o.value * w.weight) / sum(w.weight) from marts.observation_kommun_year o
           join marts.indicator_weight w using (indicator_id, kommun_code, year, sex)
           where o.indicator_id = 'N03920' and o.year = 2022 and o.sex = 'T'
             and list_contains(?, o.kommun_code)""", [GR]).fetchone()[0]
    assert row["value"] == pytest.approx(obs, rel=1e-12)
