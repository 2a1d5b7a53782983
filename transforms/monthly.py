"""Monthly indicators: dimension choices, pension-age bands, the latest month, band breaks.

Pure pandas. A monthly mart (declared under ``monthly_marts`` in indicators.yml) holds kommun
rows at the grain kommun × month × sex × its dimensions (BAS: age band, födelseregion);
``warehouse.queries.monthly_series`` reads the rows for one choice and aggregates them with
``transforms.areas.aggregate``. This module holds what lies between: which source codes a
choice reads, which age band each month uses, and the sentences about it.

A dimension option is either one of the source's own codes (``"20-64"``, ``"tot"``) or a
series built from them (``series`` in the yml):

- ``schedule``: the band follows the pension age, e.g. 20–64 until 2022, 20–65 from 2023,
  20–66 from 2026. A month uses its scheduled band where the data hold it for that month, else
  the nearest band of the same schedule that the data hold (SCB reports 20–64 all along), so
  the series shows what exists; the band actually used is kept per month and every change of
  band is a break on the chart.
- ``sum``: several bands added up (16–24 = 16–19 + 20–24), counts only: a kommun's rate is then
  computed from its counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from transforms import periods
from transforms.formatting import (
    format_date,
    format_month,
    format_value,
    genitive,
    quoted,
    source_mark,
    source_mark_text,
)


class DimensionError(ValueError):
    """An option a monthly indicator does not have (message in Swedish, for the CLI and UI)."""


@dataclass(frozen=True)
class Step:
    """From ``start`` on, a scheduled series uses ``code`` (``note`` says why it changed)."""

    start: date
    code: str
    note: str | None = None


@dataclass(frozen=True)
class Choice:
    """One dimension as chosen: the option, its label and the source codes it reads."""

    dim: str
    column: str  # the mart's column
    option: str
    label: str
    codes: tuple[str, ...]
    schedule: tuple[Step, ...] = ()
    sum_of: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # code -> label for every plain value

    @property
    def is_plain(self) -> bool:
        """True when the option is one source code (no schedule, no sum)."""
        return not self.schedule and not self.sum_of

    def code_label(self, code: str) -> str:
        """The label of a source code ('20-64' -> '20–64 år')."""
        return dict(self.labels).get(code, code)


def _month(text: str) -> date:
    year, month = str(text).split("-")[:2]
    return date(int(year), int(month), 1)


def choose(mart: dict, requested: dict[str, str | None], *, indicator_id: str = ""
           ) -> dict[str, Choice]:
    """Every dimension of ``mart`` resolved: the requested option, else the mart's default.

    Raises DimensionError (Swedish) for a dimension the mart lacks or an unknown option.
    """
    dims = mart.get("dimensions") or {}
    for name, value in requested.items():
        if value is not None and name not in dims:
            raise DimensionError(f"{indicator_id or 'indikatorn'} har ingen indelning efter "
                                 f"{_DIM_WORDS.get(name, name)}")
    out = {}
    for name, spec in dims.items():
        values = {str(k): str(v) for k, v in (spec.get("values") or {}).items()}
        series = {str(k): v for k, v in (spec.get("series") or {}).items()}
        option = str(requested.get(name) or spec["default"])
        labels = tuple(values.items())
        if option in values:
            out[name] = Choice(name, spec["column"], option, values[option], (option,),
                               labels=labels)
        elif option in series:
            s = series[option]
            steps = tuple(Step(_month(x["from"]), str(x["code"]), x.get("note"))
                          for x in s.get("schedule") or [])
            parts = tuple(str(c) for c in s.get("sum") or [])
            codes = tuple(dict.fromkeys([st.code for st in steps] + list(parts)))
            out[name] = Choice(name, spec["column"], option, str(s["label"]), codes, steps,
                               parts, labels)
        else:
            valid = ", ".join(list(values) + list(series))
            raise DimensionError(f"okänt val {quoted(option)} för {_DIM_WORDS.get(name, name)}; "
                                 f"giltiga: {valid}")
    return out


def series_label(spec: dict, have: frozenset[str] | set[str]) -> str:
    """A scheduled option's label naming only the bands the data hold (``have``): the yml
    label where every band of the schedule is there, else e.g. '20 år – pensionsåldern
    (20–64)' when SCB's 20–65 and 20–66 are not in the warehouse (the chart's band note
    says so). Other options keep their label."""
    label = str(spec["label"])
    steps = spec.get("schedule") or []
    if not steps or all(str(x["code"]) in have for x in steps):
        return label
    parts = []
    for x in steps:
        code = str(x["code"])
        if code in have:
            band = code.replace("-", "–")
            month = _month(x["from"])
            when = str(month.year) if month.month == 1 else format_month(month)
            parts.append(band if not parts else f"{band} från {when}")
    base = label.split(" (")[0]
    return f"{base} ({', '.join(parts)})" if parts else base


@dataclass(frozen=True)
class MonthsFound:
    """Where a monthly indicator has values, against an area's kommuner (months_found)."""

    kommuner: int  # kommuner with any value
    lans: tuple[str, ...]  # their län, each once, in the order of the kommuner
    inside: int  # of those kommuner, members of the area
    members: int  # the area's kommuner


