"""Key-figure cards as one HTML element per section (ui/cards.py, issue 12 point 7): what they
show is text, escaped, read back whole; Översikt draws a section's cards as one element."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.cards_shown import cards
from tests.test_app import _kolada, _shown
from transforms.formatting import format_number
from ui.cards import CardView, row_html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_a_card_shows_hostile_text_as_text():
    """An area name or a note is text in the card, never markup: a group's name is user
    input and reaches the notes ("inga värden för <namn> i vald period")."""
    name = '<img src=x onerror="alert(1)">Kusten & "Fjällen"'
    html = row_html([CardView(label=f"Folkmängd, {name}", value="1\u00a0234", delta="−5 från 2021",
                              help=f"Summa för {name}", notes=(f"**Plats 1** i {name}.",)),
                     CardView(info=f"**Folkmängd**: inga värden för {name} i vald period.")])
    parser = _Tags()
    parser.feed(html)
    assert "img" not in parser.tags and "<img" not in html
    from tests.cards_shown import _Reader

    reader = _Reader()
    reader.feed(html)
    first, note = reader.cards
    assert first.label == f"Folkmängd, {name}"
    assert first.value == "1\u00a0234" and first.delta == "−5 från 2021"
    assert first.help == f"Definition: Summa för {name}"
    assert first.notes == [f"**Plats 1** i {name}."]
    assert note.info == f"**Folkmängd**: inga värden för {name} i vald period."


def test_oversikt_draws_each_sections_cards_as_one_element(app_env, shared):
    at = _shown(kommun="0780")
    assert not at.exception
    assert not at.metric  # no st.metric, no column per card
    rows = [e for e in at.get("html") if 'class="kort-rad' in e.proto.body]
    # four sections of ranked cards, Befolkning's two cards and SCB's population card (Växjö
    # has no monthly BAS values in the mirror: that block draws no cards)
    assert len(rows) == 6
    shown = cards(at)
    assert len(shown) == 3 + 4 + 4 + 4 + 2 + 1
    by_label = {c.label: c for c in shown}
    employment = by_label["Sysselsättningsgrad 20–64 år, 2022"]
    value = _kolada(shared, "N02267", 2022)["0780"]
    assert employment.value == f"{value:.1f}".replace(".", ",") + "\u00a0%"
    assert employment.notes[0].endswith("bland kommunerna; plats 1 = högst värde, det bästa.")


def test_a_change_reads_with_a_typographic_minus_and_its_arrow():
    """A card is HTML (not st.metric): a fall is written with '−' (U+2212, as every number
    on the page) and points down; a rise points up."""
    from transforms.formatting import format_change

    fall, rise = format_change(-12, 0, "count"), format_change(0.44, 1, "percent")
    assert fall == "−12 personer" and "-" not in fall and rise == "+0,4 procentenheter"
    html = row_html([CardView(label="a", value="1", delta=f"{fall} från 2021"),
                     CardView(label="b", value="2", delta=rise)])
    downs, ups = html.count("↓"), html.count("↑")
    assert (downs, ups) == (1, 1)
    assert html.index("↓") < html.index("−12 personer från 2021") < html.index("↑")


def test_a_change_that_rounds_to_zero_has_no_sign_and_no_arrow():
    """'±0,0', not '+0,0' with an up arrow (as st.metric drew it) nor '−0,0' with a down one."""
    from transforms.formatting import format_change

    tiny = [format_change(v, 1, "percent") for v in (0.0, 0.04, -0.04)]
    assert tiny == ["±0,0 procentenheter"] * 3
    assert format_change(-0.4, 0, "count") == "±0 personer"
    assert format_change(0.6, 0, "count") == "+1 person"  # one: singular (review of walk24b)
    assert format_change(-1, 0, "count") == "−1 person" and format_change(1.4, 0, "count") == "+1 person"
    assert format_change(1, 0, "count", label="Biståndshushåll") == "+1 hushåll"
    assert format_change(float("inf"), 1, "count") == "+inf personer"
    html = row_html([CardView(label="a", value="1", delta=f"{t} från 2021") for t in tiny])
    assert "↑" not in html and "↓" not in html and html.count("±0,0") == 3


def test_a_cards_change_is_the_difference_of_the_values_shown(app_env, shared):
    """Långtidsarbetslöshet in Växjö: 5,270 % (2021, shown 5,3) to 4,534 % (2022, shown 4,5)
    is −0,8 procentenheter, the change a reader computes from the values shown (the same
    transforms.export.shown_change as the meeting deck's words), not the −0,7 of the
    unrounded values the card said."""
    from transforms.export import shown_number

    now, before = (_kolada(shared, "N03926", year)["0780"] for year in (2022, 2021))
    assert (shown_number(now, 1), shown_number(before, 1)) == (4.5, 5.3)  # the mirror's
    assert format_number(now - before, 1) == "−0,7"  # what the card said
    card = {c.label: c for c in cards(_shown(kommun="0780"))}[
        "Långtidsarbetslöshet 25–64 år (25–65 från 2023), 2022"]
    assert card.value == "4,5\u00a0%"
    assert card.delta == "−0,8 procentenheter från 2021"


def test_a_cards_change_says_the_values_unit(app_env, shared):
    """walk24 point 7: 'Kostnad för ekonomiskt bistånd 1 442 kr/inv, ↓ −70 från 2021' said no
    unit (a share's change says 'procentenheter'). Växjö's Översikt: the kronor card's change
    is in kr/inv, the count of people in etableringsuppdraget changes by 'personer', both the
    difference of the mirror's values for the card's year and the year before."""
    from transforms.export import shown_change

    shown = {c.label.rsplit(", ", 1)[0]: c for c in cards(_shown(kommun="0780"))}
    for kpi, label, words in (("N31001", "Kostnad för ekonomiskt bistånd", "\u00a0kr/inv"),
                              ("N00960", "Inskrivna i etableringsuppdraget, antal",
                               " personer")):
        card = shown[label]
        year = int(card.label.rsplit(", ", 1)[1])
        now, before = (_kolada(shared, kpi, y)["0780"] for y in (year, year - 1))
        change = format_number(shown_change(now, before, 0), 0, sign=True)
        assert card.delta == f"{change}{words} från {year - 1}"
