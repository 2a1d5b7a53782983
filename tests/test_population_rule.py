"""Walkthrough 28 (an analyst at Region Dalarna, the mirror's BAS for Dalarna's 15 kommuner):
an area value from members that hold little of the area's people (stop 28, fixc28).

The link ``egnagrupper=mix:2084.2085.1280:Blandad`` (Avesta, Ludvika, Malmö; Malmö has no BAS
in the mirror) showed "5,6 % (april 2026)" in "Vilket mått?", Avesta's and Ludvika's alone,
though Malmö holds ~90 % of the group's people 20–64 år. One rule now decides whether an area
value is shown: at least half of the expected kommuner AND, where it is known, half of their
population (the rate's own weights for a yearly weighted rate; the monthly mart's
``coverage_weight``, Kolada's N01955 20–64 år for BAS, for a monthly Σ/Σ). A partial value
that is shown says both, and names the missing member. Every number below is recomputed from
the recorded responses in ../shared/data."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from tests.cards_shown import cards
from tests.test_app import _app, _bas
from transforms.areas import coverage_of
from transforms.export import series_frame
from warehouse import queries

MIX = ("2084", "2085", "1280")  # Avesta, Ludvika, Malmö
MIX_LINK = {"sida": "arbetsloshet", "omrade": "group:mix",
            "egnagrupper": "mix:2084.2085.1280:Blandad"}
SODRA = ("2084", "2083", "2082", "2061", "2085")  # Södra Dalarna: all five with BAS
PARTIAL = ("2080", "2081", "2460")  # Falun, Borlänge, Vännäs (no BAS in the mirror)
APRIL = date(2026, 4, 1)
UNEMPLOYED, LABOUR_FORCE = "000004YH", "000006IU"


def _kolada(shared, kpi: str, year: int) -> dict[str, float]:
    """kommun -> the recorded value of ``kpi`` for kön totalt in ``year`` (None: no value)."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {e["municipality"]: v["value"] for e in body["values"] if e["period"] == year
            for v in e["values"] if v["gender"] == "T"}


def _people_20_64(shared, codes) -> dict[str, float]:
    """Kolada's N01955 (befolkningen 20–64 år) 2022, its latest year in the mirror."""
    found = _kolada(shared, "N01955", 2022)
    assert not _kolada(shared, "N01955", 2023)  # 2022 is the latest year BAS's 2026 takes
    return {k: found[k] for k in codes}


def _series(warehouse, members, name="Grupp"):
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    area = queries.Area("group:t", "group", name, tuple(members))
    return ind, queries.monthly_series(warehouse, ind, area).set_index("period")


def test_the_mixed_group_is_withheld_with_the_real_population_share(warehouse, shared):
    """Avesta and Ludvika are 2 of 3 kommuner (over half) but ~10 % of the people 20–64 år:
    the value is withheld, not shown as the group's, and says why."""
    people = _people_20_64(shared, MIX)
    share = (people["2084"] + people["2085"]) / sum(people.values())
    assert 0.09 < share < 0.12  # Malmö holds ~90 %
    month = "2026M04"
    # what was shown before: the two kommuner's Σ/Σ, 5,58 %
    old = 100 * _bas(shared, ["2084", "2085"], UNEMPLOYED, month) / _bas(
        shared, ["2084", "2085"], LABOUR_FORCE, month)
    assert round(old, 1) == 5.6
    ind, series = _series(warehouse, MIX, "Blandad")
    row = series.loc[APRIL]
    assert row["status"] == "withheld" and pd.isna(row["value"])
    assert (row["n_reporting"], row["n_expected"]) == (2, 3)
    assert row["covered_share"] == pytest.approx(share)
    assert tuple(row["missing_names"]) == ("Malmö",)
    assert series["value"].isna().all()  # every month: Malmö is never in the mirror's BAS
    words = f"2 av 3 kommuner, {round(100 * share)}\u00a0% av befolkningen 20–64 år; Malmö saknas"
    assert coverage_of(row, ind.weight_label) == words
    # the download of such a series says the same, and why it has no value
    table = series_frame([("Blandad", series.reset_index(), "group:mix")], ind, sex="Totalt")
    last = table.iloc[-1]
    assert last["täckning"] == words and pd.isna(last["värde"])
    assert "kommunerna med värde har under hälften av befolkningen" in last["anmärkning"]


