"""The two logs the app shows as tables, in Swedish for a reader: the refresh log (Om data)
and the groups' change log (Egna grupper). Pure: a log frame in, the table to show out.

An empty cell stays empty, never pandas' "None"; yes/no are words, not a bare checkbox
(walk25). Every time the app shows (these logs, Egna grupper's Borttagna grupper) is written
by ``format_time``: "2 december 2026 kl. 07:39", Swedish time, as the app writes dates
(share25; the logs store UTC).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from transforms.formatting import format_date

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
UNKNOWN_TIME = "okänd tid"
REFRESH_COLUMNS = {"run_at": "Tid", "source": "Källa", "dataset": "Dataset",
                   "ok": "Gick igenom", "message": "Utfall", "mirror": "Spegel",
                   "url": "Adress"}
GROUP_COLUMNS = {"at": "Tid", "action": "Ändring", "name": "Grupp",
                 "members": "Antal kommuner", "before_name": "Namn före"}


def format_time(moment: object) -> str:
    """"2 december 2026 kl. 07:56": a moment (a datetime, or an ISO string; without a time
    zone it is UTC, as the logs store it) in Swedish time; "" for a missing one, UNKNOWN_TIME
    for anything else (a status file's '"at": "okänd"' gave Om data an error box; review of
    share25). Total: never raises."""
    if moment is None or (isinstance(moment, float) and math.isnan(moment)) \
            or moment is pd.NaT:
        return ""
    if not isinstance(moment, str | datetime):
        return UNKNOWN_TIME
    try:
        when = pd.Timestamp(moment)
    except (ValueError, TypeError, OverflowError):
        return UNKNOWN_TIME
    if pd.isna(when):
        return ""
    if when.tzinfo is None:
        when = when.tz_localize(UTC)
    try:
        local = when.tz_convert(SWEDISH_TIME)
    except (ValueError, OverflowError):  # outside pandas' years once in Swedish time
        return UNKNOWN_TIME
    # warn=False: a log's nanoseconds are below the minute shown anyway
    return f"{format_date(local.to_pydatetime(warn=False))} kl. {local:%H:%M}"


def format_times(values: pd.Series) -> pd.Series:
    """``format_time`` of each value (ISO strings or datetimes); "" where missing."""
    times = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    return pd.Series([format_time(t) for t in times], index=values.index, dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """Strings as they are, "" for a missing value (None, NaN, NA)."""
    return values.astype(object).where(values.notna(), "").astype(str)


def refresh_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """marts.refresh_log rows (run_at, source, dataset, ok, message, mirror, url; ``url``
    already made public) as Om data's Uppdateringslogg."""
    table = pd.DataFrame({
        "run_at": format_times(log["run_at"]),
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
        "at": format_times(log["at"]),
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
