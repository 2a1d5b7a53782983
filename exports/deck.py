"""The meeting deck ("Mötesunderlag"): an area, a span of years and indicators in order ->
a PowerPoint deck (python-pptx) and the same deck as PDF (LibreOffice headless).

``plan`` reads the warehouse (the same queries as the screen) and writes the key figures in
words; ``build_pptx`` lays out a title slide, one slide per indicator (a native, editable line
chart of the area, its län and Riket, the key figures, flags and the source line with the
fetch date) and closing slides with definitions and sources; ``pptx_to_pdf`` converts that
very file, so the PDF is the deck. Every number is the warehouse value at the indicator's
decimals (transforms.export.shown_number, the screen's rounding). Pure of streamlit: the
Mötesunderlag page and ``python -m warehouse pack`` share it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from transforms import bounds, monthly, periods
from transforms.areas import (
    MISSING_WORDS,
    LanChoice,
    compared_with,
    coverage_of,
    member_bar_rows,
    missing_members,
    withheld_reason,
    withheld_text,
)
from transforms.catalogue import DECK_OPTIONS, Indicator, monthly_marts, option_dims
from transforms.export import members_subtitle, shown_change, shown_number
from transforms.formatting import (
    SEX_LABELS,
    and_list,
    format_date,
    format_month,
    format_number,
    format_value,
    quoted,
    sentence_subject,
    sex_word,
    source_mark,
    source_mark_text,
)
from warehouse import queries

TEMPLATE = Path(__file__).resolve().parent / "templates" / "motesunderlag.pptx"
# the latest month's unemployment first (SCB BAS, then Arbetsförmedlingen's share, each also
# for the young), then the yearly Kolada indicators; an item 'id:option' is one option of a
# monthly indicator (transforms.catalogue.option_dims). An item the warehouse has no months
# of for the area is one line on the title slide, not an empty slide.
DEFAULT_INDICATORS = ("bas_arbetsloshet", "bas_arbetsloshet:16-24", "af_andel_inskrivna",
                      "af_andel_inskrivna:unga", "N03920", "N03921", "N03926", "N31807",
                      "U31804", "N02797")
YOUTH_OPTIONS = DECK_OPTIONS  # a monthly mart's option for the young
MAX_INDICATORS = 20
PDF_TIMEOUT = 180  # seconds for LibreOffice to convert a deck
ROLE_COLORS = {"focus": "1F5FA8", "lan": "D9822B", "riket": "5B5B5B"}  # as on screen
TEXT_COLOR = "1F2933"
MUTED = "5B6770"
TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
PRESENTATION_TYPE = ("application/vnd.openxmlformats-officedocument.presentationml."
                     "presentation.main+xml")




class DeckError(ValueError):
    """Bad input for a deck; the message is Swedish and names what to change."""


@dataclass
class Compared:
    """One line on an indicator slide: the area, its län or Riket, inside the chosen years."""

    name: str
    role: str  # focus | lan | riket
    data: pd.DataFrame  # year, value, and for computed areas status, n_reporting, n_expected


@dataclass
class IndicatorSlide:
    """What one indicator's slide says."""

    ind: Indicator
    lines: list[Compared]
    sentences: list[str]  # the key figures in words
    flags: list[str]  # flagged values, marked as on screen
    missing: str | None  # why there is no chart (no data, not computable for an area)
    computed: bool  # the area's values are computed from its kommuner
    # kommun_name, value, missing: bars when no area value exists, bottom bar first
    # (transforms.areas.member_bar_rows, as the page's bars: a member without a value too)
    members: pd.DataFrame | None = None
    members_year: int | None = None
    dims: dict[str, str] = field(default_factory=dict)  # a monthly indicator's options
    sex: str = "T"  # the sex of the values shown (totals where the indicator lacks the chosen)

    @property
    def monthly(self) -> bool:
        """A monthly indicator: its lines have ``period`` (first day of the month)."""
        return self.ind.frequency == "month"

    @property
    def years(self) -> list[int]:
        """The chart's categories: every year with a value on any line."""
        found = set()
        for line in self.charted:
            found |= {int(y) for y in line.data.dropna(subset=["value"])["year"]}
        return list(range(min(found), max(found) + 1)) if found else []  # gaps stay gaps

    @property
    def keys(self) -> list:
        """The chart's categories as keys: the years, or every month (a pandas Timestamp)
        from the first to the last with a value on any line (gaps stay gaps)."""
        if not self.monthly:
            return self.years
        found = set()
        for line in self.charted:
            found |= set(pd.to_datetime(line.data.dropna(subset=["value"])["period"]))
        return list(pd.date_range(min(found), max(found), freq="MS")) if found else []

    @property
    def categories(self) -> list[str]:
        """The chart's category labels: '2022', or 'apr 2026' for a month."""
        if not self.monthly:
            return [str(y) for y in self.years]
        return [f"{format_month(m)[:3]} {m.year}" for m in self.keys]

    def _by_key(self, line: Compared) -> dict:
        if self.monthly:
            return {pd.Timestamp(r.period): r for r in line.data.itertuples()}
        return {int(r.year): r for r in line.data.itertuples()}

    def flagged_points(self, line: Compared, column: str, value: object) -> set[int]:
        """Indexes in ``keys`` of the line's points whose ``column`` equals ``value``."""
        if column not in line.data.columns:
            return set()
        rows = self._by_key(line)
        return {i for i, k in enumerate(self.keys)
                if k in rows and getattr(rows[k], column) == value}

    @property
    def charted(self) -> list[Compared]:
        """The chart's lines: all of them, but a count only for the area itself (Riket's
        count would flatten the area's to the axis); the words still compare."""
        if self.ind.unit == "count":
            return self.lines[:1]
        # a line without a single value (BAS has no Riket in the mirror) is not drawn
        return [line for line in self.lines
                if line is self.lines[0] or not line.data.dropna(subset=["value"]).empty]

    def shown(self, line: Compared) -> list[float | int | None]:
        """The line's values per category of ``keys``, as shown (indicator's decimals)."""
        rows = self._by_key(line)
        return [shown_number(rows[k].value if k in rows else None, self.ind.decimals)
                for k in self.keys]

    def span_text(self, period: str) -> str:
        """The slide's period: the years the chart draws ('2021–2022' when the deck asks for
        2021–2026 but the source ends in 2022), or the months ('januari 2021–april 2026') for
        a monthly indicator; the deck's ``period`` when nothing is drawn."""
        keys = self.keys
        if not keys:
            return period
        first, last = ((format_month(keys[0]), format_month(keys[-1])) if self.monthly
                       else (str(keys[0]), str(keys[-1])))
        return first if first == last else f"{first}–{last}"

    @property
    def drawn_computed(self) -> bool:
        """Some line the chart draws is computed from kommuner (the area, or its län or Riket
        beside a kommun): the source line then says how, as the screen's chart does."""
        return self.computed or any(
            line.role in ("lan", "riket") and not line.data.dropna(subset=["value"]).empty
            for line in self.charted)

    def source(self) -> str:
        """'Källa: Kolada (N31807); … Hämtad 30 november 2026. Områden: vägt med …'."""
        text = f"{self.ind.source_line}. Hämtad {format_date(self.ind.fetched_at)}."
        return text + (f" Områden: {self.ind.area_method}." if self.drawn_computed else "")

    def subtitle(self, area_name: str, period: str) -> str:
        """The line under the title, as the screen's chart subtitle: the area and those
        compared, the months or years drawn, and for a monthly indicator the sex and its
        options ('…, januari 2021–april 2026, totalt, 20–64 år, alla (inrikes och utrikes
        födda)'); an area's member bars: the kommuner and the year. The sex always, 'totalt'
        too, as the page's chart subtitles say it (yearly slides left 'totalt' out; left25)."""
        sex = f", {sex_word(self.sex)}"
        if self.members is not None:
            return members_subtitle(area_name, str(self.members_year), self.sex)
        compared = [line.name for line in self.lines[1:]
                    if not line.data.dropna(subset=["value"]).empty]
        against = f" jämfört med {and_list(compared)}" if compared else ""
        if compared and len(self.charted) == 1:
            against += " (i texten)"
        options = ""
        if self.monthly and self.ind.mart in monthly_marts():
            choices = monthly.choose(monthly_marts()[self.ind.mart], self.dims,
                                     indicator_id=self.ind.id)
            options = f", {monthly.options_text(choices, self.lines[0].data)}"
        return f"{area_name}{against}, {self.span_text(period)}{sex}{options}"


