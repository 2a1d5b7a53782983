"""Karta honours the monthly options of the view (stop 28, found by fixa28): ``alder=`` in
a link and the page's own Ålder picker. Before, the map always read the mart's default
options, so a youth (16–24) map could be opened neither by a link nor by a control.

AppTest on the warehouse built from the mirror. The mirror's TAB6260 holds Dalarna's 15
kommuner for 20–64 år only (asserted below): a 20–64 link shows the recorded values, a 16–24
link a map that says it has none, never the 20–64 values under a 16–24 title.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.test_analysis_pages import _map, _values
from tests.test_app import _app, _figures, _shown
from tests.test_bas_views import _dalarna_rates


def _recorded_ages(shared) -> list[str]:
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    return list(body["dimension"]["Alder"]["category"]["index"])


def test_an_age_link_opens_the_bas_map_of_that_band_with_the_recorded_values(app_env, shared):
    """``?sida=karta&omrade=lan:20&alder=20-64`` (no indikator): the age band asks for SCB
    BAS, and the map shows each Dalarna kommun's recorded arbetslöshet for April 2026 in
    20–64 år; before, the link drew Kolada's N03920 for 2022 and ignored the band."""
    rates = _dalarna_rates(shared, "2026M04")
    at = _shown(sida="karta", kommun="2081", omrade="lan:20", alder="20-64")
    assert not at.exception
    fig = _map(at)
    assert fig["layout"]["title"]["text"] == (
        "Arbetslöshet (SCB BAS)<br><sup>Kommuner, Dalarnas län, april 2026, totalt, 20–64 år, "
        "alla (inrikes och utrikes födda)</sup>")
    shown = {k.removeprefix("kommun:"): v for k, v in _values(fig["data"][0]).items()}
    assert shown == pytest.approx(rates)
    assert shown["2081"] == pytest.approx(rates["2081"])  # Borlänge, as SCB published it
    assert dict(at.query_params)["alder"] == "20-64"  # the link keeps its whole state
    assert next(w for w in at.selectbox if w.label == "Ålder").value == "20-64"
    assert any(c.value.startswith("Värdena gäller 20–64 år") for c in at.caption)


@pytest.mark.parametrize("extra", [{}, {"indikator": "bas_arbetsloshet"}])
def test_a_youth_link_shows_the_youth_map_not_the_default_band(app_env, shared, extra):
    """``?sida=karta&alder=16-24`` (with or without the indicator): the map, its subtitle
    and the download's name say 16–24 år (unga); the mirror has no 16–19 or 20–24 rows, so no
    kommun has a value and the page says so, where it drew the 20–64 values before."""
    assert "16-19" not in _recorded_ages(shared) and "20-24" not in _recorded_ages(shared)
    at = _shown(sida="karta", kommun="2081", alder="16-24", **extra)
    assert not at.exception
    fig = _map(at)
    assert "16–24 år (unga)" in fig["layout"]["title"]["text"]
    assert fig["layout"]["title"]["text"].startswith("Arbetslöshet (SCB BAS)<br>")
    assert all(math.isnan(v) for v in _values(fig["data"][0]).values())  # no value
    assert any("16–24 år (unga)" in i.value and "inga sådana värden" in i.value
               for i in at.info)
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert "16–24 år (unga)" in config["toImageButtonOptions"]["filename"]
    assert dict(at.query_params)["alder"] == "16-24"


def test_the_age_picker_is_bound_to_the_url(app_env, shared):
    """The page's own Ålder picker (the mirror's data offer one band, 20 år –
    pensionsåldern, and a link's own choice beside it): choosing the default takes ``alder``
    out of the URL and keeps the indicator there, so the view stays on SCB BAS (the default
    indicator would be Kolada's N03920) with the recorded values."""
    rates = _dalarna_rates(shared, "2026M04")
    at = _app(sida="karta", kommun="2081", alder="20-64").run()
    assert not at.exception
    picker = next(w for w in at.selectbox if w.label == "Ålder")
    assert picker.value == "20-64"
    picker.set_value("20-pension").run()
    assert not at.exception
    params = dict(at.query_params)
    assert "alder" not in params and params["indikator"] == "bas_arbetsloshet"
    # the band offered once: SCB's 20–64 is what the series holds in the mirror
    assert next(w for w in at.selectbox if w.label == "Ålder").options == [
        "20 år – pensionsåldern (20–64)"]
    fig = next(f for f in _figures(at) if f["data"][0]["type"] == "choropleth")
    assert fig["layout"]["title"]["text"].startswith("Arbetslöshet (SCB BAS)<br>")
    shown = {k.removeprefix("kommun:"): v for k, v in _values(fig["data"][0]).items()
             if not math.isnan(v)}
    assert shown == pytest.approx(rates)


def test_a_bad_age_is_refused_with_the_usual_notice(app_env):
    """``alder=99-99``: the frame's notice names it, and the map is the page's default."""
    at = _shown(sida="karta", kommun="2081", alder="99-99")
    assert not at.exception
    assert any("Åldersgruppen i länken känns inte igen" in w.value and "alder=99" in w.value
               for w in at.warning)
    assert "alder" not in dict(at.query_params)
    assert _map(at)["layout"]["title"]["text"].startswith("Arbetslöshet 18–64 år")


def test_the_youth_map_s_download_names_the_band_and_how_it_was_made(warehouse):
    """The map's numbers for 16–24 år: every row's ålder says the band, and metod that a
    kommun's value would be computed from SCB's 16–19 and 20–24 bands (map_kommun_values
    with the options, not the mart's default)."""
    from transforms import monthly
    from transforms.export import summed_parts
    from ui import analysis
    from ui.pages.karta import map_table
    from warehouse import queries

    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    dims = {"age": "16-24"}
    values = queries.map_kommun_values(warehouse, ind, "2026-04", "T", dims)
    assert values["value"].isna().all() and values["is_computed"].all()
    default = queries.map_kommun_values(warehouse, ind, "2026-04", "T")
    assert default["value"].notna().sum() == 15 and not default["is_computed"].any()
    choices = analysis.default_options(ind, dims)
    shown = analysis.with_places(values.assign(area_id="kommun:" + values["kommun_code"],
                                               area_name=values["kommun_name"]), ind.better)
    table = map_table(shown, ind, "T", options=monthly.option_cells(choices),
                      parts=summed_parts(choices))
    assert set(table["ålder"]) == {"16–24 år (unga)"}
    # no youth values in the mirror: no row claims a method (review28); the words a
    # computed 16–24 row would carry are those of row_method with the summed parts
    assert set(table["metod"]) == {""}
    from transforms.export import row_method

    assert row_method(ind, "kommun:2080", computed=True, parts=summed_parts(choices)) == (
        "kommunens värde beräknat från källans grupper 16–19 år och 20–24 år: summa "
        "arbetslösa / summa arbetskraften (sysselsatta och arbetslösa)")
    lan = queries.area_values(warehouse, ind, "lan", "2026-04", "T", dims)
    assert lan["value"].isna().all()  # Dalarnas län too: no youth counts in the mirror
    assert queries.area_values(warehouse, ind, "lan", "2026-04", "T").set_index(
        "area_id").loc["lan:20", "value"] > 0
