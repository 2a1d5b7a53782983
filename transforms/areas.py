"""Aggregating kommuner into areas: one mechanism for län, Riket, LA, FA, kommungrupp and groups.

Each indicator declares its rule: ``sum`` (counts), ``weighted`` (a share or rate weighted by a
named population: sum(value * weight) / sum(weight)), ``ratio`` (a rate from counts: scale ×
sum(numerator) / sum(denominator), e.g. 100 × Σ arbetslösa / Σ arbetskraften), or ``none``
(not additive). Never the unweighted mean of kommun rates. The same function serves yearly
values (``time="year"``) and monthly ones (``time="period"``, a date).

Coverage: a member "is expected" in a year once it exists (its first year), or whenever it
reports. An area value computed from fewer members than expected carries its coverage
("12 av 13 kommuner"); below ``MIN_COVERAGE`` of the expected members it is withheld, and
below ``MIN_COVERAGE`` of their population too where that share is known (``withhold_thin``,
stop 28: Avesta and Ludvika are 2 of 3 kommuner but 10 % of a group with Malmö).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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
              min_coverage: float = MIN_COVERAGE, time: str = "year",
              scale: float = 1.0, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Area values from kommun values (grain: area × time × sex).

    values: kommun_code, <time>, sex, and value (null = not reported), or for rule 'ratio'
    numerator and denominator (a member reports when both are there and the denominator > 0).
    members: area_id, kommun_code.
    rule: 'sum' | 'weighted' | 'ratio' | 'none'. weights (rule 'weighted'): kommun_code, year,
    sex, weight. time: 'year' (INTEGER) or 'period' (the first day of a month).
    first_year: kommun_code -> first year the kommun existed.
    Returns area_id, <time>, sex, value, n_expected, n_reporting, status, where status is None
    (all expected members report), 'partial' (shown with its coverage) or 'withheld'; rule
    'ratio' adds the summed numerator and denominator.

    Lower bounds (rules 'sum' and 'ratio'): ``values`` may carry ``masked`` (bool), True where
    the source hides a member's count as "<N" (e.g. Arbetsförmedlingen's "<5"). Such a member
    reports (where its denominator is there), adds 0, the least it can be, and makes the area
    value a lower bound. ``extra`` (area_id, <time>, sex, value, optionally masked) holds
    counts that belong to an area but to none of its member kommuner (a source's rows with
    unknown kommun, e.g. "Uppgift saknas"): added to the area's sum or numerator, never counted
    as members; a null or masked extra value makes the area a lower bound. With either, the
    output adds n_masked (members and extra rows that are lower bounds) and is_lower_bound,
    which for rule 'sum' is also true where the value is 'partial' (the missing members'
    counts are not in it; ``mark_partial_sums`` does the same to a series without them).
    """
    if rule not in {"sum", "weighted", "ratio", "none"}:
        raise ValueError(f"unknown aggregation rule {rule!r}")
    if rule == "weighted" and weights is None:
        raise ValueError("rule 'weighted' needs weights")
    keys = [time, "sex"]
    periods = values[keys].drop_duplicates()
    if periods.empty or members.empty:
        return pd.DataFrame(columns=["area_id", time, *OUT_COLUMNS[2:]] + (
            ["numerator", "denominator"] if rule == "ratio" else []))
    # every area × member × (time, sex) the indicator has anywhere
    grid = members[["area_id", "kommun_code"]].merge(periods, how="cross")
    measured = ["numerator", "denominator"] if rule == "ratio" else ["value"]
    bounds = rule in {"sum", "ratio"} and ("masked" in values.columns or extra is not None)
    if "masked" in values.columns and rule in {"sum", "ratio"}:
        measured.append("masked")
    grid = grid.merge(values[["kommun_code", *keys, *measured]], on=["kommun_code", *keys],
                      how="left")
    masked = grid["masked"].fillna(False).astype(bool) if "masked" in grid else \
        pd.Series(False, index=grid.index)
    if rule == "ratio":
        reporting = (grid["numerator"].notna() | masked) & (grid["denominator"] > 0)
        grid["value"] = grid["numerator"].where(~masked | grid["numerator"].notna(), 0.0)
        grid["weight"] = grid["denominator"]
    elif rule == "weighted":
        grid = _attach_weights(grid, weights)
        reporting = grid["value"].notna() & (grid["weight"] > 0)
    else:
        grid["weight"] = 1.0
        reporting = grid["value"].notna() | masked
        grid["value"] = grid["value"].where(~masked | grid["value"].notna(), 0.0)
    grid["masked"] = reporting & masked
    # looked up once per member, not once per row (a pointwise map over Riket's 22 000 rows)
    member = pd.Categorical(grid["kommun_code"])
    starts = first_year.reindex(member.categories)
    first = pd.Series(np.where(member.codes >= 0,
                               starts.to_numpy(dtype="float64", na_value=np.nan)[member.codes],
                               np.nan), index=grid.index)
    year = grid[time] if time == "year" else pd.to_datetime(grid[time]).dt.year
    # a member whose weight is 0 (rule 'weighted': nobody its value would be a share of, e.g.
    # N00964 = 0 who left etableringsuppdraget) is not missing: neither expected nor reporting
    zero = (grid["weight"] == 0) & ~reporting if rule == "weighted" else False
    grid["expected"] = (reporting | first.isna() | (year >= first)) & ~zero
    grid["reporting"] = reporting
    grid["wv"] = np.where(reporting, grid["value"] * (grid["weight"] if rule != "ratio" else 1),
                          0.0)
    grid["w"] = np.where(reporting, grid["weight"], 0.0)

    # one sum over the five columns (a named aggregation per column cost ~30 % more)
    out = grid.groupby(["area_id", *keys], as_index=False)[
        ["expected", "reporting", "wv", "w", "masked"]].sum().rename(columns={
            "expected": "n_expected", "reporting": "n_reporting", "masked": "n_masked"})
    if extra is not None and not extra.empty and rule in {"sum", "ratio"}:
        out = _add_extra(out, extra, keys)
    if rule == "sum":
        out["value"] = out["wv"]
    elif rule == "weighted":
        out["value"] = out["wv"] / out["w"].where(out["w"] > 0)
    elif rule == "ratio":  # Σ numerator / Σ denominator over the reporting members
        out["numerator"], out["denominator"] = out["wv"], out["w"]
        out["value"] = scale * out["wv"] / out["w"].where(out["w"] > 0)
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
    columns = ["area_id", time, *OUT_COLUMNS[2:]] + (["numerator", "denominator"]
                                                     if rule == "ratio" else [])
    if bounds:
        out["n_masked"] = out["n_masked"].astype("int32")
        # a sum of counts without some members is at least this too (mark_partial_sums)
        out["is_lower_bound"] = (out["n_masked"] > 0) | (
            (rule == "sum") & out["status"].eq("partial").to_numpy(dtype=bool))
        columns += ["n_masked", "is_lower_bound"]
    return out[columns].sort_values(["area_id", "sex", time]).reset_index(drop=True)


