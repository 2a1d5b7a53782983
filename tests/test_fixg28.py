"""Stop 28, fixg28: Jämför's lines at 3:1 on white and told apart without colour (WCAG 1.4.11,
1.4.1), revision notes about the months drawn, the data's age for every old indicator, and
two rules kept in one place."""

from __future__ import annotations

import itertools
import json

from tests.colour_distance import distance
from tests.test_a11y import WHITE, contrast
from tests.test_app import _shown

AVESTA = "2084"
COMPARED = "kommun:2084,kommun:2085,kommun:2080,kommun:2081,lan:20"  # as walk28 compared


def test_every_jamfor_colour_reaches_3_to_1_on_white_and_stays_apart():
    """Amber #E69F00 (2.25:1), sky blue #33BBEE (2.21:1) and others under 3:1 were in the
    palette; every colour now 3:1, the first five lines still ≥ 30 apart (15 for a
    deuteranope, fixd28's measure) and every one ≥ 20 from Riket's grey."""
    import charts
    import charts_compare

    for colour in (charts_compare.FOCUS, *charts_compare.PALETTE):
        assert contrast(colour, WHITE) >= 3, colour
    first = [charts_compare.FOCUS, *charts_compare.PALETTE[:4]]
    for a, b in itertools.combinations(first, 2):
        assert distance(a, b) >= 30 and distance(a, b, deutan=True) >= 15, (a, b)
    riket = charts.ROLE_STYLE["riket"]["color"]
    assert min(distance(c, riket) for c in charts_compare.PALETTE) >= 20


def test_jamfors_monthly_lines_differ_by_dash_and_marker_from_the_second_on(app_env):
    """Walk28's five Dalarna areas on SCB BAS (real TAB6260 months): the first line solid and
    strong, each other one its own dash and marker (shown about once a year), every line 3:1
    on white; before, the first seven were solid lines without markers."""
    at = _shown(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet", jamfor=COMPARED)
    assert not at.exception
    [fig] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    names = ["Avesta", "Ludvika", "Falun", "Borlänge", "Dalarnas län"]
    traces = {t["name"]: t for t in fig["data"] if t.get("name") in names
              and t.get("mode", "").startswith("lines")}
    assert list(traces) == names
    months = len(traces["Avesta"]["x"])
    assert months >= 70  # 2020-01 .. 2026-04 as drawn
    assert traces["Avesta"]["line"].get("dash", "solid") == "solid"
    cues = []
    for name in names[1:]:
        t = traces[name]
        assert t["mode"] == "lines+markers", name
        assert 2 <= t["marker"]["maxdisplayed"] <= months // 10, name
        cues.append((t["line"]["dash"], t["marker"]["symbol"]))
    assert all(dash != "solid" for dash, _ in cues)
    assert len({d for d, _ in cues}) == len(cues) and len({s for _, s in cues}) == len(cues)
    for t in traces.values():
        assert contrast(t["line"]["color"], WHITE) >= 3, t["name"]


def test_twelve_lines_each_have_their_own_dash_and_marker(warehouse):
    """At Jämför's most areas (12) no two lines from the second on share both dash and
    marker, so a line is found by its shape in any print."""
    import charts
    import charts_compare
    from warehouse import queries

    ind = queries.indicator(warehouse, "N03920")
    data = queries.area_series(warehouse, ind, queries.area(warehouse, "kommun:0780"))
    assert not data["value"].dropna().empty
    lines = [charts.Line(f"Område {i}", data, "member") for i in range(12)]
    fig = charts_compare.compare_lines(lines, ind, title="t").to_dict()
    drawn = [t for t in fig["data"] if str(t.get("name", "")).startswith("Område")
             and t.get("mode", "").startswith("lines")]
    assert len(drawn) == 12
    shapes = [(t["line"]["dash"], t["marker"].get("symbol")) for t in drawn[1:]]
    assert len(set(shapes)) == 11 and all(s is not None for _, s in shapes)
    assert len({s for _, s in shapes}) == 11
