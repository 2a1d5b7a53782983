"""Accessibility (WCAG 2.1 AA, stop 28): every chart's numbers as a table beside it, headings
in order without extra tab stops, and the colours the app sets checked for contrast."""

from __future__ import annotations

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
    for (before, _, _), (level, text, _) in zip(found, found[1:], strict=False):
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
