"""One HTTP server on 127.0.0.1 that mounts a replay app per source folder of a mirror.

    mirror/kolada_v3/  ->  http://127.0.0.1:<port>/kolada/v3/...    (Kolada v3 URL scheme)
    mirror/scb_v2/     ->  http://127.0.0.1:<port>/scb/api/v2/...   (PxWebApi 2.0 URL scheme)
    mirror/regions/    ->  http://127.0.0.1:<port>/regions/<file>   (files served as they are)
    mirror/af/         ->  http://127.0.0.1:<port>/af/statistik/…  and /download/… (replay/af.py)

A test switch (``faults``, see :class:`Fault` and :mod:`replay.faults`) makes it misbehave the
ways sources do: 429 with or without ``Retry-After``, 500, 503, a reply that never comes, a
truncated body, an HTML error page, an empty body, or a JSON body changed on the way (a
renamed field, an unknown kommun code, duplicate rows, a number where a code belongs). Run it
alone with ``python -m replay --mirror ../shared/data [--host H] [--port N]``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Self
from urllib.parse import parse_qs, unquote, urlsplit

from replay.base import App, Reply, Request
from replay.kolada import KoladaApp

if TYPE_CHECKING:  # not imported at run time: a replay process for Kolada starts without httpx
    from data_sources.http import Clock
    from replay.process import ReplayFork, ReplayProcess

MOUNTS = {"kolada_v3": "/kolada/v3", "scb_v2": "/scb/api/v2", "regions": "/regions", "af": "/af"}


class StaticApp:
    """Serves the files of a folder by name (no listing, no parent paths)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()

    def handle(self, request: Request) -> Reply:
        """Return the file's bytes, or 404."""
        target = (self.folder / request.path.lstrip("/")).resolve()
        if self.folder not in target.parents or not target.is_file():
            return Reply.json({"error": "not found"}, 404)
        kind = "text/csv; charset=utf-8" if target.suffix == ".csv" else "application/octet-stream"
        return Reply(200, target.read_bytes(), {"Content-Type": kind})


FAULT_KINDS = {"429", "500", "503", "timeout", "truncate", "html", "empty", "mutate"}
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title>"
             b"</head><body><h1>Service Temporarily Unavailable</h1><p>The server is down for "
             b"maintenance.</p></body></html>")
# folders a child process may serve (Kolada: no clock, no links into other folders)
CHILD_PROCESS_FOLDERS = {"kolada_v3"}
HOLD = -1  # Reply.status meaning: send nothing, hold the connection until the client gives up