@dataclass
class Deck:
    """A planned deck: the area, its members, the years and one slide per indicator."""

    area: queries.Area
    member_names: list[str]
    start: int
    end: int
    sex: str
    slides: list[IndicatorSlide] = field(default_factory=list)
    made: date = field(default_factory=date.today)
    absent: list[str] = field(default_factory=list)  # monthly items without months: one line
    lan_note: str = ""  # the län compared for an area across län, or why none (lan_note_of)

    @property
    def period(self) -> str:
        """'2015–2022'."""
        return f"{self.start}–{self.end}" if self.start != self.end else str(self.start)

    @property
    def drawn(self) -> str:
        """The years the slides draw, for the title: '2015–2022' when 2015–2026 was asked
        for but no source goes past 2022; the years asked for when nothing is drawn."""
        years = [int(k.year) if isinstance(k, pd.Timestamp) else int(k)
                 for item in self.slides for k in (item.keys if item.lines else [])]
        years += [item.members_year for item in self.slides if item.members_year]
        if not years:
            return self.period
        first, last = min(years), max(years)
        return f"{first}–{last}" if first != last else str(first)


def parse_indicator_ids(text: str | list[str]) -> list[str]:
    """'N31807, N03920' or a list -> ids in order, duplicates dropped."""
    items = text.split(",") if isinstance(text, str) else text
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in out:
            out.append(item)
    return out


def parse_item(key: str) -> tuple[str, dict[str, str]]:
    """A deck item -> (indicator id, monthly options): 'N31807' -> ('N31807', {}),
    'bas_arbetsloshet:16-24' -> ('bas_arbetsloshet', {'age': '16-24'}). DeckError for an
    option the indicator does not have."""
    ind_id, _, option = str(key).partition(":")
    if not option:
        return ind_id, {}
    dims = option_dims(ind_id, option)
    if dims is None:
        raise DeckError(f"Okänt val {quoted(option[:20])} för nyckeltalet {quoted(ind_id[:40])}.")
    return ind_id, dims


def item_label(ind: Indicator, dims: dict[str, str]) -> str:
    """The label of a deck item: 'Arbetslöshet (SCB BAS), 16–24 år (unga)'; the indicator's
    label for its default options."""
    if not dims:
        return ind.label
    choice = monthly.choose(monthly_marts()[ind.mart], dims, indicator_id=ind.id)
    words = [choice[d].label for d in dims]
    return ", ".join([ind.label, *(w[:1].lower() + w[1:] for w in words)])


def choosable(indicators: list[Indicator]) -> list[Indicator]:
    """Indicators a deck can hold: yearly ones with values, and monthly ones (SCB BAS,
    Arbetsförmedlingen) whose months are in the warehouse."""
    return [i for i in indicators if i.first_year and (
        i.frequency == "year" or (i.frequency == "month" and i.first_period))]


def offered_items(inds: list[Indicator],
                  kommuner: Callable[[Indicator, dict[str, str]], pd.DataFrame]
                  ) -> list[tuple[str, Indicator, dict[str, str]]]:
    """The deck items offered, in order, as (key, indicator, options): each indicator, and a
    monthly one also for the young ('bas_arbetsloshet:16-24') where ``kommuner`` (the
    kommuner with values for those options: queries.monthly_kommuner) names any."""
    out = []
    for ind in inds:
        out.append((ind.id, ind, {}))
        young = YOUTH_OPTIONS.get(ind.mart or "") if ind.frequency == "month" else None
        if young:
            dims = parse_item(f"{ind.id}:{young}")[1]
            [(name, code)] = dims.items()
            if monthly.offered_codes(monthly_marts()[ind.mart], name,
                                     lambda d, ind=ind: not kommuner(ind, d).empty, [code]):
                out.append((f"{ind.id}:{young}", ind, dims))
    return out


def default_items(offered: list[str]) -> list[str]:
    """The default deck among the items ``offered`` (DEFAULT_INDICATORS' order): the page's
    and the CLI's."""
    return [key for key in DEFAULT_INDICATORS if key in offered]


def warehouse_defaults(con) -> list[str]:
    """default_items for what the warehouse holds (the CLI without --indicators)."""
    return default_items([key for key, _, _ in offered_items(
        choosable(queries.indicators(con)),
        lambda ind, dims: queries.monthly_kommuner(con, ind, dims))])


def _year(value: object, what: str) -> int:
    try:
        year = int(str(value).strip()[:4]) if value not in (None, "") else None
    except ValueError:
        year = None
    if year is None or not 1900 <= year <= 2100:
        raise DeckError(f"Ogiltigt år för {what}: {quoted(str(value))}. Ange ett årtal, till exempel 2015.")
    return year


def compared_areas(con, area: queries.Area, choice: LanChoice | None = None
                   ) -> list[tuple[queries.Area, str]]:
    """The area, the län it is compared with (its own, or for an area across län the one
    holding most of its population: ``choice``, else queries.lan_comparison) and Riket, as
    on the screen's charts."""
    return compared_with(area, choice or queries.lan_comparison(con, area),
                         lambda area_id: queries.area(con, area_id))


def lan_note_of(con, area: queries.Area) -> str:
    """Which län ``compared_areas`` draws for an area across län and why, or why none
    (queries.lan_comparison's note; '' for a kommun, a län, Riket or an area in one län)."""
    return queries.lan_comparison(con, area).note


def _value_text(ind: Indicator, value: float | None) -> str:
    """'1\u00a0133', '8,0\u00a0%': a value as the screen writes it, its thousands and its
    unit joined by non-breaking spaces, so a slide's line never breaks inside a number (walk27:
    '(1 / 133 färre än 2015)') nor between a number and its unit ('8,0 / %')."""
    return format_value(value, ind.decimals, ind.short_unit)