def months_found(have: pd.DataFrame, members: list[str] | tuple[str, ...]) -> MonthsFound:
    """Count the kommuner ``have`` (kommun_code, lan_name: queries.monthly_kommuner) against
    an area's ``members``: the one count behind the deck's title line ('… de finns för 15
    kommuner (Dalarnas län)') and the page's missing-months sentence ('… den hämtade datan
    har dem bara för 15 kommuner i Dalarnas län')."""
    codes = set(have["kommun_code"])
    return MonthsFound(len(have), tuple(dict.fromkeys(have["lan_name"])),
                       len(codes & set(members)), len(members))


def offered_codes(mart: dict, name: str, has_values: Callable[[dict[str, str]], bool],
                  codes: list[str] | None = None) -> list[str]:
    """The options of dimension ``name`` (all, or those in ``codes``) that some kommun has
    values for, the other dimensions at their defaults: ``has_values({'age': '16-24'})`` asks
    the warehouse (``not queries.monthly_kommuner(con, ind, dims).empty``). The Arbetslöshet
    page's pickers and the deck's items (``bas_arbetsloshet:16-24``) offer only these."""
    spec = mart["dimensions"][name]
    every = [str(k) for k in (spec.get("series") or {})] + [str(k) for k in
                                                            (spec.get("values") or {})]
    return [code for code in every if (codes is None or code in codes)
            and has_values({name: code})]


def offered_options(mart: dict, name: str, has_values: Callable[[dict[str, str]], bool],
                    keep: tuple[str | None, ...] = ()) -> dict[str, str]:
    """Code -> label of the options a picker offers for dimension ``name``: those with values
    (``offered_codes``), each band named once: an SCB band a scheduled series holds alone in
    the data (the mirror's 20–64 under '20 år – pensionsåldern (20–64)') is that series, not
    a second option. The codes in ``keep`` (the default, a link's choice) stay even without
    values, so the page can say that they have none."""
    spec = mart["dimensions"][name]
    values = {str(k): str(v) for k, v in (spec.get("values") or {}).items()}
    series = {str(k): v for k, v in (spec.get("series") or {}).items()}
    found = set(offered_codes(mart, name, has_values))
    have = found & set(values)  # SCB's own bands with values
    labels = {code: series_label(s, have) for code, s in series.items()
              if code in found or code in keep}
    alone = set()
    for code in labels:
        held = {str(x["code"]) for x in series[code].get("schedule") or []} & have
        alone |= held if len(held) == 1 else set()
    labels.update({code: label for code, label in values.items()
                   if code in keep or (code in have and code not in alone)})
    return labels


_DIM_WORDS = {"age": "ålder", "birth_region": "födelseregion", "group": "grupp"}


def used_label(choice: Choice, data: pd.DataFrame) -> str:
    """The option as a chart's subtitle says it: the bands a scheduled age series actually
    used ('20–64 år'), an age band as labelled, any other option in lower case."""
    if choice.schedule and "band" in data:
        used = list(dict.fromkeys(data.dropna(subset=["value"])["band"]))
        return "/".join(choice.code_label(c) for c in used) or choice.label
    return choice.label.lower() if choice.dim != "age" else choice.label


