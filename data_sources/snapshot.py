"""Raw layer: every response body saved byte-for-byte, with a sidecar describing the request.

Layout (see docs/decisions.md)::

    data/raw/<source>/<dataset>/<UTC timestamp>/
        response-0001.json            body exactly as received
        response-0001.request.json    url, method, request body, status, fetched_at, sha256
        manifest.json                 written last: the fetch completed and validated

A snapshot without ``manifest.json`` is an aborted fetch: builds ignore it, so a failed or
malformed fetch never replaces good data. This module never parses bodies.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from transforms.jsonio import json_loads

if TYPE_CHECKING:  # annotations only: the build reads snapshots without loading httpx
    import httpx

MANIFEST = "manifest.json"


def utc_stamp(moment: datetime) -> str:
    """A snapshot folder's name for a fetch started at ``moment`` (names sort by time)."""
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


def _text(body: bytes | None) -> str | None:
    if not body:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


@dataclass(frozen=True)
class Snapshot:
    """A completed fetch of one dataset: its folder, response files and manifest."""

    folder: Path
    manifest: dict

    @property
    def files(self) -> list[Path]:
        """Response files in the order they were fetched."""
        return [self.folder / f["file"] for f in self.manifest["files"]]

    @property
    def fetched_at(self) -> datetime:
        """When the fetch finished (UTC)."""
        return datetime.fromisoformat(self.manifest["completed_at"])

    def sidecars(self) -> list[dict]:
        """The request sidecars, one per response file."""
        return [json.loads((self.folder / f["sidecar"]).read_text("utf-8"))
                for f in self.manifest["files"]]


class SnapshotWriter:
    """Writes one fetch of one dataset; call ``commit`` once every response is in and valid."""

    def __init__(self, root: Path, source: str, dataset: str, *, now: datetime | None = None):
        self.started_at = now or datetime.now(UTC)
        base = Path(root) / source / dataset
        folder = base / utc_stamp(self.started_at)
        n = 1
        while folder.exists():  # two fetches within the same microsecond: never overwrite
            folder = base / f"{utc_stamp(self.started_at)}-{n}"
            n += 1
        self.folder = folder
        self.source = source
        self.dataset = dataset
        self._files: list[dict] = []
        self._parsed: list[object | None] = []

    def add(self, response: httpx.Response, *, suffix: str = "json",
            parsed: object | None = None) -> Path:
        """Save one response body verbatim, plus its request sidecar; return the body's path.

        ``parsed`` is the client's own parse of the body, kept in memory for the checks that
        run before the commit (so a body is not parsed twice); the file stays the bytes.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        n = len(self._files) + 1
        name = f"response-{n:04d}.{suffix}"
        body = response.content
        (self.folder / name).write_bytes(body)
        request = response.request
        sidecar = {
            "url": str(request.url),
            "method": request.method,
            "body": _text(request.content) if request.method != "GET" else None,
            "status": response.status_code,
            "fetched_at": datetime.now(UTC).isoformat(),
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "content_type": response.headers.get("content-type"),
        }
        side = f"response-{n:04d}.request.json"
        (self.folder / side).write_text(json.dumps(sidecar, indent=2, ensure_ascii=False), "utf-8")
        self._files.append({"file": name, "sidecar": side, "sha256": sidecar["sha256"],
                            "url": sidecar["url"]})
        self._parsed.append(parsed)
        return self.folder / name

    def entries(self) -> list[tuple[Path, str]]:
        """(response file, request URL) for every response added so far, in order."""
        return [(self.folder / f["file"], f["url"]) for f in self._files]

    def bodies(self) -> list[tuple[object, str]]:
        """(parsed JSON body, request URL) for every response so far; parsed from the file
        when the client did not hand its own parse over."""
        return [(parsed if parsed is not None else json_loads(path.read_bytes()), url)
                for (path, url), parsed in zip(self.entries(), self._parsed, strict=True)]

    def commit(self, **extra) -> Snapshot:
        """Mark the fetch complete; only now will a build read it."""
        if not self._files:
            raise ValueError(f"{self.source}/{self.dataset}: nothing fetched, nothing to commit")
        manifest = {"source": self.source, "dataset": self.dataset,
                    "started_at": self.started_at.isoformat(),
                    "completed_at": datetime.now(UTC).isoformat(),
                    "files": self._files, **extra}
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
        tmp.replace(self.folder / MANIFEST)
        return Snapshot(self.folder, manifest)

    def abort(self, reason: str) -> None:
        """Leave the partial fetch for inspection, marked as failed; builds never read it."""
        if self.folder.exists():
            (self.folder / "FAILED.txt").write_text(reason, "utf-8")


def complete_snapshots(root: Path, source: str, dataset: str) -> list[Snapshot]:
    """Every completed snapshot of a dataset, newest first."""
    base = Path(root) / source / dataset
    if not base.is_dir():
        return []
    out = []
    for folder in sorted((p for p in base.iterdir() if p.is_dir()), reverse=True):
        manifest = folder / MANIFEST
        if manifest.is_file():
            out.append(Snapshot(folder, json.loads(manifest.read_text("utf-8"))))
    return out


def latest_snapshot(root: Path, source: str, dataset: str) -> Snapshot | None:
    """The newest completed snapshot of a dataset, or None when it was never fetched."""
    found = complete_snapshots(root, source, dataset)
    return found[0] if found else None


def prune(root: Path, *, keep_complete: int = 5, keep_failed: int = 3) -> None:
    """Keep the newest ``keep_complete`` complete and ``keep_failed`` failed fetches per dataset.

    Older complete snapshots are history a build never reads (it takes the newest, or the one
    before when the newest no longer stages); failed ones are kept briefly for inspection.
    """
    for dataset_dir in (d for d in Path(root).glob("*/*") if d.is_dir()):
        folders = sorted(p for p in dataset_dir.iterdir() if p.is_dir())
        complete = [p for p in folders if (p / MANIFEST).exists()]
        failed = [p for p in folders if not (p / MANIFEST).exists()]
        for folder in complete[:-keep_complete] + (failed[:-keep_failed] if keep_failed
                                                     else failed):
            shutil.rmtree(folder, ignore_errors=True)


def fetch_snapshot(root: Path, source: str, dataset: str,
                   fetch: Callable[[SnapshotWriter], object], *,
                   check: Callable[[SnapshotWriter], object] | None = None,
                   **extra) -> Snapshot:
    """Run ``fetch(writer)``, then ``check(writer)`` on the complete set of responses; commit
    the snapshot only if both finished without an exception."""
    writer = SnapshotWriter(root, source, dataset)
    try:
        fetch(writer)
        if check is not None:
            check(writer)
    except BaseException as exc:
        writer.abort(f"{type(exc).__name__}: {exc}")
        raise
    return writer.commit(**extra)