def change_text(ind: Indicator, change: float, previous: str) -> str:
    """'0,5 procentenheter lägre än 2021', '12 fler än 2021', 'oförändrat från 2021' (a month:
    ``previous`` 'i april 2025'). ``change`` is the difference of the values as shown
    (transforms.export.shown_change), so the words add up."""
    size = format_number(abs(change), ind.decimals)  # '1\u00a0133': one word on a slide
    if not any(ch.isdigit() and ch != "0" for ch in size):
        return f"oförändrat från {previous.removeprefix('i ')}"
    if ind.unit == "percent":
        return f"{size} procentenheter {'lägre' if change < 0 else 'högre'} än {previous}"
    if ind.unit == "count":
        return f"{size} {'färre' if change < 0 else 'fler'} än {previous}"
    return f"{size} {ind.short_unit} {'lägre' if change < 0 else 'högre'} än {previous}".replace(
        "  ", " ")


def _row(df: pd.DataFrame, year: int) -> pd.Series | None:
    found = df[(df["year"] == year) & df["value"].notna()]
    return None if found.empty else found.iloc[0]


def year_runs(items: list[tuple[int, str]]) -> str:
    """'2014–2018 (2 av 3 kommuner), 2020 (1 av 3 kommuner)': consecutive years with the same
    note as one run; a run without a note is just its years."""
    runs: list[list] = []
    for year, note in items:
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == note:
            runs[-1][1] = year
        else:
            runs.append([year, year, note])
    parts = []
    for first, last, note in runs:
        years = str(first) if first == last else f"{first}–{last}"
        parts.append(f"{years} ({note})" if note else years)
    return ", ".join(parts)


def _reference_coverage(ind: Indicator, row: object) -> str:
    """' (208 av 290 kommuner, 93 % av befolkningen 16–64 år)' after a län's or Riket's value
    in the key figures when it rests on some of its kommuner, as the focus area's says
    (walk27b: "Riket 4,5 %" beside a group's value, from 208 of 290 kommuner); '' when whole."""
    cover = coverage_of(row, ind.weight_label) if row is not None else ""
    return f" ({cover})" if cover else ""


def _minst(row: object) -> str:
    """'minst ' before a value that is a lower bound (a sum with members missing or hidden)."""
    return "minst " if row is not None and bounds.is_lower(row) else ""


def _change_between(ind: Indicator, new: pd.Series, old: pd.Series,
                    members: pd.DataFrame | None, when: str
                    ) -> tuple[str | None, str, bounds.LikeForLike | None]:
    """('3 651 färre än 2021', '', None) from ``old`` to ``new`` (yearly rows); where either
    rests on only some of the area's members (a lower bound, or a weighted share over the
    reporting members: ``bounds.rests_on_part``), the change over the members with a value
    both years, with 'samma 25 kommuner båda åren' and the two values over them, when
    ``members`` (queries.member_values_weighted) has any, else (None, '', None): no change
    between values of different members (numfix26, stop 27)."""
    if not (bounds.rests_on_part(new) or bounds.rests_on_part(old)):
        return change_text(ind, shown_change(new["value"], old["value"], ind.decimals),
                           when), "", None
    both = None if members is None else bounds.like_for_like(members, int(new["year"]),
                                                             int(old["year"]))
    if both is None:
        return None, "", None
    return (change_text(ind, shown_change(both.latest, both.previous, ind.decimals), when),
            f"samma {both.n_members} kommuner båda åren", both)


def _span_text(ind: Indicator, old: pd.Series | dict, new: pd.Series | dict,
               change: str | None, same: str, both: bounds.LikeForLike | None, *,
               span: str | None = None) -> str:
    """'2015–2022: från 3,4 % till 3,9 % (0,5 procentenheter högre än 2015).' Where the
    change is counted over the same members and their values, as shown, differ from the area's
    (a member without a value one of the years), those values too: 'från 11,5 % till 8,0 %;
    för samma 4 kommuner båda åren från 11,3 % till 8,0 % (3,3 procentenheter lägre än
    2015).' (stop 27: the shown values alone read as a change between different members).
    ``span``: the sentence's start when not years (a monthly span names its months)."""
    span = span or (f"{int(old['year'])}–{int(new['year'])}: från {_minst(old)}"
                    f"{_value_text(ind, old['value'])} till {_minst(new)}"
                    f"{_value_text(ind, new['value'])}")
    if not change:
        return span + "."
    shown = (shown_number(both.previous, ind.decimals), shown_number(both.latest, ind.decimals)) \
        if both is not None else None
    if shown is None or shown == (shown_number(old["value"], ind.decimals),
                                  shown_number(new["value"], ind.decimals)):
        return span + f" ({change}{', ' + same if same else ''})."
    return (f"{span}; för {same} från {_value_text(ind, both.previous)} till "
            f"{_value_text(ind, both.latest)} ({change}).")


