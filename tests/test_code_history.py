"""Kommun code history in the build: old codes map to today's, unknown codes stop the build.

Both tests refresh a private copy of the session's small warehouse (``small_base``) with SCB's
part only (``sources={"scb"}``, which fetches SCB's kommun table): the edited code is in that
table, and Kolada's raw files in the copy are those a full refresh would fetch again."""

from __future__ import annotations

from data_sources.http import FakeClock
from tests.conftest import SMALL_KPIS, copy_small
from warehouse.db import connect
from warehouse.refresh import read_status, refresh

KPIS = ["N01951", "N01954", "N01955", "N03920"]


def _mirror_with_regions(shared, tmp_path, replace: tuple[str, str]):
    """A mirror that links the real Kolada and SCB folders and edits one code in the
    (temporary, never committed) copy of SCB's kommun table."""
    mirror = tmp_path / "mirror"
    (mirror / "regions").mkdir(parents=True)
    for folder in ("kolada_v3", "scb_v2"):
        (mirror / folder).symlink_to(shared / folder)
    text = (shared / "regions/scb_kommunkopplingar_2025.csv").read_text("utf-8")
    old, new = replace
    assert text.count(f",{old},") == 1
    (mirror / "regions/scb_kommunkopplingar_2025.csv").write_text(
        text.replace(f",{old},", f",{new},"), "utf-8")
    return mirror


def test_heby_under_its_old_code_1917_lands_on_0331(shared, small_base, tmp_path):
    # on a private copy of the session's small warehouse (the real mirror, four KPIs), only
    # SCB's part (its tables and the kommun table) is fetched again: Kolada's raw files are
    # the ones a full refresh of the same four KPIs fetches, and the build reads them all
    raw, target = copy_small(small_base, tmp_path / "small")
    mirror = _mirror_with_regions(shared, tmp_path, ("0331", "1917"))
    result = refresh(mirror, raw=raw, target=target, kpis=KPIS, sources={"scb"},
                     progress=lambda _: None,
                     clock=FakeClock())
    assert result.built, result.build_message
    con = connect(target)
    la = con.execute("select area_id from marts.area_member where kommun_code = '0331' "
                     "and area_id like 'la:%'").fetchall()
    con.close()
    assert la == [("la:LA2301",)]  # Heby is in the Stockholm LA per SCB's 2025 table


def test_an_unknown_kommun_code_stops_the_build_and_keeps_the_old_file(shared, small_base,
                                                                      tmp_path):
    # the old file: a private copy of the session's small warehouse, refreshed from the real
    # mirror with the same four KPIs (what this test's own first refresh used to make)
    raw, target = copy_small(small_base, tmp_path / "small")
    assert read_status(target)["built"] and KPIS == SMALL_KPIS
    before = target.stat().st_mtime_ns, target.read_bytes()
    mirror = _mirror_with_regions(shared, tmp_path, ("0780", "0799"))
    result = refresh(mirror, raw=raw, target=target, kpis=KPIS, sources={"scb"},
                     progress=lambda _: None,
                     clock=FakeClock())
    assert not result.built
    assert "0799" in result.build_message and "kommun_changes.csv" in result.build_message
    assert (target.stat().st_mtime_ns, target.read_bytes()) == before