def option_cells(choices: dict[str, Choice], band: object = None) -> dict[str, str]:
    """A download row's options as columns, named as the source's dimension in Swedish:
    {'ålder': '20–64 år', 'födelseregion': 'alla (inrikes och utrikes födda)'}; a scheduled
    age series gives the band it used that month (``band``, monthly_series' column)."""
    out = {}
    for choice in choices.values():
        if choice.schedule and isinstance(band, str) and band:
            text = choice.code_label(band)
        else:
            text = used_label(choice, pd.DataFrame())
        out[_DIM_WORDS.get(choice.dim, choice.dim)] = text
    return out


def options_text(choices: dict[str, Choice], data: pd.DataFrame) -> str:
    """Every option of a monthly chart in words, as its subtitle on screen and in the deck
    says them: '20–64 år, alla (inrikes och utrikes födda)' (``data``: the area's series)."""
    return ", ".join(used_label(c, data) for c in choices.values())


def scheduled(choice: Choice, period: date) -> str:
    """The band a scheduled series asks for in ``period`` (the last step started by then)."""
    code = choice.schedule[0].code
    for step in choice.schedule:
        if step.start <= period:
            code = step.code
    return code


def _preference(choice: Choice, period: date) -> list[str]:
    """Bands to try for a month: the scheduled one, then the others nearest first."""
    codes = [s.code for s in choice.schedule]
    at = codes.index(scheduled(choice, period))
    return sorted(codes, key=lambda c: (abs(codes.index(c) - at), codes.index(c)))


def bands_by_month(choice: Choice, available: pd.DataFrame) -> dict[date, str]:
    """Month -> the band a scheduled choice uses (``available``: period, code with data)."""
    # one conversion to dates, not one per row
    months = pd.to_datetime(available["period"]).to_numpy(dtype="datetime64[D]").tolist()
    return bands_of(choice, zip(months, map(str, available["code"]), strict=True))


def bands_of(choice: Choice, pairs) -> dict[date, str]:
    """``bands_by_month`` from plain (month as a date, code with data) pairs."""
    have: dict[date, set[str]] = {}
    for period, code in pairs:
        have.setdefault(period, set()).add(code)
    out = {}
    preferences: dict[str, list[str]] = {}  # by the scheduled band: the same order each month
    for period, codes in have.items():
        wanted = scheduled(choice, period)
        if wanted not in preferences:
            preferences[wanted] = _preference(choice, period)
        found = next((c for c in preferences[wanted] if c in codes), None)
        if found is not None:
            out[period] = found
    return out


def apply(rows: pd.DataFrame, choice: Choice, available: pd.DataFrame) -> pd.DataFrame:
    """Kommun rows reduced to one per kommun × month for ``choice`` (column ``choice.dim``).

    rows: kommun_code, period, <dim> (source code), numerator, denominator, kommun_value,
    is_preliminary, table_id, and other dimension columns. Adds ``<dim>`` = the band used.
    """
    if choice.is_plain:
        return rows[rows[choice.dim] == choice.option].reset_index(drop=True)
    if choice.schedule:
        month = pd.to_datetime(rows["period"]).dt.date
        wanted = month.map(bands_by_month(choice, available))
        return rows[rows[choice.dim] == wanted].reset_index(drop=True)
    parts = rows[rows[choice.dim].isin(choice.sum_of)]
    keys = [c for c in parts.columns if c not in {
        choice.dim, "numerator", "denominator", "kommun_value", "is_preliminary", "table_id",
        "source_updated", "source_revised", "masked", "band_label", "source_status"}]
    n = len(choice.sum_of)
    extra = {"masked": ("masked", "any")} if "masked" in parts else {}
    if "source_revised" in parts:
        extra["source_revised"] = ("source_revised", "max")
    if "source_status" in parts:  # a band's mark (SCB's "..") marks the sum it leaves out
        extra["source_status"] = ("source_status", lambda s: next(iter(s.dropna()), None))
    out = parts.groupby(keys, as_index=False, dropna=False).agg(
        numerator=("numerator", lambda s: s.sum(min_count=n) if s.count() == n else np.nan),
        denominator=("denominator", lambda s: s.sum(min_count=n) if s.count() == n else np.nan),
        parts=("numerator", "size"), is_preliminary=("is_preliminary", "any"),
        table_id=("table_id", "first"), source_updated=("source_updated", "max"), **extra)
    out = out[out["parts"] == n].drop(columns=["parts"])
    out["kommun_value"] = np.nan  # the source publishes no value for the sum: computed
    out[choice.dim] = choice.option
    return out.reset_index(drop=True)


