"""Swedish number and date formatting: decimal comma, space as thousands separator."""

from __future__ import annotations

import math
import numbers
import re
from datetime import date, datetime

import pandas as pd

NBSP = "\u00a0"  # keeps "12 345" on one line
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"]


def format_number(value: float | None, decimals: int = 1, *, missing: str = "–",
                  sign: bool = False) -> str:
    """'12 345,6' for 12345.6; ``missing`` for None/NaN; '+1,2' with ``sign``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
    return text.replace("-", "−") if text.startswith("-") else text


def format_value(value: float | None, decimals: int, short_unit: str) -> str:
    """Number with its unit: '6,0 %', '1 234 antal' is written '1 234'."""
    text = format_number(value, decimals)
    if text == "–" or short_unit in ("antal", ""):
        return text
    return f"{text}{NBSP}{short_unit}"


_COUNT_SUFFIX = ", antal"


def sentence_subject(label: str, unit: str) -> str:
    """An indicator's label as the subject of a sentence ('… var 1 106 år 2022'): a count's
    label names its unit in a way that reads badly inside a sentence ('Inskrivna i
    etableringsuppdraget, antal var 1 106'), so a count says 'Antalet …' instead: 'Antalet
    inskrivna i etableringsuppdraget', 'Antalet som lämnat etableringsuppdraget' (a label
    that starts with a verb: who did it), 'Antalet invånare 20–64 år', 'Antalet arbetslösa
    (SCB BAS)'. A label that already names a whole in definite form ('Arbetskraften (SCB
    BAS)') and every other unit's label stay as they are."""
    if unit != "count":
        return label
    text = label.removesuffix(_COUNT_SUFFIX).strip()
    if text.lower().startswith("antalet "):
        return text
    if text.lower().startswith("antal "):
        return "Antalet " + text[len("antal "):]
    first = text.split(" ", 1)[0].rstrip(",:")
    if not label.endswith(_COUNT_SUFFIX) and first.endswith(("en", "et")):
        return text  # 'Arbetskraften', 'Befolkningen i åldersgruppen': a whole, definite
    rest = text[:1].lower() + text[1:]
    if first.endswith(("at", "it", "tt")):  # a verb's supine ('Lämnat'): those who did it
        rest = "som " + rest
    return "Antalet " + rest


def change_unit(unit: str, short_unit: str = "", label: str = "") -> str:
    """The words after a change, so it reads in the value's own unit: 'procentenheter' for a
    share, the short unit for kronor ('kr/inv'), 'hushåll' or 'personer' for a count (the
    card's value is a number of households or of people: the label says which)."""
    if unit == "percent":
        return "procentenheter"
    if unit == "count":
        return "hushåll" if "hushåll" in label.lower() else "personer"
    return short_unit


def format_change(change: float | None, decimals: int, unit: str, short_unit: str = "",
                  label: str = "") -> str:
    """A change with its sign (a typographic minus) and unit (``change_unit``): '+0,4
    procentenheter' for shares, '−70 kr/inv', '−12 personer', '+1 person'; '±0' for a change
    that rounds to zero (no direction: not '+0' nor '−0,0')."""
    text = format_number(change, decimals, sign=True)
    if text == "–":
        return text
    if math.isfinite(change) and not any(ch in "123456789" for ch in text):  # shown as 0
        text = "±" + text[1:]
    words = change_unit(unit, short_unit, label)
    if words == "personer" and text.lstrip("+−-±") == "1":
        words = "person"  # '+1 person', not '+1 personer' ('hushåll' is both)
    # a unit symbol is never wrapped off its number ('−70 kr/inv', '+1,2 per 1 000 inv.')
    gap = NBSP if words.startswith(("kr", "%", "per ")) else " "
    return f"{text}{gap}{words}" if words else text


# the sexes every view, link and export knows, in the picker's order, with their words:
# one definition (left26: exports/deck.py, transforms/export.py and ui/url_state.py each had
# a copy of ui/selection.py's)
SEX_LABELS = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}


