"""A user group's yearly series in one SQL statement (warehouse.queries) equals the same series
through transforms.areas.aggregate, the rule the official areas are built with, for every
annual indicator in the real warehouse and every sex (issue 12 point 7: Översikt's group
queries were 4 queries + pandas each).

Speed (issue 12 point 8): the reference is what ``queries._group_series_pandas`` computes
for every indicator, member set and sex, read in three queries and computed in 37
``aggregate`` calls (was 396, then 132; ~9 s -> ~3 s of CPU): pairs (indicator, member set)
with the same rule, years on offer and weight split go into one call, each pair an area of its
own over its own prefixed member codes (``_reference_all`` says why a pair's rows are those
of a call for it alone). ``test_the_batched_reference_is_group_series_pandas`` holds that
reference equal to ``_group_series_pandas`` itself, to the last bit, for one indicator of
each rule (sum, weighted, none), both member sets and all three sexes (all 396 were equal to
the last bit when this was written). The SQL side is still called for every indicator,
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


def _reference_all(con) -> dict[tuple[str, int, str], pd.DataFrame]:
    """``queries._group_series_pandas(con, ind, members, sex)`` for every annual indicator,
    member set and sex, in 37 ``aggregate`` calls instead of 396: the same member values,
    stored weights (filtered to the member set), first years and years on offer, read in three
    queries for all indicators at once.

    A batch is the (indicator, member set) pairs that share the rule, the indicator's (year,
    sex) pairs and, for 'weighted', the sexes the set's weights are split by: each pair is an
    area of its own whose members are its kommun codes prefixed with the pair (so no pair
    sees another's values or weights), and the years on offer are given as rows of a
    non-member (what ``_with_years`` adds as filler, there with a None value: NaN here keeps
    the column float64, so a sum can differ from the object-dtype one in its last bits, far
    inside the comparison's rtol=1e-9). ``aggregate`` works per area, year and
    sex: a member's row, its weight (its own sex's or, where the batch's weights are not split
    by that sex, its total's: the same answer for every pair of the batch by the grouping)
    and its first year are found by its own code, so each pair's rows are the ones a call for
    that pair alone gives; ``test_the_batched_reference_is_group_series_pandas`` checks it."""
    annual = _annual(con)
    ids = [ind.id for ind in annual]
    sets = [GR, *OTHERS]
    everyone = sorted({code for members in sets for code in members})
    values = queries._member_frame(con, ids, everyone)
    weights = con.execute("""select indicator_id, kommun_code, year, sex, weight
                             from marts.indicator_weight
                             where list_contains(?, indicator_id)
                               and list_contains(?, kommun_code)""", [ids, everyone]).df()
    years = con.execute("""select distinct indicator_id, year, sex
                           from marts.observation_kommun_year
                           where list_contains(?, indicator_id)""", [ids]).df()
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    first = first.set_index("kommun_code")["first_year"]
    values_by = dict(tuple(values.groupby("indicator_id", sort=False)))
    weights_by = dict(tuple(weights.groupby("indicator_id", sort=False)))
    years_by = dict(tuple(years.groupby("indicator_id", sort=False)))
    empty_years = years.iloc[0:0]
    batches: dict[tuple, list[tuple[queries.Indicator, int]]] = {}
    for ind in annual:
        on_offer = years_by.get(ind.id, empty_years)
        periods = frozenset(zip(on_offer["year"], on_offer["sex"], strict=True))
        for n, members in enumerate(sets):
            split = None
            if ind.aggregation == "weighted":
                w = weights_by.get(ind.id, weights.iloc[0:0])
                split = frozenset(set(w.loc[w["kommun_code"].isin(members), "sex"]) - {"T"})
            batches.setdefault((ind.aggregation, periods, split), []).append((ind, n))
    out: dict[tuple[str, int, str], pd.DataFrame] = {}
    for (rule, _, _), pairs in batches.items():
        parts, member_rows, weight_parts = [], [], []
        for ind, n in pairs:
            key = f"{ind.id}|{n}|"
            v = values_by.get(ind.id, values.iloc[0:0])
            v = v[v["kommun_code"].isin(sets[n])]
            parts.append(v.assign(kommun_code=key + v["kommun_code"])
                         [["kommun_code", "year", "sex", "value"]])
            member_rows.append(pd.DataFrame({"area_id": key,
                                             "kommun_code": [key + c for c in sets[n]]}))
            if rule == "weighted":
                w = weights_by.get(ind.id, weights.iloc[0:0])
                w = w[w["kommun_code"].isin(sets[n])]
                weight_parts.append(w.assign(kommun_code=key + w["kommun_code"])
                                    [["kommun_code", "year", "sex", "weight"]])
        ind = pairs[0][0]
        on_offer = years_by.get(ind.id, empty_years)
        parts.append(pd.DataFrame({"kommun_code": "__none__", "year": on_offer["year"],
                                   "sex": on_offer["sex"], "value": float("nan")}))
        members_df = pd.concat(member_rows, ignore_index=True)
        codes = members_df["kommun_code"]
        starts = pd.Series(first.reindex(codes.str.rsplit("|", n=1).str[-1]).to_numpy(),
                           index=codes.to_numpy())
        result = area_rules.aggregate(
            pd.concat(parts, ignore_index=True), members_df, rule=rule, first_year=starts,
            weights=pd.concat(weight_parts, ignore_index=True) if weight_parts else None)
        groups = dict(tuple(result.groupby(["area_id", "sex"], sort=False)))
        none = result.iloc[0:0].drop(columns=["area_id", "sex"])
        for ind, n in pairs:
            for sex in SEXES:
                df = groups.get((f"{ind.id}|{n}|", sex))
                out[(ind.id, n, sex)] = none.copy() if df is None else \
                    df.drop(columns=["area_id", "sex"]).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def reference(warehouse) -> dict[tuple[str, int, str], pd.DataFrame]:
    """(indicator id, member set number, sex) -> the reference series."""
    return _reference_all(warehouse)


@pytest.fixture(scope="module")
def sql_series(warehouse) -> dict[tuple[str, int, str], pd.DataFrame]:
    """(indicator id, member set number, sex) -> ``queries._group_series_sql``'s series (what
    ``computed_area_series`` returns for the annual rules), called once per key for the module:
    the equality test below and the proxy test read the same calls (the proxy test called
    ``computed_area_series`` again for the 41 weighted indicators × 3 sexes, ~1.2 s of CPU)."""
    return {(ind.id, n, sex): queries._group_series_sql(warehouse, ind, members, sex)
            for ind in _annual(warehouse) for n, members in enumerate([GR, *OTHERS])
            for sex in SEXES}


@pytest.mark.parametrize("sex", SEXES)
def test_sql_group_series_equals_the_area_rule_for_every_annual_indicator(warehouse, reference,
                                                                           sql_series, sex):
    checked = 0
    for ind in _annual(warehouse):
        for n, members in enumerate([GR, *OTHERS]):
            sql = sql_series[(ind.id, n, sex)].reset_index(drop=True)
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


def test_a_groups_weights_by_series_are_those_by_indicator_id(warehouse):
    """An Indicator read from the warehouse carries its weight series (marts.indicator's
    weight_series), and the group series read by it (marts.weight_series) are those read by
    the indicator's id from the long form (marts.indicator_weight), for each sex and both
    paths (the numpy one and the pandas reference)."""
    from dataclasses import replace

    ind = queries.indicator(warehouse, "N03920")
    by_id = replace(ind, weight_series=None)
    assert ind.weight_series is not None and ind.aggregation == "weighted"
    for sex in SEXES:
        for path in (queries.computed_area_series, queries._group_series_pandas):
            own, other = path(warehouse, ind, GR, sex), path(warehouse, by_id, GR, sex)
            assert own["value"].notna().sum() > 10
            pd.testing.assert_frame_equal(own, other, check_exact=True)


# each kommun's weight straight from its proxies' Kolada values (the declared populations or
# counts, summed; the previous year's for weight_year 'previous'; this sex's where the proxy
# has it, else the total's): no weight table, series number or view involved
_PROXY_WEIGHTED = """
with pop as (select kommun_code, sex, sum(value) as p from marts.observation_kommun_year
             where list_contains(?, indicator_id) and year = ? group by all),
     w as (select m.kommun_code, coalesce(s.p, t.p) as w
           from (select unnest(?::varchar[]) as kommun_code) m
           left join pop s on s.kommun_code = m.kommun_code and s.sex = ?
           left join pop t on t.kommun_code = m.kommun_code and t.sex = 'T')
select sum(o.value * w.w) / sum(w.w) from marts.observation_kommun_year o join w using
(kommun_code) where o.indicator_id = ? and o.year = ? and o.sex = ?"""


def test_every_weighted_group_value_is_kolada_rates_times_the_proxy_populations(warehouse,
                                                                                 sql_series):
    """Göteborgsregionen's value of every weighted indicator (its last year all 13 report,
    each sex), read through the indicator's weight series (both paths: the SQL one from
    ``sql_series``, the series ``computed_area_series`` gives), is the members'
    Kolada values weighted by their proxies' Kolada values: a wrong series number (another
    population, or the previous year's) gives another value."""
    meta = {i: (list(ids), rule, series) for i, ids, rule, series in warehouse.execute(
        """select indicator_id, weight_ids, weight_year, weight_series from marts.indicator
           where aggregation = 'weighted'""").fetchall()}
    checked, series_seen = 0, set()
    for ind in queries.indicators(warehouse):
        if ind.id not in meta:
            continue
        proxies, rule, series = meta[ind.id]
        assert ind.weight_series == series is not None, ind.id
        for sex in SEXES:
            got = sql_series[(ind.id, 0, sex)]
            full = got[(got["n_reporting"] == 13) & got["value"].notna()]
            if full.empty:
                continue
            year = int(full["year"].iloc[-1])
            expected = warehouse.execute(_PROXY_WEIGHTED, [
                proxies, year - 1 if rule == "previous" else year, GR, sex, ind.id, year,
                sex]).fetchone()[0]
            pandas = queries._group_series_pandas(warehouse, ind, GR, sex)
            for value in (full["value"].iloc[-1],
                          pandas.loc[pandas["year"] == year, "value"].iloc[0]):
                assert value == pytest.approx(expected, rel=1e-9), (ind.id, sex, year)
            checked += 1
            series_seen.add(series)
    assert checked >= 80 and len(series_seen) == 8


