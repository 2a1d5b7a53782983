"""walk26's defects on the monthly SCB BAS views, on the warehouse built from the real mirror
(TAB6260: Dalarna's 15 kommuner, kön totalt, 20–64 år, födelseregion totalt, 2020M01–2026M04).
Numbers asserted are read again from the recorded response in ../shared/data."""

from __future__ import annotations

import json

from tests.cards_shown import cards
from tests.offered import offered_tables
from tests.test_app import _bas, _decode, _figure, _figures, _percent, _shown


def test_the_mirror_has_bas_for_both_sexes_only(shared, warehouse):
    """Point 1's question: the view does not drop women's and men's rows; the recorded
    TAB6260 holds kön 1+2 only, and so does the mart."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    assert list(body["dimension"]["Kon"]["category"]["index"]) == ["1+2"]
    assert warehouse.execute("select distinct sex from marts.bas_kommun_monthly").fetchall() \
        == [("T",)]


def test_bas_cards_with_women_chosen_say_they_show_the_total(app_env, shared):
    """walk26 point 1: Översikt with Kvinnor showed Borlänge's BAS rate for both sexes with no
    word, read as women's unemployment; the yearly cards on the page say
    '(finns inte per kön; visar totalt)'. Each BAS card now says it with measure_sex's reason."""
    at = _shown(kommun="2081", kon="K")
    assert not at.exception
    shown = {c.label: c for c in cards(at)}
    said = " (finns inte per kön i den hämtade datan; visar totalt)"
    borlange = shown[f"Borlänge, april 2026 (preliminär){said}"]
    assert borlange.value == _percent(_bas(shared, ["2081"], "000006II", "2026M04")) \
        == "5,9\u00a0%"
    assert f"Dalarnas län, april 2026 (preliminär){said}" in shown
    # the yearly cards' words, from the same function
    assert any(label.endswith(" (finns inte per kön; visar totalt)") for label in shown)
    # the total chosen: no note
    total = {c.label for c in cards(_shown(kommun="2081"))}
    assert "Borlänge, april 2026 (preliminär)" in total


def test_a_period_before_bas_begins_says_so_not_that_the_kommun_is_not_covered(app_env,
                                                                                shared):
    """walk26 point 3: 2010–2019 said BAS 'saknas för Borlänge, Dalarnas län och Riket: den
    hämtade datan har dem bara för 15 kommuner i Dalarnas län', though Borlänge is one of
    them; the recorded TAB6260 begins in January 2020."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    first = min(body["dimension"]["Tid"]["category"]["index"])
    assert first == "2020M01" and "2081" in body["dimension"]["Region"]["category"]["index"]
    at = _shown(kommun="2081", fran="2010", till="2019")
    assert not at.exception
    said = [i.value for i in at.info if "SCB:s månadssiffror" in i.value]
    assert said == [("SCB:s månadssiffror för arbetslöshet saknas för Borlänge, Dalarnas län och "
                     "Riket i vald period: den hämtade datan börjar i januari 2020, efter vald "
                     "period.")]
    assert not [c for c in cards(at) if "(preliminär)" in c.label]


def _dalarna_rates(shared, month: str) -> dict[str, float]:
    """Kommun code -> the recorded TAB6260 arbetslöshet % (000006II) of one month."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    codes = list(body["dimension"]["Region"]["category"]["index"])
    return {c: _bas(shared, [c], "000006II", month) for c in codes}


def test_the_bas_map_ranks_among_the_kommuner_with_a_value_not_in_riket(app_env, shared):
    """walk26 point 2: with 15 of 290 kommuner valued the map said 'plats 14 av 15 i riket'.
    The summary, the hover and the list's column now say over how many it ranks; the
    subtitle names the age band and birth region as the Arbetslöshet page's chart does."""
    rates = _dalarna_rates(shared, "2026M04")
    place = 1 + sum(v < rates["2081"] for v in rates.values())  # lower is better
    assert (place, len(rates)) == (14, 15)
    at = _shown(sida="karta", kommun="2081", indikator="bas_arbetsloshet")
    assert not at.exception
    summary = next(m.value for m in at.markdown if m.value.startswith("**Borlänge**"))
    assert summary.replace("\u00a0", " ") == (
        f"**Borlänge**: {_percent(rates['2081'])} april 2026, plats {place} av 15 kommuner med "
        "värde (plats 1 = lägst värde, det bästa). Kartan visar de 15 kommuner som har värden; "
        "övriga 275 av 290 har inga värden i den hämtade datan (ljusgrå med en mörk prick)."
    ).replace("\u00a0", " ")  # the view fits Dalarna's 15 (walk28)
    assert "i riket" not in summary
    fig = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet (SCB BAS)<br>"))
    trace = fig["data"][0]
    hover = dict(zip(trace["locations"], trace["hovertext"], strict=True))["kommun:2081"]
    assert hover.endswith(f"<br>plats {place} av 15 kommuner med värde")
    assert fig["layout"]["title"]["text"] == (
        "Arbetslöshet (SCB BAS)<br><sup>Kommuner med värden (Dalarnas län), april 2026, "
        "totalt, 20–64 år, alla (inrikes och utrikes födda)</sup>")  # the view (stop 28)
    # an annual indicator with every kommun valued keeps its place in riket
    assert "plats 200 av 290 i riket" in next(
        m.value for m in _shown(sida="karta", kommun="0780").markdown
        if m.value.startswith("**Växjö**"))


