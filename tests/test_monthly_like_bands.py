"""A monthly change compares like with like (review26, defect 2): the default "20-pension"
option reads SCB's 20–66 in 2026 and 20–65 in 2025, so "from the same month last year" mixed
two age bands (a count one cohort apart, ~+3 600 in Dalarnas län where the change is −29).
Now the year before is read in the latest month's band, or no change is given and the card,
the deck and their notes say why; the same across an indicator's own break (AF 2022-01).

The mirror's TAB6260 holds 20–64 only. The series here are the recorded real values of
Dalarnas 15 kommuner summed per month (Dalarnas län as the warehouse computes it), with the
bands the live schedule gives each month set on them; where a band is "held fixed", the
recorded series stands in for SCB's series of that band.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from exports.deck import Compared, monthly_key_figures
from tests.scb_recorded import BAS_DATA
from transforms import monthly
from transforms.catalogue import _monthly_row, indicator_from_row, load_catalogue
from transforms.export import shown_change
from transforms.formatting import format_number
from transforms.jsonstat import decode
from ui import blocks

APRIL_25, APRIL_26 = date(2025, 4, 1), date(2026, 4, 1)


@pytest.fixture(scope="module")
def recorded() -> pd.DataFrame:
    """TAB6260's recorded cells (15 kommuner, 1+2, 20-64, tot, 11 measures, 2020M01–2026M04)."""
    return decode(json.loads(BAS_DATA.read_bytes()))


def _lan(recorded: pd.DataFrame, code: str) -> pd.Series:
    """Σ of one ContentsCode over the 15 kommuner, per month (index: first day)."""
    sums = recorded[recorded["ContentsCode"] == code].groupby("Tid", observed=True)["value"].sum()
    sums.index = [date(int(t[:4]), int(t[5:]), 1) for t in sums.index]
    return sums


def _series(values: pd.Series, band: str | None = None) -> pd.DataFrame:
    """A monthly series as queries.monthly_series gives it: period, value, band; band None:
    each month's band by the live "20-pension" schedule."""
    choice = monthly.choose(load_catalogue()["monthly_marts"]["bas"], {})["age"]
    return pd.DataFrame({"period": list(values.index), "value": values.to_numpy(),
                         "is_preliminary": True, "is_lower_bound": False, "status": None,
                         "band": [band or monthly.scheduled(choice, p) for p in values.index]})


def _indicator(key: str):
    cat = load_catalogue()
    spec = cat["indicators"][key]
    return indicator_from_row(_monthly_row(key, spec, cat["monthly_marts"][spec["mart"]]))


@pytest.fixture(scope="module")
def people(recorded) -> pd.Series:
    return _lan(recorded, "000006I8")  # antal totalt (bas_befolkning)


@pytest.fixture(scope="module")
def rate(recorded) -> pd.Series:
    return 100 * _lan(recorded, "000004YH") / _lan(recorded, "000006IU")


def test_no_change_between_two_age_bands_and_the_card_says_why(people):
    live = _series(people)
    assert live.set_index("period").loc[[APRIL_25, APRIL_26], "band"].tolist() == \
        ["20-65", "20-66"]
    latest = monthly.latest_with_year_before(live)
    assert latest["period"] == APRIL_26 and latest["value"] == 148_945
    assert latest["change"] is None and latest["value_year_before"] is None
    reason = latest["no_change_reason"]
    assert "20–65 år (april 2025) till 20–66 år (april 2026)" in reason
    card = blocks.bas_card(latest, _indicator("bas_befolkning"), "Dalarnas län")
    assert card.delta is None and reason in card.notes


def test_the_year_before_in_the_latest_band_gives_the_like_for_like_change(people):
    asked = []

    def fetch(dims):
        asked.append(dims)
        return _series(people, dims["age"])  # the band held fixed: 20–66 in both months

    same_band = monthly.band_lookup(load_catalogue()["monthly_marts"]["bas"],
                                    {"birth_region": "tot"}, fetch)
    assert same_band("16–64 år") is None and not asked  # a file's heading is no SCB code
    latest = monthly.latest_with_year_before(_series(people), same_band=same_band)
    assert asked == [{"birth_region": "tot", "age": "20-66"}]
    assert latest["value_year_before"] == people[APRIL_25] == 148_974
    assert latest["change"] == people[APRIL_26] - people[APRIL_25] == -29
    assert latest["no_change_reason"] is None
    card = blocks.bas_card(latest, _indicator("bas_befolkning"), "Dalarnas län")
    assert card.delta.startswith("−29") and card.delta.endswith("från april 2025")
    assert "Förändringen räknas mot 20–66 år även i april 2025 (diagrammet visar 20–65 år den "\
           "månaden)." in card.notes
    # the same band throughout: the change as before, and nothing to say
    plain = monthly.latest_with_year_before(_series(people, "20-64"))
    assert plain["change"] == -29 and monthly.change_notes(plain) == ()


def test_no_change_across_an_indicators_own_break(rate):
    """Arbetsförmedlingen's declared break (its denominator from 2022-01, indicators.yml) on a
    real rate series: March 2022 against March 2021 is no change; 2023 against 2022 is."""
    ind = _indicator("af_andel_inskrivna")
    assert [b.period for b in ind.breaks] == ["2022-01"]
    fixed = _series(rate, "16-64")
    before = fixed[pd.to_datetime(fixed["period"]) <= "2022-03-01"]
    latest = monthly.latest_with_year_before(before, breaks=ind.breaks)
    assert latest["change"] is None and "seriebrott januari 2022" in latest["no_change_reason"]
    after = fixed[pd.to_datetime(fixed["period"]) <= "2023-03-01"]
    later = monthly.latest_with_year_before(after, breaks=ind.breaks)
    assert later["change"] == pytest.approx(rate[date(2023, 3, 1)] - rate[date(2022, 3, 1)])


def test_the_deck_compares_like_with_like_or_says_why_not(rate):
    ind = _indicator("bas_arbetsloshet")
    live = _series(rate)
    sentences, flags = monthly_key_figures(ind, [Compared("Dalarnas län", "focus", live)], live)
    assert "än i april 2025" not in sentences[0]
    assert sentences[1].startswith("Januari 2020–april 2026: från ")
    assert "(" not in sentences[1]  # no change between 20–64 (2020) and 20–66 (2026)
    assert any("20–65 år (april 2025) till 20–66 år (april 2026)" in f for f in flags)
    assert any("20–64 år (januari 2020) till 20–66 år (april 2026)" in f for f in flags)

    same_band = monthly.band_lookup(load_catalogue()["monthly_marts"]["bas"], {},
                                    lambda dims: _series(rate, dims["age"]))
    sentences, flags = monthly_key_figures(ind, [Compared("Dalarnas län", "focus", live)], live,
                                           same_band=same_band)
    year = shown_change(rate[APRIL_26], rate[APRIL_25], 1)
    since = shown_change(rate[APRIL_26], rate[date(2020, 1, 1)], 1)
    words = {True: "lägre", False: "högre"}
    assert (f"{format_number(abs(year), 1)} procentenheter {words[year < 0]} än i april 2025"
            in sentences[0])
    assert (f"{format_number(abs(since), 1)} procentenheter {words[since < 0]} än i januari "
            "2020" in sentences[1])
    assert any(f.startswith("Förändringen räknas mot 20–66 år även i april 2025") for f in flags)
