"""Every official area's yearly values in one DuckDB statement, by the rules of
``transforms.areas.aggregate`` (the pandas function stays the reference: tests/test_area_sql.py
holds the two equal for every indicator, area, year and sex of the real mirror).

Per indicator whose rule is ``sum`` or ``weighted`` (the annual rules; ``none`` has no area
values, any other rule goes through the pandas function): every area × member × (year, sex)
the indicator has anywhere. A member reports when it has a value (for ``weighted`` also a
weight > 0: its own sex's, else the total's where the indicator has no weights of its own for
that sex); it is expected when it reports or existed that year (its first year, or always when
unknown), except a ``weighted`` member whose weight is 0 (nothing to be a share of). An area value needs ``MIN_COVERAGE`` of the expected members, else it is withheld;
fewer than all is 'partial'. Sums are compensated (``fsum``, as pandas' groupby sum), so the two
agree to the last bits (96 % of values bit for bit, the rest within 1e-15 relative).

Only the reporting kommuner are joined to their areas; the expected count is the members that
existed that year (per area and year, a small table) plus any member reporting before its
first year. The keys go in as small integers (indicator, kommun, area and sex numbered in
sorted order, so integer order is string order). Both keep the statement small: the first
version (every area × member × year × sex, string keys) peaked ~300 MB above the build.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from transforms import areas as area_rules
from transforms.duck import quiet, sql_identifier

SQL_RULES = ("sum", "weighted")  # rule 'none' has no area values at all
MEMORY_LIMIT = "128MB"

_AREA_SQL = """
with o as (select i, k, year, s, value from _obs where i >= $lo and i < $hi),
-- the weights of this batch's indicators: by weight series p, which indicators may share
bi as (select i, weighted, p from _ind where i >= $lo and i < $hi),
w as (select p, k, year, s, weight from _weights where p in (select p from bi)),
-- the weight series that have rows, and the sexes (other than T) each has its own weights for
wind as (select distinct p from w),
wsex as (select distinct p, s from w where s <> $t),
-- (year, sex) of each indicator; a weighted indicator without any weights gets no area values
periods as (
  select distinct o.i, o.year, o.s from o join bi using (i) left join wind using (p)
  where not bi.weighted or wind.p is not null
),
-- the reporting kommuner: a value, and for 'weighted' a weight > 0 (own sex, else total)
kv as (
  select o.i, o.k, o.year, o.s, o.value, bi.weighted, f.first_year,
         case when bi.weighted
              then coalesce(ws.weight, case when wsex.s is null then wt.weight end)
              else 1.0 end as weight
  from o
  join bi using (i)
  left join wind on wind.p = bi.p
  left join wsex on wsex.p = bi.p and wsex.s = o.s
  left join w ws on ws.p = bi.p and ws.k = o.k and ws.year = o.year and ws.s = o.s
  left join w wt on wt.p = bi.p and wt.k = o.k and wt.year = o.year and wt.s = $t
  left join _first f on f.k = o.k
  where o.value is not null and (not bi.weighted or wind.p is not null)
),
rep as (select * from kv where not weighted or coalesce(weight > 0, false)),
-- members whose weight is 0 (_zero, made once in _SETUP): not missing, taken off the
-- expected members in the aggregation below
zero as (select i, k, year, s from _zero where i >= $lo and i < $hi),
reported as (
  select r.i, m.a, r.year, r.s, count(*) filter (where not r.zero) as n_reporting,
         count(*) filter (where r.first_year > r.year) as n_early,
         count(*) filter (where r.zero) as n_zero,
         fsum(r.value * r.weight) as wv, fsum(r.weight) as w
  from (select i, k, year, s, value, weight, first_year, false as zero from rep
        union all
        select i, k, year, s, null, null, null, true from zero) r
  join _members m using (k)
  group by r.i, m.a, r.year, r.s
),
-- members that existed in a year (first year reached, or unknown), per area
existed as (
  select m.a, y.year, count(*) as n
  from _members m left join _first f using (k)
  cross join (select distinct year from periods) y
  where f.first_year is null or y.year >= f.first_year
  group by m.a, y.year
),
-- expected = existed, plus those reporting before their first year
g as (
  select coalesce(e.i, r.i) as i, coalesce(e.a, r.a) as a, coalesce(e.year, r.year) as year,
         coalesce(e.s, r.s) as s,
         coalesce(e.n, 0) + coalesce(r.n_early, 0) - coalesce(r.n_zero, 0) as n_expected,
         coalesce(r.n_reporting, 0) as n_reporting, r.wv, r.w
  from (select p.i, x.a, p.year, p.s, x.n from periods p join existed x using (year)) e
  full join reported r on r.i = e.i and r.a = e.a and r.year = e.year and r.s = e.s
),
z as (
  select g.*, _ind.weighted,
         n_reporting = 0 or n_reporting::double / n_expected < $min as withheld
  from g join _ind using (i) where n_expected > 0
)
select i, a, year, s,
       case when withheld then null
            when not weighted then wv
            when w > 0 then wv / w end as value,
       n_expected::integer as n_expected, n_reporting::integer as n_reporting,
       case when withheld then 2 when n_reporting < n_expected then 1 else 0 end as st
