"""Exports of single charts and tables: values as shown, readable file names, Excel, images.

Values come from the session warehouse built from ../shared/data and are compared with the
screen's own formatting (transforms/formatting.py).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from exports.filenames import file_name
from transforms.export import series_frame, to_excel_csv
from transforms.formatting import format_number
from warehouse import queries

VAREND = ("0764", "0763", "0780")  # Alvesta, Tingsryd, Växjö (Samordningsförbundet Värend)


def _varend() -> queries.Area:
    return queries.Area("group:samordningsforbundet-varend", "group",
                        "Samordningsförbundet Värend", VAREND)


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --- issue 9 point 6: CSV values as shown -----------------------------------------------------

def test_csv_of_a_computed_area_has_the_indicators_decimals_not_fifteen(warehouse):
    ind = queries.indicator(warehouse, "N03920")
    df = queries.area_series(warehouse, ind, _varend())
    raw = df.dropna(subset=["value"])["value"]
    assert any(len(repr(float(v)).split(".")[1]) > 5 for v in raw)  # computed: long floats
    rows = _csv_rows(to_excel_csv(series_frame([("Värend", df, _varend().area_id)], ind, sex="Totalt")))
    by_year = {int(r["år"]): r["värde"] for r in rows}
    for year, value in zip(df["year"], df["value"], strict=True):
        shown = format_number(value, ind.decimals) if pd.notna(value) else ""
        assert by_year[int(year)] == shown  # e.g. 2022: "5,0", exactly as on screen
    assert all(re.fullmatch(r"-?\d+,\d", v) for v in by_year.values() if v)


def test_csv_of_a_count_has_no_decimal_part(warehouse):
    ind = queries.indicator(warehouse, "N31848")  # Biståndsmottagare, antal
    assert ind.decimals == 0
    df = queries.area_series(warehouse, ind, _varend())
    rows = _csv_rows(to_excel_csv(series_frame([("Värend", df, _varend().area_id)], ind, sex="Totalt")))
    values = [r["värde"] for r in rows if r["värde"]]
    assert values and all(re.fullmatch(r"\d+", v) for v in values), values  # "934", not "934,0"
    latest = df.dropna(subset=["value"]).iloc[-1]
    assert rows[-1]["värde"] == str(round(latest["value"]))


# --- issue 9 point 6: readable file names -----------------------------------------------------

def test_file_names_keep_swedish_letters_and_are_never_cut_mid_word():
    name = file_name("Samordningsförbundet Värend", "Arbetslöshet 18–65 år", "2015–2022",
                     ext="png")
    assert name == "Samordningsförbundet Värend – Arbetslöshet 18–65 år – 2015–2022.png"
    long_label = ("Lämnat etableringsuppdraget och börjat arbeta eller studera (90 dagar) "
                  "bland kvinnor och män i alla åldrar med gymnasial utbildning")
    name = file_name("Hultsfred, Ånge och Östra Göinge", long_label, "2015–2022", ext="png",
                     limit=100)
    assert len(name.encode()) <= 100
    assert name.startswith("Hultsfred, Ånge och Östra Göinge – Lämnat")
    assert name.endswith(" – 2015–2022.png")
    label_part = name.split(" – ")[1]
    assert long_label.startswith(label_part) and long_label[len(label_part)] == " "
    assert file_name("a/b: c?", "<b>x</b>", ext="csv") == "a b c – x.csv"


def test_each_download_of_a_chart_has_a_file_name_of_its_own():
    """The 16:9 and 4:3 PNGs came down under one name (the second overwrote the first or
    became '(1)'); the ratio is in the name. The walkthrough's chart, LA2308 from 2010."""
    from ui.downloads import file_names

    names = file_names("LA2308 Växjö", "Invånare med ekonomiskt bistånd", "2010–2022")
    base = "LA2308 Växjö – Invånare med ekonomiskt bistånd – 2010–2022"
    assert names["png169"] == f"{base} – 16x9.png" and names["png43"] == f"{base} – 4x3.png"
    assert (names["svg"], names["csv"]) == (f"{base}.svg", f"{base}.csv")
    assert len(set(names.values())) == len(names)
    long = file_names("Hultsfred, Ånge och Östra Göinge", "Lämnat etableringsuppdraget och "
                      "börjat arbeta eller studera (90 dagar) bland kvinnor och män i alla "
                      "åldrar med gymnasial utbildning och mer", "2015–2022")
    assert long["png43"].endswith(" – 2015–2022 – 4x3.png") and len(set(long.values())) == 6


