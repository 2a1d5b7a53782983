"""Liknande kommuner: the kommuner nearest to one kommun on variables the user sees and weighs.

Pure numpy/pandas (grain: kommun). The method, also written on the page and in
docs/liknande_kommuner.md:

1. Each numeric variable is standardised over the kommuner that have a value: z = (x − mean)
   / standard deviation (every kommun counts once; this is a yardstick, not an area value).
   Population is standardised on its logarithm (log10): Stockholm's 980 000 would otherwise
   make every other kommun look alike.
2. The distance on one variable is |z(kommun) − z(the chosen kommun)|, in standard
   deviations. Kommungrupp (SKR's nine groups) is a category: 0 in the same group, 0,5 in
   the same main group (A, B or C), 1 otherwise; for comparison, two kommuner drawn at random
   differ by about 1,1 standard deviations on a normally distributed variable.
3. The total distance is the weighted root mean square of the per-variable distances,
   sqrt(Σ w·d² / Σ w), over the variables both kommuner have. So a total of 0,5 means "half a
   standard deviation apart on a typical variable", whatever the number of variables.
4. Missing values: a variable the chosen kommun lacks is left out for everyone (and named).
   A kommun lacking a variable is compared on the others, with their weights only; a kommun
   that has less than half of the total weight is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORY = "kommungrupp"
POPULATION = "N01951"
# (id, weight): population, share utrikes födda, unemployment 18–65, kommungrupp. Education
# (share with eftergymnasial utbildning) would belong here, but no such KPI is in the data.
DEFAULT_VARIABLES: tuple[tuple[str, float], ...] = (
    (POPULATION, 1.0), ("N02926", 1.0), ("N03920", 1.0), (CATEGORY, 1.0))
MISSING_DEFAULTS = {
    "utbildning": "Utbildningsnivå (andel invånare 25–64 år med eftergymnasial utbildning) "
                  "ingår i Koladas urval men finns inte bland de nyckeltal som hämtas hit, så "
                  "den kan inte användas ännu."}
MIN_WEIGHT_SHARE = 0.5
DEFAULT_N_PEERS = 10


@dataclass(frozen=True)
class Variable:
    """One variable of the peer search: its id, label, kind and weight."""

    id: str
    label: str
    weight: float
    kind: str = "numeric"  # numeric | log | category


def variable_kind(variable_id: str) -> str:
    """'category' for kommungrupp, 'log' for population, else 'numeric'."""
    if variable_id == CATEGORY:
        return "category"
    return "log" if variable_id == POPULATION else "numeric"


def standardise(values: pd.DataFrame, variables: list[Variable]) -> pd.DataFrame:
    """z-scores per numeric variable (grain: kommun; index kept, NaN stays NaN).

    values: one column per variable id. A log variable is log10 of values > 0 first. A
    variable with no spread (one value or a constant) gets z = 0 where there is a value.
    """
    out = pd.DataFrame(index=values.index)
    for var in variables:
        if var.kind == "category":
            continue
        x = pd.to_numeric(values[var.id], errors="coerce").astype("float64")
        if var.kind == "log":
            x = np.log10(x.where(x > 0))
        sd = x.std(ddof=0)
        out[var.id] = (x - x.mean()) / sd if sd and np.isfinite(sd) and sd > 0 else x * 0.0
    return out


def category_distance(codes: pd.Series, target: str) -> pd.Series:
    """0 for the same kommungrupp, 0,5 for the same main group (first letter), else 1."""
    same = codes == target
    main = codes.str[:1] == str(target)[:1]
    out = pd.Series(np.where(same, 0.0, np.where(main, 0.5, 1.0)), index=codes.index)
    return out.where(codes.notna())


def distances(values: pd.DataFrame, target: str, variables: list[Variable]) -> pd.DataFrame:
    """Every other kommun's standardised distance to ``target``, per variable and in total.

    values: kommun_code plus one column per variable id (numbers; kommungrupp as its code).
    Returns kommun_code, d_<id> per variable used (NaN where the kommun lacks it), distance
    (weighted RMS over the variables both have), n_variables, weight_share (the share of the
    total weight the kommun could be compared on); the target itself is left out. Variables
    the target lacks are dropped: ``out.attrs['dropped']`` names them.
    """
    frame = values.set_index("kommun_code")
    if target not in frame.index:
        raise KeyError(target)
    frame = frame.assign(**{v.id: float("nan") for v in variables if v.id not in frame})
    usable = [v for v in variables if v.weight > 0 and pd.notna(frame.at[target, v.id])]
    dropped = [v.id for v in variables if v.weight > 0 and v not in usable]
    z = standardise(frame, usable)
    parts = {}
    for var in usable:
        if var.kind == "category":
            parts[var.id] = category_distance(frame[var.id].astype("string"),
                                              str(frame.at[target, var.id]))
        else:
            parts[var.id] = (z[var.id] - z.at[target, var.id]).abs()
    d = pd.DataFrame(parts, index=frame.index)
    weights = np.array([v.weight for v in usable], dtype="float64")
    have = d.notna().to_numpy()
    sq = np.nan_to_num(d.to_numpy() ** 2)
    w_have = have @ weights if usable else np.zeros(len(d))
    total_weight = weights.sum() if usable else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt((sq * weights).sum(axis=1) / np.where(w_have > 0, w_have, np.nan))
    out = d.add_prefix("d_").reset_index()
    out["distance"] = dist
    out["n_variables"] = have.sum(axis=1)
    out["weight_share"] = w_have / total_weight if total_weight else 0.0
    out = out[out["kommun_code"] != target].reset_index(drop=True)
    out.attrs["dropped"] = dropped
    out.attrs["used"] = [v.id for v in usable]
    return out


def nearest(dist: pd.DataFrame, n: int, *, names: pd.Series | None = None,
            min_weight_share: float = MIN_WEIGHT_SHARE) -> pd.DataFrame:
    """The ``n`` nearest kommuner (smallest total distance; ties by name, then code).

    Kommuner compared on less than ``min_weight_share`` of the weight are left out.
    """
    ok = dist[(dist["weight_share"] >= min_weight_share) & dist["distance"].notna()].copy()
    ok["_name"] = ok["kommun_code"].map(names) if names is not None else ok["kommun_code"]
    ok = ok.sort_values(["distance", "_name", "kommun_code"]).head(n)
    out = ok.drop(columns=["_name"]).reset_index(drop=True)
    out.insert(0, "place", range(1, len(out) + 1))
    out.attrs.update(dist.attrs)
    return out


def peer_candidates(indicators) -> list[str]:
    """Variable ids a peer search may use: kommungrupp, population, and every annual
    indicator that is a share, a rate or an amount per inhabitant (counts other than
    population would mostly measure size, which population already does)."""
    out = [CATEGORY]
    for ind in indicators:
        if ind.frequency != "year":
            continue
        if ind.id == POPULATION or ind.unit in ("percent", "per_1000", "sek"):
            out.append(ind.id)
    return out


def contributions(found: pd.DataFrame, variables: list[Variable]) -> pd.DataFrame:
    """Each variable's share (0–1) of a kommun's Σ w·d² (what sets it apart most), one column
    per variable label, index as ``found``; NaN where the kommun lacks the variable."""
    parts = pd.DataFrame({v.label: v.weight * found[f"d_{v.id}"] ** 2 for v in variables},
                         index=found.index)
    total = parts.sum(axis=1)
    return parts.div(total.where(total > 0), axis=0)