def key_figures(ind: Indicator, lines: list[Compared], whole: pd.DataFrame,
                start: int, members: pd.DataFrame | None = None
                ) -> tuple[list[str], list[str]]:
    """The key figures in words and the flags, for the focus line (``lines[0]``).

    'Invånare med ekonomiskt bistånd var 3,3 % 2022 i Samordningsförbundet Värend, 0,5
    procentenheter lägre än 2021; Kronobergs län 3,3 %, Riket 3,9 %.' The change is from the
    year before the latest even when that lies before the chosen span (as the screen's card).
    A sum with members missing is 'minst …', and its changes are counted over the same
    members (``members``: the focus area's member_values) or left out with the reason. A
    change across one of the indicator's series breaks is left out, and the flags say why
    (``periods.break_reason``, as the screen's card).
    """
    focus = lines[0]
    found = periods.latest_and_previous(focus.data.dropna(subset=["value"]))
    if found is None:
        return [], []
    latest, _ = found
    year = int(latest["year"])
    # a number without a unit is not run into its year: '1 106 år 2022', not '1 106 2022'
    when = f"år {year}" if ind.short_unit in ("antal", "") else str(year)
    subject = sentence_subject(ind.label, ind.unit)  # 'Antalet inskrivna …' for a count
    value = f"{_minst(latest)}{_value_text(ind, latest['value'])}"
    changed = ""  # ', 3 färre än 2021' where a change is given
    _, previous = periods.latest_and_previous(whole[whole["year"] <= year].dropna(
        subset=["value"]))
    unsaid = []  # changes left out: sums of different members
    broken: list[str] = []  # changes left out: a series break between the years, why
    said = set()  # the breaks those name

    def across_break(then: int) -> str | None:
        brk = periods.break_between(ind.breaks, then, year)
        if brk is None:
            return None
        said.add(brk)
        broken.append(periods.break_reason(ind.breaks, then, year))
        return broken[-1]

    if previous is not None:
        why = across_break(int(previous["year"]))
        change, same, _ = (None, "", None) if why else _change_between(
            ind, latest, previous, members, str(int(previous["year"])))
        if why is None and change is None:
            unsaid.append(str(int(previous["year"])))
        elif why is None:
            changed = ", " + change + (f" ({same})" if same else "")

    def others_in(then: int) -> str:
        """'; Västra Götalands län 5,3 %, Riket 5,3 %': the other lines' values in ``then``."""
        values = []
        for line in lines[1:]:
            row = _row(line.data, then)
            values.append(f"{line.name} {_minst(row)}"
                          f"{_value_text(ind, row['value'] if row is not None else None)}"
                          + _reference_coverage(ind, row))
        return "; " + ", ".join(values) if values else ""

    newest = max((int(y) for line in lines[1:]
                  for y in line.data.loc[line.data["value"].notna(), "year"]), default=year)
    if newest > year:  # the area lacks the year the others have: said, never an older
        # year's value as the newest (walk27b: Tjörn's U31804 for kvinnor, 2021 beside 2022)
        # members report, but too few of them or of the people: the page's words (stop 28)
        held = focus.data[focus.data["year"] == newest]
        why = withheld_text(held.iloc[0], ind.weight_label).removeprefix(
            "inget områdesvärde: ") if not held.empty else ""
        missing = f"inget områdesvärde för {focus.name} ({why})" if why else \
            f"uppgift saknas för {focus.name}"
        sentences = [(f"{subject} {newest}: {missing}{others_in(newest)}."),
                     f"Senast {when}: {value} i {focus.name}{changed}{others_in(year)}."]
    else:
        sentences = [(f"{subject} var {value} {when} i {focus.name}{changed}"
                      f"{others_in(year)}.")]
    values = focus.data.dropna(subset=["value"])
    earliest = values.iloc[0]
    if int(earliest["year"]) < year:
        why = across_break(int(earliest["year"]))
        change, same, both = (None, "", None) if why else _change_between(
            ind, latest, earliest, members, str(int(earliest["year"])))
        if why is None and change is None:
            unsaid.append(str(int(earliest["year"])))
        sentences.append(_span_text(ind, earliest, latest, change, same, both))
    flags = []
    lower = [(int(r.year), "") for r in values.itertuples() if bounds.is_lower(r)]
    if lower:
        flags.append(f"{focus.name}: minst dessa värden, kommuner utan värde saknas i summan: "
                     f"{year_runs(lower)}.")
    if unsaid:
        flags.append(f"Förändringen mot {' och '.join(dict.fromkeys(unsaid))} kan inte anges: "
                     "värdena bygger på olika kommuner.")
    flags += broken
    others = []
    for line in lines:
        rows = line.data.dropna(subset=["value"])
        partial = [(int(r.year), coverage_of(r, ind.weight_label))
                   for r in rows.itertuples() if getattr(r, "status", None) == "partial"]
        if partial and line is focus:
            flags.append(f"{line.name}: alla kommuner rapporterar inte (ringat i diagrammet): "
                         f"{year_runs(partial)}.")
        elif partial:
            others.append(line.name)
    if others:  # a count's chart draws the area alone (IndicatorSlide.charted)
        ringed = " (ringat i diagrammet)" if ind.unit != "count" else ""
        flags.append(f"{and_list(others)}: alla kommuner rapporterar inte vissa år{ringed}.")
    for r in values.itertuples():
        if getattr(r, "is_preliminary", False) is True:
            flags.append(f"{int(r.year)}: preliminärt värde.")
    first_year = int(values.iloc[0]["year"])
    for brk in ind.breaks:  # unless a withheld change above already names it
        if first_year < brk.year <= year and brk not in said:
            flags.append(f"Seriebrott {brk.year}: {brk.label}.")
    gaps = focus.data[focus.data["value"].isna() & (focus.data["year"] >= start)]
    if not gaps.empty:
        why = [(int(r.year), withheld_reason(r)
                if getattr(r, "status", None) == "withheld" else "")
               for r in gaps.itertuples()]
        flags.append(f"Uppgift saknas för {focus.name}: {year_runs(why)}.")
    return sentences, flags


def _month_runs(months: list[pd.Timestamp]) -> str:
    """'januari 2025–april 2026': consecutive months as runs."""
    runs: list[list[pd.Timestamp]] = []
    for m in sorted(months):
        if runs and (m.year * 12 + m.month) - (runs[-1][1].year * 12 + runs[-1][1].month) == 1:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    return ", ".join(format_month(a) if a == b else f"{format_month(a)}–{format_month(b)}"
                     for a, b in runs)