@dataclass
class Fault:
    """Answer matching requests wrongly ``times`` times.

    ``kind``: '429' (``retry_after`` seconds, None = no header), '500', '503', 'timeout' (no
    reply until the client's own timeout), 'truncate' (half the body), 'html' (an error page
    with status 200), 'empty' (200 and no body), 'mutate' (the JSON body through ``mutate``;
    see :mod:`replay.faults`).
    """

    kind: str
    path_contains: str = ""
    times: int = 1
    retry_after: str | None = "0"
    hits: int = 0
    mutate: Callable[[object], object] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if (self.kind == "mutate") != (self.mutate is not None):
            raise ValueError("a 'mutate' fault needs mutate=, and only it")

    def applies(self, path: str) -> bool:
        """True while this fault still has uses left and the path matches."""
        return self.hits < self.times and self.path_contains in path

    def spoil(self, reply: Reply) -> Reply:
        """The app's reply as this fault delivers it."""
        if self.kind == "truncate":
            return Reply(reply.status, reply.body[: max(len(reply.body) // 2, 1)], reply.headers)
        if self.kind == "html":
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if self.kind == "empty":
            return Reply(200, b"", {"Content-Type": reply.headers.get("Content-Type", "")})
        if self.kind == "mutate" and reply.status == 200:
            body = self.mutate(json.loads(reply.body))
            return Reply(200, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                         reply.headers)
        return reply


@dataclass
class ReplayServer:
    """A running replay server; use as a context manager or call ``stop``."""

    mirror: Path
    host: str = "127.0.0.1"
    port: int = 0
    faults: list[Fault] = field(default_factory=list)
    apps: dict[str, App] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    clock: Clock | None = None  # shared with the clients in tests, for SCB's call budget
    only: tuple[str, ...] | None = None  # serve only these mirror folders (None: every one)
    own_process: tuple[str, ...] = ()  # mirror folders served by a child process instead
    child: ReplayProcess | ReplayFork | None = None  # that child, if the caller started it
    background: bool = True  # serve from a thread of its own (False: ``serve_forever`` does)

    def __post_init__(self) -> None:
        self.mirror = Path(self.mirror).resolve()
        if not self.mirror.is_dir():
            raise FileNotFoundError(f"mirror folder not found: {self.mirror}")
        if unknown := set(self.only or ()) - set(MOUNTS):
            raise ValueError(f"unknown mirror folders {sorted(unknown)}; of {sorted(MOUNTS)}")
        if shared := set(self.own_process) - CHILD_PROCESS_FOLDERS:
            raise ValueError(f"{sorted(shared)} cannot be served by a child process: SCB's call "
                             "budget runs on this process's clock, Arbetsförmedlingen's page "
                             "and downloads share one app")
        self._child = None
        present = [f for f in MOUNTS if (f in self.only if self.only is not None else True)
                   and (self.mirror / f).is_dir()]
        elsewhere = [f for f in present if f in self.own_process and MOUNTS[f] not in self.apps]
        if elsewhere and self.child is not None:
            self._child = self.child  # (the refresh starts it before it forks; see refresh.py)
        elif elsewhere:
            from replay.process import ReplayProcess

            try:
                self._child = ReplayProcess(self.mirror, elsewhere, host=self.host)
            except OSError:  # no child process here: serve them in this one, as before
                elsewhere = []
        self._elsewhere = {MOUNTS[f] for f in elsewhere}
        for folder in present:
            prefix = MOUNTS[folder]
            if prefix not in self.apps and prefix not in self._elsewhere:
                self.apps[prefix] = _make_app(folder, self.mirror / folder, self.clock)
        if "/af" in self.apps:  # the page links its files root-relative: /download/...
            self.apps.setdefault("/download", self.apps["/af"].downloads())
        if not self.apps and not self._elsewhere:
            raise FileNotFoundError(
                f"{self.mirror} holds none of the source folders {sorted(self.only or MOUNTS)}")
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # releases connections held by a 'timeout' fault
        self._httpd = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        # a short poll so that stop() returns at once (the default 0.5 s was waited out by
        # every refresh from the mirror and every test that starts a server)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True,
                                        name=f"replay:{self.port}")
        if self.background:
            self._thread.start()

    def serve_forever(self) -> None:
        """Answer requests in this thread until ``stop`` (the listening socket is bound and
        listening from construction on, so a client may connect before this runs)."""
        self._httpd.serve_forever(0.02)

    def close_socket(self) -> None:
        """Close this process's listening socket without serving (``background=False``: the
        process it was forked into serves it)."""
        self._httpd.server_close()

    @property
    def url(self) -> str:
        """Root URL of the server."""
        return f"http://{self.host}:{self.port}"

    def base_url(self, folder: str) -> str | None:
        """Base URL for a mirror folder's source, or None when the mirror lacks it."""
        prefix = MOUNTS[folder]
        if prefix in self._elsewhere:
            return f"{self._child.url}{prefix}"
        return f"{self.url}{prefix}" if prefix in self.apps else None

    def env(self) -> dict[str, str]:
        """Environment variables that point the production clients at this server."""
        out = {}
        if url := self.base_url("kolada_v3"):
            out["KOLADA_API_URL"] = url
        if url := self.base_url("scb_v2"):
            out["SCB_API_URL"] = url
        if (url := self.base_url("af")) and self.apps["/af"].page_path() is not None:
            from replay.af import PAGE

            out["AF_STATISTICS_URL"] = f"{url}/{PAGE}"
        regions = self.mirror / "regions"
        if regions.is_dir() and "/regions" in self.apps:
            for csv in sorted(regions.glob("scb_kommunkopplingar_*.csv"))[-1:]:
                out["SCB_KOMMUNKOPPLINGAR_URL"] = f"{self.url}/regions/{csv.name}"
        return out

    def dispatch(self, method: str, raw_path: str, body: bytes) -> Reply:
        """Find the app for a path and let it answer, applying any configured fault."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        with self._lock:
            self.requests.append(f"{method} {raw_path}")
            fault = next((f for f in self.faults if f.applies(path)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None and fault.kind in {"429", "500", "503"}:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return Reply.json({"error": f"injected {fault.kind}"}, int(fault.kind), **headers)
        if fault is not None and fault.kind == "timeout":
            return Reply(HOLD, b"")
        for prefix, app in self.apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                request = Request(method, path[len(prefix):] or "/",
                                  parse_qs(parts.query, keep_blank_values=True), body,
                                  f"{self.url}{prefix}")
                reply = app.handle(request)
                return fault.spoil(reply) if fault is not None else reply
        return Reply.json({"error": f"nothing is mounted at {path}"}, 404)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()
        if self._child is not None:
            self._child.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _make_app(folder: str, path: Path, clock: Clock | None) -> App:
    if folder == "kolada_v3":
        return KoladaApp(path)
    if folder == "scb_v2":
        from replay.scb import ScbApp

        return ScbApp(path, clock=clock)
    if folder == "af":
        from replay.af import AfApp

        return AfApp(path)
    return StaticApp(path)


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # small replies otherwise wait ~40 ms for delayed ACKs

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                reply = server.dispatch(self.command, self.path, body)
            except Exception as exc:  # noqa: BLE001 - an app bug must not hang the client
                reply = Reply.json({"error": f"replay server error: {exc}"}, 500)
            if reply.status == HOLD:  # never answer; the client's timeout ends the wait
                server.stopping.wait(60)
                self.close_connection = True
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args) -> None:
            return

    return Handler


def serve(mirror: Path, *, port: int = 0) -> ReplayServer:
    """Start a replay server for ``mirror`` in a background thread and return it."""
    return ReplayServer(Path(mirror), port=port)