def sex_word(sex: str) -> str:
    """The sex inside a sentence: 'totalt', 'kvinnor', 'män' (KeyError for another code)."""
    return SEX_LABELS[sex].lower()


def quoted(name: str) -> str:
    """A name quoted in a message the Swedish way: '”GR test”' (U+201D on both sides), not
    English straight or curly quotes."""
    return f"\u201d{name}\u201d"


# what makes markdown of a line's text in Streamlit: emphasis, links and images ([…](…)),
# HTML, LaTeX ($), colours and icons (:red[…], :material/…:), entities (&amp;), tables
_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~&:|])")
WORD_JOINER = "\u2060"  # zero width, and no line break there (a zero-width space broke one)
# the places in 'https://', 'www.' (or 'www\.') and 'a@b.se' a word joiner goes
_AUTOLINK = re.compile(r"(?<=/)(?=/)|(?<=www)(?=\\?\.)|(?=@)", re.IGNORECASE)
_BLOCK_START = re.compile(r"^([#+-]|\d+(?=[.)]))")  # a heading or a list only at the start


def no_autolink(text: str) -> str:
    """``text`` with a word joiner after 'https:/', in 'www.' and before '@': markdown that
    Streamlit shows makes no link of an address in it (it links a bare one even with its
    characters backslash-escaped)."""
    return _AUTOLINK.sub(WORD_JOINER, text)


