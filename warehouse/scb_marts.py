"""SCB in the build: län names from SCB's own region list, and the SCB staging/mart tables.

Reads raw snapshots only. Datasets that were never fetched are simply absent: the dashboard
names what is missing rather than failing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_sources.snapshot import Snapshot, latest_snapshot

REGION_TABLE = "TAB6471"  # its Region variable lists Riket, the 21 län and 290 kommuner


@dataclass
class ScbFrames:
    """What the SCB part of a build writes: tables (name -> (frame, comment)) and provenance."""

    tables: dict[str, tuple[pd.DataFrame, str]] = field(default_factory=dict)
    snapshots: list[Snapshot] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    # kommun_code, year, sex (T/K/M), age (int), population, table_id: exact weights when present
    population_single_age: pd.DataFrame | None = None


def region_labels(raw: Path) -> dict[str, str]:
    """SCB's region code -> label ('07' -> 'Kronobergs län'), from the newest region metadata."""
    snap = latest_snapshot(raw, "scb", "regions")
    if snap is None:
        return {}
    body = json.loads(snap.files[0].read_bytes())
    labels = body["dimension"]["Region"]["category"]["label"]
    return {str(code): str(label) for code, label in labels.items()}


def lan_names(raw: Path) -> dict[str, str]:
    """Two-digit län code -> SCB's län name, or {} when SCB's region list was never fetched."""
    return {code: label for code, label in region_labels(raw).items()
            if len(code) == 2 and code != "00"}


def load(raw: Path, *, kommun: pd.DataFrame) -> ScbFrames:
    """SCB staging and mart tables from the newest snapshots (empty until SCB is fetched)."""
    frames = ScbFrames()
    snap = latest_snapshot(raw, "scb", "regions")
    if snap is not None:
        frames.snapshots.append(snap)
    return frames
