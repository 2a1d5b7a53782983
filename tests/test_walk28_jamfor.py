"""Walk28 points 2 and 3 on Jämför, on the session warehouse (real TAB6260 for Dalarna's 15
kommuner, real Kolada): lines a reader can tell apart, on screen and in the PNG, a file name
that names every area or says that it does not, and a ranking download a spreadsheet can
sort and join."""

from __future__ import annotations

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
