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

import numpy as np
import pandas as pd

from transforms import monthly
from transforms.catalogue import monthly_marts
from warehouse import queries

GR = ("1440", "1489", "1480", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407")  # Göteborgsregionen's 13 kommuner


def _pandas(con, ind, area, sex, dims):
    """``queries._monthly_series_pandas`` for one series, as ``monthly_series`` calls it."""
    mart = monthly_marts()[ind.mart]
    choices = monthly.choose(mart, dims, indicator_id=ind.id)
    available = queries._monthly_available(con, ind, mart["table"], choices, sex)
    found = queries._monthly_series_pandas(con, ind, mart, choices, area, sex, available,
                                           queries._months(choices, available))
    return found if area.is_kommun else queries._with_monthly_shares(  # the population rule
        con, ind, mart, choices, area, sex, found, available)


def reference(con, ind, dims: dict[str, str], cases: list[tuple[queries.Area, str]]
              ) -> dict[tuple[str, str], pd.DataFrame]:
    """``_pandas(con, ind, area, sex, dims)`` for every (area, sex) of ``cases`` (areas that
    are no kommun), with ONE ``areas.aggregate`` call for them all instead of one each (issue
    12 point 8: the per-series calls were ~80 % of these tests' CPU).

    Per sex, the members' rows of every area are read in one ``_monthly_rows`` call and each
    choice applied (``monthly.apply`` works per kommun and month, so an area's rows are the
    union's rows of its members); the aggregate then gets every area (its own ``area_id``) and
    sex at once, with the filler months of each sex and each län's or Riket's unallocated
    counts under its own area id. ``aggregate`` works per area, month and sex, so an area's
    rows are the ones a call for it alone gives, for the months of its series (a month only
    another area's members have is dropped by the months join, as a month no member has).
    The rest is ``_monthly_series_pandas``'s own steps, per area. An area none of whose
    members has a row goes through the same aggregate, where the pandas path takes its
    shortcut ``_area_monthly_empty`` (documented as giving what the aggregate gives).
    ``test_the_batched_reference_is_monthly_series_pandas`` holds the two equal."""
    from transforms import areas as area_rules

    assert not any(area.is_kommun for area, _ in cases)
    mart = monthly_marts()[ind.mart]
    choices = monthly.choose(mart, dims, indicator_id=ind.id)
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    first = first.set_index("kommun_code")["first_year"]
    per_sex, values, members, extra = {}, [], {}, []
    for sex in dict.fromkeys(sex for _, sex in cases):
        areas = [area for area, s in cases if s == sex]
        available = queries._monthly_available(con, ind, mart["table"], choices, sex)
        months = queries._months(choices, available)
        if months.empty:  # nothing for this sex and these options: every series empty
            per_sex[sex] = (months, None)
            continue
        union = sorted({code for area in areas for code in area.members})
        rows = queries._monthly_rows(con, ind, mart, choices, union, sex)
        for name, choice in choices.items():
            rows = monthly.apply(rows, choice, available[name])
        rows["period"] = pd.to_datetime(rows["period"]).astype("datetime64[ns]")
        per_sex[sex] = (months, rows)
        values += [rows.assign(sex=sex, value=rows["numerator"]),
                   pd.DataFrame({"kommun_code": "__none__", "period": months["period"],
                                 "sex": sex})]
        for area in areas:
            members[area.area_id] = pd.DataFrame({"area_id": area.area_id,
                                                  "kommun_code": list(area.members)})
            e = queries._unallocated(con, ind, mart, choices, area, sex, available)
            if e is not None:
                extra.append(e.assign(area_id=area.area_id))
    if not values:
        return {(area.area_id, sex): pd.DataFrame(columns=queries.MONTHLY_COLUMNS)
                for area, sex in cases}
    values = pd.concat(values, ignore_index=True)
    values["masked"] = values["masked"].astype("boolean").fillna(False).astype(bool)
    extra = pd.concat(extra, ignore_index=True) if extra else None
    agg = area_rules.aggregate(values, pd.concat(members.values(), ignore_index=True),
                               rule=ind.aggregation, time="period", scale=ind.scale,
                               first_year=first, extra=extra)
    if "numerator" not in agg:
        agg["numerator"], agg["denominator"] = agg["value"], np.nan
    agg["period"] = pd.to_datetime(agg["period"]).astype("datetime64[ns]")
    agg_by = dict(tuple(agg.groupby(["area_id", "sex"], sort=False)))
    extra_by = dict(tuple(extra.groupby(["area_id", "sex"], sort=False))) if extra is not None \
        else {}
    out = {}
    for area, sex in cases:
        key = (area.area_id, sex)
        months, rows = per_sex[sex]
        if months.empty:
            out[(area.area_id, sex)] = pd.DataFrame(columns=queries.MONTHLY_COLUMNS)
            continue
        rows = rows[rows["kommun_code"].isin(area.members)].reset_index(drop=True)
        months = months.copy()
        if "band_label" in rows:
            stated = rows.dropna(subset=["band_label"]).groupby("period")["band_label"].agg(
                lambda b: " / ".join(sorted(set(map(str, b)))))
            months["band"] = months["period"].map(stated).fillna(months["band"])
        part = agg_by.get(key, agg.iloc[0:0]).drop(columns=["area_id", "sex"])
        series = months.merge(part, on="period", how="left")
        series["is_lower_bound"] = series["is_lower_bound"].astype("boolean").fillna(
            False).astype(bool)
        series["n_masked"] = series["n_masked"].fillna(0).astype(int)
        series = series.merge(queries._flags(rows), on="period", how="left")
        e = extra_by.get(key)
        if e is not None and not e.empty:
            files = series["period"].map(e.set_index("period")["extra_table_id"])
            series["table_id"] = [
                "+".join(sorted({p for part in (a, b) if isinstance(part, str) and part
                                 for p in part.split("+")})) or None
                for a, b in zip(series["table_id"], files, strict=True)]
        series["is_preliminary"] = series["is_preliminary"].fillna(False).astype(bool)
        series["is_computed"] = True
        series["period"] = series["period"].dt.date
        series = series[queries.MONTHLY_COLUMNS].sort_values("period").reset_index(drop=True)
        # the population half of the rule is one step after either path (stop 28), tested
        # on its own in tests/test_population_rule.py
        out[(area.area_id, sex)] = queries._with_monthly_shares(con, ind, mart, choices, area,
                                                                sex, series)
    return out


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
    # the smallest kommuner without monthly values (20–64 år, 2022): the partial group
    # stays over half of its population, so it is shown (stop 28's population rule)
    people = dict(con.execute("""select kommun_code, value from marts.observation_kommun_year
                                 where indicator_id = 'N01955' and sex = 'T' and year = 2022
                              """).fetchall())
    lacking = sorted((k for k in queries.kommuner(con)["kommun_code"] if k not in set(have)),
                     key=lambda k: people.get(k, 0))
    return [queries.area(con, "riket"), queries.area(con, f"lan:{lan}"),
            queries.Area("group:full", "full", "group", tuple(have[:5])),
            queries.Area("group:partial", "partial", "group", (*have[:4], *lacking[:2])),
            queries.Area("group:gr", "gr", "group", GR),
            queries.Area("group:odd", "odd", "group", ("0330", "0380", "9999", *have[:1]))]



def check_sql_equals_pandas(con, prefix: str = "") -> pd.DataFrame:
    """Compares every monthly indicator (whose id starts with ``prefix``) × sex × area at the
    default options, and every option of each dimension (sex T; Riket and the partial group)
    for the first indicator of each mart, against the pandas reference (``reference``, the
    series of one option batched); returns the SQL path's rows, for the callers' checks that
    the flags were really exercised."""
    seen, marts_done = [], set()
    areas = areas_to_check(con)
    for ind in queries.indicators(con):
        if not ind.is_monthly or not ind.id.startswith(prefix):
            continue
        mart = monthly_marts()[ind.mart]
        if not queries.has_table(con, mart["table"]):
            continue
        batches = [({}, [(area, sex) for area in areas for sex in ("T", "K", "M")])]
        if ind.mart not in marts_done:
            marts_done.add(ind.mart)
            batches += [(dims, [(area, "T") for area in areas
                                if area.area_id in {"riket", "group:partial"}])
                        for dims in _options(mart)[1:]]
        for dims, cases in batches:
            refs = reference(con, ind, dims, cases)
            choices = monthly.choose(mart, dims, indicator_id=ind.id)
            for area, sex in cases:
                sql = queries.monthly_series(con, ind, area, sex, dims)
                pd.testing.assert_frame_equal(sql, refs[(area.area_id, sex)],
                                              check_dtype=False, rtol=1e-9,
                                              obj=f"{ind.id} {dims} {area.area_id} {sex}")
                if queries._sql_monthly_fits(ind, choices) and not sql.empty:
                    seen.append(sql.assign(indicator_id=ind.id, area_id=area.area_id,
                                           sex=sex))
    return pd.concat(seen, ignore_index=True)


def check_reference_is_monthly_series_pandas(con, mart_name: str, option: dict[str, str],
                                            sexes: tuple[str, str]) -> int:
    """``reference`` equal to ``_monthly_series_pandas`` itself, to the last bit (dtypes
    aside: an empty frame is all object), in one mart: its first 'ratio' indicator at the
    first of ``sexes`` for every area checked, and with ``option`` for Riket and the län; its
    first 'sum' indicator at the second sex for Riket and the partial group. Returns the
    number of non-empty series compared."""
    areas = areas_to_check(con)
    picked: dict[str, queries.Indicator] = {}
    for ind in queries.indicators(con):
        if ind.is_monthly and ind.mart == mart_name:
            picked.setdefault(ind.aggregation, ind)
    assert {"ratio", "sum"} <= set(picked), picked
    first, second = sexes
    batches = [(picked["ratio"], {}, [(a, first) for a in areas]),
               (picked["ratio"], option, [(a, first) for a in areas[:2]]),  # Riket, a län
               (picked["sum"], {}, [(a, second) for a in areas
                                    if a.area_id in {"riket", "group:partial"}])]
    compared = 0
    for ind, dims, cases in batches:
        refs = reference(con, ind, dims, cases)
        for area, sex in cases:
            own = _pandas(con, ind, area, sex, dims)
            pd.testing.assert_frame_equal(refs[(area.area_id, sex)], own, check_exact=True,
                                          check_dtype=False,
                                          obj=f"{ind.id} {dims} {area.area_id} {sex}")
            compared += not own.empty
    return compared


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


def test_the_batched_reference_is_monthly_series_pandas(warehouse):
    """The mirror's BAS has kommun rows for both sexes together only (T)."""
    assert check_reference_is_monthly_series_pandas(warehouse, "bas", {"age": "16-24"},
                                                    ("T", "T")) >= 8


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
