"""Data tests run on every new warehouse before it is swapped in (dbt-style: no rows = pass)."""

from __future__ import annotations

import duckdb

CHECKS = {
    "kommun: unique code": "select kommun_code from marts.kommun group by all having count(*) > 1",
    "kommun: 4-digit string code": "select kommun_code from marts.kommun "
                                   "where not regexp_full_match(kommun_code, '\\d{4}')",
    "kommun: län code is the first two digits": "select kommun_code from marts.kommun "
                                                "where lan_code <> kommun_code[1:2]",
    "observation: unique key": "select indicator_id, kommun_code, year, sex "
                               "from marts.observation_kommun_year group by all having count(*) > 1",
    "observation: known kommun": "select kommun_code from marts.observation_kommun_year "
                                 "anti join marts.kommun using (kommun_code)",
    "observation: known indicator": "select indicator_id from marts.observation_kommun_year "
                                    "anti join marts.indicator using (indicator_id)",
    "observation: sex is T/K/M": "select sex from marts.observation_kommun_year "
                                 "where sex not in ('T', 'K', 'M')",
    "observation: shares within 0-100": "select o.indicator_id, o.kommun_code, o.year, o.value "
                                        "from marts.observation_kommun_year o join marts.indicator i "
                                        "using (indicator_id) where i.unit = 'percent' "
                                        "and o.value not between 0 and 100",
    "area values: unique key": "select indicator_id, area_id, year, sex "
                               "from marts.area_indicator_year group by all having count(*) > 1",
    "area values: shares within 0-100": "select a.* from marts.area_indicator_year a "
                                        "join marts.indicator i using (indicator_id) "
                                        "where i.unit = 'percent' and a.value not between 0 and 100",
    "area members: known kommun": "select kommun_code from marts.area_member "
                                  "anti join marts.kommun using (kommun_code)",
    # each weight series once (weights24), and every indicator's series number stored: a
    # number without rows only where none of the indicator's proxies has a value (a build
    # without them: a small one). ~5 + ~3 ms on the full mirror
    "weight series: unique key": "select series, kommun_code, year, sex from marts.weight_series "
                                 "group by all having count(*) > 1",
    "indicator: weight series stored": (
        "select i.indicator_id from marts.indicator i where i.weight_series is not null "
        "and not exists (select 1 from marts.weight_series w where w.series = i.weight_series) "
        "and exists (select 1 from marts.observation_kommun_year o "
        "where list_contains(i.weight_ids, o.indicator_id))"),
}


BAS = "marts.bas_kommun_monthly"
_BAS_RATES = " or ".join(f"{c} not between 0 and 100" for c in (
    "unemployment_rate", "employment_rate", "participation_rate"))
TABLE_CHECKS = {  # run when the table exists (a source never fetched leaves it out)
    "bas monthly: unique key": (BAS, (
        f"select kommun_code, sex, age_code, birth_region_code, period from {BAS} "
        "group by all having count(*) > 1")),
    "bas monthly: known kommun": (BAS, (
        f"select kommun_code from {BAS} anti join marts.kommun using (kommun_code)")),
    "bas monthly: rates within 0-100": (BAS, f"select * from {BAS} where {_BAS_RATES}"),
    "bas monthly: sex is T/K/M": (BAS, f"select sex from {BAS} where sex not in ('T','K','M')"),
    "bas monthly: period is a month's first day": (BAS, (
        f"select period from {BAS} where day(period) <> 1")),
    "bas monthly: source table named": (BAS, f"select * from {BAS} where table_id is null"),
}
# Arbetsförmedlingen's marts exist only once a month has been imported.
AFK, AFU = "marts.af_kommun_monthly", "marts.af_unallocated_monthly"
TABLE_CHECKS.update({
    "af kommun: unique key": (AFK, (
        f"select kommun_code, period, group_code from {AFK} group by all having count(*) > 1")),
    "af kommun: known kommun": (AFK, (
        f"select kommun_code from {AFK} anti join marts.kommun using (kommun_code)")),
    "af kommun: share within 0-100": (AFK, (
        f"select * from {AFK} where inskrivna_share not between 0 and 100")),
    "af kommun: '<5' has no count": (AFK, (
        f"select * from {AFK} where inskrivna_is_masked and inskrivna_count is not null")),
    "af unknown rows: never a kommun": (AFU, (
        f"select * from {AFU} where lan_code is not null "
        "and not regexp_full_match(lan_code, '\\d{2}')")),
    "af kommun: sex is T/K/M": (AFK, f"select sex from {AFK} where sex not in ('T','K','M')"),
    "af kommun: file named": (AFK, f"select * from {AFK} where table_id is null"),
})


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return con.execute("select count(*) from duckdb_tables() where schema_name = ? and "
                       "table_name = ?", [schema, name]).fetchone()[0] > 0


def run(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the checks that returned rows (an empty list means every check passed)."""
    failed = [name for name, sql in CHECKS.items() if con.execute(sql).fetchall()]
    return failed + [name for name, (table, sql) in TABLE_CHECKS.items()
                     if _exists(con, table) and con.execute(sql).fetchall()]
