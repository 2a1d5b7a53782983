"""An area's number that looks complete when it is not (review26, numfix26).

1. A sum of counts over fewer kommuner than the area has is a lower bound ("minst …", with how
   many of how many) wherever it is shown, and its change is counted over the same kommuner
   in both periods or withheld. Real Kolada values: Nynäshamn (0192) has no biståndshushåll
   for 2022, so Stockholms län's 26 589 is 25 of 26 kommuner; against 2021 the card said
   −4 104 where the same 25 kommuner fell by 3 651.
2. A kommun's newest month that Arbetsförmedlingen hides as "<5" is that month on the card,
   said so, not the month before's value (HAND-MADE workbooks, tests/af_workbooks.py: no real
   AF file exists here).
3. The map, its list and its download keep the lower bound.
Shares over the reporting kommuner (weighted) are estimates labelled "n av m", not bounds.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

import charts
import charts_map
from exports.deck import Compared, _value_text, change_text, key_figures, monthly_key_figures
from tests.cards_shown import cards
from transforms import bounds, monthly, periods
from transforms.areas import coverage_label
from transforms.export import series_frame, to_excel_csv
from transforms.formatting import format_change, format_value
from ui import blocks
from warehouse import queries

STOCKHOLM, SKANE, NYNASHAMN = "lan:01", "lan:12", "0192"


def _kolada(shared, kpi: str) -> dict[tuple[str, int], float]:
    """(kommun, year) -> the mirror's value for kön totalt (read in place)."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {(e["municipality"], int(e["period"])): v["value"] for e in body["values"]
            for v in e["values"] if v["gender"] == "T" and v["value"] is not None}


def _kommuner(shared, lan: str) -> list[str]:
    body = json.loads((shared / "kolada_v3/municipality.json").read_bytes())
    rows = body["values"] if isinstance(body, dict) else body
    return sorted(m["id"] for m in rows if m.get("type") == "K" and m["id"][:2] == lan)


def _same_members_change(values: dict, members: list[str], year: int) -> tuple[float, int]:
    both = [k for k in members if (k, year) in values and (k, year - 1) in values]
    return sum(values[(k, year)] - values[(k, year - 1)] for k in both), len(both)


def test_a_sum_with_a_kommun_missing_is_at_least_its_value(warehouse, shared):
    values = _kolada(shared, "N31910")
    members = _kommuner(shared, "01")
    assert len(members) == 26 and (NYNASHAMN, 2022) not in values
    assert (NYNASHAMN, 2021) in values and values[(NYNASHAMN, 2021)] == 453
    ind = queries.indicator(warehouse, "N31910")
    lan = queries.area(warehouse, STOCKHOLM)
    series = queries.area_series(warehouse, ind, lan).set_index("year")
    row = series.loc[2022]
    assert row["value"] == sum(values[(k, 2022)] for k in members if (k, 2022) in values)
    assert row["value"] == 26_589 and (row["n_reporting"], row["n_expected"]) == (25, 26)
    assert row["is_lower_bound"] and not series.loc[2021, "is_lower_bound"]
    assert series.loc[2019, "is_lower_bound"] and series.loc[2019, "n_reporting"] == 17
    # the pages' batch read says the same
    many = queries.area_series_many(warehouse, [ind], lan)["N31910"].set_index("year")
    assert many.loc[2022, "is_lower_bound"] and not many.loc[2021, "is_lower_bound"]
    # a user group of the same kommuner: the same
    group = queries.Area("group:sthlm", "group", "Stockholms kommuner", tuple(members))
    mine = queries.area_series(warehouse, ind, group).set_index("year")
    assert mine.loc[2022, "value"] == 26_589 and mine.loc[2022, "is_lower_bound"]
    # a share over the reporting kommuner is an estimate with its coverage, not a bound
    share = queries.indicator(warehouse, "N31807")
    weighted = queries.area_series(warehouse, share, lan).set_index("year")
    assert weighted.loc[2022, "status"] == "partial" and not weighted["is_lower_bound"].any()
    assert coverage_label(*weighted.loc[2022, ["n_reporting", "n_expected"]].astype(int)) \
        == "25 av 26 kommuner"


