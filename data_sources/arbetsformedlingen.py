"""Arbetsförmedlingen's monthly Excel files: find them on the statistics page, download them.

Fetches and snapshots; never opens a workbook (that is transforms/staging_af.py). What it does:
reads the page "tidigare statistik tidsserier" (``AF_STATISTICS_URL``), picks the newest
``<prefix>-YYYY-MM.xlsx`` link per file the reader uses, downloads each file byte for byte into
the raw layer with its sidecar, and skips a file whose name is already there. It checks only
that a download is a complete zip (an HTML error page or a cut-off file is retried, then
reported). Which month the build imports (every file of the same YYYY-MM) is decided by
``choose_month`` from the raw layer alone.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

import config
from data_sources.http import BadBody, Clock, FetchError, HttpSession
from data_sources.snapshot import Snapshot, SnapshotWriter, complete_snapshots

SOURCE = "af"
# dataset in the raw layer -> file name prefix on the page (the files the reader uses)
FILES = {"andel-av-bas": "web-inskrivna-arbetslosa-andel-av-bas",
         "sok-lan-kom": "web-sok-lan-kom"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FileLink:
    """One file linked from the page: its dataset, month ('2026-08'), URL and file name."""

    dataset: str
    month: str
    url: str
    file_name: str


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def file_link_pattern(prefix: str) -> re.Pattern:
    """``<prefix>-YYYY-MM.xlsx`` exactly (not the yearly-average or other variants)."""
    return re.compile(rf"^{re.escape(prefix)}-(\d{{4}})-(\d{{2}})\.xlsx$", re.IGNORECASE)


def find_links(html: str, page_url: str) -> dict[str, FileLink]:
    """The newest link per dataset in FILES; datasets without a link are absent."""
    parser = _Links()
    parser.feed(html)
    newest: dict[str, FileLink] = {}
    for href in parser.hrefs:
        url = urljoin(page_url, href.strip())
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        for dataset, prefix in FILES.items():
            m = file_link_pattern(prefix).match(name)
            if not m or not 1 <= int(m.group(2)) <= 12:
                continue
            link = FileLink(dataset, f"{m.group(1)}-{m.group(2)}", url, name)
            if dataset not in newest or link.month > newest[dataset].month:
                newest[dataset] = link
    return newest


def check_xlsx(response: httpx.Response) -> None:
    """BadBody unless the body is a complete zip holding an Excel workbook."""
    body = response.content
    if not body.startswith(b"PK"):
        head = body[:512].lower()
        if b"<html" in head or b"<!doctype" in head:
            raise BadBody("svaret är en HTML-sida, inte en xlsx-fil")
        raise BadBody("svaret är inte en xlsx-fil (ingen zip-signatur)")
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise BadBody("zip-filen saknar xl/workbook.xml: ingen Excel-arbetsbok")
    except zipfile.BadZipFile as exc:
        raise BadBody(f"trasig eller avkortad xlsx-fil ({exc})") from exc


def _check_page(response: httpx.Response) -> None:
    if b"<" not in response.content[:2048]:
        raise BadBody("sidan är inte HTML")


@dataclass
class AfClient:
    """Arbetsförmedlingen's statistics page and its files over HTTP (injectable transport)."""

    page_url: str | None = None
    transport: httpx.BaseTransport | None = None
    clock: Clock | None = None

    def __post_init__(self) -> None:
        self.page_url = self.page_url or config.af_statistics_url()
        self.http = HttpSession(SOURCE, self.page_url, transport=self.transport,
                                clock=self.clock or Clock(),
                                headers={"Accept": "text/html,application/xhtml+xml,*/*"})

    def links(self) -> dict[str, FileLink]:
        """The newest file link per dataset on the page (FetchError when one is missing)."""
        response = self.http.request("GET", self.page_url, validate=_check_page)
        found = find_links(response.text, str(response.url))
        missing = [FILES[d] for d in FILES if d not in found]
        if missing:
            raise FetchError(SOURCE, self.page_url, "sidan saknar länk till " + ", ".join(
                f"{p}-ÅÅÅÅ-MM.xlsx" for p in missing) + " (har sidan ändrats?)")
        return found

    def download(self, link: FileLink, writer: SnapshotWriter) -> Path:
        """Download one file verbatim into ``writer``'s snapshot; BadBody cases are retried."""
        response = self.http.request("GET", link.url, validate=check_xlsx)
        return writer.add(response, suffix="xlsx")

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


def snapshot_file(snapshot: Snapshot) -> dict:
    """The ``af`` entry of a snapshot's manifest: file_name, month, url."""
    return snapshot.manifest.get("af", {})


def has_file(root: Path, dataset: str, file_name: str) -> Snapshot | None:
    """The complete snapshot already holding ``file_name``, if any."""
    for snap in complete_snapshots(root, SOURCE, dataset):
        if snapshot_file(snap).get("file_name") == file_name:
            return snap
    return None


@dataclass
class MonthChoice:
    """Which month a build imports: the newest month every file has, and what is waiting."""

    month: str | None
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    # months newer than ``month`` that some files have: month -> (present names, missing names)
    waiting: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    older: list[str] = field(default_factory=list)  # complete months before ``month``, newest first

    def waiting_message(self) -> str | None:
        """Swedish: which files of a newer month have come and which are awaited."""
        if not self.waiting:
            return None
        parts = []
        for month, (present, missing) in sorted(self.waiting.items(), reverse=True):
            parts.append(f"{month}: {', '.join(present)} har kommit, väntar på "
                         f"{', '.join(missing)}")
        keep = f"; {self.month} används tills vidare" if self.month else ""
        return "; ".join(parts) + keep


def months_in_raw(root: Path) -> dict[str, dict[str, Snapshot]]:
    """month -> dataset -> the newest complete snapshot of that dataset's file for the month."""
    out: dict[str, dict[str, Snapshot]] = {}
    for dataset in FILES:
        for snap in complete_snapshots(root, SOURCE, dataset):  # newest first
            month = snapshot_file(snap).get("month")
            if month:
                out.setdefault(month, {}).setdefault(dataset, snap)
    return out


def choose_month(root: Path) -> MonthChoice:
    """The newest month for which every file the reader uses is in the raw layer."""
    by_month = months_in_raw(root)
    complete = sorted((m for m, d in by_month.items() if set(d) == set(FILES)), reverse=True)
    month = complete[0] if complete else None
    choice = MonthChoice(month, dict(by_month[month]) if month else {}, older=complete[1:])
    for m, datasets in by_month.items():
        if (month is None or m > month) and set(datasets) != set(FILES):
            present = [f"{FILES[d]}-{m}.xlsx" for d in FILES if d in datasets]
            missing = [f"{FILES[d]}-{m}.xlsx" for d in FILES if d not in datasets]
            choice.waiting[m] = (present, missing)
    return choice


def month_snapshots(root: Path, month: str) -> dict[str, Snapshot]:
    """dataset -> snapshot for one month (every dataset present, else KeyError)."""
    by_month = months_in_raw(root)[month]
    return {d: by_month[d] for d in FILES}
