"""Issue 9 point 1 and 6: the target-group pages on the warehouse built from the real mirror,
and the defects of Egna grupper, "Kommunerna i …" and Om data.

Numbers asserted come from the recorded Kolada and SCB responses in ../shared/data, read here
again (helpers shared with tests/test_app.py).
"""

from __future__ import annotations

import json

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
        f"**Plats {rank.place} av 290** bland kommunerna; plats 1 = lägst värde, det bästa."]
    assert card.help.startswith("Definition: Antal invånare 18–65 år som är öppet arbetslösa")
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
    said = [i.value for i in at.info if "Arbetsförmedlingens månadsfiler" in i.value]
    assert said == [(  # said plainly, never a made-up line; walk25: not "hittats på"
        "**Andel inskrivna arbetslösa (Arbetsförmedlingen)**: Arbetsförmedlingens "
        "månadsfiler om inskrivna arbetslösa har inte kunnat hämtas och finns inte i "
        "databasen, så Arbetsförmedlingens andel visas inte här. Varför står under Om data › "
        "Senaste uppdateringen; nästa uppdatering som når Arbetsförmedlingen lägger till dem.")]
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
    assert "Riket minst " + f"{riket:,.0f}".replace(",", "\u00a0") in \
        count["layout"]["title"]["text"]  # 286 of 290 kommuner: a lower bound (numfix26)


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
    # the source's id as the pickers name it (walk25), our key only as the link's
    assert {"N03920", "TAB6260"} <= set(catalogue["Id"])
    assert not catalogue["Id"].str.contains("_").any()
    bas = catalogue[catalogue["I länkar"] == "indikator=bas_arbetsloshet"].iloc[0]
    assert (bas["Id"], bas["Nyckeltal"]) == ("TAB6260", "Arbetslöshet (SCB BAS)")
    af = catalogue[catalogue["I länkar"] == "indikator=af_andel_inskrivna"].iloc[0]
    assert (af["Id"], af["Period"]) == ("–", "finns inte i databasen")


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
    assert [s.value for s in at.success] == ["Gruppen ”Värend” är skapad."]
    assert next(t for t in at.text_input if t.label == "Namn").value == ""  # a fresh form


def test_kommunerna_i_an_area_draw_counts_without_the_areas_sum(app_env, shared):
    at = _shown(sida="forsorjningsstod", omrade="lan:07", flik="mottagare")
    assert not at.exception
    bars = _figure(at, "Biståndsmottagare, antal<br><sup>Kommunerna i Kronobergs län")
    assert not bars["layout"].get("shapes")  # no reference line across bars and labels
    values = _kolada(shared, "N31848", 2022)
    kronoberg = {k: v for k, v in values.items() if k.startswith("07")}
    assert sorted(_decode(bars["data"][0]["x"])) == sorted(kronoberg.values())  # members only
    total = f"{sum(kronoberg.values()):,.0f}".replace(",", "\u00a0")
    assert bars["layout"]["title"]["text"] == (
        f"Biståndsmottagare, antal<br><sup>Kommunerna i Kronobergs län, 2022, totalt. "
        f"Kronobergs län sammanlagt: {total}</sup>")
    # a rate: the län's own value is a bar of its own, in the chosen-area colour (first tab)
    at = _shown(sida="forsorjningsstod", omrade="lan:07")
    rate = _figure(at, "Invånare med ekonomiskt bistånd<br><sup>Kommunerna i Kronobergs län")
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


def _kommun_values(shared, kpi: str, year: int, sex: str = "T") -> dict[str, float]:
    """Kolada's values for the kommuner only (it lists Riket and the regions as 00xx)."""
    return {k: v for k, v in _kolada(shared, kpi, year, sex).items() if not k.startswith("00")}


