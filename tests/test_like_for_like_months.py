"""A monthly share that rests on only some of an area's kommuner is compared with the same
month a year before over the same kommuner (stop 27, walk27 defect 1's monthly half).

The recorded TAB6260 response has every Dalarna kommun every month. As in
tests/test_scb_status_monthly.py, the mirror here is that real response with ONE change, made
there and said so: Falun's (2080) arbetslöshet and antal arbetslösa in 2026M04 are null with
SCB's status "..". Dalarnas län's April 2026 is then 14 of 15 kommuner; the card compared it
with April 2025's 15 and said ±0,0 where the same 14 kommuner fell (4,6 % to 4,4 %).
"""

from __future__ import annotations

import json
from math import prod

import pytest

from exports.deck import Compared, change_text, monthly_key_figures
from tests.conftest import SMALL_KPIS, _refresh_quietly
from tests.scb_recorded import bas_mirror
from tests.test_scb_status_monthly import FALUN, _marked_body
from transforms import monthly
from transforms.export import shown_change
from transforms.formatting import format_change
from warehouse import queries
from warehouse.db import connect


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> dict:
    """A refresh (the small warehouse's KPIs) from the mirror with the marked TAB6260 body,
    and that body."""
    tmp = tmp_path_factory.mktemp("like_months")
    mirror = bas_mirror(tmp, None)
    body, _ = _marked_body()
    data = mirror / "scb_v2" / "tables" / "TAB6260" / "data.json"
    data.unlink()
    data.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    _refresh_quietly(mirror, tmp / "built", SMALL_KPIS)
    con = connect(tmp / "built" / "warehouse.duckdb")
    yield {"con": con, "body": body}
    con.close()


def _rate(body: dict, kommuner: list[str], month: str) -> float:
    """Σ antal arbetslösa / Σ arbetskraften (%) of ``kommuner`` in ``month`` ('2026M04')."""
    ids, sizes = body["id"], body["size"]
    index = {d: list(body["dimension"][d]["category"]["index"]) for d in ids}

    def cell(region: str, contents: str) -> float:
        at = {"Region": region, "Kon": "1+2", "Alder": "20-64", "Fodelseregion": "tot",
              "ContentsCode": contents, "Tid": month}
        return body["value"][sum(index[d].index(at[d]) * prod(sizes[i + 1:])
                                 for i, d in enumerate(ids))]

    return 100 * (sum(cell(k, "000004YH") for k in kommuner)
                  / sum(cell(k, "000006IU") for k in kommuner))


def test_a_partial_months_change_is_over_the_same_kommuner(marked):
    from ui import blocks

    con, body = marked["con"], marked["body"]
    dalarna = [k for k in body["dimension"]["Region"]["category"]["index"]
               if len(k) == 4 and k.startswith("20")]
    fourteen = [k for k in dalarna if k != FALUN]
    assert len(dalarna) == 15
    ind = queries.indicator(con, "bas_arbetsloshet")
    lan = queries.area(con, "lan:20")
    series = queries.monthly_series(con, ind, lan)
    at = series.assign(month=series["period"].astype(str).str[:7]).set_index("month")
    assert (at.loc["2026-04", "n_reporting"], at.loc["2026-04", "status"]) == (14, "partial")
    assert at.loc["2025-04", "status"] is None
    assert at.loc["2026-04", "value"] == pytest.approx(_rate(body, fourteen, "2026M04"))
    assert at.loc["2025-04", "value"] == pytest.approx(_rate(body, dalarna, "2025M04"))
    now, then = _rate(body, fourteen, "2026M04"), _rate(body, fourteen, "2025M04")
    said = shown_change(_rate(body, fourteen, "2026M04"), _rate(body, dalarna, "2025M04"), 1)
    assert (said, shown_change(now, then, 1)) == (0.0, -0.2)  # what was said, what is so

    def same(a: str, b: str, band: str | None):
        assert band == "20-64"  # the mirror's one band
        return queries.monthly_like_for_like(con, ind, lan, "T", {"age": band}, a, b)

    latest = monthly.latest_with_year_before(series, same_members=same)
    assert latest["same_members"] == 14
    assert (latest["value_like"], latest["value_year_before"]) == (pytest.approx(now),
                                                                   pytest.approx(then))
    card = blocks.bas_card(latest, ind, lan.name)
    words = format_change(-0.2, 1, ind.unit, ind.short_unit, ind.label)
    assert card.delta == f"{words} från april 2025, samma 14 kommuner båda månaderna"
    # without the member rows no change is given, and the card says why
    alone = monthly.latest_with_year_before(series)
    assert alone["change"] is None
    assert alone["no_change_reason"] == ("Ingen förändring anges: april 2026 och april 2025 "
                                         "bygger på olika kommuner.")
    # the deck's words: the same
    sentences, _ = monthly_key_figures(ind, [Compared(lan.name, "focus", series)], series,
                                       same_members=same)
    assert (f"{change_text(ind, -0.2, 'i april 2025')} (samma 14 kommuner båda månaderna)"
            in sentences[0]), sentences[0]


def test_the_pages_card_says_the_change_over_the_same_kommuner(marked, tmp_path, monkeypatch):
    """Översikt for Dalarnas län on that warehouse: the SCB BAS card's change is the same 14
    kommuner's (the page reads the member months through queries.monthly_like_for_like)."""
    from streamlit.testing.v1 import AppTest

    from tests.cards_shown import cards
    from tests.conftest import ROOT

    ind = queries.indicator(marked["con"], "bas_arbetsloshet")
    path = marked["con"].execute("select path from duckdb_databases() where database_name = "
                                 "current_database()").fetchone()[0]
    monkeypatch.setenv("WAREHOUSE_PATH", path)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"kommun": "2081", "omrade": "lan:20"})
    at.run()
    assert not at.exception
    card = next(c for c in cards(at) if c.label.startswith("Dalarnas län, april 2026"))
    words = format_change(-0.2, 1, ind.unit, ind.short_unit, ind.label)
    assert card.delta == f"{words} från april 2025, samma 14 kommuner båda månaderna"
