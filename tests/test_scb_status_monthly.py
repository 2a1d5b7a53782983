"""SCB's status symbols reach what a user reads (review26, defect 3): a month SCB marks ``..``
was a plain gap in the monthly path (``queries._monthly_rows`` read no ``*_status`` column),
not what SCB's symbol means. Now a kommun's month carries the symbol as its ``status`` (as a
yearly kommun series carries Kolada's), and the chart's mark and hover, the download's
``anmärkning`` and the card say it in SCB's words (``formatting.source_mark_text``).

The recorded TAB6260 response has no status symbol. This test refreshes from a mirror whose
TAB6260 body is that real response with ONE change, made here and said so: Falun's (2080)
arbetslöshet (000006II) and antal arbetslösa (000004YH) in 2026M04 are set to null with the
status ``..``, written as SCB writes it (json-stat2 ``"status": {"<cell index>": ".."}``).
"""

from __future__ import annotations

import json
from datetime import date
from math import prod

import pandas as pd
import pytest

from tests.conftest import SMALL_KPIS, _refresh_quietly
from tests.scb_recorded import BAS_DATA, bas_mirror
from transforms import monthly
from transforms.export import series_frame
from warehouse import queries
from warehouse.db import connect

FALUN, APRIL = "2080", date(2026, 4, 1)
MEANING = "SCB anger \u201d..\u201d: uppgift inte tillgänglig eller för osäker för att anges"


def _marked_body() -> tuple[dict, dict]:
    """The recorded body with Falun's two April 2026 cells null and marked '..', and the
    cells' recorded values (to show they were numbers before)."""
    body = json.loads(BAS_DATA.read_bytes())
    ids, sizes = body["id"], body["size"]
    index = {d: list(body["dimension"][d]["category"]["index"]) for d in ids}
    was, status = {}, {}
    for contents in ("000006II", "000004YH"):
        at = {"Region": FALUN, "Kon": "1+2", "Alder": "20-64", "Fodelseregion": "tot",
              "ContentsCode": contents, "Tid": "2026M04"}
        pos = sum(index[d].index(at[d]) * prod(sizes[i + 1:]) for i, d in enumerate(ids))
        was[contents] = body["value"][pos]
        body["value"][pos] = None
        status[str(pos)] = ".."
    body["status"] = status
    return body, was


@pytest.fixture(scope="module")
def marked(tmp_path_factory) -> dict:
    """A refresh (the small warehouse's KPIs) from the mirror with the marked TAB6260 body."""
    tmp = tmp_path_factory.mktemp("scb_status")
    mirror = bas_mirror(tmp, None)
    body, was = _marked_body()
    data = mirror / "scb_v2" / "tables" / "TAB6260" / "data.json"
    data.unlink()
    data.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    _refresh_quietly(mirror, tmp / "built", SMALL_KPIS)
    con = connect(tmp / "built" / "warehouse.duckdb")
    yield {"con": con, "was": was}
    con.close()


def test_a_marked_month_carries_scbs_symbol_to_hover_download_and_card(marked):
    from charts import Line, time_series
    from ui import blocks

    con = marked["con"]
    assert marked["was"]["000006II"] is not None and marked["was"]["000004YH"] is not None
    ind = queries.indicator(con, "bas_arbetsloshet")
    falun = queries.monthly_series(con, ind, queries.area(con, f"kommun:{FALUN}"))
    april = falun.set_index("period").loc[APRIL]
    assert pd.isna(april["value"]) and april["status"] == ".."
    march = falun.set_index("period").loc[date(2026, 3, 1)]
    assert march["value"] > 0 and march["status"] is None

    fig = time_series([Line("Falun", falun, "focus")], ind, title="Arbetslöshet")
    [mark] = [a for a in fig.layout.annotations if a.text == ".."]
    assert pd.Timestamp(mark.x) == pd.Timestamp(APRIL)
    assert mark.hovertext == f"Falun: {MEANING}"

    table = series_frame([("Falun", falun, "kommun:2080")], ind, sex="Totalt").set_index("månad")
    assert pd.isna(table.loc["2026-04", "värde"])
    assert table.loc["2026-04", "anmärkning"] == MEANING  # no value: nothing preliminary
    assert table.loc["2026-03", "anmärkning"] == "preliminär"

    latest = monthly.latest_with_year_before(falun, source=ind.source)
    assert latest["period"] == date(2026, 3, 1) and latest["value"] == march["value"]
    note = (f"April 2026 saknar värde: {MEANING}. Kortet visar mars 2026, den senaste "
            "månaden med ett värde.")
    assert latest["mark_note"] == note
    assert note in blocks.bas_card(latest, ind, "Falun").notes

    from exports.deck import Compared, monthly_key_figures

    _, flags = monthly_key_figures(ind, [Compared("Falun", "focus", falun)], falun)
    assert f"Falun, april 2026: {MEANING}." in flags

    # Dalarnas län: Falun does not report that month (14 of 15), and the län's own status is
    # the coverage, not SCB's symbol
    lan = queries.monthly_series(con, ind, queries.area(con, "lan:20")).set_index("period")
    assert (lan.loc[APRIL, "n_reporting"], lan.loc[APRIL, "n_expected"]) == (14, 15)
    assert lan.loc[APRIL, "status"] == "partial"


def test_the_count_carries_its_own_symbol(marked):
    """Antal arbetslösa (its own ``..``) for Falun the same month, and no other month."""
    con = marked["con"]
    ind = queries.indicator(con, "bas_arbetslosa")
    falun = queries.monthly_series(con, ind, queries.area(con, f"kommun:{FALUN}"))
    april = falun.set_index("period").loc[APRIL]
    assert pd.isna(april["value"]) and april["status"] == ".."
    others = falun[falun["period"] != APRIL]
    assert others["status"].isna().all() and others["value"].notna().all()