def _add_extra(out: pd.DataFrame, extra: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add counts that belong to an area but to no member (see ``aggregate``) to its sums."""
    masked = extra["masked"].fillna(False).astype(bool) if "masked" in extra else False
    rows = extra.assign(_v=extra["value"].fillna(0.0),
                        _lb=(extra["value"].isna() | masked).astype("int32"))
    sums = rows.groupby(["area_id", *keys], as_index=False).agg(_v=("_v", "sum"),
                                                                _lb=("_lb", "sum"))
    out = out.merge(sums, on=["area_id", *keys], how="left")
    out["wv"] = out["wv"] + out["_v"].fillna(0.0)
    out["n_masked"] = out["n_masked"] + out["_lb"].fillna(0).astype("int64")
    return out.drop(columns=["_v", "_lb"])


MAX_NAMED_MISSING = 3  # a coverage text names at most this many missing members


def coverage_label(n_reporting: int, n_expected: int, share: float | None = None,
                   population: str | None = None, missing: tuple[str, ...] = ()) -> str:
    """'12 av 13 kommuner' (Swedish), or '' when every expected member reports. With the
    ``share`` (0–1) of the weight the reporting members carry and the weight's name
    (``population``, Indicator.weight_label): '2 av 3 kommuner, 71 % av befolkningen 16–64
    år' (left27: for a weighted rate the people behind it matter, not only the count). With
    the names of the ``missing`` members (at most MAX_NAMED_MISSING; more are counted
    already): '2 av 3 kommuner, 10 % av befolkningen 20–64 år; Malmö saknas' (stop 28)."""
    if n_reporting >= n_expected:
        return ""
    text = f"{n_reporting} av {n_expected} kommuner"
    if share is not None and population is not None and np.isfinite(share):
        text = f"{text}, {population_share_text(share)} av {population}"
    named = list(dict.fromkeys(missing))
    if named and len(named) <= MAX_NAMED_MISSING:
        from transforms.formatting import and_list

        text = f"{text}; {and_list(named)} saknas"
    return text


def _field(row: object, name: str) -> object:
    """A field of an area value's row (a Series, dict or itertuples row): None where absent
    or missing (None, NaN, NA); a text or a sequence as it is."""
    value = row.get(name) if isinstance(row, dict | pd.Series) else getattr(row, name, None)
    if value is None or isinstance(value, str | tuple | list | np.ndarray):
        return value
    return None if pd.isna(value) else value


def coverage_of(row: object, population: str | None = None) -> str:
    """``coverage_label`` of an area value's row (a Series, dict or itertuples row with
    n_reporting, n_expected and, where the series carries it, covered_share; ``population``:
    Indicator.weight_label): the one place that words an area value's coverage, so the card,
    hover, downloads, deck, Jämför and Karta say the same (review27 item 2). '' without the
    counts."""
    n, m = _field(row, "n_reporting"), _field(row, "n_expected")
    if n is None or m is None:
        return ""
    share = _field(row, "covered_share")
    names = _field(row, "missing_names")
    missing = tuple(names) if isinstance(names, tuple | list | np.ndarray) else ()
    return coverage_label(int(n), int(m), None if share is None else float(share), population,
                          missing)


def withheld_reason(row: object) -> str:
    """Which half of the rule withheld an area value, in a few Swedish words for a hover, a
    download's anmärkning or the deck: 'under hälften av kommunerna rapporterar', or where
    enough kommuner report but their population share (covered_share) is under
    MIN_COVERAGE, 'kommunerna med värde har under hälften av befolkningen' (stop 28)."""
    n, m = _field(row, "n_reporting"), _field(row, "n_expected")
    share, least = _field(row, "covered_share"), _least()
    if n is not None and m is not None and int(m) > 0 and int(n) / int(m) >= MIN_COVERAGE \
            and share is not None and float(share) < MIN_COVERAGE:
        return f"kommunerna med värde har under {least} av befolkningen"
    return f"under {least} av kommunerna rapporterar"


def withheld_text(row: object, population: str | None = None) -> str:
    """Why an area value with some members reporting is not shown, in the words of
    ``coverage_of``: 'inget områdesvärde: värden finns för 2 av 3 kommuner, 10 % av
    befolkningen 20–64 år; Malmö saknas (ett områdesvärde kräver minst hälften av kommunerna
    och av befolkningen)'; '' for a row that is not withheld or where no member reports (the
    data are missing, which the callers say their own way)."""
    n = _field(row, "n_reporting")
    if _field(row, "status") != "withheld" or n is None or int(n) == 0:
        return ""
    cover = coverage_of(row, population)
    return (f"inget områdesvärde: värden finns för {cover} (ett områdesvärde kräver minst "
            f"{_least()} av kommunerna och av befolkningen)")


def _least() -> str:
    """MIN_COVERAGE in words: 'hälften' (else '60 %')."""
    return "hälften" if MIN_COVERAGE == 0.5 else f"{MIN_COVERAGE * 100:.0f}\u00a0%"


def population_share_text(share: float) -> str:
    """'71 %' for 0.712: whole percent, never '100 %' or '0 %' for a part (a member is
    missing, so the reporting ones carry less than all and, having reported, more than
    none)."""
    percent = min(99, max(1, round(100 * float(share))))
    if float(share) < MIN_COVERAGE:  # a withheld value never reads as enough: 49 %, not 50
        percent = min(percent, math.ceil(100 * MIN_COVERAGE) - 1)
    return f"{percent}\u00a0%"


def needs_shares(rule: str, series: pd.DataFrame) -> bool:
    """Whether an area's yearly ``series`` has a weighted rate's partial year, whose coverage
    names the share of the population behind it (with_shares)."""
    return (rule == "weighted" and "year" in series and "status" in series
            and bool((series["status"] == "partial").any()))


def with_shares(series: pd.DataFrame, shares: pd.DataFrame, time: str = "year") -> pd.DataFrame:
    """``series`` with ``covered_share`` on its partial periods from ``shares`` (<time>,
    covered_share, optionally missing_names: member_shares per period), NaN elsewhere, and
    the population rule applied (``withhold_thin``); the page's and the deck's coverage words
    read it (coverage_label). ``time``: 'year' or 'period' (a monthly series)."""
    def key(t: object) -> object:
        return int(t) if time == "year" else pd.Timestamp(t)

    found = dict(zip(map(key, shares[time]), shares["covered_share"], strict=True))
    names = dict(zip(map(key, shares[time]), shares["missing_names"], strict=True)) \
        if "missing_names" in shares else {}
    told = [s in ("partial", "withheld") for s in series["status"]]
    out = series.assign(
        covered_share=[found.get(key(t), np.nan) if s else np.nan
                       for t, s in zip(series[time], told, strict=True)],
        missing_names=[names.get(key(t), ()) if s else ()
                       for t, s in zip(series[time], told, strict=True)])
    return withhold_thin(out)


def withhold_thin(series: pd.DataFrame) -> pd.DataFrame:
    """The population half of the one rule for when an area value is shown (stop 28): a
    'partial' value whose reporting members carry less than ``MIN_COVERAGE`` of the expected
    members' population (``covered_share``) is withheld like one from too few kommuner
    (value NaN, status 'withheld', no lower bound). Where the share is unknown (NaN: some
    expected member has no population) the kommun count alone decides, as before."""
    if "covered_share" not in series or "status" not in series:
        return series
    share = pd.to_numeric(series["covered_share"], errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        thin = (series["status"] == "partial").to_numpy(dtype=bool) & (share < MIN_COVERAGE)
    if not thin.any():
        return series
    out = series.copy()
    out.loc[thin, "value"] = np.nan
    out["status"] = out["status"].astype(object)
    out.loc[thin, "status"] = "withheld"
    if "is_lower_bound" in out:
        out.loc[thin, "is_lower_bound"] = False
    return out


def weight_share(expected: np.ndarray, reporting: np.ndarray, weight: np.ndarray, *,
                 axis: int) -> np.ndarray:
    """Along ``axis`` (the members): the share of the expected members' weight that the
    reporting ones carry (``reporting`` within ``expected``); NaN where an expected member
    has no weight or the expected weigh nothing. The one formula of the yearly member grid
    (queries._group_cover) and the monthly population share (member_shares)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        unknown = (expected & np.isnan(weight)).any(axis=axis)
        whole = np.where(expected, np.nan_to_num(weight), 0.0).sum(axis=axis)
        part = np.where(reporting, np.nan_to_num(weight), 0.0).sum(axis=axis)
        return np.where(unknown | (whole <= 0), np.nan, part / whole)


