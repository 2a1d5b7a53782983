"""Stop 28 (lan28): an area whose kommuner lie in several län is compared with the län that
holds most of its population 16–64 år (the population the area values are weighted by), and
says so; without such a län, Riket only, as before. One rule
(``transforms.areas.lan_comparison``, read through ``queries.lan_comparison``) for the page's
charts, cards and downloads, Mötesunderlag and the deck. Every expected value is computed
here from the mirror's recorded Kolada responses."""

from __future__ import annotations

import io
import json

import pytest

from warehouse import queries

GR = ("1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462", "1480", "1481",
      "1482", "1489")  # Göteborgsregionen; Kungsbacka (1384) is in Hallands län
SPLIT = ("0767", "1273", "1315")  # Markaryd (Kronoberg), Osby (Skåne), Hylte (Halland)
VG = "Västra Götalands län"


def _kpi(shared, kpi: str) -> dict[tuple[str, int], float]:
    """(kommun code, year) -> value of one KPI for sex T, from the recorded response."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {(e["municipality"], int(e["period"])): v["value"] for e in body["values"]
            for v in e["values"] if v["gender"] == "T" and v["value"] is not None}


def _population(shared) -> dict[tuple[str, int], float]:
    """(kommun, year) -> population 16–64 år (N01954 + N01955), where both are recorded."""
    young, adults = _kpi(shared, "N01954"), _kpi(shared, "N01955")
    return {key: young[key] + adults[key] for key in young.keys() & adults.keys()}


def _shares(shared, members: tuple[str, ...]) -> tuple[int, dict[str, float]]:
    """The newest year every member has a population 16–64 år, and each län's share of the
    members' population that year."""
    pop = _population(shared)
    year = max(y for (_, y) in pop if all((m, y) in pop for m in members))
    total = sum(pop[(m, year)] for m in members)
    by_lan: dict[str, float] = {}
    for m in members:
        by_lan[m[:2]] = by_lan.get(m[:2], 0.0) + pop[(m, year)] / total
    return year, by_lan


def _weighted(shared, kpi: str, year: int, codes: list[str]) -> float:
    """A rate of ``codes`` weighted by their population 16–64 år (the declared proxy)."""
    rate, pop = _kpi(shared, kpi), _population(shared)
    have = [c for c in codes if (c, year) in rate]
    return sum(rate[(c, year)] * pop[(c, year)] for c in have) / sum(pop[(c, year)]
                                                                      for c in have)


def _lan_members(warehouse, lan: str) -> list[str]:
    return list(queries.area(warehouse, f"lan:{lan}").members)


def _gr_note(shared) -> str:
    _, by_lan = _shares(shared, GR)
    percent = round(100 * by_lan["14"])
    return (f"Jämförs med {VG}, där 12 av 13 kommuner och {percent}\u00a0% av områdets "
            "befolkning 16–64 år finns (Kungsbacka ligger i Hallands län).")


def test_goteborgsregionen_is_compared_with_vastra_gotaland_by_its_real_share(warehouse,
                                                                               shared):
    year, by_lan = _shares(shared, GR)
    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR)
    choice = queries.lan_comparison(warehouse, gr)
    assert (choice.lan_code, choice.lan_name, choice.year) == ("14", VG, year)
    assert choice.share == pytest.approx(by_lan["14"])
    assert by_lan["14"] > 0.5 > by_lan["13"]
    assert choice.note == _gr_note(shared)
    # a kommun, a län, Riket and an area in one län: unchanged, no note
    kommun = queries.lan_comparison(warehouse, queries.area(warehouse, "kommun:1384"))
    assert (kommun.lan_code, kommun.lan_name, kommun.note) == ("13", "Hallands län", "")
    for area_id in ("lan:14", "riket"):
        assert queries.lan_comparison(warehouse, queries.area(warehouse, area_id)).lan_code \
            is None
    varend = queries.lan_comparison(warehouse, queries.Area(
        "group:v", "group", "Värend", ("0764", "0763", "0780")))
    assert (varend.lan_code, varend.note) == ("07", "")


def test_a_majority_that_rounds_to_half_never_reads_as_half(warehouse, shared):
    """review28: Bengtsfors and Kungsör, Bengtsfors holding 50,3 % of the two's people: the
    note read '50 %', as if there were no majority."""
    pair = ("1460", "1960")
    _, by_lan = _shares(shared, pair)
    assert 0.5 < by_lan["14"] < 0.505
    choice = queries.lan_comparison(warehouse, queries.Area("group:p", "group", "Par", pair))
    assert choice.lan_code == "14"
    assert choice.note == (f"Jämförs med {VG}, där 1 av 2 kommuner och drygt 50\u00a0% av "
                           "områdets befolkning 16–64 år finns (Kungsör ligger i "
                           "Västmanlands län).")


