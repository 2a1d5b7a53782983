"""Reading Arbetsförmedlingen's files in the documented layout, on hand-made workbooks.

Every failure must name the file, the sheet or cache, and the field expected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.af_workbooks import (
    andel_workbook,
    file_names,
    scenario,
    sok_workbook,
)
from transforms.staging_af import (
    AfLayoutError,
    file_month,
    parse_period,
    read_andel_av_bas,
    read_sok_lan_kom,
)

ANDEL, SOK = file_names("2026-08")


@pytest.fixture(scope="module")
def sc():
    """A hand-made population of 2026-07 and 2026-08 (all 290 kommuner, real names)."""
    return scenario()


@pytest.fixture
def andel(tmp_path, sc):
    return andel_workbook(tmp_path / ANDEL, sc)


@pytest.fixture
def sok(tmp_path, sc):
    return sok_workbook(tmp_path / SOK, sc)


def test_andel_av_bas_gives_every_group_per_kommun_and_month(andel, sc):
    read = read_andel_av_bas(andel, ANDEL)
    rows = read.rows
    assert len(rows) == 2 * 290 * 24
    vaxjo = rows[(rows["kommun_label"] == "Växjö") & (rows["period"] == "2026-08-01")]
    by_group = vaxjo.set_index("group_code")
    assert by_group.loc["TOT", "sok_count"] == sc.sok("2026-08", "0780", "TOT")
    assert by_group.loc["UNGK", "sok_count"] == sc.sok("2026-08", "0780", "UNGK")
    assert by_group.loc["TOT", "ak_count"] == sc.ak[("2026-08", "0780", "TOT")]
    assert (by_group["sok_masked_below"] == 0).all()
    assert read.age_bands == {"total": "16–64", "unga": "18–24", "aldre": "55–64"}


def test_a_second_copy_of_the_cache_is_not_a_conflict(tmp_path, sc):
    read = read_andel_av_bas(andel_workbook(tmp_path / ANDEL, sc, copies=2), ANDEL)
    assert read.cache_part == "xl/pivotCache/pivotCacheDefinition1.xml"
    assert len(read.rows) == 2 * 290 * 24


def test_the_age_band_is_read_from_the_heading_not_assumed(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, heading="Inskrivna arbetslösa 16–65 år, andel "
                          "av arbetskraften")
    assert read_andel_av_bas(path, ANDEL).age_bands["total"] == "16–65"


def test_a_heading_without_an_age_band_stops_the_read(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, heading="Inskrivna arbetslösa, andel")
    with pytest.raises(AfLayoutError, match=f"^{ANDEL}, bladen 'Antal' och 'Andel': inget "
                       "åldersintervall"):
        read_andel_av_bas(path, ANDEL)


def test_a_missing_sheet_names_the_sheet(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, sheets=("Antal", "Blad2"))
    with pytest.raises(AfLayoutError, match=f"^{ANDEL}, bladet 'Andel': bladet saknas "
                       r"\(filen har bladen Antal, Blad2\)"):
        read_andel_av_bas(path, ANDEL)


def test_a_renamed_field_names_the_cache_and_the_field(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, rename={"TOTAK": "TOTAK_BAS"})
    with pytest.raises(AfLayoutError) as err:
        read_andel_av_bas(path, ANDEL)
    assert str(err.value).startswith(f"{ANDEL}, pivotcache xl/pivotCache/pivotCacheDefinition1"
                                     ".xml: fältet TOTAK saknas (cachen har fälten PERIOD, LAN")
    assert "TOTAK_BAS" in str(err.value)


def test_a_missing_field_names_it(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, drop_fields=("KVISOK",))
    with pytest.raises(AfLayoutError, match="pivotCacheDefinition1.xml: fältet KVISOK saknas"):
        read_andel_av_bas(path, ANDEL)


def test_without_the_kommun_field_no_cache_is_found(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, rename={"KOM": "KOMMUN"})
    with pytest.raises(AfLayoutError, match=f"^{ANDEL}, pivotcacherna: ingen pivotcache har "
                       "fältet KOM"):
        read_andel_av_bas(path, ANDEL)


def test_under_5_is_a_flagged_lower_bound_never_0_or_5(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, masked={("2026-08", "0780", "UNGKSOK"): "<5"})
    rows = read_andel_av_bas(path, ANDEL).rows
    cell = rows[(rows["kommun_label"] == "Växjö") & (rows["period"] == "2026-08-01")
                & (rows["group_code"] == "UNGK")].iloc[0]
    assert np.isnan(cell["sok_count"]) and cell["sok_masked_below"] == 5
    assert (rows["sok_count"] == 0).sum() == 0


def test_other_text_in_a_count_stops_the_read(tmp_path, sc):
    path = andel_workbook(tmp_path / ANDEL, sc, masked={("2026-08", "0780", "TOTSOK"): ".."})
    with pytest.raises(AfLayoutError, match=r"fältet TOTSOK ska vara ett antal eller '<5', men "
                       r"har '\.\.'"):
        read_andel_av_bas(path, ANDEL)


def test_the_newest_period_must_be_the_files_month(tmp_path, sc):
    name = file_names("2026-09")[0]
    path = andel_workbook(tmp_path / name, sc)
    with pytest.raises(AfLayoutError, match="senaste PERIOD är 2026-08, men filnamnet säger "
                       "2026-09"):
        read_andel_av_bas(path, name)


def test_sok_lan_kom_reads_all_three_caches_with_the_unknown_rows(sok, sc):
    rows = read_sok_lan_kom(sok, SOK)
    assert set(rows["dimension"]) == {"ALDGR", "FODLGRP", "UTBILDNING"}
    month = rows[rows["period"] == "2026-08-01"]
    for dim in ("ALDGR", "FODLGRP", "UTBILDNING"):
        part = month[month["dimension"] == dim]
        assert part["insal_count"].sum() == sum(
            sum(p["age"]) for (m, _, _), p in sc.people.items() if m == "2026-08") + sum(
            sum(b["age"]) for m, _, _, b in sc.unknown if m == "2026-08")
    unknown = month[month["kommun_label"] == "Uppgift saknas"]
    assert set(unknown["lan_label"]) >= {"Uppgift saknas", "Kronobergs län"}
    assert rows["period"].cat.categories.dtype.kind == "M"  # months, 2 bytes a row


def test_sok_lan_kom_finds_caches_by_field_not_by_number(tmp_path, sc):
    path = sok_workbook(tmp_path / SOK, sc, order=("ALDGR", "UTBILDNING", "FODLGRP"))
    rows = read_sok_lan_kom(path, SOK)
    assert rows.groupby("dimension", observed=True)["insal_count"].sum().nunique() == 1


def test_a_missing_cache_names_the_dimension_and_the_fields(tmp_path, sc):
    path = sok_workbook(tmp_path / SOK, sc, drop_caches=("FODLGRP",))
    with pytest.raises(AfLayoutError, match=f"^{SOK}, pivotcacherna: ingen pivotcache har "
                       r"fältet FODLGRP \(väntade fälten PERIOD, KOEN, LAN, KOMMUN_BESKR, "
                       "FODLGRP, INSAL"):
        read_sok_lan_kom(path, SOK)


def test_a_renamed_count_field_in_sok_lan_kom(tmp_path, sc):
    path = sok_workbook(tmp_path / SOK, sc, rename={"INSAL": "ANTAL"})
    with pytest.raises(AfLayoutError, match=r"pivotcache xl/pivotCache/pivotCacheDefinition3"
                       r"\.xml: fältet INSAL saknas"):
        read_sok_lan_kom(path, SOK)


def test_a_truncated_file_names_the_file(tmp_path, sok):
    cut = tmp_path / "cut" / SOK
    cut.parent.mkdir()
    cut.write_bytes(sok.read_bytes()[:-5000])
    with pytest.raises(AfLayoutError, match=f"^{SOK}: trasig eller avkortad zip-fil"):
        read_sok_lan_kom(cut, SOK)


def test_an_html_error_page_names_the_file(tmp_path):
    page = tmp_path / ANDEL
    page.write_bytes(b"<!DOCTYPE html>\n<html><head><title>Fel</title></head></html>")
    with pytest.raises(AfLayoutError, match=f"^{ANDEL}: filen är en HTML-sida"):
        read_andel_av_bas(page, ANDEL)


def test_under_5_in_sok_lan_kom(tmp_path, sc):
    small = next((m, c, "ALDGR", a, s) for (m, c, s), p in sc.people.items()
                 for a, n in zip(["16-17 år"], p["age"][:1], strict=True) if 0 < n < 5)
    path = sok_workbook(tmp_path / SOK, sc, masked={small})
    rows = read_sok_lan_kom(path, SOK)
    masked = rows[rows["insal_masked_below"] > 0]
    assert len(masked) == 1 and np.isnan(masked["insal_count"].iloc[0])


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-08", pd.Timestamp("2026-08-01").date()), ("202608", pd.Timestamp("2026-08-01").date()),
    (202608.0, pd.Timestamp("2026-08-01").date()), ("2026M08", pd.Timestamp("2026-08-01").date()),
    ("2026-08-01T00:00:00", pd.Timestamp("2026-08-01").date()), ("2026-13", None), ("aug", None),
])
def test_period_spellings(value, expected):
    assert parse_period(value) == expected


def test_file_names_carry_the_month():
    assert file_month("web-sok-lan-kom-2026-08.xlsx", "web-sok-lan-kom") == "2026-08"
    with pytest.raises(AfLayoutError, match="filnamnet ska vara web-sok-lan-kom-ÅÅÅÅ-MM.xlsx"):
        file_month("web-sok-lan-kom-2026.xlsx", "web-sok-lan-kom")