def monthly_key_figures(ind: Indicator, lines: list[Compared], whole: pd.DataFrame,
                        dims: dict[str, str] | None = None, *,
                        same_band: Callable[[str], pd.DataFrame | None] | None = None,
                        same_members: Callable[[str, str, str | None],
                                               bounds.LikeForLike | None] | None = None) -> tuple[list[str], list[str]]:
    """A monthly indicator's key figures in words and its flags, for ``lines[0]``.

    'Arbetslöshet (SCB BAS) var 3,1 % i april 2026 i Falun (preliminärt), 0,2 procentenheter
    lägre än i april 2025; Dalarnas län 4,1 %.' The year before comes from the whole series;
    a län or Riket without a value that month is left out, never guessed. A change is like
    with like (``monthly.compared_value``: the same age band, read through ``same_band``
    where the band changed; none across a break; over the same kommuner both months, through
    ``same_members`` (queries.monthly_like_for_like, both months in the newest month's
    band: ``monthly.band_dims``), where a share rests on some of them),
    else the flags say why there is none.
    """
    focus = lines[0]
    values = focus.data.dropna(subset=["value"])
    latest = monthly.latest_with_year_before(
        whole[pd.to_datetime(whole["period"]) <= pd.to_datetime(values["period"]).max()]
        .dropna(subset=["value"]), same_band=same_band, breaks=ind.breaks,
        same_members=same_members)
    month = pd.Timestamp(latest["period"])
    bound = "minst " if latest["is_lower_bound"] else ""  # a sum with a hidden "<5" count
    first = (f"{ind.label} var {bound}{_value_text(ind, latest['value'])} i "
             f"{format_month(month)} i {focus.name}"
             + (" (preliminärt)" if latest["is_preliminary"] else ""))
    if latest["change"] is not None:  # (none between lower bounds: monthly.latest_with_…)
        change = shown_change(latest["value_like"], latest["value_year_before"], ind.decimals)
        first += ", " + change_text(ind, change,
                                    f"i {format_month(month.replace(year=month.year - 1))}")
        if latest["same_members"]:  # a share over some kommuner: the same both months
            first += f" (samma {latest['same_members']} kommuner båda månaderna)"
    others = []
    for line in lines[1:]:
        row = line.data[(pd.to_datetime(line.data["period"]) == month)
                        & line.data["value"].notna()]
        if not row.empty:
            others.append(f"{line.name} {_minst(row.iloc[0])}"
                          f"{_value_text(ind, row['value'].iloc[0])}"
                          + _reference_coverage(ind, row.iloc[0]))
    sentences = [first + ("; " + ", ".join(others) if others else "") + "."]
    hidden = bounds.newest_hidden(focus.data, latest)  # a newer month hidden as "<5"
    if hidden is not latest:
        sentences.append(f"{format_month(hidden['period']).capitalize()}: källan döljer "
                         f"värdet för {focus.name} (antalet är under 5, visas som \"<5\").")
    earliest = values.iloc[0]
    start = pd.Timestamp(earliest["period"])
    flags = list(monthly.change_notes(latest))
    if start < month:
        newest = values[pd.to_datetime(values["period"]) == month].iloc[0]
        since = monthly.compared_value(newest, earliest, same_band=same_band, breaks=ind.breaks)
        like = since.value is not None  # like with like: the newest month's band
        was = since.value if like else earliest["value"]
        was_bound = since.is_lower_bound if like else bounds.is_lower(earliest)
        span = (f"{format_month(start).capitalize()}–{format_month(month)}: från "
                f"{'minst ' if was_bound else ''}{_value_text(ind, was)} till "
                f"{bound}{_value_text(ind, latest['value'])}")
        both = None  # a share over some kommuner either month: the same kommuner (stop 27)
        # (partial: read from the row the change is counted from, the newest band's, fixc27)
        if like and not (was_bound or bounds.is_lower(latest)) and \
                "partial" in (newest.get("status"), since.status):
            band = newest.get("band")
            both = None if same_members is None else same_members(
                str(month.date()), str(start.date()),
                str(band) if isinstance(band, str) and band else None)
            if both is None:
                flags.append(f"Ingen förändring anges från {format_month(start)}: "
                             f"{format_month(start)} och {format_month(month)} bygger på "
                             "olika kommuner.")
                like = False
        # no change between sums of different members or with hidden counts (numfix26)
        if not like or was_bound or bounds.is_lower(latest):
            sentences.append(f"{span}.")
        elif both is not None:
            change = change_text(ind, shown_change(both.latest, both.previous, ind.decimals),
                                 f"i {format_month(start)}")
            sentences.append(_span_text(ind, {"value": was, "year": start.year},
                                        {"value": latest["value"], "year": month.year},
                                        change, f"samma {both.n_members} kommuner båda "
                                        "månaderna", both, span=span))
        else:
            change = change_text(ind, shown_change(latest["value"], since.value, ind.decimals),
                                 f"i {format_month(start)}")
            sentences.append(f"{span} ({change}).")
        flags += [n for n in (since.reason, since.note) if n and n not in flags]
    if "is_preliminary" in values.columns:
        prelim = [pd.Timestamp(p) for p in values[values["is_preliminary"].fillna(False)
                                                  .astype(bool)]["period"]]
        if prelim and len(prelim) == len(values):
            flags.append("Alla värden är preliminära och kan revideras.")
        elif prelim:
            flags.append(f"Preliminära värden, kan revideras (romb i diagrammet): "
                         f"{_month_runs(prelim)}.")
    if "is_lower_bound" in values.columns:
        lower = [pd.Timestamp(p) for p in values[values["is_lower_bound"].fillna(False)
                                                 .astype(bool)]["period"]]
        if lower:
            rows_lower = values[values["is_lower_bound"].fillna(False).astype(bool)]
            why = " eller ".join(text for text, found in (
                ("källan döljer små antal (<5)", "n_masked" not in rows_lower
                 or (rows_lower["n_masked"].fillna(0) > 0).any()),
                ("kommuner utan värde saknas i summan",
                 "status" in rows_lower and (rows_lower["status"] == "partial").any())) if found)
            flags.append(f"{focus.name}: minst dessa värden, {why} och "
                         f"förändringen kan då inte anges: {_month_runs(lower)}.")
    partial = values[values.get("status", pd.Series(index=values.index)) == "partial"]
    if not partial.empty:  # each run with its coverage, as the yearly flag (stop 28)
        by_cover: dict[str, list[pd.Timestamp]] = {}
        for r in partial.itertuples():
            by_cover.setdefault(coverage_of(r, ind.weight_label), []).append(
                pd.Timestamp(r.period))
        runs = ", ".join(f"{_month_runs(months)} ({cover})" if cover else _month_runs(months)
                         for cover, months in by_cover.items())
        flags.append(f"{focus.name}: alla kommuner rapporterar inte (ringat i diagrammet): "
                     f"{runs}.")
    for brk in ind.breaks:  # a break inside the months shown, named by its first month
        when = pd.Timestamp(f"{brk.period}-01") if brk.period else pd.Timestamp(brk.year, 1, 1)
        if start < when <= month:
            flags.append(f"Seriebrott {format_month(when)}: {brk.label}.")
    marks: dict[str, list[pd.Timestamp]] = {}  # months the source marked (SCB's "..")
    if "status" in focus.data:
        for when, value, status in focus.data[["period", "value", "status"]].itertuples(
                index=False):
            if source_mark(status) and pd.isna(value):
                marks.setdefault(source_mark(status), []).append(pd.Timestamp(when))
    for mark, months in marks.items():
        flags.append(f"{focus.name}, {_month_runs(months)}: "
                     f"{source_mark_text(mark, ind.source or 'Källan')}.")
    missing = [line.name for line in lines[1:] if line.data.dropna(subset=["value"]).empty]
    if missing:
        flags.append(f"Inga månadsvärden för {and_list(missing)} i den hämtade datan.")
    choice = monthly.choose(monthly_marts()[ind.mart], dims or {},
                            indicator_id=ind.id).get("age")
    note = monthly.band_note(values, choice) if choice is not None else None
    if note:
        flags.append(note)
    elif "band" in values.columns:
        bands = list(dict.fromkeys(b for b in values["band"].dropna()))
        used = [f"{b.replace('-', '–')} år" for b in bands]
        if len(used) > 1:
            flags.append(f"Ålder: {', sedan '.join(used)} (pensionsåldern höjdes).")
        elif used:
            flags.append(f"Ålder: {used[0]}.")
    return sentences, flags


def plan(con, area: queries.Area, indicator_ids: list[str] | str, start: object,
         end: object, *, sex: str = "T", today: date | None = None,
         progress: Callable[[str], None] | None = None) -> Deck:
    """Read everything a deck says from the warehouse; DeckError (Swedish) on bad input.

    An indicator without values for the area in the span gets a slide that says so; an
    unknown indicator, an empty span or no indicators at all stop the deck. A monthly
    indicator (SCB BAS, Arbetsförmedlingen) shows the months inside the chosen years, at the
    option the screen shows first (e.g. BAS 20 år – pensionsåldern, all födelseregioner).
    """
    if sex not in SEX_LABELS:
        raise DeckError(f"Okänt kön {quoted(str(sex)[:10])}: T (totalt), K (kvinnor) eller M (män).")
    ids = parse_indicator_ids(indicator_ids)
    if not ids:
        raise DeckError("Välj minst ett nyckeltal till mötesunderlaget.")
    if len(ids) > MAX_INDICATORS:
        raise DeckError(f"Högst {MAX_INDICATORS} nyckeltal i ett mötesunderlag "
                        f"({len(ids)} valda).")
    first, last = _year(start, "från"), _year(end, "till")
    if first > last:
        raise DeckError(f"Perioden är tom: från {first} till {last}. Välj ett från-år som "
                        f"inte ligger efter till-året.")
    inds = []
    for key in ids:
        ind_id, colon, _ = str(key).partition(":")
        try:
            ind = queries.indicator(con, ind_id)
        except queries.UnknownIndicator as exc:
            raise DeckError(f"Okänt nyckeltal {quoted(ind_id[:40])}. Se listan: python -m warehouse "
                            f"indicators") from exc
        if ind.frequency not in ("year", "month"):
            raise DeckError(f"{ind.label} ({ind.id}) har ett okänt periodslag "
                            f"{quoted(ind.frequency)}.")
        if colon and ind.frequency != "month":
            raise DeckError(f"{ind.label} ({ind.id}) har inga val; ange bara {quoted(ind.id)}.")
        dims = parse_item(f"{ind.id}:{key.partition(':')[2]}" if colon else ind.id)[1]
        inds.append((replace(ind, label=item_label(ind, dims)), dims))
    members = list(area.members)
    deck = Deck(area, queries.kommun_names(con, members) if members else [], first, last, sex,
                made=today or date.today())
    choice = queries.lan_comparison(con, area)  # read once: the lines and the note
    compared = compared_areas(con, area, choice)
    deck.lan_note = choice.note
    for ind, dims in inds:
        if progress:
            progress(ind.label)
        item = _slide(con, ind, compared, first, last, sex, dims)
        if item is None:  # a monthly item with no month at all for the area
            deck.absent.append(absent_line(con, ind, area, dims=dims))
        else:
            deck.slides.append(item)
    return deck


