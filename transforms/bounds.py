"""What a card says when its number is not the whole number: an area's sum of counts with
members missing or hidden ("<5"), and a kommun's newest month that the source hides.

Pure. An area's sum over fewer members than expected is a lower bound ("minst …"). A change
of an area value that rests on only some of its members (a bound, or a weighted share over
the reporting members) is computed only like for like (the same members in both periods,
with the same weights) or withheld with the reason. A month the source hides is shown as that
month, saying so, never replaced by an older month's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.catalogue import Indicator
from transforms.monthly import newer_mark

LOWER_BOUND_NOTE = ("**Minst:** summan räknar med kommuner där källan döljer små antal (<5) "
                    "eller inte kan ange antalet, så det sanna värdet är minst detta och "
                    "förändringen mot året före kan inte anges.")
PARTIAL_SUM_NOTE = ("**Minst:** kommuner utan värde saknas i summan, så det sanna värdet är "
                    "minst detta och förändringen mot året före kan inte anges.")
YEAR_BEFORE_LOWER_NOTE = ("Samma månad året före är en nedre gräns (källan döljer små antal "
                          "eller alla kommuner rapporterar inte), så förändringen kan inte "
                          "anges.")
HIDDEN_COUNT = "färre än 5"
HIDDEN_COUNT_NOTE = ("Källan döljer antal under 5 (visas som \"<5\"), så månadens exakta "
                     "antal kan inte anges.")
HIDDEN_SHARE = "dolt av källan"
HIDDEN_SHARE_NOTE = ("Källan döljer antalet när det är under 5 (visas som \"<5\"), så "
                     "månadens andel kan inte anges.")


def _is_true(flag: object) -> bool:
    """A flag cell as a bool: missing (None, NaN, pd.NA) is False."""
    return bool(flag is not None and not pd.isna(flag) and flag)


def card_text(latest: dict, ind: Indicator, value: str) -> tuple[str, tuple[str, ...]]:
    """A monthly card's value text and notes for ``latest`` (monthly.latest_with_year_before's
    dict, or ``newest_hidden``'s): ``value`` (the formatted value) as it is, 'minst …' for a
    lower bound, 'färre än 5' (a count) or 'dolt av källan' (a share) for a month the source
    hides; the notes say why, and why no change is given."""
    if latest.get("status") == "masked":
        count = ind.unit == "count"
        return (HIDDEN_COUNT if count else HIDDEN_SHARE,
                (HIDDEN_COUNT_NOTE if count else HIDDEN_SHARE_NOTE,))
    if _is_true(latest.get("is_lower_bound")):
        why = PARTIAL_SUM_NOTE if latest.get("status") == "partial" else LOWER_BOUND_NOTE
        return f"minst {value}", (why,)
    if _is_true(latest.get("year_before_lower_bound")):
        return value, (YEAR_BEFORE_LOWER_NOTE,)
    return value, ()


def newest_hidden(series: pd.DataFrame, latest: dict | None, *,
                  source: str = "Källan") -> dict | None:
    """``latest`` (monthly.latest_with_year_before's dict for a kommun's monthly series), or
    the series' newest month when it is newer and the source hides it ("<5": status
    'masked', no value): that month with value NaN, no change, and the value of the same
    month a year before where there is one (grain: one month); ``mark_note`` names a still
    newer month the source marked otherwise (SCB's ".."), as latest_with_year_before does."""
    if latest is None or "status" not in series or series.empty:
        return latest
    stamps = pd.to_datetime(series["period"].astype(str).str[:10])
    hidden = series["status"].eq("masked").to_numpy(dtype=bool) & series["value"].isna()
    if not hidden.any():
        return latest
    newest = stamps[hidden].max()
    if newest <= pd.Timestamp(latest["period"]):
        return latest
    row = series[(stamps == newest).to_numpy() & hidden].iloc[0]
    before = series[(stamps == newest - pd.DateOffset(years=1)).to_numpy()
                    & series["value"].notna().to_numpy()]
    return {"period": newest.date(), "value": np.nan,
            "value_year_before": float(before["value"].iloc[0]) if len(before) else None,
            "change": None, "is_preliminary": _is_true(row.get("is_preliminary")),
            "is_lower_bound": False, "year_before_lower_bound": False, "status": "masked",
            "n_reporting": 0, "n_expected": 1, "band": row.get("band"),
            "mark_note": newer_mark(series, newest, source,
                                    "den senaste månaden källan har en uppgift för")}


@dataclass(frozen=True)
class LikeForLike:
    """An area's value in two periods over the members with a value in both: a sum of
    counts, or a share weighted as the area value is (stop 27)."""

    latest: float
    previous: float
    n_members: int

    @property
    def change(self) -> float:
        """latest − previous, over the same members."""
        return self.latest - self.previous


NOT_LIKE_FOR_LIKE = "Förändringen kan inte anges: värdena bygger på olika kommuner."


def like_for_like(members: pd.DataFrame, latest: int, previous: int) -> LikeForLike | None:
    """The values of an area in the years ``latest`` and ``previous`` over the members with a
    value in both (grain: area × two years); None when no member has both.

    ``members``: kommun_code, year, value (each member kommun's series, member_values), and
    for a weighted share ``weight`` (queries.member_values with its Indicator: the weights
    the area value is computed with). Without ``weight`` the values are summed (rule 'sum');
    with it each year is Σ value × weight / Σ weight over those members, a member counting
    where it has a value and a weight > 0 (as transforms.areas.aggregate's rule 'weighted')."""
    value = members["value"].to_numpy(dtype="float64", na_value=np.nan)
    weighted = "weight" in members.columns
    weight = members["weight"].to_numpy(dtype="float64", na_value=np.nan) if weighted \
        else np.ones(len(members))
    counts = ~np.isnan(value) & (weight > 0)  # NaN weights compare False
    codes = members["kommun_code"].to_numpy(dtype=object)
    year = members["year"].to_numpy(dtype="int64")
    now, then = counts & (year == latest), counts & (year == previous)
    both = set(codes[now]) & set(codes[then])
    if not both:
        return None
    shared = np.fromiter((code in both for code in codes), dtype=bool, count=len(codes))

    def value_of(rows: np.ndarray) -> float:
        total = float((value[rows] * weight[rows]).sum())
        return total / float(weight[rows].sum()) if weighted else total
    return LikeForLike(value_of(now & shared), value_of(then & shared), len(both))


def rests_on_part(row: object) -> bool:
    """True where a series row (a Series or dict) does not rest on every expected member: a
    lower bound (a sum with members missing or hidden) or a share over the reporting
    members only (status 'partial'). A change from or to such a value is counted like for
    like (``like_for_like``) or not given."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    return is_lower(row) or get("status", None) == "partial"


def is_lower(row: object) -> bool:
    """True where a series row (a Series or dict) is flagged as a lower bound."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    return _is_true(get("is_lower_bound", False))