def test_sodra_dalarna_is_unchanged(warehouse, shared):
    """Every member reports: Σ arbetslösa / Σ arbetskraften, no coverage, no share read."""
    month = "2026M04"
    want = 100 * _bas(shared, list(SODRA), UNEMPLOYED, month) / _bas(
        shared, list(SODRA), LABOUR_FORCE, month)
    _, series = _series(warehouse, SODRA, "Södra Dalarna")
    row = series.loc[APRIL]
    assert row["value"] == pytest.approx(want) and row["status"] is None
    assert series["status"].isna().all() and "covered_share" not in series


def test_a_partial_group_over_half_the_people_is_shown_with_its_coverage(warehouse, shared):
    """Falun and Borlänge with Vännäs (no BAS): 2 of 3 kommuner and ~93 % of the people, so
    the value is shown, the two kommuner's Σ/Σ, with its coverage and Vännäs named."""
    people = _people_20_64(shared, PARTIAL)
    share = (people["2080"] + people["2081"]) / sum(people.values())
    assert share > 0.5
    ind, series = _series(warehouse, PARTIAL)
    row = series.loc[APRIL]
    want = 100 * _bas(shared, ["2080", "2081"], UNEMPLOYED, "2026M04") / _bas(
        shared, ["2080", "2081"], LABOUR_FORCE, "2026M04")
    assert row["status"] == "partial" and row["value"] == pytest.approx(want)
    assert row["covered_share"] == pytest.approx(share)
    assert coverage_of(row, ind.weight_label) == (
        f"2 av 3 kommuner, {round(100 * share)}\u00a0% av befolkningen 20–64 år; Vännäs saknas")


def test_a_yearly_weighted_rate_follows_the_same_rule(warehouse, shared):
    """U31804 (weighted by befolkningen 16–64 år, N01954 + N01955) in 2022 for Nynäshamn
    (no value), Bjurholm and Dorotea: 2 of 3 kommuner, but Nynäshamn holds most of the
    people, so the group's 2022 is withheld; 2021 (all three report) is shown."""
    codes = ("0192", "2403", "2425")
    rate = _kolada(shared, "U31804", 2022)
    assert rate["0192"] is None and rate["2403"] is not None and rate["2425"] is not None
    people = {k: _kolada(shared, "N01954", 2022)[k] + _kolada(shared, "N01955", 2022)[k]
              for k in codes}
    share = (people["2403"] + people["2425"]) / sum(people.values())
    assert share < 0.5
    ind = queries.indicator(warehouse, "U31804")
    series = queries.area_series(warehouse, ind, queries.Area("group:y", "group", "Y", codes))
    got = series.set_index("year")
    assert got.loc[2022, "status"] == "withheld" and pd.isna(got.loc[2022, "value"])
    assert got.loc[2022, "covered_share"] == pytest.approx(share)
    assert got.loc[2021, "status"] is None and pd.notna(got.loc[2021, "value"])


def test_the_measures_table_refuses_the_mixed_group_and_says_why(app_env, shared):
    """walk28 1: "Vilket mått?" showed 5,6 % (april 2026) for Blandad without a word of Malmö.
    It now says there is no area value, with the coverage words of the cards."""
    people = _people_20_64(shared, MIX)
    share = round(100 * (people["2084"] + people["2085"]) / sum(people.values()))
    at = _app(**MIX_LINK).run()
    assert not at.exception
    [table] = [t.value for t in at.table if "SCB:s arbetslöshet (BAS)" in t.value.index]
    cell = table.loc["SCB:s arbetslöshet (BAS)", "Blandad, senaste"]
    assert cell == (f"Inget områdesvärde: värden finns för 2 av 3 kommuner, {share}\u00a0% av "
                    "befolkningen 20–64 år; Malmö saknas (ett områdesvärde kräver minst "
                    "hälften av kommunerna och av befolkningen)"), cell
    assert "5,6" not in cell
    # the monthly block says it too, instead of a card of the two kommuner
    assert not [c for c in cards(at) if c.label.startswith("Blandad, april 2026")]
    assert any(i.value.startswith("Blandad: inget områdesvärde: värden finns för 2 av 3 "
                                  f"kommuner, {share}\u00a0% av befolkningen 20–64 år; "
                                  "Malmö saknas") for i in at.info)


