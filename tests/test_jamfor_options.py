"""Jämför honours the view's monthly options and compares an area with its own län (stop 28,
fixf28). Before, Jämför read the mart's default options whatever ``alder=`` said (only Karta
honoured it, fixb28), and its default comparison added the chosen kommun's län even for an
area across län (Göteborgsregionen from Kungsbacka: Hallands län, where every other page
draws Västra Götalands län).

AppTest on the warehouse built from the mirror: TAB6260 holds Dalarna's 15 kommuner for
20–64 år only, so a 20–64 link shows the recorded values and a 16–24 link none."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_app import _decode, _shown
from tests.test_bas_views import _dalarna_rates
from tests.test_lan_comparison import GR, _gr_note, _shares


def _chart(at) -> dict:
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return spec


def _compared(at) -> list[str]:
    return next(w for w in at.multiselect if w.label == "Kommuner och områden").value


def test_an_age_link_compares_that_band_with_the_recorded_values(app_env, shared):
    """``?sida=jamfor&kommun=2081&alder=20-64`` (no indikator): SCB BAS in 20–64 år, the
    Ålder picker set, Borlänge's line at SCB's published April 2026 value, the band in the
    chart's subtitle and the ranking's heading; before, the page drew Kolada's N03920 and
    had no Ålder picker."""
    rates = _dalarna_rates(shared, "2026M04")
    at = _shown(sida="jamfor", kommun="2081", alder="20-64")
    assert not at.exception
    assert next(w for w in at.selectbox if w.label == "Ålder").value == "20-64"
    fig = _chart(at)
    title = fig["layout"]["title"]["text"]
    assert title.startswith("Arbetslöshet (SCB BAS)") and "20–64 år" in title
    borlange = next(t for t in fig["data"] if t.get("name") == "Borlänge")
    april = dict(zip(_decode(borlange["x"]), _decode(borlange["y"]), strict=True))
    assert next(v for x, v in april.items() if str(x).startswith("2026-04")) == \
        pytest.approx(rates["2081"])
    assert any(s.value.startswith("Alla kommuner rangordnade, april 2026, 20–64 år")
               for s in at.header)
    assert dict(at.query_params)["alder"] == "20-64"  # the URL keeps the whole state


def test_a_youth_link_says_the_band_and_shows_no_other_band_s_values(app_env, shared):
    """``alder=16-24`` on SCB BAS: the mirror has no 16–19 or 20–24 rows, so no line and no
    ranked value; the page says 16–24 år where it drew the 20–64 values before."""
    at = _shown(sida="jamfor", kommun="2081", indikator="bas_arbetsloshet", alder="16-24")
    assert not at.exception
    assert not at.get("plotly_chart")  # no line has a value in 16–24 år
    assert any(s.value.startswith("Alla kommuner rangordnade, april 2026, 16–24 år (unga)")
               for s in at.header)
    assert any("16–24 år (unga)" in i.value and "inga sådana värden" in i.value
               for i in at.info)
    assert dict(at.query_params)["alder"] == "16-24"


def test_the_ranking_download_says_the_band_it_ranks(app_env, warehouse, shared):
    """The ranking's rows read with the page's options: 16–24 år has no kommun value and
    every row's ålder says 16–24; the default band has the 15 recorded values."""
    from exports.tables import csv_bytes
    from ui.pages.jamfor import ranking_export, ranking_table
    from warehouse import queries

    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    riket = queries.area(warehouse, "riket")
    youth = {"age": "16-24"}
    table = ranking_table(ind, "2026-04", "T", [], [riket], youth)
    assert table["value"].isna().all()
    rows = list(csv.DictReader(io.StringIO(csv_bytes(ranking_export(
        table, ind, "2026-04", "T", None, [riket], dims=youth)).decode("utf-8-sig")),
        delimiter=";"))
    assert len(rows) == 291 and {r["ålder"] for r in rows} == {"16–24 år (unga)"}
    default = ranking_table(ind, "2026-04", "T", [], [riket])
    valued = default.dropna(subset=["value"])
    rates = _dalarna_rates(shared, "2026M04")
    borlange = valued.loc[valued["area_id"] == "kommun:2081", "value"].iloc[0]
    assert borlange == pytest.approx(rates["2081"])


def test_an_area_across_lan_is_compared_with_its_lans_not_the_kommuns(app_env, shared):
    """Göteborgsregionen chosen from Kungsbacka (Hallands län): Västra Götalands län, which
    holds most of its population 16–64 år (computed from the recorded Kolada values), as
    every other page draws it; a kommun keeps its own län."""
    _, by_lan = _shares(shared, GR)
    assert by_lan["14"] > 0.5 > by_lan["13"]
    at = _shown(sida="jamfor", kommun="1384", omrade="group:goteborgsregionen")
    assert not at.exception
    assert _compared(at) == ["group:goteborgsregionen", "lan:14", "riket"]
    assert _gr_note(shared) in [c.value for c in at.caption]  # and says why, as elsewhere
    at = _shown(sida="jamfor", kommun="1384")
    assert _compared(at) == ["kommun:1384", "lan:13", "riket"]


def test_the_age_picker_writes_the_url_and_keeps_the_indicator(app_env, shared):
    """Jämför's Ålder picker (Karta's, analysis.option_pickers): choosing the default band
    takes ``alder`` out of the URL and writes the indicator into it, so the page stays on
    SCB BAS with Borlänge's recorded values (the default indicator is Kolada's N03920)."""
    from tests.test_app import _app

    rates = _dalarna_rates(shared, "2026M04")
    at = _app(sida="jamfor", kommun="2081", alder="20-64").run()
    assert not at.exception
    next(w for w in at.selectbox if w.label == "Ålder").set_value("20-pension").run()
    assert not at.exception
    params = dict(at.query_params)
    assert "alder" not in params and params["indikator"] == "bas_arbetsloshet"
    fig = _chart(at)
    assert fig["layout"]["title"]["text"].startswith("Arbetslöshet (SCB BAS)")
    borlange = next(t for t in fig["data"] if t.get("name") == "Borlänge")
    values = dict(zip(_decode(borlange["x"]), _decode(borlange["y"]), strict=True))
    assert next(v for x, v in values.items() if str(x).startswith("2026-04")) == \
        pytest.approx(rates["2081"])
