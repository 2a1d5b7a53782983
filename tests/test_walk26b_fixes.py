"""Defects walk26b found, each asserted on real values from ../shared/data."""

import io

import pandas as pd
import pytest

from tests.test_app import _kolada
from warehouse import queries

HINDER = [f"N318{n}" for n in range(58, 69)]


def _hinder(warehouse, kommun: str):
    """Bjurholm's försörjningshinder 2015–2022 as composition_block gathers them."""
    from ui.blocks import _part_label

    area = queries.area(warehouse, f"kommun:{kommun}")
    inds = [queries.indicator(warehouse, i) for i in HINDER]
    every = {ind.id: _part_label(ind.label) for ind in inds}
    df = pd.concat([queries.area_series(warehouse, ind, area, "T")
                    .query("2015 <= year <= 2022").dropna(subset=["value"])
                    .assign(indicator_id=ind.id)[["indicator_id", "year", "value"]]
                    for ind in inds], ignore_index=True)
    labels = {i: every[i] for i in every if i in set(df["indicator_id"])}
    return inds, every, labels, df


def test_composition_says_which_parts_lack_a_value_and_what_the_rest_sum_to(warehouse):
    import charts
    from transforms.composition import gaps_note, part_gaps, part_sums

    inds, every, labels, df = _hinder(warehouse, "2403")
    gaps, sums = part_gaps(df, every), part_sums(df)
    # Kolada has no 2021 value for N31861 and N31862–N31867 in Bjurholm; the rest sum to 75.6
    assert gaps[2021] == [every[i] for i in ("N31861", "N31862", "N31863", "N31864",
                                            "N31865", "N31866", "N31867")]
    assert sums[2021] == pytest.approx(75.56, abs=0.01)
    assert sums[2022] == pytest.approx(78.0, abs=0.01)
    note = gaps_note(gaps, sums, 1)
    assert "2021: 75,6\u00a0%" in note and "2022: 78,0\u00a0%" in note
    assert "Pension eller äldreförsörjningsstöd (alla år)" in note
    assert "summerar till omkring 100" not in note  # no year of 2017–2022 is complete
    fig = charts.composition(df, labels, inds[0], title="t", parts=every)
    assert "2022: 78,0\u00a0%" in fig.layout.annotations[-1].text.replace("<br>", " ")
    first = fig.data[0]  # Arbetslös
    hover = dict(zip(first.x, first.hovertext, strict=True))[2021]
    assert "Delarna summerar till 75,6\u00a0%; uppgift saknas: Sjuk- eller" in hover


def test_composition_download_keeps_a_row_for_each_missing_part(warehouse):
    from transforms.composition import MISSING_PART, missing_part_rows, part_gaps
    from transforms.export import series_frame, stacked_frame

    inds, every, labels, df = _hinder(warehouse, "2403")
    table, decimals = stacked_frame([series_frame(
        [("Bjurholm", df[df["indicator_id"] == ind.id], "kommun:2403")], ind, sex="Totalt")
        for ind in inds if ind.id in labels])
    table, decimals = missing_part_rows(table, decimals, part_gaps(df, every), inds, every)
    assert len(decimals) == len(table)
    y2021 = table[table["år"] == 2021]
    assert len(y2021) == 11  # every part, with or without a value
    missing = y2021[y2021["anmärkning"] == MISSING_PART]
    assert [n.split(" ")[0] for n in missing["nyckeltal"]] == \
        ["N31861", "N31862", "N31863", "N31864", "N31865", "N31866", "N31867"]
    assert missing["värde"].isna().all()
    assert y2021["värde"].sum() == pytest.approx(75.6, abs=0.05)


GR = "Skyddsbehövande 20–25 år som varken arbetar eller studerar<br><sup>Kommunerna i " \
     "Göteborgsregionen, 2022"


def _member_bars(kommun: str) -> dict:
    from tests.test_app import _app, _figure

    at = _app(sida="unga", omrade="group:goteborgsregionen", kommun=kommun, fran="2015",
              till="2022", kon="K").run()
    assert not at.exception
    return _figure(at, GR)


