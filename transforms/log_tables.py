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


def _datasets(n: int) -> str:
    return "1 dataset" if n == 1 else f"{n} dataset"


def source_outcomes(status: dict, names: dict[str, str]) -> list[str]:
    """One Swedish sentence per source of a refresh status (``warehouse.refresh``'s
    ``sources``) that did not deliver all it was asked for, and why: failed, or not in the
    mirror (the refresh counts that as skipped, not failed: a mirror without
    Arbetsförmedlingen's files is no failed refresh, and the CLI's exit code says so). A
    source that delivered nothing comes first (walk26: Om data said the refresh "gick igenom
    för alla källor" while the pages sent users there to read why AF was missing).
    ``names``: source key -> name ('af' -> 'Arbetsförmedlingen'). [] when every source
    delivered everything."""
    mirror = status.get("mirror")
    where = f"spegeln (`{mirror}`)" if mirror else "spegeln"
    nothing, partly = [], []
    for source, s in (status.get("sources") or {}).items():
        name = names.get(source, source)
        fetched, failed, skipped = (int(s.get(k) or 0) for k in ("fetched", "failed", "skipped"))
        if not failed and not skipped:
            continue
        if not fetched and not failed:
            nothing.append(f"{name}: inget hämtades, eftersom källan inte finns i {where}. "
                           f"Det är inget fel i uppdateringen; en uppdatering från {name} "
                           "själv (med nätverk) hämtar den.")
            continue
        reasons = ([f"{_datasets(failed)} kunde inte hämtas (se tabellen nedan)"] if failed
                   else []) + ([f"{_datasets(skipped)} finns inte i {where}"] if skipped else [])
        if fetched:
            partly.append(f"{name}: {_datasets(fetched)} hämtades; " + " och ".join(reasons)
                          + ".")
        else:
            nothing.append(f"{name}: inget hämtades; " + " och ".join(reasons) + ".")
    return nothing + partly
