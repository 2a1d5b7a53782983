"""The period chosen is part of the view: it survives page changes and other controls.

A page whose data end sooner shows what it has and says so, and the URL (the whole view)
keeps the period the user chose (new-user walkthrough 23, defect 1). The last year of
Försörjningsstöd's data is read from the recorded Kolada responses in ../shared/data.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.page_spec import load_pages


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def _follow(at: AppTest, label: str) -> AppTest:
    """A click on the sidebar menu link ``label``: its query string becomes the URL."""
    link = next(e for e in at.sidebar.get("page_link") if e.proto.label == label)
    at.query_params.clear()
    for key, value in parse_qsl(link.proto.query_string):
        at.query_params[key] = value
    return at.run()


def _slider(at: AppTest):
    return next(w for w in at.select_slider if w.label == "Period")


def _last_year(shared, page: str) -> int:
    """The last year with a value among a page's Kolada indicators, from the mirror."""
    years = []
    for kpi in load_pages()[page].indicator_ids:
        body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
        years += [e["period"] for e in body["values"]
                  if any(v["value"] is not None for v in e["values"])]
    return max(years)


def test_a_period_ending_at_a_pages_last_year_survives_a_page_change(app_env):
    at = _app(kommun="0780", fran="2015", till="2022").run()
    assert _slider(at).value == ("2015", "2022")
    at = _follow(at, "Försörjningsstöd")
    assert not at.exception
    assert dict(at.query_params)["till"] == "2022"  # there 2022 is the last year
    at = _follow(at, "Översikt")
    assert dict(at.query_params) == {"kommun": "0780", "fran": "2015", "till": "2022"}
    assert _slider(at).value == ("2015", "2022")  # not 2015–2026


def test_a_page_with_fewer_years_shows_what_it_has_and_keeps_the_choice(app_env, shared):
    last = _last_year(shared, "forsorjningsstod")
    assert last == 2022  # the mirror's Kolada data; the chosen end lies after it
    at = _app(kommun="0780", fran="2015", till="2024").run()
    assert _slider(at).value == ("2015", "2024")
    at = _follow(at, "Försörjningsstöd")
    assert not at.exception and not at.warning
    assert _slider(at).value == ("2015", str(last))
    notes = " ".join(c.value for c in at.caption)
    assert f"Uppgifterna här slutar {last}, så sidan visar till {last}." in notes
    assert "Den valda perioden (2015–2024) står kvar i länken" in notes
    assert dict(at.query_params)["till"] == "2024"
    next(w for w in at.radio if w.label == "Kön").set_value("K").run()  # another control
    assert dict(at.query_params) == {"sida": "forsorjningsstod", "kommun": "0780", "kon": "K",
                                     "fran": "2015", "till": "2024"}
    _slider(at).set_value(("2017", str(last))).run()  # the start moved, the end left alone
    assert dict(at.query_params)["fran"] == "2017" and dict(at.query_params)["till"] == "2024"
    at = _follow(at, "Översikt")
    assert dict(at.query_params) == {"kommun": "0780", "kon": "K", "fran": "2017",
                                     "till": "2024"}
    assert _slider(at).value == ("2017", "2024")
    assert not [c for c in at.caption if "Uppgifterna här" in c.value]


def test_moving_the_end_to_a_pages_last_year_means_the_latest(app_env, shared):
    at = _app(sida="forsorjningsstod", kommun="0780", fran="2015", till="2018").run()
    _slider(at).set_value(("2015", str(_last_year(shared, "forsorjningsstod")))).run()
    assert dict(at.query_params) == {"sida": "forsorjningsstod", "kommun": "0780",
                                     "fran": "2015"}


def test_the_note_under_the_slider_is_about_the_period_just_chosen(app_env, shared):
    """Moving the end inside the data takes the 'data end sooner' note away in the same run
    (review, stop 23: it stayed until the next click, naming the period before the move)."""
    last = _last_year(shared, "forsorjningsstod")
    at = _app(sida="forsorjningsstod", kommun="0780", fran="2015", till=str(last + 2)).run()
    assert any(f"slutar {last}" in c.value for c in at.caption)
    _slider(at).set_value(("2015", str(last - 2))).run()
    assert dict(at.query_params)["till"] == str(last - 2)
    assert not [c.value for c in at.caption if "Uppgifterna här" in c.value
                or "Den valda perioden" in c.value]


