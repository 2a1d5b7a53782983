"""Accessibility (WCAG 2.1 AA, stop 28): every chart's numbers as a table beside it, headings
in order without extra tab stops, and the colours the app sets checked for contrast."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.test_app import PAGES, _decode, _in_order, _kolada, _shown
from transforms.formatting import format_value
from ui.downloads import NUMBERS_LABEL


def _chart_tables(at) -> list[tuple[dict, object]]:
    """(figure, the table in the expander after it) for every chart, in drawing order; the
    table None when no "Siffrorna i diagrammet" follows before the next chart."""
    pairs, fig = [], None
    for node in _in_order(at._tree):
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            if fig is not None:
                pairs.append((fig, None))
            fig = json.loads(node.proto.spec)
        elif kind == "expander" and fig is not None and node.label == NUMBERS_LABEL:
            tables = [n for n in _in_order(node) if getattr(n, "type", None) == "table"]
            pairs.append((fig, tables[0] if tables else None))
            fig = None
    return pairs + ([(fig, None)] if fig is not None else [])


def test_every_chart_on_arbetsloshet_has_its_numbers_as_a_table(app_env, shared):
    at = _shown(sida="arbetsloshet", kommun="0780", flik="ar")
    assert not at.exception
    pairs = _chart_tables(at)
    assert pairs and all(table is not None for _, table in pairs), \
        [f["layout"]["title"]["text"][:60] for f, t in pairs if t is None]
    fig, table = next((f, t) for f, t in pairs
                      if f["layout"]["title"]["text"].startswith("Arbetslöshet 18–64 år"))
    df = table.value
    assert list(df.columns[:3]) == ["Område", "År", "Värde"]
    # named by the chart's title as written, not as wrapped into lines for the screen
    assert table.proto.alt == ("Arbetslöshet 18–64 år (18–65 från 2023), Växjö jämfört med "
                               "Kronobergs län och Riket, 2010–2022, totalt")
    rows = {(r.Område, r.År): r.Värde for r in df.itertuples()}
    # every point of every area's line is a row, its value as the hover shows it, in the
    # Swedish format with its unit; no row the chart does not draw
    points = {(t["name"], str(int(x))): y for t in fig["data"] if t.get("name") in
              {"Växjö", "Kronobergs län", "Riket"} for x, y in zip(
                  _decode(t["x"]), _decode(t["y"]), strict=True) if y is not None}
    assert len(points) >= 39 and set(points) == set(rows)
    for key, y in points.items():
        assert rows[key] == format_value(y, 1, "%"), key
    kolada = _kolada(shared, "N03920", 2022)["0780"]  # 5.97…: the recorded response
    assert rows[("Växjö", "2022")] == f"{kolada:.1f}".replace(".", ",") + "\u00a0%" \
        == "6,0\u00a0%"


def _headings(at) -> list[tuple[int, str, bool]]:
    """(level, text, whether its "Link to heading" anchor is hidden) of every heading of the
    main area, in drawing order."""
    return [(int(n.proto.tag[1]), n.proto.body, n.proto.hide_anchor)
            for n in _in_order(at.main)
            if getattr(n, "type", None) in ("title", "header", "subheader")]


@pytest.mark.parametrize("page", PAGES)
def test_headings_go_down_one_level_at_a_time_without_link_anchors(app_env, page):
    """h1 → h2 → h3 (WCAG 1.3.1, 2.4.6; walk28b: Jämför and Egna grupper went from h1 to
    h3), and no heading adds a "Link to heading" tab stop."""
    at = _shown(sida=page, kommun="0780")
    assert not at.exception
    found = _headings(at)
    assert found and found[0][0] == 1, (page, found)
    for (before, _, _), (level, text, _) in itertools.pairwise(found):
        assert level <= before + 1, (page, text, found)
    assert all(hidden for _, _, hidden in found), (page, found)


def test_the_text_table_has_the_csvs_rows_values_and_flags(warehouse):
    """"Vilket mått?" for Falun: SCB BAS per month (preliminary months flagged) and Kolada's
    N03920 per year in one table; each row of the screen's table is the CSV's row, its value
    as the CSV writes it with the unit, its note the CSV's note."""
    from exports.tables import TableExport, csv_bytes
    from tests.test_exports import _csv_rows
    from transforms.export import series_frame, stacked_frame, text_table
    from warehouse import queries

    falun = queries.area(warehouse, "kommun:2080")
    bas = queries.indicator(warehouse, "bas_arbetsloshet")
    kolada = queries.indicator(warehouse, "N03920")
    monthly = queries.monthly_series(warehouse, bas, falun, "T", {})
    yearly = queries.area_series(warehouse, kolada, falun)
    table, decimals = stacked_frame([
        series_frame([("Falun", monthly, falun.area_id)], bas, sex="Totalt"),
        series_frame([("Falun", yearly, falun.area_id)], kolada, sex="Totalt")])
    rows = _csv_rows(csv_bytes(TableExport(table, [bas, kolada], "Falun", "kommun:2080",
                                           decimals=decimals)))
    shown = text_table(table, decimals)
    assert list(shown.columns) == ["Område", "Nyckeltal", "Period", "Värde", "Anmärkning"]
    assert len(shown) == len(rows) == len(monthly) + len(yearly)
    for row, csv_row in zip(shown.itertuples(), rows, strict=True):
        assert row.Period == (csv_row["månad"] or csv_row["år"])
        assert row.Värde == (f"{csv_row['värde'].replace('.', ',')}\u00a0%"
                             if csv_row["värde"] else "–")
        assert row.Anmärkning == csv_row["anmärkning"]
    flagged = shown[shown["Anmärkning"].str.contains("preliminär")]
    assert len(flagged) == int(monthly["is_preliminary"].fillna(False).sum()) > 0
    april = shown[shown["Period"] == "2026-04"].iloc[0]
    value = monthly.loc[monthly["period"].astype(str).str.startswith("2026-04"), "value"]
    assert april["Värde"] == format_value(value.iloc[0], 1, "%")


