"""Kommuner ranked on one indicator in one period: "plats 212 av 290", with the good end named.

Pure pandas (grain: kommun for ``rank_values``). Which end of an indicator is good is declared
in transforms/indicators.yml as ``better: lower`` (arbetslöshet, ekonomiskt bistånd),
``better: higher`` (sysselsättning, etablering) or left out (counts, population shares and
compositions: neither end is better). Places count from the good end: plats 1 is the lowest
unemployment. Where no end is better the ranking runs from the highest value and says so.
Kommuner without a value in the period are not ranked ("av 288" when two lack a value); ties
share the best place among them (two kommuner on plats 4, the next on plats 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing this module does not load pandas
    import pandas as pd

BETTER = ("lower", "higher")  # the values ``better`` may take; absent = no end is better


@dataclass(frozen=True)
class Rank:
    """One kommun's place among the ranked kommuner."""

    place: int  # 1 = the good end (or the highest value where no end is better)
    of: int  # kommuner with a value in the period
    better: str | None  # 'lower', 'higher' or None
    tied: int = 1  # kommuner sharing this place (1 = alone)

    @property
    def text(self) -> str:
        """'plats 212 av 290' ('delad plats 4 av 290' when tied)."""
        shared = "delad " if self.tied > 1 else ""
        return f"{shared}plats {self.place} av {self.of}"

    @property
    def end_text(self) -> str:
        """Which end is plats 1, in words: 'plats 1 = lägst värde, det bästa'."""
        return end_text(self.better)


RIKET = "riket"


def place_heading(scope: str = RIKET, *, table: bool = False) -> str:
    """The name of a column of places, the same words on screen and in every download:
    'plats i riket', 'plats i Kronobergs län' (``table``: as a heading on screen, 'Plats i
    riket'). A bare 'plats' did not say which ranking (walk25, left26)."""
    words = f"plats i {scope}"
    return words[:1].upper() + words[1:] if table else words


def ranked_over(ranked: int, total: int, noun: str = "kommuner") -> str:
    """Over what a ranking of the whole country counts: 'i riket' when all ``total``
    kommuner (or areas of one kind, ``noun``) have a value, else 'kommuner med värde' (walk26:
    SCB BAS for 15 of 290 kommuner said 'plats 14 av 15 i riket'). Karta and Jämför say it
    with this one rule, on screen and in their downloads."""
    return "i riket" if ranked >= total else f"{noun} med värde"


def country_place_heading(ranked: int, total: int, noun: str = "kommuner", *,
                          table: bool = False) -> str:
    """The heading of a column of places among the whole country's kommuner (``noun``):
    'plats i riket' (``place_heading``) when all ``total`` have a value, else 'plats bland
    kommuner med värde' (``ranked_over``); ``table``: capitalised, as a heading on screen."""
    over = ranked_over(ranked, total, noun)
    words = place_heading() if over == "i riket" else f"plats bland {over}"
    return words[:1].upper() + words[1:] if table else words


def end_text(better: str | None) -> str:
    """Which end plats 1 is, for a caption or a table heading: no parentheses of its own, since
    Karta writes it inside a pair ('plats 200 av 290 i riket (plats 1 = lägst värde, det
    bästa)')."""
    if better == "lower":
        return "plats 1 = lägst värde, det bästa"
    if better == "higher":
        return "plats 1 = högst värde, det bästa"
    return "plats 1 = högst värde, men varken högt eller lågt är bättre"


def rank_values(values: pd.DataFrame, better: str | None, *, code: str = "kommun_code",
                value: str = "value") -> pd.DataFrame:
    """Every kommun with a value, ranked (grain: kommun).

    ``values``: one row per kommun with ``code`` and ``value`` (NaN = no value, not ranked).
    ``better``: 'lower', 'higher' or None (rank from the highest value).
    Returns the rows that have a value, best first, with ``place`` (1 = the good end; ties
    share the best place), ``of`` (how many are ranked) and ``tied`` (how many share the
    place). Raises ValueError for an unknown ``better`` or a code listed twice.
    """
    if better is not None and better not in BETTER:
        raise ValueError(f"better must be one of {BETTER} or None, not {better!r}")
    if values[code].duplicated().any():
        raise ValueError(f"each {code} once: {sorted(values.loc[values[code].duplicated(), code])}")
    valued = values.dropna(subset=[value]).copy()
    ascending = better == "lower"
    valued["place"] = valued[value].rank(method="min", ascending=ascending).astype(int)
    valued["of"] = len(valued)
    valued["tied"] = valued.groupby("place")["place"].transform("size").astype(int)
    return valued.sort_values(["place", code]).reset_index(drop=True)


def position(ranked: pd.DataFrame, kommun_code: str, better: str | None, *,
             code: str = "kommun_code") -> Rank | None:
    """The place of one kommun in ``rank_values``' output, or None when it has no value."""
    row = ranked[ranked[code] == kommun_code]
    if row.empty:
        return None
    first = row.iloc[0]
    return Rank(int(first["place"]), int(first["of"]), better, int(first["tied"]))


def place_of(values: pd.DataFrame, kommun_code: str, better: str | None, *,
             code: str = "kommun_code", value: str = "value") -> Rank | None:
    """``position`` of one kommun after ``rank_values``, counted directly: its place is one
    more than the kommuner with a better value, ``of`` the kommuner with a value, ``tied`` those
    with its value (the same Rank; one pass instead of ranking and sorting all 290, which cost
    ~8 ms a card on Översikt). None when it has no value."""
    if better is not None and better not in BETTER:
        raise ValueError(f"better must be one of {BETTER} or None, not {better!r}")
    import numpy as np  # here, not at import: the refresh's fetch imports this module

    codes = values[code].to_numpy(dtype=object)
    if len(set(codes.tolist())) != len(codes):
        rank_values(values, better, code=code, value=value)  # raises: a code listed twice
    numbers = values[value].to_numpy(dtype="float64", na_value=np.nan)
    hit = np.flatnonzero(codes == kommun_code)
    if not len(hit) or np.isnan(numbers[hit[0]]):
        return None
    mine = numbers[hit[0]]
    valued = numbers[~np.isnan(numbers)]
    ahead = valued < mine if better == "lower" else valued > mine
    return Rank(int(ahead.sum()) + 1, len(valued), better, int((valued == mine).sum()))