def band_breaks(series: pd.DataFrame, choice: Choice) -> list[tuple[date, str]]:
    """(first month, Swedish label) wherever a scheduled series changes band."""
    if not choice.schedule or "band" not in series:
        return []
    valued = series.dropna(subset=["value"]).sort_values("period")
    out, before = [], None
    notes = {s.code: s.note for s in choice.schedule}
    for period, band in valued[["period", "band"]].itertuples(index=False):
        if before is not None and band != before:
            note = notes.get(band)
            text = f"{choice.code_label(band)} från {format_month(pd.Timestamp(period))}"
            out.append((pd.Timestamp(period).date(), text + (f" ({note})" if note else "")))
        before = band
    return out


def indicator_breaks(breaks, series: pd.DataFrame) -> list[tuple[date, str]]:
    """(first month, Swedish label) of an indicator's own monthly breaks (``Indicator.breaks``
    with a period, e.g. a change of denominator) that fall inside the months with a value."""
    valued = series.dropna(subset=["value"]) if "value" in series else series
    if valued.empty:
        return []
    periods = pd.to_datetime(valued["period"])
    first, last = periods.min().date(), periods.max().date()
    out = []
    for brk in breaks:
        if getattr(brk, "period", None):
            when = _month(brk.period)
            if first < when <= last:
                out.append((when, f"från {format_month(pd.Timestamp(when))}: {brk.label}"))
    return out


def band_note(series: pd.DataFrame, choice: Choice) -> str | None:
    """A plain sentence when a scheduled band was not in the data and another stood in."""
    if not choice.schedule or "band" not in series:
        return None
    valued = series.dropna(subset=["value"])
    if valued.empty:
        return None
    missing = []
    months = pd.to_datetime(valued["period"]).dt.date
    for step, after in zip(choice.schedule[1:], [*choice.schedule[2:], None], strict=True):
        # the step's own months, up to the next step (a map of April 2026 names 20–66 only)
        span = valued[(months >= step.start) & ((months < after.start) if after else True)]
        if not span.empty and (span["band"] != step.code).any():
            missing.append(f"{choice.code_label(step.code)} från {format_month(step.start)}")
    if not missing:
        return None
    used = sorted(set(valued["band"]), key=lambda c: [s.code for s in choice.schedule].index(c)
                  if c in [s.code for s in choice.schedule] else 99)
    used_text = " och ".join(choice.code_label(c) for c in used)
    return (f"SCB redovisar {' och '.join(missing)}, eftersom pensionsåldern höjdes, men de "
            f"åldersgrupperna finns inte i den hämtade datan. Serien visar {used_text} för de "
            f"månaderna.")


def _is_true(flag: object) -> bool:
    """A flag column's cell as a bool: missing (None, NaN, pd.NA) is False."""
    return bool(flag is not None and not pd.isna(flag) and flag)


def band_words(band: object) -> str:
    """An age band as the page writes it: '20-65' -> '20–65 år'; any other text as it is."""
    text = str(band)
    return f"{text.replace('-', '–')} år" if re.fullmatch(r"\d+-\d+", text) else text


@dataclass(frozen=True)
class Comparison:
    """The earlier value a change may be counted from, like with like (``compared_value``)."""

    value: float | None  # None: no change can be given (``reason`` says why, if any)
    is_lower_bound: bool = False
    reason: str | None = None  # Swedish: why no change is given
    note: str | None = None  # Swedish: where the earlier value came from, when not the line
    status: object = None  # the status of the row ``value`` was read from ('partial': a
    # share over some of the area's kommuner), the same-band row's where the band changed


