"""Aggregating kommuner into areas: one mechanism for län, Riket, LA, FA, kommungrupp and groups.

Each indicator declares its rule: ``sum`` (counts), ``weighted`` (a share or rate weighted by a
named population: sum(value * weight) / sum(weight)), or ``none`` (not additive). Never the
unweighted mean of kommun rates.

Coverage: a member "is expected" in a year once it exists (its first year), or whenever it
reports. An area value computed from fewer members than expected carries its coverage
("12 av 13 kommuner"); below ``MIN_COVERAGE`` of the expected members it is withheld.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_COVERAGE = 0.5
OUT_COLUMNS = ["area_id", "year", "sex", "value", "n_expected", "n_reporting", "status"]


def combine_weights(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum several population series into one weight (kommun_code, year, sex, weight).

    A kommun-year-sex lacking any part gets no weight (missing, not a smaller number).
    """
    if not parts:
        raise ValueError("a weight needs at least one population series")
    keys = ["kommun_code", "year", "sex"]
    merged = None
    for i, part in enumerate(parts):
        p = part[keys + ["value"]].rename(columns={"value": f"w{i}"})
        merged = p if merged is None else merged.merge(p, on=keys, how="inner")
    cols = [f"w{i}" for i in range(len(parts))]
    merged["weight"] = merged[cols].sum(axis=1, min_count=len(cols))
    return merged[keys + ["weight"]]


def _attach_weights(values: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Weight of the same sex where the population is split by sex, else the total's."""
    keys = ["kommun_code", "year", "sex"]
    out = values.merge(weights[keys + ["weight"]], on=keys, how="left")
    total = weights.loc[weights["sex"] == "T", ["kommun_code", "year", "weight"]]
    if not total.empty and out["weight"].isna().any():
        fallback = out[["kommun_code", "year"]].merge(total, on=["kommun_code", "year"],
                                                      how="left")["weight"].to_numpy()
        has_split = set(weights["sex"].unique()) - {"T"}
        use = out["weight"].isna() & ~out["sex"].isin(has_split)
        out.loc[use, "weight"] = fallback[use.to_numpy()]
    return out


def aggregate(values: pd.DataFrame, members: pd.DataFrame, *, rule: str,
              first_year: pd.Series, weights: pd.DataFrame | None = None,
              min_coverage: float = MIN_COVERAGE) -> pd.DataFrame:
    """Area values from kommun values (grain: area × year × sex).

    values: kommun_code, year, sex, value (null = not reported).
    members: area_id, kommun_code.
    rule: 'sum' | 'weighted' | 'none'. weights (rule 'weighted'): kommun_code, year, sex, weight.
    first_year: kommun_code -> first year the kommun existed.
    Returns area_id, year, sex, value, n_expected, n_reporting, status, where status is None
    (all expected members report), 'partial' (shown with its coverage) or 'withheld'.
    """
    if rule not in {"sum", "weighted", "none"}:
        raise ValueError(f"unknown aggregation rule {rule!r}")
    if rule == "weighted" and weights is None:
        raise ValueError("rule 'weighted' needs weights")
    periods = values[["year", "sex"]].drop_duplicates()
    if periods.empty or members.empty:
        return pd.DataFrame(columns=OUT_COLUMNS)
    # every area × member × (year, sex) the indicator has anywhere
    grid = members[["area_id", "kommun_code"]].merge(periods, how="cross")
    grid = grid.merge(values[["kommun_code", "year", "sex", "value"]],
                      on=["kommun_code", "year", "sex"], how="left")
    if rule == "weighted":
        grid = _attach_weights(grid, weights)
        reporting = grid["value"].notna() & (grid["weight"] > 0)
    else:
        grid["weight"] = 1.0
        reporting = grid["value"].notna()
    first = grid["kommun_code"].map(first_year).astype("float64")
    grid["expected"] = reporting | first.isna() | (grid["year"] >= first)
    grid["reporting"] = reporting
    grid["wv"] = np.where(reporting, grid["value"] * grid["weight"], 0.0)
    grid["w"] = np.where(reporting, grid["weight"], 0.0)

    out = grid.groupby(["area_id", "year", "sex"], as_index=False).agg(
        n_expected=("expected", "sum"), n_reporting=("reporting", "sum"),
        wv=("wv", "sum"), w=("w", "sum"))
    if rule == "sum":
        out["value"] = out["wv"]
    elif rule == "weighted":
        out["value"] = out["wv"] / out["w"].where(out["w"] > 0)
    else:
        out["value"] = np.nan
    coverage = out["n_reporting"] / out["n_expected"].where(out["n_expected"] > 0)
    withheld = (rule == "none") | (out["n_reporting"] == 0) | (coverage < min_coverage)
    status = np.where(withheld, "withheld",
                      np.where(out["n_reporting"] < out["n_expected"], "partial", ""))
    out["status"] = pd.Series([s or None for s in status], index=out.index, dtype=object)
    out.loc[withheld, "value"] = np.nan
    out = out[out["n_expected"] > 0]
    out["n_expected"] = out["n_expected"].astype("int32")
    out["n_reporting"] = out["n_reporting"].astype("int32")
    return out[OUT_COLUMNS].sort_values(["area_id", "sex", "year"]).reset_index(drop=True)


def coverage_label(n_reporting: int, n_expected: int) -> str:
    """'12 av 13 kommuner' (Swedish), or '' when every expected member reports."""
    if n_reporting >= n_expected:
        return ""
    return f"{n_reporting} av {n_expected} kommuner"