def test_a_count_beside_the_chart_says_how_many_kommuner_it_sums(app_env, shared, warehouse):
    """Riket's count of those who left the etableringsuppdrag is a sum over the kommuner that
    report: in 2022 not all of them do, and the chart's subtitle says how many do."""
    at = _shown(sida="nyanlanda", kommun="0780", omrade="lan:07")
    assert not at.exception
    title = _figure(at, "Lämnat etableringsuppdraget, antal<br>")["layout"]["title"]["text"]
    values = _kommun_values(shared, "N00964", 2022)
    (n_kommuner,) = warehouse.execute("select count(*) from marts.kommun").fetchone()
    assert len(values) < n_kommuner  # 253 of 290 in the mirror
    total = f"{sum(values.values()):,.0f}".replace(",", "\u00a0")
    assert (f"Riket minst {total} (2022, bygger på {len(values)} av {n_kommuner} kommuner)"
            in title)  # a sum without every kommun is a lower bound (numfix26)
    # the area's own sum over its members' bars: Skåne's biståndsmottagare 2022
    at = _shown(sida="forsorjningsstod", omrade="lan:12", flik="mottagare")
    assert not at.exception
    bars = _figure(at, "Biståndsmottagare, antal<br><sup>Kommunerna i Skåne län, 2022")
    skane = {k: v for k, v in _kommun_values(shared, "N31848", 2022).items()
             if k.startswith("12")}
    (n_skane,) = warehouse.execute("select count(*) from marts.kommun where lan_code = '12'"
                                   ).fetchone()
    assert len(skane) < n_skane  # 32 of 33 in the mirror
    total = f"{sum(skane.values()):,.0f}".replace(",", "\u00a0")
    assert (f"Skåne län sammanlagt: minst {total} (bygger på {len(skane)} av {n_skane} "
            "kommuner)" in bars["layout"]["title"]["text"])


def test_vilket_matt_shows_the_chosen_sex_and_says_where_it_is_the_total(app_env, warehouse):
    """With Kvinnor chosen the table of measures shows the women's values (the total before)
    and says where a measure has none per sex; the page's note on indicators without a split
    by sex counts what the data has."""
    at = _shown(sida="arbetsloshet", kommun="2080", omrade="lan:20", kon="K", fran="2015",
                till="2022")
    assert not at.exception
    table = next(t.value for t in at.table if "Räknar" in t.value.columns)
    rows = dict(zip(table.index, table["Dalarnas län, kvinnor, senaste"], strict=True))
    sql = """select value from marts.area_indicator_year
             where indicator_id = 'N03920' and area_id = 'lan:20' and year = 2022 and sex = ?"""
    women, total = (warehouse.execute(sql, [sex]).fetchone()[0] for sex in ("K", "T"))
    assert _percent(women) != _percent(total)
    assert rows["Koladas arbetslöshet 18–64 år, 18–65 från 2023 (årsvärde)"] == f"{_percent(women)} (2022)"
    # the mirror's SCB BAS months are totals only: the row gives the total and says why
    assert warehouse.execute("select count(*) from marts.bas_kommun_monthly "
                             "where sex <> 'T'").fetchone() == (0,)
    assert rows["SCB:s arbetslöshet (BAS)"].endswith(
        ", totalt: finns inte per kön i den hämtade datan)")
    fig = _figure(at, "Arbetslöshet enligt olika mått<br>")
    assert "kvinnor (totalt där det står)" in fig["layout"]["title"]["text"]
    assert "SCB:s arbetslöshet (BAS) (totalt)" in [t["name"] for t in fig["data"]]
    # the note counts the page's annual indicators that have no values for women, and the
    # monthly ones fetched (SCB BAS) whose data has none
    from ui.page_spec import load_pages

    ids = list(load_pages()["arbetsloshet"].indicator_ids)
    plain = warehouse.execute(
        """select count(*) from marts.indicator i where list_contains(?, i.indicator_id)
           and i.frequency = 'year' and not exists (select 1 from marts.observation_kommun_year o
           where o.indicator_id = i.indicator_id and o.sex = 'K')""", [ids]).fetchone()[0]
    monthly = warehouse.execute(
        """select count(*) from marts.indicator where list_contains(?, indicator_id)
           and frequency = 'month' and first_period is not null and mart = 'bas'
           and not exists (select 1 from marts.bas_kommun_monthly where sex = 'K')""",
        [ids]).fetchone()[0]
    assert plain > 0 and monthly > 0
    assert (f"Kön: {plain} av nyckeltalen på sidan finns inte per kön, och {monthly} av "
            "månadsmåtten saknas per kön i den hämtade datan; för dem visas totalt (det står "
            "vid varje sådant nyckeltal).") in [c.value for c in at.caption]


