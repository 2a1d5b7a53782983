"""Stop 28, fixg28: Jämför's lines at 3:1 on white and told apart without colour (WCAG 1.4.11,
1.4.1), revision notes about the months drawn, the data's age for every old indicator, and
two rules kept in one place."""

from __future__ import annotations

import itertools
import json

from tests import test_walk28_notes as notes
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


# --- revision notes about the months drawn (review28 point 2) ------------------------------

revised = notes.revised  # the warehouse refreshed from two TAB6260 vintages, and its app
page = notes.page

MONTHS_SV = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december"]


def _in_span(first: str, last: str) -> list[tuple[str, str, str]]:
    return [k for k in notes._changed() if len(k[0]) == 4 and first <= k[2] <= last]


def _example_is_real(said: str, first: str, last: str, codes: dict[str, str]) -> None:
    """The note's example ('Till exempel Avesta mars 2025: förut 9,1 %, nu 9,0 %') is a month
    in the span with the two publications' values (``codes``: kommun name -> code)."""
    import re

    from tests.scb_recorded import BAS_DATA, VINTAGES
    from tests.test_revisions import _cells

    m = re.search(r"Till exempel (\w+) (\w+) (\d{4}): förut ([\d,]+) %, nu ([\d,]+) %", said)
    assert m, said
    tid = f"{m[3]}M{MONTHS_SV.index(m[2]) + 1:02d}"
    assert first <= tid <= last
    old, new = _cells(VINTAGES / "2026-04-30" / "data.json"), _cells(BAS_DATA)
    cell = (codes[m[1]], notes.RATE, tid)
    assert (float(m[4].replace(",", ".")), float(m[5].replace(",", "."))) == (old[cell], new[cell])


def test_a_chart_of_2025_and_2026_names_only_the_changes_it_draws(page):
    """Jämför of walk28's areas, January 2025–April 2026: the count, span and example of the
    months drawn (SCB revised to February 2026); before, '966 … (januari 2020 – februari
    2026). Till exempel Avesta april 2021', a month the chart does not draw."""
    n = len(_in_span("2025M01", "2026M04"))
    assert 0 < n < len(notes._changed()) == 966
    at = page(sida="jamfor", kommun=AVESTA, indikator="bas_arbetsloshet", jamfor=COMPARED,
              fran="2025-01", till="2026-04")
    for said in (notes._footer(at), notes._image_source(at)):
        assert (f"hade SCB ändrat {n} tidigare publicerade månadsvärden för 15 kommuner "
                "(januari 2025 – februari 2026).") in said, said
        assert "2021" not in said and "januari 2020" not in said
        _example_is_real(said, "2025M01", "2026M04", {"Avesta": AVESTA})


def test_the_deck_of_2025_2026_counts_the_same_months(revised):
    from exports.deck import plan
    from warehouse import queries
    from warehouse.db import connect

    con = connect(revised, read_only=True)
    try:
        deck = plan(con, queries.area(con, "lan:20"), ["bas_arbetsloshet"], 2025, 2026)
        kommuner = queries.kommuner(con)
    finally:
        con.close()
    [slide] = deck.slides
    said = " ".join(" ".join(slide.flags).split())
    n = len(_in_span("2025M01", "2026M12"))
    assert (f"hade SCB ändrat {n} tidigare publicerade månadsvärden för 15 kommuner "
            "(januari 2025 – februari 2026).") in said, said
    _example_is_real(said, "2025M01", "2026M12",
                     dict(zip(kommuner["kommun_name"], kommuner["kommun_code"], strict=True)))


def test_a_span_without_changes_says_so_after_the_whole_revision(revised):
    """Months SCB did not revise (March–April 2026): the whole revision, then that those
    months did not change, as Karta says of one month."""
    from transforms.monthly import revision_note
    from warehouse import queries
    from warehouse.db import connect

    con = connect(revised, read_only=True)
    try:
        ind = queries.indicator(con, "bas_arbetsloshet")
        changes = queries.series_revisions(con, ind, queries.area(con, "lan:20"), "T", None)
    finally:
        con.close()
    names = {AVESTA: "Avesta"}
    text = revision_note(changes, decimals=1, short_unit="%", names=names,
                         months=("2026-03", "2026-04"))
    assert text.startswith(f"Vid den senaste uppdateringen ändrade SCB {len(notes._changed())} "
                           "tidigare publicerade månadsvärden för 15 kommuner (januari 2020 – "
                           "februari 2026); mars 2026 – april 2026 ändrades inte.")


# --- the data's age for every old indicator drawn (review28 point 3) -----------------------

SYSSELSATTNING = ("N02267", "N02243", "N00914", "N02268", "N00713")  # Arbetslöshet's tab


def _kolada_last_year(kpi: str) -> int:
    from tests.conftest import SHARED

    body = json.loads((SHARED / "kolada_v3" / "data" / "kpi" / f"{kpi}.json").read_text())
    return max(int(r["period"]) for r in body["values"]
               if any(v["value"] is not None for v in r["values"]))


def test_old_yearly_values_beside_current_ones_are_named(warehouse):
    """Kolada's N00914 and N00713 (Förvärvsarbetande, '(–2021)') end a year before the other
    three of the tab: in 2023 the others are current, and the line named nothing (it spoke
    only when the newest year was old); now it names the two and their year."""
    from datetime import date

    from transforms.formatting import data_age_note, format_date
    from warehouse import queries

    inds = [queries.indicator(warehouse, i) for i in SYSSELSATTNING]
    last = {i.id: _kolada_last_year(i.id) for i in inds}
    assert {i.id: i.last_year for i in inds} == last
    old = [i for i in inds if last[i.id] < max(last.values())]
    assert [i.id for i in old] == ["N00914", "N00713"]
    newest, older = max(last.values()), last["N00914"]
    today = date(newest + 1, 6, 1)  # the newest year is last year's: current
    fetched = format_date(max(i.fetched_at for i in old))
    assert data_age_note(inds, today) == (
        f"Äldre årsvärden: {old[0].label} och {old[1].label} slutar {older} i hämtad data "
        f"(Kolada, hämtad {fetched}); sidans övriga årsvärden går till {newest}.")
    assert data_age_note(inds, date(newest, 6, 1)) is None  # none old


def test_a_tab_of_old_years_names_those_older_still(app_env, warehouse):
    """Arbetslöshet's Sysselsättning tab for Avesta today: every yearly value is old; the
    line gives the newest year and names the two that end a year before it."""
    from transforms.formatting import format_date
    from warehouse import queries

    inds = {i: queries.indicator(warehouse, i) for i in SYSSELSATTNING}
    newest = max(_kolada_last_year(i) for i in SYSSELSATTNING)
    at = _shown(sida="arbetsloshet", kommun=AVESTA, flik="sysselsattning")
    assert not at.exception
    [line] = [c.value for c in at.caption if "Årsvärdena" in c.value]
    assert line == (
        f"Årsvärdena: senaste år i hämtad data är {newest} (Kolada, hämtad "
        f"{format_date(inds['N02267'].fetched_at)}). {inds['N00914'].label} och "
        f"{inds['N00713'].label} slutar {_kolada_last_year('N00914')}.")