# --- contrast (WCAG 1.4.3 text 4.5:1, 1.4.11 lines and controls 3:1), from the colours set ---

WHITE, SIDEBAR = "#ffffff", "#f8f8f7"  # Streamlit's light page and sidebar backgrounds


def _rgb(color: str) -> tuple[float, float, float]:
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))


def _mix(color: str, under: str, share: float) -> str:
    """``color`` at ``share`` opacity over ``under`` (CSS color-mix with transparent)."""
    mixed = [round(share * a + (1 - share) * b)
             for a, b in zip(_rgb(color), _rgb(under), strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _luminance(color: str) -> float:
    """WCAG 2.1 relative luminance."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_gives_wcags_known_ratios():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the AA grey
    assert contrast(_mix("#2f2d2b", WHITE, 0.6), WHITE) == pytest.approx(3.88, abs=0.01)  # walk28b


def _text_colour() -> str:
    import tomllib

    from tests.conftest import ROOT
    return tomllib.loads((ROOT / ".streamlit/config.toml").read_text())["theme"]["textColor"]


def _shares(css: str) -> dict[str, dict[str, float]]:
    """selector -> {'color' or 'background' or 'border': share of currentColor} for every
    rule that mixes its colour from the text colour."""
    import re

    found = {}
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for prop, share in re.findall(
                r"(?<![-\w])(color|background|border):[^;]*?currentColor (\d+)%", body):
            name = re.sub(r"/\*.*?\*/|<style>", "", selector, flags=re.DOTALL).strip()
            found.setdefault(name, {})[prop] = int(share) / 100
    return found


def test_captions_and_card_texts_reach_4_5_to_1():
    from ui.cards import STYLE
    from ui.frame import CAPTION_STYLE

    text = _text_colour()
    caption = _shares(CAPTION_STYLE)['[data-testid="stCaptionContainer"]']["color"]
    assert "opacity: 1 !important" in CAPTION_STYLE  # Streamlit's own 0.6 would multiply
    for background in (WHITE, SIDEBAR):
        assert contrast(_mix(text, background, caption), background) >= 4.5, background
    cards = _shares(STYLE)
    delta = cards[".kort-delta"]
    chip = _mix(text, WHITE, delta["background"])  # the change's own grey pill
    assert contrast(_mix(text, chip, delta["color"]), chip) >= 4.5
    assert contrast(_mix(text, WHITE, cards[".kort-not"]["color"]), WHITE) >= 4.5
    helper = cards[".kort-hjalp"]
    assert contrast(_mix(text, WHITE, helper["color"]), WHITE) >= 4.5  # the "?"
    assert contrast(_mix(text, WHITE, helper["border"]), WHITE) >= 3  # its ring (1.4.11)
    assert contrast("#fafafa", "#31333f") >= 4.5 and "background: #31333f; color: #fafafa" \
        in STYLE.replace("\n  ", " ")  # the definition's tooltip


def test_chart_lines_axes_and_source_of_a_real_chart_reach_their_ratios(warehouse):
    """Växjö's N03920 chart with its län, Riket and the published län value: every line
    3:1 on the white plot, tick labels, axis titles and the source 4.5:1, set in the figure
    itself (an exported image is the same figure)."""
    import charts
    from warehouse import queries

    ind = queries.indicator(warehouse, "N03920")
    lines = [charts.Line(name, queries.area_series(warehouse, ind, queries.area(warehouse, a)),
                         role, area_id=a)
             for name, a, role in (("Växjö", "kommun:0780", "focus"),
                                   ("Kronobergs län", "lan:07", "lan"), ("Riket", "riket", "riket"))]
    assert all(not line.data["value"].dropna().empty for line in lines)
    fig = charts.time_series(lines, ind, title="Arbetslöshet<br><sup>Växjö</sup>")
    drawn = [t for t in fig.data if t.name in ("Växjö", "Kronobergs län", "Riket")]
    assert len(drawn) == 3
    for trace in drawn:
        assert contrast(trace.line.color, WHITE) >= 3, trace.name
    assert len({t.line.dash for t in drawn}) == 3  # told apart without colour (1.4.1)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert contrast(axis.tickfont.color, WHITE) >= 4.5
        assert contrast(axis.title.font.color, WHITE) >= 4.5
    source = next(a for a in fig.layout.annotations if a.name == "source")
    assert contrast(source.font.color, WHITE) >= 4.5
    for role, style in charts.ROLE_STYLE.items():  # member and published lines too
        assert contrast(style["color"], WHITE) >= 3, role
    assert len({style["dash"] for role, style in charts.ROLE_STYLE.items()
                if role != "member"}) == 4


def test_the_measures_chart_tells_its_lines_apart_by_shape(warehouse):
    """Vilket mått? for Växjö: Kolada's three yearly measures (one dash each) differ by their
    markers; every colour 3:1 on white."""
    import charts
    from warehouse import queries

    vaxjo = queries.area(warehouse, "kommun:0780")
    inds = [queries.indicator(warehouse, i) for i in ("N03920", "N03921", "N03926")]
    lines = [charts.Line(ind.label, queries.area_series(warehouse, ind, vaxjo)) for ind in inds]
    assert all(not line.data["value"].dropna().empty for line in lines)
    fig = charts.measures(lines, inds[0], title="Mått", source="Källa: Kolada")
    assert len({t.line.dash for t in fig.data}) == 1  # all yearly: one dash
    assert len({t.marker.symbol for t in fig.data}) == 3
    for color in charts.MEASURE_COLORS:
        assert contrast(color, WHITE) >= 3, color


# --- the cards' "?" (WCAG 1.4.13, 2.5.3) ---------------------------------------------------

def test_a_cards_question_mark_is_named_by_its_text_and_its_tip_stays_and_closes():
    import re

    from tests.cards_shown import _Reader
    from ui.cards import STYLE, TIP_SCRIPT, CardView, row_html

    html = row_html([CardView(label="Folkmängd, Växjö", value="1", help="Antal invånare.")])
    reader = _Reader()
    reader.feed(html)
    [card] = reader.cards
    assert card.label == "Folkmängd, Växjö"  # the tip's text is not read into the label
    assert card.help == "Definition: Antal invånare."
    assert card.help_name.startswith("?")  # the visible label first (2.5.3)
    tip = re.search(r'aria-describedby="([^"]+)"', html).group(1)
    assert f'id="{tip}" role="tooltip"' in html and 'aria-hidden' not in html
    css = STYLE.replace("\n", " ")
    assert ".kort-tips:hover, .kort-etikett.kort-oppen .kort-tips { display: block; }" in css
    assert 'closest(".kort-hjalp")) on.classList.add("kort-oppen")' in TIP_SCRIPT  # hoverable
    assert re.search(r"\.kort-tips::before \{[^}]*top: -0\.25rem", css)  # no gap to cross
    assert "top: calc(100% + 0.25rem)" in css
    assert '.kort-etikett.kort-stangd .kort-tips { display: none; }' in css
    assert 'e.key === "Escape"' in TIP_SCRIPT and "kort-stangd" in TIP_SCRIPT


# --- Streamlit's English (WCAG 3.1.2) -------------------------------------------------------

@pytest.mark.parametrize(("english", "swedish"), [
    ("Help for Kommun", "Hjälp om Kommun"),
    ("Link to heading", "Länk till rubriken"),
    ("Skip to main content", "Hoppa till huvudinnehållet"),
    ("Scroll tabs right", "Rulla flikarna åt höger"),
    ("Scroll tabs left", "Rulla flikarna åt vänster"),
    ("57 options available.", "57 alternativ tillgängliga."),
    ("1 option available.", "1 alternativ tillgängliga."),
    ("Växjö, selected", "Växjö, vald"),
])
def test_streamlits_english_found_by_walk28b_is_swapped(english, swedish):
    """The translation script's rule (ui/swedish.py: a whole text, else the first pattern
    that matches, JS's $1 as Python's \\1)."""
    import re

    from ui.swedish import PATTERNS, TEXTS

    def swap(text: str) -> str:
        if text in TEXTS:
            return TEXTS[text]
        for pattern, to in PATTERNS:
            if re.search(pattern, text):
                return re.sub(pattern, to.replace("$", "\\"), text)
        return text

    assert swap(english) == swedish


def test_a_tables_sideways_scrolling_box_is_made_reachable_by_keyboard():
    """walk28b at 320 px: Vilket mått?'s table scrolled sideways in a box no key reached
    (axe: scrollable-region-focusable); the script gives each table's box a tab stop and a
    name (checked in a browser with axe: /tmp/a11y28/axe.py, not committed)."""
    from ui.swedish import script

    text = script()
    assert """node.matches('[data-testid="stTable"] > div')""" in text
    assert 'node.setAttribute("tabindex", "0")' in text and '"region"' in text
