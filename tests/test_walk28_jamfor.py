"""Walk28 points 2 and 3 on Jämför, on the session warehouse (real TAB6260 for Dalarna's 15
kommuner, real Kolada): lines a reader can tell apart, on screen and in the PNG, a file name
that names every area or says that it does not, and a ranking download a spreadsheet can
sort and join."""

from __future__ import annotations

import io
import itertools
import json

import pandas as pd

from exports.images import FORMATS, sized
from tests.colour_distance import distance
from tests.test_app import _shown

AVESTA = "2084"
COMPARED = "kommun:2084,kommun:2085,kommun:2080,kommun:2081,lan:20"  # as walk28 compared


def _figure(at) -> dict:
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return spec


def _line_colours(fig: dict) -> dict[str, tuple[str, str]]:
    return {t["name"]: (t["line"]["color"], t["line"].get("dash", "solid"))
            for t in fig["data"] if t.get("mode", "").startswith("lines")}


def test_the_compared_lines_have_colours_a_reader_tells_apart_also_in_the_png(app_env):
    """Avesta, Ludvika, Falun, Borlänge and Dalarnas län: every two of the five colours at
    least 30 apart (CIEDE2000), 15 for a deuteranope; Ludvika's amber and the län's
    vermillion were 22 and 12,5."""
    at = _shown(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet", jamfor=COMPARED)
    assert not at.exception
    fig = _figure(at)
    for shown in (fig, sized(fig, FORMATS["png169"])):
        lines = _line_colours(shown)
        assert list(lines) == ["Avesta", "Ludvika", "Falun", "Borlänge", "Dalarnas län"]
        colours = [c for c, _ in lines.values()]
        for a, b in itertools.combinations(colours, 2):
            assert distance(a, b) >= 30, (a, b)
            assert distance(a, b, deutan=True) >= 15, (a, b)


def test_twelve_compared_lines_differ_by_colour_or_dash(warehouse):
    """At the most areas Jämför takes, two lines drawn alike (the same dash) are at least
    15 apart in colour (10 for a deuteranope), and no line takes Riket's dark grey."""
    import charts
    import charts_compare
    from warehouse import queries

    ind = queries.indicator(warehouse, "N03920")
    data = pd.DataFrame({"year": [2021, 2022], "value": [1.0, 2.0], "status": [None, None]})
    lines = [charts.Line(f"Område {i}", data, "member") for i in range(12)]
    fig = charts_compare.compare_lines(lines, ind, title="t").to_dict()
    drawn = list(_line_colours(fig).values())
    assert len(drawn) == 12
    for (c1, d1), (c2, d2) in itertools.combinations(drawn, 2):
        if d1 == d2:
            assert distance(c1, c2) >= 15 and distance(c1, c2, deutan=True) >= 10, (c1, c2)
    riket = charts.ROLE_STYLE["riket"]["color"]
    assert min(distance(c, riket) for c, _ in drawn) >= 20


def test_the_file_name_names_every_area_or_says_there_are_more(app_env):
    """Five Dalarna areas do not fit a file name beside the indicator and the monthly
    options: the first three whole, then 'm.fl.' and how many (walk28: the fifth was cut off in silence);
    two fit whole."""
    at = _shown(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet", jamfor=COMPARED)
    [config] = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    name = config["toImageButtonOptions"]["filename"]
    assert name.startswith("Jämförelse, Avesta, Ludvika, Falun m.fl. (5 områden) – "
                           "Arbetslöshet (SCB BAS) – januari 2020–april 2026 – ")
    at = _shown(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet",
                jamfor="kommun:2084,lan:20")
    [config] = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    assert config["toImageButtonOptions"]["filename"].startswith(
        "Jämförelse, Avesta, Dalarnas län – Arbetslöshet (SCB BAS) – ")


def test_a_long_list_of_names_keeps_whole_names():
    from exports.filenames import listed

    names = ["Avesta", "Ludvika", "Falun", "Borlänge", "Dalarnas län"]
    assert listed("Jämförelse", names, 200) == "Jämförelse, " + ", ".join(names)
    assert listed("Jämförelse", names, 60) == "Jämförelse, Avesta, Ludvika, Falun m.fl. (5 områden)"
    assert listed("Jämförelse", names, 20) == "Jämförelse, 5 områden"


RANKING_COLUMNS = ["område", "kod", "län", "månad", "kön", "ålder", "födelseregion", "värde",
                   "plats bland kommuner med värde", "enhet", "täckning", "anmärkning", "metod",
                   "nyckeltal", "källa", "hämtad"]


def test_the_ranking_download_has_karta_s_columns_and_types(app_env, warehouse, shared):
    """walk28 point 2: Jämför's ranking of SCB BAS april 2026 with Avesta, Dalarnas län and
    Riket. Before: no kod, the month only in the file name, plats as text ('15' sorted
    before '2'), kommuner without a value and Riket with an empty anmärkning, and 'Område:
    Alla kommuner (2084)' on "Om siffrorna". Now Karta's columns: kod as text with its
    leading zeros, månad and ålder in every row, plats a number, 'uppgift saknas'."""
    from openpyxl import load_workbook

    from exports.tables import data_sheet, xlsx_bytes
    from tests.test_bas_views import _dalarna_rates
    from ui.pages.jamfor import ranking_export, ranking_table
    from warehouse import queries

    rates = _dalarna_rates(shared, "2026M04")
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    avesta = queries.area(warehouse, f"kommun:{AVESTA}")
    refs = [queries.area(warehouse, "lan:20"), queries.area(warehouse, "riket")]

    class _Sel:
        area = avesta

    table = ranking_table(ind, "2026-04", "T", [avesta], refs)  # ui.data.query: warehouse
    export = ranking_export(table, ind, "2026-04", "T", _Sel())
    assert list(data_sheet(export).columns) == RANKING_COLUMNS
    book = load_workbook(io.BytesIO(xlsx_bytes(export)))
    ws = book["Data"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True))
            for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 292  # 290 kommuner, Dalarnas län and Riket
    place = "plats bland kommuner med värde"
    valued = {r["kod"]: r for r in rows if r[place] is not None}
    assert set(valued) == set(rates)  # Dalarna's 15, by their codes as text
    for code, rate in rates.items():
        row = valued[code]
        assert row["värde"] == round(rate, 1) and isinstance(row[place], int)
        assert row[place] == 1 + sum(v < rate for v in rates.values())  # lower is better
        assert (row["månad"], row["ålder"], row["län"]) == ("2026-04", "20–64 år",
                                                           "Dalarnas län")
    assert valued[AVESTA][place] == 15
    # sorted by plats as numbers, the screen's order; reference rows where their value falls
    places = [r[place] for r in rows if r[place] is not None]
    assert places == sorted(places)
    codes = {r["kod"] for r in rows}
    assert "0114" in codes and all(isinstance(c, str) for c in codes)  # Upplands Väsby
    missing = [r for r in rows if r["värde"] is None and r["kod"] not in ("00", "20")]
    assert len(missing) == 275 and {r["anmärkning"] for r in missing} == {"uppgift saknas"}
    riket = next(r for r in rows if r["kod"] == "00")
    assert riket["område"] == "Riket" and riket[place] is None
    assert riket["anmärkning"] == ("preliminär, undanhållet: under hälften av kommunerna "
                                   "rapporterar, referensrad: räknas inte i platserna")
    lan = next(r for r in rows if r["kod"] == "20")
    assert lan["metod"] == ind.area_method and "referensrad" in lan["anmärkning"]
    about = {r[0]: r[1] for r in book["Om siffrorna"].iter_rows(values_only=True) if r and r[0]}
    assert about["Område"] == "Alla kommuner i riket (00)"
    assert about["Kommuner i Riket"] == "alla 290 kommuner"
    assert about["Period"] == "april 2026"
