"""The choropleth map: (values, shapes, classes, Indicator) -> Figure. Never imports streamlit.

One ``go.Choropleth`` trace holds every shape once (GeoJSON given inline, ``featureidkey``
the feature id) on a ``geo`` subplot drawn as SVG: its colour is the class index on a
stepped scale, with greys below the classes for suppressed and missing values (only when
there are any). The trace's own colour bar is the map's key: one step per class, named with
its bounds, the method as its title. There is no base map: the geo subplot's own layers are
off and the view is the shapes' box (``lonaxis``/``lataxis`` ranges; only those with a value
when fewer than half have one, ``fits_valued``), in the left part of a
figure only as wide as the shapes and the key beside them need (``map_size``). plotly.js still loads a world
topojson for a geo subplot, from cdn.plot.ly unless told otherwise: ``PLOTLY_CONFIG``
(``topojsonURL``) points it at a ``data:`` URL holding an empty topology, so nothing is
fetched at all (exports/images.py does the same for kaleido with a local file). Nothing
leaves 127.0.0.1.

Why SVG and not MapLibre (``go.Choroplethmap``, used before): Streamlit remounts a chart whose
figure changed, so every rerun built a new MapLibre map with its WebGL context, which took
1–2 s in the browser on the test machine; the same 290 shapes as SVG paths take 0,1–0,25 s
(bench/bench_map.py). Län borders and the chosen kommuner's outlines are line traces;
missing values get a dark dot inside the grey shape, so they read as missing, never as a
low value. As in charts.py, the title and the source line are inside the figure, so an
exported image keeps them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from chart_text import as_text, literal, literal_figure
from charts import (
    FONT,
    SEPARATORS,
    SOURCE_LINE,
    SOURCE_SIZE,
    SOURCE_WIDTH,
    TITLE_WIDTH,
    _wrap,
    screen_width,
    title_extra,
    wrap_px,
    wrap_title,
)
from transforms.areas import coverage_of
from transforms.catalogue import Indicator
from transforms.formatting import format_value
from transforms.geometry import boundary_lines
from transforms.map_classes import MISSING_COLOR, SUPPRESSED_COLOR, Classes

MISSING, SUPPRESSED = -1, -2
STATUS_TEXT = {"missing": "uppgift saknas", "suppressed": "värdet är skyddat av källan (t.ex. <5)",
               "partial": "alla kommuner rapporterar inte"}
OUTLINE_COLOR = "#111111"
BORDER_COLOR = "#505050"


def _stepped_scale(colors: list[str]) -> list[list]:
    """A colorscale giving each integer from 0 to len(colors) - 1 its own colour."""
    n = len(colors)
    if n == 1:
        return [[0.0, colors[0]], [1.0, colors[0]]]
    scale = []
    for i, color in enumerate(colors):
        scale += [[i / n, color], [(i + 1) / n, color]]
    return scale


def _z(values: pd.DataFrame, classes: Classes | None) -> pd.Series:
    """Class index per row; MISSING / SUPPRESSED where there is no value to colour."""
    z = classes.assign(values["value"]) if classes else pd.Series(float("nan"),
                                                                  index=values.index)
    z = z.where(values["value"].notna(), MISSING)
    return z.where(values["status"] != "suppressed", SUPPRESSED)


# plotly.js appends "<scope>_<resolution>m.json" to topojsonURL: after the "#" it is a fragment,
# so every scope and resolution gets this empty topology, and no request is made
EMPTY_TOPOLOGY = {"type": "Topology", "arcs": [], "objects": {
    layer: {"type": "GeometryCollection", "geometries": []}
    for layer in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")}}
TOPOJSON_URL = "data:application/json," + json.dumps(EMPTY_TOPOLOGY, separators=(",", ":")) + "#"
PLOTLY_CONFIG = {"topojsonURL": TOPOJSON_URL}  # merged into the page's plotly config
MISSING_DOT = "#4d4d4d"


@lru_cache(maxsize=16)
def _geojson(ids: tuple[str, ...], texts: tuple[str, ...]) -> dict:
    """The shapes as one FeatureCollection, parsed once per set of shapes and reused by every
    rerun (the figure only holds a reference; plotly copies it when it serialises)."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": i, "properties": {},
                          "geometry": json.loads(t)} for i, t in zip(ids, texts, strict=True)]}