def absent_line(con, ind: Indicator, area: queries.Area, sex: str = "T",
                dims: dict[str, str] | None = None) -> str:
    """The title slide's line for a monthly item (its options ``dims`` and ``sex``) without
    a single month for the area: 'Arbetslöshet (SCB BAS): inga månadsvärden för Växjö i den
    hämtade datan; de finns för 15 kommuner (Dalarnas län).' Kommuner count only with values
    for those options and that sex."""
    have = queries.monthly_kommuner(con, ind, dims or {}, sex)
    who = f"{sex_word(sex)} i {area.name}" if sex != "T" else area.name
    text = f"{ind.label}: inga månadsvärden för {who} i den hämtade datan"
    if have.empty:
        if not queries.has_table(con, monthly_marts()[ind.mart]["table"]):
            return text + " (källan är inte hämtad)."
        return text + ", inte heller för någon annan kommun."
    found = monthly.months_found(have, area.members)  # as the page's sentence counts
    if not found.inside:
        lans = sorted(found.lans)
        text += (f"; de finns för {found.kommuner} kommuner"
                 + (f" ({', '.join(lans)})" if len(lans) <= 3 else ""))
    elif found.inside < found.members:  # too few members or too little of the population
        # for an area value (transforms.areas.withheld_text, as the page says it; stop 28)
        series = queries.monthly_series(con, ind, area, sex, dims or {})
        last = series.iloc[-1] if not series.empty else None
        why = withheld_text(last, ind.weight_label) if last is not None and pd.notna(
            last.get("covered_share")) else ""
        if why:
            return (f"{ind.label}: inga månadsvärden för {who}: "
                    f"{why.removeprefix('inget områdesvärde: ')}.")
        text += f"; bara {found.inside} av {found.members} kommuner har månadsvärden"
    return text + "."


def _slide(con, ind: Indicator, compared: list[tuple[queries.Area, str]], start: int,
           end: int, sex: str, dims: dict[str, str] | None = None) -> IndicatorSlide | None:
    """One indicator's slide; None for a monthly indicator without any month for the area
    (the title slide says so in one line: ``absent_line``)."""
    area = compared[0][0]
    use_sex = sex if ind.has_sex else "T"
    if ind.aggregation == "none" and not area.is_kommun:
        return replace(_member_slide(con, ind, area, start, end, use_sex), sex=use_sex)
    if ind.frequency == "month" and use_sex != "T" and queries.monthly_series(
            con, ind, area, use_sex, dims or {})["value"].notna().sum() == 0:
        use_sex = "T"  # as the Arbetslöshet page (ui.blocks.monthly_of): totals, flagged
    lines, whole = [], None
    for obj, role in compared:
        df = (queries.monthly_series(con, ind, obj, use_sex, dims or {})
              if ind.frequency == "month" else queries.area_series(con, ind, obj, use_sex))
        if role == "focus":
            whole = df
            if ind.frequency == "month" and whole["value"].notna().sum() == 0:
                return None
        lines.append(Compared(obj.name, role, periods.clip(df, str(start), str(end))))
    if lines[0].data.dropna(subset=["value"]).empty:
        return IndicatorSlide(ind, lines, [], [], f"Inga värden för {area.name} "
                              f"{start}–{end} i källan.", not area.is_kommun, dims=dims or {},
                              sex=use_sex)
    if ind.frequency == "month":
        mart = monthly_marts()[ind.mart]
        same_band = monthly.band_lookup(mart, dims, lambda d: (
            queries.monthly_series(con, ind, area, use_sex, d)))
        sentences, flags = monthly_key_figures(
            ind, lines, whole, dims, same_band=same_band,
            same_members=None if area.is_kommun else (
                lambda now, then, band: queries.monthly_like_for_like(
                    con, ind, area, use_sex, monthly.band_dims(mart, dims, band), now, then)))
        flags += _monthly_notes(con, ind, compared, lines, use_sex, dims)
    else:
        # each member's values (and weights) where a change may rest on only some members
        members = queries.member_values_weighted(con, ind, list(area.members), use_sex) \
            if any(bounds.rests_on_part(r) for _, r in whole.iterrows()) else None
        sentences, flags = key_figures(ind, lines, whole, start, members)
    if sex != use_sex:
        flags.append(f"Finns inte per kön: visar totalt, inte {sex_word(sex)}.")
    return IndicatorSlide(ind, lines, sentences, flags, None, not area.is_kommun,
                          dims=dims or {}, sex=use_sex)


def _monthly_notes(con, ind: Indicator, compared: list[tuple[queries.Area, str]],
                   lines: list[Compared], sex: str, dims: dict[str, str] | None) -> list[str]:
    """The notes the pages say under a monthly chart (monthly.chart_notes, the one rule;
    walk28): the mart's note where a län's or Riket's line is drawn (SCB's noise) and the
    source's revision of the drawn areas' kommuner; the age band that stood in is said by
    monthly_key_figures through the same band_note."""
    mart = monthly_marts()[ind.mart]
    drawn = [obj for (obj, _), line in zip(compared, lines, strict=True)
             if not line.data.dropna(subset=["value"]).empty]
    members = tuple(sorted({m for obj in drawn for m in obj.members}))
    changes = queries.series_revisions(con, ind, queries.Area("deck", "group", "", members),
                                       sex, dims)
    kommuner = queries.kommuner(con)
    said = monthly.chart_notes(
        mart, lines[0].data, monthly.choose(mart, dims or {}, indicator_id=ind.id), changes,
        computed=any(not obj.is_kommun for obj in drawn), decimals=ind.decimals,
        short_unit=ind.short_unit, focus=list(compared[0][0].members),
        names=dict(zip(kommuner["kommun_code"], kommuner["kommun_name"], strict=True)),
        source=ind.source or "SCB", revised_on=queries.source_revised(con, ind))
    return [n for n in (said.noise, said.revised) if n]


