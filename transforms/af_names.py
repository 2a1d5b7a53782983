"""Kommun and län names as Arbetsförmedlingen writes them -> codes (grain: one name).

Arbetsförmedlingen's files name kommuner and län instead of coding them. Every spelling is
matched against the names the warehouse already has (Kolada's and SCB's), after normalising
case, hyphens, a leading code ("0114 Upplands Väsby"), a trailing "kommun"/"stad"/"län", a
leading "Region" and the genitive s ("Stockholms kommun"), plus the small alias table
``af_name_aliases.csv`` for names that normalising cannot reach ("Falu kommun"). A name that
still matches nothing stops the import with the list of such names. "Uppgift saknas" maps to
None: a row whose kommun (or län) is unknown, never a kommun.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

ALIASES_FILE = Path(__file__).with_name("af_name_aliases.csv")
UNKNOWN = {"uppgift saknas"}


class UnmappedNames(ValueError):
    """Names that match no kommun (or län); the message lists them all, in Swedish."""

    def __init__(self, kind: str, names: list[str], where: str = ""):
        shown = ", ".join(f"'{n}'" for n in names[:30]) + (" …" if len(names) > 30 else "")
        word = "kommunnamn" if kind == "kommun" else "länsnamn"
        super().__init__(f"{where}{len(names)} {word} kunde inte kopplas till en kod: {shown}. "
                         f"Lägg till stavningen i transforms/af_name_aliases.csv med källa.")
        self.kind = kind
        self.names = names


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text)).casefold().strip()
    text = re.sub(r"[-‐‑‒–—_]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def is_unknown(label: object) -> bool:
    """True for Arbetsförmedlingen's 'Uppgift saknas' (any case and spacing)."""
    return isinstance(label, str) and _clean(label) in UNKNOWN


def _kommun_keys(name: str) -> list[str]:
    key = _clean(name)
    key = re.sub(r"\s+(kommun|stad)$", "", key)
    keys = [key]
    if key.endswith("s"):
        keys.append(key[:-1])  # genitive: "stockholms (kommun)" -> "stockholm"
    return keys


def _lan_keys(name: str) -> list[str]:
    key = _clean(name)
    key = re.sub(r"^region\s+", "", key)
    key = re.sub(r"\s+län$", "", key)
    keys = [key]
    if key.endswith("s"):
        keys.append(key[:-1])  # "stockholms län" -> "stockholm"
    return keys


@dataclass
class NameIndex:
    """Normalised name -> code for one kind ('kommun' or 'lan'); ambiguous keys map to None."""

    kind: str
    exact: dict[str, str | None] = field(default_factory=dict)
    folded: dict[str, str | None] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)

    def add(self, code: str, name: str) -> None:
        """Register one spelling of ``code``."""
        self.codes.add(code)
        keys = _kommun_keys(name) if self.kind == "kommun" else _lan_keys(name)
        for table, key in [(self.exact, keys[0]), (self.folded, _fold(keys[0]))]:
            if table.get(key, code) != code:
                table[key] = None  # two codes share this spelling: never guess
            else:
                table[key] = code

    def lookup(self, label: str) -> str | None:
        """The code for ``label``, or None when it matches nothing (or only ambiguously)."""
        width = 4 if self.kind == "kommun" else 2
        text = str(label).strip()
        coded = re.match(rf"^(\d{{{width}}})(?:\s+(.*))?$", text)
        if coded:
            code = coded.group(1)
            return code if code in self.codes else None
        if re.fullmatch(rf"\d{{1,{width - 1}}}", text):  # a code written as a number: 780
            return text.zfill(width) if text.zfill(width) in self.codes else None
        keys = _kommun_keys(text) if self.kind == "kommun" else _lan_keys(text)
        for key in keys:
            if self.exact.get(key):
                return self.exact[key]
        for key in keys:
            if self.folded.get(_fold(key)):
                return self.folded[_fold(key)]
        return None


@cache
def aliases() -> pd.DataFrame:
    """The alias table: kind, alias, code, note."""
    return pd.read_csv(ALIASES_FILE, dtype=str, keep_default_na=False)


def build_index(kind: str, names: Iterable[tuple[str, str]]) -> NameIndex:
    """An index of ``(code, name)`` pairs from every source, plus the alias table's."""
    index = NameIndex(kind)
    for code, name in names:
        if code and name:
            index.add(str(code), str(name))
    for row in aliases()[lambda d: d["kind"] == kind].itertuples():
        if row.code in index.codes:
            index.add(row.code, row.alias)
    return index


def map_names(labels: Iterable[object], index: NameIndex, *, where: str = "") -> dict:
    """Each distinct label -> its code, or None for 'Uppgift saknas'.

    Raises UnmappedNames listing every label that matches nothing (blank labels included, shown
    as '(tom)').
    """
    out: dict = {}
    unmapped: list[str] = []
    for label in dict.fromkeys(labels):
        if label is None or pd.isna(label) or not str(label).strip():
            unmapped.append("(tom)")
            continue
        if is_unknown(label):
            out[label] = None
            continue
        code = index.lookup(str(label))
        if code is None:
            unmapped.append(str(label))
        else:
            out[label] = code
    if unmapped:
        raise UnmappedNames(index.kind, sorted(set(unmapped)), where)
    return out
