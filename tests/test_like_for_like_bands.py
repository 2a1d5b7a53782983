"""A monthly share over some kommuner is compared like for like also where the age band
changed between the two months (review27, item 1).

The default BAS option "20-pension" reads SCB's 20–65 in 2025 and 20–66 in 2026, so every
2026 month's change crosses a band. The like-for-like change (same kommuner both months,
fixa27) ran only where the band was the same: Dalarnas län's April 2026 over 14 kommuner was
compared with April 2025 over 15 (in 20–66, scbfix26's like band), on the card, the deck's
first sentence and its "januari 2020–april 2026" span.

The recorded TAB6260 response holds Alder 20-64 only. The mirror here is that response with
two bands added and two cells marked, made here and said so (stand-ins, not SCB's numbers):
- 20-65 and 20-66 are the recorded 20-64 cells with a kommun's arbetslösa (000004YH) raised
  by k × (1 + i mod 3) and its arbetskraften (000006IU), sysselsatta + arbetslösa, by
  k × 40 × (1 + i mod 5) (k = 1 for 20-65, 2 for 20-66; i the kommun's place in the
  response), so each band gives other rates; arbetslöshet (000006II) is 100 × 000004YH /
  000006IU of the band, rounded to one decimal as SCB gives it.
- Falun's (2080) 20-66 arbetslöshet and antal arbetslösa of 2026M04 are null, SCB's "..":
  Dalarnas län's April 2026 is 14 of 15 kommuner.
- Borlänge's (2081) 20-66 cells of 2025M03 are null the same way: March 2025 is whole in the
  band the chart shows that month (20–65) but partial in the band March 2026 is compared in.
The refresh asks the mirror for the three bands (the dataset's mirror selection, 20-64 in
scb_datasets.yml, widened for this refresh only).
"""

from __future__ import annotations

import dataclasses
import json
from math import prod

import pytest

from exports.deck import Compared, change_text, monthly_key_figures
from tests.conftest import SMALL_KPIS, _refresh_quietly
from tests.scb_recorded import BAS_DATA, bas_mirror
from transforms import monthly
from transforms.catalogue import load_catalogue
from transforms.export import shown_change
from transforms.formatting import format_change
from warehouse import queries
from warehouse.db import connect

FALUN, BORLANGE = "2080", "2081"
BANDS = ("20-64", "20-65", "20-66")
MARKED = {(FALUN, "2026M04"), (BORLANGE, "2025M03")}  # 20-66 only


def _banded_body() -> dict:
    """The recorded body with the bands 20-65 and 20-66 added and the MARKED cells null."""
    rec = json.loads(BAS_DATA.read_bytes())
    ids, sizes = rec["id"], rec["size"]
    index = {d: list(rec["dimension"][d]["category"]["index"]) for d in ids}
    assert index["Alder"] == ["20-64"] and index["Kon"] == ["1+2"]

    def cell(**at) -> float | None:
        return rec["value"][sum(index[d].index(at[d]) * prod(sizes[i + 1:])
                                for i, d in enumerate(ids))]

    body = json.loads(BAS_DATA.read_bytes())
    alder = body["dimension"]["Alder"]["category"]
    alder["index"] = {b: i for i, b in enumerate(BANDS)}
    alder["label"] = {b: f"{b.replace('-', '–')} år" for b in BANDS}
    body["size"] = [len(BANDS) if d == "Alder" else s for d, s in zip(ids, sizes, strict=True)]
    out, status = [], {}
    regions = index["Region"]
    for region in regions:
        i = regions.index(region)
        for band in BANDS:
            k = BANDS.index(band)
            for fodd in index["Fodelseregion"]:
                for contents in index["ContentsCode"]:
                    for tid in index["Tid"]:
                        at = {"Region": region, "Kon": "1+2", "Alder": "20-64",
                              "Fodelseregion": fodd, "Tid": tid}
                        value = cell(**at, ContentsCode=contents)
                        unemployed = k * (1 + i % 3)
                        force = k * 40 * (1 + i % 5)
                        if contents == "000004YH":
                            value += unemployed
                        elif contents == "000006IU":
                            value += force
                        elif contents == "000006HI":
                            value += force - unemployed
                        elif contents == "000006I8":
                            value += force
                        elif contents == "000006II" and k:
                            value = round(100 * (cell(**at, ContentsCode="000004YH")
                                                 + unemployed)
                                          / (cell(**at, ContentsCode="000006IU") + force), 1)
                        if band == "20-66" and (region, tid) in MARKED and \
                                contents in ("000006II", "000004YH"):
                            status[str(len(out))], value = "..", None
                        out.append(value)
    body["value"], body["status"] = out, status
    return body


