"""Readable Swedish file names for downloads: area, indicator, period; never cut mid-word."""

from __future__ import annotations

import re
import unicodedata

SEPARATOR = " – "
MAX_BYTES = 180  # well under the 255-byte limit of common file systems, in UTF-8
_TAGS = re.compile(r"<[^>]*>")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')  # not allowed on Windows, macOS or Linux
_SPACES = re.compile(r"\s+")


def clean_part(text: str) -> str:
    """One part of a name: markup removed, unsafe characters as spaces, letters kept (å, ä, ö)."""
    text = unicodedata.normalize("NFC", _TAGS.sub(" ", str(text)))
    text = _UNSAFE.sub(" ", text.replace("\u00a0", " "))
    return _SPACES.sub(" ", text).strip(" .-–")


def _fits(parts: list[str], ext: str, limit: int) -> bool:
    return len((SEPARATOR.join(parts) + ext).encode()) <= limit


def _cut_words(text: str, max_bytes: int) -> str:
    """The longest run of whole words of ``text`` within ``max_bytes`` (at least one word)."""
    words, out = text.split(" "), ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if len(candidate.encode()) > max_bytes:
            break
        out = candidate
    return (out or words[0]).rstrip(" ,;–-")


def file_name(*parts: str | None, ext: str, limit: int = MAX_BYTES) -> str:
    """'Samordningsförbundet Värend – Arbetslöshet 18–64 år (18–65 från 2023) – 2015–2022.png'.

    Parts are joined with an en dash; empty parts are left out. When the name is too long
    the longest part is shortened by whole words (the period, usually the shortest, stays),
    so a name is never cut inside a word. ``ext`` is given without the dot.
    """
    suffix = f".{ext.lstrip('.')}"
    cleaned = [c for c in (clean_part(p) for p in parts if p) if c] or ["export"]
    while not _fits(cleaned, suffix, limit):
        longest = max(range(len(cleaned)), key=lambda i: len(cleaned[i].encode()))
        others = len((SEPARATOR.join(cleaned[:longest] + cleaned[longest + 1:]) + suffix
                      + (SEPARATOR if len(cleaned) > 1 else "")).encode())
        shorter = _cut_words(cleaned[longest], max(limit - others, 1))
        if shorter == cleaned[longest]:  # one long word: drop the part rather than cut it
            if len(cleaned) == 1:
                break
            del cleaned[longest]
        else:
            cleaned[longest] = shorter
    return SEPARATOR.join(cleaned) + suffix


def listed(lead: str, names: list[str], max_bytes: int) -> str:
    """'Jämförelse, Avesta, Ludvika, Falun' when it is at most ``max_bytes`` (UTF-8), else as
    many whole names as fit, 'm.fl.' and how many ('Jämförelse, Avesta m.fl. (5 områden)'),
    or the number alone ('Jämförelse, 12 områden'). file_name's own cut, by words, dropped
    the last name of five without a word that any was left out (walk28)."""
    cleaned = [clean_part(n) for n in names]
    full = ", ".join([lead, *cleaned])
    if len(full.encode()) <= max_bytes:
        return full
    for k in range(len(cleaned) - 1, 0, -1):
        text = ", ".join([lead, *cleaned[:k]]) + f" m.fl. ({len(cleaned)} områden)"
        if len(text.encode()) <= max_bytes:
            return text
    return f"{lead}, {len(cleaned)} områden"
