"""What a card says when its number is not the whole number: an area's sum of counts with
members missing or hidden ("<5").

Pure. An area's sum over fewer members than expected is a lower bound ("minst …"); its change
is computed only like for like (the same members in both periods) or withheld with the
reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms.catalogue import Indicator

LOWER_BOUND_NOTE = ("**Minst:** summan räknar med kommuner där källan döljer små antal (<5) "
                    "eller inte kan ange antalet, så det sanna värdet är minst detta och "
                    "förändringen mot året före kan inte anges.")
PARTIAL_SUM_NOTE = ("**Minst:** kommuner utan värde saknas i summan, så det sanna värdet är "
                    "minst detta och förändringen mot året före kan inte anges.")
YEAR_BEFORE_LOWER_NOTE = ("Samma månad året före är en nedre gräns (källan döljer små antal "
                          "eller alla kommuner rapporterar inte), så förändringen kan inte "
                          "anges.")


def _is_true(flag: object) -> bool:
    """A flag cell as a bool: missing (None, NaN, pd.NA) is False."""
    return bool(flag is not None and not pd.isna(flag) and flag)


def card_text(latest: dict, ind: Indicator, value: str) -> tuple[str, tuple[str, ...]]:
    """A monthly card's value text and notes for ``latest`` (monthly.latest_with_year_before's
    dict): ``value`` (the formatted value) as it is, or 'minst …' for a lower bound; the
    notes say why, and why no change is given."""
    if _is_true(latest.get("is_lower_bound")):
        why = PARTIAL_SUM_NOTE if latest.get("status") == "partial" else LOWER_BOUND_NOTE
        return f"minst {value}", (why,)
    if _is_true(latest.get("year_before_lower_bound")):
        return value, (YEAR_BEFORE_LOWER_NOTE,)
    return value, ()


@dataclass(frozen=True)
class LikeForLike:
    """An area's sum in two periods over the members with a value in both."""

    latest: float
    previous: float
    n_members: int

    @property
    def change(self) -> float:
        """latest − previous, over the same members."""
        return self.latest - self.previous


def like_for_like(members: pd.DataFrame, latest: int, previous: int) -> LikeForLike | None:
    """The sums of ``members`` (kommun_code, year, value: each member kommun's series) in the
    years ``latest`` and ``previous``, over the members with a value in both (grain: area ×
    two years); None when no member has both."""
    valued = members[members["value"].notna()]
    now = valued[valued["year"] == latest].groupby("kommun_code")["value"].sum()
    then = valued[valued["year"] == previous].groupby("kommun_code")["value"].sum()
    both = now.index.intersection(then.index)
    if not len(both):
        return None
    return LikeForLike(float(now[both].sum()), float(then[both].sum()), len(both))


def is_lower(row: object) -> bool:
    """True where a series row (a Series or dict) is flagged as a lower bound."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    return _is_true(get("is_lower_bound", False))
