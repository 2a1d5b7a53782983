"""Periods of a series: a year ("2015") or a month ("2020-03"), and series clipped to a range.

Pure. An annual series has an integer ``year`` column; a monthly one a ``period`` column (a
date, the first day of the month, or text "YYYY-MM"). A range given in months clips an annual
series by its years, and a range given in years clips a monthly one from January to December,
so one period control serves annual and monthly charts alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from transforms.formatting import format_month

if TYPE_CHECKING:
    from transforms.catalogue import Break

_PERIOD = re.compile(r"^([0-9]{4})(?:-(0[1-9]|1[0-2]))?$")  # ASCII digits: "٢٠١٥" is no year
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass(frozen=True, order=True)
class Period:
    """A year (month None) or one month of a year."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2015' or '2020-03'; ValueError for anything else (or a year outside 1900–2100)."""
        match = _PERIOD.match(str(text).strip())
        if not match:
            raise ValueError(f"not a period: {text!r}")
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"year out of range: {year}")
        return cls(year, int(match.group(2)) if match.group(2) else None)

    def __str__(self) -> str:
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"

    @property
    def first_month(self) -> tuple[int, int]:
        """(year, month) of the period's first month."""
        return (self.year, self.month or 1)

    @property
    def last_month(self) -> tuple[int, int]:
        """(year, month) of the period's last month."""
        return (self.year, self.month or 12)

    def as_frequency(self, frequency: str, *, end: bool = False) -> Period:
        """The same period as a year, or as a month (January, or December when ``end``)."""
        if frequency == "year":
            return Period(self.year)
        return Period(*(self.last_month if end else self.first_month))

    def label(self) -> str:
        """'2015' or 'mars 2020'."""
        return str(self.year) if self.month is None else format_month(date(self.year, self.month, 1))


def is_period(text: str) -> bool:
    """True for '2015' and '2020-03' (years 1900–2100)."""
    try:
        Period.parse(text)
    except ValueError:
        return False
    return True


def within_years(text: str) -> str | None:
    """A period written the link's way ('2015', '2020-03'), its year moved into 1900–2100:
    '1800' is '1900', a readable year outside every source's data (a page then says where its
    data begin and what it shows, ``ui.url_state.clamp_period``); None for text that is no
    period ('15', '2020-13')."""
    match = _PERIOD.match(str(text).strip())
    if not match:
        return None
    year = min(max(int(match.group(1)), FIRST_YEAR), LAST_YEAR)
    return str(Period(year, int(match.group(2)) if match.group(2) else None))


def ordered(start: str | None, end: str | None) -> bool:
    """True when ``start`` is not after ``end`` (open bounds are always in order)."""
    if start is None or end is None:
        return True
    return Period.parse(start).first_month <= Period.parse(end).last_month


def frequency_of(df: pd.DataFrame) -> str:
    """'year' for a frame with a ``year`` column, 'month' for one with ``period``."""
    if "year" in df.columns:
        return "year"
    if "period" in df.columns:
        return "month"
    raise ValueError(f"no year or period column in {list(df.columns)}")


def _months(values: pd.Series) -> pd.Series:
    """year * 12 + month - 1 for dates or 'YYYY-MM' texts (comparable month numbers)."""
    stamps = pd.to_datetime(values.astype(str).str[:7], format="%Y-%m")
    return stamps.dt.year * 12 + stamps.dt.month - 1


