"""The two logs the app shows as tables, in Swedish for a reader: the refresh log (Om data)
and the groups' change log (Egna grupper). Pure: a log frame in, the table to show out.

An empty cell stays empty, never pandas' "None"; times read "2026-12-02 06:39" (UTC, said in
the column's name); yes/no are words, not a bare checkbox (walk25).
"""

from __future__ import annotations

import pandas as pd

REFRESH_COLUMNS = {"run_at": "Tid (UTC)", "source": "Källa", "dataset": "Dataset",
                   "ok": "Gick igenom", "message": "Utfall", "mirror": "Spegel",
                   "url": "Adress"}
GROUP_COLUMNS = {"at": "Tid (UTC)", "action": "Ändring", "name": "Grupp",
                 "members": "Antal kommuner", "before_name": "Namn före"}


def utc_minute(values: pd.Series) -> pd.Series:
    """Timestamps (ISO strings or datetimes, UTC) as "YYYY-MM-DD HH:MM"; "" where missing."""
    times = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    return times.dt.strftime("%Y-%m-%d %H:%M").fillna("")


def _text(values: pd.Series) -> pd.Series:
    """Strings as they are, "" for a missing value (None, NaN, NA)."""
    return values.astype(object).where(values.notna(), "").astype(str)


def refresh_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """marts.refresh_log rows (run_at, source, dataset, ok, message, mirror, url; ``url``
    already made public) as Om data's Uppdateringslogg."""
    table = pd.DataFrame({
        "run_at": utc_minute(log["run_at"]),
        "source": _text(log["source"]),
        "dataset": _text(log["dataset"]),
        "ok": log["ok"].map({True: "ja", False: "nej"}).fillna(""),
        "message": _text(log["message"]),
        "mirror": _text(log["mirror"]),
        "url": _text(log["url"])})
    return table.rename(columns=REFRESH_COLUMNS)


def group_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """``usergroups.history`` rows as Egna grupper's Ändringslogg."""
    table = pd.DataFrame({
        "at": utc_minute(log["at"]),
        "action": _text(log["action"]),
        "name": _text(log["name"]),
        "members": log["members"].map(lambda m: len(m) if m is not None else None),
        "before_name": _text(log["before_name"])})
    return table.rename(columns=GROUP_COLUMNS)


def dataset_label(dataset: str, kpi_labels: dict[str, str]) -> str:
    """A fetched dataset as a reader finds it on a chart: Kolada's ``data__N03921`` as
    "N03921 Arbetslöshet 16–24 år" (the id every chart's source line gives); other datasets
    as they are named."""
    kpi = dataset.removeprefix("data__")
    if kpi == dataset:
        return dataset
    label = kpi_labels.get(kpi)
    return f"{kpi} {label}" if label else kpi
