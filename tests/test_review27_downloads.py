"""review27's download defects (fixd27): a chart's ``kod`` and ``metod`` come with each line
from the area it was made from, never from the area's name (a user's group named "Växjö",
"Riket" or "Falun" took over the kommun's or the reference row), and a kommun value we
computed says so (``is_computed``) instead of "kommunens värde från källan"."""

from __future__ import annotations

import csv
import io
import shutil

import duckdb
import pandas as pd
import pytest

from tests.offered import offered_tables
from tests.test_walk27b_fixes import _kolada

KOMMUN_OWN = "kommunens värde från källan"


def _offered(monkeypatch) -> dict:
    """Every table a page hands to a download menu, by the menu's key (tests/offered.py)."""
    return offered_tables(monkeypatch)


def _sheets(table) -> tuple[list[dict], list[dict]]:
    """The download's CSV rows and its workbook's sheet Data rows, as dicts of text/values."""
    from openpyxl import load_workbook

    from exports.tables import csv_bytes, xlsx_bytes

    rows = list(csv.DictReader(io.StringIO(csv_bytes(table).decode("utf-8-sig")),
                               delimiter=";"))
    sheet = load_workbook(io.BytesIO(xlsx_bytes(table)))["Data"]
    values = list(sheet.iter_rows(values_only=True))
    cells = [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    assert list(rows[0]) == list(values[0])
    return rows, cells


def _by_code(rows: list[dict], name: str, year) -> dict[str, dict]:
    return {r["kod"]: r for r in rows if r["område"] == name and str(r["år"]) == str(year)}


def test_a_group_named_like_its_member_keeps_the_kommun_row_s_code_and_method(
        app_env, monkeypatch):
    """review27 item 1: a group "Växjö" of 0780 and 0764 on Arbetslöshet gave the member
    row "Växjö" kod 'group:vaxjo' and the group's method. Each row now has its own: the
    member 0780 with Kolada's recorded value and "kommunens värde från källan", the group
    by its id with the weighted rule, Kronobergs län '07' and Riket '00'; CSV and Excel."""
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    at = _app(sida="arbetsloshet", flik="ar", kommun="0780", omrade="group:vaxjo",
              egnagrupper="vaxjo:0780.0764:Växjö").run()
    assert not at.exception
    table = offered["dl-N03920"]
    ind = table.indicators[0]
    rows, cells = _sheets(table)
    for shown in (rows, cells):
        vaxjo = _by_code(shown, "Växjö", 2022)
        assert set(vaxjo) == {"0780", "group:vaxjo"}, vaxjo
        assert vaxjo["0780"]["metod"] == KOMMUN_OWN
        assert vaxjo["group:vaxjo"]["metod"] == ind.area_method and "vägt med" in ind.area_method
        assert set(_by_code(shown, "Alvesta", 2022)) == {"0764"}
        assert _by_code(shown, "Alvesta", 2022)["0764"]["metod"] == KOMMUN_OWN
        assert set(_by_code(shown, "Kronobergs län", 2022)) == {"07"}
        assert set(_by_code(shown, "Riket", 2022)) == {"00"}
    recorded = _kolada("N03920", 2022)
    member = _by_code(rows, "Växjö", 2022)["0780"]
    assert member["värde"] == f"{recorded['0780']:.1f}".replace(".", ",")
    assert _by_code(cells, "Växjö", 2022)["0780"]["värde"] == round(recorded["0780"], 1)
    group = _by_code(rows, "Växjö", 2022)["group:vaxjo"]["värde"]
    assert group != member["värde"]  # the group's weighted value is its own row
    low, high = sorted([recorded["0780"], recorded["0764"]])
    assert low <= float(group.replace(",", ".")) <= high


@pytest.mark.parametrize(("name", "code"), [("Riket", "00"), ("Dalarnas län", "20")])
def test_a_group_named_like_a_reference_leaves_the_reference_its_code(app_env, monkeypatch,
                                                                       name, code):
    """review27 item 1: a group named "Riket" or "Dalarnas län" (Falun and Borlänge) took
    the reference row's kod ('group:…' on both rows) and method."""
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    at = _app(sida="arbetsloshet", flik="ar", kommun="2080", omrade="group:x",
              egnagrupper=f"x:2080.2081:{name}").run()
    assert not at.exception
    ind = offered["dl-N03920"].indicators[0]
    for shown in _sheets(offered["dl-N03920"]):
        same = _by_code(shown, name, 2022)
        assert set(same) == {code, "group:x"}, same
        assert same[code]["metod"] == same["group:x"]["metod"] == ind.area_method
        assert set(_by_code(shown, "Falun", 2022)) == {"2080"}
        assert _by_code(shown, "Falun", 2022)["2080"]["metod"] == KOMMUN_OWN
        assert set(_by_code(shown, "Riket" if code == "20" else "Dalarnas län", 2022)) == {
            "00" if code == "20" else "20"}


def test_jamfor_falun_beside_a_group_named_falun(app_env, monkeypatch):
    """review27 item 1: Jämför with Falun and a group called "Falun" (Borlänge and Gagnef)
    gave both rows the group's id; Falun's row keeps '2080', its recorded value and the
    kommun's own method."""
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    at = _app(sida="jamfor", kommun="2080", indikator="N03920",
              jamfor="kommun:2080,group:f", egnagrupper="f:2081.2026:Falun").run()
    assert not at.exception
    recorded = _kolada("N03920", 2022)
    for shown in _sheets(offered["dl-jamfor"]):
        falun = _by_code(shown, "Falun", 2022)
        assert set(falun) == {"2080", "group:f"}, falun
        assert falun["2080"]["metod"] == KOMMUN_OWN
        assert falun["group:f"]["metod"].startswith("beräknat från kommunerna, vägt med")
        assert set(_by_code(shown, "Riket", 2022)) == {"00"}
    rows = _sheets(offered["dl-jamfor"])[0]
    assert _by_code(rows, "Falun", 2022)["2080"]["värde"] == \
        f"{recorded['2080']:.1f}".replace(".", ",")


@pytest.fixture
def borlange_rate_unpublished(built, seeded_user_db, tmp_path, monkeypatch):
    """The session warehouse with SCB's own BAS rate of Borlänge, April 2026, removed (the
    counts kept): the month a kommun's value has to be computed from the source's counts.
    Streamlit's caches emptied before and after."""
    import streamlit as st

    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built["warehouse"], target)
    with duckdb.connect(str(target)) as con:
        con.execute("update marts.bas_kommun_monthly set unemployment_rate = null "
                    "where kommun_code = '2081' and period = date '2026-04-01' "
                    "and age_code = '20-64' and birth_region_code = 'tot' and sex = 'T'")
    shutil.copyfile(seeded_user_db, tmp_path / "user.duckdb")
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield target
    st.cache_data.clear()
    st.cache_resource.clear()


