"""SCB BAS for a kommun or an area: the total row per kommun, and area rates from counts.

Pure pandas. The input is marts.bas_kommun_monthly (see transforms/staging_scb.bas_frame).
An area's rate is sum(unemployed) / sum(labour force), never a mean of kommun rates; without
counts only a single kommun's own rate can be shown.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

WORKING_AGE = re.compile(r"16\s*[-–]\s*64")
TOTAL = re.compile(r"^(tot|samtliga|totalt|alla)", re.IGNORECASE)


def _pick(codes_labels: pd.DataFrame, code: str, label: str, prefer: re.Pattern | None) -> str:
    options = codes_labels[[code, label]].drop_duplicates()
    if prefer is not None:
        hit = options[options[label].astype(str).str.contains(prefer)]
        if not hit.empty:
            return str(hit[code].iloc[0])
    total = options[options[label].astype(str).str.match(TOTAL)
                    | options[code].astype(str).str.match(TOTAL)]
    if total.empty:
        raise ValueError(f"BAS: ingen total för {code} bland {options[label].tolist()[:8]}")
    return str(total[code].iloc[0])


def total_rows(df: pd.DataFrame, sex: str = "T") -> pd.DataFrame:
    """The rows for ages 16–64 (else the age total) and every födelseregion, one sex."""
    out = df[df["sex"] == sex]
    if "age_code" in out and out["age_code"].nunique() > 1:
        out = out[out["age_code"] == _pick(out, "age_code", "age_label", WORKING_AGE)]
    if "birth_region_code" in out and out["birth_region_code"].nunique() > 1:
        out = out[out["birth_region_code"] == _pick(out, "birth_region_code",
                                                    "birth_region_label", None)]
    return out


def area_monthly(df: pd.DataFrame, members: list[str], sex: str = "T") -> pd.DataFrame:
    """Per month: rate (%), unemployed, labour_force, n_reporting, n_members, is_preliminary."""
    rows = total_rows(df[df["kommun_code"].isin(members)], sex)
    has_counts = rows[["unemployed_count", "labour_force_count"]].notna().all(axis=1)
    grouped = rows.assign(u=rows["unemployed_count"].where(has_counts),
                          lf=rows["labour_force_count"].where(has_counts),
                          ok=has_counts | (len(members) == 1))\
        .groupby("period", as_index=False).agg(
            unemployed=("u", "sum"), labour_force=("lf", "sum"), n_reporting=("ok", "sum"),
            single_rate=("unemployment_rate", "first"), is_preliminary=("is_preliminary", "any"))
    grouped["n_members"] = len(members)
    rate = 100 * grouped["unemployed"] / grouped["labour_force"].where(grouped["labour_force"] > 0)
    if len(members) == 1:
        rate = rate.fillna(grouped["single_rate"])
    complete = grouped["n_reporting"] == len(members)
    grouped["rate"] = np.where(complete, rate, np.nan)
    return grouped.drop(columns=["single_rate"]).sort_values("period").reset_index(drop=True)


def latest_with_year_before(monthly: pd.DataFrame) -> dict | None:
    """The latest month with a rate, and the rate of the same month a year earlier."""
    valued = monthly.dropna(subset=["rate"])
    if valued.empty:
        return None
    row = valued.iloc[-1]
    period = pd.Timestamp(row["period"])
    before = valued[pd.to_datetime(valued["period"]) == period - pd.DateOffset(years=1)]
    return {"period": period.date(), "rate": float(row["rate"]),
            "rate_year_before": float(before["rate"].iloc[0]) if not before.empty else None,
            "is_preliminary": bool(row["is_preliminary"])}