def test_the_chart_camera_button_saves_a_readable_file_name(app_env):
    from tests.test_app import _shown

    # Översikt has cards; the charts are on Arbetslöshet, the annual ones in its tab Per år
    # (the view test_app.py's Växjö test reads too: drawn once in a worker)
    at = _shown(sida="arbetsloshet", flik="ar", kommun="0780")
    assert not at.exception
    names = [json.loads(c.proto.config)["toImageButtonOptions"].get("filename")
             for c in at.get("plotly_chart")]
    assert "Växjö – Arbetslöshet 18–64 år (18–65 från 2023) – 2010–2022" in names, \
        names
    assert "Kommunerna i" not in " ".join(n or "" for n in names)  # Växjö is one kommun
    labels = [b.proto.label for b in at.get("download_button")]
    for label in ("Bild, PNG 16:9", "Bild, PNG 4:3", "Bild, SVG", "Bild, PDF",
                  "Siffrorna, CSV", "Siffrorna, Excel"):
        assert label in labels


# --- Excel --------------------------------------------------------------------------------------

def test_excel_reopens_with_values_formats_definitions_and_members(warehouse):
    from openpyxl import load_workbook

    from exports.tables import TableExport, xlsx_bytes

    ind = queries.indicator(warehouse, "N03920")
    df = queries.area_series(warehouse, ind, _varend())
    table = series_frame([("Samordningsförbundet Värend", df, _varend().area_id)], ind, sex="Totalt")
    names = queries.kommun_names(warehouse, list(VAREND))
    data = xlsx_bytes(TableExport(table, [ind], "Samordningsförbundet Värend",
                                  "group:samordningsforbundet-varend",
                                  list(zip(VAREND, names, strict=True)), period="2010–2022"))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Data"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    col = header.index("värde") + 1
    year_col = header.index("år") + 1
    cells = {ws.cell(r, year_col).value: ws.cell(r, col) for r in range(2, ws.max_row + 1)}
    value_2022 = df.loc[df["year"] == 2022, "value"].iloc[0]
    assert cells[2022].value == float(format_number(value_2022, 1).replace(",", "."))
    assert cells[2022].number_format == "#,##0.0"
    about = wb["Om siffrorna"]
    text = "\n".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "Alvesta (0764), Tingsryd (0763), Växjö (0780)" in text
    assert "N03920" in text and "Kolada (N03920)" in text
    assert ind.definition[:40] in text
    assert "vägt med" in text  # how the area value is computed
    from transforms.formatting import format_date
    assert format_date(ind.fetched_at) in text


def test_a_chart_of_several_measures_exports_each_with_its_own_id_and_period(warehouse):
    """The "Vilket mått?" chart's numbers for Falun: SCB BAS per month and Kolada's N03920
    per year in one CSV and one workbook, each row at its indicator's decimals, each
    indicator's definition and source on the about sheet (issue 11 point 2)."""
    from openpyxl import load_workbook

    from exports.tables import TableExport, csv_bytes, xlsx_bytes
    from transforms.export import stacked_frame

    falun = queries.area(warehouse, "kommun:2080")
    bas = queries.indicator(warehouse, "bas_arbetsloshet")
    kolada = queries.indicator(warehouse, "N03920")
    monthly = queries.monthly_series(warehouse, bas, falun, "T", {})
    yearly = queries.area_series(warehouse, kolada, falun)
    table, decimals = stacked_frame([series_frame([("Falun", monthly, falun.area_id)], bas, sex="Totalt"),
                                     series_frame([("Falun", yearly, falun.area_id)], kolada, sex="Totalt")])
    assert decimals == [1] * (len(monthly) + len(yearly))
    export = TableExport(table, [bas, kolada], "Falun", "kommun:2080", [("2080", "Falun")],
                         decimals=decimals, area_method=False)
    rows = _csv_rows(csv_bytes(export))
    april = next(r for r in rows if r["månad"] == "2026-04")
    assert april["värde"] == format_number(
        monthly.loc[monthly["period"].astype(str).str.startswith("2026-04"), "value"].iloc[0], 1)
    assert april["år"] == "" and "TAB6260" in april["källa"]
    y2022 = next(r for r in rows if r["år"] == "2022")
    assert y2022["månad"] == "" and y2022["nyckeltal"].startswith("N03920")
    assert y2022["värde"] == format_number(yearly.set_index("year")["value"][2022], 1)
    wb = load_workbook(io.BytesIO(xlsx_bytes(export)))
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["område", "kod", "år", "månad"]  # kod: walk27
    assert {ws.cell(r, header.index("värde") + 1).number_format
            for r in range(2, ws.max_row + 1)} == {"#,##0.0"}
    about = "\n".join(str(c.value) for row in wb["Om siffrorna"].iter_rows() for c in row
                      if c.value)
    assert "TAB6260" in about and "N03920" in about  # the source's ids, never our key