def member_shares(reporting: pd.DataFrame, members: list[str], times: pd.Series,
                  first_year: pd.Series, population: pd.DataFrame,
                  names: dict[str, str] | None = None, time: str = "period") -> pd.DataFrame:
    """Per period of ``times``: the share of the expected members' population that the
    reporting members carry, and the names of the expected members that do not report
    (grain: period). For rules whose own weights say nothing of a member without a value
    (a monthly Σ/Σ of counts, a monthly sum), so the population is a named one (the mart's
    ``coverage_weight``).

    reporting: kommun_code, <time> of each member that reports then. first_year: kommun_code
    -> first year (a member is expected once it exists, or whenever it reports, as
    ``aggregate``). population: kommun_code, year, weight; a period takes each member's
    latest population year up to its own (Kolada's ends years before SCB's months), NaN
    where an expected member has none. Returns <time>, covered_share, missing_names (tuple).
    """
    codes = list(dict.fromkeys(members))
    # plain lists and numpy: a series' few members and months (pandas per member cost ~7 ms)
    when = np.unique(pd.to_datetime(pd.Series(times)).to_numpy(dtype="datetime64[D]"))
    years = when.astype("datetime64[Y]").astype("int64") + 1970
    place = {c: j for j, c in enumerate(codes)}
    by_code: dict[int, list[tuple[int, float]]] = {}
    for code, year, w in zip(population["kommun_code"].tolist(), population["year"].tolist(),
                             population["weight"].tolist(), strict=True):
        if code in place and w is not None and not math.isnan(w):
            by_code.setdefault(place[code], []).append((int(year), float(w)))
    weight = np.full((len(when), len(codes)), np.nan)
    for j, pairs in by_code.items():
        pairs.sort()
        at = np.searchsorted(np.array([y for y, _ in pairs]), years, side="right") - 1
        have = at >= 0
        weight[have, j] = np.array([w for _, w in pairs])[at[have]]
    rep = np.zeros((len(when), len(codes)), dtype=bool)
    if len(reporting):
        days = pd.to_datetime(reporting[time]).to_numpy(dtype="datetime64[D]")
        row = np.searchsorted(when, days)
        col = np.array([place.get(c, -1) for c in reporting["kommun_code"].tolist()])
        ok = (col >= 0) & (row < len(when))
        ok[ok] &= when[row[ok]] == days[ok]
        rep[row[ok], col[ok]] = True
    starts = first_year.reindex(codes).to_numpy(dtype="float64", na_value=np.nan)
    expected = rep | np.isnan(starts)[None, :] | (years[:, None] >= starts[None, :])
    share = weight_share(expected, rep, weight, axis=1)
    names = names or {}
    missing = [tuple(names.get(c, c) for c, e, r in zip(codes, exp, got, strict=True)
                     if e and not r) for exp, got in zip(expected, rep, strict=True)]
    return pd.DataFrame({time: pd.to_datetime(when), "covered_share": share,
                         "missing_names": missing})


