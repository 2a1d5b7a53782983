"""Walkthrough 28's defects (fixe28): an analyst at Region Dalarna (real SCB BAS, TAB6260, for
Dalarna's 15 kommuner) and a kommunalråd in Malmö (no BAS months in the mirror). A month
period in a link became whole years without a word, the revision note dated SCB's revision
by the table's last update, Malmö's Arbetslöshet opened on a tab of "saknas" notes, and
Kolada's 2022 cards said nothing of the data ending there. Values are the recorded responses
in ../shared/data and the warehouse built from them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests.cards_shown import cards
from tests.conftest import SHARED
from tests.scb_recorded import BAS_DATA
from tests.test_app import _app
from transforms.formatting import data_age_note, format_date, format_number
from transforms.monthly import revision_note
from transforms.periods import Period
from ui.page_spec import load_pages
from ui.render import _tab_chosen
from warehouse import queries
from warehouse.db import connect

AVESTA, MALMO = "2084", "1280"
RATE = "000006II"  # TAB6260's arbetslöshet %
MONTH_LINK = {"kommun": AVESTA, "fran": "2025-03", "till": "2026-02"}


def _bas(region: str, month: str, contents: str = RATE) -> float:
    """One recorded TAB6260 value (kön totalt, 20-64, födelseregion totalt, as recorded)."""
    body = json.loads(BAS_DATA.read_bytes())
    idx = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    cube = np.array(body["value"], dtype=float).reshape(body["size"])
    assert body["size"][1:4] == [1, 1, 1]  # one kön, one age band, one födelseregion
    return float(cube[idx["Region"].index(region), 0, 0, 0, idx["ContentsCode"].index(contents),
                      idx["Tid"].index(month)])


def _kolada(kpi: str) -> dict[tuple[str, int], float | None]:
    body = json.loads((SHARED / "kolada_v3" / "data" / "kpi" / f"{kpi}.json").read_text())
    return {(r["municipality"], int(r["period"])): v["value"] for r in body["values"]
            for v in r["values"] if v["gender"] == "T"}


def _slider(at):
    return next(w for w in at.select_slider if w.label == "Period")


def _bas_card(at, name: str):
    return next(c for c in cards(at) if c.label.startswith(f"{name}, ")
                and "(preliminär)" in c.label)


def _texts(at) -> str:
    return " ".join([*(c.value for c in at.caption), *(i.value for i in at.info)])


# 1. A month period from a link


def test_a_month_link_on_arbetsloshet_shows_those_months(app_env):
    """walk28 1: ?sida=arbetsloshet&kommun=2084&fran=2025-03&till=2026-02 showed "januari
    2025–april 2026" and April's card. The monthly tab chooses months: the link's."""
    at = _app(sida="arbetsloshet", **MONTH_LINK).run()
    assert not at.exception and not at.warning
    slider = _slider(at)
    assert slider.value == ("2025-03", "2026-02")
    months = list(json.loads(BAS_DATA.read_bytes())["dimension"]["Tid"]["category"]["index"])
    first, last = (Period.parse(m.replace("M", "-")).label() for m in (months[0], months[-1]))
    assert (slider.options[0], slider.options[-1]) == (first, last)  # the data's months
    card = _bas_card(at, "Avesta")
    assert card.label == "Avesta, februari 2026 (preliminär)", card
    assert card.value == format_number(_bas(AVESTA, "2026M02"), 1) + "\u00a0%", card
    assert "från februari 2025" in card.delta
    assert any("mars 2025–februari 2026" in c.value for c in at.caption)
    assert not any("april 2026" in c.value for c in at.caption)
    assert dict(at.query_params) == {"sida": "arbetsloshet", **MONTH_LINK}  # reopens the same


def test_a_month_link_on_oversikt_keeps_its_months_for_the_monthly_card(app_env):
    """Översikt chooses years (its other cards are yearly): its BAS card shows the link's
    last month, the page says how the months are used, and the link keeps them."""
    at = _app(**MONTH_LINK).run()
    assert not at.exception and not at.warning
    assert _slider(at).value == ("2025", "2026")
    card = _bas_card(at, "Avesta")
    assert card.label == "Avesta, februari 2026 (preliminär)", card
    assert card.value == format_number(_bas(AVESTA, "2026M02"), 1) + "\u00a0%", card
    assert ("Perioden mars 2025–februari 2026 gäller sidans månadsvärden; årsvärdena visas "
            "för 2025–2026, och reglaget väljer hela år.") in _texts(at)
    next(w for w in at.radio if w.label == "Kön").set_value("K").run()  # another control
    assert not at.exception
    assert dict(at.query_params) == {**MONTH_LINK, "kon": "K"}
    assert _bas_card(at, "Avesta").label.startswith("Avesta, februari 2026")