def _member_slide(con, ind: Indicator, area: queries.Area, start: int, end: int,
                  sex: str) -> IndicatorSlide:
    """An indicator with no area value (it cannot be summed over kommuner): the member
    kommuner's values in the latest year of the span, as bars and in words."""
    why = ind.area_method.split(": ", 1)[-1]
    values = queries.member_values(con, ind.id, list(area.members), sex)
    df = values[(values["year"] >= start) & (values["year"] <= end)].dropna(subset=["value"])
    if df.empty:
        return IndicatorSlide(ind, [], [], [], f"Inget värde för {area.name}: {why}. "
                              f"Kommunerna saknar värden {start}–{end}.", False)
    year = int(df["year"].max())
    latest = df[df["year"] == year].sort_values("value", ascending=False)
    named = ", ".join(f"{r.kommun_name} {_value_text(ind, r.value)}"
                      for r in latest.itertuples())
    sentences = [f"Inget värde för hela {area.name}: {why}.",
                 f"Kommunerna {year}: {named}."]
    # the members without a value named, as the page's bars name them (walk26b)
    absent = missing_members(values, list(zip(area.members, queries.kommun_names(
        con, list(area.members)), strict=True)), year)
    flags = [(f"Uppgift saknas {year}: {and_list(absent)} ({len(absent)} av "
              f"{len(area.members)} kommuner).")] if absent else []
    return IndicatorSlide(ind, [], sentences, flags, None, False,
                          members=member_bar_rows(latest, absent), members_year=year)


# --- PowerPoint ---------------------------------------------------------------------------


def open_template(template: bytes | str | Path | None = None):
    """The template as a Presentation without slides: ours, or a user's .pptx/.potx."""
    from pptx import Presentation

    raw = Path(template).read_bytes() if isinstance(template, (str, Path)) else template
    if raw is None:
        raw = TEMPLATE.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zin:
            types = zin.read("[Content_Types].xml")
            if TEMPLATE_TYPE.encode() in types:  # .potx: open as a presentation
                out = io.BytesIO()
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
                    for item in zin.infolist():
                        data = zin.read(item.filename)
                        if item.filename == "[Content_Types].xml":
                            data = data.replace(TEMPLATE_TYPE.encode(), PRESENTATION_TYPE.encode())
                        zout.writestr(item, data)
                raw = out.getvalue()
        prs = Presentation(io.BytesIO(raw))
    except Exception as exc:  # not a zip, not a presentation, a broken part
        raise DeckError("Mallen är ingen PowerPoint-presentation (.pptx eller .potx). Välj en "
                        "annan fil eller använd standardmallen.") from exc
    slide_ids = prs.slides._sldIdLst  # a template's own slides are left out
    for sld in list(slide_ids):
        prs.part.drop_rel(sld.rId)
        slide_ids.remove(sld)
    return prs


def _blank_layout(prs):
    for layout in prs.slide_layouts:
        if layout.name.lower() in ("blank", "tom", "tom layout"):
            return layout
    return min(prs.slide_layouts, key=lambda lay: len(lay.placeholders))


def _new_slide(prs):
    slide = prs.slides.add_slide(_blank_layout(prs))
    for shape in list(slide.placeholders):
        shape._element.getparent().remove(shape._element)
    return slide


def _text(slide, box: tuple[float, float, float, float], paragraphs: list[str], *,
          size: float, bold: bool = False, color: str = TEXT_COLOR, bullets: bool = False):
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt

    x, y, w, h = box
    shape = slide.shapes.add_textbox(Emu(int(x)), Emu(int(y)), Emu(int(w)), Emu(int(h)))
    frame = shape.text_frame
    frame.word_wrap = True
    for i, text in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = ("• " if bullets else "") + text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = RGBColor.from_string(color)
        if bullets:
            para.space_after = Pt(size * 0.6)
    return shape


def _chart(slide, box, item: IndicatorSlide):
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.util import Emu, Pt

    data = CategoryChartData(number_format="#,##0" + ("." + "0" * item.ind.decimals
                                                      if item.ind.decimals else ""))
    data.categories = item.categories
    for line in item.charted:
        data.add_series(line.name, item.shown(line))
    x, y, w, h = box
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Emu(int(x)), Emu(int(y)),
                                   Emu(int(w)), Emu(int(h)), data)
    chart = frame.chart
    _swedish(chart)
    chart.has_title = False  # the slide has the title; one series would get its name here
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(12)
    chart.font.size = Pt(12)
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = RGBColor.from_string("E3E6E8")
    axis.tick_labels.number_format = data.number_format
    axis.tick_labels.number_format_is_linked = False
    if item.ind.unit in ("percent", "count"):
        axis.minimum_scale = 0
    axis.has_title = True
    axis.axis_title.text_frame.text = {"percent": "Andel (%)", "count": "Antal"}.get(
        item.ind.unit, item.ind.short_unit)
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
    for series, line in zip(chart.plots[0].series, item.charted, strict=True):
        color = RGBColor.from_string(ROLE_COLORS[line.role])
        series.smooth = False
        series.format.line.color.rgb = color
        series.format.line.width = Pt(3.5 if line.role == "focus" else 2)
        if item.monthly:  # many months: a line, points marked only where flagged
            series.marker.style = XL_MARKER_STYLE.NONE
        else:
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 6 if line.role == "focus" else 5
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = color
            series.marker.format.line.color.rgb = color
        marked = {i: XL_MARKER_STYLE.CIRCLE for i in item.flagged_points(
            line, "status", "partial")}  # as on screen: an open ring, not all kommuner report
        prelim = item.flagged_points(line, "is_preliminary", True) if item.monthly else set()
        if prelim and len(prelim) < len(line.data.dropna(subset=["value"])):
            marked.update({i: XL_MARKER_STYLE.DIAMOND for i in prelim})  # an open diamond
        for index, style in sorted(marked.items()):
            point = series.points[index]
            point.marker.style = style
            point.marker.size = 11 if style == XL_MARKER_STYLE.CIRCLE else 8
            point.marker.format.fill.solid()
            point.marker.format.fill.fore_color.rgb = RGBColor.from_string("FFFFFF")
            point.marker.format.line.color.rgb = color
            point.marker.format.line.width = Pt(2 if style == XL_MARKER_STYLE.CIRCLE else 1.25)
    return frame