def markdown_literal(text: str) -> str:
    """``text`` shown as written in Streamlit markdown (a title, a notice, an expander's
    label): a group name '[Klicka](https://…)' or '<b>x</b>' is not a link or bold text but
    those characters (sharefix25: names come from users and links). Parentheses, dots and
    hyphens inside a name stay as they are ('Värend (delad länk)'); an address in it gets a
    word joiner (zero width) after 'https:/' so it is no link either."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    # Streamlit's markdown makes a bare address a link after escapes are read
    # ('https://…', 'www.…', 'a@b.se'): a word joiner breaks the pattern, not the text
    escaped = no_autolink(escaped)
    return _BLOCK_START.sub(lambda m: "\\" + m[0] if not m[0].isdigit() else m[0] + "\\",
                            escaped)


def format_date(moment: str | date | datetime | None) -> str:
    """'25 november 2026' from an ISO date/time (UTC kept as is)."""
    if moment is None:
        return "okänt datum"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def format_month(moment: date | datetime) -> str:
    """'april 2026'."""
    return f"{MONTHS[moment.month - 1]} {moment.year}"


def format_weight(weight: float) -> str:
    """'1', '0,5', '2,25': a weight as few decimals as it has (at most 2), with a decimal comma
    (Streamlit's number input can only show '1.00')."""
    return f"{weight:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def plain_number(value: float | None, decimals: int) -> str:
    """'3,3' or '934' for a table cell: the screen's rounding (``format_number``) without
    thousands separators, so Excel reads it as a number; '' when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_number(float(value), decimals).replace(NBSP, "").replace("−", "-")


def genitive(name: str) -> str:
    """Swedish genitive of a name: 'Växjö' -> 'Växjös', 'Borås' -> 'Borås' (a name ending in
    s, x or z takes no extra s), an abbreviation 'SCB' -> 'SCB:s'."""
    if name[-1:].lower() in ("s", "x", "z"):
        return name
    if len(name) > 1 and name.isupper():
        return f"{name}:s"
    return f"{name}s"


# a range of small numbers ("16-24 år", "0-9 år", "10-12 månader", "20-64 31/12"): not a date
# ("2026-05-28"), a month code ("2023-01"), a decimal ("1,5-2") nor an open end ("(-2021)")
# a range: not after a letter or digit ("A1-2") and not from a number with a leading zero
# (a phone prefix: "08-123")
# ASCII digits only ("1-٣" is no range), as a year in a link is
_RANGE = re.compile(r"(?<![\w\-–/.,:])(0|[1-9][0-9]{0,2})-([0-9]{1,3})(?![0-9\-–])")
_UNTIL = re.compile(r"\(-([0-9]{4})\)")  # Kolada's "(-2021)": a series that ends in 2021


def dash_ranges(text: str | None) -> str | None:
    """'Invånare 16–24 år' for Kolada's and SCB's 'Invånare 16-24 år': a range of numbers is
    written with an en dash, as the rest of the UI writes it (labels from the sources use a
    hyphen; the stored data keep the source's text)."""
    if not text:
        return text
    return _UNTIL.sub("(–\\1)", _RANGE.sub("\\1–\\2", text))


# "Few people" (walkthrough 23: Bjurholm's share of those leaving etableringsuppdraget went
# 75 % -> 40 %, of 8 and 5 people): fewer than 20 in the count, or in the group a share is
# a share of. Below 20, one person more or less moves a share by over 5 percentage points,
# and a count's change from one year to the next is mostly chance; the same line as NCHS's
# (US) rule that rates from fewer than 20 cases are unreliable (relative standard error of
# 23 % or more). The sources' own floor is lower: Arbetsförmedlingen hides counts under 5
# ("<5", DOMAIN.md). See docs/decisions.md.
FEW_PEOPLE = 20


def is_few(n: float | None) -> bool:
    """True when a count ``n`` of people (or households) is above 0 and under FEW_PEOPLE: the
    one rule of the card's note, the downloads' 'bygger på få …' and Karta's list. Missing
    (None, NaN, pd.NA: a count from a nullable column) is not few."""
    if n is None or n is pd.NA or not isinstance(n, numbers.Real):
        return False
    return not math.isnan(n) and 0 < n < FEW_PEOPLE


def and_list(items: list[str]) -> str:
    """'A', 'A och B', 'A, B och C'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


def few_people_note(n: float | None, year: object, *, share_of: str | None = None,
                    noun: str = "personer") -> str | None:
    """'Bygger på få personer: …' in plain Swedish when ``n`` (the count shown, or with
    ``share_of`` the size of the group the share is of, e.g. 'antalet som lämnat
    etableringsuppdraget') is under FEW_PEOPLE; None otherwise. The value itself is shown as
    it is: this only says how little it rests on."""
    if not is_few(n):
        return None
    count = format_number(n, 0)
    if share_of:
        step = format_number(100 / n, 0)
        return (f"Bygger på få {noun}: år {year} var {share_of} {count}, så en person mer "
                f"eller mindre ändrar andelen med omkring {step} procentenheter. Tolka "
                "förändringar försiktigt.")
    return (f"Bygger på få {noun} ({count_of(n, noun)} år {year}): små tal kan ändras mycket "
            "från ett år till nästa. Tolka förändringar försiktigt.")


def count_of(n: float, noun: str = "personer") -> str:
    """'12 personer', '1 person' (one: singular; 'hushåll' is both), '3 hushåll'."""
    count = format_number(n, 0)
    return f"{count} {'person' if noun == 'personer' and count == '1' else noun}"


def data_dates_text(fetched: str | None, built: str | None, rebuilt: bool = False) -> str:
    """The sentence on the data's age, the footer's and Om data's alike: when they were last
    fetched from the sources (the charts' "Hämtad"), and the last build named only when it
    fetched nothing (``rebuilt``) on a later day (walk25: "Data senast uppdaterad 2 december"
    over charts saying "Hämtad 1 december"; a refresh that fetches before midnight and builds
    after it is not a rebuild). Arguments: warehouse.queries.data_dates."""
    text = f"Data senast hämtade från källorna {format_date(fetched)}"  # None: "okänt datum"
    if rebuilt and fetched and built and format_date(built) != format_date(fetched) \
            and built > fetched:
        text += f" (databasen byggdes om {format_date(built)}, utan nya data)"
    return text + "."


# what a source's status mark on a cell means (SCB's teckenförklaring, the symbols of Sveriges
# officiella statistik); our own statuses (coverage, "<5") are not marks of the source
SOURCE_MARKS = {
    "..": "uppgift inte tillgänglig eller för osäker för att anges",
    ".": "uppgift kan inte förekomma",
    "-": "noll (inget finns att redovisa)",
    "–": "noll (inget finns att redovisa)",
    "0": "mindre än hälften av den använda enheten",
}
OWN_STATUSES = frozenset({"partial", "withheld", "masked"})


def source_mark(status: object) -> str | None:
    """``status`` when it is the source's own mark on a value (SCB's ``..``, a Kolada status
    text), None for no mark and for our own statuses (partial, withheld, masked)."""
    if isinstance(status, str) and status.strip() and status not in OWN_STATUSES:
        return status.strip()
    return None


def source_mark_text(mark: str, source: str = "Källan") -> str:
    """What a source's mark means, for hover, cards and downloads: 'SCB anger ”..”: uppgift
    inte tillgänglig eller för osäker för att anges' (an unknown mark is quoted as it is)."""
    meaning = SOURCE_MARKS.get(mark)
    return f"{source} anger {quoted(mark)}" + (f": {meaning}" if meaning else "")


def data_age_note(inds: list, today: date) -> str | None:
    """One line for a page with yearly figures that end before last year. ``inds``: the
    page's yearly indicators drawn (catalogue Indicators: ``label``, ``last_year``,
    ``source``, ``fetched_at``); None when every one reaches ``today``'s year − 1, or none
    has a year.

    All old: 'Årsvärdena: senaste år i hämtad data är 2022 (Kolada, hämtad 2 december
    2026).', and those ending earlier still are named ('Sysselsättning … slutar 2021.').
    Some old beside current ones: 'Äldre årsvärden: … slutar 2022 i hämtad data (Kolada,
    hämtad …); sidans övriga årsvärden går till 2025.' (stop 28, fixg28: the line spoke
    only when the newest was old, so 2022 cards beside a 2025 one read as current).

    Walk28: Kolada cards read "2022" with no word that the fetched data end there; a reader
    in December 2026 may take it as current. Said once per page, not on every card."""
    years = [i for i in inds if i.last_year is not None]
    old = [i for i in years if int(i.last_year) < today.year - 1]
    if not old:
        return None
    newest = max(int(i.last_year) for i in years)
    if len(old) == len(years):
        latest = [i for i in years if int(i.last_year) == newest]
        earlier = _ending(old, below=newest)
        return (f"Årsvärdena: senaste år i hämtad data är {newest} ({_fetched(latest)})."
                + (f" {earlier}." if earlier else ""))
    return (f"Äldre årsvärden: {_ending(old)} i hämtad data ({_fetched(old)}); sidans "
            f"övriga årsvärden går till {newest}.")


def _ending(inds: list, *, below: int | None = None) -> str:
    """'Arbetslöshet 16–24 år och Långtidsarbetslöshet slutar 2022, Förvärvsarbetande 2021'
    for the indicators ending before ``below`` (all when None), newest year first; more
    than three of a year are counted ('5 nyckeltal slutar 2021')."""
    by_year: dict[int, list[str]] = {}
    for ind in inds:
        if below is None or int(ind.last_year) < below:
            by_year.setdefault(int(ind.last_year), []).append(str(ind.label))
    parts = []
    for n, (year, labels) in enumerate(sorted(by_year.items(), reverse=True)):
        names = and_list(labels) if len(labels) <= 3 else f"{len(labels)} nyckeltal"
        parts.append(f"{names} slutar {year}" if n == 0 else f"{names} {year}")
    return ", ".join(parts)


def _fetched(inds: list) -> str:
    """'Kolada, hämtad 2 december 2026': the sources of ``inds`` and their newest fetch."""
    sources = ", ".join(dict.fromkeys(str(i.source) for i in inds))
    fetched = max((str(i.fetched_at) for i in inds if i.fetched_at), default=None)
    return sources + (f", hämtad {format_date(fetched)}" if fetched else "")
