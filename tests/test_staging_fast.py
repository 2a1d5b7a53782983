"""Kolada bodies staged in one pass (transforms.staging_kolada.stage_values_fast) equal
the reference stage_values + the build's own-KPI filter on every KPI of the real mirror, and
anything the reference would stage differently or refuse goes back to it (None)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data_sources.snapshot import complete_snapshots
from transforms.catalogue import indicator_ids
from transforms.jsonio import json_loads
from transforms.staging_kolada import stage_values, stage_values_fast
from warehouse.fetch import gc_paused


def _reference_per_file(files, bodies):
    frames = []
    for (kpi_id, _, snapshot), body in zip(files, bodies, strict=True):
        staged = stage_values([body])
        frames.append(staged[staged["kpi_id"] == kpi_id].assign(snapshot=snapshot))
    return pd.concat(frames, ignore_index=True)


def _reference(files, chunk_bytes=16_000_000):
    """stage_values of each file + the build's filter to the file's own KPI, the files' frames
    one after the other. When no key (KPI, kommun, year, gender) repeats in a run of files,
    each file's drop of repeated keys drops nothing, so ONE stage_values over the run's bodies
    is their frames in the same order, and the filter a column compare (each value's own KPI
    by its file): ~1 s of CPU less on the mirror than 137 calls. Otherwise file by file, as
    before. Runs of about ``chunk_bytes`` of JSON (the mirror's 47 MB at once held ~200 MB
    more). Parsed and staged with the collector as in the refresh's client (``gc_paused``:
    the objects alive before are not walked at each pass; ~0.6 s less)."""
    runs, size = [[]], 0
    for file in files:
        if runs[-1] and size >= chunk_bytes:
            runs.append([])
            size = 0
        runs[-1].append(file)
        size += file[1].stat().st_size
    with gc_paused():
        frames = [_reference_of(run, [json_loads(p.read_bytes()) for _, p, _ in run])
                  for run in runs]
    return pd.concat(frames, ignore_index=True)


def _reference_of(files, bodies):
    if not bodies:
        return _reference_per_file(files, bodies)
    try:
        counts = [sum(len(e.get("values") or []) for e in body["values"]) for body in bodies]
    except (AttributeError, KeyError, TypeError):  # not a Kolada body: stage_values says why
        return _reference_per_file(files, bodies)
    staged = stage_values(bodies)
    if len(staged) != sum(counts):  # a repeated key: stage_values kept the last of them
        return _reference_per_file(files, bodies)
    own = np.repeat(np.array([k for k, _, _ in files], dtype=object), counts)
    snapshots = np.repeat(np.array([s for _, _, s in files], dtype=object), counts)
    keep = (staged["kpi_id"] == pd.array(own, dtype=staged["kpi_id"].dtype)).to_numpy(
        dtype=bool, na_value=False)
    return staged[keep].assign(snapshot=pd.Series(snapshots[keep], index=staged.index[keep],
                                                  dtype=str)).reset_index(drop=True)


def test_fast_staging_equals_stage_values_on_every_kpi_of_the_mirror(built):
    files = []
    for kpi_id in indicator_ids():
        snaps = complete_snapshots(built["raw"], "kolada", f"data__{kpi_id}")
        if snaps:
            files += [(kpi_id, p, snaps[0].folder.name) for p in snaps[0].files]
    assert len({k for k, _, _ in files}) >= 60
    fast = stage_values_fast(files)
    assert fast is not None
    ref = _reference(files)
    assert len(fast) > 500_000
    pd.testing.assert_frame_equal(fast, ref, check_exact=True)
    # a real value: Göteborg's population 2022 (N01951), as Kolada delivered it
    row = fast[(fast["kpi_id"] == "N01951") & (fast["municipality_id"] == "1480")
               & (fast["year"] == 2022) & (fast["gender"] == "T")]
    assert len(row) == 1 and row["value"].iloc[0] > 500_000


def _body(values):
    return {"count": len(values), "values": values}


def _entry(muni="0180", period=2020, **value):
    return {"kpi": "N00001", "municipality": muni, "period": period,
            "values": [{"gender": "T", "value": 1.5, "status": None, "count": 1} | value]}


@pytest.mark.parametrize("body, why", [
    (_body([_entry(value="abc")]), "a string value (stage_values makes it null)"),
    (_body([_entry(muni="180")]), "a 3-digit id (stage_values refuses it)"),
    (_body([_entry(), _entry()]), "a duplicate (stage_values keeps the last)"),
    (_body([_entry(status=" M")]), "a status with a blank (stage_values strips it)"),
    ({"count": 0}, "no list 'values' (stage_values fails)"),
    (_body([_entry(value=float("nan"))]), "NaN (Python's json reads it; not a value)"),
    (_body([_entry(value=True)]), "a boolean value (stage_values makes it 1.0)"),
    (_body([_entry(period="2020")]), "a period as a string (stage_values converts it)"),
    (_body([_entry(period=2020.5)]), "a period with decimals"),
    (_body([_entry(count=1.5)]), "a count with decimals (stage_values makes it null)"),
    (_body([_entry(muni=180)]), "an id as a number"),
    (_body([_entry(gender=None)]), "no gender"),
    (_body([_entry(status="M\u00a0")]), "a status ending in a no-break space (str.strip's)"),
    ([_entry()], "a list, not an object (stage_values fails)"),
])
def test_hand_made_bodies_it_cannot_stage_exactly_go_back_to_the_reference(tmp_path, body, why):
    path = tmp_path / "response-0001.json"
    path.write_text(json.dumps(body))
    assert stage_values_fast([("N00001", path, "s1")]) is None, why


def test_hand_made_body_it_can_stage_equals_the_reference(tmp_path):
    path = tmp_path / "response-0001.json"
    path.write_text(json.dumps(_body([_entry(), _entry(muni="0181", value=None, status="M"),
                                      _entry(muni="0182", period=2021, value=7)])))
    files = [("N00001", path, "s1")]
    fast = stage_values_fast(files)
    pd.testing.assert_frame_equal(fast, _reference(files), check_exact=True)
    assert fast["status"].isna().tolist() == [True, False, True]


def test_files_read_in_batches_equal_the_reference_and_a_batch_without_statuses(tmp_path,
                                                                                 monkeypatch):
    """Hand-made: every file its own batch; the second has no status and no count at all (its
    columns' types cannot be detected there): still the reference frame."""
    import transforms.staging_kolada as staging

    monkeypatch.setattr(staging, "BATCH_BYTES", 1)
    first, second = tmp_path / "response-0001.json", tmp_path / "response-0002.json"
    first.write_text(json.dumps(_body([_entry(status="M", value=None), _entry(muni="0181")])))
    second.write_text(json.dumps(_body([_entry(muni="0182", status=None, count=None),
                                        _entry(muni="0183", period=2021, value=7,
                                               count=None)])))
    files = [("N00001", first, "s1"), ("N00001", second, "s2")]
    assert len(staging._batches(files)) == 2
    fast = stage_values_fast(files)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, _reference(files), check_exact=True)
    assert fast["status"].tolist()[:1] == ["M"] and fast["count"].isna().tolist()[2:] == [True,
                                                                                        True]


