"""Chart images: any plotly figure as PNG (16:9 or 4:3, high resolution), SVG or PDF, offline.

kaleido 1.x renders the figure in Debian's Chromium: its headless-only build
(``/usr/bin/chromium-headless-shell``) when installed, else ``/usr/bin/chromium``, or
``BROWSER_PATH``. We pass the browser's path to kaleido ourselves, so choreographer never
looks for (or downloads) a browser of its own. One export browser is started on the first
export and reused by every later one, from any Streamlit session or thread (see
docs/decisions.md, "Chart images": why our own loop thread rather than kaleido's sync server).

Nothing leaves 127.0.0.1: plotly.js is the plotly package's own ``package_data/plotly.min.js``,
given to kaleido by path (kaleido 1.x would fall back to cdn.plot.ly if it could not find it; a
missing file is an error here instead), MathJax is off, a map drawn from its own GeoJSON gets
a blank local base map (``blank_topojson_url``; plotly.js would otherwise fetch its world
topojson from cdn.plot.ly even with every base layer hidden), and
the browser's only proxy is ``RequestGuard``, a socket on 127.0.0.1 that refuses every request
and records it (``blocked_requests()``), so a figure that would fetch something (a CDN
topojson, a remote image) fails loudly instead of reaching the internet.

Images are cached by figure content and format, so a second download of the same chart costs
nothing.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import hashlib
import json
import os
import shutil
import socket
import stat
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

import charts_map
from charts import house_layout_at
from exports.pdf_title import plain_title, with_title

START_TIMEOUT = 60.0  # seconds for the browser to start
RENDER_TIMEOUT = 60.0  # seconds for one image
CACHE_ENTRIES = 64


class ExportUnavailable(RuntimeError):
    """Images cannot be made here (no browser, or the browser failed); message in Swedish."""


@dataclass(frozen=True)
class ImageFormat:
    """One image download: plotly format, size in CSS pixels and scale, file type."""

    key: str
    label: str
    format: str  # png | svg | pdf
    width: int
    height: int
    scale: float
    mime: str
    ext: str
    name_tag: str = ""  # added to the file name where two formats share a type ("4x3")


# The PNGs are for slides: each is laid out at its slide's size in points (16:9 13,33 × 7,5
# in = 960 × 540 pt, 4:3 10 × 7,5 in = 720 × 540 pt), so on a slide it fills, one CSS px is one
# pt: the charts' 12 px ticks and legend are 12 pt and the 10 px source 10 pt, the sizes the
# meeting deck's own charts and source lines use (exports/deck.py). The scale keeps their
# pixels (2560 × 1440, 2048 × 1536). Laid out at 1280 and 1024 px the text was 0,75 and 0,70
# of that: a 7 pt source on a 4:3 slide (stop 28, docs/decisions.md).
SLIDES_PT = {"png169": (960, 540), "png43": (720, 540)}
PNG_PIXELS = {"png169": (2560, 1440), "png43": (2048, 1536)}


def _slide_png(key: str, label: str, tag: str) -> ImageFormat:
    (width, height), (pixels, _) = SLIDES_PT[key], PNG_PIXELS[key]
    return ImageFormat(key, label, "png", width, height, pixels / width, "image/png", "png", tag)


FORMATS: dict[str, ImageFormat] = {f.key: f for f in (
    _slide_png("png169", "PNG 16:9", "16x9"),
    _slide_png("png43", "PNG 4:3", "4x3"),
    ImageFormat("svg", "SVG", "svg", 1280, 720, 1, "image/svg+xml", "svg"),
    ImageFormat("pdf", "PDF", "pdf", 1280, 720, 1, "application/pdf", "pdf"),
)}


# Debian's headless-only Chromium (package chromium-headless-shell, `make chromium` installs
# it): the same Blink and Skia as /usr/bin/chromium, so the same images (PNG byte for byte,
# SVG but for plotly's random ids, PDF pages pixel for pixel), for ~40 % less CPU per export
# browser (start and first PNG 3.6-3.7 s against 6.2-6.3 s) and without the background
# requests Debian's chromium wrapper sends (issue 12 point 8; docs/decisions.md)
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"


def browser_paths() -> list[str]:
    """The Chromiums the exports may use, in the order tried: only ``BROWSER_PATH`` or
    ``CHROMIUM_PATH`` if one is set (none if it names no file), else those installed of
    Debian's ``/usr/bin/chromium-headless-shell``, ``/usr/bin/chromium`` and ``chromium``
    on PATH."""
    for var in ("BROWSER_PATH", "CHROMIUM_PATH"):
        if os.environ.get(var):
            return [os.environ[var]] if Path(os.environ[var]).is_file() else []
    found = [path for path in (HEADLESS_SHELL, "/usr/bin/chromium") if Path(path).is_file()]
    on_path = shutil.which("chromium") or shutil.which("chromium-browser")
    return found + ([on_path] if on_path and on_path not in found else [])


def browser_path() -> str | None:
    """The Chromium the exports try first (``browser_paths``); None when there is none."""
    paths = browser_paths()
    return paths[0] if paths else None


# Chromium's own background traffic (component updates, time sync, account checks, the search
# engine's icon): mostly switched off; choreographer has no way to pass extra flags, so a
# two-line launcher adds them. Debian's wrapper still lets a few through (update.googleapis.com,
# accounts.google.com, start.duckduckgo.com, seen in blocked_requests()): the guard refuses them.
QUIET_FLAGS = ("--disable-background-networking", "--disable-component-update",
               "--disable-default-apps", "--disable-domain-reliability", "--no-pings",
               "--disable-client-side-phishing-detection",
               "--disable-features=Translate,OptimizationHints,MediaRouter,"
               + "AutofillServerCommunication,NetworkTimeServiceQuerying",
               "--disable-sync", "--no-service-autorun", "--disable-search-engine-choice-screen")


def quiet_launcher(path: str) -> str:
    """A launcher script that starts ``path`` with QUIET_FLAGS added (temporary file)."""
    folder = Path(tempfile.mkdtemp(prefix="export-browser-"))
    atexit.register(shutil.rmtree, folder, True)
    script = folder / "chromium"
    flags = " ".join(QUIET_FLAGS)
    script.write_text(f'#!/bin/sh\nexec "{path}" {flags} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


class RequestGuard:
    """A proxy on 127.0.0.1 that answers every request with 403 and records its first line
    ('CONNECT cdn.plot.ly:443 HTTP/1.1'). The export browser's only way out."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.requests: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True, name="export-guard").start()

    @property
    def url(self) -> str:
        """The proxy address given to the browser."""
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                except OSError:
                    first = "(okänd begäran)"
                with self._lock:
                    self.requests.append(first)

    def close(self) -> None:
        """Stop listening."""
        self._sock.close()


