"""Walkthrough 27b's defects (fixe27): a DUA coordinator of Göteborgsregionen and Tjörn's
kommunstyrelse chair on a phone. A card that showed an older year as the newest, Översikt's
intro promising a place a group has not, a shared link of the built-in Göteborgsregionen
titled "(delad länk)", and a count's deck sentence ("…, antal var 1 106"). Values are the
recorded Kolada responses in ../shared/data."""

from __future__ import annotations

import json

import pytest

from tests.cards_shown import cards
from tests.conftest import SHARED
from tests.test_app import _app, _figures
from transforms.export import shown_change
from transforms.formatting import format_number, sentence_subject
from warehouse import queries

TJORN = "1419"
# Göteborgsregionen's 13 kommuner in the walk's order (Göteborg first), as the built-in group
GR = ("1480", "1440", "1489", "1401", "1384", "1482", "1441", "1462", "1481", "1402", "1415",
      "1419", "1407")
GR_LINK = {"grupp": "Göteborgsregionen", "medlemmar": ",".join(GR)}


def _kolada(kpi: str, sex: str = "T") -> dict[tuple[str, int], float | None]:
    """(kommun or area code, year) -> the KPI's value for ``sex`` in the recorded response
    (None where Kolada gives no value)."""
    body = json.loads((SHARED / "kolada_v3" / "data" / "kpi" / f"{kpi}.json").read_text())
    return {(r["municipality"], int(r["period"])): v["value"] for r in body["values"]
            for v in r["values"] if v["gender"] == sex}


def test_a_kommun_card_says_its_newest_year_is_missing_not_an_older_one_as_newest(app_env):
    """walk27b 1: Tjörn, kvinnor: the U31804 card showed 2021 (4,7 %) beside cards and a
    chart of 2022, nothing saying Kolada has no 2022 value for Tjörn (it has for 208
    kommuner). The card shows 2022 as missing, with the latest value and its year."""
    values = _kolada("U31804", "K")
    assert values[(TJORN, 2022)] is None and values[(TJORN, 2021)] is not None
    others = [k for (k, y), v in values.items() if y == 2022 and v is not None and len(k) == 4]
    assert len(others) > 200  # the real data: 208 kommuner have 2022 for kvinnor
    latest = format_number(values[(TJORN, 2021)], 1)  # '4,7'
    # the change as the card counts it: between the values as shown (4,7 and 7,8)
    change = format_number(shown_change(values[(TJORN, 2021)], values[(TJORN, 2020)], 1), 1,
                           sign=True)
    at = _app(sida="unga", kommun=TJORN, kon="K").run()
    assert not at.exception
    [card] = [c for c in cards(at) if c.label.startswith("Unga vuxna 18–24 år med ekonomiskt")]
    assert card.label.endswith(", 2022"), card
    assert card.value == "uppgift saknas" and card.delta is None, card
    assert card.notes[0].startswith("**2022: uppgift saknas för Tjörn**"), card
    assert f"senast 2021: {latest}\u00a0% ({change} procentenheter från 2020)" in card.notes[0]
    # a kommun with the year keeps its card as before
    at = _app(sida="unga", kommun="1480", kon="K").run()
    [card] = [c for c in cards(at) if c.label.startswith("Unga vuxna 18–24 år med ekonomiskt")]
    assert card.label.endswith(", 2022") and card.value == (
        format_number(_kolada("U31804", "K")[("1480", 2022)], 1) + "\u00a0%"), card