def test_another_kpis_repeated_row_in_a_body_is_left_out_like_the_reference(tmp_path):
    """Hand-made: a body of N00001 also holding one row of N00002 twice (stage_values keeps the
    last; the build's filter drops both): staged as the reference stages it file by file."""
    path = tmp_path / "response-0001.json"
    other = _entry(muni="0181") | {"kpi": "N00002"}
    path.write_text(json.dumps(_body([_entry(), other, other, _entry(muni="0182")])))
    files = [("N00001", path, "s1")]
    fast = stage_values_fast(files)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, _reference(files), check_exact=True)
    assert fast["municipality_id"].tolist() == ["0180", "0182"]


def test_the_staged_table_is_written_by_one_duckdb_thread(built, tmp_path):
    """The table written from the Arrow rows by one thread (stop 27: by two it cost ~50 %
    more CPU and held ~25-40 MiB more, the build's highest step then); the connection's own
    setting back afterwards, and the rows those of the reference, on real bodies (N01951)."""
    import duckdb

    from transforms.staging_kolada import stage_values_into, staged_frame

    snap = complete_snapshots(built["raw"], "kolada", "data__N01951")[0]
    files = [("N01951", p, snap.folder.name) for p in snap.files]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set threads = 2")
    seen = []

    class Watched:  # the connection, noting DuckDB's threads whenever the table is written
        def __getattr__(self, name):
            return getattr(con, name)

        def execute(self, sql, *args):
            if sql.lstrip().startswith(("create table", "insert into")):
                seen.append(con.execute("select current_setting('threads')").fetchall()[0][0])
            return con.execute(sql, *args)

    assert stage_values_into(Watched(), files, "main.staged")
    assert seen == [1]
    assert con.execute("select current_setting('threads')").fetchall()[0][0] == 2
    fast = staged_frame(con.sql("select * from main.staged").to_arrow_table())
    pd.testing.assert_frame_equal(fast, _reference(files), check_exact=True)
    assert len(fast) > 10_000
    goteborg = fast[(fast["municipality_id"] == "1480") & (fast["year"] == 2022)
                    & (fast["gender"] == "T")]
    assert len(goteborg) == 1 and goteborg["value"].iloc[0] > 500_000
