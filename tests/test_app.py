"""AppTest on every page, on a warehouse built from the real mirror.

Numbers asserted come from the recorded Kolada responses in ../shared/data, read here again.
"""

from __future__ import annotations

import base64
import gc
import json
import subprocess
import sys
from urllib.parse import parse_qsl

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from charts import unwrap_title
from tests.cards_shown import cards
from tests.conftest import ROOT
from ui.page_spec import load_pages

PAGES = list(load_pages())
SECTION_PAGES = [p for p, spec in load_pages().items() if spec.sections]


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


_SHOWN: dict[tuple, AppTest] = {}


def _shown(**params: str) -> AppTest:
    """The app run once for these query parameters, shared by every test in this worker that
    only READS the same view (issue 12 point 8: several files rendered the same page for the
    same kommun, 0.3–1.5 s each). Never click, set or run it again: take ``_app`` for that.
    Call it under ``app_env`` (the session warehouse and a seeded user-groups copy)."""
    key = tuple(sorted(params.items()))
    if key not in _SHOWN:
        _SHOWN[key] = _app(**params).run()
    return _SHOWN[key]


def _widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def _decode(arr):
    """Plotly 7 sends arrays as {'dtype', 'bdata'} (base64); plain lists pass through."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).tolist()
    return list(arr)


def _figures(at: AppTest) -> list[dict]:
    """Every chart's figure, its title as written (``charts.unwrap_title``: the lines the
    title was wrapped into for a phone joined again; the wrapping has tests of its own)."""
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for fig in figures:
        title = fig.get("layout", {}).get("title")
        if isinstance(title, dict) and isinstance(title.get("text"), str):
            title["text"] = unwrap_title(title["text"])
    return figures


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
            for e in at.sidebar.get("page_link")}


MENU = {"Bild, PNG 16:9", "Bild, PNG 4:3", "Bild, SVG", "Bild, PDF", "Siffrorna, CSV",
        "Siffrorna, Excel"}  # every chart's "Ladda ned" menu (issue 11 points 1-2)


def _in_order(node) -> list:
    """The app's elements and blocks depth first, in the order they are drawn."""
    out = [node]
    for key in sorted(getattr(node, "children", None) or {}):
        out += _in_order(node.children[key])
    return out


def _charts_without_menu(at: AppTest) -> list[str]:
    """The title of every plotly chart not followed by its download menu (the first popover
    after the chart, before the next chart) with images, CSV and Excel."""
    missing, chart = [], None
    for node in _in_order(at._tree):
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            if chart is not None:
                missing.append(chart)
            title = json.loads(node.proto.spec)["layout"].get("title") or {}
            chart = (title.get("text") or node.proto.id)[:80]
        elif kind == "popover" and chart is not None:
            labels = {n.proto.label for n in _in_order(node)
                      if getattr(n, "type", None) == "download_button"}
            if not MENU <= labels:
                missing.append(chart)
            chart = None
    return missing + ([chart] if chart is not None else [])


def _assert_menus(at: AppTest, page: str) -> None:
    charts = at.get("plotly_chart")
    missing = _charts_without_menu(at)
    assert not missing, (page, missing)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Bild, SVG") >= len(charts), page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app_env, page):
    """Every page draws without error or warning, and every chart on it (a kommun's view) has
    its download menu. The first page's link has no ``sida`` (canonical): the same view as
    the other tests of Växjö's Översikt, drawn once."""
    at = _shown(**({} if page == PAGES[0] else {"sida": page}), kommun="0780")
    assert not at.exception, page
    assert at.title, page
    assert not at.warning, [w.value for w in at.warning]
    assert set(_menu(at)) == {spec.title for spec in load_pages().values()}
    _assert_menus(at, page)


