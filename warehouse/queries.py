"""Read-only queries the dashboard and the CLI ask of the marts. No streamlit here.

Every function takes a DuckDB connection (or cursor) first; parameters are bound with ``?``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from transforms import areas as area_rules
from transforms import bounds, monthly
from transforms.catalogue import (
    Indicator,
    indicator_from_row,
    load_catalogue,
    monthly_marts,
)
from transforms.duck import sql_identifier

Con = duckdb.DuckDBPyConnection

INDICATOR_COLUMNS = """indicator_id, label, unit, short_unit, decimals, groups, aggregation,
    weight_ids, weight_label, weight_exact, note, breaks_year, breaks_label, breaks_period,
    title, definition, source, producer, has_sex, first_year, last_year, fetched_at, frequency, mart, numerator,
    denominator, kommun_value, scale, source_ids, dimensions, first_period, last_period"""
REVISION_COLUMNS = ["seen_at", "indicator_id", "area_id", "kommun_code", "period", "sex", "dims",
                    "old_value", "new_value", "old_table_id", "new_table_id", "old_published",
                    "new_published"]
REVISION_SUMMARY_COLUMNS = ["seen_at", "indicator_id", "n_values", "n_kommuner",
                            "first_period", "last_period", "old_published", "new_published"]
MONTHLY_COLUMNS = ["period", "value", "n_expected", "n_reporting", "status", "is_preliminary",
                   "table_id", "band", "is_computed", "numerator", "denominator",
                   "is_lower_bound", "n_masked"]


@dataclass(frozen=True)
class Area:
    """A place the dashboard can show: a kommun, an official area or a user group."""

    area_id: str
    kind: str
    name: str
    members: tuple[str, ...]
    vintage: str | None = None
    source: str | None = None

    @property
    def is_kommun(self) -> bool:
        """True for a single kommun."""
        return self.kind == "kommun"


class UnknownArea(LookupError):
    """An area id that names nothing in the warehouse."""


class UnknownIndicator(LookupError):
    """An indicator id that is not in the catalogue."""


def has_table(con: Con, name: str) -> bool:
    """True when ``schema.table`` exists in the warehouse."""
    schema, table = name.split(".")
    sql = "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
    return con.execute(sql, [schema, table]).fetchone()[0] > 0


def kommuner(con: Con) -> pd.DataFrame:
    """All kommuner: kommun_code, kommun_name, lan_code, lan_name, first_year (by name)."""
    sql = """select kommun_code, kommun_name, lan_code, lan_name, first_year
             from marts.kommun order by kommun_name collate sv"""
    try:
        return con.execute(sql).df()
    except duckdb.Error:  # collations need the ICU extension; fall back to plain order
        return con.execute(sql.replace(" collate sv", "")).df()


# the area picker's list: every area with its member count, in the picker's order. The build
# writes it into marts.area_list (warehouse.build, with kind None); ``areas`` reads that table
# with one plain select (~1.5 ms instead of ~6.5 ms of join, count and sort per uncached
# query, issue 12 point 7) and runs this statement itself on a warehouse built before the
# table. The members are counted per area_id before the join, not the joined rows grouped by
# six text columns (tests/test_queries_areas.py)
AREA_LIST = """select a.area_id, a.area_kind, a.area_code, a.area_name, a.vintage, a.source,
                      coalesce(m.n, 0) as n_members
               from marts.area a left join (select area_id, count(kommun_code) as n
                                            from marts.area_member group by area_id) m
                    using (area_id)
               where (? is null or a.area_kind = ?)
               order by case a.area_kind when 'riket' then 0 when 'lan' then 1 when 'la' then 2
                        when 'fa' then 3 when 'kommungrupp' then 4 else 5 end,
                        try_cast(a.area_code as integer) nulls last, a.area_code"""


def areas(con: Con, kind: str | None = None) -> pd.DataFrame:
    """Areas with their member count: area_id, area_kind, area_code, area_name, n_members."""
    # no order by: the table holds the rows in AREA_LIST's order and a plain scan gives them
    # in that order (DuckDB keeps the insertion order unless preserve_insertion_order is
    # turned off, which no reader does); a sort here cost ~0.7 ms
    sql = """select area_id, area_kind, area_code, area_name, vintage, source, n_members
             from marts.area_list where (? is null or area_kind = ?)"""
    try:  # asked by failing, as indicators: one statement less
        return con.execute(sql, [kind, kind]).df()
    except duckdb.CatalogException:  # a warehouse built before marts.area_list
        return con.execute(AREA_LIST, [kind, kind]).df()


def area(con: Con, area_id: str) -> Area:
    """One official area (or kommun) with its members; raises UnknownArea."""
    row = con.execute("select area_id, area_kind, area_name, vintage, source from marts.area "
                      "where area_id = ?", [area_id]).fetchone()
    if row is None:
        raise UnknownArea(area_id)
    members = [r[0] for r in con.execute(
        "select kommun_code from marts.area_member where area_id = ? order by kommun_code",
        [area_id]).fetchall()]
    return Area(row[0], row[1], row[2], tuple(members), row[3], row[4])


def member_areas(con: Con, kommun_code: str) -> pd.DataFrame:
    """The official areas a kommun belongs to: area_id, area_kind, area_name."""
    sql = """select a.area_id, a.area_kind, a.area_name from marts.area a
             join marts.area_member m using (area_id)
             where m.kommun_code = ? and a.area_kind not in ('kommun', 'riket')
             order by case a.area_kind when 'lan' then 1 when 'la' then 2 when 'fa' then 3
                      else 4 end"""
    return con.execute(sql, [kommun_code]).df()


def kommun_names(con: Con, codes: list[str]) -> list[str]:
    """Names for kommun codes, in the order given."""
    rows = dict(con.execute("select kommun_code, kommun_name from marts.kommun "
                            "where list_contains(?, kommun_code)", [codes]).fetchall())
    return [rows.get(c, c) for c in codes]


def lan_comparison(con: Con, area_obj: Area) -> area_rules.LanChoice:
    """The län an area's charts draw beside it and the note saying why
    (``transforms.areas.lan_comparison``, the one rule), from the members' names and their
    population of the kind the population shares use (indicators.yml's
    ``areas.COMPARISON_POPULATION``, 16–64 år: N01954 + N01955, sex T, every year)."""
    if area_obj.kind in ("lan", "riket"):
        return area_rules.LanChoice()
    members = list(dict.fromkeys(area_obj.members))
    # plain rows into small frames: .df() cost ~3 ms a statement here
    kommuner = pd.DataFrame(con.execute(
        "select kommun_code, kommun_name, lan_name from marts.kommun "
        "where list_contains(?, kommun_code)", [members]).fetchall(),
        columns=["kommun_code", "kommun_name", "lan_name"])
    weight = load_catalogue()["weights"][area_rules.COMPARISON_POPULATION]
    population = pd.DataFrame(columns=["kommun_code", "year", "population"])
    if area_rules.needs_population(area_obj):  # a kommun or an area in one län: codes decide
        ids = [str(i) for i in weight["ids"]]
        population = pd.DataFrame(con.execute(
            """select kommun_code, year, sum(value) as population
               from marts.observation_kommun_year
               where list_contains(?, indicator_id) and sex = 'T' and value is not null
                 and list_contains(?, kommun_code)
               group by kommun_code, year having count(distinct indicator_id) = ?""",
            [ids, members, len(ids)]).fetchall(), columns=population.columns)
    return area_rules.lan_comparison(area_obj, kommuner, population,
                                     population_label=str(weight["label"]))


def indicators(con: Con, group: str | None = None) -> list[Indicator]:
    """The catalogue (optionally one target group's), in catalogue order."""
    sql = f"""select {INDICATOR_COLUMNS}, better, weight_series from marts.indicator
              where ? is null or list_contains(groups, ?)"""
    try:  # asked by failing, not by reading the columns first: one statement less
        cur = con.execute(sql, [group, group])
    except duckdb.BinderException:  # a warehouse built before ``better`` or ``weight_series``
        # were carried into marts.indicator: the Indicator reads ``better`` from
        # indicators.yml, and weights by indicator id (see _weights_from)
        cur = con.execute("""select * from marts.indicator
                             where ? is null or list_contains(groups, ?)""", [group, group])
    return [indicator_from_row(r) for r in _records(cur)]


def _records(cur: Con) -> list[dict]:
    """The rows of an executed statement as dicts of Python values (a third of the time of
    ``.df().to_dict('records')``, and ``indicator_from_row`` reads plain values faster)."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def indicator(con: Con, indicator_id: str) -> Indicator:
    """One indicator's metadata (the id in any case); raises UnknownIndicator."""
    sql = f"""select {INDICATOR_COLUMNS}, better, weight_series from marts.indicator
              where lower(indicator_id) = lower(?)"""
    try:  # as indicators: asked by failing
        cur = con.execute(sql, [indicator_id])
    except duckdb.BinderException:  # an older warehouse (see indicators)
        cur = con.execute("""select * from marts.indicator
                             where lower(indicator_id) = lower(?)""", [indicator_id])
    rows = _records(cur)
    if not rows:
        raise UnknownIndicator(indicator_id)
    return indicator_from_row(rows[0])


def kommun_series(con: Con, indicator_id: str, kommun_code: str, sex: str = "T") -> pd.DataFrame:
    """One kommun's series: year, value, status (grain: year)."""
    sql = """select year, value, status from marts.observation_kommun_year
             where indicator_id = ? and kommun_code = ? and sex = ? order by year"""
    return con.execute(sql, [indicator_id, kommun_code, sex]).df()


def area_series_many(con: Con, inds: list[Indicator], area_obj: Area,
                     sex: str = "T") -> dict[str, pd.DataFrame]:
    """``area_series`` of many annual indicators for one kommun or official area, read in one
    statement (a page's tab asked for each apart: one scan of the observations per chart,
    issue 9 point 8): indicator id -> the frame ``area_series`` gives, dtypes included
    (tests/test_pages_batch.py). Monthly indicators and user groups are not read here (their
    series have rules of their own): ask ``area_series`` for those."""
    ids = list(dict.fromkeys(i.id for i in inds if not i.is_monthly))
    if area_obj.kind == "group" or not ids:
        return {}
    if area_obj.is_kommun:
        sql = """select indicator_id, year, value, status from marts.observation_kommun_year
                 where list_contains(?, indicator_id) and kommun_code = ? and sex = ?
                 order by indicator_id, year"""
        key = area_obj.members[0]
    else:
        # is_lower_bound as official_area_series gives it (a 'sum' indicator's partial value)
        sql = """select indicator_id, year, value, n_expected, n_reporting, status,
                        coalesce(status = 'partial', false)
                        and list_contains(?, indicator_id) as is_lower_bound
                 from marts.area_indicator_year
                 where list_contains(?, indicator_id) and area_id = ? and sex = ?
                 order by indicator_id, year"""
        key = area_obj.area_id
    sums = [i.id for i in inds if i.aggregation == "sum"]
    rows = con.execute(sql, [ids, key, sex] if area_obj.is_kommun else
                       [sums, ids, key, sex]).df()
    if area_obj.is_kommun:  # as area_series gives a kommun's: one member, reporting if valued
        rows = rows.assign(n_expected=1, n_reporting=rows["value"].notna().astype(int))
        return _split(rows, ids)
    by_id = {i.id: i for i in inds}
    return {key: _with_covered_shares(con, by_id[key], area_obj, sex, df)
            for key, df in _split(rows, ids).items()}


def _split(rows: pd.DataFrame, ids: list[str]) -> dict[str, pd.DataFrame]:
    """``rows`` cut by indicator, in their order, without the id column, each indexed from 0
    as a query of its own gives it (an id without rows: no rows, the same columns)."""
    at = rows.groupby("indicator_id", sort=False).indices
    body = rows.drop(columns="indicator_id")
    text = [c for c in body.columns if isinstance(body[c].dtype, pd.StringDtype)]
    none = np.array([], dtype=np.intp)
    out = {}
    for i in ids:
        part = body.take(at.get(i, none)).reset_index(drop=True)
        for column in text:  # DuckDB gives a text column without a value as objects (None)
            if not part[column].notna().any():
                part[column] = pd.Series([None] * len(part), dtype=object)
        out[i] = part
    return out


def published_series_many(con: Con, indicator_ids: list[str], area_id: str,
                          sex: str = "T") -> dict[str, pd.DataFrame]:
    """``published_series`` of many indicators for one area in one statement: indicator id ->
    the frame ``published_series`` gives."""
    ids = list(dict.fromkeys(indicator_ids))
    sql = """select indicator_id, year, value from marts.published_area_year
             where list_contains(?, indicator_id) and area_id = ? and sex = ?
               and value is not null
             order by indicator_id, year"""
    return _split(con.execute(sql, [ids, area_id, sex]).df(), ids)


def official_area_series(con: Con, indicator_id: str, area_id: str, sex: str = "T", *,
                         is_sum: bool = False) -> pd.DataFrame:
    """A precomputed official area's series: year, value, n_expected, n_reporting, status,
    is_lower_bound (``is_sum``, the indicator's rule is 'sum': True where the value is
    'partial', a count without some members, as areas.mark_partial_sums; else False)."""
    sql = """select year, value, n_expected, n_reporting, status,
                    coalesce(status = 'partial', false) and ? as is_lower_bound
             from marts.area_indicator_year
             where indicator_id = ? and area_id = ? and sex = ? order by year"""
    return con.execute(sql, [is_sum, indicator_id, area_id, sex]).df()


def _member_frame(con: Con, ids: list[str], kommun_codes: list[str]) -> pd.DataFrame:
    sql = """select indicator_id, kommun_code, year, sex, value
             from marts.observation_kommun_year
             where list_contains(?, indicator_id) and list_contains(?, kommun_code)"""
    return con.execute(sql, [ids, kommun_codes]).df()


# A member set's yearly series by the rules of transforms.areas.aggregate (which computes the
# official areas at build time; tests/test_group_sql.py holds the two equal for every annual
# indicator): every member × every year the indicator has for this sex; a member reports when it
# has a value (and, for 'weighted', a weight > 0: its own sex's, else the total's where the
# weights are not split by this sex); it is expected when it reports or existed that year; below
# MIN_COVERAGE withheld. One plain statement (the indicator's rows, the members' first years and
# weights) and numpy over the small member × year grid: one statement doing it all in SQL took 15-20 ms on
# this machine, most of it planning its CTEs and scanning the tables twice (issue 12 point 7).


def computed_area_series(con: Con, ind: Indicator, members: list[str],
                         sex: str = "T") -> pd.DataFrame:
    """Any member set's series by the indicator's own rule (used for user groups): two plain
    statements and numpy for the annual rules (sum, weighted, none),
    ``transforms.areas.aggregate`` for anything else."""
    if not members:
        return pd.DataFrame(columns=["year", "value", "n_expected", "n_reporting", "status"])
    if ind.aggregation in {"sum", "weighted", "none"}:
        return _group_series_sql(con, ind, list(members), sex)
    return _group_series_pandas(con, ind, list(members), sex)


def _as_float(a) -> np.ndarray:
    """A fetched numeric column as float64 with NULL as NaN (plain numpy: the masked array's
    own astype and filled cost more than the rows here)."""
    out = np.array(np.ma.getdata(a), dtype="float64")
    out[np.ma.getmaskarray(a)] = np.nan
    return out


_WEIGHTS_BY_SERIES = "from marts.weight_series where series = ?"
_WEIGHTS_BY_ID = "from marts.indicator_weight where indicator_id = ?"


def _weights_from(ind: Indicator) -> str:
    """Where a weighted indicator's weights are read (kommun_code, year, sex, weight), as a
    ``from … where … = ?`` clause: by its series in marts.weight_series when the Indicator came
    from a warehouse that stores them so, else by its id in marts.indicator_weight (a view of
    the same rows since weights24; a table in older warehouses)."""
    return _WEIGHTS_BY_SERIES if ind.weight_series is not None else _WEIGHTS_BY_ID


def _weights_key(ind: Indicator) -> int | str:
    """The value ``_weights_from``'s ``?`` is bound to."""
    return ind.weight_series if ind.weight_series is not None else ind.id


def _weight_rows(ind: Indicator, sex: str) -> str:
    """``from … where …`` (its parameters: ``_weight_params``): the weight rows (kommun_code, year, weight) a
    weighted indicator's members carry for ``sex``, by the build's rule
    (transforms.areas.aggregate over every kommun's weights): this sex's weights where the
    indicator's weights are split by this sex anywhere, else the total's. Several rows of a
    kommun and year count as the largest. The one rule for a member set's series
    (``_group_series_sql`` and ``_group_shares``, inside its statement) and a like-for-like
    change (``member_values_weighted``) (review27 item 3)."""
    where = _weights_from(ind)
    if sex == "T":  # a plain filter the scan applies
        return where + " and sex = 'T'"
    return (where + " and sex = case when exists (select 1 " + where + " and sex = ?) "
            "then ? else 'T' end")


def _weight_params(ind: Indicator, sex: str) -> list:
    """The values ``_weight_rows``' placeholders are bound to, in order."""
    key = _weights_key(ind)
    return [key] if sex == "T" else [key, key, sex, sex]


@dataclass(frozen=True)
class _Grid:
    """``_member_grid``: years on offer; per member × year the value, weight (NaN: none),
    whether it reports, existed, or has a weight of 0; each member's multiplicity."""
    years: np.ndarray
    value: np.ndarray
    weight: np.ndarray
    rep: np.ndarray
    exists: np.ndarray
    zero: np.ndarray
    times: np.ndarray


def _member_grid(con: Con, ind: Indicator, members: list[str], sex: str) -> _Grid:
    """A member set's grid, member × year on offer, for the rules sum, weighted and none: the
    indicator's rows for this sex (every kommun's, for the years on offer), the members' first
    years and weights (``_weight_rows``) read with one plain statement (see above): what
    ``_group_series_sql`` sums and ``_group_shares`` weighs."""
    rule = ind.aggregation
    times_of = Counter(members)  # a code listed twice counts twice, as in a grid
    codes = list(times_of)
    times = np.array([times_of[c] for c in codes], dtype="float64")
    weighted = rule == "weighted"
    # one statement, two or three parts: 0 the indicator's rows (every kommun's: the years on
    # offer), 1 every kommun's first year, 2 every kommun's weights by _weight_rows (the rule
    # every weighted member value shares; a statement of their own cost ~2 ms more a series,
    # fixc27). A statement costs more here than the rows it reads. pos: the kommun's place
    # among the members (0: none). The members are picked here, not in SQL: a list parameter
    # as a filter (list_contains) is a hash join per part, dearer than the few thousand rows
    # it saves. The list parameter is typed by its binding (a list of str:
    # VARCHAR[]), not cast: each cast cost ~0.1 ms of planning
    sql = """select 0 as part, coalesce(list_position(?, kommun_code), 0) as pos, year, value
             from marts.observation_kommun_year where indicator_id = ? and sex = ?
             union all
             select 1, coalesce(list_position(?, kommun_code), 0), first_year, null
             from marts.kommun"""
    params = [codes, ind.id, sex, codes]
    if weighted:
        sql += """
             union all
             select 2, coalesce(list_position(?, kommun_code), 0), year, weight """ \
            + _weight_rows(ind, sex)
        params += [codes, *_weight_params(ind, sex)]
    got = con.execute(sql, params).fetchnumpy()
    pos = np.ma.filled(got["pos"], 0).astype("int64") - 1
    part = np.ma.filled(got["part"])
    year = np.ma.filled(got["year"], 0).astype("int64")
    # the years on offer: every kommun's observations; a sorted unique of small integers
    years = year[part == 0]
    if len(years):
        low = int(years.min())
        years = np.flatnonzero(np.bincount(years - low)) + low
    n, ny = len(codes), len(years)
    # from here on only the members' rows (a few hundred of the ~10 000 fetched)
    mine = pos >= 0
    pos, part, year = pos[mine], part[mine], year[mine]
    number = _as_float(got["value"][mine])
    col = np.full(len(year), -1, dtype="int64")
    if ny:  # each row's place among the years on offer (-1: not on offer)
        place = np.full(int(years[-1]) - int(years[0]) + 1, -1, dtype="int64")
        place[years - years[0]] = np.arange(ny)
        inside = (year >= years[0]) & (year <= years[-1])
        col[inside] = place[year[inside] - years[0]]
    value = np.full((n, ny), np.nan)
    obs = part == 0
    value[pos[obs], col[obs]] = number[obs]
    starts = np.full(n, np.nan)
    first = part == 1
    starts[pos[first]] = year[first]
    weight = np.ones((n, ny))
    if weighted:  # one weight a member and year, the largest (NaN: none)
        rows = (part == 2) & (col >= 0)
        weight = np.full((n, ny), np.nan)
        np.fmax.at(weight, (pos[rows], col[rows]), number[rows])
    with np.errstate(invalid="ignore"):
        rep = ~np.isnan(value) & ((rule != "weighted") | (weight > 0))
        exists = np.isnan(starts)[:, None] | (years[None, :] >= starts[:, None])
        # a weight of 0: nothing to be a share of, so not missing (transforms.areas.aggregate)
        zero = weighted & (weight == 0) & ~rep
    return _Grid(years, value, weight, rep, exists, zero, times)


def _group_series_sql(con: Con, ind: Indicator, members: list[str], sex: str) -> pd.DataFrame:
    """A member set's yearly series by the rules sum, weighted and none: ``_member_grid``
    summed in numpy per year."""
    rule = ind.aggregation
    g = _member_grid(con, ind, members, sex)
    years, value, weight, rep, times = g.years, g.value, g.weight, g.rep, g.times
    exists, zero = g.exists, g.zero
    n_exp = ((rep | (exists & ~zero)) * times[:, None]).sum(axis=0)
    n_rep = (rep * times[:, None]).sum(axis=0)
    wv = (np.where(rep, value * weight, 0.0) * times[:, None]).sum(axis=0)
    wsum = (np.where(rep, weight, 0.0) * times[:, None]).sum(axis=0)
    keep = n_exp > 0
    years, n_exp, n_rep, wv, wsum = years[keep], n_exp[keep], n_rep[keep], wv[keep], wsum[keep]
    if rule == "sum":
        out_value = wv
    elif rule == "weighted":
        with np.errstate(invalid="ignore", divide="ignore"):
            out_value = wv / np.where(wsum > 0, wsum, np.nan)
    else:
        out_value = np.full(len(years), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = n_rep / n_exp
    withheld = (rule == "none") | (n_rep == 0) | (coverage < area_rules.MIN_COVERAGE)
    status = [("withheld" if wh else "partial" if r < e else None)
              for wh, r, e in zip(withheld, n_rep, n_exp, strict=True)]
    return pd.DataFrame({"year": years, "value": np.where(withheld, np.nan, out_value),
                         "n_expected": n_exp.astype("int32"),
                         "n_reporting": n_rep.astype("int32"),
                         "status": pd.Series(status, dtype=object)})


def _group_series_pandas(con: Con, ind: Indicator, members: list[str],
                         sex: str = "T") -> pd.DataFrame:
    """The same through ``transforms.areas.aggregate`` (any rule)."""
    # the years on offer are the indicator's years anywhere, so a year in which no member
    # reports still appears (withheld) instead of silently vanishing
    years = con.execute("""select distinct year from marts.observation_kommun_year
                           where indicator_id = ? and sex = ?""", [ind.id, sex]).df()
    members_df = pd.DataFrame({"area_id": "group", "kommun_code": members})
    if years.empty:
        # no value of this sex anywhere, so none of the members' either: aggregate's empty
        # answer, without reading values, weights and first years it would not look at
        # (three statements, ~13 ms; tests/test_group_sql.py asks for ~250 such series)
        none = pd.DataFrame(columns=["kommun_code", "year", "sex", "value"])
        out = area_rules.aggregate(none, members_df, rule=ind.aggregation,
                                   first_year=pd.Series(dtype="float64"),
                                   weights=none if ind.aggregation == "weighted" else None)
        return out.drop(columns=["area_id", "sex"])
    values = _member_frame(con, [ind.id], members)
    values = values[values["sex"] == sex]
    weights = None
    if ind.aggregation == "weighted":  # the same stored weights the official areas use
        weights = con.execute("select kommun_code, year, sex, weight " + _weights_from(ind)
                              + " and list_contains(?, kommun_code)",
                              [_weights_key(ind), members]).df()
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    out = area_rules.aggregate(_with_years(values, years, sex), members_df, rule=ind.aggregation,
                               first_year=first.set_index("kommun_code")["first_year"],
                               weights=weights)
    return out.drop(columns=["area_id", "sex"])


def _with_years(values: pd.DataFrame, years: pd.DataFrame, sex: str) -> pd.DataFrame:
    """Ensure every year of the indicator appears, so members with no data count as missing."""
    have = set(values["year"])
    extra = [y for y in years["year"] if y not in have]
    if not extra:
        return values[["kommun_code", "year", "sex", "value"]]
    filler = pd.DataFrame({"kommun_code": "__none__", "year": extra, "sex": sex, "value": None})
    return pd.concat([values[["kommun_code", "year", "sex", "value"]], filler], ignore_index=True)


def area_series(con: Con, ind: Indicator, area_obj: Area, sex: str = "T") -> pd.DataFrame:
    """Series for any area: year, value, n_expected, n_reporting, status (and for a count
    summed over an area, is_lower_bound: True where members are missing, so the true count
    is at least the value); for a monthly indicator ``monthly_series`` with the mart's
    default options (a ``period`` column)."""
    if ind.is_monthly:
        return monthly_series(con, ind, area_obj, sex)
    if area_obj.is_kommun:
        df = kommun_series(con, ind.id, area_obj.members[0], sex)
        return df.assign(n_expected=1, n_reporting=df["value"].notna().astype(int))
    # a sum over fewer members than expected is no area's count: at least this (numfix26)
    if area_obj.kind == "group":
        found = area_rules.mark_partial_sums(
            computed_area_series(con, ind, list(area_obj.members), sex), ind.aggregation)
    else:
        found = official_area_series(con, ind.id, area_obj.area_id, sex,
                                     is_sum=ind.aggregation == "sum")
    return _with_covered_shares(con, ind, area_obj, sex, found)


def covered_shares(con: Con, ind: Indicator, members: list[str], sex: str = "T"
                   ) -> pd.DataFrame:
    """year, covered_share: for a yearly indicator weighted by a population, the share of the
    members' weight (the weights the area's rate uses, ``_weight_rows``) that the members
    reporting that year carry (``_group_shares``; NaN where an expected member has no
    weight). Empty for any other rule (left27: "2 av 3 kommuner, 71 % av befolkningen 16–64
    år")."""
    if ind.aggregation != "weighted" or ind.is_monthly or not members:
        return pd.DataFrame({"year": pd.Series(dtype="int64"),
                             "covered_share": pd.Series(dtype="float64")})
    found = _group_shares(con, ind, list(members), sex)
    return pd.DataFrame({"year": found.index.to_numpy(dtype="int64"),
                         "covered_share": found.to_numpy(dtype="float64")})


def _group_shares(con: Con, ind: Indicator, members: list[str], sex: str) -> pd.Series:
    """The population share behind a partial rate of one member set, from ``_member_grid`` (the
    statement the series itself reads: ~0.1 ms of numpy instead of three reads and a pandas
    grid, ~15 ms, which put Översikt's area series over 10 ms a query): per year on offer,
    the share of the expected members' weight that the reporting ones carry; NaN where an
    expected member has no weight or the expected weigh nothing. Each member counts once."""
    return _group_cover(con, ind, members, sex, named=False)["covered_share"]


def _group_cover(con: Con, ind: Indicator, members: list[str], sex: str, *,
                 named: bool = True) -> pd.DataFrame:
    """``_group_shares`` as a frame indexed by year: covered_share and, with ``named``,
    missing_names (the expected members without a value that year, by name: what
    transforms.areas.coverage_label names, stop 28)."""
    codes = list(dict.fromkeys(members))
    g = _member_grid(con, ind, codes, sex)
    expected = g.rep | (g.exists & ~g.zero)
    share = area_rules.weight_share(expected, g.rep, g.weight, axis=0)
    out = pd.DataFrame({"covered_share": share.astype("float64")},
                       index=pd.Index(g.years.astype("int64"), name="year"))
    if named:
        lacking = expected & ~g.rep
        gone_codes = [c for c, gone in zip(codes, lacking.any(axis=1), strict=True) if gone]
        names = dict(zip(gone_codes, kommun_names(con, gone_codes), strict=True)) \
            if gone_codes else {}
        out["missing_names"] = [tuple(names[c] for c, gone in zip(codes, col, strict=True)
                                      if gone) for col in lacking.T]
    return out


def _with_covered_shares(con: Con, ind: Indicator, area_obj: Area, sex: str,
                         series: pd.DataFrame) -> pd.DataFrame:
    """An area's yearly ``series`` with ``covered_share`` and ``missing_names`` where its
    weighted rate rests on some of the members (transforms.areas.with_shares, which also
    withholds a value whose members carry under half the population), so every reader of
    the series (card, chart, Jämför, downloads, deck) says the same "4 av 5 kommuner, 92 % av
    befolkningen 16–64 år" (review27 item 2); other series as they are."""
    if area_obj.is_kommun or not area_rules.needs_shares(ind.aggregation, series):
        return series
    found = _group_cover(con, ind, list(area_obj.members), sex)
    return area_rules.with_shares(series, found.reset_index())


def member_values(con: Con, indicator_id: str, members: list[str], sex: str = "T",
                  years: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Each member kommun's series (of ``years`` only when given): kommun_code, kommun_name,
    year, value, and first_year (the year the kommun first existed, from its population:
    Knivsta 2003)."""
    sql = """select o.kommun_code, k.kommun_name, o.year, o.value, k.first_year
             from marts.observation_kommun_year o join marts.kommun k using (kommun_code)
             where o.indicator_id = ? and o.sex = ? and list_contains(?, o.kommun_code)"""
    params: list = [indicator_id, sex, members]
    if years is not None:
        sql += " and list_contains(?, o.year)"
        params.append([int(y) for y in years])
    return con.execute(sql + " order by k.kommun_name, o.year", params).df()


def member_values_weighted(con: Con, ind: Indicator, members: list[str], sex: str = "T",
                           years: tuple[int, ...] | None = None) -> pd.DataFrame:
    """``member_values`` for a like-for-like change (bounds.like_for_like), of ``years`` only
    when given (a card's two years: a third of Riket's ~25 ms CPU for all of them): for a
    weighted indicator with each member's ``weight`` that year, the weight its area values are
    computed with (this sex's where the weights are split by sex, else the total's; NaN where
    the kommun has none), so the earlier year is recomputed with the same weights."""
    if ind.aggregation != "weighted":
        return member_values(con, ind.id, members, sex, years)
    # the values and their weights (``_weight_rows``, the largest of a kommun and year) in one
    # statement: two reads and a pandas merge put Riket's card at ~10 ms (Översikt's goal)
    sql = ("""select o.kommun_code, k.kommun_name, o.year, o.value, k.first_year, w.weight
              from marts.observation_kommun_year o join marts.kommun k using (kommun_code)
              left join (select kommun_code, year, max(weight) as weight """
           + _weight_rows(ind, sex) + """ group by kommun_code, year) w
                using (kommun_code, year)
              where o.indicator_id = ? and o.sex = ? and list_contains(?, o.kommun_code)""")
    params = [*_weight_params(ind, sex), ind.id, sex, members]
    if years is not None:
        sql += " and list_contains(?, o.year)"
        params.append([int(y) for y in years])
    return con.execute(sql + " order by k.kommun_name, o.year", params).df()


def kommun_values_many(con: Con, wanted: list[tuple[str, int]],
                       sex: str = "T") -> dict[tuple[str, int], pd.DataFrame]:
    """``kommun_values`` of several annual indicators, each in its own year, read in one
    statement (Översikt's ranked cards read them one by one: 12 statements on a kommun's
    first view): {(indicator_id, year): the frame ``kommun_values`` gives for it}, an empty
    frame for a pair without rows."""
    if not wanted:
        return {}
    pairs = list(dict.fromkeys((str(i), int(y)) for i, y in wanted))
    # one constant condition per pair, every value a parameter
    match = " or ".join(["(o.indicator_id = ? and o.year = ?)"] * len(pairs))
    sql = ("select o.indicator_id, o.year, o.kommun_code, k.kommun_name, o.value, o.status "
           "from marts.observation_kommun_year o join marts.kommun k using (kommun_code) "
           "where o.sex = ? and (" + match + ") "
           "order by o.indicator_id, o.year, o.kommun_code")
    rows = con.execute(sql, [sex, *(v for pair in pairs for v in pair)]).df()
    cols = ["kommun_code", "kommun_name", "value", "status"]
    found = {(str(i), int(y)): part[cols].reset_index(drop=True)
             for (i, y), part in rows.groupby(["indicator_id", "year"], sort=False)}
    # no rows: the frame a statement without rows gives (its text columns as objects)
    empty = rows[cols].iloc[0:0].astype({"kommun_code": object, "kommun_name": object,
                                         "status": object}).reset_index(drop=True)
    return {pair: found[pair] if pair in found else empty.copy() for pair in pairs}


def kommun_values(con: Con, ind: Indicator, period: str, sex: str = "T",
                  dims: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Every kommun's value of one indicator in one period (grain: kommun), for rankings.

    ``period`` is a year ('2022') for an annual indicator, a month ('2026-04') for a monthly
    one (read with ``dims``, default the mart's options, as ``monthly_series`` reads a single
    kommun: the source's published value where it has one). Columns: kommun_code,
    kommun_name, value (NaN where the kommun has no value or the source hides it as "<5"),
    status (the source's flag where it has one: Kolada's status text, 'masked' for "<5";
    else None); a monthly one also is_computed, as ``monthly_series`` flags a kommun's month
    (an option summed from the source's bands, e.g. 16–24 år, or no published value where
    the counts are there), and is_preliminary (the mart's flag: a preliminary table's month,
    any of the bands summed). Only kommuner the source has a row for are listed.
    """
    if not ind.is_monthly:
        sql = """select o.kommun_code, k.kommun_name, o.value, o.status
                 from marts.observation_kommun_year o join marts.kommun k using (kommun_code)
                 where o.indicator_id = ? and o.sex = ? and o.year = ?
                 order by o.kommun_code"""
        return con.execute(sql, [ind.id, sex, int(str(period)[:4])]).df()
    mart = monthly_marts()[ind.mart]
    out = pd.DataFrame(columns=["kommun_code", "kommun_name", "value", "status", "is_computed",
                                "is_preliminary"])
    if not has_table(con, mart["table"]):
        return out
    choices = monthly.choose(mart, dims or {}, indicator_id=ind.id)
    available = _monthly_available(con, ind, mart["table"], choices, sex)
    codes = [r[0] for r in con.execute("select kommun_code from marts.kommun").fetchall()]
    rows = _monthly_rows(con, ind, mart, choices, codes, sex, month=str(period)[:7])
    for name, choice in choices.items():
        rows = monthly.apply(rows, choice, available[name])
    if rows.empty:
        return out
    plain = not any(c.sum_of for c in choices.values())
    value, made = _kommun_month_value(ind, rows, plain)  # _kommun_monthly's rule (stop 28)
    value = value.where(~rows["masked"].astype(bool))  # "<5": no number, never 0 or 5
    names = dict(con.execute("select kommun_code, kommun_name from marts.kommun").fetchall())
    return pd.DataFrame({"kommun_code": rows["kommun_code"].to_numpy(),
                         "kommun_name": rows["kommun_code"].map(names).to_numpy(),
                         "value": value.astype(float).to_numpy(),
                         "status": np.where(rows["masked"].astype(bool), "masked", None),
                         "is_computed": made.astype(bool).to_numpy(),
                         # the mart's flag (TAB6260's month: preliminär), as monthly_series
                         # gives it to an area's row (stop 28: downloads said it there only)
                         "is_preliminary": rows["is_preliminary"].astype("boolean")
                         .fillna(False).astype(bool).to_numpy()}
                        ).sort_values("kommun_code").reset_index(drop=True)


def published_series(con: Con, indicator_id: str, area_id: str, sex: str = "T") -> pd.DataFrame:
    """The source's own published values for a län or Riket, when fetched: year, value."""
    sql = """select year, value from marts.published_area_year
             where indicator_id = ? and area_id = ? and sex = ? and value is not null
             order by year"""
    return con.execute(sql, [indicator_id, area_id, sex]).df()


def refresh_log(con: Con, limit: int = 200) -> pd.DataFrame:
    """Newest refresh log rows first: run_at, source, dataset, ok, message, mirror, url."""
    sql = """select run_at, source, dataset, ok, message, mirror, url from marts.refresh_log
             order by run_at desc, source, dataset limit ?"""
    return con.execute(sql, [limit]).df()


def data_dates(con: Con) -> tuple[str | None, str | None, bool]:
    """(newest fetch, newest build, whether that build fetched nothing), dates ISO UTC or None:
    when this build's newest snapshot was fetched from its source (marts.provenance, the date
    every chart's "Hämtad" cites), when the database was last built (the refresh log's
    'build' rows), and True when no fetch is logged between the build before it and it
    (``python -m warehouse build``: a rebuild of earlier fetched data). The footer's and Om
    data's dates (walk25: the footer called such a rebuild "Data senast uppdaterad"; review
    of phone25: a refresh crossing midnight was named a rebuild from the dates alone)."""
    fetched = con.execute("select max(fetched_at) from marts.provenance").fetchone()[0]
    built, before = con.execute(
        "select max(run_at), (select max(run_at) from marts.refresh_log where source = ? "
        "and dataset = ? and run_at < (select max(run_at) from marts.refresh_log "
        "where source = ? and dataset = ?)) from marts.refresh_log "
        "where source = ? and dataset = ?",
        ["build", "warehouse"] * 3).fetchone()
    if built is None:
        return fetched, None, False
    fetches = con.execute("select count(*) from marts.refresh_log where source <> ? "
                          "and run_at > ? and run_at < ?",
                          ["build", before or "", built]).fetchone()[0]
    return fetched, built, fetches == 0


def provenance(con: Con) -> pd.DataFrame:
    """Every snapshot in this build: source, dataset, fetched_at, url, n_files."""
    sql = """select source, dataset, fetched_at, url, n_files, snapshot from marts.provenance
             order by source, dataset"""
    return con.execute(sql).df()


def fetched_at(con: Con, source: str, dataset: str) -> str | None:
    """When a dataset's snapshot in this build was fetched (ISO UTC), or None."""
    row = con.execute("select fetched_at from marts.provenance where source = ? and dataset = ?",
                      [source, dataset]).fetchone()
    return row[0] if row else None


def _columns(con: Con, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute("select column_name from duckdb_columns() where schema_name = ? "
                       "and table_name = ?", [schema, name]).fetchall()
    return {r[0] for r in rows}


def _monthly_rows(con: Con, ind: Indicator, mart: dict, choices: dict[str, monthly.Choice],
                  members: list[str], sex: str, month: str | None = None) -> pd.DataFrame:
    """Kommun rows of a monthly mart for the members and one sex, then only the codes each
    choice reads; each dimension's column renamed to the dimension's name. ``masked`` says the
    source hid the numerator ("<5"); ``band_label`` is the row's own age band, where the mart
    keeps one (``band_column``). ``month`` ('YYYY-MM') reads that month only.
    ``source_status``: the source's mark (SCB's ``..``, ``.``, ``-``) on the first of the
    kommun value, numerator and denominator that is null and marked (the ``<measure><marks>``
    columns of a mart that declares ``marks`` in indicators.yml), else None."""
    mask = (mart.get("masked") or {}).get(ind.numerator)
    optional = {c: alias for c, alias in ((mask, "masked"), (mart.get("band_column"),
                                                             "band_label")) if c}
    columns = list(dict.fromkeys([c.column for c in choices.values()] + list(optional)))
    suffix = mart.get("marks")  # declared in indicators.yml: no catalogue query per call
    marked = [(c, c + suffix) for c in dict.fromkeys(
        [ind.kommun_value, ind.numerator, ind.denominator]) if c and suffix]
    status = ("coalesce(" + ", ".join(
        f"case when {sql_identifier(c)} is null then {sql_identifier(flag)} end"
        for c, flag in marked) + ", null)") if marked else "null"
    sql = f"""select kommun_code, period, {sql_identifier(*columns)},
                     {sql_identifier(ind.numerator)} as numerator,
                     {sql_identifier(ind.denominator or ind.numerator)} as denominator,
                     {sql_identifier(ind.kommun_value)} as kommun_value, is_preliminary,
                     table_id, source_updated, """ + status + f"""::varchar as source_status
              from {sql_identifier(mart["table"])}
              where list_contains(?, kommun_code) and sex = ?
              and (?::varchar is null or strftime(period, '%Y-%m') = ?)"""
    rows = con.execute(sql, [members, sex, month, month]).df()
    for column, alias in optional.items():
        rows[alias] = rows[column]
    rows["masked"] = rows["masked"].fillna(False).astype(bool) if mask else False
    if not ind.denominator:
        rows["denominator"] = np.nan
    for choice in choices.values():
        rows = rows[rows[choice.column].isin(choice.codes)]
    drop = [c for c in optional if c not in {ch.column for ch in choices.values()}]
    return rows.drop(columns=drop).rename(
        columns={c.column: c.dim for c in choices.values()}).reset_index(drop=True)


def _unallocated(con: Con, ind: Indicator, mart: dict, choices: dict[str, monthly.Choice],
                 area_obj: Area, sex: str, available: dict[str, pd.DataFrame]
                 ) -> pd.DataFrame | None:
    """Counts of a län or Riket that belong to no kommun (the mart's ``unallocated`` table,
    e.g. Arbetsförmedlingen's "Uppgift saknas" rows): period, value, masked; None where the
    area is not a län or Riket, or the table lacks the indicator's numerator."""
    spec = mart.get("unallocated")
    if not spec or area_obj.kind not in {"lan", "riket"} or not has_table(con, spec["table"]):
        return None
    present = _columns(con, spec["table"])
    if ind.numerator not in present:
        return None  # e.g. the labour force: rows with unknown kommun carry none
    mask = (mart.get("masked") or {}).get(ind.numerator)
    mask = mask if mask in present else None
    columns = list(dict.fromkeys([c.column for c in choices.values()]
                                 + ([mask] if mask else [])))
    sql = f"""select period, {sql_identifier(spec["lan_column"])} as lan_code,
                     {sql_identifier(*columns)}, {sql_identifier(ind.numerator)} as numerator,
                     table_id
              from {sql_identifier(spec["table"])} where sex = ?"""
    rows = con.execute(sql, [sex]).df()
    if area_obj.kind == "lan":
        rows = rows[rows["lan_code"] == area_obj.area_id.partition(":")[2]]
    rows = rows.assign(kommun_code="__unallocated__", denominator=np.nan, kommun_value=np.nan,
                       is_preliminary=False, source_updated=None,
                       masked=rows[mask].fillna(False).astype(bool) if mask else False)
    rows = rows.drop(columns=["lan_code"] + ([mask] if mask and mask not in {
        c.column for c in choices.values()} else []))
    for choice in choices.values():
        rows = rows[rows[choice.column].isin(choice.codes)]
    rows = rows.rename(columns={c.column: c.dim for c in choices.values()})
    for name, choice in choices.items():
        rows = monthly.apply(rows, choice, available[name])
    out = _unallocated_by_month(rows)
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    return out.assign(area_id="area", sex=sex)


def _unallocated_by_month(rows: pd.DataFrame) -> pd.DataFrame:
    """Per ``period`` (sorted): ``value``, the sum of ``numerator`` (null where any count is
    null), ``masked``, whether any row is, and ``extra_table_id``, the rows' ``table_id``
    joined by '+', sorted, each once. In columns: the named aggregation with two lambdas it
    replaces cost ~6 ms of a ~22 ms call (tests/test_af_monthly.py)."""
    by = rows.groupby("period", sort=True)
    out = by["numerator"].sum().to_frame("value")
    out.loc[rows["numerator"].isna().groupby(rows["period"]).any(), "value"] = np.nan
    out["masked"] = by["masked"].any()
    files = rows[["period"]].assign(t=rows["table_id"].map(str)).drop_duplicates()
    out["extra_table_id"] = files.sort_values(["period", "t"]).groupby("period")["t"].agg(
        "+".join)
    return out.reset_index()


def _monthly_cells(con: Con, ind: Indicator, table: str, choices: dict[str, monthly.Choice],
                   sex: str) -> list[tuple]:
    """The distinct (period, code of each choice's column…) cells any kommun has a value for,
    every column among its choice's codes (raises duckdb.CatalogException without the mart)."""
    columns = [c.column for c in choices.values()]
    # every dimension keeps the cells whose codes are all among the choices' codes: one filter,
    # done in SQL (the full distinct set is ~10× larger and was filtered in pandas)
    sql = f"""select distinct period, {sql_identifier(*columns)}
              from {sql_identifier(table)}
              where sex = ? and {sql_identifier(ind.numerator)} is not null""" + "".join(
        f" and list_contains(?, {sql_identifier(c.column)})" for c in choices.values())
    return con.execute(sql, [sex, *[list(c.codes) for c in choices.values()]]).fetchall()


def _pairs(choices: dict[str, monthly.Choice], cells: list[tuple]) -> dict[str, list[tuple]]:
    """Per dimension: its sorted distinct (period, code) pairs among ``cells``."""
    return {name: sorted({(cell[0], cell[i]) for cell in cells})
            for i, name in enumerate(choices, start=1)}


def _monthly_available(con: Con, ind: Indicator, table: str, choices: dict[str, monthly.Choice],
                       sex: str) -> dict[str, pd.DataFrame]:
    """Per dimension: the (period, code) pairs any kommun has a value for, the others fixed."""
    return _available_frames(choices, _monthly_cells(con, ind, table, choices, sex))


def _available_frames(choices: dict[str, monthly.Choice], cells: list[tuple]
                      ) -> dict[str, pd.DataFrame]:
    """``_monthly_available`` from its cells (a few hundred rows: plain Python, no pandas)."""
    return _frames_of(_pairs(choices, cells))


def _frames_of(pairs: dict[str, list[tuple]]) -> dict[str, pd.DataFrame]:
    """``_available_frames`` from the pairs of each dimension (``_pairs``)."""
    return {name: pd.DataFrame({
        "period": np.array([p for p, _ in found], dtype="datetime64[us]"),
        "code": pd.Series([c for _, c in found], dtype="str")})
        for name, found in pairs.items()}


def _pairs_of(choices: dict[str, monthly.Choice], day: np.ndarray, sched: np.ndarray
              ) -> dict[str, list[tuple]]:
    """``_pairs`` from the rows of every kommun that have a count: ``day`` their months
    (datetime64[D]), ``sched`` their scheduled choice's code as its place in the choice's
    codes (1, 2, …). A plain choice's code is its option on every row (the rows were read so)."""
    out = {}
    for name, choice in choices.items():
        if choice.schedule:
            base = len(choice.codes) + 1  # one key per (day, code): sched is 1 … len(codes)
            found = np.unique(day.astype("int64") * base + sched)
            # the days and the codes' places of all keys at once (one numpy datetime64 and
            # .item() per key: 0.32 -> 0.18 ms for Riket's 76 months)
            days = (found // base).astype("datetime64[D]").tolist()
            out[name] = sorted(zip(days, [choice.codes[i] for i in (found % base - 1).tolist()],
                                   strict=True))
        else:
            out[name] = [(d, choice.option) for d in np.unique(day).tolist()]
    return out


def monthly_like_for_like(con: Con, ind: Indicator, area_obj: Area, sex: str,
                          dims: dict[str, str | None] | None, now: str,
                          then: str) -> bounds.LikeForLike | None:
    """An area's monthly value in the months ``now`` and ``then`` ('2026-04-01') over the
    member kommuner with a value in both (stop 27): the area's own rule over that member set
    (``monthly_series`` of the members as a group: Σ numerator / Σ denominator for a share),
    as bounds.LikeForLike; None when no member has both or the set's value is
    not whole in either month. The unallocated counts a län adds (unknown kommun) are left
    out of both months alike."""
    names = set(area_obj.members)
    valued = []
    for month in (now, then):
        rows = kommun_values(con, ind, month[:7], sex, dims)
        valued.append(set(rows.loc[rows["value"].notna(), "kommun_code"]) & names)
    both = tuple(code for code in area_obj.members if code in valued[0] & valued[1])
    if not both:
        return None
    series = monthly_series(con, ind, Area("like", "group", "", both), sex, dims)
    at = series.assign(month=pd.to_datetime(series["period"]).dt.strftime("%Y-%m"))
    found = []
    for month in (now, then):
        row = at[at["month"] == month[:7]]
        if row.empty or pd.isna(row["value"].iloc[0]) or row["status"].iloc[0] is not None \
                or bool(row["is_lower_bound"].iloc[0]):
            return None
        found.append(float(row["value"].iloc[0]))
    return bounds.LikeForLike(found[0], found[1], len(both))


def monthly_series(con: Con, ind: Indicator, area_obj: Area, sex: str = "T",
                   dims: dict[str, str | None] | None = None) -> pd.DataFrame:
    """One row per month for any area (kommun, län, Riket, LA, FA, kommungrupp, user group).

    Columns: period (DATE, first day), value, n_expected, n_reporting, status (None /
    'partial' / 'withheld', as transforms.areas; 'masked' for a kommun whose count the source
    hides as "<5"), is_preliminary, table_id (the source tables of the values), band (the age
    band used that month: the option, or the band the source states per row where the mart
    keeps one), is_computed (the value was computed from kommun counts, not published by the
    source), numerator, denominator (the sums), is_lower_bound (a sum that includes a hidden
    "<5" count, a count the source cannot give, or a sum of counts over fewer members than
    expected: the true value is at least this), n_masked.
    A län and Riket add the mart's ``unallocated`` counts (rows with unknown kommun); every
    other area is formed from its kommuner only. ``dims`` maps the mart's dimensions to options
    (default: the mart's). Raises monthly.DimensionError for an option the indicator lacks.
    """
    mart = monthly_marts()[ind.mart]
    choices = monthly.choose(mart, dims or {}, indicator_id=ind.id)
    try:  # the mart is missing when its source was never fetched (asked by failing: one
        # statement less)
        if not area_obj.is_kommun and _sql_monthly_fits(ind, choices):
            reporting: dict = {}
            found = _area_monthly_sql(con, ind, mart, choices, area_obj, sex, reporting)
            if found is not None:
                return _with_monthly_shares(con, ind, mart, choices, area_obj, sex, found,
                                            reporting=reporting.get("rows"))
        cells = _monthly_cells(con, ind, mart["table"], choices, sex)
    except duckdb.CatalogException:
        if has_table(con, mart["table"]):  # another table is missing: a defect, not "no data
            raise  # yet" (a missing column is a BinderException, never caught here)
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    available = _available_frames(choices, cells)
    months = _months(choices, available)
    found = _monthly_series_pandas(con, ind, mart, choices, area_obj, sex, available, months)
    return found if area_obj.is_kommun else \
        _with_monthly_shares(con, ind, mart, choices, area_obj, sex, found, available)


def _with_monthly_shares(con: Con, ind: Indicator, mart: dict,
                         choices: dict[str, monthly.Choice], area_obj: Area, sex: str,
                         series: pd.DataFrame,
                         available: dict[str, pd.DataFrame] | None = None, *,
                         reporting: pd.DataFrame | None = None) -> pd.DataFrame:
    """An area's monthly ``series`` with covered_share and missing_names on its partial
    months and the population rule applied (transforms.areas.with_shares, as a yearly
    weighted rate's; stop 28): the share of the expected members' population (the mart's
    ``coverage_weight``, by the latest year up to the month's) that the members reporting
    that month carry (``reporting``: kommun_code, period of each, as the SQL path found
    them; else read here as the pandas path reads them). Read only where a month is partial;
    a series without a partial month, or a mart without a coverage_weight, as it is."""
    spec = load_catalogue()["weights"].get(mart.get("coverage_weight"))
    partial = series["status"].eq("partial").to_numpy(dtype=bool) if len(series) else \
        np.zeros(0, dtype=bool)
    if spec is None or not partial.any():
        return series
    members = list(dict.fromkeys(area_obj.members))
    if reporting is None:
        if available is None:
            available = _available_frames(choices, _monthly_cells(con, ind, mart["table"],
                                                                   choices, sex))
        rows = _monthly_rows(con, ind, mart, choices, members, sex)
        for name, choice in choices.items():
            rows = monthly.apply(rows, choice, available[name])
        masked = rows["masked"].astype("boolean").fillna(False).astype(bool) \
            if "masked" in rows else False
        rep = (rows["numerator"].notna() | masked) & (
            (ind.aggregation == "sum") | (rows["denominator"] > 0))
        reporting = rows.loc[rep, ["kommun_code", "period"]]
    told = series.loc[series["status"].isin(["partial", "withheld"]), "period"]
    first, population, names = _cover_inputs(con, list(spec["ids"]), members, sex)
    shares = area_rules.member_shares(reporting, members, told, first, population, names)
    return area_rules.with_shares(series, shares, time="period")


def _cover_inputs(con: Con, ids: list[str], members: list[str], sex: str
                  ) -> tuple[pd.Series, pd.DataFrame, dict[str, str]]:
    """The members' first years, population (kommun_code, year, weight: the sum of the
    population series ``ids`` per member and year, a year lacking one of them without a
    row, as areas.combine_weights; this sex's where the series are split by it, else the
    total's) and names, read in one statement (three cost ~2 ms more)."""
    # ``in (?, …)``, not list_contains: an equality the scan prunes by the marts' indicator
    # order (list_contains read every row: ~8 ms a series)
    ids = list(dict.fromkeys(ids))
    among = "indicator_id in (" + ", ".join("?" for _ in ids) + ")"
    which = "sex = 'T'" if sex == "T" else (
        "sex = case when exists (select 1 from marts.observation_kommun_year where " + among
        + " and sex = ?) then ? else 'T' end")
    # summed here, not by a group by (~4 ms of the statement's ~6)
    sql = """select 0 as part, kommun_code, null::integer as year, first_year::double as w,
                    kommun_name as name from marts.kommun where list_contains(?, kommun_code)
             union all
             select 1, kommun_code, year, value, indicator_id from marts.observation_kommun_year
             where """ + among + """ and list_contains(?, kommun_code)
               and value is not null and """ + which
    rows = con.execute(sql, [members, *ids, members, *([] if sex == "T" else [*ids, sex, sex])]
                       ).fetchall()
    first = pd.Series({k: w for part, k, _, w, _ in rows if part == 0}, dtype="float64")
    names = {k: n for part, k, _, _, n in rows if part == 0}
    sums: dict[tuple[str, int], list] = {}
    for part, k, y, w, kpi in rows:
        if part == 1:
            got = sums.setdefault((k, y), [0.0, set()])
            got[0] += w
            got[1].add(kpi)
    population = pd.DataFrame([(k, y, w) for (k, y), (w, seen) in sums.items()
                               if len(seen) == len(ids)],
                              columns=["kommun_code", "year", "weight"])
    return first, population, names


def _months_of(choices: dict[str, monthly.Choice], pairs: dict[str, list[tuple]]
               ) -> tuple[list[tuple], dict]:
    """``_months`` from plain (period, code) pairs: sorted (month, band) pairs, and the band
    of each month of the scheduled choice (empty without one)."""
    months, want = None, {}
    for name, choice in choices.items():
        if choice.schedule:
            want = monthly.bands_of(choice, pairs[name])
            months = list(want.items())
        elif months is None or name == "age":
            codes = set(choice.sum_of or choice.codes)
            have: dict = {}
            for period, code in pairs[name]:
                have.setdefault(period, set()).add(code)
            months = [(p, choice.option) for p, c in have.items() if codes <= c]
    return sorted(months or []), want


def _months(choices: dict[str, monthly.Choice], available: dict[str, pd.DataFrame]
            ) -> pd.DataFrame:
    """The months a choice has (period, band): a scheduled choice's months and bands, else
    the months where every code the option reads has a value somewhere."""
    months = None
    for name, choice in choices.items():
        if choice.schedule:
            used = monthly.bands_by_month(choice, available[name])
            months = pd.DataFrame({"period": list(used), "band": list(used.values())})
        elif months is None or name == "age":
            codes = set(choice.sum_of or choice.codes)
            have = available[name].groupby("period")["code"].agg(set)
            keep = [p for p, c in have.items() if codes <= c]
            months = pd.DataFrame({"period": keep, "band": choice.option})
    months = months if months is not None else pd.DataFrame(columns=["period", "band"])
    months["period"] = pd.to_datetime(months["period"]).astype("datetime64[ns]")
    return months


def _monthly_series_pandas(con: Con, ind: Indicator, mart: dict,
                           choices: dict[str, monthly.Choice], area_obj: Area, sex: str,
                           available: dict[str, pd.DataFrame], months: pd.DataFrame
                           ) -> pd.DataFrame:
    """``monthly_series`` through ``transforms.areas.aggregate`` (any area, any option): the
    reference the SQL statement of ``_area_monthly_sql`` is held equal to."""
    rows = _monthly_rows(con, ind, mart, choices, list(area_obj.members), sex)
    for name, choice in choices.items():
        rows = monthly.apply(rows, choice, available[name])
    months = months.copy()
    rows["period"] = pd.to_datetime(rows["period"]).astype("datetime64[ns]")
    if "band_label" in rows:  # the source states each row's age band (read from its file)
        stated = rows.dropna(subset=["band_label"]).groupby("period")["band_label"].agg(
            lambda b: " / ".join(sorted(set(map(str, b)))))
        months["band"] = months["period"].map(stated).fillna(months["band"])
    # a scheduled band is one of the source's own bands each month: its value is published;
    # a sum of bands (16–24) has no published value, so it is computed from the counts
    plain = not any(c.sum_of for c in choices.values())
    if months.empty:  # nothing in the data for this sex and these options
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    if area_obj.is_kommun:
        out = _kommun_monthly(ind, rows, months, plain)
    else:
        extra = _unallocated(con, ind, mart, choices, area_obj, sex, available)
        out = _area_monthly(con, ind, rows, months, list(area_obj.members), sex, extra)
    out["period"] = out["period"].dt.date
    return out[MONTHLY_COLUMNS].sort_values("period").reset_index(drop=True)


def _sql_monthly_fits(ind: Indicator, choices: dict[str, monthly.Choice]) -> bool:
    """Whether ``_area_monthly_sql`` (plain statements and numpy) computes this series: the
    rules 'ratio' and 'sum', every choice one source code or one pension-age schedule (a sum
    of bands goes through pandas)."""
    return (ind.aggregation in {"ratio", "sum"}
            and not any(c.sum_of for c in choices.values())
            and sum(1 for c in choices.values() if c.schedule) <= 1)


# An area's monthly series by the rules of transforms.areas.aggregate with time='period'
# (tests/test_monthly_sql.py and tests/test_af_monthly.py hold the two equal): every member ×
# month of the choice; a member reports when it has a count (or the source hides it, "<5": it
# adds 0 and makes the value a lower bound) and, for 'ratio', a denominator > 0; it is expected
# when it reports or existed that year. The mart's rows of the sex and the choice's codes and
# the kommuner's first years are read with one plain statement; the months on offer, the
# members' rows and each month's scheduled band are picked from them, and summed per month in
# numpy: only the members' rows are summed, never the member × month grid (Riket: 290 × 76
# cells). One SQL statement doing it all took 25-50 ms on this machine, mostly planning its
# CTEs and hashing that grid; three plain statements (the months on offer, the rows, the first
# years) 9-13 ms for Riket, most of it the statements' own cost (issue 12 point 7).


def _texts(a) -> np.ndarray:
    """A fetched text column as an object array with NULL as None."""
    data = np.asarray(np.ma.getdata(a), dtype=object)
    return np.where(np.ma.getmaskarray(a), None, data)


def _per_month(index: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Σ of ``weights`` (or a count) per month index ``index`` (0..n-1)."""
    return np.bincount(index, weights=weights, minlength=n)[:n]


def _joined_per_month(index: np.ndarray, text: np.ndarray, n: int, sep: str) -> list:
    """Per month: the distinct texts of its rows, sorted and joined by ``sep`` (None: no row).
    A mart's rows carry few distinct texts (its source tables), so one pass per text."""
    found: list[list[str]] = [[] for _ in range(n)]
    for value in sorted(set(text.tolist()), key=str):
        for month in np.flatnonzero(np.bincount(index[text == value], minlength=n)[:n]):
            found[month].append(str(value))
    return [sep.join(sorted(texts)) if texts else None for texts in found]


def _area_monthly_sql(con: Con, ind: Indicator, mart: dict, choices: dict[str, monthly.Choice],
                      area_obj: Area, sex: str, reporting: dict | None = None
                      ) -> pd.DataFrame | None:
    """``monthly_series`` for a non-kommun area: one statement and numpy (see above); equal to
    ``_monthly_series_pandas`` (rules 'ratio' and 'sum', no sum of bands). None when the
    choice has no month (the general path gives that answer). Raises
    duckdb.CatalogException without the mart. ``reporting`` (a dict), when given, gets
    "rows": kommun_code, period of each member reporting in a month, for the population
    share (``_with_monthly_shares``), which then reads none of it again."""
    times_of = Counter(area_obj.members)  # a code listed twice counts twice, as in a grid
    codes = list(times_of)
    times = np.array([times_of[c] for c in codes], dtype="float64")
    mask = (mart.get("masked") or {}).get(ind.numerator)
    band_column = mart.get("band_column")
    plain = [c for c in choices.values() if c.is_plain]
    scheduled = [c for c in choices.values() if c.schedule]
    # one statement, two parts: 0 every kommun's rows of the sex and the choice's codes (the
    # months on offer are the cells any kommun has a count for, so every kommun's rows are
    # read and the members picked here: a list parameter as a filter is a hash join, dearer
    # than the rows it saves), 1 every kommun's first year. sched: the row's code of the
    # scheduled choice, as its place in the choice's codes (1, 2, …)
    sql = (
        f"""select 0 as part, kommun_code, period, {sql_identifier(ind.numerator)}::double as n,
                   {sql_identifier(ind.denominator or ind.numerator)}::double as d,
                   {sql_identifier(ind.kommun_value)}::double as kv,
                   coalesce(is_preliminary, false) as is_preliminary, table_id, """
        + (f"coalesce({sql_identifier(mask)}, false)" if mask else "false") + " as masked, "
        + (f"{sql_identifier(band_column)}::varchar" if band_column else "null::varchar")
        + " as band_label, "
        + "".join(f"list_position(?::varchar[], {sql_identifier(c.column)}::varchar)"
                  for c in scheduled) + ("" if scheduled else "null::integer") + " as sched"
        + f" from {sql_identifier(mart['table'])} where sex = ?"
        + "".join(f" and {sql_identifier(c.column)} = ?" for c in plain)
        + "".join(f" and {sql_identifier(c.column)} in (" + ", ".join("?" for _ in c.codes)
                  + ")" for c in scheduled)
        + """
             union all
             select 1, kommun_code, null, first_year, null, null, null, null, null, null, null
             from marts.kommun""")
    params = [*[list(c.codes) for c in scheduled], sex, *[c.option for c in plain],
              *[code for c in scheduled for code in c.codes]]
    got = con.execute(sql, params).fetchnumpy()
    part = np.ma.filled(got["part"])
    where = {code: i for i, code in enumerate(codes)}
    member = np.array([where.get(k, -1) for k in np.ma.getdata(got["kommun_code"]).tolist()],
                      dtype="int64")  # -1: no member
    number = _as_float(got["n"])
    day = np.ma.filled(got["period"].astype("datetime64[D]"), np.datetime64("NaT"))
    sched = np.ma.filled(got["sched"], 0).astype("int64")
    rows = part == 0
    pairs = _pairs_of(choices, day[rows & ~np.isnan(number)], sched[rows & ~np.isnan(number)])
    months, want = _months_of(choices, pairs)
    if not months:
        return None
    month_days = np.array([p for p, _ in months], dtype="datetime64[D]")
    n_months = len(month_days)
    # a row counts when it is a member's, in a month of the choice, of the month's band
    at = np.minimum(np.searchsorted(month_days, day), n_months - 1)
    pick = rows & (member >= 0) & (month_days[at] == day)
    if scheduled:
        place = {code: i for i, code in enumerate(scheduled[0].codes, start=1)}
        bands = np.array([place.get(want.get(p), -1) for p, _ in months], dtype="int64")
        pick &= bands[at] == sched
    starts = np.full(len(codes), np.nan)
    first = (part == 1) & (member >= 0)
    starts[member[first]] = number[first]
    at, member = at[pick], member[pick]
    num, den = number[pick], _as_float(got["d"])[pick]
    has_kv = ~np.isnan(_as_float(got["kv"])[pick])
    masked = np.ma.filled(got["masked"], False).astype(bool)[pick]
    years = np.array([p.year for p, _ in months])
    with np.errstate(invalid="ignore"):
        rep = (~np.isnan(num) | masked) & ((ind.aggregation == "sum") | (den > 0))
        # expected: every member that exists that month, and a reporting one that does not yet
        exists = np.isnan(starts)[None, :] | (years[:, None] >= starts[None, :])
        early = rep & (years[at] < starts[member])
    times_row = times[member]
    n_exp = exists.astype("float64") @ times + _per_month(at, n_months, early * times_row)
    n_rep = _per_month(at, n_months, rep * times_row)
    wv = _per_month(at, n_months, np.where(rep, np.nan_to_num(num), 0.0) * times_row)
    w = _per_month(at, n_months, np.where(rep, np.nan_to_num(den), 0.0) * times_row)
    n_masked = _per_month(at, n_months, (rep & masked) * times_row)
    valued = ~np.isnan(num) | has_kv
    prelim = _per_month(at[valued], n_months, np.ma.filled(got["is_preliminary"], False)[pick][
        valued].astype("float64")) > 0
    table_text = np.array(["None" if t is None else t for t in _texts(got["table_id"])[pick]],
                          dtype=object)
    table_id = _joined_per_month(at[valued], table_text[valued], n_months, "+")
    labels = _texts(got["band_label"])[pick]
    stated_rows = ~np.ma.getmaskarray(got["band_label"])[pick]  # the row states its band
    stated = _joined_per_month(at[stated_rows], labels[stated_rows], n_months, " / ")
    band = [s if s is not None else b for s, (_, b) in zip(stated, months, strict=True)]
    spec = mart.get("unallocated")
    extra = None
    if spec and area_obj.kind in {"lan", "riket"}:  # counts of the län or Riket with unknown
        extra = _unallocated(con, ind, mart, choices, area_obj, sex,  # kommun
                             _frames_of(pairs))
    has_extra = extra is not None and not extra.empty
    if has_extra:
        ex_day = pd.to_datetime(extra["period"]).to_numpy(dtype="datetime64[D]")
        ex_at = np.minimum(np.searchsorted(month_days, ex_day), n_months - 1)
        ok = month_days[ex_at] == ex_day
        ex_value = extra["value"].to_numpy(dtype="float64")
        ex_masked = extra["masked"].fillna(False).astype(bool).to_numpy()
        wv = wv + _per_month(ex_at[ok], n_months, np.nan_to_num(ex_value)[ok])
        n_masked = n_masked + _per_month(ex_at[ok], n_months,
                                         (np.isnan(ex_value) | ex_masked)[ok].astype("float64"))
    keep = n_exp > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = n_rep / np.where(keep, n_exp, np.nan)
        value = wv if ind.aggregation == "sum" else \
            ind.scale * wv / np.where(w > 0, w, np.nan)
    withheld = (n_rep == 0) | (coverage < area_rules.MIN_COVERAGE)
    value = np.where(withheld | ~keep, np.nan, value)
    if ind.aggregation == "sum":
        numerator, denominator = value, np.full(n_months, np.nan)
    else:
        numerator, denominator = np.where(keep, wv, np.nan), np.where(keep, w, np.nan)
    status = [("withheld" if wh else "partial" if r < e else None) if k else np.nan
              for wh, r, e, k in zip(withheld, n_rep, n_exp, keep, strict=True)]
    n_masked = np.where(keep, n_masked, 0).astype(int)
    table_id = [np.nan if t is None else t for t in table_id]
    if has_extra:  # the unallocated rows' file is a source too
        files = dict(zip(pd.to_datetime(extra["period"]).dt.date, extra["extra_table_id"],
                         strict=True))
        table_id = ["+".join(sorted({p for part in (a, files.get(m)) if isinstance(part, str)
                                     and part for p in part.split("+")})) or None
                    for a, (m, _) in zip(table_id, months, strict=True)]

    def int_or_nan(x: np.ndarray) -> np.ndarray:  # int32 where every month has members
        return x.astype("int32") if keep.all() else x

    index = pd.RangeIndex(n_months)

    def texts(values: list) -> pd.Series:  # object columns, as the pandas path gives (on
        column = np.empty(len(values), dtype=object)  # one index: none to align)
        column[:] = values
        return pd.Series(column, index=index, dtype=object, copy=False)

    # a sum over fewer members than expected is a lower bound, as mark_partial_sums (numfix26)
    lower = (n_masked > 0) | ((ind.aggregation == "sum") & np.array(
        [s == "partial" for s in status], dtype=bool))
    if reporting is not None:
        reporting["rows"] = pd.DataFrame({
            "kommun_code": np.array(codes, dtype=object)[member[rep]],
            "period": pd.to_datetime(month_days[at[rep]])})
    return pd.DataFrame({  # in the order of MONTHLY_COLUMNS
        "period": texts([p for p, _ in months]), "value": value,
        "n_expected": int_or_nan(np.where(keep, n_exp, np.nan)),
        "n_reporting": int_or_nan(np.where(keep, n_rep, np.nan)), "status": texts(status),
        "is_preliminary": prelim, "table_id": texts(table_id), "band": texts(band),
        "is_computed": np.ones(n_months, dtype=bool), "numerator": numerator,
        "denominator": denominator, "is_lower_bound": lower, "n_masked": n_masked},
        index=index, copy=False)


def _flags(rows: pd.DataFrame) -> pd.DataFrame:
    """Per month: any preliminary value, and the source tables used."""
    valued = rows[rows["numerator"].notna() | rows["kommun_value"].notna()]
    return valued.groupby("period", as_index=False).agg(
        is_preliminary=("is_preliminary", "any"),
        table_id=("table_id", lambda s: "+".join(sorted(set(map(str, s))))))


def _kommun_month_value(ind: Indicator, rows: pd.DataFrame, plain: bool
                        ) -> tuple[pd.Series, pd.Series]:
    """(value, is_computed) of a kommun's monthly rows (kommun_value, numerator,
    denominator): the source's published value where it has one and ``plain`` (every option
    is one of the source's own), else computed from the counts (the count itself for a sum,
    scale × numerator / denominator for a share); computed where not ``plain``, or where the
    source published no value and the counts give one. The one rule of ``monthly_series``
    for a kommun (``_kommun_monthly``) and of ``kommun_values`` (rankings, Karta)."""
    computed = rows["numerator"] if ind.aggregation == "sum" else \
        ind.scale * rows["numerator"] / rows["denominator"].where(rows["denominator"] > 0)
    value = rows["kommun_value"].where(rows["kommun_value"].notna() & plain, computed)
    made = (rows["kommun_value"].isna() & computed.notna()) | (not plain)
    return value, made.astype(bool)


def _kommun_monthly(ind: Indicator, rows: pd.DataFrame, months: pd.DataFrame,
                    plain: bool) -> pd.DataFrame:
    out = months.merge(rows, on="period", how="left")
    out["value"], out["is_computed"] = _kommun_month_value(ind, out, plain)
    out["n_expected"] = 1
    out["n_reporting"] = out["value"].notna().astype(int)
    masked = out["masked"].fillna(False).astype(bool) if "masked" in out else \
        pd.Series(False, index=out.index)
    # the source's own mark on a month without a value (SCB's ".."), as a yearly kommun
    # series carries Kolada's status: said on hover, in the card and the download
    mark = out["source_status"].astype(object).where(
        out["value"].isna() & out["source_status"].notna(), None) \
        if "source_status" in out else None
    out["status"] = pd.Series(np.where(masked, "masked", None if mark is None else mark),
                              index=out.index, dtype=object)
    out["value"] = out["value"].where(~masked)  # hidden by the source: never 0, never 5
    out["is_lower_bound"] = False
    out["n_masked"] = masked.astype(int)
    out = out.drop(columns=["is_preliminary", "table_id"]).merge(_flags(rows), on="period",
                                                                 how="left")
    out["is_preliminary"] = out["is_preliminary"].fillna(False).astype(bool)
    return out


def _area_monthly(con: Con, ind: Indicator, rows: pd.DataFrame, months: pd.DataFrame,
                  members: list[str], sex: str, extra: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    if rows.empty and (extra is None or extra.empty):
        out = _area_monthly_empty(ind, months, members, first)
        if out is not None:
            return out
    values = rows.assign(sex=sex, value=rows["numerator"])
    filler = pd.DataFrame({"kommun_code": "__none__", "period": months["period"], "sex": sex})
    values = pd.concat([values, filler], ignore_index=True)  # every month, members or not
    values["masked"] = values["masked"].astype("boolean").fillna(False).astype(bool)
    agg = area_rules.aggregate(values, pd.DataFrame({"area_id": "area", "kommun_code": members}),
                               rule=ind.aggregation, time="period", scale=ind.scale,
                               first_year=first.set_index("kommun_code")["first_year"],
                               extra=extra)
    if "numerator" not in agg:
        agg["numerator"], agg["denominator"] = agg["value"], np.nan
    agg["period"] = pd.to_datetime(agg["period"]).astype("datetime64[ns]")
    out = months.merge(agg.drop(columns=["area_id", "sex"]), on="period", how="left")
    out["is_lower_bound"] = out["is_lower_bound"].astype("boolean").fillna(False).astype(bool)
    out["n_masked"] = out["n_masked"].fillna(0).astype(int)
    out = out.merge(_flags(rows), on="period", how="left")
    if extra is not None and not extra.empty:  # the unallocated rows' file is a source too
        files = out["period"].map(extra.set_index("period")["extra_table_id"])
        out["table_id"] = [
            "+".join(sorted({p for part in (a, b) if isinstance(part, str) and part
                             for p in part.split("+")})) or None
            for a, b in zip(out["table_id"], files, strict=True)]
    out["is_preliminary"] = out["is_preliminary"].fillna(False).astype(bool)
    out["is_computed"] = True
    return out


def _area_monthly_empty(ind: Indicator, months: pd.DataFrame, members: list[str],
                        first: pd.DataFrame) -> pd.DataFrame | None:
    """What ``_area_monthly`` gives when no member has a row (e.g. a Göteborg group in a mart
    of Dalarna's kommuner): every month withheld, no member reporting. Built directly, without
    the pandas passes of areas.aggregate (about 40 ms became under 20 ms); None where a month
    would have no expected member or the rule is not 'ratio'/'sum' (the general path then)."""
    if ind.aggregation not in {"ratio", "sum"} or months.empty:
        return None
    first_year = first.set_index("kommun_code")["first_year"]
    starts = pd.Series(members).map(first_year).astype("float64").to_numpy()
    years = months["period"].dt.year.to_numpy()
    # a member is expected once it exists (unknown first year: always), as areas.aggregate
    n_expected = (np.isnan(starts)[None, :] | (years[:, None] >= starts[None, :])).sum(axis=1)
    if (n_expected == 0).any():
        return None
    n = len(months)
    zero = 0.0 if ind.aggregation == "ratio" else np.nan  # Σ over no reporting member
    columns = {c: months[c].reset_index(drop=True) for c in months.columns}
    columns.update(
        value=np.full(n, np.nan), n_expected=n_expected.astype("int32"),
        n_reporting=np.zeros(n, dtype="int32"), status=pd.Series(["withheld"] * n, dtype=object),
        numerator=np.full(n, zero), denominator=np.full(n, zero), n_masked=np.zeros(n, dtype=int),
        is_lower_bound=np.zeros(n, dtype=bool), is_preliminary=np.zeros(n, dtype=bool),
        table_id=pd.Series([np.nan] * n, dtype=object), is_computed=np.ones(n, dtype=bool))
    out = pd.DataFrame(columns)
    return out


def monthly_kommuner(con: Con, ind: Indicator, dims: dict[str, str] | None = None,
                     sex: str | None = None) -> pd.DataFrame:
    """The kommuner a monthly indicator has any value for: kommun_code, kommun_name, lan_name.
    ``dims`` (the mart's options; {} its defaults) and ``sex``: only values of those (None:
    any option, any sex)."""
    columns = ["kommun_code", "kommun_name", "lan_name"]
    mart = monthly_marts()[ind.mart]
    table = mart["table"]
    choices = list(monthly.choose(mart, dims, indicator_id=ind.id).values()) \
        if dims is not None else []
    # one statement, two parts (0 the mart's kommuner with a value, 1 every kommun's names)
    # joined here: DuckDB's join of the two cost more than both parts together
    sql = f"""select 0 as part, kommun_code, null as kommun_name, null as lan_name
              from (select distinct kommun_code from {sql_identifier(table)}
                    where {sql_identifier(ind.kommun_value)} is not null
                      and (? is null or sex = ?)""" + "".join(
        f" and list_contains(?, {sql_identifier(c.column)})" for c in choices) + """)
              union all
              select 1, kommun_code, kommun_name, lan_name from marts.kommun"""
    try:  # the mart is missing when its source was never fetched
        got = con.execute(sql, [sex, sex, *[list(c.codes) for c in choices]]).fetchall()
    except duckdb.CatalogException:
        return pd.DataFrame(columns=columns)
    have = {row[1] for row in got if row[0] == 0}
    rows = sorted(row[1:] for row in got if row[0] == 1 and row[1] in have)
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def revisions(con: Con, *, since: str | None = None, indicator_id: str | None = None,
              limit: int | None = None) -> pd.DataFrame:
    """Values the sources revised, newest first (marts.revision; empty before the first)."""
    if not has_table(con, "marts.revision"):
        return pd.DataFrame(columns=REVISION_COLUMNS)
    sql = f"""select {sql_identifier(*REVISION_COLUMNS)} from marts.revision
              where (? is null or seen_at >= ?) and (? is null or indicator_id = ?)
              order by seen_at desc, indicator_id, kommun_code, period, dims
              limit ?"""
    return con.execute(sql, [since, since, indicator_id, indicator_id,
                             limit if limit is not None else 2**62]).df()


def revision_runs(con: Con, limit: int = 20) -> pd.DataFrame:
    """One row per refresh and indicator that revised values, newest first (kept forever)."""
    if not has_table(con, "marts.revision_summary"):
        return pd.DataFrame(columns=REVISION_SUMMARY_COLUMNS)
    sql = f"""select {sql_identifier(*REVISION_SUMMARY_COLUMNS)} from marts.revision_summary
              order by seen_at desc, indicator_id limit ?"""
    return con.execute(sql, [limit]).df()


def last_refresh(con: Con) -> str | None:
    """When the newest build in this warehouse ran (ISO UTC), or None."""
    row = con.execute("select max(run_at) from marts.refresh_log where source = 'build'"
                      ).fetchone()
    return row[0] if row else None


def series_revisions(con: Con, ind: Indicator, area_obj: Area, sex: str = "T",
                     dims: dict[str, str | None] | None = None) -> pd.DataFrame:
    """What the newest refresh revised in one series: the members' changed values.

    Columns as marts.revision; empty when that refresh changed nothing in the series.
    """
    run = last_refresh(con)
    if run is None or not has_table(con, "marts.revision") or not ind.is_monthly:
        return pd.DataFrame(columns=REVISION_COLUMNS)
    choices = monthly.choose(monthly_marts()[ind.mart], dims or {}, indicator_id=ind.id)
    sql = f"""select {sql_identifier(*REVISION_COLUMNS)} from marts.revision
              where seen_at = ? and indicator_id = ? and sex = ?
              and list_contains(?, kommun_code) and list_contains(?, dims)
              order by kommun_code, period"""
    params = [run, ind.id, sex, list(area_obj.members), monthly.dims_keys(choices)]
    return con.execute(sql, params).df()


def source_revised(con: Con, ind: Indicator) -> str | None:
    """The date ('2026-05-28') the source's notes give for its newest revision of a monthly
    indicator's table (SCB's TAB6260 dates it in a note; the body's ``updated`` is only the
    table's last update), or None: no dated note, or a table built without the column."""
    if not ind.is_monthly:
        return None
    table = monthly_marts()[ind.mart]["table"]
    try:
        row = con.execute(f"select max(source_revised) from {sql_identifier(table)}").fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):
        return None
    return str(row[0]) if row and row[0] is not None else None


def population_lan_monthly(con: Con, lan_codes: list[str]) -> pd.DataFrame:
    """SCB population by län × age group × sex × month (mirror: TAB6471, 10-year groups)."""
    sql = """select region_code, age_code, age_label, sex, period, population, status, table_id
             from marts.population_region_monthly
             where region_level = 'lan' and list_contains(?, region_code)
             order by period, region_code, sex, age_code"""
    return con.execute(sql, [lan_codes]).df()


def month_span(con: Con, table: str) -> tuple[str, str] | None:
    """First and last month ('YYYY-MM') of a monthly mart (a table with ``period``), or None."""
    if not has_table(con, table):
        return None
    row = con.execute(f"select min(period), max(period) from {sql_identifier(table)}").fetchone()
    if row is None or row[0] is None:
        return None
    return str(row[0])[:7], str(row[1])[:7]


def month_sexes(con: Con, table: str) -> tuple[str, ...]:
    """The sex codes a monthly mart holds ("T" alone when the fetched data has no split by
    sex); empty when the table is absent."""
    if not has_table(con, table):
        return ()
    rows = con.execute(f"select distinct sex from {sql_identifier(table)} order by sex").fetchall()
    return tuple(str(sex) for (sex,) in rows)


# --- Karta, Jämför, Liknande kommuner (issue 10) --------------------------------------------
GEOMETRY_COLUMNS = ["area_id", "area_kind", "geojson", "lon_min", "lat_min", "lon_max",
                    "lat_max", "label_lon", "label_lat", "geometry_source"]
AREA_VALUE_COLUMNS = ["area_id", "value", "status", "n_reporting", "n_expected",
                      "is_lower_bound", "n_masked", "is_preliminary"]
KOMMUN_VALUE_COLUMNS = ["kommun_code", "kommun_name", "lan_code", "lan_name", "value",
                        "status", "is_computed", "is_preliminary", "period"]


def area_geometry(con: Con, kind: str) -> pd.DataFrame:
    """The map's shapes of one kind ('kommun', 'lan', 'la', 'fa'): area_id, area_kind,
    geojson (a GeoJSON geometry, WGS84), bounding box, geometry_source; empty before the
    build made them (marts.area_geometry, transforms/geometry.py)."""
    if not has_table(con, "marts.area_geometry"):
        return pd.DataFrame(columns=GEOMETRY_COLUMNS)
    sql = f"""select {sql_identifier(*GEOMETRY_COLUMNS)} from marts.area_geometry
              where area_kind = ? order by area_id"""
    return con.execute(sql, [kind]).df()


def indicator_periods(con: Con, ind: Indicator) -> list[str]:
    """Every period with any kommun value, in order: years ('2022') or months ('2026-04')."""
    if not ind.is_monthly:
        rows = con.execute("""select distinct year from marts.observation_kommun_year
                              where indicator_id = ? and value is not null order by year""",
                           [ind.id]).fetchall()
        return [str(r[0]) for r in rows]
    table = monthly_marts()[ind.mart]["table"]
    if not has_table(con, table):
        return []
    sql = f"""select distinct strftime(period, '%Y-%m') as p from {sql_identifier(table)}
              where {sql_identifier(ind.kommun_value)} is not null order by p"""
    return [r[0] for r in con.execute(sql).fetchall()]


def map_kommun_values(con: Con, ind: Indicator, period: str, sex: str = "T",
                      dims: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Every kommun of the warehouse (all 290) with its value in one period, read through
    ``kommun_values`` (a monthly one with the options ``dims``, default the mart's) and told
    apart for the map (grain: kommun).

    Columns: kommun_code, kommun_name, lan_code, lan_name, value (NaN = none), status
    ('missing': no row or no value; 'suppressed': the source flags or hides it, e.g. "<5";
    None = a value), is_computed (a monthly kommun value the app computed, as
    ``kommun_values`` flags it; without a row: whether the option is a sum of the source's
    bands, as ``monthly_series`` flags a month without a row; a yearly value never),
    is_preliminary (``kommun_values``' flag; False without a row and for a yearly value),
    period.
    """
    kommun = kommuner(con)[["kommun_code", "kommun_name", "lan_code", "lan_name"]]
    found = kommun_values(con, ind, period, sex, dims)
    if "is_computed" not in found:  # a yearly indicator: the source's own values
        found = found.assign(is_computed=False)
    if "is_preliminary" not in found:  # Kolada's years: final as published
        found = found.assign(is_preliminary=False)
    out = kommun.merge(found[["kommun_code", "value", "status", "is_computed",
                              "is_preliminary"]], on="kommun_code", how="left")
    out["is_preliminary"] = out["is_preliminary"].astype("boolean").fillna(False).astype(bool)
    out["is_computed"] = out["is_computed"].astype("boolean").fillna(
        ind.is_monthly and _sums_bands(ind, dims)).astype(bool)
    out["value"] = out["value"].astype("float64")
    flagged = out["status"].notna() & out["value"].isna()
    out["status"] = [("suppressed" if f else "missing") if pd.isna(v) else None
                     for f, v in zip(flagged, out["value"], strict=True)]
    out["period"] = str(period)
    return out[KOMMUN_VALUE_COLUMNS]


def _sums_bands(ind: Indicator, dims: dict[str, str | None] | None = None) -> bool:
    """Whether a monthly indicator's options (``dims``, default the mart's) sum the source's
    groups (e.g. 16–24 år from 16–19 and 20–24): then every kommun value is computed."""
    mart = monthly_marts().get(ind.mart or "", {})
    return any(c.sum_of for c in monthly.choose(mart, dims or {}, indicator_id=ind.id).values())


def _monthly_month_rows(con: Con, ind: Indicator, period: str, sex: str,
                        codes: list[str], dims: dict[str, str | None] | None = None
                        ) -> pd.DataFrame | None:
    """Kommun rows of a monthly indicator for one month and the options ``dims`` (default the
    mart's), as
    ``monthly_series`` reads them (numerator, denominator, kommun_value, masked); None when
    the mart is missing. Also ``plain`` in attrs: the option is one of the source's codes."""
    mart = monthly_marts()[ind.mart]
    if not has_table(con, mart["table"]):
        return None
    choices = monthly.choose(mart, dims or {}, indicator_id=ind.id)
    available = _monthly_available(con, ind, mart["table"], choices, sex)
    rows = _monthly_rows(con, ind, mart, choices, codes, sex, month=str(period)[:7])
    for name, choice in choices.items():
        rows = monthly.apply(rows, choice, available[name])
    rows = rows.reset_index(drop=True)
    rows.attrs["plain"] = not any(c.sum_of for c in choices.values())
    return rows


def _monthly_area_values(con: Con, ind: Indicator, kind: str, period: str, sex: str,
                         area_ids: list[str], dims: dict[str, str | None] | None = None
                         ) -> pd.DataFrame:
    """area_id, value, status, n_reporting, n_expected, is_lower_bound, n_masked,
    is_preliminary (any member's month from a preliminary table) of every area of a kind in
    one month.

    A län adds the source's counts with unknown kommun, exactly as ``monthly_series`` (which
    it calls); LA, FA and kommungrupp are formed from their kommuner only, so they are
    aggregated here in one pass with the same function and rules, lower bounds included (a
    hidden "<5" member, or a sum of counts over fewer members than expected).
    """
    columns = AREA_VALUE_COLUMNS
    if kind in ("lan", "riket"):
        parts = []
        for area_id in area_ids:
            series = monthly_series(con, ind, area(con, area_id), sex, dims)
            hit = series[pd.to_datetime(series["period"]).dt.strftime("%Y-%m")
                         == str(period)[:7]]
            parts.append(hit.assign(area_id=area_id))
        found = [p for p in parts if not p.empty]
        return _with_bounds(pd.concat(found, ignore_index=True))[columns] if found else \
            pd.DataFrame(columns=columns)
    members = con.execute("""select area_id, kommun_code from marts.area_member
                             where list_contains(?, area_id)""", [area_ids]).df()
    rows = _monthly_month_rows(con, ind, period, sex, sorted(set(members["kommun_code"])),
                               dims)
    if rows is None or rows.empty:
        return pd.DataFrame(columns=columns)
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    values = rows.assign(sex=sex, value=rows["numerator"])
    values["period"] = pd.to_datetime(values["period"]).astype("datetime64[ns]")
    if "masked" in values:
        values["masked"] = values["masked"].astype("boolean").fillna(False).astype(bool)
    agg = area_rules.aggregate(values, members, rule=ind.aggregation, time="period",
                               scale=ind.scale,
                               first_year=first.set_index("kommun_code")["first_year"])
    # the mart's flag as monthly_series gives it to an area's month: any member's (stop 28)
    flags = rows[["kommun_code", "is_preliminary"]].assign(
        is_preliminary=rows["is_preliminary"].astype("boolean").fillna(False).astype(bool)
    ).merge(members, on="kommun_code").groupby("area_id")["is_preliminary"].any()
    agg = agg.drop(columns=[c for c in ("is_preliminary",) if c in agg]).merge(
        flags.rename("is_preliminary"), left_on="area_id", right_index=True, how="left")
    return _with_bounds(agg)[columns]  # lower bounds as aggregate marks them


def _with_bounds(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with is_lower_bound (False where absent), n_masked (0 where absent) and
    is_preliminary (False where absent: Kolada's years)."""
    def flag(name: str):
        return rows[name].astype("boolean").fillna(False).astype(bool) if name in rows \
            else False
    masked = rows["n_masked"].fillna(0).astype(int) if "n_masked" in rows else 0
    return rows.assign(is_lower_bound=flag("is_lower_bound"), n_masked=masked,
                       is_preliminary=flag("is_preliminary"))


def area_values(con: Con, ind: Indicator, kind: str, period: str,
                sex: str = "T", dims: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Every official area of one kind ('lan', 'la', 'fa', 'kommungrupp') in one period, each
    computed as ``area_series`` computes it (Σ/Σ or population-weighted, with coverage; a
    monthly indicator with the options ``dims``, default the mart's, as ``monthly_series``).

    Columns: area_id, area_name, value, status ('missing', 'partial' or None), n_reporting,
    n_expected, is_lower_bound (the true value is at least this: a hidden "<5" member, or a
    sum of counts over fewer members than expected), n_masked (members hidden as "<5"),
    is_preliminary (a monthly area's month rests on a preliminary table), covered_share (a partial weighted rate's share of the population, as ``area_series``;
    else NaN), period.
    """
    names = areas(con, kind)[["area_id", "area_name"]]
    if ind.aggregation == "none":
        rows = pd.DataFrame(columns=AREA_VALUE_COLUMNS)
    elif ind.is_monthly:
        rows = _monthly_area_values(con, ind, kind, period, sex, list(names["area_id"]), dims)
    else:
        rows = con.execute("""select area_id, value, status, n_reporting, n_expected
                              from marts.area_indicator_year
                              where indicator_id = ? and year = ? and sex = ?
                              and starts_with(area_id, ?)""",
                           [ind.id, int(str(period)[:4]), sex, f"{kind}:"]).df()
        rows = area_rules.mark_partial_sums(rows, ind.aggregation)
    out = names.merge(_with_bounds(rows)[AREA_VALUE_COLUMNS], on="area_id", how="left")
    out["covered_share"], out["missing_names"] = _layer_shares(con, ind, kind, period, sex,
                                                               out)
    out = area_rules.withhold_thin(out)  # the population half of the rule (stop 28)
    out["value"] = out["value"].astype("float64")
    out["is_lower_bound"] = out["is_lower_bound"].astype("boolean").fillna(False).astype(bool)
    out["n_masked"] = out["n_masked"].fillna(0).astype(int)
    out["is_preliminary"] = out["is_preliminary"].astype("boolean").fillna(False).astype(bool)
    out["status"] = [s if isinstance(s, str) and s == "partial" else
                     ("missing" if pd.isna(v) else None)
                     for s, v in zip(out["status"], out["value"], strict=True)]
    out["period"] = str(period)
    return out


def _layer_shares(con: Con, ind: Indicator, kind: str, period: str, sex: str,
                  rows: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """``area_values``' covered_share: for a yearly weighted rate, the share of the weight
    its reporting members carry in each 'partial' area (as ``area_series`` gives it, review27
    item 2), NaN elsewhere; each partial area's from its member grid (``_group_shares``). A
    monthly value's from its ``monthly_series`` (the mart's coverage_weight, stop 28). Also
    the names of each partial area's missing members (``missing_names``, () elsewhere)."""
    out = np.full(len(rows), np.nan)
    names: list[tuple[str, ...]] = [()] * len(rows)
    partial = (rows["status"] == "partial").to_numpy(dtype=bool)
    if not partial.any() or (ind.aggregation != "weighted" and not ind.is_monthly):
        return out, names
    wanted = list(rows.loc[partial, "area_id"])
    at = np.flatnonzero(partial)
    if ind.is_monthly:
        month = str(period)[:7]
        for i, area_id in zip(at, wanted, strict=True):
            series = monthly_series(con, ind, area(con, area_id), sex)
            hit = series[pd.to_datetime(series["period"]).dt.strftime("%Y-%m") == month]
            if "covered_share" in hit and not hit.empty:
                out[i] = float(hit["covered_share"].iloc[0])
                names[i] = tuple(hit["missing_names"].iloc[0])
        return out, names
    pairs = con.execute("select area_id, kommun_code from marts.area_member "
                        "where list_contains(?, area_id) order by kommun_code",
                        [wanted]).fetchall()
    members: dict[str, list[str]] = {a: [] for a in wanted}
    for area_id, code in pairs:
        members[area_id].append(code)
    year = int(str(period)[:4])
    for i, area_id in zip(at, wanted, strict=True):
        cover = _group_cover(con, ind, members[area_id], sex)
        if year in cover.index:
            out[i] = cover.loc[year, "covered_share"]
            names[i] = cover.loc[year, "missing_names"]
    return out, names


def peer_values(con: Con, indicator_ids: list[str], year: int, *,
                min_reporting: int) -> pd.DataFrame:
    """Values of several annual indicators for every kommun, each in its latest year up to
    ``year`` in which at least ``min_reporting`` kommuner report (grain: indicator × kommun).

    Columns: indicator_id, kommun_code, year, value (sex totalt).
    """
    sql = """with counts as (
                 select indicator_id, year, count(value) as n
                 from marts.observation_kommun_year
                 where sex = 'T' and list_contains(?, indicator_id) and year <= ?
                 group by indicator_id, year),
             chosen as (select indicator_id, max(year) as year from counts where n >= ?
                        group by indicator_id)
             select o.indicator_id, o.kommun_code, o.year, o.value
             from marts.observation_kommun_year o join chosen using (indicator_id, year)
             where o.sex = 'T' and o.value is not null"""
    return con.execute(sql, [indicator_ids, year, min_reporting]).df()


def kommungrupp_of(con: Con) -> pd.DataFrame:
    """Each kommun's SKR kommungrupp: kommun_code, kommungrupp_code ('B3'), kommungrupp_name."""
    sql = """select m.kommun_code, a.area_code as kommungrupp_code,
                    a.area_name as kommungrupp_name
             from marts.area_member m join marts.area a using (area_id)
             where a.area_kind = 'kommungrupp' order by m.kommun_code"""
    return con.execute(sql).df()
