"""The streaming xlsx reader on hand-made workbooks, checked against openpyxl's own parser of
the same parts (an independent reading of the OOXML pivot-cache schema)."""

from __future__ import annotations

import math
import zipfile

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.pivot.cache import CacheDefinition
from openpyxl.pivot.record import RecordList
from openpyxl.xml.functions import fromstring

from tests.xlsx_handmade import Cache, write_workbook
from transforms.xlsx_stream import Workbook, XlsxError

# Hand-made records: shared text items, inline numbers, a '<5' text, a missing value.
FIELDS = ["PERIOD", "LAN", "KOM", "INSAL", "AK"]
RECORDS = [("2026-07", "Kronobergs län", "Växjö", 812, 45210.25),
           ("2026-08", "Kronobergs län", "Växjö", 790, 45300.5),
           ("2026-08", "Kronobergs län", "Uppgift saknas", "<5", None),
           ("2026-08", "Stockholms län", "Upplands Väsby", 1204, 27001.0)]


@pytest.fixture
def handmade(tmp_path):
    path = tmp_path / "handgjord.xlsx"
    sheets = {"Antal": [["Inskrivna arbetslösa 16-64 år (handgjord)"], [],
                        ["PERIOD", "2026-08"], ["Kommun", "Totalt", 3.5]],
              "Andel": [["Andel"]]}
    cache = Cache(FIELDS, RECORDS, shared={"PERIOD", "LAN", "KOM", "INSAL"},
                  calculated=["BERAKNAD"])
    return write_workbook(path, sheets=sheets, caches=[cache])


def _value(fv, i):
    if fv.codes[i] >= 0:
        return fv.categories[fv.codes[i]]
    return None if math.isnan(fv.numbers[i]) else float(fv.numbers[i])


def test_records_match_openpyxls_reading_of_the_same_cache(handmade):
    with zipfile.ZipFile(handmade) as z:
        definition = CacheDefinition.from_tree(
            fromstring(z.read("xl/pivotCache/pivotCacheDefinition1.xml")))
        records = RecordList.from_tree(fromstring(z.read("xl/pivotCache/pivotCacheRecords1.xml")))
    names = [f.name for f in definition.cacheFields]
    stored = [f for f in definition.cacheFields if f.databaseField is not False]
    expected = []
    for r in records.r:
        row = []
        for f, item in zip(stored, r._fields, strict=True):
            kind = type(item).__name__
            if kind == "Index":
                shared = f.sharedItems._fields[item.v]
                row.append(float(shared.v) if type(shared).__name__ == "Number" else shared.v)
            elif kind == "Missing":
                row.append(None)
            else:
                row.append(float(item.v) if kind == "Number" else item.v)
        expected.append(row)

    with Workbook(handmade) as wb:
        [cache] = wb.pivot_caches()
        assert cache.field_names == names == FIELDS + ["BERAKNAD"]
        assert not cache.field("BERAKNAD").in_records
        values = wb.read_records(cache, FIELDS)
    got = [[_value(values[f], i) for f in FIELDS] for i in range(len(RECORDS))]
    assert got == expected
    assert got[2] == ["2026-08", "Kronobergs län", "Uppgift saknas", "<5", None]
    assert got[0][4] == 45210.25


def test_sheet_rows_match_openpyxl(handmade):
    book = load_workbook(handmade)
    with Workbook(handmade) as wb:
        assert wb.sheet_names() == book.sheetnames == ["Antal", "Andel"]
        rows = wb.sheet_rows("Antal", max_rows=10)
    ws = book["Antal"]
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            assert ws.cell(r, c).value == value
    assert rows[0] == ["Inskrivna arbetslösa 16-64 år (handgjord)"]
    assert rows[3] == ["Kommun", "Totalt", 3.5]


def test_only_the_asked_rows_of_a_sheet_are_read(handmade):
    with Workbook(handmade) as wb:
        assert len(wb.sheet_rows("Antal", max_rows=1)) == 1