def test_the_footer_says_when_the_data_were_fetched_as_the_charts_do(app_env, warehouse):
    """walk25 defect 3: the footer said "Data senast uppdaterad" with the newest run_at of the
    refresh log, a rebuild's, while every chart says "Hämtad" with the day the data were
    fetched. It says the newest fetch of the real warehouse's snapshots, the day the page's
    charts cite (the session's refresh fetched and built the same day: no rebuild named;
    a later rebuild: test_the_footer_names_a_rebuild_only_on_a_later_day)."""
    from transforms.formatting import format_date

    fetched = warehouse.execute("select fetched_at from marts.provenance "
                                "order by fetched_at desc limit 1").fetchone()[0]
    built = warehouse.execute("select run_at from marts.refresh_log where source = 'build' "
                              "order by run_at desc limit 1").fetchone()[0]
    assert fetched is not None and built is not None
    at = _shown(kommun="0780")
    footer = next(c.value for c in at.caption if "Data senast" in c.value)
    said = f"Data senast hämtade från källorna {format_date(fetched)}"
    # the refreshed warehouse's last build fetched (its fetches are logged before it)
    assert said + ". " in footer
    assert "uppdaterad" not in footer and "okänt datum" not in footer
    # the date every chart of the page cites as "Hämtad" is the footer's
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    cited = {text.split("Hämtad\u00a0", 1)[1].split(".")[0]
             for fig in charts for a in fig["layout"].get("annotations", [])
             if "Hämtad\u00a0" in (text := a.get("text", "").replace("<br>", " "))}
    assert cited == {format_date(fetched).replace(" ", "\u00a0")}, cited


def test_the_footer_names_a_rebuild_only_on_a_later_day():
    """A rebuild the same day as the fetch (a refresh fetches, then builds) says nothing more;
    a refresh that fetches before midnight and builds after it fetched, so it is no rebuild
    (review of phone25: named from the dates alone); an empty warehouse says it does not
    know."""
    from ui.frame import data_dates_text

    assert data_dates_text("2026-12-01T22:36:26+00:00", "2026-12-01T23:10:00+00:00", True) == \
        "Data senast hämtade från källorna 1 december 2026."
    # walk25's warehouse: the full mirror's raw layer (fetched 1 December) built the next day
    # by `python -m warehouse build`, no fetch logged before it
    assert data_dates_text("2026-12-01T22:36:26.524808+00:00", "2026-12-02T06:39:15+00:00",
                           True) == (
        "Data senast hämtade från källorna 1 december 2026 (databasen byggdes om "
        "2 december 2026, utan nya data).")
    # the same dates from a refresh that fetched at 23:55 and built at 00:02
    assert data_dates_text("2026-12-01T23:55:00+00:00", "2026-12-02T00:02:00+00:00",
                           False) == "Data senast hämtade från källorna 1 december 2026."
    # a fetch after the last build cannot happen without one; a build row older than the
    # fetch is never named
    assert data_dates_text("2026-12-02T06:00:00+00:00", "2026-11-30T06:00:00+00:00", True) == \
        "Data senast hämtade från källorna 2 december 2026."
    assert data_dates_text(None, None) == "Data senast hämtade från källorna okänt datum."


def test_data_dates_say_whether_the_last_build_fetched(built, tmp_path):
    """warehouse.queries.data_dates' flag from the refresh log, on the mirror's refreshed
    warehouse: its last build followed its fetches (False); a build logged later with no
    fetch between is a rebuild (True), as Om data has said since stop 23; a fetch logged
    between the two builds makes the later one a refresh again (False)."""
    import shutil

    import duckdb

    from warehouse import queries

    target = tmp_path / "w.duckdb"
    shutil.copyfile(built["warehouse"], target)
    with duckdb.connect(str(target)) as con:
        fetched, newest, rebuilt = queries.data_dates(con)
        assert fetched == con.execute("select max(fetched_at) from marts.provenance"
                                      ).fetchone()[0]
        assert con.execute("select count(*) from marts.refresh_log where source <> 'build' "
                           "and run_at < ?", [newest]).fetchone()[0] > 0
        assert rebuilt is False
        con.execute("insert into marts.refresh_log (run_at, source, dataset, ok, message) "
                    "values ('2099-01-02T00:00:00+00:00', 'build', 'warehouse', true, 'byggd')")
        assert queries.data_dates(con) == (fetched, "2099-01-02T00:00:00+00:00", True)
        con.execute("insert into marts.refresh_log (run_at, source, dataset, ok, message) "
                    "values ('2099-01-01T23:55:00+00:00', 'kolada', 'data__N03920', true, "
                    "'hämtad')")
        assert queries.data_dates(con)[2] is False


TABBED = [(p, t) for p, spec in load_pages().items() for t, _ in spec.tabs]