@pytest.mark.parametrize(("kpi", "area_id", "year", "old", "new"), [
    ("N31910", STOCKHOLM, 2022, -4_104, -3_651),
    ("N31848", STOCKHOLM, 2022, -7_338, -6_494),
    ("N31848", SKANE, 2022, -8_822, -8_306)])
def test_a_change_is_counted_over_the_same_kommuner(warehouse, shared, kpi, area_id, year,
                                                    old, new):
    values = _kolada(shared, kpi)
    members = _kommuner(shared, area_id[-2:])
    expected, n = _same_members_change(values, members, year)
    assert expected == new and n == len(members) - 1
    ind = queries.indicator(warehouse, kpi)
    area = queries.area(warehouse, area_id)
    series = queries.area_series(warehouse, ind, area).set_index("year")
    assert series.loc[year, "value"] - series.loc[year - 1, "value"] == old  # what was said
    same = bounds.like_for_like(queries.member_values(warehouse, kpi, list(area.members)),
                                year, year - 1)
    assert (same.change, same.n_members) == (new, n)
    # the meeting deck's words: at least, and the change over the same kommuner
    whole = queries.area_series(warehouse, ind, area)
    sentences, flags = key_figures(
        ind, [Compared(area.name, "focus", periods.clip(whole, str(year - 2), str(year)))],
        whole, year - 2, queries.member_values(warehouse, kpi, list(area.members)))
    assert f"var minst {_value_text(ind, series.loc[year, 'value'])} år {year}" in sentences[0]
    assert f"{change_text(ind, new, str(year - 1))} (samma {n} kommuner båda åren)" \
        in sentences[0]
    assert change_text(ind, old, str(year - 1)) not in sentences[0]
    assert any("minst dessa värden, kommuner utan värde saknas i summan" in f for f in flags)


def test_the_card_says_minst_and_the_change_of_the_same_kommuner(app_env, warehouse, shared):
    """Försörjningsstöd, Stockholms län, tab Mottagare och hushåll: the counts' cards."""
    from tests.test_app import _shown

    at = _shown(sida="forsorjningsstod", omrade=STOCKHOLM, flik="mottagare")
    assert not at.exception
    shown = {c.label: c for c in cards(at)}
    for kpi, value, change in (("N31910", "26\u00a0589", -3_651),
                               ("N31848", "44\u00a0612", -6_494)):
        ind = queries.indicator(warehouse, kpi)
        card = shown[f"{ind.label}, 2022"]
        assert card.value == f"minst {value}"
        words = format_change(change, 0, ind.unit, ind.short_unit, ind.label)
        assert card.delta == f"{words} från 2021, samma 25 kommuner båda åren"
        assert any("25 av 26 kommuner" in n and "**Minst:**" in n for n in card.notes)
    # the count's chart names Riket beside it: at least the sum of the kommuner with a value
    from tests.test_app import _figures

    values = _kolada(shared, "N31910")
    riket = [v for (_, year), v in values.items() if year == 2022]
    beside = (f"Riket minst {format_value(sum(riket), 0, 'antal')} (2022, bygger på "
              f"{len(riket)} av 290 kommuner)")
    assert any(beside in fig["layout"]["title"]["text"] for fig in _figures(at)), beside