def test_the_bas_map_numbers_name_the_ranking_they_count(warehouse):
    """The map's download: 'plats i riket' only when every kommun has a value."""
    from ui import analysis
    from ui.pages.karta import map_table, ranked_view
    from warehouse import queries

    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    values = queries.map_kommun_values(warehouse, ind, "2026-04")
    values = analysis.with_places(values.assign(
        area_id="kommun:" + values["kommun_code"], area_name=values["kommun_name"]), ind.better)
    table = map_table(values, ind, "T")
    assert "plats i riket" not in table
    assert table["plats bland kommuner med värde"].notna().sum() == 15
    borlange = table[table["kod"] == "2081"].iloc[0]
    assert borlange["plats bland kommuner med värde"] == 14
    listed = ranked_view(table, "kommun", {"2081"}).data
    places = sorted(table["plats bland kommuner med värde"].dropna().astype(int))
    # the list's column keeps the whole words (shown on screen as "Plats", left26)
    assert listed["Plats bland kommuner med värde"].tolist() == \
        [str(n) for n in places] + ["–"] * 275


def test_jamfor_ranks_the_bas_kommuner_among_those_with_a_value_not_in_riket(app_env, warehouse,
                                                                             shared):
    """Jämför's 'Alla kommuner rangordnade' for SCB BAS, April 2026 (15 of 290 kommuner in the
    mirror): the column and the download say 'plats bland kommuner med värde', as Karta does
    (ranking.country_place_heading); both said 'plats i riket' for Borlänge's 14 of 15."""
    import csv
    import io

    from exports.tables import csv_bytes
    from ui.pages.jamfor import REFERENCE, ranking_export, ranking_table
    from warehouse import queries

    rates = _dalarna_rates(shared, "2026M04")
    place = 1 + sum(v < rates["2081"] for v in rates.values())  # lower is better
    assert (place, len(rates)) == (14, 15)
    at = _shown(sida="jamfor", kommun="2081", indikator="bas_arbetsloshet")
    assert not at.exception
    shown = at.dataframe[0].value
    heading = "Plats bland kommuner med värde"
    assert "Plats i riket" not in shown and len(shown[shown[heading] != REFERENCE]) == 290
    assert shown.loc[shown["Namn"] == "Borlänge", heading].iloc[0] == str(place)
    places = [p.removesuffix(" (delad)") for p in shown[heading] if p not in ("–", REFERENCE)]
    assert len(places) == 15 and max(int(p) for p in places) <= 15
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    borlange = queries.area(warehouse, "kommun:2081")

    class _Sel:  # the one attribute ranking_export reads
        area = borlange

    table = ranking_table(ind, "2026-04", "T", [borlange], [])  # ui.data.query: the warehouse
    rows = list(csv.DictReader(io.StringIO(csv_bytes(ranking_export(
        table, ind, "2026-04", "T", _Sel())).decode("utf-8-sig")), delimiter=";"))
    assert "plats i riket" not in rows[0]
    assert next(r for r in rows if r["område"] == "Borlänge")[
        "plats bland kommuner med värde"] == str(place)


def test_the_bas_map_with_women_chosen_shows_the_total_and_says_so(app_env, shared):
    """walk26 point 2: kon=K offered Kvinnor and drew an empty map ('290 av 290 saknar
    värde'); the mirror's TAB6260 has totals only, so the map shows them and says so."""
    rates = _dalarna_rates(shared, "2026M04")
    at = _shown(sida="karta", kommun="2081", indikator="bas_arbetsloshet", kon="K")
    assert not at.exception
    assert not [r for r in at.radio if r.label == "Kön"]
    assert ("Arbetslöshet (SCB BAS) finns inte per kön i den hämtade datan; visar totalt."
            in [c.value for c in at.caption])
    [title] = [f["layout"]["title"]["text"] for f in _figures(at)]
    heading, subtitle = title.split("<br><sup>")  # the map wraps a long heading
    assert heading.replace("<br>", " ") == (
        "Arbetslöshet (SCB BAS) (finns inte per kön i den hämtade datan; visar totalt)")
    assert subtitle.startswith("Kommuner med värden (Dalarnas län), april 2026, totalt, "
                               "20–64 år")
    summary = next(m.value for m in at.markdown if m.value.startswith("**Borlänge**"))
    assert _percent(rates["2081"]).replace("\u00a0", " ") in summary.replace("\u00a0", " ")
    assert "övriga 275 av 290 har inga värden" in summary