def _source_of(fig: dict) -> str:
    """A figure's source line (the annotation that starts "Käll"), unwrapped."""
    return next(a["text"] for a in fig["layout"]["annotations"]
                if a["text"].startswith("Käll")).replace("<br>", " ")


def test_vilket_matt_chart_says_when_each_source_was_fetched_and_how_areas_are_made(
        app_env, warehouse):
    """walk24: the chart of several measures cited its tables and KPIs but, unlike every
    other chart (and its PNG/SVG/PDF, which carry the same line), had no fetch date and, for a
    län or group, no word on how the area's values are made from the kommuner."""
    from transforms.formatting import format_date
    from warehouse import queries

    at = _shown(sida="arbetsloshet", kommun="2080", omrade="lan:20", kon="K", fran="2015",
                till="2022")
    source = _source_of(_figure(at, "Arbetslöshet enligt olika mått<br>"))
    bas, *kolada = (queries.indicator(warehouse, i)
                    for i in ("bas_arbetsloshet", "N03920", "N03921", "N03926"))
    assert bas.fetched_at and {format_date(i.fetched_at) for i in kolada} == {
        format_date(bas.fetched_at)}
    # the date joined by non-breaking spaces: the line never breaks inside it (rev25b)
    fetched = f"Hämtad {format_date(bas.fetched_at)}.".replace(" ", "\u00a0")
    assert fetched in source
    # the two rules, each with what it applies to: SCB's counts, Kolada's weighted rates
    assert f"för TAB6260 {bas.area_method}" in source
    assert len({i.area_method for i in kolada}) == 1
    assert f"för N03920, N03921 och N03926 {kolada[0].area_method}" in source
    # a kommun's chart has no area values to explain, but still its fetch date
    falun = _source_of(_figure(_shown(sida="arbetsloshet", kommun="2080"),
                               "Arbetslöshet enligt olika mått<br>"))
    assert fetched in falun and "Områden" not in falun
    # review of walk24: "; " both inside and between citations; now one citation per source
    # and producer, its KPIs together, "; " only between them
    n20, n21, n26 = kolada
    assert n20.producer == n21.producer != n26.producer
    cited = source.replace("<br>", " ").split(" Hämtad\u00a0")[0]
    assert cited == (f"Källor: {bas.source_line.removeprefix('Källa: ')}; "
                     f"Kolada (N03920 och N03921), ursprunglig källa {n20.producer}; "
                     f"Kolada (N03926), ursprunglig källa {n26.producer}.")


def test_one_indicator_s_source_line_is_one_clean_citation(app_env, warehouse, shared):
    """left25: a chart of one KPI said 'Källa: Kolada (N03920); ursprunglig källa SCB' ("; "
    inside its one citation) while a chart of several wrote 'Kolada (N03920 och N03921),
    ursprunglig källa …'. The screen's chart of one KPI now cites it as the chart of several
    does, the producer Kolada's own ('Källa: …' in the KPI's description)."""
    import json

    import charts
    from transforms.formatting import format_date
    from warehouse import queries

    ind = queries.indicator(warehouse, "N31807")
    described = json.loads((shared / "kolada_v3/kpi/N31807.json").read_bytes())
    assert ind.producer and ind.producer in described["values"][0]["description"]
    cite = f"Källa: Kolada (N31807), ursprunglig källa {ind.producer}."
    assert ind.source_line + "." == cite
    day = format_date(ind.fetched_at).replace(" ", "\u00a0")
    assert charts.source_text(ind) == charts.sources_text([ind], computed=False) == (
        f"{cite} Hämtad\u00a0{day}.")
    fig = _figure(_shown(sida="forsorjningsstod", kommun="2080", fran="2015", till="2022"),
                  f"{ind.label}<br>")
    source = _source_of(fig).replace("<br>", " ")
    assert source.startswith(f"{cite} Hämtad\u00a0") and ";" not in source.split(" Hämtad")[0]


