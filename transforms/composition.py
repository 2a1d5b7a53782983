"""Parts of one whole (försörjningshinder): which parts lack a value in which year, so a
stacked chart whose bars do not reach 100 % says why instead of drawing the gap as zeros."""

from __future__ import annotations

import pandas as pd

from transforms.export import KOMMUN_METHOD
from transforms.formatting import and_list, format_value


def part_gaps(df: pd.DataFrame, labels: dict[str, str]) -> dict[int, list[str]]:
    """Per year in which any part has a value: the names of the parts without one, in
    ``labels``' order (years where every part has a value are left out).

    ``df``: indicator_id, year, value (a part's row may be absent or NaN); ``labels``: every
    part's indicator id -> name, parts without any value included.
    """
    have = df.dropna(subset=["value"])
    gaps: dict[int, list[str]] = {}
    for year in sorted(have["year"].unique()):
        present = set(have.loc[have["year"] == year, "indicator_id"])
        lacking = [name for part, name in labels.items() if part not in present]
        if lacking:
            gaps[int(year)] = lacking
    return gaps


def part_sums(df: pd.DataFrame) -> dict[int, float]:
    """The sum of the parts' values per year (``df`` as in ``part_gaps``), in percent."""
    have = df.dropna(subset=["value"])
    return {int(y): float(v) for y, v in have.groupby("year")["value"].sum().items()}


def gaps_note(gaps: dict[int, list[str]], sums: dict[int, float], decimals: int) -> str:
    """One sentence for the chart's note and the page: which parts lack a value in which
    years and what the parts sum to there: 'Uppgift saknas i Kolada för Pension … (2021,
    2022) och …; de åren summerar delarna inte till 100 % (2021: 75,6 %, 2022: 78,0 %).'"""
    if not gaps:
        return "Delarna summerar till omkring 100 % (avrundning)."
    years_of: dict[str, list[int]] = {}
    for year, names in gaps.items():
        for name in names:
            years_of.setdefault(name, []).append(year)
    every = sorted(sums)
    said = [f"{name} ({'alla år' if years == every else ', '.join(map(str, years))})"
            for name, years in years_of.items()]
    totals = ", ".join(f"{y}: {format_value(sums[y], decimals, '%')}" for y in sorted(gaps))
    complete = [y for y in every if y not in gaps]
    rest = (f" Övriga år ({', '.join(map(str, complete))}) summerar delarna till omkring "
            "100 % (avrundning)." if complete else "")
    return (f"Uppgift saknas i Kolada för {and_list(said)}: de åren summerar de delar som "
            f"har värde inte till 100 % ({totals}).{rest}")


def gap_hover(year: int, gaps: dict[int, list[str]], sums: dict[int, float],
              decimals: int) -> str:
    """The hover line for one year's bars: '' where every part has a value, else
    'Delarna summerar till 75,6 %; uppgift saknas: A och B'."""
    if year not in gaps:
        return ""
    return (f"<br>Delarna summerar till {format_value(sums[year], decimals, '%')}; "
            f"uppgift saknas: {and_list(gaps[year])}")


MISSING_PART = "uppgift saknas i källan; delarna summerar inte till 100 % detta år"


def missing_part_rows(table: pd.DataFrame, decimals: list[int], gaps: dict[int, list[str]],
                      inds: list, names: dict[str, str]) -> tuple[pd.DataFrame, list[int]]:
    """``stacked_frame``'s table of parts (and its decimals per row) with a row for each part
    and year in ``gaps``: no value, ``anmärkning`` saying it is missing, so a download does not
    read a gap as a part that is not there. Rows are ordered by part, then year.

    ``inds``: every part's Indicator in order; ``names``: indicator id -> part name.
    """
    if table.empty or not gaps:
        return table, decimals
    template = table.iloc[0].to_dict()
    rows = [dict(r, _order=(0, 0), _dec=d) for r, d in
            zip(table.to_dict("records"), decimals, strict=True)]
    position = {ind.id_and_label(): n for n, ind in enumerate(inds)}
    for row in rows:
        row["_order"] = (position.get(row["nyckeltal"], len(inds)), int(row["år"]))
    for n, ind in enumerate(inds):
        for year, lacking in gaps.items():
            if names[ind.id] in lacking:
                # a kommun's own row, or the area's by this part's own rule (review27)
                method = {} if "metod" not in template or template["metod"] == KOMMUN_METHOD else {
                    "metod": ind.area_method}
                rows.append({**template, **method, "år": year, "värde": None,
                             "enhet": ind.short_unit,
                             "täckning": "", "anmärkning": MISSING_PART,
                             "nyckeltal": ind.id_and_label(),
                             "källa": ind.source_line.removeprefix("Källa: "),
                             "hämtad": (ind.fetched_at or "")[:10],
                             "_order": (n, year), "_dec": ind.decimals})
    rows.sort(key=lambda r: r["_order"])
    out = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
                       columns=table.columns)
    out["år"] = out["år"].astype("Int64")
    out["värde"] = out["värde"].astype(table["värde"].dtype)
    out.attrs = dict(table.attrs)
    return out, [r["_dec"] for r in rows]
