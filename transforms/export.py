"""Downloads: the numbers behind a chart as CSV that Swedish Excel opens correctly.

Semicolon-separated, decimal comma, UTF-8 with BOM; one row per area and year, with unit,
coverage, source and fetch date on every row so a pasted table keeps its provenance. Values are
exported as shown on screen: rounded to the indicator's decimals by the same formatting
(transforms/formatting.py), so a computed area's 3.3333333333333335 is 3,3 and a count is 934,
never 934,0.
"""

from __future__ import annotations

import io

import pandas as pd

from transforms.areas import coverage_of, withheld_reason
from transforms.catalogue import Indicator
from transforms.formatting import (
    format_value,
    is_few,
    plain_number,
    sex_word,
    source_mark,
    source_mark_text,
)
from transforms.groups import SHARED_AREA_ID

VALUE = "värde"


def shown_number(value: float | None, decimals: int) -> float | int | None:
    """The value as shown on screen, as a number: rounded by the screen's own formatting
    (``format_number``), an int when the indicator has no decimals, None when missing."""
    text = plain_number(value, decimals)
    if not text:
        return None
    number = float(text.replace(",", "."))
    return int(number) if decimals == 0 else number


def shown_change(new: float, old: float, decimals: int) -> float | int:
    """The change from ``old`` to ``new`` as the reader can check it: the difference of the
    two values as shown (``shown_number``), so 'från 3,4 % till 3,9 %' reads 0,5
    procentenheter, never the 0,4 of the unrounded 3,44 and 3,86."""
    change = shown_number(new, decimals) - shown_number(old, decimals)
    return round(change, decimals) if decimals else int(change)


def flag_text(row: object, source: str = "Källan") -> str:
    """Why a value is marked on screen: preliminary, hidden or marked by the source (SCB's
    ".." in its words: ``formatting.source_mark_text``), a lower bound."""
    notes = []
    if getattr(row, "is_preliminary", False) is True:
        notes.append("preliminär")
    status = getattr(row, "status", None)
    if status == "masked":
        notes.append("dolt av källan (färre än 5)")
    mark = source_mark(status)
    if mark:
        notes.append(source_mark_text(mark, source))
    if getattr(row, "is_lower_bound", False) is True:
        notes.append("nedre gräns")
    if status == "withheld":
        notes.append(f"undanhållet: {withheld_reason(row)}")
    return ", ".join(notes)


def members_subtitle(area_name: str, period: str, sex: str) -> str:
    """The line under a chart or slide of an area's member kommuner: 'Kommunerna i
    Kronobergs län, 2022, kvinnor' (the sex always, 'totalt' too)."""
    return f"Kommunerna i {area_name}, {period}, {sex_word(sex)}"


CODE = "kod"
METHOD = "metod"
KOMMUN_METHOD = "kommunens värde från källan"


def area_code(area_id: str) -> str:
    """The code a reader joins on: a kommun's '0114', a län's '20', Riket '00' (SCB's codes),
    else the area's id as the dashboard's links write it ('fa:23', 'la:LA2308',
    'group:sodra-dalarna-sf'), so FA 23 is never read as län 23; a group from a shared link
    has none (its members are listed under "Om siffrorna"), never the internal placeholder."""
    if area_id == SHARED_AREA_ID:
        return ""
    kind, _, code = area_id.partition(":")
    if kind in ("kommun", "lan"):
        return code
    return "00" if area_id == "riket" else area_id


def row_method(ind: Indicator, area_id: str, *, computed: bool = False,
               parts: tuple[str, ...] = ()) -> str:
    """A download row's ``metod``: a kommun's own value from the source, a kommun's value we
    computed (``computed``: the row's is_computed, e.g. 16–24 år summed from ``parts``), or
    how an area's value is made from its kommuner (``Indicator.area_method``)."""
    if not area_id.startswith("kommun:"):
        return ind.area_method
    return ind.kommun_method(parts) if computed else KOMMUN_METHOD


def summed_parts(options: dict | None) -> tuple[str, ...]:
    """The labels of the source's groups an option sums ('16–19 år', '20–24 år')."""
    return tuple(choice.code_label(code) for choice in (options or {}).values()
                 for code in getattr(choice, "sum_of", ()))


def missing_member_rows(table: pd.DataFrame, missing: list[tuple[str, str]],
                        year: int) -> pd.DataFrame:
    """``series_frame``'s table of members in one year with a row for each member without a
    value (``missing``: (kommun code, name) pairs): no value and 'uppgift saknas' in
    ``anmärkning``, so a download lists every member as the chart does."""
    if table.empty or not missing:
        return table
    template = table.iloc[0].to_dict()
    coded = {CODE: None} if CODE in table.columns else {}
    extra = pd.DataFrame([{**template, "område": name, **({CODE: code} if coded else {}),
                           "år": year, VALUE: None, "täckning": "",
                           "anmärkning": "uppgift saknas"} for code, name in missing],
                         columns=table.columns)
    out = pd.concat([table, extra.astype(table.dtypes.to_dict())], ignore_index=True)
    out.attrs = dict(table.attrs)
    return out