def _cell(body: dict, region: str, band: str, contents: str, tid: str) -> float | None:
    ids, sizes = body["id"], body["size"]
    index = {d: list(body["dimension"][d]["category"]["index"]) for d in ids}
    at = {"Region": region, "Kon": "1+2", "Alder": band, "Fodelseregion": "tot",
          "ContentsCode": contents, "Tid": tid}
    return body["value"][sum(index[d].index(at[d]) * prod(sizes[i + 1:])
                             for i, d in enumerate(ids))]


def _rate(body: dict, kommuner: list[str], band: str, tid: str) -> float:
    """Σ antal arbetslösa / Σ arbetskraften (%) of ``kommuner`` in ``band`` and ``tid``."""
    return 100 * (sum(_cell(body, k, band, "000004YH", tid) for k in kommuner)
                  / sum(_cell(body, k, band, "000006IU", tid) for k in kommuner))


@pytest.fixture(scope="module")
def banded(tmp_path_factory) -> dict:
    """A refresh (the small warehouse's KPIs) from the mirror with the banded TAB6260 body."""
    tmp = tmp_path_factory.mktemp("like_bands")
    mirror = bas_mirror(tmp, None)
    body = _banded_body()
    data = mirror / "scb_v2" / "tables" / "TAB6260" / "data.json"
    data.unlink()
    data.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    from data_sources import scb_datasets

    plain = scb_datasets.load_datasets

    def widened(*args, **kwargs):
        return [dataclasses.replace(d, mirror_selection={**d.mirror_selection,
                                                         "Alder": list(BANDS)})
                if d.id == "bas_kommun_monthly" else d for d in plain(*args, **kwargs)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scb_datasets, "load_datasets", widened)
        _refresh_quietly(mirror, tmp / "built", SMALL_KPIS)
    con = connect(tmp / "built" / "warehouse.duckdb")
    yield {"con": con, "body": body}
    con.close()


def _setup(banded):
    con, body = banded["con"], banded["body"]
    dalarna = list(body["dimension"]["Region"]["category"]["index"])
    assert len(dalarna) == 15 and all(k.startswith("20") for k in dalarna)
    ind = queries.indicator(con, "bas_arbetsloshet")
    lan = queries.area(con, "lan:20")
    mart = load_catalogue()["monthly_marts"]["bas"]

    def same_band(band: str):
        return queries.monthly_series(con, ind, lan, "T", monthly.band_dims(mart, {}, band))

    def same(now: str, then: str, band: str | None):
        return queries.monthly_like_for_like(con, ind, lan, "T",
                                             monthly.band_dims(mart, {}, band), now, then)

    return con, body, dalarna, ind, lan, same_band, same


def test_a_partial_months_change_across_a_band_is_over_the_same_kommuner(banded):
    from ui import blocks

    con, body, dalarna, ind, lan, same_band, same = _setup(banded)
    fourteen = [k for k in dalarna if k != FALUN]
    series = queries.monthly_series(con, ind, lan)  # the default "20-pension"
    at = series.assign(month=series["period"].astype(str).str[:7]).set_index("month")
    assert at.loc[["2020-01", "2025-04", "2026-04"], "band"].tolist() == list(BANDS)
    assert (at.loc["2026-04", "n_reporting"], at.loc["2026-04", "status"]) == (14, "partial")
    assert at.loc["2025-04", "status"] is None
    assert at.loc["2026-04", "value"] == pytest.approx(_rate(body, fourteen, "20-66", "2026M04"))
    now = _rate(body, fourteen, "20-66", "2026M04")
    then = _rate(body, fourteen, "20-66", "2025M04")
    all_then = _rate(body, dalarna, "20-66", "2025M04")  # what was compared: 14 with 15
    assert shown_change(now, then, 1) != shown_change(now, all_then, 1)
    # the band matters: the same 14 kommuner in the chart's 20–65 give another year before
    assert shown_change(now, _rate(body, fourteen, "20-65", "2025M04"), 1) != \
        shown_change(now, then, 1)

    latest = monthly.latest_with_year_before(series, same_band=same_band, same_members=same)
    assert latest["same_members"] == 14
    assert (latest["value_like"], latest["value_year_before"]) == (pytest.approx(now),
                                                                   pytest.approx(then))
    card = blocks.bas_card(latest, ind, lan.name)
    words = format_change(shown_change(now, then, 1), 1, ind.unit, ind.short_unit, ind.label)
    assert card.delta == f"{words} från april 2025, samma 14 kommuner båda månaderna"
    assert "Förändringen räknas mot 20–66 år även i april 2025 (diagrammet visar 20–65 år " \
           "den månaden)." in card.notes

    sentences, _ = monthly_key_figures(ind, [Compared(lan.name, "focus", series)], series,
                                       same_band=same_band, same_members=same)
    year = change_text(ind, shown_change(now, then, 1), "i april 2025")
    assert f"{year} (samma 14 kommuner båda månaderna)" in sentences[0], sentences[0]
    # the span, januari 2020 (20–64) to april 2026 (20–66): the same 14 kommuner in 20–66
    since = change_text(ind, shown_change(now, _rate(body, fourteen, "20-66", "2020M01"), 1),
                        "i januari 2020")
    span = next(s for s in sentences if s.startswith("Januari 2020–april 2026"))
    assert since in span and "samma 14 kommuner båda månaderna" in span, span