def test_the_deck_says_the_newest_year_is_missing_for_the_kommun(warehouse):
    """walk27b 1, the deck: 'Unga vuxna … var 4,7 % 2021 i Tjörn' stood as the key figure of
    a deck whose charts run to 2022. It now says 2022 is missing for Tjörn, with the län's
    and Riket's 2022 values, then Tjörn's latest value and its year."""
    from exports import deck

    values = _kolada("U31804", "K")
    tjorn = queries.area(warehouse, f"kommun:{TJORN}")
    item = deck.plan(warehouse, tjorn, ["U31804"], 2015, 2022, sex="K").slides[0]
    riket = queries.area_series(warehouse, item.ind, queries.area(warehouse, "riket"), "K")
    riket_2022 = format_number(riket.set_index("year")["value"][2022], 1)
    first, second = item.sentences[:2]
    assert first.startswith("Unga vuxna 18–24 år med ekonomiskt bistånd 2022: uppgift saknas "
                            "för Tjörn; Västra Götalands län "), first
    # Riket rests on some kommuner that year, and says so (walk27b)
    assert f"Riket {riket_2022}\u00a0% (" in first and " av 290 kommuner, " in first, first
    assert second.startswith(f"Senast 2021: {format_number(values[(TJORN, 2021)], 1)}\u00a0% "
                             "i Tjörn, "), second
    assert not any(" var " in s and "2021 i Tjörn" in s for s in item.sentences)


def test_a_groups_overview_says_what_it_shows_without_a_place(app_env):
    """walk27b 2: with a group chosen Översikt's intro promised "kommunens plats bland
    landets kommuner", and no group card has a place. The intro for an area says what the
    page shows and where the place is; a kommun's keeps the place."""
    at = _app(kommun=TJORN, **GR_LINK).run()
    assert not at.exception
    intro = " ".join(m.value for m in at.markdown)
    assert "kommunens plats" not in intro
    assert "Platsen bland landets kommuner visas när en kommun är vald" in intro
    assert not [n for c in cards(at) for n in c.notes if "bland kommunerna" in n]
    at = _app(kommun=TJORN).run()
    assert "kommunens plats bland landets kommuner" in " ".join(m.value for m in at.markdown)
    assert [n for c in cards(at) for n in c.notes if "bland kommunerna" in n]


def test_a_shared_link_of_a_stored_group_is_the_stored_group(app_env):
    """walk27b 3: '?grupp=Göteborgsregionen&medlemmar=<its 13 kommuner>' (the built-in group
    shared as it is) was listed twice in Område and titled "Göteborgsregionen (delad länk)"
    everywhere: shared_area suffixes a link's group beside a stored group of the same name
    (walkfixb26, to tell two different groups apart), and here they are one group. A link's
    group with the name and the kommuner of a stored one is that stored group."""
    at = _app(kommun=TJORN, **GR_LINK).run()
    assert not at.exception
    boxes = {s.label: s for s in at.selectbox}
    assert boxes["Kommun"].value == TJORN
    assert boxes["Område"].value == "group:goteborgsregionen"
    gr = [o for o in boxes["Område"].options if "Göteborgsregionen" in o]
    assert gr == ["Egen grupp: Göteborgsregionen"], gr
    assert [t.value for t in at.title] == ["Översikt – Göteborgsregionen"]
    at = _app(sida="unga", kommun=TJORN, **GR_LINK).run()
    assert at.title[0].value == "Unga 16–24 – Göteborgsregionen"
    figures = _figures(at)
    assert figures and not [f["layout"]["title"]["text"] for f in figures
                            if "delad länk" in f["layout"]["title"]["text"]]
    assert not [t["name"] for f in figures for t in f["data"] if "delad" in str(t.get("name"))]
    # without kommun the link opens on its first member (Göteborg), as a shared link does
    at = _app(**GR_LINK).run()
    assert {s.label: s.value for s in at.selectbox}["Kommun"] == "1480"
    assert at.title[0].value == "Översikt – Göteborgsregionen"
    # a group of the same name with other kommuner stays the link's, told apart as before
    at = _app(kommun=TJORN, grupp="Göteborgsregionen", medlemmar=",".join(GR[1:])).run()
    options = {s.label: s for s in at.selectbox}["Område"].options
    assert "Egen grupp: Göteborgsregionen (delad länk)" in options
    assert "Egen grupp: Göteborgsregionen" in options