def series_frame(named: list[tuple[str, pd.DataFrame, str]], ind: Indicator, *, sex: str,
                 options: dict | None = None) -> pd.DataFrame:
    """Long table (grain: area × year or month) of named series with their coverage and source.

    ``named``: (name as shown, series, area id) per line, the id of the Area the line was
    made from ('kommun:0780', 'group:vaxjo'): ``kod`` (``area_code``) and ``metod``
    (``row_method``, by each row's ``is_computed`` where the series has it) come from it,
    never from the name (review27: a group named "Växjö" took over the kommun's row).
    ``värde`` is the value as shown (``shown_number``); the frame's ``attrs["decimals"]``
    says how many decimals each number column has, for the CSV and Excel writers.
    ``options``: a monthly series' choices (transforms.monthly.choose), written after
    ``kön`` as columns ``ålder``, ``födelseregion`` (monthly.option_cells).
    """
    from transforms.monthly import option_cells

    parts = summed_parts(options)
    rows = []
    for name, df, area_id in named:
        monthly = "year" not in df.columns
        code = area_code(area_id)
        for r in df.itertuples():
            status = getattr(r, "status", None)
            cover = ""
            if status in ("partial", "withheld"):  # a weighted rate's share too (left27)
                cover = coverage_of(r, ind.weight_label)
            when = {"månad": str(r.period)[:7]} if monthly else {"år": int(r.year)}
            chosen = option_cells(options, getattr(r, "band", None)) if options else {}
            flag = getattr(r, "is_computed", None)  # a kommun's 16–24 år (review27)
            computed = bool(flag is not None and not pd.isna(flag) and flag)
            rows.append({"område": name, CODE: code, **when, "kön": sex, **chosen,
                         VALUE: shown_number(r.value, ind.decimals),
                         "enhet": ind.short_unit, "täckning": cover,
                         "anmärkning": flag_text(r, ind.source or "Källan"),
                         METHOD: row_method(ind, area_id, computed=computed, parts=parts),
                         "nyckeltal": ind.id_and_label(),
                         "källa": ind.source_line.removeprefix("Källa: "),
                         "hämtad": (ind.fetched_at or "")[:10]})
    out = pd.DataFrame(rows)
    if not out.empty:
        out[VALUE] = out[VALUE].astype("Int64" if ind.decimals == 0 else "Float64")
    out.attrs["decimals"] = {VALUE: ind.decimals}
    return out


def mark_few_people(table: pd.DataFrame, counts: dict[str, dict[int, float]], *,
                    noun: str = "personer", by: str = "område") -> pd.DataFrame:
    """``series_frame``'s table with 'bygger på få personer (5)' in ``anmärkning`` for each
    yearly row whose area rests on few people that year (formatting.is_few) (``counts``:
    the area's ``by`` cell, its name or its ``kod``, -> year -> people); the value itself is
    kept as it is."""
    if table.empty or "år" not in table or not counts:
        return table
    out = table.copy()
    for i, (name, year) in enumerate(zip(out[by], out["år"], strict=True)):
        n = counts.get(name, {}).get(int(year)) if pd.notna(year) else None
        if is_few(n):
            said = out["anmärkning"].iat[i]
            words = f"bygger på få {noun} ({round(n)})"
            out.iat[i, out.columns.get_loc("anmärkning")] = f"{said}; {words}" if said else words
    out.attrs = dict(table.attrs)
    return out