def mark_partial_sums(series: pd.DataFrame, rule: str) -> pd.DataFrame:
    """An area's series (any grain) with ``is_lower_bound``: True where it already is (e.g. a
    hidden "<5"), and for rule 'sum' where the value is 'partial'.

    A sum of counts over fewer members than expected lacks the counts of the members that do
    not report, so the area's true count is at least this. Other rules get the column as
    given (False where absent): a share over the reporting members is an estimate, shown
    with its coverage ("12 av 13 kommuner"), not a bound.
    """
    # plain lists into a shallow copy: a page reads many series per view, and assign with a
    # nullable cast cost ~0.9 ms a series (bench/results/queries.md, numfix26)
    lower = np.zeros(len(series), dtype=bool)
    if rule == "sum" and "status" in series:
        lower |= np.array([v == "partial" for v in series["status"].tolist()], dtype=bool)
    if "is_lower_bound" in series:
        lower |= np.array([v is True or (v is not None and v is not pd.NA and v == 1)
                           for v in series["is_lower_bound"].tolist()], dtype=bool)
    out = series.copy(deep=False)
    out["is_lower_bound"] = lower
    return out


def missing_members(values: pd.DataFrame, members: list[tuple[str, str]], year: int) -> list[str]:
    """The names of the members (kommun code, name) that existed in ``year`` but have no
    value then, in ``members``' order: a ranking of members names them instead of leaving
    them out. ``values``: member_values (kommun_code, year, value, first_year); a kommun
    formed later (its first_year after ``year``) is not missing.
    """
    have = values.dropna(subset=["value"])
    valued = set(have.loc[have["year"] == year, "kommun_code"])
    first = values.dropna(subset=["first_year"]).groupby("kommun_code")["first_year"].min()
    return [name for code, name in members
            if code not in valued and not (code in first and int(first[code]) > year)]


