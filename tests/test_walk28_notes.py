"""Walk28 point 1: Jämför and Karta say a monthly indicator's notes as Arbetslöshet does (SCB's
noise, the age band that stood in, SCB's revision), on screen and in the figure an image is
made of. A warehouse refreshed from TAB6260's publication of 2026-04-30, then from the newest
(SCB revised 2020M01–2026M02 on 2026-05-28); numbers read again from the recorded bodies."""

from __future__ import annotations

import json
import math

import pytest

from data_sources.http import FakeClock
from exports.images import FORMATS, sized
from tests.conftest import ROOT
from tests.scb_recorded import BAS_DATA, VINTAGES, bas_mirror
from tests.test_revisions import _cells
from transforms.catalogue import monthly_marts
from warehouse.refresh import refresh

AVESTA = "2084"
RATE = "000006II"
COMPARED = "kommun:2084,kommun:2085,kommun:2080,kommun:2081,lan:20"  # as walk28 compared


def _changed(month: str | None = None) -> list[tuple[str, str, str]]:
    """The rate's cells the newest publication changed (``month``: 'YYYYMmm' only)."""
    old, new = _cells(VINTAGES / "2026-04-30" / "data.json"), _cells(BAS_DATA)
    return [k for k in new if k[1] == RATE and k in old and not math.isnan(old[k])
            and not math.isnan(new[k]) and old[k] != new[k] and (month in (None, k[2]))]


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    base = tmp_path_factory.mktemp("walk28-notes")
    raw, target = base / "raw", base / "warehouse.duckdb"
    for n, vintage in enumerate(["2026-04-30", None]):
        result = refresh(bas_mirror(base, vintage), raw=raw, target=target, kpis=["N01951"],
                         sources=None if n == 0 else {"scb"}, progress=lambda _: None,
                         clock=FakeClock())
        assert result.built, result.build_message
    return target


@pytest.fixture
def page(revised, app_env, monkeypatch):
    """AppTest on the revised warehouse (its cached connection dropped afterwards, as
    tests/test_revisions.py does)."""
    import gc

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WAREHOUSE_PATH", str(revised))

    def run(**params: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        return at

    yield run
    st.cache_resource.clear()
    gc.collect()


def _plain(text: str) -> str:
    return " ".join(text.replace("<br>", " ").replace("\u00a0", " ").replace("**", "").split())


def _footer(at) -> str:
    return _plain(next(c.value for c in at.caption if "TAB6260" in c.value))


def _image_source(at) -> str:
    """The source line of the figure as handed to kaleido for the 16:9 PNG."""
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    layout = sized(spec, FORMATS["png169"])["layout"]
    return _plain(next(a["text"] for a in layout["annotations"] if "Källa" in a["text"]))


NOISE = " ".join(monthly_marts()["bas"]["note"].split())


def test_jamfor_says_the_bas_notes_on_screen_and_in_the_png(page):
    changed = _changed()
    old, new = _cells(VINTAGES / "2026-04-30" / "data.json"), _cells(BAS_DATA)
    cell = (AVESTA, RATE, "2021M04")
    assert (len(changed), old[cell], new[cell]) == (966, 8.8, 8.5)  # walk28's figures
    at = page(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet", jamfor=COMPARED)
    revised = (f"vid den senaste uppdateringen hade SCB ändrat {len(changed)} tidigare "
               f"publicerade månadsvärden för 15 kommuner (januari 2020 – februari 2026). "
               f"Till exempel Avesta april 2021: förut 8,8 %, nu 8,5 %.")
    band = ("SCB redovisar 20–65 år från januari 2023 och 20–66 år från januari 2026, "
            "eftersom pensionsåldern höjdes")
    for said in (_footer(at), _image_source(at)):
        assert NOISE in said  # Dalarnas län is computed from its kommuner
        assert band in said
        assert revised in said and "Diagrammet visar de nya siffrorna." in said


def test_karta_says_them_for_the_month_it_shows(page):
    at = page(sida="karta", kommun=AVESTA, indikator="bas_arbetsloshet")  # april 2026
    for said in (_footer(at), _image_source(at)):
        # the month's own band only; the whole revision, and that this month was not in it
        assert "SCB redovisar 20–66 år från januari 2026, eftersom" in said
        assert "20–65 år från januari 2023" not in said
        assert (f"Vid den senaste uppdateringen ändrade SCB {len(_changed())} tidigare "
                "publicerade månadsvärden för 15 kommuner (januari 2020 – februari 2026); "
                "april 2026 ändrades inte.") in said
        assert NOISE not in said  # kommuner's own values; Riket has none (15 of 290)
    at = page(sida="karta", kommun=AVESTA, indikator="bas_arbetsloshet", till="2021-04",
              lager="lan")
    n = len(_changed("2021M04"))
    assert n == 15
    for said in (_footer(at), _image_source(at)):
        assert NOISE in said  # Dalarnas län's value is a sum of its kommuner
        assert (f"hade SCB ändrat {n} tidigare publicerade månadsvärden för 15 kommuner "
                "(april 2021). Till exempel Avesta april 2021: förut 8,8 %, nu 8,5 %.") in said
        assert "Kartan visar de nya siffrorna." in said
        assert "SCB redovisar" not in said  # 2021 is 20–64 år in SCB's tables too


def test_karta_s_notes_are_those_of_the_option_it_shows(page, monkeypatch):
    """review28: the notes read the mart's default band, not the map's (fixb28's ``alder=``):
    with the default made 16–24, a 20–64 map of April 2021 lost its revision note."""
    age = monthly_marts()["bas"]["dimensions"]["age"]
    monkeypatch.setitem(age, "default", "16-24")
    at = page(sida="karta", kommun=AVESTA, indikator="bas_arbetsloshet", till="2021-04",
              alder="20-64")
    said = _footer(at)
    assert (f"ändrat {len(_changed('2021M04'))} tidigare publicerade månadsvärden för 15 "
            "kommuner (april 2021). Till exempel Avesta april 2021: förut 8,8 %, nu 8,5 %."
            ) in said
    assert "Kartan visar de nya siffrorna." in said


def test_the_deck_s_bas_slide_says_them_too(revised):
    """The meeting deck's slide for Dalarnas län (the same rule: monthly.chart_notes)."""
    from exports.deck import plan
    from warehouse import queries
    from warehouse.db import connect

    con = connect(revised, read_only=True)
    try:
        deck = plan(con, queries.area(con, "lan:20"), ["bas_arbetsloshet"], 2020, 2026)
    finally:
        con.close()
    [slide] = deck.slides
    said = _plain(" ".join(slide.flags))
    assert NOISE in said
    assert (f"hade SCB ändrat {len(_changed())} tidigare publicerade månadsvärden för 15 "
            "kommuner (januari 2020 – februari 2026)") in said
    assert "SCB redovisar 20–65 år från januari 2023 och 20–66 år från januari 2026" in said