def _bas(shared, code: str, contents: str, month: str) -> float:
    from transforms import jsonstat

    df = jsonstat.decode((shared / "scb_v2" / "tables" / "TAB6260" / "data.json").read_bytes())
    hit = df[(df["Region"] == code) & (df["ContentsCode"] == contents) & (df["Tid"] == month)]
    return float(hit["value"].iloc[0])


def test_a_kommun_value_computed_from_counts_says_so(borlange_rate_unpublished, shared,
                                                     monkeypatch):
    """review27 item 2: ``metod`` said "kommunens värde från källan" for every kommun row,
    also where monthly_series computed it (is_computed). Borlänge's April 2026 without SCB's
    rate is 100 × arbetslösa / arbetskraften from the recorded counts, and says how; March
    is SCB's own rate."""
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    at = _app(kommun="2081").run()
    assert not at.exception
    ind = offered["dl-bas_arbetsloshet"].indicators[0]
    rows, cells = _sheets(offered["dl-bas_arbetsloshet"])
    said = ("kommunens värde beräknat från källans antal: summa arbetslösa / summa "
            "arbetskraften (sysselsatta och arbetslösa)")
    for shown in (rows, cells):
        mine = {r["månad"]: r for r in shown if r["kod"] == "2081"}
        assert mine["2026-04"]["metod"] == said
        assert mine["2026-03"]["metod"] == KOMMUN_OWN
    assert said == ind.kommun_method()
    computed = 100 * _bas(shared, "2081", "000004YH", "2026M04") / _bas(
        shared, "2081", "000006IU", "2026M04")
    april = next(r for r in rows if r["kod"] == "2081" and r["månad"] == "2026-04")
    assert april["värde"] == f"{computed:.1f}".replace(".", ",")
    march = next(r for r in rows if r["kod"] == "2081" and r["månad"] == "2026-03")
    assert march["värde"] == f"{_bas(shared, '2081', '000006II', '2026M03'):.1f}".replace(
        ".", ",")


