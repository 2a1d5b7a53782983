"""SCB in the build: staging and mart tables from the newest SCB snapshots, and län names.

Reads raw snapshots only. A dataset never fetched is simply absent (the dashboard names what is
missing); a snapshot that no longer stages (the table changed shape) falls back to the one
before it and the summary says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from data_sources.snapshot import Snapshot, complete_snapshots
from transforms.jsonio import json_loads
from transforms.jsonstat import JsonStatError, join_parts, revision_date
from transforms.staging_scb import (
    bas_frame,
    integration_frame,
    kommun_areas,
    population_frame,
    prefer_final,
    stage,
)
from transforms.weights import with_total_sex

if TYPE_CHECKING:
    from data_sources.scb_datasets import ScbDataset


def _datasets():
    """data_sources.scb_datasets, imported when first used: it brings SCB's client and httpx
    (~0.15 s), which the build's SCB staging imports on its second thread, not at start."""
    from data_sources import scb_datasets

    return scb_datasets

SOURCE = "scb"
MARTS = {  # (kind, time grain) -> mart table
    ("population", "period"): "marts.population_region_monthly",
    ("population", "year"): "marts.population_kommun_year",
    ("bas", "period"): "marts.bas_kommun_monthly",
    ("bas", "year"): "marts.bas_kommun_yearly",
    ("integration", "year"): "marts.integration_kommun_year",
}
COMMENTS = {
    "marts.population_region_monthly": "SCB folkmängd per region × ålder × kön × månad "
                                       "(från 2025 med CKM-osäkerhet)",
    "marts.population_kommun_year": "SCB folkmängd per kommun × ålder × kön × år",
    "marts.bas_kommun_monthly": "SCB BAS per kommun × kön × ålder × födelseregion × månad: "
                                "slutliga värden (TAB2948) där de finns, annars preliminära "
                                "(TAB6260); is_preliminary och table_id säger vilket",
    "marts.bas_kommun_yearly": "SCB BAS per kommun × kön × ålder × födelseregion × år",
    "marts.integration_kommun_year": "SCB AA0003 etablering per kommun × vistelsetid × skäl × år",
}


@dataclass
class ScbFrames:
    """What the SCB part of a build writes: tables (name -> (frame, comment)) and provenance."""

    tables: dict[str, tuple[pd.DataFrame, str]] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    # kommun_code, year, sex (T/K/M), age (int), population, table_id: exact weights when present
    population_single_age: pd.DataFrame | None = None
    # division kind ('la', 'kommungrupp') -> area_code, area_label, kommun_code (live codelists)
    codelist_areas: dict[str, tuple[pd.DataFrame, str]] = field(default_factory=dict)


def is_swedish(body: dict) -> bool:
    """True when a json-stat2 body says it is in Swedish (labels from it may be shown)."""
    px = (body.get("extension") or {}).get("px") or {}
    return str(px.get("language") or "").lower() == "sv"


def region_labels(raw: Path) -> dict[str, str]:
    """SCB's region code -> label ('07' -> 'Kronobergs län'), from a population table's metadata.

    Only a Swedish body is read: metadata asked for in English (``metadata_lang: en``) holds
    codes we use, never labels we show.
    """
    for ds in _datasets().load_datasets():
        if ds.kind != "population":
            continue
        for snap in complete_snapshots(raw, SOURCE, ds.id)[:1]:
            for raw_body in _datasets().dataset_bodies(snap).get("metadata", []):
                body = json_loads(raw_body)
                if not is_swedish(body):
                    continue
                labels = body["dimension"]["Region"]["category"]["label"]
                return {str(code): str(label) for code, label in labels.items()}
    return {}


def lan_names(raw: Path) -> dict[str, str]:
    """Two-digit län code -> SCB's län name, or {} when no SCB region list was ever fetched."""
    return {code: label for code, label in region_labels(raw).items()
            if len(code) == 2 and code != "00"}


