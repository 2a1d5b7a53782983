"""Rankings among the kommuner (transforms/ranking.py) and the query behind them.

Hand-made frames are named as such; the warehouse test ranks Växjö on the recorded Kolada
response, counted here again from ../shared/data.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from transforms.catalogue import load_catalogue
from transforms.ranking import (
    Rank,
    country_place_heading,
    end_text,
    place_of,
    position,
    rank_values,
    ranked_over,
)

HANDMADE = pd.DataFrame({"kommun_code": ["0001", "0002", "0003", "0004", "0005"],
                         "value": [3.0, 1.0, 2.0, 2.0, None]})  # hand-made


def test_lower_is_better_ranks_the_lowest_first_and_skips_missing_values():
    ranked = rank_values(HANDMADE, "lower")
    assert list(ranked["kommun_code"]) == ["0002", "0003", "0004", "0001"]
    assert list(ranked["place"]) == [1, 2, 2, 4]  # ties share the best place
    assert set(ranked["of"]) == {4}  # the kommun without a value is not ranked
    assert position(ranked, "0005", "lower") is None


def test_higher_is_better_and_no_better_end_both_count_from_the_highest():
    assert place_of(HANDMADE, "0001", "higher") == Rank(1, 4, "higher", 1)
    assert place_of(HANDMADE, "0001", None) == Rank(1, 4, None, 1)
    assert place_of(HANDMADE, "0002", "higher").place == 4


def test_texts_say_the_place_and_which_end_is_good():
    assert Rank(212, 290, "lower").text == "plats 212 av 290"
    assert place_of(HANDMADE, "0003", "lower").text == "delad plats 2 av 4"
    assert end_text("lower") == "plats 1 = lägst värde, det bästa"
    assert end_text("higher") == "plats 1 = högst värde, det bästa"
    assert "varken högt eller lågt" in end_text(None)


def test_a_ranking_is_in_riket_only_when_every_kommun_has_a_value():
    """One rule for Karta and Jämför, on screen and in the downloads (walk26: 15 of 290)."""
    assert ranked_over(290, 290) == "i riket"
    assert ranked_over(15, 290) == "kommuner med värde"
    assert ranked_over(20, 21, "län") == "län med värde"
    assert country_place_heading(290, 290) == "plats i riket"
    assert country_place_heading(290, 290, table=True) == "Plats i riket"
    assert country_place_heading(15, 290) == "plats bland kommuner med värde"
    assert country_place_heading(15, 290, table=True) == "Plats bland kommuner med värde"


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        rank_values(HANDMADE, "best")
    with pytest.raises(ValueError):
        rank_values(pd.concat([HANDMADE, HANDMADE.head(1)]), "lower")


def test_every_better_in_the_catalogue_is_a_known_end():
    specs = load_catalogue()["indicators"]
    declared = {k: s["better"] for k, s in specs.items() if "better" in s}
    assert set(declared.values()) <= {"lower", "higher"}
    assert declared["N03920"] == "lower" and declared["N02267"] == "higher"
    counts = [k for k, s in specs.items() if s["unit"] == "count"]
    assert not set(counts) & set(declared)  # a count's rank measures size, not a good end


def test_vaxjo_is_ranked_on_the_recorded_2022_unemployment(warehouse, shared):
    from warehouse import queries

    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    values = {e["municipality"]: v["value"] for e in body["values"] if e["period"] == 2022
              for v in e["values"] if v["gender"] == "T" and v["value"] is not None}
    ind = queries.indicator(warehouse, "N03920")
    assert ind.better == "lower"
    df = queries.kommun_values(warehouse, ind, "2022")
    assert len(df) == len(values) == 290
    rank = place_of(df, "0780", ind.better)
    assert rank.of == 290
    assert rank.place == 1 + sum(v < values["0780"] for v in values.values())


def test_a_monthly_indicator_ranks_the_kommuner_the_source_has(warehouse, shared):
    from warehouse import queries

    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    regions = list(body["dimension"]["Region"]["category"]["index"])
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    df = queries.kommun_values(warehouse, ind, "2026-04")
    assert sorted(df["kommun_code"]) == sorted(regions)  # the 15 kommuner of Dalarna
    falun = df.set_index("kommun_code")["value"]["2080"]
    assert falun == pytest.approx(3.1)  # TAB6260, 2080, 20–64 år, 2026M04 (published)
    rank = place_of(df, "2080", "lower")
    assert rank.of == 15 and rank.place == 1 + int((df["value"] < falun).sum())


def test_several_indicators_values_in_one_statement_are_each_ones_own(warehouse, shared):
    """Översikt's ranked cards read every kommun's values of a section's indicators in one
    statement (queries.kommun_values_many): the same frames as one statement per indicator,
    each in its own year and for the sex asked, an empty frame for a year without values."""
    from warehouse import queries

    wanted = [("N03920", 2022), ("N03920", 2019), ("N31807", 2021), ("N03920", 1900)]
    for sex in ("T", "K"):
        many = queries.kommun_values_many(warehouse, wanted, sex)
        assert list(many) == wanted
        for (indicator_id, year), df in many.items():
            one = queries.kommun_values(warehouse, queries.indicator(warehouse, indicator_id),
                                        str(year), sex)
            pd.testing.assert_frame_equal(df, one)
        assert many[("N03920", 1900)].empty and len(many[("N03920", 2022)]) == 290
    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    recorded = next(v["value"] for e in body["values"] if e["period"] == 2019
                    and e["municipality"] == "0780" for v in e["values"] if v["gender"] == "K")
    values = queries.kommun_values_many(warehouse, wanted, "K")[("N03920", 2019)]
    assert values.set_index("kommun_code")["value"]["0780"] == pytest.approx(recorded)
