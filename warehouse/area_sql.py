"""Every official area's yearly values in one DuckDB statement, by the rules of
``transforms.areas.aggregate`` (the pandas function stays the reference: tests/test_area_sql.py
holds the two equal for every indicator, area, year and sex of the real mirror).

Per indicator whose rule is ``sum`` or ``weighted`` (the annual rules; ``none`` has no area
values, any other rule goes through the pandas function): every area × member × (year, sex) the indicator has
anywhere. A member reports when it has a value (for ``weighted`` also a weight > 0: its own
sex's, else the total's where the indicator has no weights of its own for that sex); it is
expected when it reports or existed that year (its first year, or always when unknown). An area
value needs ``MIN_COVERAGE`` of the expected members, else it is withheld; fewer than all is
'partial'. Sums are compensated (``fsum``, as pandas' groupby sum), so the two agree to the
last bits or within 1e-12 relative.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from transforms import areas as area_rules

SQL_RULES = ("sum", "weighted")  # rule 'none' has no area values at all

_AREA_SQL = """
with ind as (
  select indicator_id, aggregation as rule, ord from _ind
  where aggregation in ('sum', 'weighted')
),
o as (select o.indicator_id, o.kommun_code, o.year, o.sex, o.value
      from _obs o semi join ind using (indicator_id)),
w as (select indicator_id, kommun_code, year, sex, weight from _weights
      semi join ind using (indicator_id)),
-- the indicators that have weights, and the sexes (other than T) each has its own weights for
wind as (select distinct indicator_id from w),
wsex as (select distinct indicator_id, sex from w where sex <> 'T'),
periods as (select distinct indicator_id, year, sex from o),
-- per kommun first: reporting, expected, value × weight and weight (members join after)
k as (
  select p.indicator_id, c.kommun_code, p.year, p.sex, i.rule, o.value, f.first_year,
         case when i.rule = 'weighted'
              then coalesce(ws.weight, case when wsex.sex is null then wt.weight end)
              else 1.0 end as weight
  from periods p
  join ind i using (indicator_id)
  left join wind using (indicator_id)
  left join wsex on wsex.indicator_id = p.indicator_id and wsex.sex = p.sex
  cross join (select distinct kommun_code from _members) c
  left join o on o.indicator_id = p.indicator_id and o.kommun_code = c.kommun_code
             and o.year = p.year and o.sex = p.sex
  left join w ws on ws.indicator_id = p.indicator_id and ws.kommun_code = c.kommun_code
             and ws.year = p.year and ws.sex = p.sex
  left join w wt on wt.indicator_id = p.indicator_id and wt.kommun_code = c.kommun_code
             and wt.year = p.year and wt.sex = 'T'
  left join _first f on f.kommun_code = c.kommun_code
  -- a weighted indicator without any weights gets no area values
  where i.rule <> 'weighted' or wind.indicator_id is not null
),
r as (
  select *, value is not null and (rule <> 'weighted' or coalesce(weight > 0, false)) as rep
  from k
),
a as (
  select r.indicator_id, m.area_id, r.year, r.sex, any_value(r.rule) as rule,
         sum(case when rep or first_year is null or year >= first_year then 1 else 0 end)
           as n_expected,
         sum(case when rep then 1 else 0 end) as n_reporting,
         fsum(case when rep then value * weight else 0.0 end) as wv,
         fsum(case when rep then weight else 0.0 end) as w
  from r join _members m using (kommun_code)
  group by r.indicator_id, m.area_id, r.year, r.sex
),
s as (
  select *, n_reporting = 0
              or n_reporting::double / n_expected < ? as withheld
  from a where n_expected > 0
)
select s.indicator_id, s.area_id, s.year, s.sex,
       case when withheld then null
            when s.rule = 'sum' then wv
            when s.rule = 'weighted' and w > 0 then wv / w end as value,
       n_expected::integer as n_expected, n_reporting::integer as n_reporting,
       case when withheld then 'withheld' when n_reporting < n_expected then 'partial' end
         as status
from s join ind using (indicator_id)
order by ind.ord, s.area_id, s.sex, s.year
"""


def area_values_sql(obs: pd.DataFrame, indicators: pd.DataFrame, members: pd.DataFrame,
                    kommun: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Every annual indicator's value for every area in ``members`` (grain: indicator × area ×
    year × sex), for the rules in ``SQL_RULES``; the same frame ``warehouse.build.area_values``
    makes with pandas, rows in the same order (indicator as listed, area, sex, year)."""
    con = duckdb.connect()
    try:
        con.register("_obs", obs[["indicator_id", "kommun_code", "year", "sex", "value"]])
        con.register("_ind", pd.DataFrame({
            "indicator_id": indicators["indicator_id"].astype(str).to_numpy(),
            "aggregation": indicators["aggregation"].astype(str).to_numpy(),
            "ord": range(len(indicators))}))
        con.register("_members", members[["area_id", "kommun_code"]])
        con.register("_first", kommun[["kommun_code", "first_year"]])
        con.register("_weights", weights[["indicator_id", "kommun_code", "year", "sex",
                                          "weight"]])
        df = con.execute(_AREA_SQL, [area_rules.MIN_COVERAGE]).df()
    finally:
        con.close()
    df["status"] = df["status"].astype(object).where(df["status"].notna(), None)
    return df[["indicator_id", *area_rules.OUT_COLUMNS]]