def compared_value(now: Mapping, then: Mapping | None, *,
                   same_band: Callable[[str], pd.DataFrame | None] | None = None,
                   breaks=()) -> Comparison:
    """The value of ``then`` that a change to ``now`` (two rows of one monthly series:
    period, value, band, is_lower_bound) may be counted from, like with like.

    Across an indicator's own break (``breaks``: ``Indicator.breaks``, e.g.
    Arbetsförmedlingen's new denominator from 2022-01) there is no change. Where the age band
    differs (the pension-age schedule: 20–65 in 2025, 20–66 in 2026) the earlier month is read
    in the later month's band from ``same_band(band)`` (the same area and options, the age
    held at that band); without that value there is no change either, and ``reason`` says
    which band changed.
    """
    if then is None:
        return Comparison(None)
    now_month = pd.Timestamp(now["period"]).date()
    then_month = pd.Timestamp(then["period"]).date()
    for brk in breaks:
        when = _month(brk.period) if getattr(brk, "period", None) else None
        if when is not None and then_month < when <= now_month:
            return Comparison(None, reason=(
                f"Ingen förändring anges: seriebrott {format_month(when)} ({brk.label.rstrip('.')}"
                f"), så {format_month(then_month)} och {format_month(now_month)} är inte "
                "jämförbara."))
    band_now, band_then = now.get("band"), then.get("band")
    if _is_text(band_now) and _is_text(band_then) and band_now != band_then:
        other = same_band(str(band_now)) if same_band is not None else None
        found = None if other is None or other.empty else other[
            (pd.to_datetime(other["period"]).dt.date == then_month) & other["value"].notna()]
        if found is None or found.empty:
            return Comparison(None, reason=(
                f"Ingen förändring anges: åldersgruppen ändrades från {band_words(band_then)} "
                f"({format_month(then_month)}) till {band_words(band_now)} "
                f"({format_month(now_month)}), och {band_words(band_now)} finns inte för "
                f"{format_month(then_month)} i den hämtade datan."))
        row = found.iloc[0]
        return Comparison(float(row["value"]), _is_true(row.get("is_lower_bound")), note=(
            f"Förändringen räknas mot {band_words(band_now)} även i {format_month(then_month)}"
            f" (diagrammet visar {band_words(band_then)} den månaden)."),
            status=row.get("status"))
    return Comparison(float(then["value"]), _is_true(then.get("is_lower_bound")),
                      status=then.get("status"))


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def band_lookup(mart: dict, dims: dict[str, str] | None,
                fetch: Callable[[dict[str, str]], pd.DataFrame]
                ) -> Callable[[str], pd.DataFrame | None] | None:
    """``compared_value``'s ``same_band`` for a mart with an age dimension: band -> the series
    ``fetch(dims with the age held at that band)``, or None for a band that is not one of the
    mart's own age codes (a band read from a file's heading); None for a mart without age."""
    ages = _ages(mart)
    if not ages:
        return None

    def lookup(band: str) -> pd.DataFrame | None:
        return fetch(band_dims(mart, dims, band)) if str(band) in ages else None
    return lookup


def _ages(mart: dict) -> set[str]:
    return {str(k) for k in (((mart.get("dimensions") or {}).get("age") or {})
                             .get("values") or {})}


def band_dims(mart: dict, dims: dict[str, str] | None, band: object) -> dict[str, str]:
    """``dims`` with the age held at ``band`` where it is one of the mart's own age codes
    ('20-66'), else ``dims`` as they are (a band read from a file's heading, no band, a mart
    without age): the options ``same_members``/``same_band`` read an earlier month with."""
    if _is_text(band) and str(band) in _ages(mart):
        return {**(dims or {}), "age": str(band)}
    return dict(dims or {})


