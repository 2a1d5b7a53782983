"""Staging for Kolada v3 bodies: parse, rename, cast. No joins, no harmonising, no derived values.

Ids stay strings with their leading zeros ("0180", "0007"); years are integers; a missing value
stays null with its status, never zero.
"""

from __future__ import annotations

import pandas as pd

VALUE_COLUMNS = ["kpi_id", "municipality_id", "year", "gender", "value", "status", "count"]


def stage_municipalities(bodies: list[dict]) -> pd.DataFrame:
    """One row per Kolada municipality id (kommun K, region/län/riket L)."""
    rows = [row for body in bodies for row in body["values"]]
    df = pd.DataFrame(rows, columns=["id", "title", "type"])
    df = df.rename(columns={"id": "municipality_id"}).astype(
        {"municipality_id": "string", "title": "string", "type": "string"})
    return df.drop_duplicates("municipality_id").reset_index(drop=True)


def stage_kpis(bodies: list[dict]) -> pd.DataFrame:
    """One row per KPI's metadata, as Kolada describes it."""
    rows = [row for body in bodies for row in body["values"]]
    cols = ["id", "title", "description", "is_divided_by_gender", "municipality_type",
            "operating_area", "publication_date"]
    df = pd.DataFrame(rows).reindex(columns=cols)
    df = df.rename(columns={"id": "kpi_id"})
    df["is_divided_by_gender"] = df["is_divided_by_gender"].fillna(False).astype(bool)
    for col in ("kpi_id", "title", "description", "municipality_type", "operating_area",
                "publication_date"):
        df[col] = df[col].astype("string")
    return df.drop_duplicates("kpi_id").reset_index(drop=True)


def stage_values(bodies: list[dict]) -> pd.DataFrame:
    """One row per KPI × municipality × year × gender, as delivered (value may be null)."""
    entries = [entry for body in bodies for entry in body["values"]]
    if not entries:
        return _empty_values()
    # a plain comprehension: pd.json_normalize costs ~30x more on 500 000 values
    records = [(e.get("kpi"), e.get("municipality"), e.get("period"), v.get("gender"),
                v.get("value"), v.get("status"), v.get("count"))
               for e in entries for v in e.get("values") or []]
    df = pd.DataFrame.from_records(records, columns=VALUE_COLUMNS)
    df["kpi_id"] = df["kpi_id"].astype("string")
    df["municipality_id"] = df["municipality_id"].astype("string")
    if not df["municipality_id"].str.fullmatch(r"\d{4}").all():
        bad = sorted(df.loc[~df["municipality_id"].str.fullmatch(r"\d{4}"), "municipality_id"]
                     .unique())[:5]
        raise ValueError(f"Kolada municipality ids must be 4-digit strings; got {bad}")
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("int32")
    df["gender"] = df["gender"].astype("string")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    status = df["status"].astype("string").str.strip()
    df["status"] = status.mask(status == "")
    df["count"] = pd.to_numeric(df["count"], errors="coerce").astype("Int32")
    return df.drop_duplicates(["kpi_id", "municipality_id", "year", "gender"], keep="last")\
        .reset_index(drop=True)


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame({
        "kpi_id": pd.Series(dtype="string"), "municipality_id": pd.Series(dtype="string"),
        "year": pd.Series(dtype="int32"), "gender": pd.Series(dtype="string"),
        "value": pd.Series(dtype="float64"), "status": pd.Series(dtype="string"),
        "count": pd.Series(dtype="Int32"),
    })
