"""AppTest on every page, on a warehouse built from the real mirror."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = ["pages/oversikt.py", "pages/grupper.py", "pages/om_data.py"]


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_every_page_renders_without_exception(app_env):
    at = _app().run()
    assert not at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.title, page


def test_picking_vaxjo_shows_its_real_2022_unemployment(app_env, shared):
    import json

    body = json.loads((shared / "kolada_v3/data/kpi/N03920.json").read_bytes())
    entry = next(e for e in body["values"] if e["municipality"] == "0780" and e["period"] == 2022)
    total = next(v["value"] for v in entry["values"] if v["gender"] == "T")
    at = _app().run()
    at.selectbox(key="kommun").set_value("0780").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Växjö"
    card = next(m for m in at.metric if m.label.startswith("Arbetslöshet 18–65 år, 2022"))
    assert card.value == f"{total:.1f}".replace(".", ",") + "\u00a0%"


def test_a_link_with_the_selection_reopens_the_same_view(app_env, warehouse):
    lan = warehouse.execute("select area_name from marts.area where area_id = 'lan:07'").fetchone()[0]
    at = _app()
    at.query_params["kommun"] = "Växjö"  # bound by label: readable links
    at.query_params["omrade"] = f"Län: {lan}"
    at.query_params["kon"] = "Kvinnor"
    at.run()
    assert not at.exception
    assert at.selectbox(key="kommun").value == "0780"
    assert at.title[0].value == f"Översikt – {lan}"
    assert at.radio(key="kon").value == "K"


def test_user_group_view_shows_members_and_weighted_value(app_env):
    at = _app().run()
    at.selectbox(key="omrade").set_value("group:samordningsforbundet-varend").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Samordningsförbundet Värend"
    assert "Alvesta, Tingsryd, Växjö" in at.caption[0].value


def _decode(arr):
    """Plotly 7 sends arrays as {'dtype', 'bdata'} (base64); plain lists pass through."""
    import base64

    import numpy as np

    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def test_varend_shows_forsorjningsstod_1994_2022_beside_its_three_kommuner(app_env, shared):
    import json

    at = _app().run()
    at.selectbox(key="omrade").set_value("group:samordningsforbundet-varend").run()
    assert not at.exception
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fig = next(f for f in figures
               if f["layout"]["title"]["text"].startswith("Invånare med ekonomiskt bistånd<br>"))
    traces = {t.get("name"): t for t in fig["data"]}
    assert {"Samordningsförbundet Värend", "Alvesta", "Tingsryd", "Växjö"} <= set(traces)
    group = traces["Samordningsförbundet Värend"]
    years = _decode(group["x"])
    assert years == list(range(1994, 2023))

    def file_rows(kpi):
        body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
        return {e["municipality"]: e["values"][0]["value"] for e in body["values"]
                if e["period"] == 2022}

    rate, pop = file_rows("N31807"), file_rows("N01951")
    members = ["0764", "0763", "0780"]
    expected = sum(rate[k] * pop[k] for k in members) / sum(pop[k] for k in members)
    assert _decode(group["y"])[-1] == pytest.approx(expected)
    assert "Källa: Kolada (N31807)" in " ".join(a["text"] for a in fig["layout"]["annotations"])


def test_vaxjo_shows_scb_population_for_its_lan(app_env):
    at = _app().run()
    at.selectbox(key="kommun").set_value("0780").run()
    card = next(m for m in at.metric if m.label.startswith("Folkmängd, Kronobergs län"))
    assert card.label == "Folkmängd, Kronobergs län, april 2026"
    assert card.value == "202\u00a0814"  # TAB6471, summed over the recorded age groups
    missing = [i.value for i in at.info if "månadssiffror" in i.value]
    assert missing == [("SCB:s månadssiffror för arbetslöshet saknas för Växjö, Kronobergs län "
                        "och Riket: den hämtade datan har dem bara för 15 kommuner i Dalarnas "
                        "län.")]
    assert not [m for m in at.metric if "(preliminär)" in m.label]  # no monthly number shown


def _bas(shared, kommuner: list[str], code: str, month: str) -> float:
    import json

    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    idx = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    cube = np.array(body["value"], dtype=float).reshape(body["size"])
    return sum(cube[idx["Region"].index(k), 0, 0, 0, idx["ContentsCode"].index(code),
                    idx["Tid"].index(month)] for k in kommuner)


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


def test_falun_shows_monthly_unemployment_against_a_year_earlier_with_its_lan(app_env, shared):
    at = _app().run()
    at.selectbox(key="kommun").set_value("2080").run()
    assert not at.exception
    metrics = {m.label: m for m in at.metric}
    falun = metrics["Falun, april 2026 (preliminär)"]
    assert falun.value == _percent(_bas(shared, ["2080"], "000006II", "2026M04")) == "3,1\u00a0%"
    change = _bas(shared, ["2080"], "000006II", "2026M04") - _bas(shared, ["2080"], "000006II",
                                                                    "2025M04")
    assert falun.delta == f"{change:+.1f}".replace(".", ",") + " procentenheter från april 2025"
    dalarna = [f"20{n}" for n in ("21", "23", "26", "29", "31", "34", "39", "61", "62", "80",
                                  "81", "82", "83", "84", "85")]
    lan = metrics["Dalarnas län, april 2026 (preliminär)"]
    assert lan.value == _percent(100 * _bas(shared, dalarna, "000004YH", "2026M04")
                                 / _bas(shared, dalarna, "000006IU", "2026M04"))
    assert any(i.value.startswith("Riket kan inte beräknas: SCB:s månadssiffror finns bara för "
                                  "15 av dess 290 kommuner") for i in at.info)
    footer = next(c.value for c in at.caption if "TAB6260" in c.value)
    assert "summa arbetslösa / summa arbetskraften" in footer
    assert "summerar inte exakt" in footer  # CKM: kommuner do not add up to SCB's län figure
    assert "20–65 år från januari 2023" in footer  # the band SCB has but the data lack
    chart = next(c for c in at.get("plotly_chart") if "bas_arbetsloshet" in str(c.proto.id)
                 or "Arbetslöshet (SCB BAS)" in c.proto.spec)
    assert "TAB6260" in chart.proto.spec


def test_dalarnas_lan_shows_its_monthly_value_computed_from_its_kommuner(app_env):
    at = _app()
    at.query_params["omrade"] = "Län: Dalarnas län"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Dalarnas län"
    assert any(m.label == "Dalarnas län, april 2026 (preliminär)" for m in at.metric)