def latest_with_year_before(series: pd.DataFrame, *,
                            same_band: Callable[[str], pd.DataFrame | None] | None = None,
                            breaks=(), source: str = "Källan",
                            same_members: Callable[[str, str, str | None], object]
                            | None = None) -> dict | None:
    """The latest month with a value and the same month a year earlier (value or None).
    ``change`` is None without the year before, when either value is a lower bound (a
    difference of bounds is no number), and when the two months are not alike: an
    indicator's break between them, or another age band without the later band's value a
    year before (``compared_value``; ``no_change_reason`` then says why, and
    ``comparison_note`` says when the year before was read in the later month's band).
    ``mark_note``: a newer month without a value that the source marked (SCB's ".."), in
    ``source``'s words, so the card does not pass it by in silence.

    A share that rests on only some of the area's kommuner (status 'partial') either month
    is compared like for like (stop 27): ``same_members(now, then, band)`` (two
    'YYYY-MM-DD' and the later month's age band, or None; queries.monthly_like_for_like with
    the age held at that band, ``band_dims``) gives both months over the kommuner with a
    value in both, in one band (``value_like``, ``value_year_before``, ``same_members``: how
    many); without it, or when it finds none, no change is given and ``no_change_reason``
    says why. Whether the earlier month is partial is read from the row the change is
    counted from: the later band's where the band changed (fixc27)."""
    found = periods.latest_and_previous(series)
    if found is None:
        return None
    row, before = found
    compared = compared_value(row, before, same_band=same_band, breaks=breaks)
    year_before = compared.value
    # a sum that counts a hidden "<5" (or a count the source cannot give): at least this
    lower = _is_true(row.get("is_lower_bound"))
    before_lower = year_before is not None and compared.is_lower_bound
    change = None if year_before is None or lower or before_lower \
        else float(row["value"]) - year_before
    value_like, n_same, reason = float(row["value"]), None, compared.reason
    if change is not None and "partial" in (row.get("status"), compared.status):
        band = row.get("band")
        like = None if same_members is None else same_members(
            str(pd.Timestamp(row["period"]).date()), str(pd.Timestamp(before["period"]).date()),
            str(band) if _is_text(band) else None)
        if like is None:
            change, reason = None, (
                f"Ingen förändring anges: {format_month(pd.Timestamp(row['period']))} och "
                f"{format_month(pd.Timestamp(before['period']))} bygger på olika kommuner.")
        else:
            value_like, year_before, n_same = like.latest, like.previous, like.n_members
            change = like.change
    return {"period": pd.Timestamp(row["period"]).date(), "value": float(row["value"]),
            "value_year_before": year_before, "change": change,
            "value_like": value_like, "same_members": n_same,
            "is_preliminary": bool(row.get("is_preliminary", False)),
            "is_lower_bound": lower, "year_before_lower_bound": before_lower,
            "status": row.get("status"), "n_reporting": row.get("n_reporting"),
            "n_expected": row.get("n_expected"),
            # the population behind a partial value, for its coverage words (stop 28)
            "covered_share": row.get("covered_share"), "missing_names": row.get("missing_names"),
            "band": row.get("band"), "no_change_reason": reason,
            # the band's note only with a change it explains (not beside "no change": a bound)
            "comparison_note": compared.note if change is not None else None,
            "mark_note": newer_mark(series, row["period"], source)}


def newer_mark(series: pd.DataFrame, latest: object, source: str,
               shown: str = "den senaste månaden med ett värde") -> str | None:
    """The newest month after ``latest`` whose value the source marked, in words, or None;
    ``shown`` says what the card's month ``latest`` is."""
    if "status" not in series:
        return None
    after = series[pd.to_datetime(series["period"]) > pd.Timestamp(latest)]
    marks = [(p, source_mark(v)) for p, v in zip(after["period"], after["status"], strict=True)
             if source_mark(v)]
    if not marks:
        return None
    month, mark = max(marks, key=lambda pm: pd.Timestamp(pm[0]))
    return (f"{format_month(pd.Timestamp(month)).capitalize()} saknar värde: "
            f"{source_mark_text(mark, source)}. Kortet visar "
            f"{format_month(pd.Timestamp(latest))}, {shown}.")


def change_notes(latest: Mapping) -> tuple[str, ...]:
    """A card's notes from ``latest_with_year_before``: a newer month the source marked
    (SCB's ".."), why no change is given, or that the year before was read in the latest
    month's age band."""
    return tuple(n for n in (latest.get("mark_note"), latest.get("no_change_reason"),
                             latest.get("comparison_note")) if n)


