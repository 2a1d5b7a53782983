"""Arbetsförmedlingen replay: the statistics page and its Excel files from a mirror's ``af/``.

Folder layout, as the site's URL paths::

    af/statistik/sok-statistik/tidigare-statistik-tidsserier   the page's HTML (also accepted
                                                               with .html, or as a folder with
                                                               index.html)
    af/download/18.<id>/<timestamp>/<file>.xlsx                the files the page links

The page is mounted under ``/af`` like the other sources' prefixes. Its links are root-relative
on the real site (``/download/…``), so the files are also answered at ``/download/…`` on the
server root: a client resolving the links against the page URL reaches them unchanged. Bytes
are served as stored; nothing is rewritten.
"""

from __future__ import annotations

from pathlib import Path

from replay.base import Reply, Request

PAGE = "statistik/sok-statistik/tidigare-statistik-tidsserier"
PREFIX = "/af"
DOWNLOAD_PREFIX = "/download"
TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}


class AfApp:
    """Serves one ``af`` folder: the page under /af, the files under /af/download and /download."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()

    def page_path(self) -> Path | None:
        """The stored page, or None when the mirror lacks it."""
        base = self.folder / PAGE
        for candidate in (base, base.with_name(base.name + ".html"), base / "index.html"):
            if candidate.is_file():
                return candidate
        return None

    def _file(self, relative: str) -> Path | None:
        target = (self.folder / relative.lstrip("/")).resolve()
        if self.folder not in target.parents or not target.is_file():
            return None
        return target

    def handle(self, request: Request) -> Reply:
        """Answer a GET below /af: the page, or a file under download/."""
        if request.method not in ("GET", "HEAD"):
            return Reply(405, b"method not allowed", {"Content-Type": "text/plain"})
        path = request.path.strip("/")
        if path == PAGE or path == PAGE + ".html":
            page = self.page_path()
            if page is None:
                return _not_found(path)
            return Reply(200, page.read_bytes(), {"Content-Type": TYPES[".html"]})
        if path.startswith("download/"):
            return self._serve(path)
        return _not_found(path)

    def _serve(self, relative: str) -> Reply:
        target = self._file(relative)
        if target is None:
            return _not_found(relative)
        kind = TYPES.get(target.suffix.lower(), "application/octet-stream")
        return Reply(200, target.read_bytes(),
                     {"Content-Type": kind,
                      "Content-Disposition": f'attachment; filename="{target.name}"'})

    def downloads(self) -> DownloadApp:
        """The same files answered at the server root's /download (the page's links)."""
        return DownloadApp(self)


class DownloadApp:
    """``/download/…`` on the server root -> ``af/download/…`` in the mirror."""

    def __init__(self, af: AfApp):
        self.af = af

    def handle(self, request: Request) -> Reply:
        """Serve af/download/<path>."""
        if request.method not in ("GET", "HEAD"):
            return Reply(405, b"method not allowed", {"Content-Type": "text/plain"})
        return self.af._serve("download/" + request.path.strip("/"))


def _not_found(path: str) -> Reply:
    body = ("<!DOCTYPE html><html><head><title>Sidan kunde inte hittas</title></head><body>"
            f"<h1>Sidan kunde inte hittas</h1><p>{path}</p></body></html>").encode()
    return Reply(404, body, {"Content-Type": TYPES[".html"]})