@pytest.mark.parametrize(("page", "tab"), TABBED)
def test_every_tab_draws_only_its_own_sections_each_chart_with_its_menu(app_env, page, tab):
    """A page with tabs (Arbetslöshet) draws only the open tab's sections (issue 9 point 8:
    fewer charts to draw at a page change), the tab from the link (``flik``, left out for the
    first tab); every chart there has its download menu, and the tab stays on its page."""
    spec = load_pages()[page]
    first = spec.tabs[0][0]
    link = {"sida": page, "kommun": "2080", **({} if tab == first else {"flik": tab})}
    at = _shown(**link)
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert [t.label for t in at.tabs] == [label for _, label in spec.tabs]
    assert [h.value for h in at.header] == [s.heading for s in spec.sections
                                            if s.tab in (None, tab)]
    assert at.get("plotly_chart")  # Falun has a chart in every tab (monthly SCB values)
    _assert_menus(at, f"{page} {tab}")
    assert dict(at.query_params) == link
    menu = _menu(at)
    assert menu[spec.title] == link  # the page's own link keeps the tab …
    assert "flik" not in menu["Översikt"]  # … another page's does not


def test_vaxjo_shows_its_real_2022_unemployment(app_env, shared):
    value = _kolada(shared, "N03920", 2022)["0780"]  # 5.97…
    at = _app().run()
    _widget(at, "selectbox", "Kommun").set_value("0780").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Växjö"
    card = next(m for m in cards(at)
                if m.label.startswith("Arbetslöshet 18–64 år (18–65 från 2023), 2022"))
    assert card.value == f"{value:.1f}".replace(".", ",") + "\u00a0%" == "6,0\u00a0%"
    assert dict(at.query_params) == {"kommun": "0780"}  # the choice is in the URL, as a code
    # the chart is on Arbetslöshet, in its tab Per år
    at = _shown(sida="arbetsloshet", kommun="0780", flik="ar")
    assert at.title[0].value == "Arbetslöshet – Växjö"
    fig = _figure(at, "Arbetslöshet 18–64 år (18–65 från 2023)<br>")
    vaxjo = next(t for t in fig["data"] if t["name"] == "Växjö")
    assert _decode(vaxjo["x"])[-1] == 2022
    assert _decode(vaxjo["y"])[-1] == pytest.approx(value)


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
    _assert_menus(at, page)  # an area's view: its members' charts too


def test_period_and_baseline_reach_cards_and_charts(app_env, shared):
    at = _app(sida="arbetsloshet", flik="ar", kommun="0780", fran="2015", till="2019",
              ref="2016").run()
    assert not at.exception
    card = next(m for m in cards(at)
                if m.label.startswith("Arbetslöshet 18–64 år (18–65 från 2023)"))
    assert card.label == "Arbetslöshet 18–64 år (18–65 från 2023), 2019"
    value_2019, value_2018 = (_kolada(shared, "N03920", y)["0780"] for y in (2019, 2018))
    assert card.value == f"{value_2019:.1f}".replace(".", ",") + "\u00a0%"
    assert f"{value_2019 - value_2018:+.1f}".replace(".", ",").replace("-", "−") in card.delta
    fig = _figure(at, "Arbetslöshet 18–64 år (18–65 från 2023)<br>")
    vaxjo = next(t for t in fig["data"] if t["name"] == "Växjö")
    assert _decode(vaxjo["x"]) == [2015, 2016, 2017, 2018, 2019]
    baseline = _kolada(shared, "N03920", 2016)["0780"]
    lines = [s for s in fig["layout"].get("shapes", []) if s.get("y0") == s.get("y1")]
    assert [s["y0"] for s in lines] == [pytest.approx(baseline)]
    notes = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "Växjö 2016: " + f"{baseline:.1f}".replace(".", ",") in notes


@pytest.mark.parametrize(("kommun", "indicator_id", "tab", "chart", "other"), [
    ("0780", "N03921", {"flik": "ar"}, "Arbetslöshet 16–24 år<br>",
     "Arbetslöshet 18–64 år (18–65 från 2023)<br>"),
    # the monthly block's chart, in the first tab (Per månad)
    ("2080", "bas_arbetsloshet", {}, "Arbetslöshet (SCB BAS)<br>",
     "Arbetslöshet enligt olika mått<br>"),
])
def test_a_target_value_is_drawn_and_named_on_its_indicator_only(app_env, kommun,
                                                                  indicator_id, tab, chart,
                                                                  other):
    at = _app(sida="arbetsloshet", kommun=kommun, mal=f"{indicator_id}:4,5",
              malnamn="LÖK-mål", **tab).run()
    assert not at.exception and not at.warning
    assert dict(at.query_params) == {"sida": "arbetsloshet", "kommun": kommun, **tab,
                                     "mal": f"{indicator_id}:4.5", "malnamn": "LÖK-mål"}
    target = _figure(at, chart)
    assert [s["y0"] for s in target["layout"]["shapes"] if s.get("y0") == s.get("y1")] == [4.5]
    assert "LÖK-mål: 4,5" in " ".join(a["text"] for a in target["layout"]["annotations"])
    rest = _figure(at, other)
    assert "LÖK-mål" not in " ".join(a["text"] for a in rest["layout"].get("annotations", []))