def test_a_group_split_with_no_majority_lan_is_compared_with_riket(warehouse, shared):
    """Markaryd, Osby and Hylte: three län, none with half of the population 16–64 år."""
    from exports import deck

    _, by_lan = _shares(shared, SPLIT)
    assert max(by_lan.values()) < 0.5
    split = queries.Area("group:grans", "group", "Gränsbygden", SPLIT)
    choice = queries.lan_comparison(warehouse, split)
    assert choice.lan_code is None
    assert choice.note == ("Inget län i jämförelsen: Gränsbygden ligger i tre län "
                           "(Kronobergs län, Skåne län och Hallands län), så området "
                           "jämförs med Riket.")
    assert [role for _, role in deck.compared_areas(warehouse, split)] == ["focus", "riket"]


def test_a_kommungrupp_stays_compared_with_riket_even_with_a_majority_lan(warehouse, shared):
    """A1 Storstäder: Stockholm holds over half of its population 16–64 år, but a
    kommungrupp is a kind of kommun, not a place: no län is drawn."""
    a1 = queries.area(warehouse, "kommungrupp:A1")
    _, by_lan = _shares(shared, a1.members)
    assert by_lan["01"] > 0.5
    choice = queries.lan_comparison(warehouse, a1)
    assert choice.lan_code is None and choice.note.startswith("Inget län i jämförelsen")


def test_an_la_across_a_lan_border_draws_its_majority_lan(warehouse, shared):
    """LA2307 Älmhult (Älmhult in Kronoberg, Osby in Skåne) as an official area."""
    la = queries.area(warehouse, "la:LA2307")
    assert sorted(la.members) == ["0765", "1273"]
    _, by_lan = _shares(shared, la.members)
    choice = queries.lan_comparison(warehouse, la)
    assert choice.lan_code == "07"
    assert choice.note == (f"Jämförs med Kronobergs län, där 1 av 2 kommuner och "
                           f"{round(100 * by_lan['07'])}\u00a0% av områdets befolkning 16–64 "
                           "år finns (Osby ligger i Skåne län).")


def test_the_page_draws_vastra_gotaland_s_real_values_and_downloads_its_rows(
        app_env, shared, warehouse, monkeypatch):
    from tests.offered import offered_tables
    from tests.test_app import _app, _decode, _figure
    from tests.test_review27_downloads import _by_code, _sheets
    from transforms.formatting import markdown_literal

    offered = offered_tables(monkeypatch)
    at = _app(sida="arbetsloshet", flik="ar", omrade="group:goteborgsregionen").run()
    assert not at.exception
    assert any(markdown_literal(_gr_note(shared)) in c.value for c in at.caption)
    fig = _figure(at, "Arbetslöshet 18–64 år (18–65 från 2023)<br>")
    assert f"Göteborgsregionen jämfört med {VG} och Riket" in fig["layout"]["title"]["text"]
    lan = next(t for t in fig["data"] if t["name"] == VG)
    expected = _weighted(shared, "N03920", 2022, _lan_members(warehouse, "14"))
    assert _decode(lan["x"])[-1] == 2022
    assert _decode(lan["y"])[-1] == pytest.approx(expected)
    table = offered["dl-N03920"]
    for shown in _sheets(table):
        row = _by_code(shown, VG, 2022)
        assert set(row) == {"14"}, row
        assert row["14"]["metod"] == table.indicators[0].area_method
    assert _by_code(_sheets(table)[0], VG, 2022)["14"]["värde"] == \
        f"{expected:.1f}".replace(".", ",")


def test_the_deck_compares_goteborgsregionen_with_vastra_gotaland(warehouse, shared):
    from pptx import Presentation

    from exports import deck
    from transforms.formatting import format_value

    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR)
    assert [(a.area_id, role) for a, role in deck.compared_areas(warehouse, gr)] == [
        ("group:goteborgsregionen", "focus"), ("lan:14", "lan"), ("riket", "riket")]
    pptx, _, plan = deck.build(warehouse, gr, ["N03920"], 2015, 2022, pdf=False)
    assert plan.lan_note == _gr_note(shared)
    item = plan.slides[0]
    lan = next(line for line in item.lines if line.name == VG)
    expected = _weighted(shared, "N03920", 2022, _lan_members(warehouse, "14"))
    assert lan.data.set_index("year")["value"][2022] == pytest.approx(expected)
    assert f"{VG} {format_value(expected, 1, '%')}" in " ".join(item.sentences)
    slides = list(Presentation(io.BytesIO(pptx)).slides)
    title = "\n".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    assert _gr_note(shared) in title
    chart = next(s.chart for s in slides[1].shapes if s.has_chart)
    assert [s.name for s in chart.plots[0].series] == ["Göteborgsregionen", VG, "Riket"]
    texts = "\n".join(s.text_frame.text for s in slides[1].shapes if s.has_text_frame)
    assert f"Göteborgsregionen jämfört med {VG} och Riket, 2015–2022" in texts