def test_a_month_link_on_a_page_of_years_says_so(app_env):
    """A page of yearly values only cannot show months: the link's notice says so."""
    at = _app(sida="forsorjningsstod", **MONTH_LINK).run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("Delar av länken kunde inte användas som de stod")
    assert "Sidan visar bara hela år, så perioden mars 2025–februari 2026 visas som 2025–2026." \
        in warning
    assert dict(at.query_params) == {"sida": "forsorjningsstod", **MONTH_LINK}


def test_a_tab_of_months_keeps_a_year_baseline_and_a_tab_of_years_a_month(app_env):
    """Arbetslöshet's monthly tab chooses months: a reference year from another page stays
    in the view (its picker offered months only and took the first, januari 2020)."""
    at = _app(sida="arbetsloshet", kommun=AVESTA, ref="2015").run()
    assert not at.exception and _slider(at).value[0].count("-") == 1  # a month slider
    assert dict(at.query_params)["ref"] == "2015"
    at = _app(sida="arbetsloshet", kommun=AVESTA, flik="ar", ref="2021-03").run()
    assert not at.exception and "-" not in _slider(at).value[0]  # a year slider
    assert dict(at.query_params)["ref"] == "2021-03"


# 3. Malmö: no BAS months in the data


def test_malmo_has_no_monthly_values_in_the_data(built):
    body = json.loads(BAS_DATA.read_bytes())
    assert MALMO not in body["dimension"]["Region"]["category"]["index"]
    assert AVESTA in body["dimension"]["Region"]["category"]["index"]


def test_malmos_arbetsloshet_opens_on_the_tab_with_his_values(app_env):
    """walk28 3: Malmö's Arbetslöshet opened on "Per månad" (two "saknas" notes); his Kolada
    figures are under "Per år". Without ``flik`` the page opens on the first tab with values;
    a link naming the tab still opens it."""
    value = _kolada("N03920")[(MALMO, 2022)]
    at = _app(sida="arbetsloshet", kommun=MALMO).run()
    assert not at.exception
    card = next(c for c in cards(at) if c.label.startswith("Arbetslöshet 18–64 år"))
    assert card.label.endswith(", 2022") and card.value == format_number(value, 1) + "\u00a0%"
    assert "SCB:s månadssiffror" not in _texts(at)
    assert "flik" not in dict(at.query_params)
    at = _app(sida="arbetsloshet", kommun=MALMO, flik="manad").run()
    assert "SCB:s månadssiffror för arbetslöshet saknas för Malmö" in _texts(at)
    assert not [c for c in cards(at) if c.label.startswith("Arbetslöshet 18–64 år")]
    # Avesta has months: its page opens on them, as before
    at = _app(sida="arbetsloshet", kommun=AVESTA).run()
    assert _bas_card(at, "Avesta").label.startswith("Avesta, april 2026")


def test_a_tab_chosen_is_the_view_unless_it_is_the_areas_default():
    """A click on "Per månad" for Malmö (whose default is "Per år") must reach the link, or
    the page would open on "Per år" again."""
    spec = load_pages()["arbetsloshet"]
    state = replace(_app_state(), page="arbetsloshet")
    assert _tab_chosen(spec, "ar", state, "Per månad").tab == "manad"
    assert _tab_chosen(spec, "ar", state, "Per år").tab is None
    assert _tab_chosen(spec, "manad", state, "Per månad").tab is None


def _app_state():
    from ui.url_state import ViewState

    return ViewState(page="oversikt", kommun=MALMO)


def test_malmos_oversikt_offers_no_monthly_options_that_show_nothing(app_env):
    """walk28 3: Ålder and Födelseregion pickers stood over a "saknas" note for Malmö."""
    at = _app(kommun=MALMO).run()
    assert not at.exception
    labels = {s.label for s in at.selectbox}
    assert not labels & {"Ålder", "Födelseregion"}, labels
    assert "SCB:s månadssiffror för arbetslöshet saknas för Malmö" in _texts(at)
    at = _app(kommun=AVESTA).run()
    assert {"Ålder", "Födelseregion"} <= {s.label for s in at.selectbox}


# 2. The revision's date


