"""A yearly change across an indicator's series break (indicators.yml ``breaks``) is no
change: the screen's card and the meeting deck's key figures leave it out and say why, with
one function (transforms.periods.break_reason), as the monthly card does across its breaks
(monthly.compared_value)."""

from __future__ import annotations

from exports import deck
from tests.cards_shown import cards
from tests.test_app import _kolada, _shown
from transforms import periods
from transforms.catalogue import Break
from transforms.export import shown_change
from transforms.formatting import format_change, format_number
from warehouse import queries

# Vuxna med långvarigt ekonomiskt bistånd: Socialstyrelsen revised the method from 2017
REASON_2017 = ("Ingen förändring anges: seriebrott 2017 (reviderad metod för långvarigt "
               "bistånd; data omräknade från 2017), så {then} och {now} är inte jämförbara.")
VAXJO = "kommun:0780"


def test_a_break_lies_between_two_years_only_when_the_later_one_is_its_first():
    """A break of 2017 lies between 2016 and 2017, or 2010 and 2022; not between 2017 and
    2018, nor 2015 and 2016. The label's first word is lower case inside the sentence; an
    abbreviation keeps its capitals."""
    brk, agi = Break(2017, "Reviderad metod"), Break(2019, "AGI i stället för KU.")
    assert periods.break_between([brk], 2016, 2017) == brk
    assert periods.break_between([brk, agi], 2010, 2022) == brk  # the first one
    assert periods.break_between([brk], 2017, 2018) is None
    assert periods.break_between([brk], 2015, 2016) is None
    assert periods.break_reason([brk], 2016, 2017) == (
        "Ingen förändring anges: seriebrott 2017 (reviderad metod), så 2016 och 2017 är inte "
        "jämförbara.")
    assert periods.break_reason([agi], 2018, 2019).startswith(
        "Ingen förändring anges: seriebrott 2019 (AGI i stället för KU), så")
    assert periods.break_reason([brk], 2017, 2018) is None


def test_the_yearly_card_gives_no_change_across_the_break(app_env, warehouse, shared):
    """Översikt, Växjö, up to 2017: the card of långvarigt bistånd shows 2017's value from
    the mirror and no change from 2016 (it said the difference across the break); up to
    2018 it gives the change from 2017 again."""
    ind = queries.indicator(warehouse, "N31816")
    assert [b.year for b in ind.breaks] == [2017]
    shown = {c.label: c for c in cards(_shown(kommun="0780", till="2017"))}
    card = shown[f"{ind.label}, 2017"]
    value = _kolada(shared, "N31816", 2017)["0780"]
    assert card.value == f"{format_number(value, ind.decimals)}\u00a0%"
    assert card.delta is None
    assert REASON_2017.format(then=2016, now=2017) in card.notes
    later = {c.label: c for c in cards(_shown(kommun="0780", till="2018"))}[
        f"{ind.label}, 2018"]
    new, old = (_kolada(shared, "N31816", y)["0780"] for y in (2018, 2017))
    change = format_change(shown_change(new, old, 1), 1, "percent")
    assert later.delta == f"{change} från 2017"
    assert not any("seriebrott" in n for n in later.notes)


def test_the_deck_gives_no_change_across_the_break(warehouse):
    """The deck's key figures for Växjö: 2010–2017 gives neither the change from 2016 nor the
    one from 2010, and its flags say why (once per pair of years, instead of the bare
    'Seriebrott 2017'); 2017–2022 gives both changes, all after the break."""
    ind = queries.indicator(warehouse, "N31816")
    area = queries.area(warehouse, VAXJO)
    focus = queries.area_series(warehouse, ind, area).set_index("year")["value"]
    item = deck.plan(warehouse, area, ["N31816"], 2010, 2017).slides[0]
    value = format_number(focus[2017], 1)
    assert item.sentences[0].startswith(f"{ind.label} var {value}\u00a0% 2017 i Växjö;")
    assert item.sentences[1] == f"2010–2017: från {format_number(focus[2010], 1)}\u00a0% till {value}\u00a0%."
    assert REASON_2017.format(then=2016, now=2017) in item.flags
    assert REASON_2017.format(then=2010, now=2017) in item.flags
    assert not any(f.startswith("Seriebrott 2017") for f in item.flags)
    after = deck.plan(warehouse, area, ["N31816"], 2017, 2022).slides[0]
    assert "lägre än 2021" in after.sentences[0] or "högre än 2021" in after.sentences[0] \
        or "oförändrat från 2021" in after.sentences[0]
    assert "än 2017)." in after.sentences[1] or "från 2017)." in after.sentences[1]
    assert not any("seriebrott" in f.lower() for f in after.flags)