def test_a_csv_button_is_labelled_by_what_it_downloads():
    """Two tables on one page: two buttons that say which table (issue 11 point 2)."""
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from ui.downloads import csv_button

        table = pd.DataFrame({"område": ["Falun"], "värde": [3.1]})
        csv_button(table, "a.csv", key="a")
        csv_button(table, "b.csv", key="b", label="Ladda ned rangordningen (CSV)")

    at = AppTest.from_function(page).run()
    assert [b.proto.label for b in at.get("download_button")] == [
        "Ladda ned siffrorna (CSV)", "Ladda ned rangordningen (CSV)"]


# --- images -------------------------------------------------------------------------------------

def _varend_chart(warehouse):
    import charts

    ind = queries.indicator(warehouse, "N03920")
    lines = [charts.Line(area.name, queries.area_series(warehouse, ind, area), role)
             for area, role in ((_varend(), "focus"),
                                (queries.area(warehouse, "lan:07"), "lan"),
                                (queries.area(warehouse, "riket"), "riket"))]
    title = "Arbetslöshet 18–65 år<br><sup>Samordningsförbundet Värend, 2010–2022</sup>"
    return charts.time_series(lines, ind, title=title, computed_note="Områden: vägt."), ind


def test_a_chart_carries_plotlys_white_template_as_its_own_copy(warehouse):
    import plotly.graph_objects as go
    import plotly.io as pio

    fig, _ = _varend_chart(warehouse)
    # the same template as plotly's validating path gives (charts.house_template skips it)
    expected = go.Figure().update_layout(template="plotly_white").layout.template
    assert fig.layout.template.to_plotly_json() == expected.to_plotly_json()
    assert fig.layout.template.layout.paper_bgcolor == "white"
    fig.layout.template.layout.font.size = 99  # a copy: the registered template is unchanged
    assert pio.templates["plotly_white"].layout.font.size is None


def test_the_fast_layout_paths_give_the_figure_plotlys_own_calls_give(warehouse, monkeypatch):
    import charts

    fast, _ = _varend_chart(warehouse)
    monkeypatch.setattr(charts, "house_template",
                        lambda fig: fig.update_layout(template="plotly_white"))
    monkeypatch.setattr(charts, "_set_layout", lambda fig, **props: fig.update_layout(**props))
    slow, _ = _varend_chart(warehouse)
    assert json.dumps(fast.to_plotly_json(), sort_keys=True, default=str) == json.dumps(
        slow.to_plotly_json(), sort_keys=True, default=str)
    assert fast.layout.height == slow.layout.height > 400
    assert fast.layout.title.text.startswith("Arbetslöshet 18–65 år")
    assert fast.layout.legend.orientation == "h" and fast.layout.template.layout.plot_bgcolor