def test_a_monthly_sum_without_a_kommun_is_a_lower_bound_without_change(warehouse, shared):
    """SCB BAS (the mirror: Dalarna only) for Falun, Borlänge and Gävle: Gävle has no value,
    so 2 297 in April 2026 is Falun's 863 and Borlänge's 1 434: at least that, no change."""
    ind = queries.indicator(warehouse, "bas_arbetslosa")
    group = queries.Area("group:t", "group", "Falun, Borlänge och Gävle", ("2080", "2081", "2180"))
    parts = [queries.monthly_series(warehouse, ind, queries.area(warehouse, f"kommun:{k}"))
             .set_index("period").loc[date(2026, 4, 1), "value"] for k in ("2080", "2081")]
    series = queries.monthly_series(warehouse, ind, group)
    latest = monthly.latest_with_year_before(series)
    assert latest["period"] == date(2026, 4, 1) and latest["value"] == sum(parts) == 2_297
    assert latest["is_lower_bound"] and latest["change"] is None
    card = blocks.bas_card(latest, ind, group.name)
    assert card.value == "minst 2\u00a0297" and card.delta is None
    assert card.notes == (bounds.PARTIAL_SUM_NOTE,)
    # the chart's hover says why, and the table's flag column and coverage
    hover = charts._hover(charts.Line(group.name, series, "focus"), ind)[-1]
    assert "minst 2\u00a0297" in hover and "kommuner utan värde saknas" in hover
    assert "&lt;5" not in hover and "<5" not in hover
    table = series_frame([(group.name, series, group.area_id)], ind, sex="Totalt")
    last = table.iloc[-1]
    # the coverage with the population 20–64 år (Kolada's N01955, its latest year, 2022)
    # behind it and the member without a value named (stop 28)
    people = {k: _kolada(shared, "N01955")[(k, 2022)] for k in group.members}
    share = (people["2080"] + people["2081"]) / sum(people.values())
    assert 0.5 < share < 0.6  # over half: the sum is shown
    assert last["anmärkning"] == "preliminär, nedre gräns" and last["täckning"] == (
        f"2 av 3 kommuner, {round(100 * share)}\u00a0% av befolkningen 20–64 år; Gävle saknas")
    _, flags = monthly_key_figures(ind, [Compared(group.name, "focus", series)], series)
    assert any("kommuner utan värde saknas i summan" in f for f in flags)


def test_the_map_keeps_the_lower_bound(warehouse, shared):
    from ui.pages.karta import map_table

    ind = queries.indicator(warehouse, "N31910")
    values = queries.area_values(warehouse, ind, "lan", "2022")
    at = values.set_index("area_id")
    assert at.loc[STOCKHOLM, "value"] == 26_589 and at.loc[STOCKHOLM, "is_lower_bound"]
    uppsala = _kolada(shared, "N31910")
    assert at.loc["lan:03", "value"] == sum(v for (k, y), v in uppsala.items()
                                            if k[:2] == "03" and y == 2022)
    assert not at.loc["lan:03", "is_lower_bound"]
    hover = dict(zip(values["area_id"], charts_map.hover_texts(values, ind), strict=True))
    assert hover[STOCKHOLM].endswith("minst 26\u00a0589 (nedre gräns: bara 25 av 26 kommuner "
                                     "har värden)")
    assert "minst" not in hover["lan:03"]
    # a share over the reporting kommuner is not a bound, but says how many report
    share = queries.indicator(warehouse, "N31807")
    shares = queries.area_values(warehouse, share, "lan", "2022")
    said = dict(zip(shares["area_id"], charts_map.hover_texts(shares, share), strict=True))
    assert "minst" not in said[STOCKHOLM]
    # and the population behind it, as the card says (review27 item 2): N31807 is weighted
    # by the population (N01951), Σ of the 25 reporting kommuner over all 26
    people = {k: _kolada(shared, "N01951")[(k, 2022)] for k in _kommuner(shared, "01")}
    rate = _kolada(shared, "N31807")
    part = sum(p for k, p in people.items() if (k, 2022) in rate) / sum(people.values())
    [lacking] = [k for k in people if (k, 2022) not in rate]  # named since stop 28
    [name] = queries.kommun_names(warehouse, [lacking])
    assert said[STOCKHOLM].endswith(f"(bygger på 25 av 26 kommuner, {min(99, round(100 * part))}\u00a0% "
                                    f"av befolkningen; {name} saknas)")
    table = map_table(values.assign(place=1, of=len(values)), ind, "T")  # every län ranked
    rows = table.set_index("kod")
    assert rows.loc["01", "anmärkning"] == "nedre gräns" and rows.loc["03", "anmärkning"] == ""
    assert rows.loc["01", "täckning"] == "25 av 26 kommuner"
    csv = to_excel_csv(table).decode("utf-8-sig")
    assert "Stockholms län;01;2022;Totalt;26589;1;antal;25 av 26 kommuner;nedre gräns" in csv


# --- 2. a kommun's newest month hidden as "<5" (hand-made AF workbooks) ----------------------