def test_the_revision_is_dated_by_scbs_note_only_between_the_publications_compared():
    """The note dates the revision 2026-05-28, the body's ``updated`` is 2026-06-29; a
    revision seen between two later publications is not that revision: then the table's
    update is said as what it is."""
    body = json.loads(BAS_DATA.read_bytes())
    [dated] = [n for n in body["note"] if "revised" in n]
    revised, updated = dated[:10], body["updated"]
    old = json.loads((SHARED / "scb_v2_vintages/TAB6260/2026-04-30/data.json").read_bytes())
    changes = pd.DataFrame({"kommun_code": [AVESTA], "period": ["2021-03-01"],
                            "old_value": [5.2], "new_value": [4.7],
                            "old_published": [old["updated"]], "new_published": [updated]})
    names = {AVESTA: "Avesta"}
    text = revision_note(changes, decimals=1, short_unit="%", names=names,
                         revised_on=revised)
    assert f"SCB reviderade siffrorna {format_date(pd.Timestamp(revised))} (enligt SCB:s " \
        "not till tabellen)." in text
    later = changes.assign(old_published=updated, new_published="2026-07-30T07:00:00Z")
    text = revision_note(later, decimals=1, short_unit="%", names=names, revised_on=revised)
    assert "reviderade" not in text
    assert "SCB:s tabell uppdaterades senast 30 juli 2026." in text
    text = revision_note(changes, decimals=1, short_unit="%", names=names, revised_on=None)
    assert f"SCB:s tabell uppdaterades senast {format_date(updated)}." in text


def test_the_mart_carries_scbs_revision_date(built):
    con = connect(built["warehouse"], read_only=True)
    try:
        ind = queries.indicator(con, "bas_arbetsloshet")
        body = json.loads(BAS_DATA.read_bytes())
        [dated] = [n for n in body["note"] if "revised" in n]
        assert queries.source_revised(con, ind) == dated[:10]
    finally:
        con.close()


# 4. The age of the yearly data


def test_a_page_says_once_where_its_yearly_data_end(app_env, built):
    """walk28 4: Kolada cards read "2022" with no word that the fetched data end there."""
    last = max(y for kpi in ("N03920", "N31807", "N01951")
               for (_, y), v in _kolada(kpi).items() if v is not None)
    assert last < date.today().year - 1  # the mirror's Kolada data end in 2022
    con = connect(built["warehouse"], read_only=True)
    try:
        fetched = queries.indicator(con, "N03920").fetched_at
    finally:
        con.close()
    line = f"Årsvärdena: senaste år i hämtad data är {last} (Kolada, hämtad {format_date(fetched)})."
    at = _app(kommun=AVESTA).run()
    assert [c.value for c in at.caption].count(line) == 1
    assert sum(line in c.value for c in at.caption) == 1  # once, not on each card
    at = _app(sida="arbetsloshet", kommun=AVESTA).run()  # the monthly tab: no yearly figure
    assert not any("Årsvärdena" in c.value for c in at.caption)


def test_the_age_line_needs_data_older_than_last_year(built):
    con = connect(built["warehouse"], read_only=True)
    try:
        inds = [queries.indicator(con, i) for i in ("N03920", "N31807")]
    finally:
        con.close()
    last = max(i.last_year for i in inds)
    assert data_age_note(inds, date(last + 1, 12, 31)) is None
    assert data_age_note(inds, date(last + 2, 1, 1)).startswith(
        f"Årsvärdena: senaste år i hämtad data är {last} (Kolada")


@pytest.mark.parametrize("start,end,expected", [
    ("2025-03", "2026-02", ("Sidan visar bara hela år, så perioden mars 2025–februari 2026 "
                           "visas som 2025–2026.")),
    ("2025-03", None, ("Sidan visar bara hela år, så perioden från mars 2025 visas som från "
                      "2025.")),
    ("2015", "2022", None),
])
def test_months_note(start, end, expected):
    from ui.url_state import months_note

    state = replace(_app_state(), start=start, end=end)
    assert months_note(state, False) == expected


def test_a_month_the_source_did_not_revise_names_the_kommun_and_the_date():
    """review28: Karta's month that SCB did not revise said 'för 1 kommuner' and no date;
    it names the one kommun and dates the revision as the other notes do."""
    body = json.loads(BAS_DATA.read_bytes())
    [dated] = [n for n in body["note"] if "revised" in n]
    old = json.loads((SHARED / "scb_v2_vintages/TAB6260/2026-04-30/data.json").read_bytes())
    changes = pd.DataFrame({"kommun_code": [AVESTA], "period": ["2021-03-01"],
                            "old_value": [5.2], "new_value": [4.7],
                            "old_published": [old["updated"]],
                            "new_published": [body["updated"]]})
    text = revision_note(changes, decimals=1, short_unit="%", names={AVESTA: "Avesta"},
                         revised_on=dated[:10], month="2026-04", shown="Kartan")
    assert text == ("Vid den senaste uppdateringen ändrade SCB 1 tidigare publicerade "
                    "månadsvärden för Avesta (mars 2021); april 2026 ändrades inte. SCB "
                    f"reviderade siffrorna {format_date(pd.Timestamp(dated[:10]))} (enligt "
                    "SCB:s not till tabellen).")
