"""The indicator catalogue: indicators.yml joined with the source's own KPI metadata.

One row per indicator (grain: indicator), annual (Kolada KPIs) and monthly (SCB BAS, and any
monthly mart declared under ``monthly_marts``). Pure: the only IO is reading indicators.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from transforms.ranking import BETTER
from transforms.yamlio import yaml_load

if TYPE_CHECKING:  # pandas is imported where it is used: the refresh's fetch reads the
    import pandas as pd  # catalogue's KPI ids without loading it (warehouse/fetch_process.py)

CATALOGUE_FILE = Path(__file__).with_name("indicators.yml")
UNITS = {"percent": "%", "count": "antal", "sek": "kr", "per_1000": "per 1 000 inv."}
RULES = {"sum", "weighted", "none", "ratio"}
MONTHLY_RULES = {"sum", "ratio"}
FREQUENCIES = {"year": "år", "month": "månad"}
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")  # a column we put into SQL: our own names only
TABLE = re.compile(r"[a-z]+\.[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Break:
    """A change of definition or method between ``year - 1`` and ``year`` (a monthly
    indicator's break also names its first month, ``period`` 'YYYY-MM')."""

    year: int
    label: str
    period: str | None = None


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
    frequency: str = "year"  # year | month
    mart: str | None = None  # monthly: the monthly_marts entry holding the values
    numerator: str | None = None  # monthly: count column summed over kommuner
    denominator: str | None = None  # monthly ratio: count column it is divided by
    kommun_value: str | None = None  # monthly: the source's own value for one kommun
    scale: float = 1.0
    source_ids: tuple[str, ...] = ()  # e.g. ('TAB6260', 'TAB2948')
    dimensions: tuple[str, ...] = ()  # monthly: the mart's options besides sex (age, …)
    first_period: str | None = None  # monthly: 'YYYY-MM' of the first and last value
    last_period: str | None = None
    better: str | None = None  # 'lower' or 'higher': the good end, for rankings; None = neither
    weight_series: int | None = None  # weighted: its series in marts.weight_series (None: unknown)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_monthly(self) -> bool:
        """True for an indicator with one value per month."""
        return self.frequency == "month"

    @property
    def denominator_label(self) -> str | None:
        """What a monthly rate is divided by, in Swedish (the mart's word for the column)."""
        if not self.is_monthly or not self.denominator:
            return None
        measures = monthly_marts().get(self.mart or "", {}).get("measures", {})
        return measures.get(self.denominator, self.denominator)

    @property
    def area_method(self) -> str:
        """Swedish sentence on how area values are computed from kommuner."""
        if self.aggregation == "ratio":
            measures = monthly_marts().get(self.mart or "", {}).get("measures", {})
            num = measures.get(self.numerator, self.numerator)
            den = measures.get(self.denominator, self.denominator)
            return f"beräknat från kommunerna: summa {num} / summa {den}, aldrig ett medelvärde"
        if self.aggregation == "sum":
            return "beräknat från kommunerna som summa"
        if self.aggregation == "weighted":
            text = f"beräknat från kommunerna, vägt med {self.weight_label}"
            return text if self.weight_exact else \
                f"{text} (den närmaste befolkningen som finns i datan)"
        return "inget områdesvärde: nyckeltalet kan inte läggas ihop över kommuner"

    def kommun_method(self, parts: tuple[str, ...] = ()) -> str:
        """Swedish sentence on how a kommun's own monthly value was computed where the source
        publishes none (review27): from its ``parts`` (a sum of the source's age bands, e.g.
        ('16–19 år', '20–24 år') for 16–24 år), else from the source's counts of the same
        band. Says the rule as ``area_method`` does: summa täljare / summa nämnare."""
        measures = monthly_marts().get(self.mart or "", {}).get("measures", {})
        what = f"källans grupper {' och '.join(parts)}" if parts else "källans antal"
        if self.aggregation == "sum":
            return f"kommunens värde beräknat som summa av {what}"
        num = measures.get(self.numerator, self.numerator)
        den = measures.get(self.denominator, self.denominator)
        return f"kommunens värde beräknat från {what}: summa {num} / summa {den}"

    @property
    def source_line(self) -> str:
        """One citation: 'Källa: Kolada (N03920), ursprunglig källa SCB' (a comma, as
        charts.sources_text writes each of several: '; ' only between citations)."""
        if self.is_monthly:  # the source's own tables or files, as the build found them
            mart = monthly_marts().get(self.mart or "", {})
            kinds = mart.get("tables") or {}
            ids = [f"{t} ({kinds[t]})" if kinds.get(t) else t for t in self.source_ids] \
                or list(mart.get("files") or []) or [self.id]
            one, many = mart.get("id_words") or ["tabell", "tabell"]
            name = f"{mart['name']}, " if mart.get("name") else ""
            return (f"Källa: {self.source}, {name}{one if len(ids) == 1 else many} "
                    f"{' och '.join(ids)}")
        producer = f", ursprunglig källa {self.producer}" if self.producer else ""
        return f"Källa: {self.source} ({self.id}){producer}"

    @property
    def source_id(self) -> str | None:
        """The id a reader can look up at the source: Kolada's KPI id, or a monthly
        indicator's source tables ('TAB6260'); None for files named by month (never our
        own id, 'bas_arbetsloshet')."""
        if self.is_monthly:
            return " och ".join(self.source_ids) or None
        return self.id

    def id_and_label(self) -> str:
        """The indicator as a download's ``nyckeltal`` column names it: the id a reader can
        look up at the source, then the label ('N03920 Arbetslöshet 18–64 år …', 'TAB6260
        Arbetslöshet (SCB BAS)'); never our own key (walk26: 'bas_arbetsloshet …')."""
        return f"{self.source_id} {self.label}" if self.source_id else self.label

    def picker_label(self, *, with_source: bool = False) -> str:
        """The indicator as a picker names it, with the id a reader can look up at the source
        (source_id), never our key: 'Arbetslöshet (SCB BAS) (TAB6260)', 'Invånare med
        ekonomiskt bistånd (N31807, Kolada)' with ``with_source`` (left out when the label
        names it); the label alone where the source has no id (Arbetsförmedlingen's files)."""
        named = [self.source_id] if self.source_id else []
        if with_source and self.source not in self.label:
            named.append(self.source)
        return f"{self.label} ({', '.join(named)})" if named else self.label

    @property
    def definition_text(self) -> str:
        """The definition as whole sentences for a list of definitions: the source's closing
        'Källa: …' left out when source_line names that producer, and a full stop at the end
        (Kolada's texts often lack one: '… (RTB)')."""
        text = " ".join(str(self.definition or self.title or "").split())
        if self.producer:
            found = _PRODUCER.search(text)
            text = text[:found.start()].rstrip() if found else text
        return text if not text or text[-1] in ".!?" else f"{text}."


def _check_monthly_mart(name: str, spec: dict) -> None:
    if not TABLE.fullmatch(str(spec.get("table"))):
        raise ValueError(f"indicators.yml: monthly mart {name} needs a table 'schema.name'")
    extra = spec.get("unallocated")
    if extra and (not TABLE.fullmatch(str(extra.get("table")))
                  or not IDENTIFIER.fullmatch(str(extra.get("lan_column")))):
        raise ValueError(f"indicators.yml: {name}.unallocated needs a table and a lan_column")
    names = [spec.get("band_column")] if spec.get("band_column") else []
    names += [x for pair in (spec.get("masked") or {}).items() for x in pair]
    if any(not IDENTIFIER.fullmatch(str(n)) for n in names):
        raise ValueError(f"indicators.yml: {name}: band_column and masked name columns")
    for dim, dspec in (spec.get("dimensions") or {}).items():
        if not IDENTIFIER.fullmatch(str(dim)) or not IDENTIFIER.fullmatch(
                str(dspec.get("column"))):
            raise ValueError(f"indicators.yml: {name}.{dim} needs a column name")
        options = set(dspec.get("values") or {}) | set(dspec.get("series") or {})
        if dspec.get("default") not in options:
            raise ValueError(f"indicators.yml: {name}.{dim} default is not one of its values")


def _check_monthly(key: str, spec: dict, marts: dict) -> None:
    if not IDENTIFIER.fullmatch(key):
        raise ValueError(f"indicators.yml: monthly id {key!r} must be lower case a-z, 0-9, _")
    if spec.get("mart") not in marts:
        raise ValueError(f"indicators.yml: {key} names unknown monthly mart {spec.get('mart')!r}")
    if spec.get("aggregation") not in MONTHLY_RULES:
        raise ValueError(f"indicators.yml: {key}: a monthly indicator aggregates by ratio or sum")
    columns = ["numerator", "kommun_value"] + (["denominator"] if spec["aggregation"] == "ratio"
                                               else [])
    for column in columns:
        if not IDENTIFIER.fullmatch(str(spec.get(column))):
            raise ValueError(f"indicators.yml: {key} needs a column name in {column}")
    for brk in spec.get("breaks") or []:
        if not re.fullmatch(r"\d{4}-\d{2}", str(brk.get("period"))) or not brk.get("label"):
            raise ValueError(f"indicators.yml: {key}: a monthly break needs period 'YYYY-MM' "
                             f"and a label")


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict:
    """The parsed indicators.yml, validated (raises ValueError naming the bad entry)."""
    doc = yaml_load(Path(path).read_text("utf-8"))
    weights, indicators, groups = doc["weights"], doc["indicators"], doc["groups"]
    marts = doc.setdefault("monthly_marts", {})
    for name, spec in marts.items():
        _check_monthly_mart(name, spec)
        if spec.get("coverage_weight") is not None and spec["coverage_weight"] not in weights:
            raise ValueError(f"indicators.yml: monthly mart {name} names unknown "
                             f"coverage_weight {spec['coverage_weight']!r}")
    for key, spec in indicators.items():
        if spec.get("frequency", "year") not in FREQUENCIES:
            raise ValueError(f"indicators.yml: {key} has unknown frequency")
        if spec.get("frequency") == "month":
            _check_monthly(key, spec, marts)
        elif not re.fullmatch(r"[A-Z]\d{5}", key):
            raise ValueError(f"indicators.yml: {key!r} is not a Kolada KPI id")
        if spec.get("unit") not in UNITS:
            raise ValueError(f"indicators.yml: {key} has unknown unit {spec.get('unit')!r}")
        if spec.get("aggregation") not in RULES:
            raise ValueError(f"indicators.yml: {key} has unknown aggregation")
        if spec.get("better") not in (None, *BETTER):
            raise ValueError(f"indicators.yml: {key}: better is lower or higher (or left out)")
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
    """Every Kolada KPI the refresh loads, in catalogue order."""
    return [k for k, spec in load_catalogue()["indicators"].items()
            if spec.get("frequency", "year") == "year"]


def monthly_ids() -> list[str]:
    """Every monthly indicator, in catalogue order."""
    return [k for k, spec in load_catalogue()["indicators"].items()
            if spec.get("frequency") == "month"]


def monthly_marts() -> dict[str, dict]:
    """The monthly marts declared in indicators.yml (name -> table, dimensions, tables…)."""
    return dict(load_catalogue()["monthly_marts"])


def declared_better(indicator_id: str) -> str | None:
    """The good end declared in indicators.yml (for a warehouse built before ``better``)."""
    return (load_catalogue()["indicators"].get(indicator_id) or {}).get("better")


def group_labels() -> dict[str, str]:
    """Target group key -> Swedish label."""
    return dict(load_catalogue()["groups"])


_PRODUCER = re.compile(r"Källa:?\s*(.+?)\.?\s*$")  # a Kolada description's closing source


def producer_from_description(description: str | None) -> str | None:
    """The original producer named at the end of a Kolada description ('Källa: SCB.'); a
    source Kolada repeats ('Källa: Socialstyrelsen. Källa: Socialstyrelsen', N31860) once."""
    import pandas as pd
    if description is None or pd.isna(description) or not description:
        return None
    match = _PRODUCER.search(description)
    if not match:
        return None
    named = list(dict.fromkeys(p.strip() for p in re.split(r"\.\s*Källa:?\s*", match.group(1))))
    return ". ".join(named)


def build_indicator_table(kpis: pd.DataFrame, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Catalogue rows joined with Kolada's KPI metadata (grain: indicator).

    ``kpis`` is staging Kolada KPI metadata (kpi_id, title, description, is_divided_by_gender).
    ``coverage`` optionally gives first_year/last_year per indicator_id from the observations.
    A catalogue KPI the source did not describe keeps a null title (and the refresh log says so).
    """
    import pandas as pd
    doc = load_catalogue()
    rows = []
    for key, spec in doc["indicators"].items():
        if spec.get("frequency") == "month":
            mart = doc["monthly_marts"][spec["mart"]]
            rows.append(_monthly_row(key, spec, mart,
                                     doc["weights"].get(mart.get("coverage_weight"))))
            continue
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
            "breaks_period": [],
            "source": "Kolada",
            "frequency": "year",
            "better": spec.get("better"),
        })
    out = pd.DataFrame(rows)
    meta = kpis.rename(columns={"kpi_id": "indicator_id"})[
        ["indicator_id", "title", "description", "is_divided_by_gender"]
    ].drop_duplicates("indicator_id")
    out = out.merge(meta, on="indicator_id", how="left")
    out["producer"] = out["description"].map(producer_from_description)
    own = out.get("definition_own")
    if own is not None:  # monthly indicators: our own definition, SCB splits by sex
        out["description"] = out["description"].fillna(own)
        out["is_divided_by_gender"] = out["is_divided_by_gender"].astype(object).where(
            own.isna(), True)
        out = out.drop(columns=["definition_own"])
    out["label"] = out["label"].fillna(out["title"])
    if coverage is not None:
        out = out.merge(coverage, on="indicator_id", how="left")
    return out.rename(columns={"description": "definition", "is_divided_by_gender": "has_sex"})


def _monthly_row(key: str, spec: dict, mart: dict, cover: dict | None = None) -> dict:
    """A catalogue row for a monthly indicator (its own definition; no Kolada metadata).
    ``cover``: the mart's ``coverage_weight`` (a weights entry), whose label is the
    population a partial area value's coverage names ("10 % av befolkningen 20–64 år",
    stop 28); its ids are read by queries at run time, so weight_ids stay empty (no weight
    series: the value itself is Σ/Σ of counts)."""
    return {
        "indicator_id": key, "label": spec["label"], "unit": spec["unit"],
        "short_unit": spec.get("short_unit", UNITS[spec["unit"]]),
        "decimals": int(spec.get("decimals", 1)), "groups": list(spec.get("groups", [])),
        "aggregation": spec["aggregation"], "weight_ids": [],
        "weight_label": cover["label"] if cover else None,
        "weight_exact": True, "note": spec.get("note"), "weight_source": None,
        "weight_year": None,
        "breaks_year": [int(str(b["period"])[:4]) for b in spec.get("breaks") or []],
        "breaks_label": [str(b["label"]) for b in spec.get("breaks") or []],
        "breaks_period": [str(b["period"]) for b in spec.get("breaks") or []],
        "source": mart.get("source", "SCB"), "frequency": "month", "mart": spec["mart"],
        "numerator": spec["numerator"], "denominator": spec.get("denominator"),
        "kommun_value": spec["kommun_value"], "scale": float(spec.get("scale", 1.0)),
        "source_ids": list(mart.get("tables") or {}),
        "dimensions": list(mart.get("dimensions") or {}),
        "definition_own": " ".join(str(spec.get("definition", "")).split()) or None,
        "better": spec.get("better"),
    }


def indicator_from_row(row: dict) -> Indicator:
    """An Indicator from a marts.indicator row (as a dict)."""
    import pandas as pd

    from transforms.formatting import dash_ranges
    years, labels = _seq(row.get("breaks_year")), _seq(row.get("breaks_label"))
    periods = _seq(row.get("breaks_period"))
    periods = periods + [None] * (len(years) - len(periods))  # annual breaks have no month
    breaks = tuple(Break(int(y), str(label), _str(p)) for y, label, p in
                   zip(years, labels, periods, strict=True))
    return Indicator(
        id=row["indicator_id"], label=row["label"], unit=row["unit"],
        short_unit=row["short_unit"], decimals=int(row["decimals"]),
        groups=tuple(_seq(row.get("groups"))), aggregation=row["aggregation"],
        weight_ids=tuple(_seq(row.get("weight_ids"))), weight_label=_str(row.get("weight_label")),
        weight_exact=bool(row.get("weight_exact")), note=_str(row.get("note")), breaks=breaks,
        # the sources' "16-24 år" as the UI writes it, "16–24 år" (marts.indicator keeps theirs)
        title=dash_ranges(_str(row.get("title"))),
        definition=dash_ranges(_str(row.get("definition"))),
        source=row.get("source") or "Kolada", producer=_str(row.get("producer")),
        has_sex=bool(row.get("has_sex")) and not pd.isna(row.get("has_sex")),
        first_year=_int_or_none(row.get("first_year")), last_year=_int_or_none(row.get("last_year")),
        fetched_at=_str(row.get("fetched_at")), frequency=_str(row.get("frequency")) or "year",
        mart=_str(row.get("mart")), numerator=_str(row.get("numerator")),
        denominator=_str(row.get("denominator")), kommun_value=_str(row.get("kommun_value")),
        scale=float(row["scale"]) if row.get("scale") is not None and not pd.isna(row["scale"])
        else 1.0, source_ids=tuple(_seq(row.get("source_ids"))),
        dimensions=tuple(_seq(row.get("dimensions"))),
        first_period=_str(row.get("first_period")), last_period=_str(row.get("last_period")),
        better=_str(row.get("better")) if "better" in row else declared_better(
            row["indicator_id"]),
        weight_series=_int_or_none(row.get("weight_series")),
    )


def _seq(value) -> list:
    """A list from a DuckDB list cell (numpy array, list or null)."""
    import pandas as pd
    if value is None or (not hasattr(value, "__len__") and pd.isna(value)):
        return []
    return list(value)


def _str(value) -> str | None:
    import pandas as pd
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _int_or_none(value) -> int | None:
    import pandas as pd
    return None if value is None or pd.isna(value) else int(value)


# the one option of a monthly mart a deck item may name ('bas_arbetsloshet:16-24'): the
# young; the defaults are the plain id, and other options are not offered (docs/decisions.md)
DECK_OPTIONS = {"bas": "16-24", "af": "unga"}


def option_dims(indicator_id: str, option: str) -> dict[str, str] | None:
    """The dimension a deck item's option belongs to: ('bas_arbetsloshet', '16-24') ->
    {'age': '16-24'}; None for a yearly indicator or an option the deck does not offer (a
    dimension's default, or any option but the mart's DECK_OPTIONS)."""
    spec = load_catalogue()["indicators"].get(indicator_id) or {}
    mart_id = str(spec.get("mart"))
    mart = monthly_marts().get(mart_id)
    if spec.get("frequency") != "month" or not mart or option != DECK_OPTIONS.get(mart_id):
        return None
    for dim, dspec in (mart.get("dimensions") or {}).items():
        if str(dspec.get("default")) == option:
            return None
        if option in {str(k) for k in (dspec.get("values") or {})} | {
                str(k) for k in (dspec.get("series") or {})}:
            return {str(dim): option}
    return None
    for dim, dspec in (mart.get("dimensions") or {}).items():
        if option in {str(k) for k in (dspec.get("values") or {})} | {
                str(k) for k in (dspec.get("series") or {})}:
            return {str(dim): option}
    return None