def test_member_bars_name_a_member_without_a_value_and_mark_only_a_member(app_env, shared):
    """walk26b 2 and 3: 12 bars for 13 kommuner (Tjörn has no 2022 value of N00703), and the
    picker's kommun dark grey with nothing saying why, members or not."""
    from tests.test_app import _decode

    values = _kolada(shared, "N00703", 2022)
    bars = _member_bars("1440")  # Ale, a member
    names, xs = _decode(bars["data"][0]["y"]), _decode(bars["data"][0]["x"])
    assert len(names) == 13 and "1419" not in values  # Tjörn: no value in the mirror
    assert names[0] == "Tjörn" and bars["data"][0]["text"][0] == "uppgift saknas"
    shown = dict(zip(names, xs, strict=True))
    assert shown["Ale (vald kommun)"] == pytest.approx(values["1440"])
    assert shown["Öckerö"] == pytest.approx(values["1407"])
    colors = dict(zip(names, bars["data"][0]["marker"]["color"], strict=True))
    assert [n for n, c in colors.items() if c == "#4d4d4d"] == ["Ale (vald kommun)"]
    assert "Uppgift saknas 2022: Tjörn." in str(bars["layout"]["annotations"])
    # Växjö is no member: no bar is darker and none says "vald kommun"
    bars = _member_bars("0780")
    assert "#4d4d4d" not in bars["data"][0]["marker"]["color"]
    assert not [n for n in _decode(bars["data"][0]["y"]) if "vald kommun" in n]


def test_member_download_lists_the_member_without_a_value(warehouse):
    from transforms.areas import missing_members
    from transforms.export import missing_member_rows, series_frame

    members = ["1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462",
               "1480", "1481", "1482", "1489"]
    values = queries.member_values(warehouse, "N00703", members)
    named = list(zip(members, queries.kommun_names(warehouse, members), strict=True))
    assert missing_members(values, named, 2022) == ["Tjörn"]
    # Öckerö's first value is 2021, but it existed in 2015: named as missing then
    assert "Öckerö" in missing_members(values, named, 2015)
    latest = values[values["year"] == 2022].dropna(subset=["value"])
    table = series_frame([(r.kommun_name, latest[latest["kommun_code"] == r.kommun_code],
                           f"kommun:{r.kommun_code}") for r in latest.itertuples()],
                         queries.indicator(warehouse, "N00703"), sex="Totalt")
    table = missing_member_rows(table, [p for p in named if p[1] == "Tjörn"], 2022)
    assert len(table) == 13
    tjorn = table[table["område"] == "Tjörn"].iloc[0]
    assert pd.isna(tjorn["värde"]) and tjorn["anmärkning"] == "uppgift saknas"
    assert tjorn["år"] == 2022
    assert tjorn["kod"] == "1419"  # its own code, not the first member's (review27)


GR_MEMBERS = ("1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462", "1480",
              "1481", "1482", "1489")
def _gr_note(shared) -> str:
    """The note of Göteborgsregionen's comparison (stop 28), its share from the mirror."""
    from tests.test_lan_comparison import _gr_note as note

    return note(shared)


def test_a_group_across_two_lan_says_which_lan_it_is_compared_with_in_the_deck(warehouse,
                                                                                shared):
    """walk26b 4: Göteborgsregionen (Kungsbacka 1384 is in Halland) was compared with Riket
    only, silently, and the Mötesunderlag intro promised 'jämförelsen med länet och Riket'.
    Stop 28: compared with Västra Götalands län, which holds most of its population, and the
    title slide says so."""
    from pptx import Presentation

    from exports import deck

    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR_MEMBERS)
    assert [role for _, role in deck.compared_areas(warehouse, gr)] == ["focus", "lan", "riket"]
    assert deck.lan_note_of(warehouse, gr) == _gr_note(shared)
    pptx, _, _ = deck.build(warehouse, gr, ["N00703"], 2015, 2022, pdf=False)
    first = next(iter(Presentation(io.BytesIO(pptx)).slides))
    title = "\n".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert _gr_note(shared) in title
    # a group inside one län draws its län and says nothing
    varend = queries.Area("group:v", "group", "Värend", ("0764", "0763", "0780"))
    assert deck.lan_note_of(warehouse, varend) == ""


