"""walk27 defects 2 and 3: the member bars' source line says how the area's own bar is made,
and the meeting deck's numbers are never broken inside (values from the mirror's Kolada
bodies, read in place)."""

from __future__ import annotations

import io
import json
import re

from exports import deck
from tests.test_app import _figures, _kolada, _shown
from tests.test_pages import _source_of
from transforms.formatting import format_number
from warehouse import queries

SODRA = queries.Area("group:sodra-dalarna", "group", "Södra Dalarna (SF)",
                     ("2080", "2081", "2085", "2061", "2082"))


def test_the_member_bars_say_how_the_area_bar_is_made(app_env, warehouse, shared):
    """Nyanlända, Kronobergs län: 'Kommunerna i Kronobergs län' draws the län's own bar
    (weighted by those leaving the programme) beside its kommuner; its source line lacked
    'Områden: beräknat från kommunerna …' that the line chart above it carries."""
    at = _shown(sida="nyanlanda", kommun="0780", omrade="lan:07")
    assert not at.exception
    ind = queries.indicator(warehouse, "N00991")
    bars = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        f"{ind.label}<br><sup>Kommunerna i Kronobergs län, 2022"))
    # the area's bar: Σ value × left / Σ left over the kommuner reporting both (the mirror)
    values, left = _kolada(shared, "N00991", 2022), _kolada(shared, "N00964", 2022)
    both = [k for k in values if k.startswith("07") and k in left and left[k] > 0]
    own = sum(values[k] * left[k] for k in both) / sum(left[k] for k in both)
    names = list(bars["data"][0]["y"])
    assert "Kronobergs län (området)" in names
    source = _source_of(bars)
    assert f"Områden: {ind.area_method}." in source, source
    assert source.count("Områden:") == 1
    line = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        f"{ind.label}<br><sup>Kronobergs län"))
    assert f"Områden: {ind.area_method}." in _source_of(line)  # the same words as the line's
    assert round(own, 1) == round(queries.area_series(
        warehouse, ind, queries.area(warehouse, "lan:07")).set_index("year").loc[2022, "value"], 1)
    # a count's bars draw no area bar and say nothing of one
    count = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Inskrivna i etableringsuppdraget, antal<br><sup>Kommunerna i Kronobergs län"))
    assert "Områden:" not in _source_of(count)


def _sum(shared, kpi: str, members, year: int) -> float:
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return sum(v["value"] for e in body["values"] if e["municipality"] in members
               and int(e["period"]) == year for v in e["values"]
               if v["gender"] == "T" and v["value"] is not None)


def test_the_decks_numbers_keep_their_thousands_together(warehouse, shared):
    """Inskrivna i etableringsuppdraget in Södra Dalarna: 1 433 in 2015, 300 in 2022; the
    slide wrapped '(1 / 133 färre än 2015)' because the words had plain spaces in numbers."""
    from pptx import Presentation

    first, last = (_sum(shared, "N00960", SODRA.members, y) for y in (2015, 2022))
    assert (first, last) == (1_433, 300)  # looked up in the mirror
    pptx, _, _ = deck.build(warehouse, SODRA, ["N00960"], 2015, 2022, pdf=False)
    text = "\n".join(p.text for slide in Presentation(io.BytesIO(pptx)).slides
                     for shape in slide.shapes if shape.has_text_frame
                     for p in shape.text_frame.paragraphs)
    gone = format_number(first - last, 0)
    assert gone == "1\u00a0133"
    assert f"från {format_number(first, 0)} till 300 ({gone} färre än 2015)" in text
    # no number on any slide is split by a plain space between its thousands
    assert not re.findall(r"\d \d{3}(?!\d)", text.replace("\n", " ")), \
        re.findall(r".{20}\d \d{3}(?!\d).{5}", text)


def test_the_decks_values_keep_their_unit_and_definitions_their_spaces(warehouse, shared):
    """A rate on a slide is '8,0\u00a0%', never '8,0 %' with a plain space a line may break at
    ('8,0' / '%'), and the definitions slide keeps the non-breaking spaces of its texts."""
    from pptx import Presentation

    pptx, _, _ = deck.build(warehouse, SODRA, ["N03920"], 2015, 2022, pdf=False)
    slides = list(Presentation(io.BytesIO(pptx)).slides)
    text = "\n".join(p.text for slide in slides for shape in slide.shapes
                     if shape.has_text_frame for p in shape.text_frame.paragraphs)
    # the group's 2022 rate from the warehouse the slide reads, written as the screen writes it
    ind = queries.indicator(warehouse, "N03920")
    series = queries.area_series(warehouse, ind, SODRA).set_index("year")
    shown = format_number(series.loc[2022, "value"], 1)
    assert f"{shown}\u00a0%" in text
    assert not re.findall(r"\d %", text), re.findall(r".{20}\d %.{5}", text)