def plotly_js() -> Path:
    """The plotly.js that the installed plotly package ships (the screen's own version)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ExportUnavailable(f"plotly.js saknas i plotly-paketet ({path}).")
    return path


TOPOJSON_SCOPES = ("world", "usa", "europe", "asia", "africa", "north-america",
                   "south-america")
TOPOJSON_LAYERS = ("land", "ocean", "coastlines", "lakes", "rivers", "countries", "subunits")
_blank_topojson: str | None = None


def blank_topojson_url() -> str:
    """A file:// folder of empty topologies (every plotly.js scope and resolution), for maps
    that draw their own GeoJSON shapes with the base map off; written once per process."""
    global _blank_topojson
    if _blank_topojson is None:
        folder = Path(tempfile.mkdtemp(prefix="export-topojson-"))
        atexit.register(shutil.rmtree, folder, True)
        empty = {"type": "Topology", "arcs": [],
                 "objects": {layer: {"type": "GeometryCollection", "geometries": []}
                             for layer in TOPOJSON_LAYERS}}
        for scope in TOPOJSON_SCOPES:
            for resolution in (110, 50):
                (folder / f"{scope}_{resolution}m.json").write_text(json.dumps(empty))
        _blank_topojson = folder.as_uri() + "/"
    return _blank_topojson


GEO_TRACES = {"choropleth", "scattergeo"}


def own_shapes_only(fig: dict) -> bool:
    """True when the figure has geo traces and each one brings its own GeoJSON (or plain
    lon/lat points), so plotly.js's world topojson is not needed; a figure that names
    countries or states by code (``locationmode`` ISO-3, USA-states) needs it, and then the
    request is refused by the guard and the export fails loudly rather than drawing nothing."""
    geo = [t for t in fig.get("data", []) if t.get("type") in GEO_TRACES]
    if not geo:
        return False
    for trace in geo:
        mode = trace.get("locationmode")
        if trace.get("type") == "choropleth" and not trace.get("geojson"):
            return False
        if mode not in (None, "geojson-id") or (trace.get("locations") is not None
                                                 and trace.get("type") == "scattergeo"
                                                 and not trace.get("geojson")):
            return False
    return True


class _Exporter:
    """One Kaleido (one Chromium) on its own asyncio loop thread; thread-safe render()."""

    def __init__(self, path: str, guard: RequestGuard) -> None:
        import kaleido

        self._kaleido = kaleido
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="kaleido-export")
        self._thread.start()
        self._k = None
        try:
            asyncio.run_coroutine_threadsafe(self._open(path, guard.url),
                                             self._loop).result(START_TIMEOUT)
        except Exception:
            self.close()
            raise

    async def _open(self, path: str, proxy: str) -> None:
        k = self._kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=path,
                                  plotlyjs=plotly_js(),
                                  proxy_server=proxy, headless=True,
                                  enable_extensions=False)
        await k.open()
        self._k = k

    def render(self, fig: dict, opts: dict) -> bytes:
        topojson = blank_topojson_url() if own_shapes_only(fig) else None
        coro = self._k.calc_fig(fig, opts=opts, topojson=topojson)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(RENDER_TIMEOUT + 5)

    def close(self) -> None:
        if self._k is not None:
            with contextlib.suppress(Exception):  # closing a browser that already died
                asyncio.run_coroutine_threadsafe(self._k.close(), self._loop).result(20)
            self._k = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


_lock = threading.RLock()
_exporter: _Exporter | None = None
_guard: RequestGuard | None = None
_cache: OrderedDict[str, bytes] = OrderedDict()
_stats = {"renders": 0, "starts": 0}


def _ensure() -> _Exporter:
    global _exporter, _guard
    if _exporter is not None:
        return _exporter
    paths = browser_paths()
    if not paths:
        raise ExportUnavailable(
            "Diagrambilder kan inte göras: Chromium saknas på servern (installera Debians "
            "paket chromium eller ange BROWSER_PATH). Siffrorna går att ladda ned som CSV och "
            "Excel.")
    _guard = _guard or RequestGuard()
    failures = []
    for path in paths:  # a broken headless shell falls back to Debian's chromium
        try:
            _exporter = _Exporter(quiet_launcher(path), _guard)
        except Exception as exc:  # noqa: BLE001 - any start failure: the next browser
            failures.append((path, exc))
            continue
        _stats["starts"] += 1
        return _exporter
    path, exc = failures[-1]
    tried = ", ".join(p for p, _ in failures)
    raise ExportUnavailable(f"Exportwebbläsaren kunde inte startas ({tried}): {exc}") from exc


def start() -> None:
    """Start the export browser now (otherwise the first export starts it)."""
    with _lock:
        _ensure()


def stop() -> None:
    """Close the export browser (a later export starts a new one)."""
    global _exporter
    with _lock:
        if _exporter is not None:
            _exporter.close()
            _exporter = None


atexit.register(stop)


def blocked_requests() -> list[str]:
    """Every request the export browser tried to send off the machine (should be none)."""
    return list(_guard.requests) if _guard else []


def stats() -> dict[str, int]:
    """How many browsers were started and images rendered (cache misses), for tests/bench."""
    return dict(_stats)


def sized(fig: go.Figure | dict, fmt: ImageFormat) -> dict:
    """A copy of the figure as a dict, laid out at the format's size (title, legend and
    source line are part of the figure, so they come along): a house-layout chart gets its
    title's place and the legend's rows worked out again for that width and height
    (charts.house_layout_at), so they stay apart at every size; a map its extent, key and
    source line (charts_map.layout_at)."""
    data = copy.deepcopy(fig.to_dict() if isinstance(fig, go.Figure) else fig)
    layout = data.setdefault("layout", {})
    layout.update(width=fmt.width, height=fmt.height, autosize=False)
    house_layout_at(data, fmt.width, fmt.height)
    charts_map.layout_at(data, fmt.width, fmt.height)  # a map: its extent, key and source
    title = layout.get("title")
    if isinstance(title, dict) and title.get("x") == 0 and not title.get("pad"):
        # on screen the page's padding surrounds a title at the figure's left edge; an image
        # has none, so the title gets a little of its own
        title["pad"] = {"l": 16}
    return data


def figure_title(fig: dict) -> str:
    """The figure's title as plain words (the document title of its PDF)."""
    title = (fig.get("layout") or {}).get("title")
    return plain_title(title.get("text") if isinstance(title, dict) else title)