def test_a_shown_partial_value_says_its_coverage_and_its_age_band(app_env, shared):
    """walk28 1 b and 2: the card and the measures table say the same coverage, and the
    table's age cell says the band of the value shown (the mirror's BAS is 20–64 år in
    every month), the series' schedule in a note under the table."""
    people = _people_20_64(shared, PARTIAL)
    share = round(100 * (people["2080"] + people["2081"]) / sum(people.values()))
    words = f"2 av 3 kommuner, {share}\u00a0% av befolkningen 20–64 år; Vännäs saknas"
    at = _app(sida="arbetsloshet", omrade="group:p",
              egnagrupper="p:2080.2081.2460:Blandad").run()
    assert not at.exception
    [card] = [c for c in cards(at) if c.label.startswith("Blandad, april 2026")]
    assert f"Beräknat från {words}." in card.notes
    [table] = [t.value for t in at.table if "SCB:s arbetslöshet (BAS)" in t.value.index]
    bas = table.loc["SCB:s arbetslöshet (BAS)"]
    assert bas["Blandad, senaste"].endswith(f"(april 2026; beräknat från {words})")
    assert bas["Ålder"] == "20–64 år"  # was "20 år till pensionsåldern (20–64, 20–65 från …"
    assert any(c.value.startswith("**Ålder:** SCB:s arbetslöshet (BAS): värdet i tabellen "
                                  "gäller 20–64 år. Serien: 20 år till pensionsåldern (20–64, "
                                  "20–65 från 2023, 20–66 från 2026)") for c in at.caption)
    # a yearly measure keeps its own ages
    assert table.loc["Koladas arbetslöshet 16–24 år (årsvärde)", "Ålder"] == "16–24 år"


def test_the_deck_says_why_the_mixed_group_has_no_months(warehouse, shared):
    """The meeting deck's title line for the mixed group gives the same reason as the page."""
    from exports import deck

    people = _people_20_64(shared, MIX)
    share = round(100 * (people["2084"] + people["2085"]) / sum(people.values()))
    area = queries.Area("group:mix", "group", "Blandad", MIX)
    plan = deck.plan(warehouse, area, ["bas_arbetsloshet"], 2021, 2026)
    assert plan.absent == [
        (f"Arbetslöshet (SCB BAS): inga månadsvärden för Blandad: värden finns för 2 av 3 "
        f"kommuner, {share}\u00a0% av befolkningen 20–64 år; Malmö saknas (ett områdesvärde "
        "kräver minst hälften av kommunerna och av befolkningen).")]
    # a shown partial group's flag names the coverage of its months
    partial = queries.Area("group:p", "group", "Blandad", PARTIAL)
    [item] = deck.plan(warehouse, partial, ["bas_arbetsloshet"], 2021, 2026).slides
    assert any("alla kommuner rapporterar inte (ringat i diagrammet): januari 2021–april "
               "2026 (2 av 3 kommuner, " in f and "Vännäs saknas)" in f for f in item.flags)