def test_chart_images_have_their_sizes_and_carry_title_and_source(warehouse, export_browser):
    from PIL import Image

    images = export_browser
    fig, _ = _varend_chart(warehouse)
    wide = Image.open(io.BytesIO(images.figure_image(fig, "png169")))
    assert wide.size == (2560, 1440)
    four_three = Image.open(io.BytesIO(images.figure_image(fig, "png43")))
    assert four_three.size == (2048, 1536)
    svg = images.figure_image(fig, "svg").decode("utf-8")
    assert svg.startswith("<svg") and "Arbetslöshet 18–65 år" in svg
    assert "Källa: Kolada (N03920)" in svg and "Hämtad" in svg
    assert "Samordningsförbundet Värend" in svg and "Riket" in svg  # legend
    pdf = images.figure_image(fig, "pdf")
    assert pdf.startswith(b"%PDF")
    renders = images.stats()["renders"]
    assert images.figure_image(fig, "png169") == images.figure_image(fig, "png169")
    assert images.stats()["renders"] == renders  # cached by figure content


def test_a_map_figure_exports_offline(export_browser):
    """A plain go.Choropleth on a tiny hand-made geojson (two squares, not real borders)."""
    import plotly.graph_objects as go

    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"code": code},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 56], [x + 1, 56], [x + 1, 57],
                                                          [x, 57], [x, 56]]]}}
        for code, x in (("0764", 14.0), ("0780", 15.0))]}
    fig = go.Figure(go.Choropleth(geojson=geojson, locations=["0764", "0780"], z=[4.1, 5.0],
                                  featureidkey="properties.code", colorscale="Blues"))
    fig.update_geos(fitbounds="locations", visible=False)  # the base map off, as charts_map
    fig.update_layout(title_text="Karta: handgjorda rutor", annotations=[{
        "text": "Källa: handgjort testunderlag", "x": 0, "y": 0, "xref": "paper",
        "yref": "paper", "showarrow": False}])
    before = len(export_browser.blocked_requests())
    svg = export_browser.figure_image(fig, "svg").decode("utf-8")
    assert "Karta: handgjorda rutor" in svg and "Källa: handgjort testunderlag" in svg
    assert svg.count('class="choroplethlocation"') == 2
    assert not [r for r in export_browser.blocked_requests()[before:] if "plot.ly" in r]


FIGURE_HOSTS = ("plot.ly", "mathjax", "cdnjs", "jsdelivr", "unpkg", "topojson", "openstreetmap",
                "carto", "mapbox", "maplibre", "fonts.g")


def test_no_export_request_leaves_the_machine(warehouse, export_browser):
    """Every request the export browser makes goes to our guard on 127.0.0.1 and is refused;
    the charts need none (a figure that would fetch a CDN topojson is refused, loudly)."""
    import plotly.graph_objects as go

    images = export_browser
    fig, _ = _varend_chart(warehouse)
    fig.update_layout(title_text="Nätverkskontroll")  # not cached: really rendered
    for fmt in images.FORMATS:
        images.figure_image(fig, fmt)
    assert not [r for r in images.blocked_requests() if any(h in r for h in FIGURE_HOSTS)]
    world = go.Figure(go.Choropleth(locations=["SWE"], z=[1], locationmode="ISO-3"))
    with pytest.raises(images.ExportUnavailable, match="topojson"):
        images.figure_image(world, "svg")  # plotly.js asks cdn.plot.ly: refused by the guard
    assert any("cdn.plot.ly" in r for r in images.blocked_requests())