def stacked_frame(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, list[int]]:
    """Several indicators' ``series_frame`` tables as one (a chart of parts, or of several
    measures, some yearly and some monthly) and the decimals of each row, for TableExport.
    Columns keep series_frame's order; ``år`` stays whole numbers beside ``månad``."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(), []
    decimals = [f.attrs["decimals"][VALUE] for f in frames for _ in range(len(f))]
    out = pd.concat(frames, ignore_index=True)
    if "år" in out:
        out["år"] = out["år"].astype("Int64")
    first = [c for c in ("område", CODE, "år", "månad") if c in out]
    out = out[first + [c for c in out.columns if c not in first]]
    out[VALUE] = out[VALUE].astype("Float64" if any(decimals) else "Int64")
    out.attrs["decimals"] = {VALUE: decimals[0]}
    return out, decimals


# the columns of a download that tell its rows apart, in the order a reader reads them; a
# column whose every row says the same is left out of the screen's table (the chart's title
# and source line say it once)
_TEXT_KEYS = ("område", "nyckeltal", "kön", "ålder", "födelseregion", "åldersgrupp")
_TEXT_NOTES = ("täckning", "anmärkning")


def text_table(table: pd.DataFrame, decimals: list[int] | None = None) -> pd.DataFrame:
    """A chart's numbers as a table to read (grain: the download's rows), the text
    alternative beside the chart (WCAG 1.1.1): made from the download's own frame
    (``series_frame``, ``stacked_frame``, ``population_frame``), so it holds the same rows,
    values and flags as the CSV. Each value in the Swedish format with its unit ('3,4 %',
    '1 234'), ``decimals`` per row (default: ``table.attrs["decimals"]``); ``år`` or
    ``månad`` as 'period' when a chart mixes them; the columns that tell rows apart, and
    coverage and notes where any row has them; column names as the CSV's, capitalised."""
    if table.empty:
        return pd.DataFrame()
    places = decimals or [table.attrs.get("decimals", {}).get(VALUE, 1)] * len(table)
    units = table["enhet"] if "enhet" in table else pd.Series([""] * len(table))
    out = {}
    for key in _TEXT_KEYS[:1]:
        if key in table:
            out[key] = table[key].tolist()
    for key in _TEXT_KEYS[1:]:
        if key in table and table[key].nunique(dropna=False) > 1:
            out[key] = table[key].tolist()
    times = [c for c in ("år", "månad") if c in table]
    if len(times) == 2:  # yearly and monthly measures in one chart
        out["period"] = [str(m) if pd.notna(m) else str(y)
                         for y, m in zip(table["år"], table["månad"], strict=True)]
    elif times:
        out[times[0]] = [str(v) for v in table[times[0]]]
    out[VALUE] = [format_value(None if pd.isna(v) else float(v), d, str(u))
                  for v, d, u in zip(table[VALUE], places, units, strict=True)]
    for key in _TEXT_NOTES:
        if key in table and table[key].fillna("").astype(str).str.strip().any():
            out[key] = table[key].fillna("").astype(str).tolist()
    return pd.DataFrame(out).rename(columns=lambda c: c[:1].upper() + c[1:])


def to_excel_csv(df: pd.DataFrame, *, decimals: dict[str, int] | None = None) -> bytes:
    """CSV for Swedish Excel: ';' separator, decimal comma, UTF-8 BOM.

    Number columns named in ``decimals`` (default: ``df.attrs["decimals"]``) are written at
    exactly that many decimals, as on screen: '3,3', '6,0', '934'.
    """
    decimals = decimals if decimals is not None else df.attrs.get("decimals", {})
    out = df.copy()
    for column, places in decimals.items():
        if column in out:
            out[column] = [plain_number(v, places) for v in out[column]]
    buf = io.StringIO()
    out.to_csv(buf, sep=";", decimal=",", index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


SEX_NAMES = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}


def _age_start(code: str) -> int:
    digits = "".join(ch for ch in str(code).split("-")[0].split("+")[0] if ch.isdigit())
    return int(digits) if digits else 10_000


def population_frame(df: pd.DataFrame, name: str, ind: Indicator,
                     area_id: str | None = None) -> pd.DataFrame:
    """SCB's monthly population (region_code, age_code, age_label, sex, period, population)
    as a download: one row per month, sex and age group, summed over the regions given (the
    län, or every län for Riket), youngest first; counts as whole numbers. With ``area_id``
    (the län's or 'riket') the rows carry ``kod`` and ``metod``: SCB's own län figures, Riket
    their sum."""
    summed = (df.groupby(["period", "sex", "age_code", "age_label"], as_index=False)
              ["population"].sum(min_count=1))
    summed["age_order"] = summed["age_code"].map(_age_start)
    summed["sex_order"] = summed["sex"].map({"T": 0, "K": 1, "M": 2})
    summed = summed.sort_values(["period", "sex_order", "age_order"])
    coded = {} if area_id is None else {CODE: area_code(area_id)}
    out = pd.DataFrame({
        "område": name, **coded, "månad": [str(p)[:7] for p in summed["period"]],
        "kön": summed["sex"].map(SEX_NAMES).fillna(summed["sex"]),
        "åldersgrupp": summed["age_label"],
        VALUE: pd.array([shown_number(v, 0) for v in summed["population"]], dtype="Int64"),
        "enhet": "antal",
        **({} if area_id is None else {METHOD: "summa av länens värden från källan"
                                       if area_id == "riket" else "länets värde från källan"}),
        "källa": ind.source_line.removeprefix("Källa: "),
        "hämtad": (ind.fetched_at or "")[:10]})
    out.attrs["decimals"] = {VALUE: 0}
    return out.reset_index(drop=True)