def _stage_snapshot(ds: ScbDataset, snap: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    bodies = _datasets().dataset_bodies(snap)
    decoded = join_parts([json_loads(b) for b in bodies.get("data", [])])
    staged = stage(decoded, table_id=ds.source_id, dimensions=ds.dimensions)
    if ds.kind == "population":
        mart = population_frame(staged)
    elif ds.kind == "bas":
        mart = bas_frame(staged, measures=ds.measures, preliminary=ds.preliminary)
    else:
        mart = integration_frame(staged, measures=ds.measures)
    return staged, mart.assign(table_id=ds.source_id, dataset=ds.id,
                               source_updated=staged.attrs.get("updated"),
                               source_revised=revision_date(staged.attrs.get("note") or []),
                               fetched_at=snap.manifest.get("completed_at"))


def _single_ages(population: pd.DataFrame) -> pd.DataFrame | None:
    """Kommun population by single year of age (for exact weights), or None; sex T = K + M
    where the table has no total (TAB638), a table's own total kept (TAB5557)."""
    df = population[population["region_level"] == "kommun"]
    age = pd.to_numeric(df["age_code"].astype(str).str.extract(r"^(\d{1,3})\+?$")[0],
                        errors="coerce")
    df = df.assign(age=age).dropna(subset=["age"])
    if df.empty:
        return None
    return with_total_sex(pd.DataFrame({
        "kommun_code": df["region_code"].astype(str), "year": df["year"], "sex": df["sex"],
        "age": df["age"].astype(int), "population": df["population"],
        "table_id": df["table_id"]}))


# SCB's staging made during a refresh's fetch (warehouse/refresh.py), while that process only
# waits for Kolada's forked client: the build's ``load`` of the same snapshots takes it instead of
# staging them again on its side thread, beside Kolada's table write (~0.25 s of CPU). Keyed by
# the raw folder and the committed snapshots ``load`` would read, which are never written again.
READ_AHEAD: dict[tuple, ScbFrames] = {}


def _inputs(raw: Path) -> tuple[tuple, dict[str, list[Snapshot]]]:
    """The snapshots ``load`` reads (dataset id -> complete snapshots, newest first) and a key
    naming them: the raw folder and each dataset's newest three snapshot folders."""
    found = {ds.id: complete_snapshots(raw, SOURCE, ds.id) for ds in _datasets().load_datasets()}
    key = (str(Path(raw).resolve()),
           tuple((i, tuple(s.folder.name for s in snaps[:3])) for i, snaps in found.items()))
    return key, found


def read_ahead(raw: Path) -> None:
    """Stage SCB now, for a build's ``load`` of the same snapshots (see READ_AHEAD)."""
    READ_AHEAD.clear()
    key, found = _inputs(raw)
    READ_AHEAD[key] = _load(found)


def load(raw: Path) -> ScbFrames:
    """SCB staging and mart tables from the newest snapshots that stage cleanly (the frames
    staged ahead from these very snapshots when there are some: taken, used once)."""
    key, found = _inputs(raw)
    frames = READ_AHEAD.pop(key, None)
    READ_AHEAD.clear()  # one of other snapshots would only stand under the build's peak
    return _load(found) if frames is None else frames


def _load(found: dict[str, list[Snapshot]]) -> ScbFrames:
    frames = ScbFrames()
    marts: dict[str, list[pd.DataFrame]] = {}
    for ds in _datasets().load_datasets():
        snaps = found[ds.id]
        if not snaps:
            continue
        if ds.kind == "codelist":
            body = json.loads(_datasets().dataset_bodies(snaps[0])["codelist"][0])
            kind = "la" if "LA" in ds.source_id else "kommungrupp"
            frames.codelist_areas[kind] = (kommun_areas(body), ds.source_id)
            frames.snapshots.append(snaps[0])
            continue
        for n, snap in enumerate(snaps[:3]):
            try:
                staged, mart = _stage_snapshot(ds, snap)
            except (JsonStatError, ValueError, KeyError) as exc:
                frames.summary[ds.id] = {"error": f"{snap.folder.name}: {exc}"}
                continue
            frames.snapshots.append(snap)
            frames.tables[f"staging.scb__{ds.id}"] = (
                staged, f"SCB {ds.source_id}, parsad och typad; koder och etiketter kvar")
            time = "period" if "period" in mart.columns else "year"
            marts.setdefault(MARTS[(ds.kind, time)], []).append(mart)
            details = _datasets().snapshot_details(snap)
            frames.summary[ds.id] = {"rows": len(mart), "table": ds.source_id,
                                     "last_period": details.get("last_period"),
                                     "is_current": details.get("is_current"),
                                     "fallback": n > 0, "verified": ds.verified}
            break
    for name, parts in marts.items():
        df = prefer_final(parts) if name == "marts.bas_kommun_monthly" else \
            pd.concat(parts, ignore_index=True)
        if "period" in df:  # DATE in the warehouse, the first day of the month
            df["period"] = pd.to_datetime(df["period"]).dt.date
        if name == "marts.population_kommun_year":
            frames.population_single_age = _single_ages(df)
        frames.tables[name] = (df, COMMENTS[name])
    return frames