def test_the_liknande_table_downloads_numbers_at_the_decimals_shown():
    """Liknande kommuner's table as CSV and Excel: values and distances as numbers at the
    decimals on screen (folkmängd whole, shares one, distances two), the kommungrupp as its
    code; hand-made values for four kommuner (issue 11 point 1)."""
    from openpyxl import load_workbook

    from exports.tables import TableExport, csv_bytes, xlsx_bytes
    from transforms import peers
    from ui.pages.liknande import export_frame

    table = pd.DataFrame({  # hand-made
        "kommun_code": ["2080", "2081", "2082", "2083"],
        "kommun_name": ["Falun", "Borlänge", "Säter", "Hedemora"],
        "N01951": [60000.0, 52000.0, 11000.0, 15000.0],
        "N03920": [3.14159, 5.55, float("nan"), 4.04],
        "kommungrupp": ["B3", "B3", "B4", "C7"]})
    variables = [peers.Variable("N01951", "Folkmängd", 1.0, "log"),
                 peers.Variable("N03920", "Arbetslöshet", 2.0, "number"),
                 peers.Variable("kommungrupp", "Kommungrupp", 1.0, "category")]
    dist = peers.distances(table[["kommun_code", "N01951", "N03920", "kommungrupp"]], "2080",
                           variables)
    found = peers.nearest(dist, 3, names=table.set_index("kommun_code")["kommun_name"])
    frame = export_frame(found, table, "2080", variables)
    assert (frame["Kommun"].iloc[0], frame["Plats"].iloc[0]) == ("Falun", "Vald")
    assert frame.attrs["decimals"]["Folkmängd"] == 0
    assert frame.attrs["decimals"]["Arbetslöshet"] == 1
    rows = _csv_rows(csv_bytes(TableExport(frame, [], "Falun och liknande kommuner",
                                           "kommun:2080")))
    falun = rows[0]
    assert (falun["Folkmängd"], falun["Arbetslöshet"], falun["Kommungrupp"]) == (
        "60000", "3,1", "B3")
    borlange = next(r for r in rows if r["Kommun"] == "Borlänge")
    distance = found.set_index("kommun_code").at["2081", "distance"]
    assert borlange["Avstånd totalt"] == format_number(distance, 2).replace("\u00a0", "")
    assert next(r for r in rows if r["Kommun"] == "Säter")["Arbetslöshet"] == ""
    wb = load_workbook(io.BytesIO(xlsx_bytes(TableExport(frame, [], "Falun", "kommun:2080"))))
    ws = wb["Data"]
    header = [c.value for c in ws[1]]
    row = list(frame["Kommun"]).index("Borlänge") + 2  # header in row 1
    cell = ws.cell(row, header.index("Avstånd totalt") + 1)
    assert cell.value == round(distance, 2) and cell.number_format == "#,##0.00"
    assert ws.cell(2, header.index("Arbetslöshet") + 1).value == 3.1


# --- new-user walkthrough 23: the 4:3 image put the legend over the title ------------------------

def _la2308_chart(warehouse):
    """Försörjningsstöd's first chart for LA2308 Växjö from 2010, as the page draws it: the
    area, Kronobergs län, Riket and the five member kommuner (a legend of nine entries)."""
    import charts
    from transforms import periods

    ind = queries.indicator(warehouse, "N31807")
    area = queries.area(warehouse, "la:LA2308")
    shown = [(area, "focus"), (queries.area(warehouse, "lan:07"), "lan"),
             (queries.area(warehouse, "riket"), "riket")]
    named = sorted(zip(queries.kommun_names(warehouse, list(area.members)), area.members,
                       strict=True))
    shown += [(queries.area(warehouse, f"kommun:{code}"), "member") for _, code in named]
    lines = [charts.Line(a.name, periods.clip(queries.area_series(warehouse, ind, a, "T"),
                                              "2010", None), role, computed=not a.is_kommun)
             for a, role in shown]
    period = charts.period_text([line.data for line in lines])
    title = (f"{ind.label}<br><sup>{area.name} jämfört med Kronobergs län och Riket, {period}, "
             f"totalt</sup>")
    return charts.time_series(lines, ind, title=title, computed_note="Områden: vägt.")


def _hinder_chart(warehouse):
    """Försörjningshinder for LA2308 (ten parts: a legend of five rows at 4:3)."""
    import charts
    from transforms import periods

    ids = [f"N318{n}" for n in range(58, 68)]
    area = queries.area(warehouse, "la:LA2308")
    inds = [queries.indicator(warehouse, i) for i in ids]
    df = pd.concat([periods.clip(queries.area_series(warehouse, ind, area, "T"), "2010", None)
                    .dropna(subset=["value"]).assign(indicator_id=ind.id)
                    [["indicator_id", "year", "value"]] for ind in inds], ignore_index=True)
    labels = {ind.id: ind.label for ind in inds if ind.id in set(df["indicator_id"])}
    title = ("Försörjningshinder bland vuxna biståndsmottagare<br><sup>LA2308 Växjö, "
             f"{charts.period_text([df])}, andel av mottagarna med försörjningshinder</sup>")
    return charts.composition(df, labels, inds[0], title=title)


