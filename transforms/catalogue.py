"""The indicator catalogue: indicators.yml joined with the source's own KPI metadata.

One row per indicator (grain: indicator). Pure: the only IO is reading indicators.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

CATALOGUE_FILE = Path(__file__).with_name("indicators.yml")
UNITS = {"percent": "%", "count": "antal", "sek": "kr", "per_1000": "per 1 000 inv."}
RULES = {"sum", "weighted", "none"}


@dataclass(frozen=True)
class Break:
    """A change of definition or method between ``year - 1`` and ``year``."""

    year: int
    label: str


@dataclass(frozen=True)
class Indicator:
    """Everything a chart, a card or a download needs to say about one indicator."""

    id: str
    label: str
    unit: str
    short_unit: str
    decimals: int
    groups: tuple[str, ...]
    aggregation: str
    weight_ids: tuple[str, ...] = ()
    weight_label: str | None = None
    weight_exact: bool = False
    note: str | None = None
    breaks: tuple[Break, ...] = ()
    title: str | None = None  # the source's own title
    definition: str | None = None  # the source's own description
    source: str = "Kolada"
    producer: str | None = None  # the original producer the source names ("Källa: ...")
    has_sex: bool = False
    first_year: int | None = None
    last_year: int | None = None
    fetched_at: str | None = None
    frequency: str = "year"  # 'year' (a year column) or 'month' (a period column)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def area_method(self) -> str:
        """Swedish sentence on how area values are computed from kommuner."""
        if self.aggregation == "sum":
            return "beräknat från kommunerna som summa"
        if self.aggregation == "weighted":
            text = f"beräknat från kommunerna, vägt med {self.weight_label}"
            return text if self.weight_exact else \
                f"{text} (den närmaste befolkningen som finns i datan)"
        return "inget områdesvärde: nyckeltalet kan inte läggas ihop över kommuner"

    @property
    def source_line(self) -> str:
        """'Källa: Kolada (N03920), Arbetsförmedlingen och SCB' style citation."""
        if self.source == "SCB":
            return f"Källa: SCB, tabell {self.id}"
        producer = f"; ursprunglig källa {self.producer}" if self.producer else ""
        return f"Källa: {self.source} ({self.id}){producer}"


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict:
    """The parsed indicators.yml, validated (raises ValueError naming the bad entry)."""
    doc = yaml.safe_load(Path(path).read_text("utf-8"))
    weights, indicators, groups = doc["weights"], doc["indicators"], doc["groups"]
    for key, spec in indicators.items():
        if not re.fullmatch(r"[A-Z]\d{5}", key):
            raise ValueError(f"indicators.yml: {key!r} is not a Kolada KPI id")
        if spec.get("unit") not in UNITS:
            raise ValueError(f"indicators.yml: {key} has unknown unit {spec.get('unit')!r}")
        if spec.get("aggregation") not in RULES:
            raise ValueError(f"indicators.yml: {key} has unknown aggregation")
        if spec["aggregation"] == "weighted" and spec.get("weight") not in weights:
            raise ValueError(f"indicators.yml: {key} names unknown weight {spec.get('weight')!r}")
        unknown_groups = set(spec.get("groups", [])) - set(groups)
        if unknown_groups:
            raise ValueError(f"indicators.yml: {key} has unknown groups {sorted(unknown_groups)}")
    for name, weight in weights.items():
        missing = [w for w in weight["ids"] if w not in indicators]
        if missing:
            raise ValueError(f"indicators.yml: weight {name} uses {missing}, not in the catalogue")
    return doc


def indicator_ids() -> list[str]:
    """Every KPI the refresh loads, in catalogue order."""
    return list(load_catalogue()["indicators"])


def group_labels() -> dict[str, str]:
    """Target group key -> Swedish label."""
    return dict(load_catalogue()["groups"])


def producer_from_description(description: str | None) -> str | None:
    """The original producer named at the end of a Kolada description ('Källa: SCB.')."""
    if description is None or pd.isna(description) or not description:
        return None
    match = re.search(r"Källa:?\s*(.+?)\.?\s*$", description)
    return match.group(1).strip() if match else None


def build_indicator_table(kpis: pd.DataFrame, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Catalogue rows joined with Kolada's KPI metadata (grain: indicator).

    ``kpis`` is staging Kolada KPI metadata (kpi_id, title, description, is_divided_by_gender).
    ``coverage`` optionally gives first_year/last_year per indicator_id from the observations.
    A catalogue KPI the source did not describe keeps a null title (and the refresh log says so).
    """
    doc = load_catalogue()
    rows = []
    for key, spec in doc["indicators"].items():
        weight = doc["weights"].get(spec.get("weight")) if spec["aggregation"] == "weighted" else None
        rows.append({
            "indicator_id": key,
            "label": spec.get("label"),
            "unit": spec["unit"],
            "short_unit": spec.get("short_unit", UNITS[spec["unit"]]),
            "decimals": int(spec.get("decimals", 1)),
            "groups": list(spec.get("groups", [])),
            "aggregation": spec["aggregation"],
            "weight_ids": list(weight["ids"]) if weight else [],
            "weight_label": weight["label"] if weight else None,
            "weight_exact": bool(spec.get("exact", False)),
            "note": spec.get("note"),
            "weight_source": ("Kolada " + " + ".join(weight["ids"])) if weight else None,
            "weight_year": spec.get("weight_year", "same"),
            "breaks_year": [int(b["year"]) for b in spec.get("breaks", [])],
            "breaks_label": [b["label"] for b in spec.get("breaks", [])],
            "source": "Kolada",
        })
    out = pd.DataFrame(rows)
    meta = kpis.rename(columns={"kpi_id": "indicator_id"})[
        ["indicator_id", "title", "description", "is_divided_by_gender"]
    ].drop_duplicates("indicator_id")
    out = out.merge(meta, on="indicator_id", how="left")
    out["producer"] = out["description"].map(producer_from_description)
    out["label"] = out["label"].fillna(out["title"])
    if coverage is not None:
        out = out.merge(coverage, on="indicator_id", how="left")
    return out.rename(columns={"description": "definition", "is_divided_by_gender": "has_sex"})


def indicator_from_row(row: dict) -> Indicator:
    """An Indicator from a marts.indicator row (as a dict)."""
    breaks = tuple(Break(int(y), str(label)) for y, label in
                   zip(_seq(row.get("breaks_year")), _seq(row.get("breaks_label")), strict=True))
    return Indicator(
        id=row["indicator_id"], label=row["label"], unit=row["unit"],
        short_unit=row["short_unit"], decimals=int(row["decimals"]),
        groups=tuple(_seq(row.get("groups"))), aggregation=row["aggregation"],
        weight_ids=tuple(_seq(row.get("weight_ids"))), weight_label=_str(row.get("weight_label")),
        weight_exact=bool(row.get("weight_exact")), note=_str(row.get("note")), breaks=breaks,
        title=_str(row.get("title")), definition=_str(row.get("definition")),
        source=row.get("source") or "Kolada", producer=_str(row.get("producer")),
        has_sex=bool(row.get("has_sex")) and not pd.isna(row.get("has_sex")),
        first_year=_int_or_none(row.get("first_year")), last_year=_int_or_none(row.get("last_year")),
        fetched_at=_str(row.get("fetched_at")),
    )


def _seq(value) -> list:
    """A list from a DuckDB list cell (numpy array, list or null)."""
    if value is None or (not hasattr(value, "__len__") and pd.isna(value)):
        return []
    return list(value)


def _str(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _int_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