def test_jamfor_s_bas_chart_names_the_age_band(app_env, shared):
    """walk26 point 5: Jämför's BAS subtitle ended '…januari 2020–april 2026, totalt' with no
    age band; it now says it as the Arbetslöshet page's BAS chart does."""
    at = _shown(sida="jamfor", kommun="2081", indikator="bas_arbetsloshet",
                jamfor="kommun:2081,kommun:2080")
    assert not at.exception
    fig = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet (SCB BAS)<br>"))
    subtitle = fig["layout"]["title"]["text"].split("<sup>")[1]
    assert subtitle.endswith("januari 2020–april 2026, totalt, 20–64 år, alla (inrikes och "
                             "utrikes födda)</sup>")
    page = _figure(_shown(sida="arbetsloshet", kommun="2081"), "Arbetslöshet (SCB BAS)<br>")
    assert page["layout"]["title"]["text"].endswith(
        "totalt, 20–64 år, alla (inrikes och utrikes födda)</sup>")
    line = next(t for t in fig["data"] if t["name"] == "Borlänge")
    assert _decode(line["y"])[-1] == _bas(shared, ["2081"], "000006II", "2026M04")


def test_bas_downloads_say_band_birth_region_source_id_and_how_area_rows_were_made(
        app_env, shared, monkeypatch):
    """walk26 point 4: Borlänge's BAS CSV had no age band or birth region (columns
    område;månad;kön;värde;…, file '… – januari 2020–april 2026'), named the measure by our
    key 'bas_arbetsloshet', and its workbook left 'Områdesvärden' empty though the file has
    Dalarnas län's rows computed from the kommuner."""
    import csv
    import io

    from openpyxl import load_workbook

    from exports.tables import csv_bytes, xlsx_bytes
    from tests.test_app import DALARNA, _app
    from ui import blocks
    from ui.downloads import file_names

    offered = {}
    real = blocks.chart_downloads

    def keep(fig, *parts, key, table=None, **kw):
        offered[key] = (parts, table)
        return real(fig, *parts, key=key, table=table, **kw)

    monkeypatch.setattr(blocks, "chart_downloads", keep)
    at = _app(kommun="2081").run()
    assert not at.exception
    parts, table = offered["dl-bas_arbetsloshet"]
    assert file_names(*parts)["csv"] == ("Borlänge – Arbetslöshet (SCB BAS) – januari "
                                         "2020–april 2026 – 20–64 år, alla (inrikes och "
                                         "utrikes födda).csv")
    rows = list(csv.DictReader(io.StringIO(csv_bytes(table).decode("utf-8-sig")),
                               delimiter=";"))
    assert list(rows[0])[:7] == ["område", "kod", "månad", "kön", "ålder", "födelseregion",
                                 "värde"]  # kod: walk27
    april = {r["område"]: r for r in rows if r["månad"] == "2026-04"}
    assert set(april) == {"Borlänge", "Dalarnas län"}
    mine = april["Borlänge"]
    assert (mine["ålder"], mine["födelseregion"], mine["värde"]) == (
        "20–64 år", "alla (inrikes och utrikes födda)",
        _percent(_bas(shared, ["2081"], "000006II", "2026M04")).removesuffix("\u00a0%"))
    lan = 100 * _bas(shared, DALARNA, "000004YH", "2026M04") / _bas(
        shared, DALARNA, "000006IU", "2026M04")
    assert april["Dalarnas län"]["värde"] == f"{lan:.1f}".replace(".", ",")
    assert {r["nyckeltal"] for r in rows} == {"TAB6260 Arbetslöshet (SCB BAS)"}
    about = load_workbook(io.BytesIO(xlsx_bytes(table)))["Om siffrorna"]
    header = next(r for r in about.iter_rows(values_only=True) if r[0] == "Nyckeltal (id)")
    [row] = [r for r in about.iter_rows(values_only=True) if r[1] == "Arbetslöshet (SCB BAS)"]
    described = dict(zip(header, row, strict=True))
    assert described["Nyckeltal (id)"] == "TAB6260"
    assert described["Områdesvärden"].startswith("beräknat från kommunerna: summa arbetslösa / "
                                                 "summa arbetskraften")


def test_a_kommuns_annual_workbook_says_how_its_lan_and_riket_rows_were_made(app_env,
                                                                             monkeypatch):
    """The same rule for a yearly chart: Växjö's N03920 file has Kronobergs län's and Riket's
    population-weighted rows, so 'Områdesvärden' says how they were weighted."""

    offered = offered_tables(monkeypatch)
    from tests.test_app import _app

    at = _app(sida="arbetsloshet", flik="ar", kommun="0780").run()
    assert not at.exception
    table = offered["dl-N03920"]
    assert {"Växjö", "Kronobergs län", "Riket"} <= set(table.data["område"])
    assert table.area_method and "vägt med" in table.indicators[0].area_method