def _svg_layout(svg: str) -> dict[str, float]:
    """Where Plotly put the title, the legend, the plot, the x tick labels and the source
    line in an SVG (px from the top)."""
    def first(pattern: str) -> re.Match:
        found = re.search(pattern, svg, re.DOTALL)
        assert found, pattern
        return found

    title = first(r'<text class="gtitle"[^>]* y="([\d.]+)"')
    legend = first(r'<g class="legend"[^>]*translate\([\d.]+,([\d.]+)\)"><rect class="bg"'
                   r'[^>]* height="([\d.]+)"')
    row = first(r'<g class="legend".*?<g class="traces" transform="translate\([\d.]+,([\d.]+)\)')
    plot = first(r'<clipPath class="axesclip" id="clip\w+xy"><rect x="[\d.]+" y="([\d.]+)" '
                 r'width="[\d.]+" height="([\d.]+)"')
    source = first(r'translate\([\d.]+,([\d.]+)\)"><rect class="bg" x="[\d.]+" y="[\d.]+" '
                   r'width="[\d.]+" height="([\d.]+)"[^>]*/><text class="annotation-text"'
                   r'[^>]*>(?:<tspan[^>]*>)?Källa')
    ticks = [float(y) for y in re.findall(r'<g class="xtick"><text [^>]* y="([\d.]+)"', svg)]
    return {"title": float(title[1]), "legend_top": float(legend[1]),
            "legend_bottom": float(legend[1]) + float(legend[2]),
            "first_row": float(legend[1]) + float(row[1]), "plot_top": float(plot[1]),
            "plot_bottom": float(plot[1]) + float(plot[2]), "ticks": max(ticks),
            "source_top": float(source[1]), "source_bottom": float(source[1]) + float(source[2])}


TITLE_FONT, SUBTITLE_FONT, LEGEND_FONT = 16, 0.7 * 16, 12  # charts._frame; <sup> is 70 %


def test_every_image_size_keeps_title_legend_plot_and_source_apart(warehouse, export_browser):
    """PNG 4:3 wrapped the nine-entry legend into two rows and drew it over the title and
    subtitle (the title's place was a fraction of the screen's height). At every size
    offered, as Plotly lays it out: the subtitle ends above the legend's first row, the
    legend ends above the plot, the source sits under the x axis and inside the image."""
    from dataclasses import replace

    lines = _la2308_chart(warehouse)
    assert len([t for t in lines.data if t.showlegend is not False]) == 9
    for fig, fmt in [(f, fmt) for f in (lines, _hinder_chart(warehouse))
                     for fmt in export_browser.FORMATS.values()]:
        probe = replace(fmt, key=f"{fmt.key}-svg", format="svg", scale=1)
        at = _svg_layout(export_browser.figure_image(fig, probe).decode("utf-8"))
        # the subtitle's baseline: one line (1.3 em) under the title's, raised 0.6 em of
        # its own size (plotly.js's <sup>); its descent (~0.25 em) must clear the legend
        # text's cap height above the first row's middle
        subtitle = at["title"] + 1.3 * TITLE_FONT - 0.6 * SUBTITLE_FONT
        assert at["title"] - TITLE_FONT >= 0, fmt.key
        assert subtitle + 0.25 * SUBTITLE_FONT <= at["first_row"] - 0.5 * LEGEND_FONT, \
            (fmt.key, at)
        assert at["legend_bottom"] <= at["plot_top"], (fmt.key, at)
        assert at["ticks"] < at["source_top"] and at["source_bottom"] <= fmt.height, \
            (fmt.key, at)