MISSING_WORDS = "uppgift saknas"  # a member's bar slot without a value


def member_bar_rows(values: pd.DataFrame, missing: list[str] | None = None,
                    area: tuple[str, float | None] | None = None) -> pd.DataFrame:
    """The rows of a bar chart of member kommuner in one period, bottom bar first (plotly's
    and PowerPoint's order of a horizontal bar chart): the members in ``missing`` (names of
    members without a value, missing_members) at the foot, then the members with a value
    (``values``: kommun_name, value) and the area's own value (``area``: name, value, a bar
    '<name> (området)') lowest to highest. Columns kommun_name, value (NaN where missing),
    missing (bool). One function for the page's bars and the deck's (left27: the deck left a
    member without a value out)."""
    have = values.dropna(subset=["value"])[["kommun_name", "value"]]
    names = set(have["kommun_name"])
    if area is not None and area[1] is not None and not pd.isna(area[1]):
        have = pd.concat([have, pd.DataFrame({"kommun_name": [f"{area[0]} (området)"],
                                              "value": [float(area[1])]})], ignore_index=True)
    have = have.sort_values("value", kind="stable").assign(missing=False)
    lacking = [name for name in dict.fromkeys(missing or []) if name not in names]
    foot = pd.DataFrame({"kommun_name": lacking, "value": [np.nan] * len(lacking),
                         "missing": [True] * len(lacking)})
    rows = pd.concat([foot, have], ignore_index=True) if lacking else have
    return rows.astype({"value": "float64", "missing": bool}).reset_index(drop=True)


