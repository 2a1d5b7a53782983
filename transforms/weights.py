"""The population each kommun's share is weighted by when kommuner are aggregated into areas.

Two sources, best first: SCB's population per kommun by single year of age (exact age band of
the indicator, when fetched live), else the proxy population named in indicators.yml from
Kolada (e.g. 16–64 = N01954 + N01955). Grain of every output: kommun × year × sex.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.areas import combine_weights

KEYS = ["kommun_code", "year", "sex"]


@dataclass(frozen=True)
class Weights:
    """Weights for one indicator and how to describe them on a chart."""

    frame: pd.DataFrame  # kommun_code, year, sex, weight
    label: str  # 'befolkningen 16–64 år'
    exact: bool
    source: str  # 'Kolada N01954 + N01955' or 'SCB TAB638'


def band_for_year(bands: list[dict], year: int) -> tuple[int, int] | None:
    """The age band in force in ``year`` ([{from: 1994, ages: [18, 64]}, …])."""
    valid = [b for b in bands if int(b["from"]) <= year]
    if not valid:
        return None
    lo, hi = max(valid, key=lambda b: int(b["from"]))["ages"]
    return int(lo), int(hi)


OLDEST = 100  # SCB's last single-year age group, '100+' (read as 100: warehouse/scb_marts.py)


def band_population(population: pd.DataFrame, bands: list[dict]) -> pd.DataFrame:
    """Population in each year's age band (population: kommun_code, year, sex, age, population)."""
    df = population.dropna(subset=["population"])
    limits = {int(y): band_for_year(bands, int(y)) for y in df["year"].unique()}
    lo = df["year"].map(lambda y: limits[int(y)][0] if limits[int(y)] else 10**6)
    hi = df["year"].map(lambda y: limits[int(y)][1] if limits[int(y)] else -1)
    inside = df[(df["age"] >= lo) & (df["age"] <= hi)]
    return inside.groupby(KEYS, as_index=False)["population"].sum()\
        .rename(columns={"population": "weight"})


def with_total_sex(population: pd.DataFrame) -> pd.DataFrame:
    """Single-age population (kommun_code, year, sex, age, population, table_id) with sex T
    added as K + M per table × kommun × year × age where the table has no T of its own.

    TAB638 (to 2024) has Kon 1 and 2 only; TAB5557 (2025–) has a total, which is kept as
    published (from 2025 SCB's Cell Key Method noise means it need not equal K + M). A cell
    with one sex missing or null gets no T (missing, not a smaller number).
    """
    keys = [c for c in ("table_id", "kommun_code", "year", "age") if c in population.columns]
    parts = population[population["sex"].isin(["K", "M"])]
    if parts.empty:
        return population
    # one K and one M row per cell (a json-stat2 cube has each cell once): both are needed
    total = parts.groupby(keys, as_index=False, sort=False, dropna=False)["population"].sum(
        min_count=2)
    own = population.loc[population["sex"] == "T", keys].drop_duplicates()
    if not own.empty:
        total = total.merge(own, on=keys, how="left", indicator=True)
        total = total[total["_merge"] == "left_only"].drop(columns="_merge")
    if total.empty:
        return population
    return pd.concat([population, total.assign(sex="T")[list(population.columns)]],
                     ignore_index=True)


def shift_to_next_year(weights: pd.DataFrame) -> pd.DataFrame:
    """Use the population on 31 December of year T-1 as the weight for year T."""
    return weights.assign(year=weights["year"] + 1)


def band_label(bands: list[dict]) -> str:
    """'befolkningen 16–24 år' ('befolkningen 18 år och äldre' for a band to OLDEST, SCB's
    '100+'), or a general wording when the band changed over time."""
    distinct = {tuple(b["ages"]) for b in bands}
    if len(distinct) == 1:
        lo, hi = distinct.pop()
        return f"befolkningen {lo} år och äldre" if hi >= OLDEST else f"befolkningen {lo}–{hi} år"
    return "befolkningen i nyckeltalets åldersgrupp"


def resolve_weights(spec: dict, proxy_ids: list[str], proxy_label: str, exact_proxy: bool,
                    observations: pd.DataFrame, years: set[int],
                    scb_population: pd.DataFrame | None = None,
                    cache: dict | None = None) -> Weights:
    """The best weights for one indicator's ``years``.

    SCB's exact band is used only when it covers every year of the indicator (after the T-1
    shift), so a series is never weighted two ways. Otherwise the Kolada proxy. ``cache``
    (a dict kept by the caller over one ``observations`` and ``scb_population``) holds each
    proxy once (41 indicators share 8, ~1 s per build) and each exact band once it has been
    used (five of the eleven scb_ages indicators weigh by 18–64): indicators weighted alike
    get the same frame, which the build stores as one weight series.
    """
    previous = spec.get("weight_year") == "previous"
    bands = spec.get("scb_ages")
    if bands and scb_population is not None and not scb_population.empty:
        band_key = ("scb", tuple((int(b["from"]), *map(int, b["ages"])) for b in bands),
                    previous)
        exact = cache.get(band_key) if cache is not None else None
        if exact is None:
            exact = band_population(scb_population, bands)
            if previous:
                exact = shift_to_next_year(exact)
            exact = exact[KEYS + ["weight"]]
        # the years with a total: the area value of sex T needs it (a table of K and M only
        # once gave T only from 2025, and every member then counted as not reporting)
        if years and years <= set(exact.loc[exact["sex"] == "T", "year"].unique()):
            if cache is not None:  # kept only when used: one not covering is not a series
                cache[band_key] = exact
            tables = sorted(set(scb_population.get("table_id", pd.Series(["SCB"])).dropna()))
            return Weights(exact, band_label(bands), True, "SCB " + ", ".join(tables))
    key = (tuple(proxy_ids), previous)
    proxy = cache.get(key) if cache is not None else None
    if proxy is None:
        parts = [_proxy_rows(observations, i, cache) for i in proxy_ids]
        # one population: its values are the weights, as combine_weights' sum of one part
        # gives them (the same rows, order and values), without its merge and row-wise sum
        # (six of the eight combinations; ~half of the weights' pandas time)
        proxy = (parts[0].rename(columns={"value": "weight"}) if len(parts) == 1
                 else combine_weights(parts))
        if previous:
            proxy = shift_to_next_year(proxy)
        if cache is not None:
            cache[key] = proxy
    return Weights(proxy, proxy_label, exact_proxy, "Kolada " + " + ".join(proxy_ids))


def _proxy_rows(observations: pd.DataFrame, indicator_id: str, cache: dict | None
                ) -> pd.DataFrame:
    """One proxy indicator's rows (kommun_code, year, sex, value), filtered out of
    ``observations`` once per ``cache``: proxies share parts (N01954 and N01955 are parts of
    three of the eight combinations)."""
    key = ("rows", indicator_id)
    rows = cache.get(key) if cache is not None else None
    if rows is None:
        rows = observations.loc[observations["indicator_id"] == indicator_id, KEYS + ["value"]]
        if cache is not None:
            cache[key] = rows
    return rows
