"""AppTest on every page, on a warehouse built from the real mirror.

Numbers asserted come from the recorded Kolada responses in ../shared/data, read here again.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.page_spec import load_pages

PAGES = list(load_pages())
SECTION_PAGES = [p for p, spec in load_pages().items() if spec.sections]


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def _widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def _decode(arr):
    """Plotly 7 sends arrays as {'dtype', 'bdata'} (base64); plain lists pass through."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _figure(at: AppTest, title_start: str) -> dict:
    return next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(title_start))


def _kolada(shared, kpi: str, year: int, sex: str = "T") -> dict[str, float]:
    """kommun code -> value of one KPI and year, from the recorded response."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {e["municipality"]: v["value"] for e in body["values"] if e["period"] == year
            for v in e["values"] if v["gender"] == sex and v["value"] is not None}


def _menu(at: AppTest) -> dict[str, dict[str, str]]:
    """Menu label -> the query parameters its link carries."""
    return {e.proto.label: dict(parse_qsl(e.proto.query_string))
            for e in at.get("page_link")}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app_env, page):
    at = _app(sida=page, kommun="0780").run()
    assert not at.exception, page
    assert at.title, page
    assert not at.warning, [w.value for w in at.warning]
    assert set(_menu(at)) == {spec.title for spec in load_pages().values()}


def test_vaxjo_shows_its_real_2022_unemployment(app_env, shared):
    value = _kolada(shared, "N03920", 2022)["0780"]  # 5.97…
    at = _app().run()
    _widget(at, "selectbox", "Kommun").set_value("0780").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Växjö"
    card = next(m for m in at.metric if m.label.startswith("Arbetslöshet 18–65 år, 2022"))
    assert card.value == f"{value:.1f}".replace(".", ",") + "\u00a0%" == "6,0\u00a0%"
    fig = _figure(at, "Arbetslöshet 18–65 år<br>")
    vaxjo = next(t for t in fig["data"] if t["name"] == "Växjö")
    assert _decode(vaxjo["x"])[-1] == 2022
    assert _decode(vaxjo["y"])[-1] == pytest.approx(value)
    assert dict(at.query_params) == {"kommun": "0780"}  # the choice is in the URL, as a code


@pytest.mark.parametrize("page", PAGES)
def test_a_link_reopens_the_same_view_on_every_page(app_env, page):
    params = {"kommun": "0780", "omrade": "lan:07", "kon": "K", "fran": "2015", "till": "2020",
              "ref": "2016"}
    if page != PAGES[0]:
        params = {"sida": page, **params}
    at = _app(**params).run()
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert dict(at.query_params) == params  # canonical already: nothing rewritten or lost
    assert _widget(at, "selectbox", "Kommun").value == "0780"
    assert _widget(at, "selectbox", "Område").value == "lan:07"
    if page in SECTION_PAGES:
        assert _widget(at, "radio", "Kön").value == "K"
        assert _widget(at, "select_slider", "Period").value == ("2015", "2020")
    for label, link in _menu(at).items():  # every menu link carries the whole view
        assert {k: v for k, v in link.items() if k != "sida"} == \
            {k: v for k, v in params.items() if k != "sida"}, label


def test_period_and_baseline_reach_cards_and_charts(app_env, shared):
    at = _app(kommun="0780", fran="2015", till="2019", ref="2016").run()
    assert not at.exception
    card = next(m for m in at.metric if m.label.startswith("Arbetslöshet 18–65 år"))
    assert card.label == "Arbetslöshet 18–65 år, 2019"
    value_2019, value_2018 = (_kolada(shared, "N03920", y)["0780"] for y in (2019, 2018))
    assert card.value == f"{value_2019:.1f}".replace(".", ",") + "\u00a0%"
    assert f"{value_2019 - value_2018:+.1f}".replace(".", ",") in card.delta
    fig = _figure(at, "Arbetslöshet 18–65 år<br>")
    vaxjo = next(t for t in fig["data"] if t["name"] == "Växjö")
    assert _decode(vaxjo["x"]) == [2015, 2016, 2017, 2018, 2019]
    baseline = _kolada(shared, "N03920", 2016)["0780"]
    lines = [s for s in fig["layout"].get("shapes", []) if s.get("y0") == s.get("y1")]
    assert [s["y0"] for s in lines] == [pytest.approx(baseline)]
    notes = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "Växjö 2016: " + f"{baseline:.1f}".replace(".", ",") in notes


def test_a_target_value_is_drawn_and_named_on_its_indicator_only(app_env):
    at = _app(kommun="0780", mal="N03921:4,5", malnamn="LÖK-mål").run()
    assert not at.exception
    assert dict(at.query_params) == {"kommun": "0780", "mal": "N03921:4.5",
                                     "malnamn": "LÖK-mål"}
    young = _figure(at, "Arbetslöshet 16–24 år<br>")
    assert [s["y0"] for s in young["layout"]["shapes"] if s.get("y0") == s.get("y1")] == [4.5]
    assert "LÖK-mål: 4,5" in " ".join(a["text"] for a in young["layout"]["annotations"])
    adults = _figure(at, "Arbetslöshet 18–65 år<br>")
    assert "LÖK-mål" not in " ".join(a["text"] for a in adults["layout"]["annotations"])


def test_an_invalid_link_shows_the_default_and_says_what_was_ignored(app_env):
    at = _app(kommun="9999", omrade="Län: Kronobergs län", kon="x" * 3000).run()
    assert not at.exception
    assert at.title[0].value.startswith("Översikt – ")
    [notice] = at.warning
    assert "kommun=9999" in notice.value and "omrade=Län: Kronobergs län" in notice.value
    assert "x" * 30 not in notice.value  # an over-long value is cut, not echoed
    assert dict(at.query_params) == {}  # the ignored values are gone from the URL


def test_user_group_view_shows_members_and_weighted_value(app_env, shared):
    at = _app().run()
    _widget(at, "selectbox", "Område").set_value("group:samordningsforbundet-varend").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Samordningsförbundet Värend"
    assert "Alvesta, Tingsryd, Växjö" in at.caption[0].value
    fig = _figure(at, "Invånare med ekonomiskt bistånd<br>")
    traces = {t.get("name"): t for t in fig["data"]}
    assert {"Samordningsförbundet Värend", "Alvesta", "Tingsryd", "Växjö"} <= set(traces)
    group = traces["Samordningsförbundet Värend"]
    assert _decode(group["x"]) == list(range(1994, 2023))
    rate, pop = _kolada(shared, "N31807", 2022), _kolada(shared, "N01951", 2022)
    members = ["0764", "0763", "0780"]
    expected = sum(rate[k] * pop[k] for k in members) / sum(pop[k] for k in members)
    assert _decode(group["y"])[-1] == pytest.approx(expected)
    assert "Källa: Kolada (N31807)" in " ".join(a["text"] for a in fig["layout"]["annotations"])


def test_goteborgsregionen_shows_its_weighted_unemployment(app_env, shared, warehouse):
    import yaml

    suggested = yaml.safe_load((ROOT / "transforms/suggested_groups.yml").read_text("utf-8"))
    names = next(g["kommuner"] for g in suggested if g["name"] == "Göteborgsregionen")
    codes = [c for (c,) in warehouse.execute(
        "select kommun_code from marts.kommun where list_contains(?, kommun_name)",
        [names]).fetchall()]
    assert len(codes) == 13
    at = _app(omrade="group:goteborgsregionen").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Göteborgsregionen"
    assert at.caption[0].value.startswith("Göteborgsregionen (13 kommuner: Ale, Alingsås")
    rate = _kolada(shared, "N03920", 2022)
    young, adults = _kolada(shared, "N01954", 2022), _kolada(shared, "N01955", 2022)
    weight = {k: young[k] + adults[k] for k in codes}  # population 16–64, the declared proxy
    expected = sum(rate[k] * weight[k] for k in codes) / sum(weight.values())
    fig = _figure(at, "Arbetslöshet 18–65 år<br>")
    group = next(t for t in fig["data"] if t["name"] == "Göteborgsregionen")
    assert _decode(group["x"])[-1] == 2022
    assert _decode(group["y"])[-1] == pytest.approx(expected)
    card = next(m for m in at.metric if m.label.startswith("Arbetslöshet 18–65 år, 2022"))
    assert card.value == f"{expected:.1f}".replace(".", ",") + "\u00a0%"


def test_vaxjo_shows_scb_population_for_its_lan(app_env):
    at = _app(kommun="0780").run()
    card = next(m for m in at.metric if m.label.startswith("Folkmängd, Kronobergs län"))
    assert card.label == "Folkmängd, Kronobergs län, april 2026"
    assert card.value == "202\u00a0814"  # TAB6471, summed over the recorded age groups
    assert any("BAS" in c.value and "saknas" in c.value for c in at.caption)


# --- the selection defects of issue 9 point 6 ---------------------------------------------

def test_a_shared_group_survives_a_page_change_and_can_be_saved(app_env):
    at = _app(grupp="Värend", medlemmar="0764,0763,0780").run()
    assert at.title[0].value == "Översikt – Värend (delad länk)"
    link = _menu(at)["Egna grupper"]
    assert link == {"sida": "grupper", "grupp": "Värend", "medlemmar": "0764,0763,0780"}
    at.query_params.clear()
    for key, value in link.items():  # what a click on the menu link sends
        at.query_params[key] = value
    at.run()
    assert at.title[0].value == "Egna grupper av kommuner"
    save = next(b for b in at.button if b.label.startswith("Spara den delade gruppen"))
    save.click().run()
    assert not at.exception
    assert "Gruppen 'Värend' är sparad" in at.success[0].value
    assert dict(at.query_params) == {"sida": "grupper", "omrade": "group:varend"}
    assert _widget(at, "selectbox", "Område").value == "group:varend"


def test_picking_another_kommun_while_an_area_is_chosen_shows_that_kommun(app_env):
    at = _app(kommun="0780", omrade="lan:07").run()
    assert at.title[0].value == "Översikt – Kronobergs län"
    _widget(at, "selectbox", "Kommun").set_value("1480").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Göteborg"
    assert _widget(at, "selectbox", "Område").value == ""
    assert dict(at.query_params) == {"kommun": "1480"}


def test_the_area_picker_filters_in_order_with_the_kommuns_own_areas_first(app_env):
    from streamlit.proto.SelectWidgetFilterMode_pb2 import FILTER_MODE_CONTAINS

    at = _app(kommun="0780").run()
    picker = _widget(at, "selectbox", "Område")
    assert picker.proto.filter_mode == FILTER_MODE_CONTAINS  # fuzzy sorted "Mora" first
    las = [o for o in picker.options if o.startswith("Lokal arbetsmarknad")]
    assert las[0] == "Lokal arbetsmarknad: LA2308 Växjö"  # Enter picks the first match