def lan_codes_of(members: list[str] | tuple[str, ...]) -> list[str]:
    """The län codes (first two digits) of an area's member kommuner, the län with the most
    members first (ties by code)."""
    counts: dict[str, int] = {}
    for code in members:
        counts[code[:2]] = counts.get(code[:2], 0) + 1
    return sorted(counts, key=lambda lan: (-counts[lan], lan))


NUMBER_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta"}


# kinds of area compared with the län that holds most of their population when they cross a
# län border (stop 28): a user's group, SCB's LA and Tillväxtverket's FA are places; an SKR
# kommungrupp is a kind of kommun spread over Sweden, and stays compared with Riket
MAJORITY_KINDS = ("group", "la", "fa")
COMPARISON_POPULATION = "pop_16_64"  # indicators.yml weights: the population shares use
NAMED_OUTSIDE = 3  # the kommuner outside the compared län are named up to this many


@dataclass(frozen=True)
class LanChoice:
    """The län an area's charts draw beside it (``lan_code``, ``lan_name``; None: Riket only)
    and the note that says why ('' when nothing needs saying: a kommun, an area in one län).
    ``share``: the part of the area's population the län holds, of ``year``'s."""

    lan_code: str | None = None
    lan_name: str | None = None
    note: str = ""
    share: float | None = None
    year: int | None = None


def compared_with(area, choice: LanChoice, lookup: Callable[[str], object]
                  ) -> list[tuple[object, str]]:
    """(area, role): ``area`` as 'focus', the län it is compared with (``choice``, from
    ``lan_comparison``) as 'lan' and Riket as 'riket' unless the area is Riket; ``lookup``
    gives an area by its id ('lan:20', 'riket'). The one rule the pages' charts
    (ui.blocks.compared_areas) and the deck (exports.deck.compared_areas) draw by."""
    shown = [(area, "focus")]
    if choice.lan_code is not None:
        shown.append((lookup(f"lan:{choice.lan_code}"), "lan"))
    if area.kind != "riket":
        shown.append((lookup("riket"), "riket"))
    return shown


def needs_population(area) -> bool:
    """Whether ``lan_comparison`` reads the members' population for ``area``: a group, LA or
    FA whose members lie in several län (other areas are decided by their codes alone)."""
    return area.kind in MAJORITY_KINDS and len({m[:2] for m in area.members}) > 1


