"""Read-only queries the dashboard and the CLI ask of the marts. No streamlit here.

Every function takes a DuckDB connection (or cursor) first; parameters are bound with ``?``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from transforms import areas as area_rules
from transforms.catalogue import Indicator, indicator_from_row

Con = duckdb.DuckDBPyConnection

INDICATOR_COLUMNS = """indicator_id, label, unit, short_unit, decimals, groups, aggregation,
    weight_ids, weight_label, weight_exact, note, breaks_year, breaks_label, title, definition,
    source, producer, has_sex, first_year, last_year, fetched_at"""


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


def areas(con: Con, kind: str | None = None) -> pd.DataFrame:
    """Areas with their member count: area_id, area_kind, area_code, area_name, n_members."""
    sql = """select a.area_id, a.area_kind, a.area_code, a.area_name, a.vintage, a.source,
                    count(m.kommun_code) as n_members
             from marts.area a left join marts.area_member m using (area_id)
             where (? is null or a.area_kind = ?)
             group by a.area_id, a.area_kind, a.area_code, a.area_name, a.vintage, a.source
             order by case a.area_kind when 'riket' then 0 when 'lan' then 1 when 'la' then 2
                      when 'fa' then 3 when 'kommungrupp' then 4 else 5 end,
                      try_cast(a.area_code as integer) nulls last, a.area_code"""
    return con.execute(sql, [kind, kind]).df()


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


def indicators(con: Con, group: str | None = None) -> list[Indicator]:
    """The catalogue (optionally one target group's), in catalogue order."""
    sql = f"""select {INDICATOR_COLUMNS} from marts.indicator
              where ? is null or list_contains(groups, ?)"""
    df = con.execute(sql, [group, group]).df()
    return [indicator_from_row(r) for r in df.to_dict("records")]


def indicator(con: Con, indicator_id: str) -> Indicator:
    """One indicator's metadata; raises UnknownIndicator."""
    df = con.execute(f"select {INDICATOR_COLUMNS} from marts.indicator where indicator_id = ?",
                     [indicator_id]).df()
    if df.empty:
        raise UnknownIndicator(indicator_id)
    return indicator_from_row(df.to_dict("records")[0])


def kommun_series(con: Con, indicator_id: str, kommun_code: str, sex: str = "T") -> pd.DataFrame:
    """One kommun's series: year, value, status (grain: year)."""
    sql = """select year, value, status from marts.observation_kommun_year
             where indicator_id = ? and kommun_code = ? and sex = ? order by year"""
    return con.execute(sql, [indicator_id, kommun_code, sex]).df()


def official_area_series(con: Con, indicator_id: str, area_id: str,
                         sex: str = "T") -> pd.DataFrame:
    """A precomputed official area's series: year, value, n_expected, n_reporting, status."""
    sql = """select year, value, n_expected, n_reporting, status from marts.area_indicator_year
             where indicator_id = ? and area_id = ? and sex = ? order by year"""
    return con.execute(sql, [indicator_id, area_id, sex]).df()


def _member_frame(con: Con, ids: list[str], kommun_codes: list[str]) -> pd.DataFrame:
    sql = """select indicator_id, kommun_code, year, sex, value
             from marts.observation_kommun_year
             where list_contains(?, indicator_id) and list_contains(?, kommun_code)"""
    return con.execute(sql, [ids, kommun_codes]).df()


def computed_area_series(con: Con, ind: Indicator, members: list[str],
                         sex: str = "T") -> pd.DataFrame:
    """Any member set's series by the indicator's own rule (used for user groups)."""
    if not members:
        return pd.DataFrame(columns=["year", "value", "n_expected", "n_reporting", "status"])
    values = _member_frame(con, [ind.id], members)
    values = values[values["sex"] == sex]
    weights = None
    if ind.aggregation == "weighted":  # the same stored weights the official areas use
        weights = con.execute("""select kommun_code, year, sex, weight
                                 from marts.indicator_weight
                                 where indicator_id = ? and list_contains(?, kommun_code)""",
                              [ind.id, members]).df()
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    # the years on offer are the indicator's years anywhere, so a year in which no member
    # reports still appears (withheld) instead of silently vanishing
    years = con.execute("""select distinct year from marts.observation_kommun_year
                           where indicator_id = ? and sex = ?""", [ind.id, sex]).df()
    members_df = pd.DataFrame({"area_id": "group", "kommun_code": members})
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
    """Series for any area: year, value, n_expected, n_reporting, status."""
    if area_obj.is_kommun:
        df = kommun_series(con, ind.id, area_obj.members[0], sex)
        return df.assign(n_expected=1, n_reporting=df["value"].notna().astype(int))
    if area_obj.kind == "group":
        return computed_area_series(con, ind, list(area_obj.members), sex)
    return official_area_series(con, ind.id, area_obj.area_id, sex)


def member_values(con: Con, indicator_id: str, members: list[str], sex: str = "T") -> pd.DataFrame:
    """Each member kommun's series: kommun_code, kommun_name, year, value (for small multiples)."""
    sql = """select o.kommun_code, k.kommun_name, o.year, o.value
             from marts.observation_kommun_year o join marts.kommun k using (kommun_code)
             where o.indicator_id = ? and o.sex = ? and list_contains(?, o.kommun_code)
             order by k.kommun_name, o.year"""
    return con.execute(sql, [indicator_id, sex, members]).df()


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


def bas_monthly(con: Con, members: list[str]) -> pd.DataFrame:
    """marts.bas_kommun_monthly rows for the members (every sex, age and födelseregion)."""
    sql = """select kommun_code, sex, age_code, age_label, birth_region_code,
                    birth_region_label, period, unemployment_rate, labour_force_count,
                    unemployed_count, is_preliminary
             from marts.bas_kommun_monthly where list_contains(?, kommun_code)"""
    return con.execute(sql, [members]).df()


def population_lan_monthly(con: Con, lan_codes: list[str]) -> pd.DataFrame:
    """SCB population by län × age group × sex × month (mirror: TAB6471, 10-year groups)."""
    sql = """select region_code, age_code, age_label, sex, period, population, status, table_id
             from marts.population_region_monthly
             where region_level = 'lan' and list_contains(?, region_code)
             order by period, region_code, sex, age_code"""
    return con.execute(sql, [lan_codes]).df()


MONTHLY_TABLES = {"bas": "marts.bas_kommun_monthly",
                  "population": "marts.population_region_monthly"}
_MONTH_SPAN_SQL = {
    "bas": "select min(period), max(period) from marts.bas_kommun_monthly",
    "population": "select min(period), max(period) from marts.population_region_monthly",
}


def month_span(con: Con, dataset: str) -> tuple[str, str] | None:
    """First and last month ('YYYY-MM') of a monthly mart (MONTHLY_TABLES), or None."""
    if not has_table(con, MONTHLY_TABLES[dataset]):
        return None
    row = con.execute(_MONTH_SPAN_SQL[dataset]).fetchone()
    if row is None or row[0] is None:
        return None
    return str(row[0])[:7], str(row[1])[:7]
