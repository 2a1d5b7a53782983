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
}


# Arbetsförmedlingen's marts exist only once a month has been imported.
AF_CHECKS = {
    "af kommun: unique key": "select kommun_code, period, group_code "
                             "from marts.af_kommun_monthly group by all having count(*) > 1",
    "af kommun: known kommun": "select kommun_code from marts.af_kommun_monthly "
                               "anti join marts.kommun using (kommun_code)",
    "af kommun: share within 0-100": "select * from marts.af_kommun_monthly "
                                     "where inskrivna_share not between 0 and 100",
    "af kommun: '<5' has no count": "select * from marts.af_kommun_monthly "
                                    "where inskrivna_is_masked and inskrivna_count is not null",
    "af unknown rows: never a kommun": "select * from marts.af_unallocated_monthly "
                                       "where lan_code is not null "
                                       "and not regexp_full_match(lan_code, '\\d{2}')",
    "af areas: unique key": "select area_id, period, group_code from marts.af_area_monthly "
                            "group by all having count(*) > 1",
}


def run(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the checks that returned rows (an empty list means every check passed)."""
    checks = dict(CHECKS)
    has_af = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts' "
                         "and table_name = 'af_kommun_monthly'").fetchone()[0]
    if has_af:
        checks.update(AF_CHECKS)
    return [name for name, sql in checks.items() if con.execute(sql).fetchall()]
