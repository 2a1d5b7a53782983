"""A user group's yearly series in one SQL statement (warehouse.queries) equals the same series
through transforms.areas.aggregate, the rule the official areas are built with, for every
annual indicator in the real warehouse and every sex (issue 12 point 7: Översikt's group
queries were 4 queries + pandas each).

Speed (issue 12 point 8): the reference is what ``queries._group_series_pandas`` computes,
done for the three sexes in ONE ``aggregate`` call per indicator and member set (132 calls
instead of 396; ``aggregate`` groups by sex, so each sex's rows are the ones a call for that
sex alone gives). ``test_the_batched_reference_is_group_series_pandas`` holds that reference
equal to ``_group_series_pandas`` itself for one indicator of each rule (sum, weighted, none),
both member sets and all three sexes. The SQL side is still called for every indicator,
member set and sex (396 calls)."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms import areas as area_rules
from warehouse import queries

GR = ["1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407"]  # Göteborgsregionen's 13 kommuner
# a hand-made member set: a kommun formed in 2003 (Knivsta, 0330, split from Uppsala), an old
# one and a code that is no kommun
OTHERS = [["0330", "0380", "9999"]]
SEXES = ("T", "K", "M")
RULES = {"sum", "weighted", "none"}


def _annual(con) -> list[queries.Indicator]:
    return [ind for ind in queries.indicators(con)
            if not ind.is_monthly and ind.aggregation in RULES]


def _reference_all_sexes(con, ind, members, first) -> dict[str, pd.DataFrame]:
    """``queries._group_series_pandas(con, ind, members, sex)`` for every sex at once: the
    same member values, stored weights, first years and filler years (per sex), one
    ``aggregate`` call, split by sex."""
    values = queries._member_frame(con, [ind.id], members)
    weights = None
    if ind.aggregation == "weighted":
        weights = con.execute("""select kommun_code, year, sex, weight
                                 from marts.indicator_weight
                                 where indicator_id = ? and list_contains(?, kommun_code)""",
                              [ind.id, members]).df()
    years = con.execute("""select distinct year, sex from marts.observation_kommun_year
                           where indicator_id = ?""", [ind.id]).df()
    parts = [queries._with_years(values[values["sex"] == sex],
                                 years.loc[years["sex"] == sex, ["year"]], sex)
             for sex in SEXES]
    members_df = pd.DataFrame({"area_id": "group", "kommun_code": members})
    out = area_rules.aggregate(pd.concat(parts, ignore_index=True), members_df,
                               rule=ind.aggregation, first_year=first, weights=weights)
    return {sex: out[out["sex"] == sex].drop(columns=["area_id", "sex"]).reset_index(drop=True)
            for sex in SEXES}


@pytest.fixture(scope="module")
def reference(warehouse) -> dict[tuple[str, int, str], pd.DataFrame]:
    """(indicator id, member set number, sex) -> the reference series."""
    first = warehouse.execute("select kommun_code, first_year from marts.kommun").df()
    first = first.set_index("kommun_code")["first_year"]
    out = {}
    for ind in _annual(warehouse):
        for n, members in enumerate([GR, *OTHERS]):
            for sex, df in _reference_all_sexes(warehouse, ind, members, first).items():
                out[(ind.id, n, sex)] = df
    return out


@pytest.mark.parametrize("sex", SEXES)
def test_sql_group_series_equals_the_area_rule_for_every_annual_indicator(warehouse, reference,
                                                                           sex):
    checked = 0
    for ind in _annual(warehouse):
        for n, members in enumerate([GR, *OTHERS]):
            sql = queries._group_series_sql(warehouse, ind, members, sex).reset_index(drop=True)
            pd.testing.assert_frame_equal(sql, reference[(ind.id, n, sex)], check_dtype=False,
                                          rtol=1e-9, obj=f"{ind.id} {sex} {members}")
            checked += 1
    assert checked >= 60 * 2


def test_the_batched_reference_is_group_series_pandas(warehouse, reference):
    """The reference above, held equal to ``_group_series_pandas`` (the code
    ``computed_area_series`` runs for rules SQL does not take) for the first indicator of each
    annual rule, each member set and each sex: 18 comparisons."""
    picked = {}
    for ind in _annual(warehouse):
        picked.setdefault(ind.aggregation, ind)
    assert set(picked) == RULES
    for ind in picked.values():
        for n, members in enumerate([GR, *OTHERS]):
            for sex in SEXES:
                own = queries._group_series_pandas(warehouse, ind, members, sex)
                pd.testing.assert_frame_equal(own.reset_index(drop=True),
                                              reference[(ind.id, n, sex)], check_exact=True,
                                              check_dtype=False,  # an empty one is all object
                                              obj=f"{ind.id} {sex} {members}")
    assert any(not reference[(i.id, 0, "K")].empty for i in picked.values())  # not all empty


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