def clip(df: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    """The rows of a series inside [start, end] (None = open); grain unchanged."""
    if start is None and end is None or df.empty:
        return df
    if frequency_of(df) == "year":  # a mask on the column's array: no Series to align
        years = df["year"].to_numpy()
        keep = np.ones(len(df), dtype=bool)
        if start is not None:
            keep &= years >= Period.parse(start).year
        if end is not None:
            keep &= years <= Period.parse(end).year
        return df[keep]
    months = _months(df["period"])
    keep = pd.Series(True, index=df.index)
    if start is not None:
        year, month = Period.parse(start).first_month
        keep &= months >= year * 12 + month - 1
    if end is not None:
        year, month = Period.parse(end).last_month
        keep &= months <= year * 12 + month - 1
    return df[keep]


def key(df: pd.DataFrame) -> pd.Series:
    """A sortable period per row: the year, or year * 12 + month - 1 for monthly rows."""
    return df["year"] if frequency_of(df) == "year" else _months(df["period"])


def label(value: object, frequency: str) -> str:
    """'2022' for a year, 'mars 2020' for a month (date or 'YYYY-MM')."""
    if frequency == "year":
        return str(int(value))
    return format_month(pd.Timestamp(str(value)[:7] + "-01"))


def code(value: object, frequency: str) -> str:
    """The URL form of a row's period: '2022' or '2020-03'."""
    if frequency == "year":
        return str(int(value))
    return str(value)[:7]


def latest_and_previous(df: pd.DataFrame) -> tuple[pd.Series, pd.Series | None] | None:
    """The last row with a value and the row one year earlier (same month for monthly data).

    ``df`` is one series (year or period, value). The previous row is looked up in the whole
    frame given, so pass the unclipped series when the range starts at the latest period.
    """
    # positions of the valued rows and their period keys, on the columns' arrays: the rows
    # are taken from ``df`` only at the end (a filtered frame per call cost ~1 ms a card)
    rows = np.flatnonzero(df["value"].notna().to_numpy())
    if not len(rows):
        return None
    annual = frequency_of(df) == "year"
    keys = (df["year"].to_numpy(dtype="float64", na_value=np.nan)[rows] if annual
            else _months(df["period"].iloc[rows]).to_numpy(dtype="float64", na_value=np.nan))
    dated = ~np.isnan(keys)  # a value without a period is no period's (as idxmax skipped it)
    rows, keys = rows[dated], keys[dated]
    if not len(rows):
        return None
    last = keys.max()
    latest = df.iloc[rows[keys.argmax()]]  # the first row of the latest period, as idxmax
    step = 1 if annual else 12
    before = rows[keys == last - step]
    return latest, (df.iloc[before[0]] if len(before) else None)


def nearest_outside(df: pd.DataFrame, start: str | None,
                    end: str | None) -> tuple[str | None, str | None]:
    """For a series without values in [start, end]: the labels of its last valued period
    before ``start`` and its first after ``end`` (None where there is none)."""
    valued = df.dropna(subset=["value"])
    if valued.empty:
        return None, None
    freq = frequency_of(valued)
    column = "year" if freq == "year" else "period"
    found = []
    for part, pick in ((clip(valued, None, start) if start else valued.iloc[:0], "idxmax"),
                       (clip(valued, end, None) if end else valued.iloc[:0], "idxmin")):
        keys = key(part)
        found.append(None if part.empty else
                     label(part.loc[getattr(keys, pick)(), column], freq))
    return found[0], found[1]


def span(frames: list[pd.DataFrame]) -> tuple[str, str] | None:
    """The first and last period with a value over several series of one frequency."""
    codes: list[tuple[int, str]] = []
    for df in frames:
        valued = df[df["value"].notna()] if "value" in df.columns else df
        if valued.empty:
            continue
        freq = frequency_of(valued)
        column = "year" if freq == "year" else "period"
        keys = key(valued)
        codes.append((int(keys.min()), code(valued.loc[keys.idxmin(), column], freq)))
        codes.append((int(keys.max()), code(valued.loc[keys.idxmax(), column], freq)))
    if not codes:
        return None
    return min(codes)[1], max(codes)[1]


def options(first: str, last: str, frequency: str) -> list[str]:
    """Every period from ``first`` to ``last`` at ``frequency``, as URL codes."""
    lo = Period.parse(first).as_frequency(frequency)
    hi = Period.parse(last).as_frequency(frequency, end=True)
    if frequency == "year":
        return [str(y) for y in range(lo.year, hi.year + 1)]
    out, (year, month) = [], lo.first_month
    while (year, month) <= hi.last_month:
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def at_or_before(options: list[str], wanted: str | None) -> str | None:
    """The last of ``options`` (in order, one frequency) not after ``wanted``; the last option
    when ``wanted`` is None, the first when every option is after it; None without options.

    A year asked of monthly options means its December; a month asked of yearly options its
    year (Karta shows one period: the end of the chosen range).
    """
    if not options:
        return None
    if wanted is None:
        return options[-1]
    freq = "year" if Period.parse(options[0]).month is None else "month"
    limit = Period.parse(wanted).as_frequency(freq, end=True)
    found = [o for o in options if Period.parse(o) <= limit]
    return found[-1] if found else options[0]


def break_between(breaks: Iterable[Break], then: int, now: int) -> Break | None:
    """The first of an indicator's series breaks (``Indicator.breaks``: a change of
    definition between ``year - 1`` and ``year``) that lies between the years ``then`` and
    ``now``, i.e. ``then < year <= now``; None when the two years are alike."""
    inside = [brk for brk in breaks if int(then) < int(brk.year) <= int(now)]
    return min(inside, key=lambda brk: int(brk.year)) if inside else None


def break_reason(breaks: Iterable[Break], then: int, now: int) -> str | None:
    """Why no change is given from the year ``then`` to ``now``: a series break between them
    (``break_between``), in Swedish as the monthly card says it
    (``monthly.compared_value``); None when the two years may be compared.

    'Ingen förändring anges: seriebrott 2017 (reviderad metod för långvarigt bistånd; data
    omräknade från 2017), så 2016 och 2017 är inte jämförbara.'
    """
    brk = break_between(breaks, then, now)
    if brk is None:
        return None
    label = str(brk.label).strip().rstrip(".")
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]  # inside the sentence; 'AGI' stays as it is
    return (f"Ingen förändring anges: seriebrott {int(brk.year)} ({label}), så {int(then)} "
            f"och {int(now)} är inte jämförbara.")
