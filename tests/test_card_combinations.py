"""Cards where two of this session's rules meet (review26b): the like-band change (scbfix26)
with a lower bound (numfix26), and a newest month hidden as "<5" with a newer month SCB
marked "..". Each rule had its own tests; together they said two contrary things, or lost
a note. The series is the recorded Dalarna BAS (TAB6260): the 15 kommuner's sums of
befolkning per month, with the bands the live "20-pension" schedule gives each month."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from tests.scb_recorded import BAS_DATA
from transforms import bounds, monthly
from transforms.catalogue import _monthly_row, indicator_from_row, load_catalogue
from transforms.jsonstat import decode


@pytest.fixture(scope="module")
def recorded():
    """(sums per month, the bas mart, the bas_befolkning indicator)."""
    rec = decode(json.loads(BAS_DATA.read_bytes()))
    sums = rec[rec["ContentsCode"] == "000006I8"].groupby("Tid", observed=True)["value"].sum()
    sums.index = [date(int(t[:4]), int(t[5:]), 1) for t in sums.index]
    cat = load_catalogue()
    mart = cat["monthly_marts"]["bas"]
    spec = cat["indicators"]["bas_befolkning"]
    ind = indicator_from_row(_monthly_row("bas_befolkning", spec, cat["monthly_marts"][spec["mart"]]))
    return sums, mart, ind


def _series(sums, mart, band=None, lower=False):
    choice = monthly.choose(mart, {})["age"]
    return pd.DataFrame({
        "period": list(sums.index), "value": sums.to_numpy(), "is_preliminary": True,
        "is_lower_bound": lower, "status": None,
        "band": [band or monthly.scheduled(choice, p) for p in sums.index]})


def test_a_lower_bound_card_gives_no_change_and_no_note_on_how_the_change_is_counted(recorded):
    """The latest month a lower bound, its band new since the year before (20–66 in April
    2026, 20–65 in April 2025): no change, so no "Förändringen räknas mot 20–66 år …" beside
    "kan inte anges" (the card said both)."""
    from ui import blocks

    sums, mart, ind = recorded
    same_band = monthly.band_lookup(mart, {"birth_region": "tot"},
                                    lambda d: _series(sums, mart, d["age"]))
    latest = monthly.latest_with_year_before(_series(sums, mart, lower=True),
                                             same_band=same_band)
    assert latest["period"] == date(2026, 4, 1) and latest["value"] == sums[date(2026, 4, 1)]
    assert latest["change"] is None and latest["comparison_note"] is None
    card = blocks.bas_card(latest, ind, "Dalarnas län")
    assert card.delta is None and card.value.startswith("minst ")
    assert not any("räknas mot" in n for n in card.notes), card.notes
    # with no bound the change is given and its note says how it is counted
    plain = monthly.latest_with_year_before(_series(sums, mart), same_band=same_band)
    assert plain["change"] == sums[date(2026, 4, 1)] - sums[date(2025, 4, 1)]
    assert "20–66" in plain["comparison_note"]


def test_a_hidden_month_keeps_the_note_on_a_newer_month_scb_marked(recorded):
    """March 2026 "<5" (hidden), April 2026 SCB ".." : the card shows March as hidden and
    still says April has no value and why (the hidden month's card dropped SCB's note)."""
    from ui import blocks

    sums, mart, ind = recorded
    series = _series(sums, mart, "20-64")
    series.loc[series.index[-1], ["value", "status"]] = [float("nan"), ".."]
    series.loc[series.index[-2], ["value", "status"]] = [float("nan"), "masked"]
    latest = monthly.latest_with_year_before(series, source="SCB")
    assert latest["period"] == date(2026, 2, 1)
    hidden = bounds.newest_hidden(series, latest, source="SCB")
    assert hidden["period"] == date(2026, 3, 1)
    card = blocks.bas_card(hidden, ind, "Falun")
    assert card.label.startswith("Falun, mars 2026")
    [note] = [n for n in card.notes if n.startswith("April 2026 saknar värde")]
    assert "SCB anger" in note and "mars 2026" in note
