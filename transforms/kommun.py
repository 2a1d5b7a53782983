"""Kommun codes and the kommun dimension (grain: kommun).

Codes are strings with leading zeros ("0180"); the first two digits are the län code.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is made: the refresh's fetch reads
    import pandas as pd  # code_changes() without loading it (warehouse/fetch_process.py)

CHANGES_FILE = Path(__file__).with_name("kommun_changes.csv")


@cache
def code_changes() -> dict[str, str]:
    """Old kommun code -> today's code, from kommun_changes.csv (e.g. Heby 1917 -> 0331)."""
    with CHANGES_FILE.open(encoding="utf-8", newline="") as f:
        return {row["old_code"]: row["new_code"] for row in csv.DictReader(f)}


def harmonise_kommun_codes(df: pd.DataFrame, *, valid: set[str],
                           col: str = "kommun_code") -> pd.DataFrame:
    """Map old kommun codes to today's and stop on any code that is still unknown."""
    codes = df[col].astype("string")
    old = codes.isin(list(code_changes()))
    if old.any():  # replace() on every row cost ~1 s per build for a handful of old codes
        codes = codes.copy()
        codes[old] = codes[old].map(code_changes()).astype("string")
    out = df.assign(**{col: codes})
    unknown = sorted(set(out[col].dropna().unique()) - valid)  # set() of every row: ~0.5 s
    if unknown:
        raise ValueError(
            f"Okända kommunkoder {unknown[:10]}{' …' if len(unknown) > 10 else ''}: lägg till "
            f"dem i transforms/kommun_changes.csv med källa, eller kontrollera källan.")
    return out


def first_years(population: pd.DataFrame) -> pd.DataFrame:
    """The year each kommun first existed, from its total population series (grain: kommun).

    ``population`` holds kommun_code, year, value (Kolada N01951, total, 31 December). SCB
    reports 31 December under the division in force on 1 January of the next year, so a
    kommun formed on 1 January Y first shows a population for Y - 1 (Nykvarn: 1998 -> 1999,
    Knivsta: 2002 -> 2003). A kommun with a value in the series' first year existed then.
    """
    import pandas as pd

    valued = population.dropna(subset=["value"])
    series_start = int(valued["year"].min())
    first_pop = valued.groupby("kommun_code")["year"].min().astype("int32")
    first = first_pop.where(first_pop == series_start, first_pop + 1)
    return pd.DataFrame({"kommun_code": first_pop.index.astype("string"),
                         "first_population_year": first_pop.to_numpy(),
                         "first_year": first.to_numpy().astype("int32")})


def kommun_dimension(municipalities: pd.DataFrame, lan_names: dict[str, str],
                     population: pd.DataFrame) -> pd.DataFrame:
    """All kommuner: code, name, län code, SCB's län name, first year (grain: kommun).

    ``municipalities`` is staging Kolada municipality (type K rows are kommuner);
    ``lan_names`` maps two-digit län codes to SCB's names ("07" -> "Kronobergs län").
    """
    import pandas as pd

    k = municipalities.loc[municipalities["type"] == "K", ["municipality_id", "title"]]
    dim = pd.DataFrame({"kommun_code": k["municipality_id"].astype("string"),
                        "kommun_name": k["title"].astype("string")})
    dim["lan_code"] = dim["kommun_code"].str[:2]
    missing_lan = sorted(set(dim["lan_code"]) - set(lan_names))
    if missing_lan:
        raise ValueError(f"Länsnamn saknas för länskoderna {missing_lan}")
    dim["lan_name"] = dim["lan_code"].map(lan_names).astype("string")
    dim = dim.merge(first_years(population), on="kommun_code", how="left")
    return dim.sort_values("kommun_code").reset_index(drop=True)


def default_kommun(wanted: str | None, names: dict[str, str]) -> tuple[str, str | None]:
    """The kommun a view without a kommun opens on: ``wanted`` (DEFAULT_KOMMUN) when it is one
    of ``names`` (code -> name, in the pickers' order), else the first; and, for a value that
    is none of them, a Swedish message for the log naming the value and the fallback."""
    first = next(iter(names))
    if wanted is None or wanted in names:
        return wanted or first, None
    shown = wanted if len(wanted) <= 12 else wanted[:12] + "…"
    return first, (f"DEFAULT_KOMMUN={shown!r} är ingen känd kommunkod (fyra siffror med "
                   f"inledande nolla, t.ex. 0780 för Växjö); appen öppnar på "
                   f"{names[first]} ({first}).")