def test_motesunderlag_names_the_lan_it_compares_with(app_env, shared):
    from tests.test_app import _app
    from transforms.formatting import markdown_literal

    at = _app(sida="motesunderlag", omrade="group:goteborgsregionen").run()
    assert not at.exception
    intro = next(m.value for m in at.markdown if m.value.startswith("Ett underlag för"))
    assert f"jämförelsen med {VG} och Riket," in intro
    assert intro.endswith(markdown_literal(_gr_note(shared)))


def test_the_monthly_cards_and_chart_of_a_group_across_lan_show_its_majority_lan(app_env,
                                                                                 shared):
    """Falun and Borlänge (Dalarna) with Ockelbo (Gävleborg): SCB BAS in the mirror covers
    Dalarna only, so the group's value rests on 2 of 3 kommuner, and the cards and the
    monthly chart set Dalarnas län's own value beside it (it had none before)."""
    from tests.test_app import DALARNA, _app, _bas, _decode, _figure, _percent
    from tests.test_app import cards as shown_cards

    members = ("2080", "2081", "2101")
    _, by_lan = _shares(shared, members)
    assert by_lan["20"] > 0.5
    at = _app(sida="arbetsloshet", kommun="2080", omrade="group:x",
              egnagrupper="x:2080.2081.2101:Falun-Ockelbo").run()
    assert not at.exception
    dalarna = 100 * _bas(shared, DALARNA, "000004YH", "2026M04") / _bas(
        shared, DALARNA, "000006IU", "2026M04")
    cards = {c.label: c for c in shown_cards(at)}
    assert cards["Dalarnas län, april 2026 (preliminär)"].value == _percent(dalarna)
    fig = _figure(at, "Arbetslöshet (SCB BAS)<br>")
    line = next(t for t in fig["data"] if t["name"] == "Dalarnas län")
    assert _decode(line["y"])[-1] == pytest.approx(dalarna)
    note = (f"Jämförs med Dalarnas län, där 2 av 3 kommuner och {round(100 * by_lan['20'])}"
            "\u00a0% av områdets befolkning 16–64 år finns (Ockelbo ligger i Gävleborgs län).")
    assert any(note in c.value for c in at.caption)


def test_the_page_of_a_group_without_a_majority_lan_draws_no_lan(app_env):
    from tests.test_app import _app, _figure
    from transforms.formatting import markdown_literal

    at = _app(sida="arbetsloshet", flik="ar", kommun="0767", omrade="group:g",
              egnagrupper="g:0767.1273.1315:Gränsbygden").run()
    assert not at.exception
    fig = _figure(at, "Arbetslöshet 18–64 år (18–65 från 2023)<br>")
    names = {t["name"] for t in fig["data"]}
    assert "Gränsbygden" in names and "Riket" in names
    assert not [n for n in names if n.endswith(" län")]
    said = markdown_literal("Inget län i jämförelsen: Gränsbygden ligger i tre län")
    assert any(said in c.value for c in at.caption)


@pytest.mark.parametrize(("area_id", "lan", "outside"), [
    ("fa:15", "Västra Götalands län",
     "Falkenberg, Kungsbacka och Varberg ligger i Hallands län"),  # named: three
    ("la:LA2301", "Stockholms län",
     "de övriga 10 kommunerna ligger i Uppsala län och Södermanlands län"),  # counted
])
def test_the_kommuner_outside_are_named_when_few_and_counted_when_many(warehouse, shared,
                                                                       area_id, lan, outside):
    area = queries.area(warehouse, area_id)
    _, by_lan = _shares(shared, area.members)
    code = max(by_lan, key=by_lan.get)
    inside = sum(m[:2] == code for m in area.members)
    choice = queries.lan_comparison(warehouse, area)
    assert (choice.lan_code, choice.lan_name) == (code, lan)
    assert choice.note == (f"Jämförs med {lan}, där {inside} av {len(area.members)} kommuner "
                           f"och {round(100 * by_lan[code])}\u00a0% av områdets befolkning "
                           f"16–64 år finns ({outside}).")