def test_vilket_matt_subtitle_says_how_monthly_values_are_drawn_only_when_drawn(
        app_env, warehouse):
    """Review of walk24: Kronobergs län's chart said "månadsvärden som heldragna linjer" with
    no monthly line drawn (SCB BAS covers Dalarna's kommuner only in the mirror)."""
    dalarna = _figure(_shown(sida="arbetsloshet", kommun="2080", omrade="lan:20"),
                      "Arbetslöshet enligt olika mått<br>")
    kronoberg = _figure(_shown(sida="arbetsloshet", kommun="0780", omrade="lan:07"),
                        "Arbetslöshet enligt olika mått<br>")
    # Dalarna draws SCB's months (a solid line), Kronoberg only annual values (dashed; every
    # line has its measure's marker since stop 28)
    assert any(t["line"]["dash"] == "solid" for t in dalarna["data"])
    assert all(t["line"]["dash"] == "dash" for t in kronoberg["data"])
    assert "månadsvärden som heldragna linjer, årsvärden som punkter mitt i året" in \
        dalarna["layout"]["title"]["text"]
    text = kronoberg["layout"]["title"]["text"]
    assert "månadsvärden" not in text and text.endswith("; årsvärden som punkter mitt i året</sup>")


SCREEN_1280 = 820  # px: a full-width chart in the main column at 1280×800 (measured, walk24)


def test_vilket_matt_legend_has_the_rows_plotly_draws_at_1280(app_env, export_browser):
    """walk24: at 1280×800 the four measures' legend wrapped into four rows over the
    subtitle: the top margin held three. Plotly lays a legend that does not fit one row in
    columns as wide as its widest entry; the margin must hold the rows it draws."""
    import re
    from dataclasses import replace

    import charts

    at = _shown(sida="arbetsloshet", kommun="2080", omrade="lan:20", kon="K", fran="2015",
                till="2022")
    fig = _figure(at, "Arbetslöshet enligt olika mått<br>")
    names = [t["name"] for t in fig["data"]]
    assert len(names) == 4
    probe = replace(export_browser.FORMATS["svg"], key="walk24-1280", width=SCREEN_1280,
                    height=fig["layout"]["height"])
    svg = export_browser.figure_image(fig, probe).decode("utf-8")
    rows = len({round(float(y)) for y in re.findall(
        r'<g class="traces" transform="translate\([\d.]+,([\d.]+)\)', svg)})
    assert rows == 4  # one entry a row at this width
    assert fig["layout"]["margin"]["t"] >= charts.top_margin(rows)

