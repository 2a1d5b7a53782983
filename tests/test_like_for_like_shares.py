"""A change of an area's weighted share that rests on only some of its kommuner is counted
over the same kommuner both years, with the same weights (walk27 defect 1, stop 27).

Södra Dalarna's five kommuner (Falun, Borlänge, Ludvika, Smedjebacken, Säter): Smedjebacken
has no N00991 value for men in 2021, so the group's 51,7 % is four kommuner; against 2020's
five the card said −0,6 procentenheter where the same four rose from 50,0 % to 51,7 %. The
expected values are recomputed here from the mirror's Kolada bodies, weighted by the
indicator's own weight KPIs (read in place).
"""

from __future__ import annotations

import json

import pytest

from exports.deck import Compared, _value_text, change_text, key_figures
from tests.cards_shown import cards
from transforms import bounds, periods
from transforms.export import shown_change
from transforms.formatting import format_change
from warehouse import queries

SODRA = ("2080", "2081", "2085", "2061", "2082")
SMEDJEBACKEN = "2061"


def _kolada(shared, kpi: str, sex: str) -> dict[tuple[str, int], float]:
    """(kommun, year) -> the mirror's value of one sex."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {(e["municipality"], int(e["period"])): v["value"] for e in body["values"]
            for v in e["values"] if v["gender"] == sex and v["value"] is not None}


def _weighted(shared, ind, members, year: int, sex: str, only=None) -> tuple[float, list]:
    """Σ value × weight / Σ weight over the members (or ``only``) with a value and a weight,
    the weight the sum of the indicator's weight KPIs of the same sex: (value, kommuner)."""
    values = _kolada(shared, ind.id, sex)
    weights = [_kolada(shared, w, sex) for w in ind.weight_ids]
    num = den = 0.0
    used = []
    for k in only or members:
        if (k, year) not in values or any((k, year) not in w for w in weights):
            continue
        weight = sum(w[(k, year)] for w in weights)
        num, den = num + values[(k, year)] * weight, den + weight
        used.append(k)
    return num / den, used


def _lan(shared, lan: str) -> list[str]:
    body = json.loads((shared / "kolada_v3/municipality.json").read_bytes())
    rows = body["values"] if isinstance(body, dict) else body
    return sorted(m["id"] for m in rows if m.get("type") == "K" and m["id"][:2] == lan)


@pytest.mark.parametrize(("kpi", "sex", "year", "area_id", "n"), [
    ("N00991", "M", 2021, None, 4),
    ("U31804", "M", 2022, None, 4),
    ("U31804", "K", 2022, None, 4),
    ("U31804", "M", 2022, "lan:20", 10)])
def test_a_partial_share_changes_over_the_same_kommuner(warehouse, shared, kpi, sex, year,
                                                        area_id, n):
    ind = queries.indicator(warehouse, kpi)
    area = queries.area(warehouse, area_id) if area_id else queries.Area(
        "group:sodra", "group", "Södra Dalarna", SODRA)
    members = list(area.members) if area_id else list(SODRA)
    now, reporting = _weighted(shared, ind, members, year, sex)
    before_all, _ = _weighted(shared, ind, members, year - 1, sex)
    before_same, same = _weighted(shared, ind, members, year - 1, sex, only=reporting)
    assert len(reporting) == len(same) == n < len(members)
    series = queries.area_series(warehouse, ind, area, sex).set_index("year")
    assert series.loc[year, "value"] == pytest.approx(now)
    assert series.loc[year, "status"] == "partial"
    assert series.loc[year - 1, "value"] == pytest.approx(before_all)
    both = bounds.like_for_like(queries.member_values_weighted(warehouse, ind, members, sex),
                                year, year - 1)
    assert both.n_members == n
    assert (both.latest, both.previous) == (pytest.approx(now), pytest.approx(before_same))
    # the mirror's example: 52,3 % → 51,7 % over five and four, 50,0 % → 51,7 % over four
    if kpi == "N00991":
        assert (SMEDJEBACKEN, year) not in _kolada(shared, kpi, sex)
        assert shown_change(now, before_all, 1) == -0.6
        assert shown_change(both.latest, both.previous, 1) == 1.7


def test_the_card_counts_the_change_over_the_same_kommuner(app_env, warehouse, shared):
    """Nyanlända, the group as a link, Män, 2015–2021: '↑ +1,7 procentenheter från 2020,
    samma 4 kommuner båda åren', not −0,6."""
    from tests.test_app import _shown

    at = _shown(sida="nyanlanda", grupp="Södra Dalarna", medlemmar=",".join(SODRA), kon="M",
                fran="2015", till="2021")
    assert not at.exception
    ind = queries.indicator(warehouse, "N00991")
    now, reporting = _weighted(shared, ind, list(SODRA), 2021, "M")
    before, _ = _weighted(shared, ind, list(SODRA), 2020, "M", only=reporting)
    shown = {c.label: c for c in cards(at)}
    card = next(c for label, c in shown.items() if label.startswith(f"{ind.label}, 2021"))
    words = format_change(shown_change(now, before, 1), 1, ind.unit, ind.short_unit, ind.label)
    assert words.startswith("+1,7")
    assert card.delta == f"{words} från 2020, samma 4 kommuner båda åren"
    assert any("4 av 5 kommuner" in note for note in card.notes)


def test_the_deck_says_the_change_and_the_span_over_the_same_kommuner(warehouse, shared):
    """The Kvinnor deck's U31804 for the group, 2015–2022: 2022 is four kommuner, 2015 and
    2021 five. The change from 2021 and the span from 2015 are counted over the four."""
    ind = queries.indicator(warehouse, "U31804")
    area = queries.Area("group:sodra", "group", "Södra Dalarna", SODRA)
    whole = queries.area_series(warehouse, ind, area, "K")
    members = queries.member_values_weighted(warehouse, ind, list(SODRA), "K")
    sentences, flags = key_figures(
        ind, [Compared(area.name, "focus", periods.clip(whole, "2015", "2022"))], whole, 2015,
        members)
    now, four = _weighted(shared, ind, list(SODRA), 2022, "K")
    then, _ = _weighted(shared, ind, list(SODRA), 2021, "K", only=four)
    first, _ = _weighted(shared, ind, list(SODRA), 2015, "K", only=four)
    first_all, five = _weighted(shared, ind, list(SODRA), 2015, "K")
    assert len(four) == 4 and len(five) == 5
    change = change_text(ind, shown_change(now, then, 1), "2021")
    assert change == "1,4 procentenheter lägre än 2021"  # the deck said 1,3 (five in 2021)
    assert f", {change} (samma 4 kommuner båda åren)" in sentences[0]
    since = change_text(ind, shown_change(now, first, 1), "2015")
    assert sentences[1] == (
        f"2015–2022: från {_value_text(ind, first_all)} till {_value_text(ind, now)}; för "
        f"samma 4 kommuner båda åren från {_value_text(ind, first)} till "
        f"{_value_text(ind, now)} ({since}).")
    assert not any("olika kommuner" in f for f in flags)