def _bars(slide, box, item: IndicatorSlide):
    """The member kommuner's values as a native horizontal bar chart, highest on top; a
    member without a value an empty slot at the foot, 'Tjörn (uppgift saknas)', as the
    page's bars name it (``item.members``: member_bar_rows, bottom bar first)."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Emu, Pt

    fmt = "#,##0" + ("." + "0" * item.ind.decimals if item.ind.decimals else "")
    data = CategoryChartData(number_format=fmt)
    rows = item.members  # a bar chart draws its first category at the bottom
    # a missing member's words in its category: LibreOffice draws no label, not even a
    # point's own text, where a point has no value (its PDF showed a bare "Tjörn")
    data.categories = [f"{name} ({MISSING_WORDS})" if gap else name
                       for name, gap in zip(rows["kommun_name"], rows["missing"], strict=True)]
    data.add_series(str(item.members_year),  # no value (an empty cell), never 0
                    [None if gap else shown_number(v, item.ind.decimals)
                     for v, gap in zip(rows["value"], rows["missing"], strict=True)])
    x, y, w, h = box
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Emu(int(x)), Emu(int(y)),
                                   Emu(int(w)), Emu(int(h)), data)
    chart = frame.chart
    _swedish(chart)
    chart.has_title = False
    chart.has_legend = False
    chart.font.size = Pt(12)
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = fmt
    plot.data_labels.number_format_is_linked = False
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = RGBColor.from_string(ROLE_COLORS["focus"])
    chart.value_axis.minimum_scale = 0
    chart.value_axis.major_gridlines.format.line.color.rgb = RGBColor.from_string("E3E6E8")
    chart.value_axis.tick_labels.number_format = fmt
    chart.value_axis.tick_labels.number_format_is_linked = False
    return frame


def _swedish(chart) -> None:
    """Mark the chart Swedish (``c:lang``), so PowerPoint and LibreOffice write '6,1'."""
    from lxml import etree
    from pptx.oxml.ns import qn

    space = chart._chartSpace
    lang = space.find(qn("c:lang"))
    if lang is None:
        lang = etree.SubElement(space, qn("c:lang"))
        space.remove(lang)
        space.insert(0 if space.find(qn("c:date1904")) is None else 1, lang)
    lang.set("val", "sv-SE")


def _definition_chunks(slides: list[IndicatorSlide], limit: int = 3000) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for item in slides:
        ind = item.ind
        named = f" ({ind.source_id})" if ind.source_id else ""
        text = (f"{ind.label}{named}: {ind.definition_text} "
                f"{ind.source_line}. Hämtad {format_date(ind.fetched_at)}.")
        text = re.sub(r"[ \t\r\n]+", " ", text).strip()  # whitespace runs as one; NBSPs kept
        if chunks[-1] and size + len(text) > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(text)
        size += len(text)
    return chunks


def build_pptx(deck: Deck, template: bytes | str | Path | None = None) -> bytes:
    """The deck as .pptx bytes: title, one slide per indicator, definitions and sources."""
    prs = open_template(template)
    w, h = prs.slide_width, prs.slide_height
    margin = w * 0.04
    inner = w - 2 * margin

    slide = _new_slide(prs)
    _text(slide, (margin, h * 0.22, inner, h * 0.18), [deck.area.name], size=40, bold=True)
    _text(slide, (margin, h * 0.40, inner, h * 0.10),
          [f"Arbetsmarknadsläget {deck.drawn} – mötesunderlag"
           + (f", {sex_word(deck.sex)}" if deck.sex != "T" else "")], size=24, color=MUTED)
    lines = []
    if deck.member_names and not deck.area.is_kommun:
        lines.append(f"Medlemskommuner: {', '.join(deck.member_names)}")
    if deck.lan_note:
        lines.append(deck.lan_note)
    lines.append(f"Skapat {format_date(deck.made)}. "
                 f"Nyckeltal: {len(deck.slides)}. Källor och definitioner på sista sidan.")
    if deck.absent:  # one line each, instead of an empty slide
        lines += ["Utan månadsvärden här:", *deck.absent]
    _text(slide, (margin, h * 0.55, inner, h * 0.40), lines,
          size=16 if len(lines) <= 3 else 13, color=MUTED)

    for item in deck.slides:
        slide = _new_slide(prs)
        label = item.ind.label
        _text(slide, (margin, h * 0.04, inner, h * 0.10), [label], bold=True,
              size=28 if len(label) <= 45 else 23 if len(label) <= 60 else 19)
        subtitle = item.subtitle(deck.area.name, deck.period)
        _text(slide, (margin, h * 0.13, inner, h * 0.06), [subtitle],
              size=15 if len(subtitle) <= 110 else 13, color=MUTED)
        if item.missing:
            _text(slide, (margin, h * 0.30, inner, h * 0.3), [item.missing], size=20)
        else:
            draw = _bars if item.members is not None else _chart
            draw(slide, (margin, h * 0.20, inner * 0.62, h * 0.66), item)
            words = item.sentences + item.flags
            length = sum(len(w) for w in words)
            size = 15 if length < 380 else 13 if length < 520 else 11
            _text(slide, (margin + inner * 0.65, h * 0.20, inner * 0.35, h * 0.66), words,
                  size=size, bullets=True)
        _text(slide, (margin, h * 0.88, inner, h * 0.10), [item.source()], size=10,
              color=MUTED)

    chunks = _definition_chunks(deck.slides)
    for i, chunk in enumerate(chunks, start=1):
        slide = _new_slide(prs)
        numbered = f" ({i} av {len(chunks)})" if len(chunks) > 1 else ""
        _text(slide, (margin, h * 0.04, inner, h * 0.10), [f"Definitioner och källor{numbered}"],
              size=28, bold=True)
        closing = ("Värden för områden (grupper av kommuner, län och Riket) är beräknade från "
                   "kommunernas värden som i dashboarden: vägda med befolkningen eller "
                   "summerade, aldrig ett medelvärde av andelar. Underlaget är gjort med "
                   f"Arbetsmarknadsläget {format_date(deck.made)}.")
        notes = chunk + ([closing] if i == len(chunks) else [])
        _text(slide, (margin, h * 0.16, inner, h * 0.80), notes, size=12, bullets=True)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --- PDF ----------------------------------------------------------------------------------


def office_path() -> str | None:
    """LibreOffice's soffice (``SOFFICE_PATH``, else on PATH); None when missing."""
    if os.environ.get("SOFFICE_PATH"):
        return os.environ["SOFFICE_PATH"] if Path(os.environ["SOFFICE_PATH"]).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pptx_to_pdf(pptx: bytes, *, timeout: float = PDF_TIMEOUT) -> bytes:
    """The deck as PDF, converted by LibreOffice headless in a private profile (so parallel
    conversions and a running LibreOffice do not collide). DeckError when it cannot."""
    soffice = office_path()
    if soffice is None:
        raise DeckError("PDF kan inte göras: LibreOffice saknas på servern (Debians paket "
                        "libreoffice-impress). PowerPoint-filen går att ladda ned.")
    with tempfile.TemporaryDirectory(prefix="deck-pdf-") as folder:
        work = Path(folder)
        source = work / "motesunderlag.pptx"
        source.write_bytes(pptx)
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--headless", "--norestore", "--nologo", "--convert-to", "pdf",
                   "--outdir", str(work), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                                  env={**os.environ, "LC_ALL": "sv_SE.UTF-8", "LANG": "sv_SE.UTF-8"})
        except subprocess.TimeoutExpired as exc:
            raise DeckError(f"PDF kunde inte göras: LibreOffice svarade inte på {timeout:.0f} "
                            f"s.") from exc
        target = work / "motesunderlag.pdf"
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            raise DeckError(f"PDF kunde inte göras av LibreOffice: {detail or 'okänt fel'}")
        return target.read_bytes()


def build(con, area: queries.Area, indicator_ids: list[str] | str, start: object, end: object,
          *, sex: str = "T", pdf: bool = True, template: bytes | str | Path | None = None,
          progress: Callable[[str], None] | None = None) -> tuple[bytes, bytes | None, Deck]:
    """Plan, lay out and (with ``pdf``) convert: (pptx bytes, pdf bytes or None, the plan).
    Nothing is returned until all of it is made, so a caller never writes half a deck."""
    open_template(template)  # a bad template stops before any query
    deck = plan(con, area, indicator_ids, start, end, sex=sex, progress=progress)
    if progress:
        progress("PowerPoint")
    pptx = build_pptx(deck, template)
    if not pdf:
        return pptx, None, deck
    if progress:
        progress("PDF")
    return pptx, pptx_to_pdf(pptx), deck
