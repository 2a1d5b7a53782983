"""Karta says what it shows (stop 28, fixf28): the map's subtitle where the view fits the
kommuner with values (fixd28's zoom), and the preliminary flag on a BAS month's kommun rows
in Karta's and Jämför's ranking downloads, as on their reference rows. On the warehouse
built from the mirror (TAB6260: Dalarna's 15 kommuner; Kolada N03920 for all 290)."""

from __future__ import annotations

import json

from warehouse import queries


def _recorded_lans(warehouse, shared) -> list[str]:
    """The län names of the kommuner TAB6260's recorded response holds."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    codes = {c for c in body["dimension"]["Region"]["category"]["index"] if len(c) == 4}
    names = queries.kommuner(warehouse).set_index("kommun_code")["lan_name"]
    return sorted({names[c] for c in codes})


def test_the_zoomed_map_says_it_shows_the_kommuner_with_values(warehouse, shared):
    """SCB BAS April 2026: 15 of 290 kommuner valued, all in one län, so the view fits them
    and the subtitle says 'Kommuner med värden (Dalarnas län)' (it said 'Kommuner, Sverige'
    over a map of Dalarna); N03920 2022 (all 290 valued) keeps 'Kommuner, Sverige'."""
    import charts_map
    from ui.pages.karta import shown_scope

    lans = _recorded_lans(warehouse, shared)
    assert lans == ["Dalarnas län"]
    bas = queries.map_kommun_values(warehouse, queries.indicator(warehouse, "bas_arbetsloshet"),
                                    "2026-04")
    assert bas["value"].notna().sum() == 15 and charts_map.fits_valued(bas)
    assert shown_scope(bas, "kommun", "Sverige") == f"Kommuner med värden ({lans[0]})"
    kolada = queries.map_kommun_values(warehouse, queries.indicator(warehouse, "N03920"), "2022")
    assert not charts_map.fits_valued(kolada)
    assert shown_scope(kolada, "kommun", "Sverige") == "Kommuner, Sverige"


def _csv_rows(export) -> list[dict[str, str]]:
    import csv
    import io

    from exports.tables import csv_bytes

    return list(csv.DictReader(io.StringIO(csv_bytes(export).decode("utf-8-sig")),
                               delimiter=";"))


def test_a_bas_month_s_kommun_rows_say_preliminar_as_the_reference_rows(app_env, warehouse,
                                                                         shared):
    """Jämför's ranking download of SCB BAS April 2026 (TAB6260, SCB's preliminary table):
    each of the 15 kommun rows with a value says 'preliminär' as Dalarnas län's reference
    row does (series_frame's flag_text); before, only the reference rows said it. A kommun
    without a value says 'uppgift saknas' only; Kolada's N03920 2022 has no 'preliminär'."""
    from tests.test_bas_views import _dalarna_rates
    from ui.pages.jamfor import ranking_export, ranking_table
    from ui.pages.karta import map_table

    rates = _dalarna_rates(shared, "2026M04")
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    assert ind.mart and "TAB6260" in str(ind.source_line)  # the preliminary table
    lan = queries.area(warehouse, "lan:20")
    table = ranking_table(ind, "2026-04", "T", [], [lan])
    rows = _csv_rows(ranking_export(table, ind, "2026-04", "T", None, [lan]))
    kommuner = {r["kod"]: r for r in rows if "referensrad" not in r["anmärkning"]}
    assert len(kommuner) == 290
    valued = {k: r for k, r in kommuner.items() if r["värde"]}
    assert set(valued) == set(rates) - {"00", "20"}
    assert float(valued["2081"]["värde"].replace(",", ".")) == round(rates["2081"], 1)
    assert {r["anmärkning"].split(", ")[0] for r in valued.values()} == {"preliminär"}
    assert kommuner["0180"]["anmärkning"] == "uppgift saknas"  # Stockholm: no BAS row
    reference = next(r for r in rows if r["kod"] == "20")
    assert reference["anmärkning"].startswith("preliminär")  # the rule followed
    # Karta's table (the same map_table) for a year of Kolada: nothing preliminary
    kolada = queries.indicator(warehouse, "N03920")
    values = queries.map_kommun_values(warehouse, kolada, "2022")
    shown = map_table(values.assign(area_id="kommun:" + values["kommun_code"],
                                    area_name=values["kommun_name"], place=1, of=290, tied=1),
                      kolada, "T")
    assert not shown["anmärkning"].str.contains("preliminär").any()


def test_a_bas_month_s_area_rows_say_preliminar_on_karta_s_area_layers(warehouse, shared):
    """Karta's län and LA layers for SCB BAS April 2026: the areas with a value (Dalarnas
    län, the LA of Dalarna's kommuner) say 'preliminär' in the download as the reference
    rows do; an area without a value says 'uppgift saknas' only."""
    from tests.test_bas_views import _dalarna_rates
    from ui import analysis
    from ui.pages.karta import map_table

    rates = _dalarna_rates(shared, "2026M04")
    ind = queries.indicator(warehouse, "bas_arbetsloshet")
    for kind in ("lan", "la"):
        values = queries.area_values(warehouse, ind, kind, "2026-04")
        valued = values.dropna(subset=["value"])
        assert len(valued) and valued["is_preliminary"].all()
        table = map_table(analysis.with_places(values, ind.better, code="area_id"), ind, "T")
        notes = dict(zip(values["area_id"], table["anmärkning"], strict=True))
        assert {notes[a].split(", ")[0] for a in valued["area_id"]} == {"preliminär"}
        assert {notes[a] for a in values["area_id"] if a not in set(valued["area_id"])} \
            <= {"uppgift saknas"}
    lan = queries.area_values(warehouse, ind, "lan", "2026-04").dropna(subset=["value"])
    assert {c[:2] for c in rates} == {"20"} and list(lan["area_id"]) == ["lan:20"]