def test_generated_text_names_the_lan_and_the_periods_with_values(app_env, warehouse, shared):
    """Vännäs: its län is named as the warehouse names it (never "Vännäss län"); a period
    after the last Kolada year says which year has the latest value."""
    at = _shown(kommun="2460", fran="2023", till="2026")
    assert not at.exception
    (lan,) = warehouse.execute("select lan_name from marts.kommun where kommun_code = '2460'"
                               ).fetchone()
    assert lan == "Västerbottens län"
    assert (f"SCB:s månadsbefolkning per kommun finns inte i datan; {lan} visas."
            in [c.value for c in at.caption])
    assert not [c for c in at.caption if "Vännäss" in c.value]
    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    last = max(e["period"] for e in body["values"] if e["municipality"] == "2460"
               and any(v["value"] is not None for v in e["values"]))
    assert last < 2023
    info = next(c.info for c in cards(at) if c.info and "Arbetslöshet 18–64 år (18–65 från 2023)" in c.info)
    assert info == (f"**Arbetslöshet 18–64 år (18–65 från 2023)**: inga värden för Vännäs i vald period "
                    f"(senaste värde {last}).")
    # the same in Vilket mått?; SCB BAS has no month at all for Vännäs in the mirror
    at = _shown(sida="arbetsloshet", kommun="2460", fran="2023", till="2026")
    table = next(t.value for t in at.table if "Räknar" in t.value.columns)
    rows = dict(zip(table.index, table["Vännäs, senaste"], strict=True))
    assert rows["Koladas arbetslöshet 18–64 år, 18–65 från 2023 (årsvärde)"] == \
        f"inga värden för Vännäs i vald period (senaste värde {last})"  # as the card says
    assert warehouse.execute("select count(*) from marts.bas_kommun_monthly "
                             "where kommun_code = '2460'").fetchone() == (0,)
    # none for Vännäs at all: said so, not "in the period" (review, stop 23)
    assert rows["SCB:s arbetslöshet (BAS)"] == "inga värden för Vännäs i den hämtade datan"


def test_a_card_for_a_place_without_any_value_says_so(app_env, warehouse):
    """Ekerö has no value of N18621 in any year of the mirror: its card says the fetched data
    hold none, not that the chosen period has none (review, stop 23; as Vilket mått? says)."""
    (n,) = warehouse.execute("select count(value) from marts.observation_kommun_year "
                             "where indicator_id = 'N18621' and kommun_code = '0125'").fetchone()
    assert n == 0
    at = _shown(sida="unga", kommun="0125")
    assert not at.exception
    label = "Etablerade eller studerar 2 år efter gymnasieexamen, kommunala skolor"
    assert f"**{label}**: inga värden för Ekerö i den hämtade datan." in \
        [c.info for c in cards(at) if c.info]


@pytest.mark.parametrize(("source", "shown"), [
    ("Invånare 16-24 år, antal", "Invånare 16–24 år, antal"),
    ("0-9 år", "0–9 år"),
    ("100+ år", "100+ år"),
    ("invånare 20-64 31/12", "invånare 20–64 31/12"),
    ("i minst 10-12 månader", "i minst 10–12 månader"),
    ("andel (%) (-2021)", "andel (%) (–2021)"),
    ("hämtad 2026-05-28, månad 2023-01", "hämtad 2026-05-28, månad 2023-01"),  # no range
    ("1,5-2", "1,5-2"),
    ("ring 08-123 45", "ring 08-123 45"),  # a phone prefix, not a range
    ("bilaga A1-2", "bilaga A1-2"),  # after a letter
    ("0-17 år", "0–17 år"),
    ("1-\u0663 år", "1-\u0663 år"),  # ASCII digits only (review of uifix24)
])
def test_dash_ranges_writes_a_range_with_an_en_dash_and_leaves_dates(source, shown):
    from transforms.formatting import dash_ranges

    assert dash_ranges(source) == shown


def test_the_sources_age_ranges_are_shown_with_an_en_dash_never_stored_so(app_env, warehouse):
    """Kolada's "18-65 år" and SCB's "0-9 år" (walkthrough 23, "taste"): the card's definition,
    the indicator's title and the population chart's age groups read "18–65 år", "0–9 år" as
    the rest of the UI; the warehouse keeps the sources' own text."""
    from warehouse import queries

    stored = dict(warehouse.execute("select indicator_id, definition from marts.indicator "
                                    "where indicator_id in ('N03920', 'N03921')").fetchall())
    assert stored["N03920"].startswith("Antal invånare 18-65 år som är öppet arbetslösa")
    title = warehouse.execute("select title from marts.indicator where indicator_id = 'N03921'"
                              ).fetchone()[0]
    assert title == "Arbetslöshet 16-24 år, årsmedelvärde, andel (%) av bef."
    shown = queries.indicator(warehouse, "N03921")
    assert shown.title == "Arbetslöshet 16–24 år, årsmedelvärde, andel (%) av bef."
    assert "16-24" not in shown.definition and "16–24 år" in shown.definition
    ages = [a for (a,) in warehouse.execute(
        "select distinct age_label from marts.population_region_monthly").fetchall()]
    assert "0-9 år" in ages and "10-19 år" in ages  # stored as SCB wrote them
    at = _shown(kommun="2080")
    assert not at.exception
    card = next(m for m in cards(at) if m.label.startswith("Arbetslöshet 18–64 år"))
    assert card.help.startswith("Definition: Antal invånare 18–65 år som är öppet arbetslösa")
    fig = _figure(at, "Folkmängd efter ålder och kön, Dalarnas län")
    drawn = {label for trace in fig["data"] for label in _decode(trace["y"])}
    assert drawn == {a.replace("-", "–") for a in ages}  # every age group, none with "-"