def test_the_page_and_the_motesunderlag_intro_say_which_lan_is_drawn(app_env, shared):
    from tests.test_app import _app
    from transforms.formatting import markdown_literal

    at = _app(sida="motesunderlag", omrade="group:goteborgsregionen").run()
    assert not at.exception
    intro = next(m.value for m in at.markdown if m.value.startswith("Ett underlag för"))
    assert "jämförelsen med Västra Götalands län och Riket," in intro
    assert intro.endswith(markdown_literal(_gr_note(shared)))
    at = _app(sida="unga", omrade="group:goteborgsregionen").run()
    assert any(markdown_literal(_gr_note(shared)) in c.value for c in at.caption)


def test_a_count_slide_writes_ar_before_the_year_and_rings_only_what_it_draws(warehouse):
    """walk26b 5: '… antal var 1 106 2022 i Göteborgsregionen' ran number and year together,
    and 'Riket: … (ringat i diagrammet)' stood on a count slide, which draws no Riket."""
    from exports import deck
    from transforms.formatting import format_number

    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR_MEMBERS)
    ind = queries.indicator(warehouse, "N01987")
    value = queries.area_series(warehouse, ind, gr).set_index("year")["value"][2022]
    item = deck.plan(warehouse, gr, ["N01987"], 2015, 2022).slides[0]
    number = format_number(value, 0).replace("\u00a0", " ")
    assert ind.label == "Kommunmottagna efter anvisning, antal"  # fixe27: 'Antalet …'
    assert (f"Antalet kommunmottagna efter anvisning var {number} år 2022 i Göteborgsregionen"
            in item.sentences[0])
    assert [line.name for line in item.charted] == ["Göteborgsregionen"]
    riket = [f for f in item.flags if f.startswith("Riket")]
    assert riket == ["Riket: alla kommuner rapporterar inte vissa år."]


def test_the_map_s_source_line_fits_a_phone_s_chart(app_env):
    """walk26b 6: at 390 px the map is drawn 358 px wide and its source line, wrapped for the
    520 px figure, was cut at the right edge. Each line fits charts.SOURCE_WIDTH as the other
    charts' source lines do."""
    from charts import SOURCE_SIZE, SOURCE_WIDTH, text_width
    from tests.test_analysis_pages import _map, _shown

    at = _shown(sida="karta", kommun="2422", indikator="U31804", fran="2022", till="2022")
    assert not at.exception
    [note] = _map(at)["layout"]["annotations"]
    assert note["text"].startswith("Källa: Kolada (U31804)")
    lines = note["text"].split("<br>")
    assert max(text_width(line, SOURCE_SIZE) for line in lines) <= SOURCE_WIDTH
    assert len(lines) >= 3  # the whole line is kept, wrapped


def test_jamfor_s_ranking_has_the_value_beside_the_place(app_env, shared):
    """walk26b 6: at 390 px Jämför's ranking showed place, name and län, and the value, a
    fourth column under the indicator's long name, was off-screen. The value comes second,
    in a narrow column; the names after it."""
    import json

    from tests.test_app import _shown

    at = _shown(sida="jamfor", kommun="0780", jamfor="kommun:0780,kommun:0764,lan:07")
    assert not at.exception
    value = "Arbetslöshet 18–64 år (18–65 från 2023) (%)"
    frame = at.dataframe[0]
    assert list(frame.value.columns) == ["Plats i riket", value, "Namn", "Län"]
    row = frame.value[frame.value["Namn"] == "Växjö"].iloc[0]
    assert row[value] == pytest.approx(_kolada(shared, "N03920", 2022)["0780"])
    config = json.loads(frame.proto.columns)
    assert config[value]["width"] == "small"


