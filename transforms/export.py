"""Downloads: the numbers behind a chart as CSV that Swedish Excel opens correctly.

Semicolon-separated, decimal comma, UTF-8 with BOM; one row per area and year, with unit,
coverage, source and fetch date on every row so a pasted table keeps its provenance.
"""

from __future__ import annotations

import io

import pandas as pd

from transforms.areas import coverage_label
from transforms.catalogue import Indicator


def series_frame(named: list[tuple[str, pd.DataFrame]], ind: Indicator, *, sex: str) -> pd.DataFrame:
    """Long table (grain: area × year or month) of named series with their coverage and source."""
    rows = []
    for name, df in named:
        monthly = "year" not in df.columns
        for r in df.itertuples():
            status = getattr(r, "status", None)
            cover = ""
            if status in ("partial", "withheld"):
                cover = coverage_label(int(r.n_reporting), int(r.n_expected))
            when = {"månad": str(r.period)[:7]} if monthly else {"år": int(r.year)}
            rows.append({"område": name, **when, "kön": sex,
                         "värde": None if pd.isna(r.value) else float(r.value),
                         "enhet": ind.short_unit, "täckning": cover,
                         "nyckeltal": f"{ind.id} {ind.label}",
                         "källa": ind.source_line.removeprefix("Källa: "),
                         "hämtad": (ind.fetched_at or "")[:10]})
    return pd.DataFrame(rows)


def to_excel_csv(df: pd.DataFrame) -> bytes:
    """CSV for Swedish Excel: ';' separator, decimal comma, UTF-8 BOM."""
    buf = io.StringIO()
    df.to_csv(buf, sep=";", decimal=",", index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