def test_the_area_picker_offers_every_area_the_kommun_is_in_first_and_says_when_it_is_not(
        app_env, warehouse):
    """Walkthrough 23 ("taste"): an Område without the chosen kommun could be picked with no
    word. The freedom stays; the areas the kommun is in come first, its own groups among
    them, and the page says when the kommun is not in the area shown."""
    own = {a for (a,) in warehouse.execute(
        "select area_id from marts.area_member where kommun_code = '1480' "
        "and area_id not in ('kommun:1480', 'riket')").fetchall()}
    assert own == {"lan:14", "la:LA2321", "fa:15", "kommungrupp:A1"}
    at = _shown(kommun="1480")
    assert not at.exception
    picker = _widget(at, "selectbox", "Område")
    labels = picker.options
    first = labels[1:len(own) + 2]  # after "Ingen – visa kommunen"
    assert first[-1] == "Egen grupp: Göteborgsregionen"  # seeded: its 13 members have 1480
    assert {lab.split(": ", 1)[0] for lab in first[:-1]} == {
        "Län", "Lokal arbetsmarknad", "FA-region", "Kommungrupp"}
    assert labels.index("Egen grupp: Göteborgsregionen") < labels.index(
        "Egen grupp: Samordningsförbundet Värend")  # a group without Göteborg comes later
    assert "Län: Skåne län" in labels  # any area can still be picked
    at = _shown(kommun="0780", omrade="lan:12")
    assert not at.exception
    assert at.title[0].value == "Översikt – Skåne län"
    caption = next(c.value for c in at.caption if "Skåne län (" in c.value)
    assert caption.startswith("Växjö ingår inte i Skåne län: sidan visar området. Områdena "
                              "där Växjö ingår står först under Område.")
    at = _shown(kommun="0780", omrade="lan:07")
    assert not [c for c in at.caption if "ingår inte" in c.value]


def test_motesunderlag_says_when_the_links_years_go_past_the_data(app_env, warehouse):
    """walk24 point 6: 'fran=2030&till=2010' was turned round (with a notice) and then
    silently cut to the last year there are values for. The page says so in the words every
    other page uses (url_state.clamp_period); the last year is the warehouse's latest year of
    any indicator's values."""
    last = int(warehouse.execute("select max(last_year) from marts.indicator").fetchone()[0])
    assert 2010 < last < 2030
    at = _app(sida="motesunderlag", kommun="0780", fran="2030", till="2010").run()
    assert not at.exception
    slider = _widget(at, "select_slider", "År")
    assert slider.value == (2010, last)
    said = [c.value for c in at.caption]
    assert f"Uppgifterna här slutar {last}, så sidan visar till {last}." in said
    told = [e.value for kind in ("warning", "info", "caption", "markdown")
            for e in getattr(at, kind)]
    assert any("omvänd (fran=2030, till=2010)" in text for text in told)