def test_count_sentences_read_as_swedish_for_every_count_label():
    """walk27b 5: 'Inskrivna i etableringsuppdraget, antal var 1 106 år 2022': a count's
    label ends in ', antal', which reads badly in a sentence. Every count in indicators.yml
    reads 'Antalet …' (or is a whole named in definite form, 'Arbetskraften …')."""
    from transforms.catalogue import load_catalogue

    counts = {i: spec["label"] for i, spec in load_catalogue()["indicators"].items()
              if spec.get("unit") == "count"}
    assert {"N00960", "N00964", "N31848", "N01951", "bas_arbetslosa"} <= set(counts)
    for ind_id, label in counts.items():
        subject = sentence_subject(label, "count")
        assert ", antal" not in subject and not subject.startswith("Antal "), (ind_id, subject)
        assert subject.startswith("Antalet ") or subject.split()[0].rstrip(",").endswith(
            ("en", "et")), (ind_id, subject)
    assert sentence_subject(counts["N00960"], "count") == \
        "Antalet inskrivna i etableringsuppdraget"
    assert sentence_subject(counts["N00964"], "count") == \
        "Antalet som lämnat etableringsuppdraget"
    assert sentence_subject(counts["N01951"], "count") == "Antalet invånare totalt"
    assert sentence_subject("Invånare med ekonomiskt bistånd", "percent") == \
        "Invånare med ekonomiskt bistånd"


def test_a_count_slide_says_antalet_and_keeps_its_number(warehouse):
    """walk27b 5 on a slide: Göteborgsregionen's N00960 2022, the sum of its 13 kommuner's
    Kolada values."""
    from exports import deck

    counts = _kolada("N00960")
    total = sum(counts[(k, 2022)] for k in GR)
    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR)
    item = deck.plan(warehouse, gr, ["N00960"], 2015, 2022).slides[0]
    assert item.sentences[0].startswith(
        f"Antalet inskrivna i etableringsuppdraget var {format_number(total, 0)} år 2022 i "
        "Göteborgsregionen"), item.sentences[0]


def test_a_wrapped_subtitle_s_lines_are_raised_to_its_own_line_height(warehouse):
    """walk27b 4: plotly.js sets each line of a title 1.3 em of the title's 16 px below the
    one before, so a wrapped subtitle (11.2 px) had a blank line's gap between its lines on a
    phone. Each line past its first is raised by 1.3 × (16 − 11.2) = 6.24 px a line (CSS
    baseline-shift, kept by chart_text.literal), the room above the legend counted at the
    subtitle's pitch; an exported image wraps and raises its own lines the same way.
    tests/test_phone_layout.py measures the lines in Chromium."""
    import re

    import charts
    from exports import images

    ind = queries.indicator(warehouse, "N31807")
    lines = [charts.Line(area.name, queries.area_series(warehouse, ind, area), role)
             for area, role in ((queries.area(warehouse, "lan:14"), "focus"),
                                (queries.area(warehouse, "riket"), "riket"))]
    title = (f"{ind.label}<br><sup>Samordningsförbundet Norrort, fyra kommuner norr om "
             "Stockholm, och grannkommunerna i länet jämfört med Västra Götalands län och "
             "Riket, 2010–2022, kvinnor och män i samma diagram</sup>")
    fig = charts.time_series(lines, ind, title=title)
    screen = fig.layout.title.text
    subs = screen.split("<br>")[1:]
    assert len(subs) >= 3, screen
    rises = [re.search(r'baseline-shift:([0-9.]+)px', line) for line in subs]
    assert rises[0] is None  # the first subtitle line where plotly.js puts it
    assert [float(r.group(1)) for r in rises[1:]] == pytest.approx(
        [6.24 * n for n in range(1, len(subs))])
    assert charts.unwrap_title(screen) == title
    extra = charts.title_extra(screen)
    assert extra == charts.SUB_LINE * (len(subs) - 1) == 15 * (len(subs) - 1)
    assert (1 - fig.layout.legend.y) * fig.layout.height == pytest.approx(
        charts.LEGEND_TOP + extra)
    # a 4:3 image (1024 px) wraps the subtitle again, in two lines, the second raised
    image = images.sized(fig, images.FORMATS["png43"])["layout"]["title"]["text"]
    assert image.count("<br>") == 2 and 'baseline-shift:6.24px">' in image, image
    assert charts.unwrap_title(image) == title