def test_a_warehouse_built_before_weight_series_gives_the_same_group_series(small_base,
                                                                             tmp_path):
    """A warehouse from before weights24 (marts.indicator without weight_series,
    marts.indicator_weight a table): ``indicators``/``indicator`` fall back to ``select *``,
    the Indicator has no series and the weights are read by id from the table; every group
    series equals the one the same warehouse gives by series (both paths, each sex)."""
    import shutil

    import duckdb

    # the shared small warehouse is only read (read-only below); the old one is a copy of its
    # file alone (the raw layer and the status are not read)
    new, old = small_base / "warehouse.duckdb", tmp_path / "old.duckdb"
    shutil.copyfile(new, old)
    con = duckdb.connect(str(old))
    try:
        con.execute("create table marts._iw as select * from marts.indicator_weight")
        con.execute("drop view marts.indicator_weight")
        con.execute("alter table marts._iw rename to indicator_weight")
        con.execute("alter table marts.indicator drop column weight_series")
    finally:
        con.close()
    with duckdb.connect(str(new), read_only=True) as a, \
            duckdb.connect(str(old), read_only=True) as b:
        assert b.execute("select table_type from information_schema.tables where "
                         "table_name = 'indicator_weight'").fetchall() == [("BASE TABLE",)]
        by_series = {i.id: i for i in queries.indicators(a) if i.aggregation == "weighted"}
        by_id = {i.id: i for i in queries.indicators(b) if i.aggregation == "weighted"}
        assert set(by_series) == set(by_id) and "N03920" in by_series
        assert by_series["N03920"].weight_series is not None
        assert all(ind.weight_series is None for ind in by_id.values())
        assert queries.indicator(b, "n03920") == by_id["N03920"]
        with_values = set()
        for indicator_id, ind in by_series.items():
            for sex in SEXES:
                for path in (queries.computed_area_series, queries._group_series_pandas):
                    own = path(a, ind, GR, sex)
                    other = path(b, by_id[indicator_id], GR, sex)
                    pd.testing.assert_frame_equal(own, other, check_exact=True)
                    if own["value"].notna().sum() > 10:
                        with_values.add(indicator_id)
        assert "N03920" in with_values