def test_a_sum_of_the_source_s_bands_names_them(warehouse):
    """review27 item 2: BAS' "16–24 år" is 16–19 plus 20–24 (no published value: every
    kommun row is_computed); its ``metod`` names the two bands. The mirror holds 20–64 only,
    so the flag is set on Borlänge's recorded series here, as monthly_series sets it."""
    from transforms import monthly
    from transforms.catalogue import monthly_marts
    from transforms.export import series_frame
    from warehouse import queries

    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    borlange = queries.area(warehouse, "kommun:2081")
    series = queries.monthly_series(warehouse, ind, borlange, "T", {}).tail(2)
    assert not series["is_computed"].any()
    young = monthly.choose(monthly_marts()["bas"], {"age": "16-24"})
    table = series_frame([(borlange.name, series.assign(is_computed=True), borlange.area_id)],
                         ind, sex="Totalt", options=young)
    said = ("kommunens värde beräknat från källans grupper 16–19 år och 20–24 år: summa "
            "arbetslösa / summa arbetskraften (sysselsatta och arbetslösa)")
    assert set(table["metod"]) == {said}
    plain = series_frame([(borlange.name, series, borlange.area_id)], ind, sex="Totalt")
    assert set(plain["metod"]) == {KOMMUN_OWN} and set(plain["kod"]) == {"2081"}
    assert pd.Series(plain["värde"]).notna().all()


def test_a_shared_link_group_s_rows_carry_no_placeholder_code(app_env, monkeypatch):
    """walk27b: a group opened from a shared link (``grupp=…&medlemmar=…``) wrote its
    internal placeholder 'group:__delad__' as ``kod`` on every row and in "Om siffrorna". Its
    rows now have no code (it has none a reader could join on or link to), "Om siffrorna"
    says it is a group from a shared link and lists its members, and the members and
    references keep theirs."""
    from openpyxl import load_workbook

    from exports.tables import xlsx_bytes
    from tests.test_app import _app

    offered = _offered(monkeypatch)
    at = _app(sida="arbetsloshet", flik="ar", kommun="0780", grupp="Södra Kronoberg",
              medlemmar="0764,0763,0780").run()
    assert not at.exception
    table = offered["dl-N03920"]
    rows, cells = _sheets(table)
    for shown in (rows, cells):
        assert "group:__delad__" not in {str(r["kod"]) for r in shown}
        group = _by_code(shown, "Södra Kronoberg", 2022)
        assert set(group) in ({""}, {None}), group  # CSV: empty text; Excel: an empty cell
        assert set(_by_code(shown, "Tingsryd", 2022)) == {"0763"}
        assert set(_by_code(shown, "Kronobergs län", 2022)) == {"07"}
    about = {r[0]: r[1] for r in load_workbook(io.BytesIO(xlsx_bytes(table)))["Om siffrorna"]
             .iter_rows(values_only=True) if r and r[0]}
    assert about["Område"] == "Södra Kronoberg (grupp från en delad länk)"
    assert "Tingsryd (0763)" in " ".join(str(v) for v in about.values())