def test_a_count_s_partial_year_is_a_lower_bound_in_the_chart_s_legend(warehouse):
    """walk26b 7: the count chart's image marked Göteborgsregionen's 2015 (12 of 13 kommuner)
    only "alla kommuner rapporterar inte", while the card says "minst" and the CSV "nedre
    gräns"; a rate's partial year keeps its words (no bound: a weighted mean)."""
    import charts
    from transforms import periods

    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR_MEMBERS)
    ind = queries.indicator(warehouse, "N00960")
    df = periods.clip(queries.area_series(warehouse, ind, gr, "T"), "2014", "2016")
    row = df.set_index("year").loc[2015]
    assert (row["status"], row["n_reporting"], row["n_expected"]) == ("partial", 12, 13)
    fig = charts.time_series([charts.Line(gr.name, df, "focus", computed=True)], ind, title="t")
    # as the entries read: a long one is in lines for a phone's chart (left27)
    names = [n.replace(" <br>", " ") for n in charts.legend_names(fig.to_plotly_json())]
    assert "minst, nedre gräns: alla kommuner rapporterar inte" in names
    assert "alla kommuner rapporterar inte" not in names
    flagged = next(t for t in fig.data if t.name.startswith("minst"))
    assert list(flagged.x) == [2015] and list(flagged.y) == [row["value"]]


def test_the_hinder_page_says_which_parts_lack_a_value_under_its_chart(app_env):
    """walk26b 1 on the page: the intro said "Delarna summerar till 100 %" and the note
    "omkring 100 % (avrundning)" over bars reaching 75,6 % (Bjurholm 2021)."""
    from tests.test_app import _app, _figure

    at = _app(sida="forsorjningsstod", kommun="2403", flik="hinder", fran="2015",
              till="2022").run()
    assert not at.exception
    said = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "Delarna summerar till 100 %" not in said
    assert "omkring 100 % (avrundning)" not in said  # no year of 2017–2022 has every part
    note = next(c.value for c in at.caption if "Varje del är en egen Kolada-indikator" in c.value)
    assert "2021: 75,6\u00a0%" in note and "Sjuk- eller aktivitetsersättning (2017, 2020, 2021)" \
        in note
    fig = _figure(at, "Försörjningshinder bland vuxna biståndsmottagare<br>")
    assert "uppgift saknas: Sjuk- eller" in str(fig["data"][0]["hovertext"])


def test_the_deck_s_member_slide_names_the_member_without_a_value(warehouse, shared, app_env):
    """walk26b 2 in the deck: N00703 has no area value, so Göteborgsregionen's slide is the
    members' bars; Tjörn (no 2022 value) was counted ("1 av 13"), not named."""
    from exports import deck

    gr = queries.Area("group:goteborgsregionen", "group", "Göteborgsregionen", GR_MEMBERS)
    item = deck.plan(warehouse, gr, ["N00703"], 2015, 2022).slides[0]
    assert item.members_year == 2022
    assert "Uppgift saknas 2022: Tjörn (1 av 13 kommuner)." in item.flags
    # left27: Tjörn was left out of the bars (12 for 13 kommuner); now a slot at the foot,
    # "uppgift saknas", as the page's bars (one function: transforms.areas.member_bar_rows)
    values = _kolada(shared, "N00703", 2022)
    names = dict(zip(GR_MEMBERS, queries.kommun_names(warehouse, list(GR_MEMBERS)),
                     strict=True))
    pptx = deck.build_pptx(deck.plan(warehouse, gr, ["N00703"], 2015, 2022))
    from pptx import Presentation

    slide = list(Presentation(io.BytesIO(pptx)).slides)[1]
    bars = next(s.chart for s in slide.shapes if s.has_chart).plots[0]
    shown = list(bars.categories)
    # the foot (a bar chart's first category), its words in its name: LibreOffice draws no
    # label where a point has no value
    assert len(shown) == 13 and shown[0] == "Tjörn (uppgift saknas)"
    assert bars.series[0].values[0] is None  # an empty bar, not 0
    valued = {names[k]: v for k, v in values.items() if k in names}
    assert dict(zip(shown[1:], bars.series[0].values[1:], strict=True)) == pytest.approx(
        {n: round(v, 1) for n, v in valued.items()})
    assert shown[1:] == sorted(valued, key=valued.get)  # lowest at the foot, highest on top
    # the page's bars: the same rows in the same order
    page = _member_bars("0780")
    from tests.test_app import _decode

    assert _decode(page["data"][0]["y"]) == ["Tjörn", *shown[1:]]
    assert page["data"][0]["text"][0] == "uppgift saknas"