def test_an_invalid_link_shows_the_default_and_says_what_was_ignored(app_env):
    at = _app(kommun="9999", omrade="Län: Kronobergs län", kon="x" * 3000).run()
    assert not at.exception
    assert at.title[0].value.startswith("Översikt – ")
    [notice] = at.warning
    assert "kommun=9999" in notice.value and "omrade=Län: Kronobergs län" in notice.value
    assert "x" * 30 not in notice.value  # an over-long value is cut, not echoed
    assert dict(at.query_params) == {}  # the ignored values are gone from the URL


def test_user_group_view_shows_members_and_weighted_value(app_env, shared):
    at = _app(sida="forsorjningsstod").run()
    _widget(at, "selectbox", "Område").set_value("group:samordningsforbundet-varend").run()
    assert not at.exception
    assert at.title[0].value == "Försörjningsstöd – Samordningsförbundet Värend"
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
    at = _app(sida="arbetsloshet", flik="ar", omrade="group:goteborgsregionen").run()
    assert not at.exception
    assert at.title[0].value == "Arbetslöshet – Göteborgsregionen"
    assert at.caption[0].value.startswith("Göteborgsregionen (13 kommuner: Ale, Alingsås")
    rate = _kolada(shared, "N03920", 2022)
    young, adults = _kolada(shared, "N01954", 2022), _kolada(shared, "N01955", 2022)
    weight = {k: young[k] + adults[k] for k in codes}  # population 16–64, the declared proxy
    expected = sum(rate[k] * weight[k] for k in codes) / sum(weight.values())
    fig = _figure(at, "Arbetslöshet 18–64 år (18–65 från 2023)<br>")
    group = next(t for t in fig["data"] if t["name"] == "Göteborgsregionen")
    assert _decode(group["x"])[-1] == 2022
    assert _decode(group["y"])[-1] == pytest.approx(expected)
    card = next(m for m in cards(at)
                if m.label.startswith("Arbetslöshet 18–64 år (18–65 från 2023), 2022"))
    assert card.value == f"{expected:.1f}".replace(".", ",") + "\u00a0%"


def test_a_test_process_is_not_frozen_by_the_app(app_env):
    """The app freezes the heap only in a real server: AppTest's runtime is a stand-in, and a
    frozen test process would keep every later test's garbage out of the collector."""
    assert gc.get_freeze_count() == 0  # nothing froze it before (the build unfreezes after)
    at = _shown(kommun="0780")
    assert not at.exception and at.title[0].value == "Översikt – Växjö"
    assert gc.get_freeze_count() == 0