def test_an_image_gets_the_legend_rows_its_own_width_needs():
    """charts.house_layout_at: the title stays the same px from the top at any height, and
    the top margin holds the legend rows at the image's plot width (more rows at 4:3)."""
    import plotly.graph_objects as go

    import charts
    from exports import images

    names = ["LA2308 Växjö", "Kronobergs län", "Riket", "Alvesta", "Lessebo", "Tingsryd",
             "Uppvidinge", "Växjö", "alla kommuner rapporterar inte"]
    fig = go.Figure([go.Scatter(x=[2021, 2022], y=[1, 2], name=n) for n in names])
    fig.update_layout(height=472, margin={"l": 64, "r": 24, "t": charts.top_margin(1)},
                      title={"text": "T", "y": charts.title_y(472), "yref": "container",
                             "yanchor": "bottom"},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"})
    tops = {}
    for fmt in images.FORMATS.values():
        data = images.sized(fig, fmt)
        layout = data["layout"]
        assert (1 - layout["title"]["y"]) * fmt.height == pytest.approx(charts.TITLE_SPACE - 14)
        rows = charts.legend_rows(names, fmt.width - 64 - 24)
        assert layout["margin"]["t"] == charts.top_margin(rows)
        tops[fmt.key] = rows
    # the slides' layout widths (stop 28): at 16:9's 960 px and 4:3's 720 px Plotly wraps the
    # nine names into three rows (columns as wide as the widest name; counted in the SVG:
    # test_legend_rows_are_the_rows_plotly_draws); legend_rows used to reserve five at 720
    assert tops["png43"] == 3 and tops["png169"] == 3
    # the app's layout (walk25): the legend hangs from the title's foot, LEGEND_TOP px from
    # the top at every size (a container fraction of the screen's height would move it)
    fig.update_layout(legend={"y": charts.legend_y(472), "yref": "container",
                              "yanchor": "top"})
    for fmt in images.FORMATS.values():
        layout = images.sized(fig, fmt)["layout"]
        assert (1 - layout["legend"]["y"]) * fmt.height == pytest.approx(charts.LEGEND_TOP)
        assert layout["margin"]["t"] == charts.top_margin(tops[fmt.key])


def _drawn_legend_rows(svg: str) -> int:
    """The rows of a horizontal legend in plotly's SVG: its entries' distinct y offsets."""
    return len(set(re.findall(r'<g class="traces" transform="translate\([\d.]+,([\d.]+)\)',
                              svg)))


@pytest.mark.parametrize("width", [560, 718, 960, 1068, 1280])
def test_legend_rows_are_the_rows_plotly_draws(export_browser, width):
    """stop 28: legend_rows counted each entry 6 px wider than plotly.js draws it (46 px
    beside its text where plotly.js has legend.itemwidth 30 + 2 × itemGap 5), so at some
    widths the chart kept room for rows plotly never draws: at 718 px five for three, at
    1068 px three for one, an empty band above the plot. The nine names of the 4:3 test,
    rendered by kaleido at each width, take exactly the rows legend_rows counts."""
    import plotly.graph_objects as go

    import charts
    from exports.images import ImageFormat

    names = ["LA2308 Växjö", "Kronobergs län", "Riket", "Alvesta", "Lessebo", "Tingsryd",
             "Uppvidinge", "Växjö", "alla kommuner rapporterar inte"]
    fig = go.Figure([go.Scatter(x=[2021, 2022], y=[1, 2], name=n) for n in names])
    fig.update_layout(margin={"l": 64, "r": 24, "t": 200},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"})
    fmt = ImageFormat("legend", "SVG", "svg", width, 500, 1, "image/svg+xml", "svg")
    svg = export_browser.figure_image(fig, fmt).decode("utf-8")
    assert charts.legend_rows(names, width - 64 - 24) == _drawn_legend_rows(svg)


def test_an_image_s_source_line_is_wrapped_for_its_own_width(warehouse, export_browser):
    """rev25b: the source line, wrapped at 336 px for a phone, read as a narrow 3–4 line block
    under a 1280 px chart in every image, its date broken ("Hämtad 1 december / 2026"). An
    image wraps it again at its own width (charts.house_layout_at): one source in two lines
    at most in a 16:9 SVG, the date whole on one line, under the x axis and inside."""
    import charts
    from transforms.formatting import format_date

    ind = queries.indicator(warehouse, "N31807")
    lan = queries.area(warehouse, "lan:07")  # an area: the source says how it is computed
    fig = charts.time_series([charts.Line(lan.name, queries.area_series(warehouse, ind, lan),
                                          "focus")], ind,
                             title=f"{ind.label}<br><sup>Kronobergs län, totalt</sup>",
                             computed_note=f"Områden: {ind.area_method}.")
    screen = next(a for a in fig.layout.annotations if a.text.startswith("Källa"))
    assert screen.text.count("<br>") + 1 >= 3  # the phone's wrapping on screen
    svg = export_browser.figure_image(fig, "svg").decode("utf-8")
    note = re.search(r'<text class="annotation-text"[^>]*>(.*?)</text>', svg[svg.index(
        '<text class="annotation-text"'):], re.DOTALL)
    lines = [re.sub(r"<[^>]+>", "", line) for line in re.findall(
        r'<tspan class="line"[^>]*>(.*?)</tspan>', note[1])] or [re.sub(r"<[^>]+>", "", note[1])]
    assert lines[0].startswith("Källa: Kolada (N31807)") and 1 <= len(lines) <= 2, lines
    day = f"Hämtad {format_date(ind.fetched_at)}."
    assert [line for line in lines if day in line.replace("\u00a0", " ")], (day, lines)
    at = _svg_layout(svg)
    assert at["ticks"] < at["source_top"] and at["source_bottom"] <= 720, at
    # at no width does a wrapped source line break inside the date (the phone's 336 px did)
    for width in range(150, 1300, 3):
        wrapped = charts.wrap_px(charts.source_text(ind), width, charts.SOURCE_SIZE)
        assert [line for line in wrapped.split("<br>") if day in line.replace("\u00a0", " ")
                ], (width, wrapped)


def test_a_long_title_is_wrapped_for_a_phone_and_again_for_an_image(warehouse):
    """left26: a title is one line of plotly.js text; on a 390 px phone a subtitle naming a
    long group ran out of the chart. On screen it is wrapped for the narrowest chart (each
    line within charts.TITLE_WIDTH, measured bold), the legend and plot moved down by the
    lines past two; an image wraps it again at its own width: at 1280 px it is two lines,
    as written, and the legend hangs where a two-line title leaves it."""
    import charts
    from exports import images

    ind = queries.indicator(warehouse, "N31807")
    lan = queries.area(warehouse, "lan:07")
    riket = queries.area(warehouse, "riket")
    title = (f"{ind.label}<br><sup>Samordningsförbundet Värend och grannkommunerna i "
             f"Kronobergs län (delad länk), 2010–2022, totalt</sup>")
    fig = charts.time_series([charts.Line(lan.name, queries.area_series(warehouse, ind, lan),
                                          "focus"),
                              charts.Line("Riket", queries.area_series(warehouse, ind, riket),
                                          "riket")], ind, title=title)
    screen = fig.layout.title.text
    lines = screen.split("<br>")
    assert len(lines) >= 3 and charts.unwrap_title(screen) == title
    for line in lines:
        size = charts.TITLE_SIZE * (0.7 if line.startswith("<sup>") else 1)
        text = re.sub(r"<[^>]+>", "", line).strip()  # (a subtitle line's raising <span>)
        assert charts.text_width(text, size) * charts.TITLE_BOLD <= charts.TITLE_WIDTH, line
    extra = charts.title_extra(screen)  # the label's lines at its size, the subtitle's at its
    assert extra == charts.SUB_LINE * (len(lines) - 2)  # one label line, the rest subtitle
    assert fig.layout.margin.t == charts.top_margin(1, extra)
    assert (1 - fig.layout.legend.y) * fig.layout.height == pytest.approx(
        charts.LEGEND_TOP + extra)
    layout = images.sized(fig, images.FORMATS["svg"])["layout"]
    assert layout["title"]["text"] == title  # 1280 px: room for each line as written
    assert (1 - layout["legend"]["y"]) * 720 == pytest.approx(charts.LEGEND_TOP)
    assert layout["margin"]["t"] == charts.top_margin(1)
    # the PNG 16:9, laid out at its slide's 960 × 540 pt (stop 28): still room for each
    # line as written, the legend LEGEND_TOP px from the top of its 540 px
    png = images.sized(fig, images.FORMATS["png169"])["layout"]
    assert png["title"]["text"] == title
    assert charts.text_width(re.sub(r"<[^>]+>", "", title.split("<br>")[1]),
                             charts.SUB_SIZE) * charts.TITLE_BOLD <= 960 - 32
    assert (1 - png["legend"]["y"]) * 540 == pytest.approx(charts.LEGEND_TOP)
    assert png["margin"]["t"] == charts.top_margin(1)