def revision_note(changes: pd.DataFrame, *, decimals: int, short_unit: str,
                  names: dict[str, str], focus: list[str] | None = None,
                  source: str = "SCB", shown: str = "Diagrammet",
                  month: str | None = None, revised_on: str | None = None,
                  months: tuple[str, str] | None = None) -> str | None:
    """Plain Swedish under a chart whose numbers the source revised at the last refresh.

    ``changes``: the rows of marts.revision for the kommuner behind the chart (see
    queries.series_revisions); ``names``: kommun code -> name; ``focus``: the kommuner of the
    chosen area, preferred for the example; ``shown``: what shows the numbers ('Kartan');
    ``months`` ('2025-01', '2026-04'): the months the view draws, the only ones its note
    counts and takes its example from; when none of them changed, the note says so after
    the whole revision (stop 28, fixg28: a 2025–2026 chart gave 966 changes and an example
    from April 2021). ``month`` ('2021-04'): a view of one month (Karta), the same as
    ``months=(month, month)``. ``revised_on``: the date the source's notes give for its
    revision (queries.source_revised). None when nothing changed.

    The date said is the source's revision date when it lies between the two publications
    compared (after the old one, not after the new one); otherwise the new publication's
    date, said as what it is: when the table was last updated (walk28: "SCB publicerade de
    nya siffrorna 29 juni 2026" where SCB's note dates the revision 2026-05-28).
    """
    if changes.empty:
        return None
    if month is not None:
        months = (month, month)
    if months is not None:
        changed = pd.to_datetime(changes["period"]).dt.strftime("%Y-%m")
        drawn = changes[(changed >= months[0]) & (changed <= months[1])]
        if drawn.empty:
            first, last = (pd.Timestamp(m + "-01") for m in months)
            return (f"Vid den senaste uppdateringen ändrade {source} {len(changes)} tidigare "
                    f"publicerade månadsvärden för {_revised_who(changes, names)} "
                    f"({_span_text(pd.to_datetime(changes['period']))}); "
                    f"{_span_text(pd.Series([first, last]))} ändrades inte."
                    f"{revision_when(changes, source, revised_on)}")
        changes = drawn
    kommuner = changes["kommun_code"].nunique()
    who = _revised_who(changes, names)
    span = _span_text(pd.to_datetime(changes["period"]))
    pick = changes[changes["kommun_code"].isin(focus or [])]
    pick = pick if not pick.empty else changes
    delta = (pick["new_value"] - pick["old_value"]).abs()
    example = pick.loc[delta.fillna(-1).idxmax()]
    when = revision_when(changes, source, revised_on)
    old = format_value(example["old_value"], decimals, short_unit)
    new = format_value(example["new_value"], decimals, short_unit)
    place = f"{names.get(example['kommun_code'], example['kommun_code'])} " if kommuner > 1 else ""
    return (f"Siffrorna har ändrats: vid den senaste uppdateringen hade {source} ändrat "
            f"{len(changes)} tidigare publicerade månadsvärden för {who} ({span}). "
            f"Till exempel {place}{format_month(pd.Timestamp(example['period']))}: förut {old}, "
            f"nu {new}.{when} {shown} visar de nya siffrorna.")


def _span_text(months: pd.Series) -> str:
    """'april 2021', or 'januari 2025 – februari 2026' from the first to the last month."""
    first, last = months.min(), months.max()
    return format_month(first) if first == last else f"{format_month(first)} – {format_month(last)}"


@dataclass(frozen=True)
class ChartNotes:
    """What a monthly indicator's chart (or map) says under it besides its source: the
    mart's note on how areas add up (SCB's noise; Arbetsförmedlingen's unknown kommun), the
    age band that stood in for one the data lack, and the source's revision of the numbers
    shown (stop 28: Jämför and Karta said none of them)."""

    noise: str | None = None
    band: str | None = None
    revised: str | None = None

    def _parts(self, bold: bool) -> list[str]:
        revised = f"**{self.revised}**" if bold and self.revised else self.revised
        return [n for n in (self.noise, self.band, revised) if n]

    def screen(self) -> str | None:
        """The notes for the caption under a chart (markdown: the revision in bold)."""
        return " ".join(self._parts(True)) or None

    def figure(self) -> str | None:
        """The notes as plain text for the figure's source line, so an image keeps them."""
        return " ".join(self._parts(False)) or None


def chart_notes(mart: dict, series: pd.DataFrame, choices: dict[str, Choice],
                changes: pd.DataFrame, *, computed: bool, decimals: int, short_unit: str,
                names: dict[str, str], focus: list[str] | None = None, source: str = "SCB",
                shown: str = "Diagrammet", month: str | None = None,
                revised_on: str | None = None) -> ChartNotes:
    """A monthly chart's notes (``ChartNotes``), the one rule for every page and image that
    shows a monthly indicator. ``series``: the series drawn (its ``band`` column names the
    age band used; band_note); ``changes``: the source's revisions of the kommuner behind
    it (revision_note, with ``shown``, ``month``, ``revised_on``), counted over the months
    drawn: ``month`` for a view of one month (Karta), else the months of ``series`` (the one
    rule for every caller: a chart of 2025–2026 names only changes in 2025–2026);
    ``computed``: the view shows values computed from kommuner (then the mart's ``note``
    applies)."""
    noise = " ".join(str(mart["note"]).split()) if computed and mart.get("note") else None
    band = band_note(series, choices["age"]) if "age" in choices else None
    months = None
    if month is None and "period" in series and series["period"].notna().any():
        drawn = pd.to_datetime(series["period"].dropna())
        months = (drawn.min().strftime("%Y-%m"), drawn.max().strftime("%Y-%m"))
    revised = revision_note(changes, decimals=decimals, short_unit=short_unit, names=names,
                            focus=focus, source=source, shown=shown, month=month,
                            months=months, revised_on=revised_on)
    return ChartNotes(noise, band, revised)