from z
order by i, a, s, year
"""


# numbered in sorted order, so integer order is string order; _pw_in: the weights by series
# p (kommun_code, year, sex, weight), _ind_in: each indicator's series p. Narrow integers
# (not row_number's BIGINT): the statement's hash tables and the copies take half the memory
_SETUP = """
create temp table _kd as select (row_number() over (order by kommun_code) - 1)::integer as k,
  kommun_code from (select distinct kommun_code::varchar as kommun_code from _members_in);
create temp table _ad as select (row_number() over (order by area_id) - 1)::integer as a, area_id
  from (select distinct area_id::varchar as area_id from _members_in);
create temp table _sd as select (row_number() over (order by sex) - 1)::smallint as s, sex
  from (select sex::varchar as sex from _obs_in union select sex::varchar from _pw_in
        union select 'T');
create temp table _ind as select i::integer as i, weighted, indicator_id, p::integer as p
  from _ind_in;
create temp table _members as select a, k from _members_in m
  join _ad on _ad.area_id = m.area_id::varchar join _kd on _kd.kommun_code = m.kommun_code;
create temp table _first as select k, first_year::double as first_year from _first_in f
  join _kd on _kd.kommun_code = f.kommun_code::varchar;
create temp table _obs as select i, k, year::integer as year, s, value::double as value
  from _obs_in o join _ind on _ind.indicator_id = o.indicator_id::varchar
  join _kd on _kd.kommun_code = o.kommun_code::varchar join _sd on _sd.sex = o.sex::varchar;
create temp table _weights as select p::integer as p, k, year::integer as year, s,
  weight::double as weight from _pw_in o
  join _kd on _kd.kommun_code = o.kommun_code::varchar join _sd on _sd.sex = o.sex::varchar;