@lru_cache(maxsize=16)
def _outline(texts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The shapes' outlines as lon and lat arrays (rings split by NaN), made once."""
    frame = pd.DataFrame({"geojson": list(texts)})
    # float32: the 0,001° grid needs 6 digits, float32 keeps 7; half the bytes of float64
    lons, lats = (np.array(c, dtype="float32") for c in boundary_lines(frame))  # None -> NaN
    lons.setflags(write=False)
    lats.setflags(write=False)
    return lons, lats


def _lines(shapes: pd.DataFrame, *, name: str, color: str, width: float, rank: int
           ) -> go.Scattergeo:
    lons, lats = _outline(tuple(shapes["geojson"]))
    return go.Scattergeo(lon=lons, lat=lats, mode="lines", name=name, legendrank=rank,
                         line={"color": color, "width": width}, hoverinfo="skip",
                         showlegend=True)


def _steps(z: pd.Series, classes: Classes | None) -> tuple[list[str], list[str], dict]:
    """The colour bar's steps bottom-up: (labels, colours) with the greys first, only when
    any shape has them, then the classes; and the step index of each z code."""
    labels: list[str] = []
    colors: list[str] = []
    index: dict[float, int] = {}
    for code, label, color in ((SUPPRESSED, "Skyddat värde", SUPPRESSED_COLOR),
                               (MISSING, "Uppgift saknas: ljusgrå med mörk prick",
                                MISSING_COLOR)):
        n = int((z == code).sum())
        if n:
            index[code] = len(labels)
            labels.append(_wrap(f"{label} ({n})", KEY_TITLE_CHARS))  # a long one on 2 lines
            colors.append(color)
    for i, (label, color) in enumerate(zip(classes.labels if classes else (),
                                           classes.colors if classes else (), strict=True)):
        index[float(i)] = len(labels)
        labels.append(label)
        colors.append(color)
    return labels, colors, index


def _colorbar(title: str, labels: list[str], x: float) -> dict:
    """The key: one step per label, ticks at the steps' middles, at the top of the column right
    of the map (``x``: its left edge, a fraction of the plot's width)."""
    n = len(labels)
    span = max(n - 1, 1)
    wrapped = _wrap(title, KEY_TITLE_CHARS)
    # the title sits inside the bar's length, as does plotly's padding (ypad, 10 px) below the
    # bar: a line of 12 px text is 15,6 px (1,3 em) and the title's block 14 px more. An
    # estimate short of that took the room from the steps: a lone two-line grey entry got a
    # 17 px step and ran into the title (left25)
    title_px = round(15.6 * (wrapped.count("<br>") + 1)) + 14 + 10
    step = 32 if any("<br>" in label for label in labels) else 24  # room for a 2-line label
    return {"title": {"text": wrapped, "side": "top", "font": {"size": 12, "color": "#333333"}},
            "tickmode": "array", "ticktext": labels,
            "tickvals": [(i + 0.5) * span / n for i in range(n)], "ticks": "",
            "x": x, "xanchor": "left", "xref": "paper", "y": 1.0, "yanchor": "top",
            "xpad": 0, "lenmode": "pixels", "len": step * n + title_px, "thickness": 16,
            "outlinewidth": 0, "bgcolor": "rgba(255,255,255,0.85)",
            "tickfont": {"size": 12, "color": "#333333"}}


# The figure's size on screen (walkthrough 23: the map was as wide as the page, Sweden a
# strip in its middle): as wide as the shapes need at the map's height plus the key's column
# beside them, between MIN_WIDTH and MAX_WIDTH px (MAX_WIDTH fits the page at 1280 px with
# the menu open and the list of values beside it: the page's main column is 820 px there, and
# the list of a län's kommuner with its note column needs ~270 px of it: at 560 px it had
# 226, its "Not" cut, rest25); a wide area (a län's members) at MAX_WIDTH gets a lower map.
MIN_WIDTH, MAX_WIDTH = 520, 520
SIDE = 10  # the figure's left and right margins, px
KEY_GAP = 16  # between the map and the key, px
KEY_TITLE_CHARS = 26  # the key's title wraps at this many characters
CHAR_PX = 6.6  # a character of the key's 12 px text, on average
TOP, BOTTOM = 80, 24  # above the map (title) and below it (source, one line), px
MIN_MAP_HEIGHT = 360


def mercator_aspect(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> float:
    """Width / height of a lon/lat box as the map draws it (Mercator)."""
    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    height = y(lat_max) - y(lat_min)
    return math.radians(lon_max - lon_min) / height if height > 0 else 1.0


@dataclass(frozen=True)
class MapSize:
    """The figure's width and map height (px) and the map's share of the plot's width."""

    width: int
    height: int
    map_share: float
    lon: tuple[float, float] = (10.0, 25.0)  # the view: the shapes' box
    lat: tuple[float, float] = (55.0, 69.5)


def key_width(key_texts: list[str]) -> float:
    """The key's column (px): its wrapped title or its longest line of a label (a long label
    is wrapped on '<br>', so each line counts alone)."""
    lines = [line for text in key_texts for line in text.split("<br>")]
    return max(KEY_TITLE_CHARS * CHAR_PX, 16 + 6 + CHAR_PX * max(map(len, lines), default=0))


def map_size(aspect: float, key_texts: list[str], height: int) -> MapSize:
    """The figure's size for shapes of ``aspect`` (width / height) drawn ``height`` px high
    with a key of ``key_texts`` (its labels) beside them: the key's column is as wide as its
    longest label or its wrapped title."""
    key = key_width(key_texts)
    plot = height - TOP - BOTTOM
    room = MAX_WIDTH - 2 * SIDE - KEY_GAP - key  # the widest the map can be
    wide = plot * aspect
    if wide > room:  # a wide area: the map as wide as there is room, and lower
        plot = max(int(room / aspect), MIN_MAP_HEIGHT - TOP - BOTTOM)
        wide = room
    width = int(min(max(2 * SIDE + wide + KEY_GAP + key, MIN_WIDTH), MAX_WIDTH))
    inner = width - 2 * SIDE
    return MapSize(width, plot + TOP + BOTTOM, (inner - KEY_GAP - key) / inner)


def _box(drawn: pd.DataFrame) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of the shapes drawn, a little wider: the view
    (plotly's geo frame takes the box's projected shape; with 2 % more latitude it drew the
    shapes a little taller than the frame and cut Sweden's north tip, 6 % keeps it whole);
    Sweden's when none is drawn."""
    if drawn.empty:
        return 10.5, 55.0, 24.5, 69.3
    lon0, lat0 = float(drawn["lon_min"].min()), float(drawn["lat_min"].min())
    lon1, lat1 = float(drawn["lon_max"].max()), float(drawn["lat_max"].max())
    pad_lon, pad_lat = (lon1 - lon0) * 0.02, (lat1 - lat0) * 0.06
    return lon0 - pad_lon, lat0 - pad_lat, lon1 + pad_lon, lat1 + pad_lat


ZOOM_BELOW = 0.5  # fewer shapes than this share with a value: the view fits those


def fits_valued(values: pd.DataFrame) -> bool:
    """Whether the map's view fits the shapes with a value (or a value the source hid)
    instead of all: when some but fewer than half of them have one (walk28: SCB BAS for
    Dalarna's 15 kommuner drew all of Sweden, 275 kommuner grey)."""
    valued = int((values["value"].notna() | (values["status"] == "suppressed")).sum())
    return 0 < valued < len(values) * ZOOM_BELOW


def choropleth(values: pd.DataFrame, shapes: pd.DataFrame, classes: Classes | None,
               ind: Indicator, *, title: str, source: str, hover: list[str],
               outlined: pd.DataFrame | None = None, outline_name: str = "Vald kommun",
               borders: pd.DataFrame | None = None, height: int = 760) -> go.Figure:
    """A choropleth of ``values`` on ``shapes``.

    values: area_id, value, status ('missing', 'suppressed', 'partial' or None), one row per
    shape to draw. shapes: area_id, geojson, label_lon, label_lat (transforms/geometry.py).
    hover: one Swedish text per row of ``values`` (name, value, rank). outlined: shapes
    drawn with a strong outline (the chosen kommuner or area); borders: län shapes drawn as
    thin lines. The key is the choropleth's colour bar (``_colorbar``).
    """
    drawn = values.merge(shapes[["area_id", "geojson", "label_lon", "label_lat", "lon_min",
                                 "lat_min", "lon_max", "lat_max"]], on="area_id", how="inner")
    texts = dict(zip(values["area_id"], hover, strict=True))
    z = _z(drawn, classes)
    labels, colors, index = _steps(z, classes)
    step = z.map(index).astype("float64")
    key_title = classes.title if classes else "Inga värden att dela in i klasser"
    geojson = _geojson(tuple(drawn["area_id"]), tuple(drawn["geojson"]))
    box = _box(drawn[drawn["value"].notna() | (drawn["status"] == "suppressed")]
               if fits_valued(drawn) else drawn)
    key_texts = [*labels, outline_name, "Länsgräns"]
    size = replace(map_size(mercator_aspect(*box), key_texts, height),
                   lon=(box[0], box[2]), lat=(box[1], box[3]))
    key_x = size.map_share + KEY_GAP / (size.width - 2 * SIDE)
    fig = go.Figure(go.Choropleth(
        locations=drawn["area_id"], featureidkey="id",
        z=step, zmin=0, zmax=max(len(colors) - 1, 1), colorscale=_stepped_scale(colors),
        showscale=bool(labels),
        colorbar=_colorbar(key_title, labels, key_x) if labels else None,
        marker={"line": {"color": "#ffffff", "width": 0.5}},
        hovertext=[texts[a] for a in drawn["area_id"]], hoverinfo="text",
        customdata=drawn["value"].astype("float64"),  # the values themselves, for export
        name=ind.label, showlegend=False))
    missing = drawn[z == MISSING]
    if not missing.empty:
        fig.add_trace(go.Scattergeo(
            lon=missing["label_lon"], lat=missing["label_lat"], mode="markers",
            marker={"size": 6, "color": MISSING_DOT},
            hovertext=[texts[a] for a in missing["area_id"]], hoverinfo="text",
            showlegend=False, name="Uppgift saknas"))
    if borders is not None and not borders.empty:
        fig.add_trace(_lines(borders, name="Länsgräns", color=BORDER_COLOR, width=1.1,
                             rank=300))
    if outlined is not None and not outlined.empty:
        fig.add_trace(_lines(outlined, name=outline_name, color=OUTLINE_COLOR, width=2.6,
                             rank=310))
    literal_figure(fig)  # names from users and links as written, never markup (chart_text)
    _frame(fig, title=literal(title), source=source, size=size, key_x=key_x,
           key_texts=key_texts)
    # set last: plotly validates a constructor's geojson by deep-copying it twice (0,5 s for
    # 290 kommuner), and every later update_layout deep-copies it again; update_traces takes
    # the dict as it is
    fig.update_traces(geojson=geojson, selector=0)
    return fig


def _texts(title: str, source: str, width: int, *,
           phone: bool = False) -> tuple[str, int, str, int]:
    """The title and the source line wrapped for a figure ``width`` px wide, with the top and
    bottom margins (px) they need: (title, top, source, bottom). Both are wrapped as every
    other chart's (charts.wrap_title: the label and each subtitle line measured; wrap_px, by
    px and never at a non-breaking space); ``phone``, on screen: in a phone's lines
    (charts.TITLE_WIDTH, SOURCE_WIDTH), as charts._frame does, since a 390 px phone draws
    the 520 px map 358 px wide (rest26, walkfixc26)."""
    inner = width - 2 * SIDE
    wrapped = wrap_px(source, min(inner, SOURCE_WIDTH) if phone else inner, SOURCE_SIZE)
    bottom = BOTTOM + SOURCE_LINE * (wrapped.count("<br>") + 1)
    shown = wrap_title(title, TITLE_WIDTH if phone else inner)
    top = TOP + title_extra(shown)  # a line more of title past two, the map that much lower
    return shown, top, wrapped, bottom


def _frame(fig: go.Figure, *, title: str, source: str, size: MapSize, key_x: float,
           key_texts: list[str]) -> None:
    """Map layout: no base map, the view fitted to the shapes in the map's share of the
    width, the key and the lines' legend in the column right of it (top and bottom), title
    and source inside the figure, its width fitted to the map (``map_size``); ``uirevision``
    keeps what the reader did with the map (hover, zoom) when only the values change. The
    unwrapped title, source and key go in ``layout.meta`` for ``layout_at`` (an image's
    size)."""
    # in a phone's lines unless the screen is known to hold the whole map (left27)
    screen = screen_width()
    shown, top, wrapped, bottom = _texts(title, source, size.width,
                                         phone=screen is None or screen < size.width)
    # no base map (coasts, land, frame all off), Mercator as on web maps, the view fitted to
    # the shapes drawn, left of the key
    fig.update_layout(geo={"visible": False, "projection": {"type": "mercator"},
                           "lonaxis": {"range": list(size.lon)},
                           "lataxis": {"range": list(size.lat)},
                           "bgcolor": "rgba(0,0,0,0)",
                           "domain": {"x": [0, size.map_share], "y": [0, 1]}})
    fig.update_layout(
        title={"text": shown, "x": 0, "xanchor": "left", "font": {"size": 16}},
        separators=SEPARATORS, width=size.width,
        height=size.height + bottom - BOTTOM + top - TOP,
        font={"family": FONT, "size": 13},
        margin={"l": SIDE, "r": SIDE, "t": top, "b": bottom}, template="plotly_white",
        uirevision="karta",
        meta={"map_title": title, "map_source": source, "map_key": key_texts},
        legend={"orientation": "v", "x": key_x, "xanchor": "left", "y": 0, "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 12},
                "itemclick": False, "itemdoubleclick": False},
        hoverlabel={"namelength": -1}, dragmode=False)
    fig.add_annotation(text=wrapped, xref="paper", yref="paper", x=0, y=0,
                       yshift=-(bottom - 4), xanchor="left", yanchor="bottom",
                       showarrow=False, align="left", font={"size": 10, "color": "#555555"})


def layout_at(fig: dict, width: int, height: int) -> None:
    """Lay a map (``choropleth``) out again, in place, for an image ``width`` × ``height``
    px (exports.images.sized, as charts.house_layout_at for the other charts): the map as
    large as the height allows, the key right beside it, the two centred across the image;
    title and source line wrapped for the image's width. Other figures are left as they
    are."""
    layout = fig.get("layout") or {}
    meta, geo = layout.get("meta"), layout.get("geo")
    if not (isinstance(meta, dict) and "map_source" in meta and isinstance(geo, dict)):
        return
    (lon0, lon1), (lat0, lat1) = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    title, top, source, bottom = _texts(meta["map_title"], meta["map_source"], width)
    inner = width - 2 * SIDE
    key = key_width(meta["map_key"])
    map_w = min((height - top - bottom) * mercator_aspect(lon0, lat0, lon1, lat1),
                inner - KEY_GAP - key)
    x0 = max(inner - map_w - KEY_GAP - key, 0) / 2 / inner
    geo["domain"] = {"x": [x0, x0 + map_w / inner], "y": [0, 1]}
    key_x = x0 + (map_w + KEY_GAP) / inner
    for trace in fig.get("data", []):
        if isinstance(trace.get("colorbar"), dict):
            trace["colorbar"]["x"] = key_x
    layout.setdefault("legend", {})["x"] = key_x
    layout["title"]["text"] = title
    layout.setdefault("margin", {}).update(t=top, b=bottom)
    for note in layout.get("annotations", []):
        if note.get("yref") == "paper" and note.get("y") == 0:
            note.update(text=source, yshift=-(bottom - 4))


def _coverage(row, population: str | None = None) -> str:
    """'bygger på 25 av 26 kommuner' (', 92 % av befolkningen 16–64 år' where the row carries
    a weighted rate's covered_share: transforms.areas.coverage_of) ('' without)."""
    cover = coverage_of(row, population)
    return f"bygger på {cover}" if cover else ""


def _bound(row) -> str:
    """Why an area's value is a lower bound: its hidden "<5" members, or how many of its
    kommuner have a value (a sum of counts without the others)."""
    if (getattr(row, "n_masked", 0) or 0) > 0:
        return "nedre gräns: källan döljer små antal (<5)"
    n, m = getattr(row, "n_reporting", None), getattr(row, "n_expected", None)
    if n is None or m is None or pd.isna(n) or pd.isna(m):
        return "nedre gräns: alla kommuner rapporterar inte"
    return f"nedre gräns: bara {int(n)} av {int(m)} kommuner har värden"


def hover_texts(values: pd.DataFrame, ind: Indicator, *, name: str = "area_name",
                extra: list[str] | None = None) -> list[str]:
    """'<b>Växjö</b><br>6,0 %<br>…' per row: the value with its unit, or why there is none,
    then ``extra`` (e.g. the rank), one line per row."""
    out = []
    for i, row in enumerate(values.itertuples(index=False)):
        status = getattr(row, "status", None)
        value = row.value
        if status == "suppressed":
            shown = STATUS_TEXT["suppressed"]
        elif pd.isna(value):
            shown = STATUS_TEXT["missing"]
        elif getattr(row, "is_lower_bound", False) is True:  # numfix26
            shown = f"minst {format_value(value, ind.decimals, ind.short_unit)} ({_bound(row)})"
        else:
            shown = format_value(value, ind.decimals, ind.short_unit)
            if status == "partial":  # a share over the reporting kommuner: say how many
                shown += f" ({_coverage(row, ind.weight_label) or STATUS_TEXT['partial']})"
        text = f"<b>{as_text(str(getattr(row, name)))}</b><br>{shown}"
        if extra and extra[i]:
            text += f"<br>{extra[i]}"
        out.append(text)
    return out
