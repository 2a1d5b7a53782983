"""Kolada's one parse (transforms/kolada_arrow.py) on real bodies of ../shared/data.

The refresh's client parses each data page once with pyarrow and checks it in columns; the
check may only refuse more than ``transforms.validate.kolada_rows`` (which then decides and
words the message), never accept what it refuses. The staged rows it keeps beside a body are
the build's JSON parse of that body, and are ignored (the JSON parsed) when stale or damaged.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
import pytest

from data_sources.snapshot import latest_snapshot
from transforms import kolada_arrow
from transforms.jsonio import json_loads
from transforms.kolada_arrow import check_pages, parse_page, read_rows, write_rows
from transforms.staging_kolada import _read_body, _read_file
from transforms.validate import InvalidBody, kolada_rows
from warehouse.fetch import gc_paused


def _known(shared) -> set[str]:
    body = json.loads((shared / "kolada_v3/municipality.json").read_bytes())
    return {row["id"] for row in body["values"]}


@pytest.fixture(scope="module")
def three(shared) -> dict:
    """N01961: every row has three values (T, K, M); 8120 rows, 24360 values."""
    return json.loads((shared / "kolada_v3/data/kpi/N01961.json").read_bytes())


@pytest.fixture(scope="module")
def few(three) -> dict:
    """N01961's first 300 rows (900 values): the cases below change rows 0-9 of a real body;
    the whole body (24 360 values) made each case ~1 s, the suite's time (issue 12 point 8)."""
    return dict(three, values=three["values"][:300])


def _data(body: dict) -> bytes:
    return json.dumps(body).encode()


def test_every_kpi_of_the_mirror_checks_and_stages_as_before(shared, tmp_path):
    """Every KPI: the column check counts what kolada_rows counts, and the page's rows are the
    build's own parse of the same bytes."""
    known = _known(shared)
    files = sorted((shared / "kolada_v3/data/kpi").glob("*.json"))
    assert len(files) == 66
    total = 0
    # the collector as in the refresh's client, which parses and checks Kolada's pages under
    # gc_paused (warehouse/fetch.py): the modules and frames alive before are not walked again
    # at each full pass over the 2 million dicts and lists parsed here (~1 s of CPU)
    with gc_paused():
        for path in files:
            data = path.read_bytes()
            page = parse_page(data)
            assert page is not None, path.name
            n = check_pages([page], kpi=path.stem, known_ids=known)
            # the body as the refresh's client hands it to kolada_rows (transforms.jsonio:
            # orjson, json.loads' semantics; ~0,5 s of CPU less than json.loads on 47 MB)
            assert n == kolada_rows(json_loads(data), kpi=path.stem, known_ids=known), path.name
            assert page.rows.equals(_read_file(path)), path.name
            total += n
    assert total == 512618  # the mirror's values (staging.kolada__values' rows)


