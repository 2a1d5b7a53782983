"""A page's yearly series read in one statement per area (issue 9 point 8) equal the series
read chart by chart: ``queries.area_series_many`` and ``published_series_many`` against
``area_series`` and ``published_series`` for every annual indicator of the real warehouse,
kommuner (one formed in 2003), a län, Riket, a lokal arbetsmarknad and the three sexes,
dtypes included; and a page drawn with the batch reader (ui/render.py ``series_reader``) sends the
same charts as one drawn without it, reading one batch per area instead of a statement per
chart."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.test_app import _app
from warehouse import queries

# every sex for a kommun; a kommun formed in 2003 (Knivsta: no values before), a län, Riket
# and a lokal arbetsmarknad in one or two (each case reads ~130 statements chart by chart)
CASES = {"kommun:0780": "TKM", "kommun:0330": "T", "lan:07": "TK", "riket": "M",
         "la:LA2308": "T"}


@pytest.mark.parametrize(("area_id", "sexes"), CASES.items())
def test_area_series_many_is_area_series_for_every_annual_indicator(warehouse, area_id, sexes):
    inds = [i for i in queries.indicators(warehouse) if not i.is_monthly]
    assert len(inds) > 60
    area = queries.area(warehouse, area_id)
    rows = 0
    for sex in sexes:
        many = queries.area_series_many(warehouse, inds, area, sex)
        assert list(many) == [i.id for i in inds]
        for ind in inds:
            one = queries.area_series(warehouse, ind, area, sex)
            pd.testing.assert_frame_equal(many[ind.id], one, obj=f"{ind.id} {area_id} {sex}")
            rows += len(one)
        published = queries.published_series_many(warehouse, [i.id for i in inds],
                                                  area.area_id, sex)
        for ind in inds:
            pd.testing.assert_frame_equal(
                published[ind.id], queries.published_series(warehouse, ind.id, area.area_id, sex),
                obj=f"published {ind.id} {area_id} {sex}")
    assert rows > 300 * len(sexes)  # real series, not empty frames compared


def test_area_series_many_leaves_monthly_indicators_and_user_groups_to_area_series(warehouse):
    bas = queries.indicator(warehouse, "bas_arbetsloshet")
    rate = queries.indicator(warehouse, "N31807")
    kommun = queries.area(warehouse, "kommun:0780")
    assert list(queries.area_series_many(warehouse, [bas, rate], kommun)) == ["N31807"]
    group = queries.Area("group:x", "group", "X", ("0780", "0764"))
    assert queries.area_series_many(warehouse, [rate], group) == {}


def _counted(real, name: str, counts: dict[str, int]):
    def counted(*args, **kwargs):
        counts[name] = counts.get(name, 0) + 1
        return real(*args, **kwargs)
    return counted


def _run_counted(names: tuple[str, ...], switch_off, **link: str):
    """The page run with the caches cleared, each query in ``names`` counted; ``switch_off``
    (given a MonkeyPatch) turns the read-ahead off, or is None. Returns the run and counts."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    counts: dict[str, int] = {}
    with pytest.MonkeyPatch.context() as patch:
        if switch_off is not None:
            switch_off(patch)
        for name in names:
            patch.setattr(queries, name, _counted(getattr(queries, name), name, counts))
        at = _app(**link).run()
    assert not at.exception and not at.warning
    return at, counts


def _figures_and_reads(read_ahead: bool, **link: str):
    """The page's chart specs, and how often each query ran, with the caches cleared."""
    from ui import render

    at, counts = _run_counted(
        ("kommun_series", "official_area_series", "published_series", "area_series_many",
         "published_series_many"),
        None if read_ahead else
        lambda patch: patch.setattr(render, "series_reader", lambda sections, known: None),
        **link)
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")], counts


@pytest.mark.parametrize("link", [
    {"sida": "nyanlanda", "kommun": "0780"},  # Etablering: 9 charts
    {"sida": "forsorjningsstod", "omrade": "la:LA2308", "kon": "K", "flik": "kostnad"},
])
def test_a_page_drawn_with_the_batch_reader_is_the_page_drawn_chart_by_chart(app_env, link):
    batched, reads = _figures_and_reads(True, **link)
    plain, plain_reads = _figures_and_reads(False, **link)
    assert len(batched) >= 4
    assert batched == plain  # every trace, title, source line and number
    assert "area_series_many" not in plain_reads
    if link.get("kommun"):  # one statement per area (kommun, län, Riket), not one per chart
        assert reads.get("kommun_series", 0) == reads.get("official_area_series", 0) == 0
        assert reads["area_series_many"] == 3
        assert plain_reads["kommun_series"] >= len(batched)


def _cards_and_reads(read_ahead: bool, **link: str):
    """Översikt's cards as shown, and how often each ranking statement ran, caches cleared."""
    from tests.cards_shown import cards
    from ui import blocks

    at, counts = _run_counted(
        ("kommun_values", "kommun_values_many"),
        None if read_ahead else
        lambda patch: patch.setattr(blocks, "places_reader", lambda sel, ids: lambda *a: None),
        **link)
    return cards(at), counts


def test_oversikts_places_read_in_one_statement_are_the_places_read_card_by_card(app_env):
    """Översikt's ranked cards (the kommun's place among all kommuner) read every kommun's
    values of all their indicators in one statement (ui/blocks.py ``places_reader``): the
    same cards, places and notes as one statement per card."""
    batched, reads = _cards_and_reads(True, kommun="0780")
    plain, plain_reads = _cards_and_reads(False, kommun="0780")
    ranked = [c for c in batched if any("bland kommunerna" in n for n in c.notes)]
    assert len(ranked) >= 10
    assert batched == plain  # label, value, change, definition and every note
    assert reads == {"kommun_values_many": 1}
    assert plain_reads == {"kommun_values": len(ranked)}
