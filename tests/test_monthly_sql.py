"""An area's monthly series in one SQL statement (warehouse.queries._area_monthly_sql) equals
the same series through transforms.areas.aggregate (``_monthly_series_pandas``, the reference)
for every monthly indicator in the real warehouse, every sex, every option of each dimension,
and Riket, a län, a group whose members all have data, a group only some of whose members
have data, Göteborgsregionen (none of its members has data here) and a hand-made set with a
kommun formed in 2003 and a code that is no kommun: values, coverage, status, lower bounds, preliminary
marks, source tables and bands (issue 12 point 7: Riket's series took 40–55 ms in pandas).
tests/test_af_monthly.py runs the same check on Arbetsförmedlingen's mart ("<5" counts,
rows with unknown kommun, bands stated per row)."""

from __future__ import annotations

import pandas as pd

from transforms import monthly
from transforms.catalogue import monthly_marts
from warehouse import queries

GR = ("1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407")  # Göteborgsregionen's 13 kommuner


def _pandas(con, ind, area, sex, dims):
    mart = monthly_marts()[ind.mart]
    choices = monthly.choose(mart, dims, indicator_id=ind.id)
    available = queries._monthly_available(con, ind, mart["table"], choices, sex)
    return queries._monthly_series_pandas(con, ind, mart, choices, area, sex, available,
                                          queries._months(choices, available))


def _options(mart: dict) -> list[dict[str, str]]:
    """The default, then every option of each dimension with the others at their default."""
    out: list[dict[str, str]] = [{}]
    for name, spec in (mart.get("dimensions") or {}).items():
        for option in [*(spec.get("values") or {}), *(spec.get("series") or {})]:
            out.append({name: str(option)})
    return out


def areas_to_check(con) -> list[queries.Area]:
    """Riket, a län, a full and a partial group, Göteborgsregionen (no member in the
    mirror's monthly data: every month withheld) and a hand-made set."""
    ind = next(i for i in queries.indicators(con) if i.is_monthly
               and queries.has_table(con, monthly_marts()[i.mart]["table"]))
    have = sorted(queries.monthly_kommuner(con, ind)["kommun_code"])
    lan = have[0][:2]
    lacking = [k for k in queries.kommuner(con)["kommun_code"] if k not in set(have)]
    return [queries.area(con, "riket"), queries.area(con, f"lan:{lan}"),
            queries.Area("group:full", "full", "group", tuple(have[:5])),
            queries.Area("group:partial", "partial", "group", (*have[:4], *lacking[:2])),
            queries.Area("group:gr", "gr", "group", GR),
            queries.Area("group:odd", "odd", "group", ("0330", "0380", "9999", *have[:1]))]



def check_sql_equals_pandas(con, prefix: str = "") -> pd.DataFrame:
    """Compares every monthly indicator (whose id starts with ``prefix``) × sex × area at the
    default options, and every option of each dimension (sex T; Riket and the partial group)
    for the first indicator of each mart; returns the SQL path's rows, for the callers'
    checks that the flags were really exercised."""
    seen, marts_done = [], set()
    areas = areas_to_check(con)
    for ind in queries.indicators(con):
        if not ind.is_monthly or not ind.id.startswith(prefix):
            continue
        mart = monthly_marts()[ind.mart]
        if not queries.has_table(con, mart["table"]):
            continue
        cases = [({}, area, sex) for area in areas for sex in ("T", "K", "M")]
        if ind.mart not in marts_done:
            marts_done.add(ind.mart)
            cases += [(dims, area, "T") for dims in _options(mart)[1:]
                      for area in areas if area.area_id in {"riket", "group:partial"}]
        for dims, area, sex in cases:
            sql = queries.monthly_series(con, ind, area, sex, dims)
            ref = _pandas(con, ind, area, sex, dims)
            pd.testing.assert_frame_equal(sql, ref, check_dtype=False, rtol=1e-9,
                                          obj=f"{ind.id} {dims} {area.area_id} {sex}")
            choices = monthly.choose(mart, dims, indicator_id=ind.id)
            if queries._sql_monthly_fits(ind, choices) and not sql.empty:
                seen.append(sql.assign(indicator_id=ind.id, area_id=area.area_id, sex=sex))
    return pd.concat(seen, ignore_index=True)


def test_sql_monthly_series_equals_the_area_rule(warehouse):
    rows = check_sql_equals_pandas(warehouse)
    assert set(rows["indicator_id"]) >= {"bas_arbetsloshet", "bas_arbetslosa"}
    assert {"riket", "group:partial", "group:full"} <= set(rows["area_id"])
    assert rows["value"].notna().sum() > 100
    assert {"partial", "withheld"} <= set(rows["status"].dropna())
    assert rows["status"].isna().any()  # every member reporting
    assert rows["is_preliminary"].any()
    have = len(queries.monthly_kommuner(warehouse, queries.indicator(warehouse, "bas_arbetslosa")))
    riket = rows[(rows["area_id"] == "riket") & (rows["indicator_id"] == "bas_arbetslosa")]
    assert riket["n_reporting"].max() == have
    assert riket["n_expected"].max() == len(queries.kommuner(warehouse))


def test_a_groups_unemployment_is_its_kommuners_counts_summed(warehouse):
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    members = queries.monthly_kommuner(warehouse, ind)["kommun_code"].tolist()[:4]
    series = queries.monthly_series(warehouse, ind, queries.Area(
        "group:x", "x", "group", tuple(members)))
    row = series.dropna(subset=["value"]).iloc[-1]
    band = row["band"]
    num, den = warehouse.execute(
        """select sum(unemployed_count), sum(labour_force_count) from marts.bas_kommun_monthly
           where list_contains(?, kommun_code) and sex = 'T' and period = ? and age_code = ?
             and birth_region_code = 'tot'""", [members, row["period"], band]).fetchone()
    assert row["value"] == 100 * num / den
    assert (row["numerator"], row["denominator"]) == (num, den)