def test_a_namespace_prefix_on_the_records_is_read_the_same(handmade, tmp_path):
    path = tmp_path / "prefix.xlsx"
    with zipfile.ZipFile(handmade) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("pivotCacheRecords1.xml"):
                text = data.decode()
                text = text.replace('<pivotCacheRecords xmlns="', '<m:pivotCacheRecords xmlns:m="')
                text = text.replace("</pivotCacheRecords>", "</m:pivotCacheRecords>")
                for tag in ("r", "x", "n", "s", "m"):
                    text = text.replace(f"<{tag}>", f"<m:{tag}>").replace(f"<{tag} ", f"<m:{tag} ")
                    text = text.replace(f"<{tag}/>", f"<m:{tag}/>").replace(f"</{tag}>",
                                                                            f"</m:{tag}>")
                data = text.encode()
            dst.writestr(item, data)
    with Workbook(path) as wb:
        [cache] = wb.pivot_caches()
        values = wb.read_records(cache, ["KOM", "INSAL"])
    assert [_value(values["KOM"], i) for i in range(4)][1] == "Växjö"
    assert [_value(values["INSAL"], i) for i in range(4)] == [812.0, 790.0, "<5", 1204.0]


def test_a_truncated_zip_fails_naming_the_file(handmade, tmp_path):
    cut = tmp_path / "avkortad.xlsx"
    cut.write_bytes(handmade.read_bytes()[: handmade.stat().st_size // 2])
    with pytest.raises(XlsxError, match="avkortad.xlsx: trasig eller avkortad zip-fil"):
        Workbook(cut)


def test_an_html_error_page_is_not_a_workbook(tmp_path):
    page = tmp_path / "web-sok-lan-kom-2026-08.xlsx"
    page.write_text("<!DOCTYPE html><html><body>Sidan kunde inte hittas</body></html>")
    with pytest.raises(XlsxError, match="web-sok-lan-kom-2026-08.xlsx: filen är en HTML-sida"):
        Workbook(page)


def test_a_record_with_a_missing_value_fails_naming_the_part(tmp_path):
    path = write_workbook(tmp_path / "kort.xlsx", sheets={"A": [["x"]]}, caches=[
        Cache(["PERIOD", "INSAL"], [("2026-08", 1), ("2026-08",)], shared={"PERIOD"})])
    with Workbook(path) as wb:
        [cache] = wb.pivot_caches()
        with pytest.raises(XlsxError, match=r"pivotCacheRecords1.xml: sista raden har 1 värden"):
            wb.read_records(cache, ["INSAL"])


def test_an_index_past_the_shared_items_fails(handmade, tmp_path):
    path = tmp_path / "index.xlsx"
    with zipfile.ZipFile(handmade) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("pivotCacheRecords1.xml"):
                data = data.replace(b'<r><x v="0"/>', b'<r><x v="9"/>', 1)
            dst.writestr(item, data)
    with Workbook(path) as wb:
        [cache] = wb.pivot_caches()
        with pytest.raises(XlsxError, match="fältet PERIOD pekar på delat värde 9"):
            wb.read_records(cache, ["PERIOD"])


def test_a_cache_saved_without_records_says_so(tmp_path):
    path = write_workbook(tmp_path / "utan.xlsx", sheets={"A": [["x"]]}, caches=[
        Cache(["PERIOD"], [("2026-08",)], shared={"PERIOD"}, save_records=False)])
    with Workbook(path) as wb:
        [cache] = wb.pivot_caches()
        with pytest.raises(XlsxError, match="saknar sparade rader"):
            wb.read_records(cache, ["PERIOD"])


def test_numbers_and_codes_come_back_as_arrays(handmade):
    with Workbook(handmade) as wb:
        [cache] = wb.pivot_caches()
        values = wb.read_records(cache, ["INSAL"])["INSAL"]
    assert values.codes.dtype.kind == "i" and values.numbers.dtype == np.float64
    assert values.categories == ["<5"]