-- members whose weight is 0 (the weight the statement's kv would take: its own sex's where
-- the series has weights of that sex, else the total's), in a year the weighted indicator
-- has values for that sex and the kommun existed: nobody their value would be a share of,
-- so not missing (a few hundred rows; made in the statement, ~0.2 s and ~25 MiB more)
create temp table _zero as
  with z as (select p, k, year, s from _weights where weight = 0),
  own as (select distinct p, s from _weights
          where s <> (select s from _sd where sex = 'T')),
  per as (select distinct o.i, o.year, o.s, _ind.p from _obs o join _ind using (i)
          where _ind.weighted and _ind.p in (select p from z))
  select per.i, z.k, per.year, per.s
  from per
  left join own on own.p = per.p and own.s = per.s
  join z on z.p = per.p and z.year = per.year
    and z.s = case when own.s is null then (select s from _sd where sex = 'T') else per.s end
  left join _first f on f.k = z.k
  where f.first_year is null or per.year >= f.first_year;
"""
# each indicator its own series (the frame API: weights per indicator)
_PER_INDICATOR = """
create or replace temp view _pw_in as select _ind_in.p, w.kommun_code, w.year, w.sex, w.weight
  from _weights_in w join _ind_in on _ind_in.indicator_id = w.indicator_id::varchar
"""
_DROP = """
drop table if exists temp.main._r; drop table if exists temp.main._obs; drop table if exists temp.main._zero;
drop table if exists temp.main._weights; drop table if exists temp.main._first;
drop table if exists temp.main._members; drop table if exists temp.main._ind;
drop table if exists temp.main._sd; drop table if exists temp.main._ad;
drop table if exists temp.main._kd;
"""
# indicator batches of the area statement (its hash joins: memory). With the narrow integer
# keys one batch under the build's 80 MB cap stays as low as four did (~45 MB over the
# build) for ~0.3 s less CPU; more batches remain for a much larger mirror
BATCHES = 1

_OUTPUT = """
select _ind.indicator_id, _ad.area_id, _r.year::integer as year, _sd.sex, _r.value,
       _r.n_expected, _r.n_reporting, _r.st
from _r join _ind using (i) join _ad using (a) join _sd using (s)
order by _r.i, _r.a, _r.s, _r.year
"""

# the same rows as a table: status spelled out as area_values_in's frame has it
_OUTPUT_TABLE = _OUTPUT.replace(
    "_r.n_expected, _r.n_reporting, _r.st",
    "_r.n_expected, _r.n_reporting, "
    "case _r.st when 1 then 'partial' when 2 then 'withheld' end as status")
assert _OUTPUT_TABLE != _OUTPUT, "_OUTPUT's select list changed: update _OUTPUT_TABLE"


def _arrow(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False)


def area_values_sql(obs: pd.DataFrame, indicators: pd.DataFrame, members: pd.DataFrame,
                    kommun: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Every annual indicator's value for every area in ``members`` (grain: indicator × area ×
    year × sex), for the rules in ``SQL_RULES``; the same frame ``warehouse.build.area_values``
    makes with pandas, rows in the same order (indicator as listed, area, sex, year)."""
    # a cap keeps the build's peak memory down (unlimited, DuckDB took ~125 MB more here for
    # little speed); past it DuckDB spills into a private temporary folder, never fails
    spill = tempfile.TemporaryDirectory(prefix="area-sql-")
    con = quiet(duckdb.connect(config={"memory_limit": MEMORY_LIMIT,
                                       "temp_directory": spill.name}))
    try:
        # as Arrow (zero copy for Arrow-backed strings; DuckDB's pandas scan of them is not)
        con.register("_obs_in", _arrow(obs[["indicator_id", "kommun_code", "year", "sex",
                                            "value"]]))
        con.register("_weights_in", _arrow(weights[["indicator_id", "kommun_code", "year",
                                                    "sex", "weight"]]))
        return area_values_in(con, indicators, members, kommun)
    finally:
        con.close()
        spill.cleanup()


def _batches(con: duckdb.DuckDBPyConnection, n: int) -> list[tuple[int, int]]:
    """``n`` ranges [lo, hi) of indicator numbers with about equal observations each (at
    least one range, covering every indicator)."""
    n_ind = con.execute("select count(*) from _ind").fetchall()[0][0]
    if n <= 1:  # one range: no need to count every indicator's observations
        return [(0, max(n_ind, 1))]
    counts = dict(con.execute("select i, count(*) from _obs group by i").fetchall())
    total = sum(counts.values())
    bounds, seen = [0], 0
    for i in range(n_ind):
        seen += counts.get(i, 0)
        if seen >= total * len(bounds) / n and len(bounds) < n and i + 1 < n_ind:
            bounds.append(i + 1)
    bounds.append(max(n_ind, 1))
    return list(itertools.pairwise(bounds))


@contextmanager
def _joins_as_written(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statement with DuckDB's ``build_side_probe_side`` optimizer off, the setting put
    back after. The setting is the DuckDB instance's (GLOBAL in 2.0: every cursor of it sees
    it meanwhile; it changes plans, never rows). Put back also when the statement raises
    outside a transaction, as the build runs it; inside an aborted transaction the restore
    itself fails and the setting stays until set again. That pass turned the weights' left joins into right joins that
    build their hash tables on the 422 000 reporting rows and probe with the 119 000 weights;
    as the join order planned them, the weights are the build side: the same rows, ~0.15 s
    less wall and ~0.1 s less CPU, less spilled under the build's cap (bench/results/build.md,
    build22b)."""
    before = con.execute("select current_setting('disabled_optimizers')").fetchone()[0]
    con.execute("set disabled_optimizers = ?", [",".join(
        [x for x in before.split(",") if x.strip()] + ["build_side_probe_side"])])
    try:
        yield
    finally:
        con.execute("set disabled_optimizers = ?", [before])


def area_values_in(con: duckdb.DuckDBPyConnection, indicators: pd.DataFrame,
                   members: pd.DataFrame, kommun: pd.DataFrame,
                   series: dict[str, int] | None = None,
                   into: str | None = None) -> pd.DataFrame | None:
    """``area_values_sql`` over the observations and weights ``con`` already holds: the
    relation ``_obs_in`` (indicator_id, kommun_code, year, sex, value) and either
    ``_weights_in`` (indicator_id, … weight: per indicator) or, with ``series`` (indicator_id
    -> series number p), ``_pw_in`` (p, kommun_code, year, sex, weight): weights that many
    indicators share go in once (the build's 41 weighted indicators share 8). Tables, views or
    registered frames; its own tables are temporary and dropped.

    ``into`` (a ``schema.table`` name): the rows are written into that new table of ``con``
    instead (the types, rows and order write_table gives the frame), and None is returned:
    the 235 000 rows never become a frame to be written back."""
    rule = indicators["aggregation"].astype(str).to_numpy()
    use = np.isin(rule, SQL_RULES)
    ids = indicators["indicator_id"].astype(str).to_numpy()[use]
    numbers = np.arange(int(use.sum()))
    p = numbers if series is None else [series.get(i) for i in ids]
    ind = pd.DataFrame({"i": numbers, "weighted": rule[use] == "weighted", "indicator_id": ids,
                        "p": pd.array(p, dtype="Int64")})
    try:
        # copied into tables first: joins over registered pandas frames peaked far higher
        con.register("_ind_in", _arrow(ind))
        con.register("_members_in", _arrow(members[["area_id", "kommun_code"]]))
        con.register("_first_in", _arrow(kommun[["kommun_code", "first_year"]]))
        if series is None:
            con.execute(_PER_INDICATOR)
        con.execute(_SETUP)
        t = con.execute("select s from _sd where sex = 'T'").fetchall()[0][0]
        # in BATCHES batches of indicators with about as many observations each (one today: see
        # BATCHES; more would bound the hash joins' memory for a much larger mirror)
        statement = _AREA_SQL.replace("order by i, a, s, year", "")
        with _joins_as_written(con):
            for n, (lo, hi) in enumerate(_batches(con, BATCHES)):
                con.execute(("create temp table _r as " if n == 0 else "insert into _r ")
                            + statement, {"t": t, "min": area_rules.MIN_COVERAGE, "lo": lo,
                                          "hi": hi})
        if into is not None:
            # stored in the statement's order: insertion order must be kept for this one
            con.execute("set preserve_insertion_order = true")
            con.execute(f"create table {sql_identifier(into)} as " + _OUTPUT_TABLE)
            return None
        out = con.sql(_OUTPUT).to_arrow_table().to_pandas()
    finally:
        con.execute(_DROP)
        if series is None:
            con.execute("drop view if exists _pw_in")
        for name in ("_ind_in", "_members_in", "_first_in"):
            con.unregister(name)
    status = np.array([None, "partial", "withheld"], dtype=object)
    out["status"] = status[out.pop("st").to_numpy()]
    for col in ("n_expected", "n_reporting"):
        out[col] = out[col].astype("int32")
    return out