def test_a_kommuns_hidden_newest_month_is_shown_as_hidden(af_august, tmp_path, monkeypatch):
    """Uppvidinge's unga kvinnor 2026-08 is "<5" in the hand-made andel-av-bas file: the
    Unga page's card says augusti 2026 and that the source hides it, as Kronoberg's card
    says augusti 2026 (the card said "juli 2026" with July's value)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from warehouse.db import connect

    con = connect(af_august["dir"] / "warehouse.duckdb")
    try:
        ind = queries.indicator(con, "af_andel_inskrivna")
        series = queries.monthly_series(con, ind, queries.area(con, "kommun:0760"), "K",
                                        {"group": "unga"})
    finally:
        con.close()
    last = series.set_index("period").loc[date(2026, 8, 1)]
    assert last["status"] == "masked" and pd.isna(last["value"])
    shown = bounds.newest_hidden(series, monthly.latest_with_year_before(series))
    assert shown["period"] == date(2026, 8, 1) and shown["change"] is None
    sentences, _ = monthly_key_figures(ind, [Compared("Uppvidinge", "focus", series)], series,
                                       {"group": "unga"})
    assert "Augusti 2026: källan döljer värdet för Uppvidinge" in " ".join(sentences)
    monkeypatch.setenv("WAREHOUSE_PATH", str(af_august["dir"] / "warehouse.duckdb"))
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"sida": "unga", "kommun": "0760", "kon": "K"})
    at.run()
    assert not at.exception
    found = {c.label: c for c in cards(at)}
    card = found["Uppvidinge, augusti 2026"]
    assert card.value == bounds.HIDDEN_SHARE and card.delta is None
    assert card.notes == [bounds.HIDDEN_SHARE_NOTE]
    assert "Kronobergs län, augusti 2026" in found
    assert not any(label.startswith("Uppvidinge, juli 2026") for label in found)


def test_jamfor_references_and_karta_area_values_say_minst(app_env, warehouse, shared):
    """Jämför's ranking of biståndshushåll 2022 with Stockholms län and Riket as reference
    rows: the län's 26 589 is 25 of 26 kommuner, Riket's a sum without the kommuner lacking
    a value; both are 'minst …' on screen and 'nedre gräns' in the download (they were bare
    numbers), and Karta's län layer (queries.area_values, what the page calls; the unused
    area_kind_values went, left27) flags the län as a lower bound."""
    from ui.pages.jamfor import ranking_export, ranking_table, ranking_view

    values = _kolada(shared, "N31910")
    lan = sum(values[(k, 2022)] for k in _kommuner(shared, "01") if (k, 2022) in values)
    riket = sum(v for (_, year), v in values.items() if year == 2022)
    assert lan == 26_589
    ind = queries.indicator(warehouse, "N31910")
    refs = [queries.area(warehouse, STOCKHOLM), queries.area(warehouse, "riket")]
    table = ranking_table(ind, "2022", "T", [], refs)  # ui.data.query: the warehouse
    rows = table[table["is_reference"]].set_index("Namn")
    assert rows.loc["Stockholms län", "value"] == lan and rows.loc["Riket", "value"] == riket
    assert rows["is_lower_bound"].tolist() == [True, True]
    assert not table.loc[~table["is_reference"], "is_lower_bound"].any()
    html = ranking_view(table, ind).to_html()
    assert f"minst {format_value(lan, 0, 'antal')}" in html
    assert f"minst {format_value(riket, 0, 'antal')}" in html
    assert html.count("minst ") == 2

    class _Sel:  # the one attribute ranking_export reads
        area = refs[0]

    data = ranking_export(table, ind, "2022", "T", _Sel()).data
    flagged = data[data["anmärkning"].str.startswith("nedre gräns")]
    assert sorted(flagged["område"]) == ["Riket", "Stockholms län"]
    kinds = queries.area_values(warehouse, ind, "lan", "2022").set_index("area_id")
    assert kinds.loc[STOCKHOLM, "value"] == lan and kinds.loc[STOCKHOLM, "is_lower_bound"]
    assert kinds.loc[STOCKHOLM, "status"] == "partial"
    assert not kinds.loc["lan:07", "is_lower_bound"]  # Kronoberg: every kommun has a value
    # a share over the reporting kommuner is an estimate, not a bound
    share = queries.indicator(warehouse, "N31807")
    assert not queries.area_values(warehouse, share, "lan", "2022")["is_lower_bound"].any()


def test_the_cli_series_says_minst_for_a_sum_without_some_kommuner(built, shared):
    """`python -m warehouse series` for Stockholms län's biståndshushåll printed
    '2022        26 589  (25 av 26 kommuner)' without "minst"; its CSV with --coverage
    flags the row too."""
    from tests.test_warehouse import _cli

    out = _cli(built, "series", "--indicator", "N31910", "--area", STOCKHOLM)
    assert out.returncode == 0, out.stderr
    rows = {line[:4]: line[4:].strip() for line in out.stdout.splitlines()
            if line[:1].isdigit()}
    values = _kolada(shared, "N31910")
    lan = sum(values[(k, 2022)] for k in _kommuner(shared, "01") if (k, 2022) in values)
    assert rows["2022"] == f"minst {format_value(lan, 0, 'antal')}  (25 av 26 kommuner)"
    table = _cli(built, "series", "--indicator", "N31910", "--area", STOCKHOLM, "--format",
                 "csv", "--coverage")
    df = pd.read_csv(pd.io.common.StringIO(table.stdout)).set_index("period")
    assert df.loc[2022, "is_lower_bound"] and df.loc[2022, "n_reporting"] == 25
    complete = df[df["n_reporting"] == df["n_expected"]]
    assert len(complete) and not complete["is_lower_bound"].any()


BLEKINGE = "lan:10"


def test_a_weighted_rate_from_some_kommuner_says_the_population_behind_it(app_env, warehouse,
                                                                           shared):
    """left27: Unga vuxna med ekonomiskt bistånd (U31804, weighted by befolkningen 16–64 år,
    N01954 + N01955) in Blekinge 2022 rests on 4 of 5 kommuner. The card, the chart's hover
    and the download said "4 av 5 kommuner" only; they now say how much of the population
    the 4 carry, by the weights the rate used: Σ 16–64 of the reporting kommuner over all 5."""
    from tests.test_app import _figures, _shown

    members = list(queries.area(warehouse, BLEKINGE).members)
    rate = _kolada(shared, "U31804")
    people = {k: _kolada(shared, "N01954")[(k, 2022)] + _kolada(shared, "N01955")[(k, 2022)]
              for k in members}
    reporting = [k for k in members if (k, 2022) in rate]
    assert len(reporting) == 4
    share = sum(people[k] for k in reporting) / sum(people.values())
    ind = queries.indicator(warehouse, "U31804")
    got = queries.covered_shares(warehouse, ind, members).set_index("year")["covered_share"]
    assert got[2022] == pytest.approx(share)
    assert got[2021] == pytest.approx(1.0)  # every kommun reports
    [lacking] = queries.kommun_names(warehouse, [k for k in members if k not in reporting])
    words = (f"4 av 5 kommuner, {round(100 * share)}\u00a0% av befolkningen 16–64 år; "
             f"{lacking} saknas")  # the member without a value named (stop 28)
    # the rate itself is these kommuner's, weighted alike
    whole = sum(rate[(k, 2022)] * people[k] for k in reporting) / sum(
        people[k] for k in reporting)
    series = queries.area_series(warehouse, ind, queries.area(warehouse, BLEKINGE))
    row = series.set_index("year").loc[2022]
    assert row["value"] == pytest.approx(whole)
    # the download's täckning
    table = series_frame([("Blekinge län", series, "lan:10")], ind, sex="Totalt")
    assert table.set_index("år").loc[2022, "täckning"] == words
    assert table.set_index("år").loc[2021, "täckning"] == ""
    # the card and the chart's hover, on Unga for Blekinge
    at = _shown(sida="unga", omrade=BLEKINGE, kommun="1080", fran="2015", till="2022")
    assert not at.exception
    card = {c.label: c for c in cards(at)}[f"{ind.label}, 2022"]
    assert f"Områdesvärdet bygger på {words}." in card.notes
    hovers = [" ".join(map(str, t.get("hovertext") or [])) for fig in _figures(at)
              if fig["layout"]["title"]["text"].startswith(ind.label) for t in fig["data"]]
    assert any(f"bygger på {words}" in h for h in hovers)
    # the deck's slide says it as the page does
    from exports import deck

    item = deck.plan(warehouse, queries.area(warehouse, BLEKINGE), ["U31804"], 2015,
                     2022).slides[0]
    assert any(f"2022 ({words})" in flag for flag in item.flags), item.flags
