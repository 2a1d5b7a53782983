"""walk26: every exported chart PDF was titled "Kaleido-fier" (kaleido's own page title) in
its Info dictionary, which a PDF viewer shows in its title bar. The title is now the chart's.

The PDF is read here by its trailer, as a viewer does: the last trailer's /Info names an
object, whose last definition holds /Title (pdfinfo, where installed, must agree)."""

from __future__ import annotations

import re
import shutil
import subprocess

from exports.pdf_title import plain_title, with_title
from tests.test_exports import _varend_chart


def _pdf_string(raw: bytes) -> str:
    """A PDF text string: <FEFF…> hex (UTF-16BE) or (literal) PDFDocEncoding/Latin-1."""
    if raw.startswith(b"<"):
        data = bytes.fromhex(re.sub(rb"\s", b"", raw[1:-1]).decode("ascii"))
        return data[2:].decode("utf-16-be") if data[:2] == b"\xfe\xff" else data.decode("latin-1")
    return raw[1:-1].decode("latin-1")


def _info_title(pdf: bytes) -> str | None:
    trailer = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref", pdf, re.DOTALL)[-1]
    number, generation = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", trailer).groups()
    info = re.findall(rb"(?<!\d)" + number + rb"\s+" + generation + rb"\s+obj\s*<<(.*?)>>",
                      pdf, re.DOTALL)[-1]
    title = re.search(rb"/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", info)
    return _pdf_string(title.group(1)) if title else None


def test_a_chart_pdf_is_titled_by_the_chart(warehouse, export_browser):
    fig, _ = _varend_chart(warehouse)  # Värend's unemployment from the session warehouse
    title = plain_title(fig.layout.title.text)
    assert title.startswith("Arbetslöshet 18–65 år") and "<" not in title
    assert "Samordningsförbundet Värend" in title
    pdf = export_browser.figure_image(fig, "pdf")
    assert pdf.startswith(b"%PDF") and b"Kaleido-fier" in pdf  # the first version, kept
    assert _info_title(pdf) == title
    if shutil.which("pdfinfo"):  # poppler checks the xref and reads the newest Info
        out = subprocess.run(["pdfinfo", "-", "-enc", "UTF-8"], input=pdf, capture_output=True,
                             check=True).stdout.decode("utf-8")
        assert f"Title:           {title}" in out.splitlines()


def test_plain_title_keeps_the_words_and_drops_the_markup():
    assert plain_title("Arbetslöshet (SCB BAS)<br><sup>Södra Dalarna, januari 2020–april "
                       "2026</sup>") == ("Arbetslöshet (SCB BAS) – Södra Dalarna, januari "
                                         "2020–april 2026")
    assert plain_title("Lång titel<br>på två rader") == "Lång titel på två rader"
    assert plain_title("&lt;b>fet&lt;/b> grupp") == "<b>fet</b> grupp"  # a name as written
    assert plain_title(None) == ""


def test_a_pdf_without_a_readable_trailer_is_left_as_it_is():
    assert with_title(b"%PDF-1.7\n%%EOF\n", "Titel") == b"%PDF-1.7\n%%EOF\n"  # hand-made
