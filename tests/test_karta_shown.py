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