def test_freeze_long_lived_freezes_once_and_later_cycles_are_still_collected():
    """In a process of its own (the freeze is process-wide): the first call collects and
    freezes what is alive, a second does nothing, and a cycle made afterwards is freed."""
    code = (
        "import gc, weakref\n"
        "from ui.frame import freeze_long_lived\n"
        "class Node: pass\n"
        "first = freeze_long_lived(); frozen = gc.get_freeze_count()\n"
        "second = freeze_long_lived()\n"
        "a, b = Node(), Node(); a.b, b.a = b, a; ref = weakref.ref(a); del a, b\n"
        "gc.collect()\n"
        "print(first, frozen > 1000, second, gc.get_freeze_count() == frozen, ref() is None)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["True", "True", "False", "True", "True"]


def test_vaxjo_shows_scb_population_for_its_lan(app_env):
    at = _shown(kommun="0780")
    card = next(m for m in cards(at) if m.label.startswith("Folkmängd, Kronobergs län"))
    assert card.label == "Folkmängd, Kronobergs län, april 2026"
    assert card.value == "202\u00a0814"  # TAB6471, summed over the recorded age groups
    missing = [i.value for i in at.info if "månadssiffror" in i.value]
    assert missing == [("SCB:s månadssiffror för arbetslöshet saknas för Växjö, Kronobergs län "
                        "och Riket: den hämtade datan har dem bara för 15 kommuner i Dalarnas "
                        "län.")]
    assert not [m for m in cards(at) if "(preliminär)" in m.label]  # no monthly number shown


def test_vaxjo_with_the_young_chosen_is_told_no_kommun_has_them(app_env, shared):
    """alder=16-24 for Växjö: the mirror's BAS has 20–64 only, so no kommun has values for
    the young; the sentence said they were there for Dalarna's 15 (review of deck24: the
    page and the deck's title line count kommuner with values for the option chosen)."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    assert list(body["dimension"]["Alder"]["category"]["index"]) == ["20-64"]
    at = _shown(kommun="0780", alder="16-24")
    assert [i.value for i in at.info if "månadssiffror" in i.value] == [
        ("SCB:s månadssiffror för arbetslöshet saknas för Växjö, Kronobergs län och Riket med "
         "valet 16–24 år (unga): den hämtade datan har inga sådana värden.")]


def _bas(shared, kommuner: list[str], code: str, month: str) -> float:
    """A TAB6260 count (or rate) summed over kommuner, read from the recorded response."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    idx = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    cube = np.array(body["value"], dtype=float).reshape(body["size"])
    return sum(cube[idx["Region"].index(k), 0, 0, 0, idx["ContentsCode"].index(code),
                    idx["Tid"].index(month)] for k in kommuner)


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


DALARNA = [f"20{n}" for n in ("21", "23", "26", "29", "31", "34", "39", "61", "62", "80", "81",
                              "82", "83", "84", "85")]


def test_falun_shows_monthly_unemployment_against_a_year_earlier_with_its_lan(app_env, shared):
    at = _app().run()
    _widget(at, "selectbox", "Kommun").set_value("2080").run()
    assert not at.exception
    assert dict(at.query_params) == {"kommun": "2080"}
    metrics = {m.label: m for m in cards(at)}
    falun = metrics["Falun, april 2026 (preliminär)"]
    assert falun.value == _percent(_bas(shared, ["2080"], "000006II", "2026M04")) == "3,1\u00a0%"
    change = _bas(shared, ["2080"], "000006II", "2026M04") - _bas(shared, ["2080"], "000006II",
                                                                    "2025M04")
    assert falun.delta == f"{change:+.1f}".replace(".", ",").replace("-", "−") + \
        " procentenheter från april 2025"
    lan = metrics["Dalarnas län, april 2026 (preliminär)"]
    assert lan.value == _percent(100 * _bas(shared, DALARNA, "000004YH", "2026M04")
                                 / _bas(shared, DALARNA, "000006IU", "2026M04"))
    assert any(i.value.startswith("Riket kan inte beräknas: SCB:s månadssiffror finns bara för "
                                  "15 av dess 290 kommuner") for i in at.info)
    footer = next(c.value for c in at.caption if "TAB6260" in c.value)
    assert "summa arbetslösa / summa arbetskraften" in footer
    assert "summerar inte exakt" in footer  # CKM: kommuner do not add up to SCB's län figure
    assert "20–65 år från januari 2023" in footer  # the band SCB has but the data lack
    fig = _figure(at, "Arbetslöshet (SCB BAS)<br>")
    assert "TAB6260" in " ".join(a["text"] for a in fig["layout"]["annotations"])
    falun_line = next(t for t in fig["data"] if t["name"] == "Falun")
    assert falun_line["x"][0].startswith("2020-01") and falun_line["x"][-1].startswith("2026-04")
    assert _decode(falun_line["y"])[-1] == pytest.approx(_bas(shared, ["2080"], "000006II",
                                                               "2026M04"))
    assert fig["layout"]["xaxis"]["tickformat"] == "%Y"  # years on the axis, no English months


def test_dalarnas_lan_shows_its_monthly_value_computed_from_its_kommuner(app_env, shared):
    at = _app(omrade="lan:20").run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Dalarnas län"
    card = next(m for m in cards(at) if m.label == "Dalarnas län, april 2026 (preliminär)")
    expected = 100 * _bas(shared, DALARNA, "000004YH", "2026M04") / _bas(
        shared, DALARNA, "000006IU", "2026M04")  # Σ arbetslösa / Σ arbetskraften, 15 kommuner
    assert card.value == _percent(expected) == "4,1\u00a0%"
    fig = _figure(at, "Arbetslöshet (SCB BAS)<br>")
    lan = next(t for t in fig["data"] if t["name"] == "Dalarnas län")
    assert _decode(lan["y"])[-1] == pytest.approx(expected)
    assert not [t for t in fig["data"] if t["name"] == "Falun"]  # 15 members: no member lines


def test_the_monthly_options_are_codes_in_the_url_and_reach_the_block(app_env, shared):
    at = _app(kommun="2080", alder="20-64").run()  # a fixed band instead of the pension age
    assert not at.exception and not at.warning
    assert dict(at.query_params) == {"kommun": "2080", "alder": "20-64"}
    assert _widget(at, "selectbox", "Ålder").value == "20-64"
    falun = next(m for m in cards(at) if m.label == "Falun, april 2026 (preliminär)")
    assert falun.value == "3,1\u00a0%"  # the mirror holds 20–64 only: the same figure
    assert "20–64 år" in _figure(at, "Arbetslöshet (SCB BAS)<br>")["layout"]["title"]["text"]
    for label, link in _menu(at).items():  # the menu carries the options to every page
        assert link.get("alder") == "20-64", label

    _widget(at, "selectbox", "Ålder").set_value("20-pension").run()  # back to the default
    assert dict(at.query_params) == {"kommun": "2080"}


def test_the_monthly_pickers_offer_only_options_with_values(app_env, shared):
    """walk24 point 4: Ålder listed 11 bands (both '20 år – pensionsåldern (20–64)' and
    '20–64 år', the same values here) and Födelseregion 3, though the mirror's TAB6260 holds
    one band and one birth region; any other choice emptied the block. A link's option
    without values stays readable, and the block says that it has none."""
    from transforms.catalogue import monthly_marts

    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    bands = list(body["dimension"]["Alder"]["category"]["index"])
    regions = list(body["dimension"]["Fodelseregion"]["category"]["index"])
    assert bands == ["20-64"] and regions == ["tot"]
    dims = monthly_marts()["bas"]["dimensions"]
    pension = str(dims["age"]["series"]["20-pension"]["label"]).split(" (")[0]
    at = _shown(sida="arbetsloshet", kommun="2080")
    age, region = (_widget(at, "selectbox", label) for label in ("Ålder", "Födelseregion"))
    # the band the data hold, named once: under the series the page shows by default
    assert list(age.options) == [f"{pension} ({bands[0].replace('-', '–')})"]
    assert list(region.options) == [dims["birth_region"]["values"][regions[0]]]

    linked = _app(kommun="2080", alder="20-64", fodelseregion="ut").run()
    assert not linked.exception and not linked.warning
    assert dict(linked.query_params) == {"kommun": "2080", "alder": "20-64",
                                         "fodelseregion": "ut"}
    region = _widget(linked, "selectbox", "Födelseregion")
    assert region.value == "ut" and "ut" not in regions
    assert list(region.options) == [dims["birth_region"]["values"][c] for c in ("tot", "ut")]
    assert not [m for m in cards(linked) if "(preliminär)" in m.label]
    assert [i.value for i in linked.info if "månadssiffror" in i.value] == [
        ("SCB:s månadssiffror för arbetslöshet saknas för Falun, Dalarnas län och Riket med "
         "valet 20–64 år, utrikes födda: den hämtade datan har inga sådana värden.")]


def test_the_period_control_clips_the_monthly_block(app_env, shared):
    at = _app(kommun="2080", fran="2023", till="2024").run()  # a year range: January–December
    assert not at.exception and not at.warning
    falun = next(m for m in cards(at) if m.label == "Falun, december 2024 (preliminär)")
    dec24, dec23 = (_bas(shared, ["2080"], "000006II", m) for m in ("2024M12", "2023M12"))
    assert falun.value == _percent(dec24)
    assert falun.delta == f"{dec24 - dec23:+.1f}".replace(".", ",").replace("-", "−") + \
        " procentenheter från december 2023"
    fig = _figure(at, "Arbetslöshet (SCB BAS)<br>")
    assert "januari 2023–december 2024" in fig["layout"]["title"]["text"]
    line = next(t for t in fig["data"] if t["name"] == "Falun")
    assert len(line["x"]) == 24 and line["x"][0].startswith("2023-01")


def test_an_unknown_monthly_option_in_a_link_falls_back_with_a_notice(app_env):
    at = _app(kommun="2080", alder="17-99", fodelseregion="Utrikes").run()
    assert not at.exception
    [notice] = at.warning
    assert "Åldersgruppen i länken känns inte igen och ignorerades (alder=17\\-99)" \
        in notice.value
    assert "Födelseregionen i länken känns inte igen och ignorerades (fodelseregion=Utrikes)" \
        in notice.value
    assert dict(at.query_params) == {"kommun": "2080"}
    assert _widget(at, "selectbox", "Ålder").value == "20-pension"
    assert any(m.label == "Falun, april 2026 (preliminär)" for m in cards(at))


# --- the selection defects of issue 9 point 6 ---------------------------------------------

def test_a_shared_group_survives_a_page_change_and_can_be_saved(app_env):
    at = _app(grupp="Värend", medlemmar="0764,0763,0780").run()
    assert at.title[0].value == "Översikt – Värend"
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
    assert "Gruppen ”Värend” är sparad" in at.success[0].value
    # share25: the stored group's members and name go with the link (egnagrupper)
    assert dict(at.query_params) == {"sida": "grupper", "omrade": "group:varend",
                                     "egnagrupper": "varend:0764.0763.0780:Värend"}
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

    at = _shown(kommun="0780")
    picker = _widget(at, "selectbox", "Område")
    assert picker.proto.filter_mode == FILTER_MODE_CONTAINS  # fuzzy sorted "Mora" first
    las = [o for o in picker.options if o.startswith("Lokal arbetsmarknad")]
    assert las[0] == "Lokal arbetsmarknad: LA2308 Växjö"  # Enter picks the first match


def test_a_run_is_waited_for_to_its_end_and_a_slow_one_times_out():
    """AppTest's wait for a run (conftest's ``apptest_waits_for_its_run_without_polling``):
    a run's elements are all there when ``run`` returns, and a run longer than its timeout
    is stopped with AppTest's own error."""
    from streamlit.testing.v1 import local_script_runner

    wait = local_script_runner.require_widgets_deltas
    calls = getattr(wait, "calls", None)
    assert calls is not None, "conftest's wait is not in place: AppTest polls every 1 ms"
    at = AppTest.from_string("import time\nimport streamlit as st\ntime.sleep(0.2)\n"
                             "st.write('klar')\n").run(timeout=30)
    assert wait.calls == calls + 1  # this run went through it
    assert [m.value for m in at.markdown] == ["klar"]
    slow = AppTest.from_string("import time\nimport streamlit as st\n"
                               "for _ in range(3000):\n    st.empty()\n    time.sleep(0.01)\n")
    with pytest.raises(RuntimeError, match=r"timed out after 0\.3\(s\)"):
        slow.run(timeout=0.3)


def test_a_deployment_opens_on_its_default_kommun_and_a_link_still_wins(app_env, monkeypatch,
                                                                       caplog):
    """left26: the app opened on Ale, first in the alphabet; a kommun deploying it sets
    DEFAULT_KOMMUN=0780 and opens on Växjö, its start page's link is still '/', a link's
    kommun= wins, and a value that is no kommun code is said in the log in Swedish and the
    app opens on Ale."""
    from transforms.kommun import default_kommun

    monkeypatch.setenv("DEFAULT_KOMMUN", "0780")
    at = _app().run()
    assert not at.exception and at.title[0].value == "Översikt – Växjö"
    assert dict(at.query_params) == {}
    at = _app(kommun="0180").run()
    assert at.title[0].value == "Översikt – Stockholm"
    monkeypatch.setenv("DEFAULT_KOMMUN", "780")
    with caplog.at_level("WARNING"):
        at = _app().run()
    assert not at.exception and at.title[0].value == "Översikt – Ale"
    said = [r.getMessage() for r in caplog.records if "DEFAULT_KOMMUN" in r.getMessage()]
    assert said == [("DEFAULT_KOMMUN='780' är ingen känd kommunkod (fyra siffror med "
                     "inledande nolla, t.ex. 0780 för Växjö); appen öppnar på Ale (1440).")]
    names = {"1440": "Ale", "0780": "Växjö"}
    assert default_kommun(None, names) == ("1440", None)
    assert default_kommun("0780", names) == ("0780", None)
