"""A PDF's document title (its Info dictionary's /Title), set without a PDF library.

Kaleido prints a chart to PDF from its own page, so every exported chart was titled
"Kaleido-fier" (walk26): a PDF viewer shows that in its title bar and a document system
files it under that. ``with_title`` appends an incremental update (PDF 1.7, 7.5.6): a new
version of the Info object and an xref section for it, the original bytes untouched. Pure.
"""

from __future__ import annotations

import html
import re

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.DOTALL)
_INFO_REF = re.compile(rb"/Info\s+(\d+)\s+(\d+)\s+R")
_PREV = re.compile(rb"\s*/Prev\s+\d+")
_TITLE = re.compile(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)")


def plain_title(text: str | None) -> str:
    """A chart title's words without its markup: 'Arbetslöshet<br><sup>Växjö, 2020</sup>'
    -> 'Arbetslöshet – Växjö, 2020'; '&lt;' as '<'."""
    if not text:
        return ""
    text = re.sub(r"<br\s*/?>\s*<sup>", " – ", text, flags=re.IGNORECASE)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"</?[A-Za-z][^<>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _pdf_text(text: str) -> bytes:
    """A PDF text string: UTF-16BE with its byte order mark, in hex (any letter, no escapes)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def with_title(pdf: bytes, title: str) -> bytes:
    """``pdf`` with its document title set to ``title``. A PDF this cannot read (no classic
    trailer, no Info object: not what Chromium writes) is returned as it is."""
    end = _STARTXREF.search(pdf[-64:])
    trailers = list(_TRAILER.finditer(pdf))
    if not end or not trailers or not title:
        return pdf
    trailer = trailers[-1].group(1)
    ref = _INFO_REF.search(trailer)
    if not ref:
        return pdf
    number, generation = int(ref.group(1)), int(ref.group(2))
    found = list(re.finditer(rb"(?<!\d)%d\s+%d\s+obj\s*<<(.*?)>>\s*endobj"
                             % (number, generation), pdf, re.DOTALL))
    if not found:
        return pdf
    info = found[-1].group(1)
    entry = b"/Title " + _pdf_text(title)
    info = _TITLE.sub(lambda _: entry, info, count=1) if _TITLE.search(info) \
        else entry + b" " + info
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    obj = b"%d %d obj\n<<%s>>\nendobj\n" % (number, generation, info)
    xref_at = len(body) + len(obj)
    xref = b"xref\n%d 1\n%010d %05d n \n" % (number, len(body), generation)
    new_trailer = b"trailer\n<<%s /Prev %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        _PREV.sub(b"", trailer).strip(), end.group(1), xref_at)
    return body + obj + xref + new_trailer
