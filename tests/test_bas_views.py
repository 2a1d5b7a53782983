"""walk26's defects on the monthly SCB BAS views, on the warehouse built from the real mirror
(TAB6260: Dalarna's 15 kommuner, kön totalt, 20–64 år, födelseregion totalt, 2020M01–2026M04).
Numbers asserted are read again from the recorded response in ../shared/data."""

from __future__ import annotations

import json

from tests.cards_shown import cards
from tests.test_app import _bas, _percent, _shown


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