def _key(fig: dict, fmt: ImageFormat) -> str:
    text = json.dumps(fig, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{fmt.key}\0{text}".encode()).hexdigest()


def figure_image(fig: go.Figure | dict, fmt: str | ImageFormat = "png169") -> bytes:
    """The figure as image bytes in one of ``FORMATS`` (or a custom ImageFormat).

    Works for any plotly figure (time series, bars, maps with their own geojson). Raises
    ExportUnavailable with a Swedish message when no image can be made.
    """
    fmt = FORMATS[fmt] if isinstance(fmt, str) else fmt
    data = sized(fig, fmt)
    key = _key(data, fmt)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    opts = {"format": fmt.format, "width": fmt.width, "height": fmt.height, "scale": fmt.scale}
    from kaleido.errors import JavascriptError, KaleidoError

    for attempt in (1, 2):  # a browser that died is started once more
        with _lock:
            exporter = _ensure()
        try:
            image = exporter.render(data, opts)
            if fmt.format == "pdf":  # kaleido's page titles every PDF "Kaleido-fier"
                image = with_title(image, figure_title(data))
            break
        except (JavascriptError, KaleidoError) as exc:  # the figure, not the browser
            raise ExportUnavailable(f"Diagrambilden kunde inte göras: {exc}") from exc
        except Exception as exc:  # the browser died: start it once more
            with _lock:
                stop()
            if attempt == 2:
                raise ExportUnavailable(f"Diagrambilden kunde inte göras: {exc}") from exc
    with _lock:
        _stats["renders"] += 1
        _cache[key] = image
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return image
