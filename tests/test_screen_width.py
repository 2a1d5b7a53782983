"""Charts made for the width the reader's browser reports (left27: titles were wrapped for a
phone on every screen). charts.on_screen sets the width for a run; ui/screen.py measures it
(tests/test_phone_layout.py checks it in Chromium)."""

from __future__ import annotations

import charts
from warehouse import queries

TITLE = ("Unga 16–24 år som varken arbetar eller studerar<br><sup>Stockholms län jämfört med "
         "Riket, 2010–2022, kvinnor</sup>")


def _figure(warehouse):
    ind = queries.indicator(warehouse, "N02797")
    lines = [charts.Line(area.name, queries.area_series(warehouse, ind, area, "K"), role,
                         computed=True)
             for area, role in ((queries.area(warehouse, "lan:01"), "focus"),
                                (queries.area(warehouse, "riket"), "riket"))]
    return charts.time_series(lines, ind, title=TITLE)


def test_a_title_is_wrapped_for_the_screen_it_is_drawn_on(warehouse):
    phone = _figure(warehouse)
    with charts.on_screen(920):  # a 1400 px window's column, rounded down
        desktop = _figure(warehouse)
        assert charts.screen_wrap() == (888, 904)
    assert charts.screen_width() is None  # the width is the run's only
    title = desktop.layout.title.text
    assert title.count("<br>") == 1  # the label and the subtitle, one line each
    assert phone.layout.title.text.count("<br>") == 2  # a phone's: the label in two lines
    assert charts.unwrap_title(title) == charts.unwrap_title(phone.layout.title.text)
    # the lines past two take room above the legend: the phone's figure is higher
    assert phone.layout.margin.t - desktop.layout.margin.t == charts.TITLE_LINE
    source = next(a for a in desktop.layout.annotations if a.name == "source").text
    assert source.count("<br>") < next(a for a in phone.layout.annotations
                                   if a.name == "source").text.count("<br>")
    # never narrower than a phone's lines: a reported 320 px column wraps as before
    with charts.on_screen(320):
        assert charts.screen_wrap() == (charts.TITLE_WIDTH, charts.SOURCE_WIDTH)
        assert _figure(warehouse).layout.title.text == phone.layout.title.text


def test_a_long_legend_name_is_in_lines_and_its_rows_counted_with_them():
    """left27: a long name ran out of a phone's chart; in lines of a phone's plot until the
    width is known, one line on a desktop's; legend_rows counts the lines as rows."""
    name = "Samordningsförbundet Norrort, fyra kommuner norr om Stockholm"
    wrapped = charts.legend_name(name)
    assert wrapped.replace(" <br>", " ") == name and wrapped.count("<br>") == 1
    assert charts.legend_rows([wrapped, "Stockholms län", "Riket"], 270) == 4
    with charts.on_screen(920):
        assert charts.legend_name(name) == name
    assert charts.legend_name("Dalarnas län (beräknat)") == "Dalarnas län (beräknat)"


def test_an_image_lays_a_wrapped_legend_name_out_for_its_own_width(warehouse):
    """A screen figure's legend name in a phone's lines reads whole in a 16:9 image
    (house_layout_at), in lines again in a narrow one."""
    name = "Samordningsförbundet Norrort, fyra kommuner norr om Stockholm"
    fig = _figure(warehouse)
    fig.data[0].name = charts.legend_name(name)
    wide = fig.to_dict()
    charts.house_layout_at(wide, 1600, 900)
    assert wide["data"][0]["name"] == name
    narrow = fig.to_dict()
    charts.house_layout_at(narrow, 400, 600)
    assert narrow["data"][0]["name"].replace(" <br>", " ") == name
    assert "<br>" in narrow["data"][0]["name"]


def test_a_reported_width_is_floored_to_the_step_and_clamped():
    """review27 item 3a: the server took any integer 200–4000 although the browser floors to
    40 px, so a crafted component message made up to 3 801 cache keys per view and could push
    every reader's figures out of ui.data's shared caches (512 and 256 entries). Floored and
    clamped, every message gives one of 96 widths."""
    from ui.screen import NARROWEST, STEP, WIDEST, _believed

    assert _believed("1239") == _believed(1200) == 1200
    assert _believed(1240) == 1240 and _believed("1279") == 1240
    assert _believed(10**9) == WIDEST and _believed(150) == NARROWEST
    assert _believed(0) is None and _believed(-40) is None
    assert _believed("abc") is None and _believed(None) is None and _believed("12.5") is None
    widths = {_believed(w) for w in range(1, 10_000)}
    assert all(w % STEP == 0 for w in widths)
    assert len(widths) == (WIDEST - NARROWEST) // STEP + 1 == 96