def lan_comparison(area, kommuner: pd.DataFrame, population: pd.DataFrame, *,
                   population_label: str = "befolkningen 16–64 år") -> LanChoice:
    """Which län an area (a queries.Area: kind, name, members) is compared with: the page's,
    the deck's and Mötesunderlag's one rule (stop 28).

    A kommun and an area within one län: their län, no note. A län and Riket: none. A
    group, LA or FA whose members lie in several län: the län that holds more than half of
    the members' population (``population``: kommun_code, year, population, e.g. 16–64 år,
    ``population_label``) in the newest year every member has one, with the note 'Jämförs
    med Västra Götalands län, där 12 av 13 kommuner och 93 % av områdets befolkning 16–64
    år finns (Kungsbacka ligger i Hallands län).'; without such a län (or a population for
    every member), and for a kommungrupp, Riket only and ``no_lan_note``. ``kommuner``:
    kommun_code, kommun_name, lan_name of the members (names for the notes)."""
    if area.kind in ("lan", "riket"):
        return LanChoice()
    names = dict(zip(kommuner["kommun_code"], kommuner["kommun_name"], strict=True))
    lan_names = {str(c)[:2]: n for c, n in zip(kommuner["kommun_code"], kommuner["lan_name"],
                                               strict=True)}
    codes = lan_codes_of(area.members)
    if len(codes) == 1:
        return LanChoice(codes[0], lan_names.get(codes[0], codes[0]))
    riket_only = LanChoice(note=no_lan_note(area.name, [lan_names.get(c, c) for c in codes]))
    if not needs_population(area):
        return riket_only
    members = list(dict.fromkeys(area.members))
    # each year's members with a population, in plain dicts (a few hundred rows: a pandas
    # groupby here was half of the read's ~10 ms on Översikt, stop 28); the first row wins
    wanted, by_year = set(members), {}
    for code, year, value in zip(population["kommun_code"], population["year"],
                                 population["population"], strict=True):
        if code in wanted and not pd.isna(value):
            by_year.setdefault(int(year), {}).setdefault(code, float(value))
    complete = [year for year, found in by_year.items() if len(found) == len(wanted)]
    if not complete:  # no year with every member's population: no majority to be sure of
        return riket_only
    year = max(complete)
    people = by_year[year]
    total = sum(people.values())
    by_lan = {lan: sum(people[m] for m in members if m[:2] == lan) for lan in codes}
    lan = max(codes, key=lambda c: by_lan[c])  # codes' order breaks a tie
    share = by_lan[lan] / total if total > 0 else 0.0
    if share <= 0.5:
        return riket_only
    inside = [m for m in members if m[:2] == lan]
    whose = population_label.replace("befolkningen", "områdets befolkning", 1)
    note = (f"Jämförs med {lan_names.get(lan, lan)}, där {len(inside)} av {len(members)} "
            f"kommuner och {_majority_text(share)} av {whose} finns "
            f"({_outside_text(members, lan, codes, names, lan_names)}).")
    return LanChoice(lan, lan_names.get(lan, lan), note, share, year)


def _majority_text(share: float) -> str:
    """A majority share in words that never reads as half: '93 %', or 'drygt 50 %' for a
    share over half that rounds to 50 (review28)."""
    return population_share_text(share) if round(100 * share) > 50 else "drygt 50\u00a0%"


def _outside_text(members: list[str], lan: str, codes: list[str], names: dict[str, str],
                  lan_names: dict[str, str]) -> str:
    """'Kungsbacka ligger i Hallands län', 'Habo och Mullsjö ligger i Jönköpings län och
    Markaryd i Kronobergs län'; past NAMED_OUTSIDE kommuner 'de övriga 5 kommunerna ligger i
    Hallands län och Jönköpings län' (past three län: 'i 4 andra län')."""
    from transforms.formatting import and_list

    outside = [m for m in members if m[:2] != lan]
    others = [c for c in codes if c != lan]
    if len(outside) > NAMED_OUTSIDE:
        where = and_list([lan_names.get(c, c) for c in others]) if len(others) <= 3 \
            else f"{len(others)} andra län"
        return f"de övriga {len(outside)} kommunerna ligger i {where}"
    parts = []
    for c in others:
        here = sorted(names.get(m, m) for m in outside if m[:2] == c)
        verb = " ligger" if not parts else ""
        parts.append(f"{and_list(here)}{verb} i {lan_names.get(c, c)}")
    return and_list(parts)


def no_lan_note(area_name: str, lan_names: list[str]) -> str:
    """Why an area's charts draw no län: '' for an area within one län, else 'Inget län i
    jämförelsen: Göteborgsregionen ligger i två län (Västra Götalands län och Hallands
    län), så området jämförs med Riket.' (``lan_names`` as ``lan_codes_of`` orders them)."""
    if len(lan_names) < 2:
        return ""
    from transforms.formatting import and_list

    many = NUMBER_WORDS.get(len(lan_names), str(len(lan_names)))
    return (f"Inget län i jämförelsen: {area_name} ligger i {many} län "
            f"({and_list(lan_names)}), så området jämförs med Riket.")
