"""Issue 9 point 1 and 6: the target-group pages on the warehouse built from the real mirror,
and the defects of Egna grupper, "Kommunerna i …" and Om data.

Numbers asserted come from the recorded Kolada and SCB responses in ../shared/data, read here
again (helpers shared with tests/test_app.py).
"""

from __future__ import annotations

import pytest

from tests.cards_shown import cards
from tests.test_app import (
    _app,
    _bas,
    _decode,
    _figure,
    _figures,
    _kolada,
    _percent,
    _shown,
    _widget,
)
from transforms.public_url import public_url
from transforms.ranking import place_of


def _number(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def test_oversikt_shows_key_figures_with_the_kommuns_place_and_the_good_end(app_env, shared):
    at = _shown(kommun="0780")
    assert not at.exception
    card = next(m for m in cards(at)
                if m.label.startswith("Arbetslöshet 18–64 år (18–65 från 2023), 2022"))
    assert card.value == "6,0\u00a0%"  # Växjö N03920 2022 = 5.97
    values = _kolada(shared, "N03920", 2022)
    import pandas as pd

    rank = place_of(pd.DataFrame({"kommun_code": list(values), "value": list(values.values())}),
                    "0780", "lower")
    assert rank.of == 290
    assert card.notes == [  # under the card, in bold as before
        f"**Plats {rank.place} av 290** bland kommunerna; plats 1 = lägst värde (bäst)."]
    assert card.help.startswith("Definition: Antal invånare 18-65 år som är öppet arbetslösa")
    # key figures only: the chart is on Arbetslöshet
    assert not [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet 18–64 år (18–65 från 2023)<br>")]
    links = {e.proto.label for e in at.main.get("page_link")}
    assert {"Mer om arbetslöshet →", "Mer om försörjningsstöd →", "Mer om unga 16–24 →",
            "Mer om nyanlända och utrikes födda →"} <= links


def test_arbetsloshet_says_which_measure_and_that_af_data_is_absent(app_env, shared):
    at = _shown(sida="arbetsloshet", kommun="2080")
    assert not at.exception and not at.warning
    assert at.title[0].value == "Arbetslöshet – Falun"
    table = next(t.value for t in at.table if "Räknar" in t.value.columns)
    rows = dict(zip(table.index, table["Falun, senaste"], strict=True))
    bas = _bas(shared, ["2080"], "000006II", "2026M04")
    assert rows["SCB:s arbetslöshet (BAS)"] == f"{_percent(bas)} (april 2026)" == \
        "3,1\u00a0% (april 2026)"
    kolada = _kolada(shared, "N03920", 2022)["2080"]
    name = "Koladas arbetslöshet 18–64 år, 18–65 från 2023 (årsvärde)"
    assert rows[name] == f"{_percent(kolada)} (2022)"
    assert rows["Arbetsförmedlingens andel inskrivna arbetslösa"] == "finns inte i databasen"
    assert set(table["Delar med"]) >= {"arbetskraften (sysselsatta och arbetslösa) i samma ålder",
                                       "hela befolkningen i åldern, inte bara arbetskraften"}
    assert any("Arbetsförmedlingens månadsfiler om inskrivna arbetslösa finns inte i databasen"
               in i.value for i in at.info)  # said plainly, never a made-up line
    fig = _figure(at, "Arbetslöshet enligt olika mått<br>")
    names = [t["name"] for t in fig["data"]]
    assert names[0] == "SCB:s arbetslöshet (BAS)"
    assert "Arbetsförmedlingens andel inskrivna arbetslösa" not in names
    assert _decode(fig["data"][0]["y"])[-1] == pytest.approx(bas)
    # the count per month (tab Antal per månad): Falun alone, its län and Riket as numbers
    at = _shown(sida="arbetsloshet", kommun="2080", flik="antal")
    counts = _figure(at, "Antal arbetslösa")
    assert [t["name"] for t in counts["data"] if t.get("mode") == "lines"] == ["Falun"]


def test_forsorjningsstod_draws_the_forsorjningshinder_as_one_composition(app_env, shared):
    at = _shown(sida="forsorjningsstod", kommun="0780", flik="hinder")
    assert not at.exception
    fig = _figure(at, "Försörjningshinder bland vuxna biståndsmottagare<br>")
    assert len(fig["data"]) == 11 and fig["layout"]["barmode"] == "stack"
    first = fig["data"][0]
    assert first["name"] == "Arbetslös"
    assert dict(zip(_decode(first["x"]), _decode(first["y"]), strict=True))[2022] == \
        pytest.approx(_kolada(shared, "N31858", 2022)["0780"])
    # a count is never on one axis with Riket: Växjö alone, Riket as a number in the title
    # (tab Mottagare och hushåll)
    at = _shown(sida="forsorjningsstod", kommun="0780", flik="mottagare")
    count = _figure(at, "Biståndsmottagare, antal<br>")
    assert [t["name"] for t in count["data"] if t.get("mode") != "markers"] == ["Växjö"]
    riket = sum(_kolada(shared, "N31848", 2022).values())
    assert "Riket " + f"{riket:,.0f}".replace(",", "\u00a0") in count["layout"]["title"]["text"]


def test_unga_and_nyanlanda_show_their_real_values(app_env, shared):
    at = _shown(sida="unga", kommun="0780")
    assert not at.exception and not at.warning
    card = next(m for m in cards(at) if m.label.startswith("Arbetslöshet 16–24 år, 2022"))
    assert card.value == _percent(_kolada(shared, "N03921", 2022)["0780"])
    at = _shown(sida="nyanlanda", kommun="0780")
    assert not at.exception and not at.warning
    card = next(m for m in cards(at) if m.label.startswith("Inskrivna i etableringsuppdraget"))
    year = int(card.label.rsplit(", ", 1)[1])
    assert card.value == _number(_kolada(shared, "N00960", year)["0780"], 0)
    # the refugee reception in its own tab (Mottagande), from the link
    at = _shown(sida="nyanlanda", kommun="0780", flik="mottagande")
    assert not at.exception and not at.warning
    assert [h.value for h in at.header] == ["Mottagande"]
    card = next(m for m in cards(at) if m.label.startswith("Kommunmottagna i flyktingmottagandet, "
                                                           "antal"))
    year = int(card.label.rsplit(", ", 1)[1])
    assert card.value == _number(_kolada(shared, "N01986", year)["0780"], 0)
    assert not [m for m in cards(at) if m.label.startswith("Inskrivna i etableringsuppdraget")]


def test_alla_indikatorer_draws_the_indicator_picked_and_keeps_it_in_the_url(app_env, shared):
    at = _app(sida="indikatorer", kommun="0780", indikator="n31807").run()
    assert not at.exception and not at.warning
    assert dict(at.query_params) == {"sida": "indikatorer", "kommun": "0780",
                                     "indikator": "N31807"}
    [card] = cards(at)
    assert card.label == "Invånare med ekonomiskt bistånd, 2022"
    assert card.value == _percent(_kolada(shared, "N31807", 2022)["0780"])
    _widget(at, "selectbox", "Nyckeltal").set_value("N03920").run()
    assert dict(at.query_params)["indikator"] == "N03920"
    assert [m.value for m in cards(at)] == ["6,0\u00a0%"]
    catalogue = next(d.value for d in at.dataframe if "Nyckeltal" in d.value.columns)
    assert {"N03920", "bas_arbetsloshet", "af_andel_inskrivna"} <= set(catalogue["Id"])
    af = catalogue[catalogue["Id"] == "af_andel_inskrivna"].iloc[0]
    assert af["Period"] == "finns inte i databasen"


# --- issue 9 point 6 ------------------------------------------------------------------------

def test_the_group_form_keeps_the_input_on_an_error_and_confirms_a_success(app_env):
    at = _app(sida="grupper").run()
    members = next(m for m in at.multiselect if m.label == "Kommuner")
    members.set_value(["0780", "0764"])  # no name: a validation error
    next(b for b in at.button if b.label == "Skapa gruppen").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["- Gruppen behöver ett namn."]
    assert next(m for m in at.multiselect if m.label == "Kommuner").value == ["0780", "0764"]
    next(t for t in at.text_input if t.label == "Namn").set_value("Värend")
    next(b for b in at.button if b.label == "Skapa gruppen").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Gruppen 'Värend' är skapad."]
    assert next(t for t in at.text_input if t.label == "Namn").value == ""  # a fresh form


def test_kommunerna_i_an_area_draw_counts_without_the_areas_sum(app_env, shared):
    at = _shown(sida="forsorjningsstod", omrade="lan:07", flik="mottagare")
    assert not at.exception
    bars = _figure(at, "Biståndsmottagare, antal: kommunerna i Kronobergs län")
    assert not bars["layout"].get("shapes")  # no reference line across bars and labels
    values = _kolada(shared, "N31848", 2022)
    kronoberg = {k: v for k, v in values.items() if k.startswith("07")}
    assert sorted(_decode(bars["data"][0]["x"])) == sorted(kronoberg.values())  # members only
    total = f"{sum(kronoberg.values()):,.0f}".replace(",", "\u00a0")
    assert f"Kronobergs län totalt: {total}" in bars["layout"]["title"]["text"]
    # a rate: the län's own value is a bar of its own, in the chosen-area colour (first tab)
    at = _shown(sida="forsorjningsstod", omrade="lan:07")
    rate = _figure(at, "Invånare med ekonomiskt bistånd: kommunerna i Kronobergs län")
    names = _decode(rate["data"][0]["y"])
    assert "Kronobergs län (området)" in names and not rate["layout"].get("shapes")
    # the source line sits below the axis title (54 px of ticks and title under the plot)
    source = next(a for a in rate["layout"]["annotations"] if "Källa" in a["text"])
    lines = source["text"].count("<br>") + 1
    assert source["yshift"] + 14 * lines <= -54


def test_om_data_shows_the_public_api_address_not_the_replay_server(app_env):
    at = _shown(sida="om_data", kommun="0780")  # as test_app's every page: drawn once
    assert not at.exception
    prov = next(d.value for d in at.dataframe if "Adress" in d.value.columns
                and "Dataset" in d.value.columns)
    addresses = [a for a in prov["Adress"] if a]
    assert addresses and not [a for a in addresses if "127.0.0.1" in a]
    assert any(a.startswith("https://api.kolada.se/v3/data/kpi/N03920/") for a in addresses)
    assert any(a.startswith("https://statistikdatabasen.scb.se/api/v2/") for a in addresses)


@pytest.mark.parametrize(("url", "public"), [  # hand-made addresses
    ("http://127.0.0.1:41337/kolada/v3/kpi/N03920?per_page=5000",
     "https://api.kolada.se/v3/kpi/N03920?per_page=5000"),
    ("http://127.0.0.1:5/scb/api/v2/tables/TAB6260/data?lang=sv",
     "https://statistikdatabasen.scb.se/api/v2/tables/TAB6260/data?lang=sv"),
    ("http://localhost:9/af/statistik/sok-statistik/tidigare-statistik-tidsserier",
     "https://arbetsformedlingen.se/statistik/sok-statistik/tidigare-statistik-tidsserier"),
    ("http://127.0.0.1:9/regions/scb_kommunkopplingar_2025.csv",
     "fil i spegeln: regions/scb_kommunkopplingar_2025.csv"),
    ("https://api.kolada.se/v3/kpi", "https://api.kolada.se/v3/kpi"),
    (None, None),
])
def test_public_url(url, public):
    assert public_url(url) == public
