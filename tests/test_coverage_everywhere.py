"""The population behind a partial weighted rate is said wherever the value is (review27,
item 2). left27 added "4 av 5 kommuner, 92 % av befolkningen 16–64 år" to Översikt's card,
chart lines and the deck; Jämför (its chart's hover and CSV ``täckning``) and Karta's area
layer (hover and download) still said "4 av 5 kommuner" for the same number, so one value's
downloads disagreed. The share is now attached where the series is made
(``queries.area_series``, ``area_values``), and one function words it
(``transforms.areas.coverage_of``).

Unga vuxna med ekonomiskt bistånd (U31804, weighted by befolkningen 16–64 år, N01954 +
N01955) in Blekinge 2022 rests on 4 of its 5 kommuner (the recorded Kolada responses)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import charts_map
from exports.tables import csv_bytes
from tests.offered import offered_tables
from tests.test_app import _app, _figures
from tests.test_partial_sums import BLEKINGE, _kolada
from warehouse import queries

ROOT = Path(__file__).resolve().parents[1]


def _words(warehouse, shared) -> str:
    """'4 av 5 kommuner, NN % av befolkningen 16–64 år' computed from the recorded values."""
    members = list(queries.area(warehouse, BLEKINGE).members)
    rate = _kolada(shared, "U31804")
    people = {k: _kolada(shared, "N01954")[(k, 2022)] + _kolada(shared, "N01955")[(k, 2022)]
              for k in members}
    reporting = [k for k in members if (k, 2022) in rate]
    assert (len(reporting), len(members)) == (4, 5)
    share = sum(people[k] for k in reporting) / sum(people.values())
    # the member without a value named (stop 28): Olofström in 2022
    [lacking] = queries.kommun_names(warehouse, [k for k in members if k not in reporting])
    return (f"4 av 5 kommuner, {min(99, round(100 * share))}\u00a0% av befolkningen 16–64 år; "
            f"{lacking} saknas")


def test_karta_area_layer_says_the_population_behind_a_partial_rate(warehouse, shared):
    from ui.pages.karta import map_table

    words = _words(warehouse, shared)
    ind = queries.indicator(warehouse, "U31804")
    values = queries.area_values(warehouse, ind, "lan", "2022")
    hover = dict(zip(values["area_id"], charts_map.hover_texts(values, ind), strict=True))
    assert hover[BLEKINGE].endswith(f"(bygger på {words})"), hover[BLEKINGE]
    table = map_table(values.assign(place=1, of=len(values)), ind, "T").set_index("kod")
    assert table.loc["10", "täckning"] == words
    whole = values.set_index("area_id")
    assert (whole["status"] != "partial").sum() > 0  # a whole län says no share
    assert whole.loc[whole["status"] != "partial", "covered_share"].isna().all()


def test_jamfor_says_the_population_behind_a_partial_rate(app_env, warehouse, shared,
                                                          monkeypatch):

    words = _words(warehouse, shared)
    offered = offered_tables(monkeypatch)
    monkeypatch.chdir(ROOT)
    at = _app(sida="jamfor", kommun="1080", indikator="U31804", jamfor=f"{BLEKINGE},riket",
              fran="2015", till="2022").run()
    assert not at.exception
    ind = queries.indicator(warehouse, "U31804")
    hovers = [" ".join(map(str, t.get("hovertext") or [])) for fig in _figures(at)
              if fig["layout"]["title"]["text"].startswith(ind.label) for t in fig["data"]]
    assert any(f"bygger på {words}" in h for h in hovers)
    rows = list(csv.DictReader(io.StringIO(csv_bytes(offered["dl-jamfor"]).decode("utf-8-sig")),
                               delimiter=";"))
    blekinge = {r["år"]: r["täckning"] for r in rows if r["område"] == "Blekinge län"}
    assert blekinge["2022"] == words and blekinge["2021"] == ""


def test_the_decks_reference_values_say_when_they_rest_on_some_kommuner(warehouse, shared):
    """walk27b: the deck's key figures said "Riket 4,5 %" beside a group's U31804 value
    without saying Riket rests on some of the 290 kommuner (only the focus line had its
    "n av m"). A reference value from some kommuner now carries the page's words: here
    Karlskrona's deck, with Blekinge (4 of 5 kommuner) and Riket as references."""
    from exports import deck

    words = _words(warehouse, shared)
    karlskrona = queries.area(warehouse, "kommun:1080")
    [item] = deck.plan(warehouse, karlskrona, ["U31804"], 2015, 2022).slides
    sentence = item.sentences[0]
    assert f"({words})" in sentence, sentence
    # and Riket's own coverage, counted from the mirror's 2022 values (every kommun expected)
    rate = _kolada(shared, "U31804")
    n = sum(1 for (k, y) in rate if y == 2022)
    assert 200 < n < 290
    assert "Riket " in sentence and f"({n} av 290 kommuner, " in sentence, sentence