def _kpi_last_year(shared, kpi: str) -> int:
    """The last year the mirror's recorded Kolada response has a value of ``kpi`` for."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return max(e["period"] for e in body["values"]
               if any(v["value"] is not None for v in e["values"]))


def _period_notes(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "Uppgifterna här" in c.value
            or "Den valda perioden" in c.value]


@pytest.mark.parametrize("page", ["karta", "jamfor", "liknande"])
def test_the_analysis_pages_say_when_their_data_end_sooner(app_env, shared, page):
    """Karta, Jämför and Liknande kommuner pick their own period of the indicator (N03920,
    the default, ends 2022 in the mirror): with 2015–2024 chosen they show 2022 and say so
    in the words of the other pages' slider (walkthrough 24: they said nothing); the link
    keeps 2024, and a period inside the data gets no note."""
    last = _kpi_last_year(shared, "N03920")
    assert last == 2022
    at = _app(sida=page, kommun="0780", fran="2015", till="2024").run()
    assert not at.exception
    notes = _period_notes(at)
    # Karta and Liknande show one period: '…visar 2022' (they said 'visar till 2022')
    shown = f"till {last}" if page == "jamfor" else str(last)
    assert notes == [(f"Uppgifterna här slutar {last}, så sidan visar {shown}. Den valda "
                     f"perioden (2015–2024) står kvar i länken och på de andra sidorna.")]
    assert dict(at.query_params)["till"] == "2024"
    if page != "liknande":  # Liknande has no slider: its chart and table name the year
        assert _slider(at).value in (str(last), ("2015", str(last)))
    at = _app(sida=page, kommun="0780", fran="2015", till=str(last - 1)).run()
    assert not at.exception and not _period_notes(at)


@pytest.mark.parametrize("page", ["karta", "jamfor", "liknande"])
def test_the_analysis_pages_say_when_the_chosen_start_lies_after_their_data(app_env, shared,
                                                                            page):
    """fran=2024: N03920 ends 2022, so each page shows 2022 alone and says so (Jämför drew
    the whole series; Karta and Liknande said nothing: review of deck24, finding 6)."""
    last = _kpi_last_year(shared, "N03920")
    at = _app(sida=page, kommun="0780", fran="2024").run()
    assert not at.exception
    if page != "liknande":
        assert _slider(at).value in (str(last), (str(last), str(last)))
    assert _period_notes(at) == [(f"Uppgifterna här slutar {last}, så sidan visar {last}. "
                                 f"Den valda perioden (från 2024) står kvar i länken och på "
                                 f"de andra sidorna.")]


def _shown(periods: list[str], start: str | None, end: str | None, *, end_only: bool):
    from types import SimpleNamespace

    from ui import url_state
    from ui.analysis import shown_range

    state = url_state.ViewState(page="karta", kommun="0780", start=start, end=end)
    return shown_range(SimpleNamespace(state=state), periods, end_only=end_only)


def test_shown_range_at_its_edges(shared):
    """analysis.shown_range: one period shown is named as one ('visar 2022'), a single-year
    indicator gets one sentence (it got 'börjar 2022 … visar från 2022. … slutar 2022 …
    visar till 2022'), a period inside the data gets none. The years are N03920's."""
    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    years = sorted({str(e["period"]) for e in body["values"]
                    if any(v["value"] is not None for v in e["values"])})
    first, last = years[0], years[-1]
    kept = "Den valda perioden ({}) står kvar i länken och på de andra sidorna."
    after, before = str(int(last) + 2), str(int(first) - 2)
    assert _shown(years, None, None, end_only=True) == (last, last, None)
    assert _shown(years, first, years[-2], end_only=True) == (years[-2], years[-2], None)
    assert _shown(years, after, None, end_only=True) == (last, last, (
        f"Uppgifterna här slutar {last}, så sidan visar {last}. "
        + kept.format(f"från {after}")))
    assert _shown(years, None, before, end_only=True) == (first, first, (
        f"Uppgifterna här börjar {first}, så sidan visar {first}. "
        + kept.format(f"till {before}")))
    assert _shown(years, first, after, end_only=False) == (first, last, (
        f"Uppgifterna här slutar {last}, så sidan visar till {last}. "
        + kept.format(f"{first}–{after}")))
    assert _shown(years, last, after, end_only=False) == (last, last, (
        f"Uppgifterna här slutar {last}, så sidan visar {last}. "
        + kept.format(f"{last}–{after}")))
    assert _shown(years, last, last, end_only=False) == (last, last, None)
    assert _shown([last], first, after, end_only=False) == (last, last, (
        f"Uppgifterna här finns bara för {last}, så sidan visar {last}. "
        + kept.format(f"{first}–{after}")))
    assert _shown([], first, last, end_only=False) is None