def test_the_earlier_month_is_partial_in_the_later_band_only(banded):
    """March 2026 (20–66, all 15) against March 2025: whole in the chart's 20–65, 14 of 15 in
    20–66 (Borlänge marked). The change is the same 14 kommuner's in 20–66, not 15 against
    14 (partial was read from the chart's row of March 2025, not the one compared with)."""
    con, body, dalarna, ind, lan, same_band, same = _setup(banded)
    fourteen = [k for k in dalarna if k != BORLANGE]
    series = queries.monthly_series(con, ind, lan)
    upto = series[series["period"].astype(str) <= "2026-03-01"]
    at = upto.assign(month=upto["period"].astype(str).str[:7]).set_index("month")
    assert at.loc["2026-03", "status"] is None and at.loc["2025-03", "status"] is None
    held = same_band("20-66")
    march = held[held["period"].astype(str).str[:7] == "2025-03"].iloc[0]
    assert (march["status"], march["n_reporting"]) == ("partial", 14)

    latest = monthly.latest_with_year_before(upto, same_band=same_band, same_members=same)
    now = _rate(body, fourteen, "20-66", "2026M03")
    then = _rate(body, fourteen, "20-66", "2025M03")
    assert shown_change(now, then, 1) != shown_change(
        _rate(body, dalarna, "20-66", "2026M03"), then, 1)
    assert latest["same_members"] == 14
    assert (latest["value_like"], latest["value_year_before"]) == (pytest.approx(now),
                                                                   pytest.approx(then))


def test_a_ranked_cards_month_on_month_change_keeps_to_one_band(banded, monkeypatch):
    """fixc27 (noticed): a monthly card's change from the month before (ui.blocks.change_of,
    the ranked cards' path) compared December 2025 (20–65) with January 2026 (20–66): two
    populations. It is now counted against December in January's band, and says so."""
    from types import SimpleNamespace

    from ui import blocks

    con, body, dalarna, ind, lan, _, _ = _setup(banded)
    monkeypatch.setattr(blocks, "query", lambda name, *args: getattr(queries, name)(con, *args))
    series = queries.monthly_series(con, ind, lan)
    at = series.assign(month=series["period"].astype(str).str[:7]).set_index("month")
    latest, previous = at.loc["2026-01"], at.loc["2025-12"]
    assert (latest["band"], previous["band"]) == ("20-66", "20-65")
    now = _rate(body, dalarna, "20-66", "2026M01")
    like = _rate(body, dalarna, "20-66", "2025M12")
    across = _rate(body, dalarna, "20-65", "2025M12")
    assert latest["value"] == pytest.approx(now) and previous["value"] == pytest.approx(across)
    assert shown_change(now, like, 1) != shown_change(now, across, 1)
    delta, notes = blocks.change_of(SimpleNamespace(area=lan), ind, "T", latest, previous,
                                    "month")
    words = format_change(shown_change(now, like, 1), 1, ind.unit, ind.short_unit, ind.label)
    assert delta == f"{words} från december 2025"
    assert any("20–66 år även i december 2025" in n for n in notes), notes