def _verdicts(body: dict, known: set[str] | None = None, *, pages: int = 1
              ) -> tuple[int | str, int | None]:
    """(kolada_rows' count or message, the column check's count or None), ``body`` split into
    ``pages`` pages of one dataset."""
    entries = body["values"]
    step = -(-len(entries) // pages)
    parts = [dict(body, values=entries[i:i + step]) for i in range(0, len(entries), step)]
    seen: set = set()
    try:
        slow: int | str = sum(kolada_rows(p, kpi="N01961", known_ids=known, seen=seen)
                              for p in parts)
    except (InvalidBody, TypeError) as exc:
        slow = str(exc)
    parsed = [parse_page(_data(p)) for p in parts]
    fast = None if None in parsed else check_pages(parsed, kpi="N01961", known_ids=known)
    return slow, fast


def _change(three: dict, how) -> dict:
    # a deep copy through orjson: a parsed JSON body holds only what JSON holds, and this is
    # ~4x cheaper than copy.deepcopy on N01961's 24 360 values
    body = orjson.loads(orjson.dumps(three))
    how(body)
    return body


def _set(row: int, value: int, key: str, to: object):
    def how(body: dict) -> None:
        body["values"][row]["values"][value][key] = to
    return how


def _drop(row: int, value: int, key: str):
    def how(body: dict) -> None:
        del body["values"][row]["values"][value][key]
    return how


def _entry(row: int, key: str, to: object):
    def how(body: dict) -> None:
        body["values"][row][key] = to
    return how


def _both(*hows):
    def how(body: dict) -> None:
        for h in hows:
            h(body)
    return how


REFUSED = {  # kolada_rows refuses each: the column check must not accept any
    "a value without 'value'": _drop(5, 1, "value"),
    "a value without 'value', another status 'value'": _both(_drop(5, 1, "value"),
                                                             _set(9, 0, "status", "value")),
    "a value without 'value', a status ending '\"value'": _both(_drop(5, 1, "value"),
                                                               _set(9, 0, "status", 'x"value')),
    "a value without 'gender'": _drop(5, 1, "gender"),
    "an unknown gender": _set(2, 1, "gender", "X"),
    "a null gender": _set(2, 1, "gender", None),
    "the same gender twice": _set(4, 2, "gender", "T"),
    "a value as text": _set(0, 2, "value", "5,2"),
    "a value too big for a float": _set(0, 2, "value", 10**400),
    "a status as a number": _set(3, 0, "status", 0),
    "another KPI": _entry(7, "kpi", "N00221"),
    "a null KPI": _entry(7, "kpi", None),
    "a code as a number": _entry(7, "municipality", 180),
    "a code of three digits": _entry(7, "municipality", "180"),
    "an unknown code": _entry(7, "municipality", "0799"),
    "a year as a float": _entry(7, "period", 2020.0),
    "a year missing": lambda b: b["values"][7].pop("period"),
    "'values' null": _entry(7, "values", None),
    "'values' missing": lambda b: b["values"][7].pop("values"),
    "a row not an object": lambda b: b["values"].__setitem__(7, 5),
    "a row twice": lambda b: b["values"].append(copy.deepcopy(b["values"][3])),
    "a value not an object": lambda b: b["values"][7]["values"].__setitem__(0, None),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_kolada_rows_refuses_the_column_check_never_accepts(shared, few, name):
    slow, fast = _verdicts(_change(few, REFUSED[name]), _known(shared))
    assert isinstance(slow, str), f"kolada_rows accepted {name}"
    assert fast is None


def test_a_row_repeated_on_a_later_page_is_refused(shared, three):
    body = _change(three, lambda b: b["values"].append(copy.deepcopy(b["values"][3])))
    slow, fast = _verdicts(body, _known(shared), pages=3)
    assert slow.startswith("dubbla rader för N01961 ") and fast is None
    slow, fast = _verdicts(three, _known(shared), pages=3)
    assert slow == fast == 24360


ACCEPTED = {  # kolada_rows accepts each: the column check counts the same or leaves it to it
    "as recorded": lambda b: None,
    "a null value": _set(5, 1, "value", None),
    "an integer value": _set(5, 1, "value", 12),
    "no status": _drop(3, 0, "status"),
    "a null status": _set(3, 0, "status", None),
    "an empty row": _entry(7, "values", []),
    "a code the list gained": _entry(7, "municipality", "0799"),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_what_kolada_rows_accepts_is_counted_the_same(shared, few, name):
    known = _known(shared) | {"0799"}
    slow, fast = _verdicts(_change(few, ACCEPTED[name]), known)
    assert isinstance(slow, int)
    assert fast == slow


def test_a_field_pyarrow_was_not_told_of_goes_to_kolada_rows(three):
    """A field Kolada might add: kolada_rows ignores it; the column check leaves it to it."""
    body = _change(three, _set(5, 1, "note", "ny"))
    assert kolada_rows(json.loads(_data(body)), kpi="N01961") == 24360
    assert parse_page(_data(body)) is None
    assert parse_page(_data(three)) is not None


NULL_FIRST = [b"null", b" null\n", b"\xef\xbb\xbfnull", b'null\n{"values": []}',
              b"\n" * 70_000 + b"null"]


def test_a_body_whose_first_value_is_null_is_not_given_to_pyarrow(tmp_path):
    """pyarrow's JSON reader (26.0) ends the process with a segmentation fault on these (the
    refresh died with it, review at stop 21): neither parser may hand them to it. In a child
    process, so that a crash fails this test and not the test run."""
    import subprocess
    import sys

    files = []
    for n, data in enumerate(NULL_FIRST):
        files.append(tmp_path / f"body{n}.json")
        files[-1].write_bytes(data)
    code = ("import sys; from pathlib import Path\n"
            "from transforms.kolada_arrow import parse_page\n"
            "from transforms.staging_kolada import _read_file\n"
            "for name in sys.argv[1:]:\n"
            "    p = Path(name)\n"
            "    print(parse_page(p.read_bytes()), _read_file(p))\n")
    done = subprocess.run([sys.executable, "-c", code, *map(str, files)], capture_output=True,
                          text=True, timeout=120, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["None None"] * len(NULL_FIRST)


def test_bytes_that_are_not_one_page_are_not_parsed(three):
    data = _data(three)
    for bad in (b"", b"   ", data[:-1], data + data, b"<html>fel</html>", b"[]",
                data.replace(b'"status": ""', b'"status": "\xe5"', 1)):
        assert parse_page(bad) is None


@pytest.fixture
def body(shared, tmp_path) -> tuple[Path, kolada_arrow.Page]:
    """A real body (N00221) in a snapshot folder, with its rows kept beside it."""
    path = tmp_path / "response-0001.json"
    path.write_bytes((shared / "kolada_v3/data/kpi/N00221.json").read_bytes())
    page = parse_page(path.read_bytes())
    write_rows(path, page)
    return path, page


def test_kept_rows_are_read_back_as_the_json_parse(body):
    path, page = body
    [kept] = list(path.parent.glob("response-0001.rows-*.arrow"))
    assert kept == kolada_arrow.rows_path(path, page.sha256)
    rows = read_rows(path)
    assert rows is not None and rows.num_rows == 7540
    assert rows.equals(_read_file(path)) and _read_body(path).equals(rows)


def test_rows_of_a_changed_body_are_not_read(body, three):
    path, _ = body
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"N00221"', b'"N00222"'))  # same size, other bytes
    assert read_rows(path) is None
    staged = _read_body(path)  # the JSON as it is now
    assert set(staged.column("kpi").to_pylist()) == {"N00222"}


@pytest.mark.parametrize("damage", ["a byte changed", "cut short", "empty", "another key"])
def test_damaged_rows_are_ignored_and_the_json_parsed(body, damage):
    path, page = body
    kept = kolada_arrow.rows_path(path, page.sha256)
    data = bytearray(kept.read_bytes())
    if damage == "a byte changed":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut short":
        data = data[:-100]
    elif damage == "empty":
        data = bytearray()
    else:  # rows of another body's key, under this body's name: digest fine, key not
        other = parse_page(path.read_bytes().replace(b'"N00221"', b'"N00222"'))
        write_rows(path, other)
        data = bytearray(kolada_arrow.rows_path(path, other.sha256).read_bytes())
    kept.write_bytes(bytes(data))
    assert read_rows(path) is None
    assert _read_body(path).equals(_read_file(path))


def test_rows_of_other_parser_code_are_not_found(body, monkeypatch):
    path, _ = body
    assert read_rows(path) is not None
    monkeypatch.setattr(kolada_arrow, "PARSER", b"\x00" * 32)  # as after a code change
    assert read_rows(path) is None


def test_a_refresh_keeps_each_checked_bodys_rows(built):
    """The refresh of the test run: every committed data body has its rows beside it, the
    same table as the build's JSON parse."""
    raw = built["raw"]
    datasets = sorted(d.name for d in (raw / "kolada").glob("data__*"))
    assert len(datasets) == 66
    for dataset in datasets:
        for path in latest_snapshot(raw, "kolada", dataset).files:
            rows = read_rows(path)
            assert rows is not None, path
            assert rows.equals(_read_file(path)), path