def _revised_who(changes: pd.DataFrame, names: dict[str, str]) -> str:
    """Whose values the source revised: the kommun's name for one, else '15 kommuner'."""
    kommuner = changes["kommun_code"].nunique()
    return (names.get(changes["kommun_code"].iloc[0], "kommunen") if kommuner == 1
            else f"{kommuner} kommuner")


def revision_when(changes: pd.DataFrame, source: str, revised_on: str | None) -> str:
    """' SCB reviderade siffrorna 28 maj 2026 (enligt SCB:s not till tabellen).', or ' SCB:s
    tabell uppdaterades senast 29 juni 2026.' without a revision date between the two
    publications compared; '' without either date. ``changes``: new_published (and
    old_published) of the revised values, or a refresh's summary row (Om data, stop 28)."""
    new = pd.to_datetime(changes["new_published"].dropna(), utc=True)
    old = pd.to_datetime(changes["old_published"].dropna(), utc=True) \
        if "old_published" in changes else pd.Series(dtype="datetime64[ns, UTC]")
    if revised_on and not new.empty:
        day = pd.Timestamp(revised_on).date()
        if day <= new.max().date() and (old.empty or day > old.max().date()):
            return (f" {source} reviderade siffrorna {format_date(pd.Timestamp(revised_on))} "
                    f"(enligt {genitive(source)} not till tabellen).")
    if new.empty:
        return ""
    return f" {genitive(source)} tabell uppdaterades senast {format_date(new.max())}."


def dims_text(key: str, labels: dict[str, dict[str, str]]) -> str:
    """'20–64 år, samtliga' from 'age=20-64;birth_region=tot' (labels: dim -> code -> label)."""
    parts = [part.split("=", 1) for part in str(key).split(";") if "=" in part]
    return ", ".join(str(labels.get(dim, {}).get(code, code)).lower() if dim != "age"
                     else str(labels.get(dim, {}).get(code, code)) for dim, code in parts)


def revisions_table(changes: pd.DataFrame, *, labels: dict[str, str], names: dict[str, str],
                    decimals: dict[str, int], dim_labels: dict[str, dict[str, str]] | None = None
                    ) -> pd.DataFrame:
    """marts.revision rows for people (grain: revised value): Swedish columns, formatted."""
    from transforms.formatting import format_number

    def number(row: pd.Series, column: str) -> str:
        return format_number(row[column], decimals.get(row["indicator_id"], 1))

    rows = [{"Sedd": format_date(r["seen_at"]), "Nyckeltal": labels.get(r["indicator_id"],
                                                                         r["indicator_id"]),
             "Kommun": names.get(r["kommun_code"], r["kommun_code"]),
             "Månad": format_month(pd.Timestamp(r["period"])), "Kön": r["sex"],
             "Indelning": dims_text(r["dims"], dim_labels or {}),
             "Förut": number(r, "old_value"), "Nu": number(r, "new_value"),
             "Publicerad förut": _day(r["old_published"]),
             "Publicerad nu": _day(r["new_published"]),
             "Tabell": r["new_table_id"]} for _, r in changes.iterrows()]
    return pd.DataFrame(rows)


def _day(stamp) -> str:
    return "–" if stamp is None or pd.isna(stamp) else format_date(
        pd.Timestamp(stamp).to_pydatetime())


def dims_key(codes: dict[str, str]) -> str:
    """The canonical text of one cell's dimensions: 'age=20-64;birth_region=tot' (sorted)."""
    return ";".join(f"{k}={codes[k]}" for k in sorted(codes))


def dims_keys(choices: dict[str, Choice]) -> list[str]:
    """Every dims_key a choice reads (each source code of each dimension, combined)."""
    keys = [{}]
    for name, choice in choices.items():
        keys = [{**k, name: code} for k in keys for code in (choice.sum_of or choice.codes)]
    return [dims_key(k) for k in keys]