def test_jamfor_says_why_a_group_has_no_value(app_env, shared):
    """Jämför said "bara 2 av 3 kommuner har värden; ett områdesvärde kräver minst 50 % av
    kommunerna" of a group whose 2 of 3 are over half: the reason is the population."""
    codes = ("0192", "2403", "2425")  # as the yearly test: Nynäshamn without U31804 2022
    people = {k: _kolada(shared, "N01954", 2022)[k] + _kolada(shared, "N01955", 2022)[k]
              for k in codes}
    share = round(100 * (people["2403"] + people["2425"]) / sum(people.values()))
    at = _app(sida="jamfor", kommun="2403", indikator="U31804", jamfor="group:y,riket",
              egnagrupper="y:0192.2403.2425:Y", fran="2022", till="2022").run()
    assert not at.exception
    assert (f"Inga värden i perioden för Y (inget områdesvärde: värden finns för 2 av 3 "
            f"kommuner, {share}\u00a0% av befolkningen 16–64 år; Nynäshamn saknas (ett "
            "områdesvärde kräver minst hälften av kommunerna och av befolkningen)).") in [
                c.value for c in at.caption]


def test_a_yearly_card_says_why_the_newest_year_has_no_area_value(app_env, shared):
    """The card of the same group said "2022: uppgift saknas för Y (källan har värden för
    andra kommuner)", though two of its three kommuner have 2022: it now gives the rule's
    reason, then the latest value shown (2021, every member reporting)."""
    codes = ("0192", "2403", "2425")
    people = {k: _kolada(shared, "N01954", 2022)[k] + _kolada(shared, "N01955", 2022)[k]
              for k in codes}
    share = round(100 * (people["2403"] + people["2425"]) / sum(people.values()))
    at = _app(sida="unga", omrade="group:y", egnagrupper="y:0192.2403.2425:Y", fran="2015",
              till="2022").run()
    assert not at.exception
    [card] = [c for c in cards(at) if c.label.startswith("Unga vuxna 18–24 år med ekonomiskt")]
    assert card.label.endswith(", 2022") and card.value == "inget områdesvärde", card
    assert card.notes[0].startswith(
        f"**2022: inget områdesvärde för Y**: värden finns för 2 av 3 kommuner, {share}\u00a0% "
        "av befolkningen 16–64 år; Nynäshamn saknas (ett områdesvärde kräver minst hälften av "
        "kommunerna och av befolkningen); senast 2021: "), card.notes


def test_the_decks_key_figure_says_why_the_newest_year_has_no_area_value(warehouse, shared):
    """The deck said "2022: uppgift saknas för Y" beside Riket's 2022: now the rule's reason,
    and the year's flag names which half of the rule failed."""
    from exports import deck

    codes = ("0192", "2403", "2425")
    people = {k: _kolada(shared, "N01954", 2022)[k] + _kolada(shared, "N01955", 2022)[k]
              for k in codes}
    share = round(100 * (people["2403"] + people["2425"]) / sum(people.values()))
    area = queries.Area("group:y", "group", "Y", codes)
    [item] = deck.plan(warehouse, area, ["U31804"], 2015, 2022).slides
    assert item.sentences[0].startswith(
        f"Unga vuxna 18–24 år med ekonomiskt bistånd 2022: inget områdesvärde för Y (värden "
        f"finns för 2 av 3 kommuner, {share}\u00a0% av befolkningen 16–64 år; Nynäshamn "
        "saknas"), item.sentences[0]
    assert any(f.startswith("Uppgift saknas för Y: ") and "2022 (kommunerna med värde har "
               "under hälften av befolkningen)" in f for f in item.flags), item.flags


def test_a_withheld_share_never_reads_as_half_and_many_missing_are_counted_only():
    """Hand-made numbers: 49,6 % would round to '50 %' beside "kräver minst hälften"; over
    three missing members the count says it ('2 av 6 kommuner'), names would not fit a hover."""
    from transforms.areas import coverage_label, population_share_text

    assert population_share_text(0.496) == "49\u00a0%"
    assert population_share_text(0.504) == "50\u00a0%"
    assert coverage_label(2, 3, 0.1, "befolkningen 20–64 år", ("Malmö",)) == (
        "2 av 3 kommuner, 10\u00a0% av befolkningen 20–64 år; Malmö saknas")
    assert coverage_label(2, 6, None, None, ("A", "B", "C", "D")) == "2 av 6 kommuner"