@pytest.mark.parametrize("fetched", [False, True])
def test_om_data_and_the_footer_agree_without_a_refresh_status(app_env, built, tmp_path,
                                                               monkeypatch, fetched):
    """walk24 point 8: a database built by `python -m warehouse build` (the bench's) has no
    refresh status beside it, and Om data said "Ingen uppdatering har körts på den här
    datorn" under the footer's "Data senast uppdaterad 2 december 2026". A copy of the
    session warehouse without its status file: with the fetches in its log (a refresh whose
    status is not here) and with only the build's own rows (what a build alone logs). Om data
    names the footer's date, the newest run_at, and says what happened."""
    import shutil

    import duckdb

    from transforms.formatting import format_date
    from ui.frame import data_dates_text
    from warehouse import queries

    target = tmp_path / "w.duckdb"
    shutil.copyfile(built["warehouse"], target)
    con = duckdb.connect(str(target))
    if not fetched:  # a build alone logs its own rows and AF's months, at the build's run_at
        con.execute("delete from marts.refresh_log where source <> 'build'")
        con.execute("insert into marts.refresh_log (run_at, source, dataset, ok, message) "
                    "select max(run_at), 'af', 'manad', true, 'läst' from marts.refresh_log")
    # the log a day after the fetches (a rebuild the next day): the two dates differ
    con.execute("update marts.refresh_log set run_at = strftime(cast(run_at as timestamptz) "
                "+ interval 1 day, '%Y-%m-%dT%H:%M:%S+00:00')")
    newest = con.execute("select max(run_at) from marts.refresh_log").fetchone()[0]
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    at = _app(sida="om_data", kommun="0780").run()
    assert not at.exception
    said = [c.value for c in at.caption]
    con = duckdb.connect(str(target), read_only=True)
    dates = queries.data_dates(con)
    con.close()
    assert data_dates_text(*dates) in said[-1]
    assert not [s for s in said if "Ingen uppdatering" in s]
    # walk25: Om data said "Data uppdaterades senast <the log's newest run_at>" under the
    # footer's "Data senast hämtade från källorna <provenance's newest fetch>": now the
    # footer's sentence, word for word, then what happened
    assert format_date(dates[0]) != format_date(newest) == format_date(dates[1])
    then = ("Utfallet per källa från den senaste uppdateringen finns inte sparat" if fetched
            else "Databasen byggdes senast av tidigare hämtade data")
    assert [s for s in said[:-1] if s.startswith(f"{data_dates_text(*dates)} {then}")]
    assert not [s for s in said if "uppdaterades senast" in s]


def test_a_legend_with_a_flag_has_the_rows_plotly_draws(app_env, export_browser):
    """Review of walk24: a flag trace (here "alla kommuner rapporterar inte") carries a
    legendgroup, and plotly then laid the entries out grouped, side by side at their own
    widths, in fewer rows than the margin held (Försörjningsstöd, Kronobergs län, 11 entries:
    2 rows drawn, 4 reserved, 44 px blank under the subtitle). The margin holds the rows
    plotly draws, at the screen's width and at each image size."""
    import re
    from dataclasses import replace

    import charts

    at = _shown(sida="forsorjningsstod", kommun="0780", omrade="lan:07")
    fig = _figure(at, "Invånare med ekonomiskt bistånd<br>")
    names = charts.legend_names(fig)
    assert len(names) == 11 and "alla kommuner rapporterar inte" in names
    assert any(t.get("legendgroup") == "partial" for t in fig["data"])
    for fmt in (replace(export_browser.FORMATS["svg"], key="flag-1280", width=SCREEN_1280,
                        height=fig["layout"]["height"]),
                export_browser.FORMATS["svg"],
                replace(export_browser.FORMATS["svg"], key="flag-43", width=1024, height=768)):
        svg = export_browser.figure_image(fig, fmt).decode("utf-8")
        rows = {round(float(y)) for y in re.findall(
            r'<g class="traces" transform="translate\([\d.]+,([\d.]+)\)', svg)}
        sized = export_browser.sized(fig, fmt)["layout"] if fmt.width != SCREEN_1280 \
            else fig["layout"]
        # (grouped, plotly drew 2 rows in groups of their own and the margin held 4)
        assert sized["margin"]["t"] == charts.top_margin(len(rows)), (fmt.key, sorted(rows))
