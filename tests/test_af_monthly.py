"""Arbetsförmedlingen in the generic monthly layer, end to end: a mirror whose af/ folder holds a
hand-made copy of the page and HAND-MADE workbooks (tests/af_workbooks.py; kolada_v3, scb_v2
and regions link to ../shared/data) is refreshed through the replay into a warehouse, and
``python -m warehouse indicators|series|changes`` read it like BAS.

The hand-made 2026-08 population is shaped to DOMAIN.md's published check figures (Riket
349 398 inskrivna arbetslösa, 171 986 kvinnor, 177 412 män, 119 of them with unknown län; the
kommuner's TOTAK 5 354 201,08); every other expected value is summed here from the scenario
that wrote the workbooks, not from the warehouse.
"""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pandas as pd
import pytest
import yaml

from tests.af_workbooks import (
    AGES,
    UNGA,
    file_names,
)
from tests.cli_inprocess import run_cli
from tests.conftest import ROOT
from transforms.catalogue import load_catalogue
from warehouse import queries
from warehouse.db import connect

MONTHS = ("2021-12", "2022-01", "2026-07", "2026-08")
KRONOBERG = "Kronobergs län"
UPPVIDINGE, VAXJO = "0760", "0780"
AF_AREA_VAXJO = ["0760", "0761", "0763", "0764", "0780"]  # Uppvidinge, Lessebo, Tingsryd,
# Alvesta, Växjö: the user-group suggestion "Arbetsförmedlingens arbetsmarknadsområde Växjö"
RIKET_SHARE = 100 * 349_398 / 5_354_201.08


@pytest.fixture(scope="module")
def af_built(af_august, tmp_path_factory):
    """One refresh of the check-figure population; Uppvidinge's unga kvinnor 2026-08 is '<5'
    (made once per run, shared with tests/test_af_refresh.py: conftest ``af_august``).
    ``base``: this module's own folder (the CLI's user-groups file)."""
    assert af_august["sc"].months == list(MONTHS)
    return {"sc": af_august["sc"], "base": tmp_path_factory.mktemp("af_monthly"),
            "warehouse": af_august["dir"] / "warehouse.duckdb"}


@pytest.fixture()
def con(af_built):
    c = connect(af_built["warehouse"])
    yield c
    c.close()


def _cli(af_built, *args: str) -> subprocess.CompletedProcess:
    env = {"WAREHOUSE_PATH": str(af_built["warehouse"]),
           "USER_DB_PATH": str(af_built["base"] / "cli-user.duckdb"), "PATH": "/usr/bin:/bin"}
    return run_cli(env, *args)  # in-process: tests/cli_inprocess.py


def _csv(out: subprocess.CompletedProcess) -> pd.DataFrame:
    assert out.returncode == 0, out.stderr
    return pd.read_csv(io.StringIO(out.stdout), dtype={"period": str}).set_index("period")


def _lan_kommuner(sc, lan: str = "07") -> list[str]:
    return [code for code, _, _ in sc.kommuner if code[:2] == lan]


def _unknown(sc, month: str, lan: str | None, sex: str, ages: set[str] | None = None) -> int:
    """The scenario's people with unknown kommun: in one län (None: every row, Riket)."""
    return sum(n for m, lan_name, s, block in sc.unknown
               if m == month and s == sex and (lan is None or lan_name == lan)
               for age, n in zip(AGES, block["age"], strict=True)
               if ages is None or age in ages)


# --- the catalogue and the CLI listing -------------------------------------------------------

def test_indicators_lists_af_with_its_source_and_files(af_built):
    out = _cli(af_built, "indicators")
    assert out.returncode == 0, out.stderr
    lines = {x.split("\t")[0]: x for x in out.stdout.splitlines()}
    share = lines["af_andel_inskrivna"]
    assert "Arbetsförmedlingen" in share and "2021-12–2026-08" in share and "månad" in share
    assert ("Källa: Arbetsförmedlingen, inskrivna arbetslösa som andel av den registerbaserade "
            "arbetskraften, filerna web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx och "
            "web-sok-lan-kom-2026-08.xlsx") in share
    assert {"af_inskrivna", "af_arbetskraft", "bas_arbetsloshet"} <= set(lines)


def test_the_denominator_break_is_one_fact_in_two_files(con):
    ind = queries.indicator(con, "af_andel_inskrivna")
    [brk] = ind.breaks
    assert (brk.period, brk.year) == ("2022-01", 2022) and "RAMS" in brk.label
    assert ind.denominator_label.startswith("arbetskraften (12-månaders medelvärde")
    af_yml = yaml.safe_load((ROOT / "transforms/af.yml").read_text("utf-8"))
    assert [str(b["first_period"]) for b in af_yml["series_breaks"]] == [brk.period]
    assert load_catalogue()["indicators"]["af_arbetskraft"]["breaks"][0]["period"] == "2022-01"


# --- a kommun ---------------------------------------------------------------------------------

def test_a_kommun_prints_afs_own_share_monthly(af_built):
    sc = af_built["sc"]
    df = _csv(_cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area",
                   f"kommun:{VAXJO}", "--format", "csv"))
    assert list(df.columns) == ["value"] and list(df.index) == list(MONTHS)
    for month in MONTHS:
        expected = 100 * sc.sok(month, VAXJO, "TOT") / sc.ak[(month, VAXJO, "TOT")]
        assert df.loc[month, "value"] == pytest.approx(expected)
    unga = _csv(_cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area",
                     f"kommun:{VAXJO}", "--group", "unga", "--sex", "M", "--format", "csv",
                     "--coverage"))
    assert unga.loc["2026-08", "value"] == pytest.approx(
        100 * sc.sok("2026-08", VAXJO, "UNGM") / sc.ak[("2026-08", VAXJO, "UNGM")])
    assert unga.loc["2026-08", "age"] == "18–24"  # read from the file's header, not assumed


def test_a_hidden_kommun_count_is_no_number(af_built):
    df = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area",
                   f"kommun:{UPPVIDINGE}", "--group", "unga", "--sex", "K", "--format", "csv",
                   "--coverage"))
    assert pd.isna(df.loc["2026-08", "value"]) and df.loc["2026-08", "status"] == "masked"
    assert df.loc["2026-07", "value"] == af_built["sc"].sok("2026-07", UPPVIDINGE, "UNGK")
    table = _cli(af_built, "series", "--indicator", "af_inskrivna", "--area",
                 f"kommun:{UPPVIDINGE}", "--group", "unga", "--sex", "K")
    assert "2026-08             –  (ålder 18–24, dolt av källan: färre än 5)" in table.stdout


# --- a län, with its rows of unknown kommun ---------------------------------------------------

def test_a_lan_adds_its_uppgift_saknas_rows(af_built):
    sc = af_built["sc"]
    members = _lan_kommuner(sc)
    unknown = _unknown(sc, "2026-08", KRONOBERG, "K") + _unknown(sc, "2026-08", KRONOBERG, "M")
    assert unknown > 0 and len(members) == 8
    counts = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", "lan:07",
                       "--format", "csv", "--coverage"))
    kommuner = sum(sc.sok("2026-08", k, "TOT") for k in members)
    assert counts.loc["2026-08", "value"] == kommuner + unknown
    assert (counts.loc["2026-08", "n_reporting"], counts.loc["2026-08", "n_expected"]) == (8, 8)
    assert counts.loc["2026-08", "table_id"] == ("web-inskrivna-arbetslosa-andel-av-bas-"
                                                 "2026-08.xlsx+web-sok-lan-kom-2026-08.xlsx")
    share = _csv(_cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area",
                      "lan:7", "--format", "csv"))
    labour = sum(sc.ak[("2026-08", k, "TOT")] for k in members)
    assert share.loc["2026-08", "value"] == pytest.approx(100 * (kommuner + unknown) / labour)
    mean = sum(100 * sc.sok("2026-08", k, "TOT") / sc.ak[("2026-08", k, "TOT")]
               for k in members) / len(members)
    assert share.loc["2026-08", "value"] != pytest.approx(mean)  # Σ / Σ, never a mean


def test_a_hidden_member_count_makes_the_lan_a_lower_bound(af_built):
    sc = af_built["sc"]
    members = [k for k in _lan_kommuner(sc) if k != UPPVIDINGE]
    df = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", "lan:07",
                   "--group", "unga", "--sex", "K", "--format", "csv", "--coverage"))
    aug = df.loc["2026-08"]
    expected = sum(sc.sok("2026-08", k, "UNGK") for k in members) + _unknown(
        sc, "2026-08", KRONOBERG, "K", UNGA)
    assert aug["value"] == expected and aug["is_lower_bound"]  # '<5' counted as 0, flagged
    assert aug["n_reporting"] == 8 and aug["status"] != "withheld"
    assert not df.loc["2026-07", "is_lower_bound"]
    table = _cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area", "lan:07",
                 "--group", "unga", "--sex", "K")
    line = next(x for x in table.stdout.splitlines() if x.startswith("2026-08"))
    assert "värdet är en nedre gräns" in line
    men = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", "lan:07",
                    "--group", "unga", "--sex", "M", "--format", "csv", "--coverage"))
    assert not men.loc["2026-08", "is_lower_bound"]


# --- Riket ------------------------------------------------------------------------------------

def test_riket_meets_the_published_check_figures(af_built):
    counts = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", "riket",
                       "--format", "csv", "--coverage"))
    assert counts.loc["2026-08", "value"] == 349_398 and counts.loc["2026-08", "n_reporting"] == 290
    assert not counts.loc["2026-08", "is_lower_bound"]
    for sex, figure in (("K", 171_986), ("M", 177_412)):
        df = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", "riket",
                       "--sex", sex, "--format", "csv"))
        assert df.loc["2026-08", "value"] == figure
    labour = _csv(_cli(af_built, "series", "--indicator", "af_arbetskraft", "--area", "riket",
                       "--format", "csv"))
    assert labour.loc["2026-08", "value"] == pytest.approx(5_354_201.08)
    share = _csv(_cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area", "riket",
                      "--format", "csv"))
    assert share.loc["2026-08", "value"] == pytest.approx(RIKET_SHARE)


def test_riket_without_the_unknown_rows_falls_short(con, af_built):
    """The same 290 kommuner as a user group (kommuner only) miss the Uppgift saknas rows."""
    sc = af_built["sc"]
    ind = queries.indicator(con, "af_inskrivna")
    every = queries.Area("group", "group", "alla kommuner", tuple(c for c, _, _ in sc.kommuner))
    as_group = queries.monthly_series(con, ind, every).set_index("period")
    riket = queries.monthly_series(con, ind, queries.area(con, "riket")).set_index("period")
    aug = date(2026, 8, 1)
    assert riket.loc[aug, "value"] - as_group.loc[aug, "value"] == _unknown(
        sc, "2026-08", None, "K") + _unknown(sc, "2026-08", None, "M")
    assert riket.loc[aug, "value"] == 349_398


def test_the_table_says_measure_denominator_break_and_band(af_built):
    out = _cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area", "riket")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "# Andel inskrivna arbetslösa (Arbetsförmedlingen) (%) – Riket, kön T"
    assert lines[1].startswith("# Källa: Arbetsförmedlingen, ")
    assert lines[2].startswith("# Nämnare: arbetskraften (12-månaders medelvärde av SCB:s ")
    assert lines[3].startswith("# Seriebrott från januari 2022: nämnaren är SCB:s preliminära "
                               "BAS-arbetskraft (tidigare RAMS)")
    assert "Uppgift saknas" in lines[4] and "SCB:s" in lines[4]  # not lower-cased
    assert lines[-1].startswith("2026-08           6,5  (ålder 16–64)")


# --- a user group: its kommuner only ----------------------------------------------------------

def test_a_user_group_sums_its_kommuner_only(af_built):
    sc = af_built["sc"]
    area = "group:arbetsformedlingens-arbetsmarknadsomrade-vaxjo"
    df = _csv(_cli(af_built, "series", "--indicator", "af_andel_inskrivna", "--area", area,
                   "--group", "utrikes_fodda", "--format", "csv", "--coverage"))
    for month in MONTHS:
        expected = 100 * sum(sc.sok(month, k, "UTR") for k in AF_AREA_VAXJO) / sum(
            sc.ak[(month, k, "UTR")] for k in AF_AREA_VAXJO)
        assert df.loc[month, "value"] == pytest.approx(expected)
    assert df.loc["2026-08", "n_reporting"] == 5 and not df.loc["2026-08", "is_lower_bound"]
    assert df.loc["2026-08", "table_id"] == "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx"
    unga = _csv(_cli(af_built, "series", "--indicator", "af_inskrivna", "--area", area,
                     "--group", "unga", "--sex", "K", "--format", "csv", "--coverage"))
    assert unga.loc["2026-08", "is_lower_bound"]  # Uppvidinge's '<5'
    assert unga.loc["2026-08", "value"] == sum(sc.sok("2026-08", k, "UNGK")
                                               for k in AF_AREA_VAXJO if k != UPPVIDINGE)


# --- bad values ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "word"), [
    (["--group", "marsianer"], "okänt val ”marsianer” för grupp"),
    (["--age", "20-64"], "har ingen indelning efter ålder"),
    (["--sex", "X"], "--sex ska vara T, K eller M"),
    (["--area", "lan:99"], "Okänt område"),
])
def test_bad_values_exit_2_with_one_swedish_line(af_built, args, word):
    area = [] if "--area" in args else ["--area", "lan:07"]
    out = _cli(af_built, "series", "--indicator", "af_andel_inskrivna", *area, *args)
    assert out.returncode == 2 and out.stderr.startswith("fel: ") and word in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_bas_refuses_afs_group_option(af_built):
    out = _cli(af_built, "series", "--indicator", "bas_arbetsloshet", "--area", "lan:07",
               "--group", "unga")
    assert out.returncode == 2 and "har ingen indelning efter grupp" in out.stderr


# --- revisions --------------------------------------------------------------------------------

def test_a_new_file_that_changes_an_old_month_is_a_revision(af_august, af_september):
    """2026-08 as the 2026-08 files give it (the first refresh), then as the 2026-09 files
    give it (HAND-MADE: another seed, so Växjö's August differs; a refresh in between, with
    only one of 2026-09's files out, kept 2026-08): marts.revision holds the old and new
    share. Both refreshes are made once per run (conftest ``af_august``, ``af_september``;
    tests/test_af_refresh.py checks the waiting step)."""
    first, later = af_august["sc"], af_august["later"]
    assert later.months == ["2026-08", "2026-09"]
    result, target = af_september["complete"], af_september["dir"] / "warehouse.duckdb"
    assert result.summary["revised"]["af_andel_inskrivna"] > 0
    assert "af_andel_inskrivna" not in af_september["waiting"].summary["revised"]
    c = connect(target)
    try:
        old, new, old_file, new_file = c.execute(
            """select old_value, new_value, old_table_id, new_table_id from marts.revision
               where indicator_id = 'af_andel_inskrivna' and kommun_code = ? and sex = 'T'
               and dims = 'group=samtliga' and period = ?""", [VAXJO, date(2026, 8, 1)]
        ).fetchone()
    finally:
        c.close()
    assert old == pytest.approx(100 * first.sok("2026-08", VAXJO, "TOT")
                                / first.ak[("2026-08", VAXJO, "TOT")])
    assert new == pytest.approx(100 * later.sok("2026-08", VAXJO, "TOT")
                                / later.ak[("2026-08", VAXJO, "TOT")])
    assert (old_file, new_file) == (file_names("2026-08")[0], file_names("2026-09")[0])


def test_the_deck_takes_afs_monthly_share(con, af_built):
    """Arbetsförmedlingen's share in the meeting deck for Växjö, 2021–2026: the months of the
    hand-made files in the native chart at one decimal, August 2026 in words with Kronobergs
    län and Riket (Riket from the published check figures), the RAMS → BAS break named, the
    files and fetch date in the source line (issue 11 point 3)."""
    from exports import deck
    from transforms.export import shown_number
    from transforms.formatting import format_date, format_number

    ind = queries.indicator(con, "af_andel_inskrivna")
    vaxjo = queries.area(con, f"kommun:{VAXJO}")
    pptx, _, plan = deck.build(con, vaxjo, ["af_andel_inskrivna"], 2021, 2026, pdf=False)
    [item] = plan.slides
    assert item.keys[0] == pd.Timestamp("2021-12-01") and item.keys[-1] == pd.Timestamp(
        "2026-08-01")
    for line, area_id in zip(item.charted, (f"kommun:{VAXJO}", "lan:07", "riket"), strict=True):
        df = queries.monthly_series(con, ind, queries.area(con, area_id))
        values = df.set_index(pd.to_datetime(df["period"]))["value"]
        assert item.shown(line) == [shown_number(values.get(k), 1) for k in item.keys]
    lan = queries.monthly_series(con, ind, queries.area(con, "lan:07"))
    lan_aug = lan.set_index(pd.to_datetime(lan["period"]))["value"][pd.Timestamp("2026-08-01")]
    assert item.sentences[0].endswith(f"; {KRONOBERG} {format_number(lan_aug, 1)}\u00a0%, Riket "
                                      f"{format_number(RIKET_SHARE, 1)}\u00a0%.")
    assert item.sentences[0].startswith(f"{ind.label} var ")
    assert " i augusti 2026 i Växjö" in item.sentences[0]
    assert "än i augusti 2025" not in item.sentences[0]  # no August 2025 in the files
    assert any(f.startswith("Seriebrott januari 2022: ") for f in item.flags)
    assert "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx" in item.source()
    assert f"Hämtad {format_date(ind.fetched_at)}" in item.source()
    from pptx import Presentation

    slide = list(Presentation(io.BytesIO(pptx)).slides)[1]
    chart = next(s.chart for s in slide.shapes if s.has_chart)
    assert [s.name for s in chart.plots[0].series] == ["Växjö", KRONOBERG, "Riket"]
    # the young, as the default deck has them (walkthrough 24): the share of 'unga', with
    # the age band the files state
    [young] = deck.plan(con, vaxjo, ["af_andel_inskrivna:unga"], 2021, 2026).slides
    assert young.ind.label == f"{ind.label}, unga (åldersgruppen enligt filen)"
    df = queries.monthly_series(con, ind, vaxjo, "T", {"group": "unga"})
    values = df.set_index(pd.to_datetime(df["period"]))["value"]
    assert young.keys[-1] == pd.Timestamp("2026-08-01")
    assert young.shown(young.lines[0]) == [shown_number(values.get(k), 1) for k in young.keys]
    assert young.sentences[0].startswith(
        f"{young.ind.label} var {format_number(values[pd.Timestamp('2026-08-01')], 1)}\u00a0% i "
        f"augusti 2026 i Växjö")
    assert "Ålder: 18–24 år." in young.flags  # the band of the hand-made files


def test_af_area_series_in_sql_equal_the_area_rule(con):
    """The monthly SQL statement (warehouse.queries._area_monthly_sql) equals the pandas
    reference on Arbetsförmedlingen's mart too: "<5" counts as lower bounds, the rows with
    unknown kommun added to län and Riket, the age band each file states (see
    tests/test_monthly_sql.py). Arbetsförmedlingen's indicators only: this warehouse's SCB
    BAS marts come from the same recorded SCB files as the session warehouse's, where
    tests/test_monthly_sql.py compares every BAS indicator the same way (here they took
    about 6 s of CPU: the file alone 40.5 -> 34.1 s). The reference is batched
    (tests/test_monthly_sql.py ``reference``), held equal to ``_monthly_series_pandas`` here
    too, where the batch has the unallocated rows, "<5" counts and stated bands BAS lacks."""
    from tests.test_monthly_sql import (
        check_reference_is_monthly_series_pandas,
        check_sql_equals_pandas,
    )

    assert check_reference_is_monthly_series_pandas(con, "af", {"group": "unga"},
                                                    ("K", "M")) >= 8
    rows = check_sql_equals_pandas(con, prefix="af_")
    assert {"af_andel_inskrivna", "af_inskrivna", "af_arbetskraft"} <= set(rows["indicator_id"])
    af = rows[rows["indicator_id"].str.startswith("af_")]
    riket = af[(af["area_id"] == "riket") & (af["indicator_id"] == "af_inskrivna")
               & (af["sex"] == "T")]
    assert riket["table_id"].notna().all()
    # Uppvidinge's unga kvinnor 2026-08 is "<5": Kronoberg's value is a lower bound
    ind = queries.indicator(con, "af_inskrivna")
    lan = queries.area(con, "lan:07")
    sql = queries.monthly_series(con, ind, lan, "K", {"group": "unga"})
    mart = queries.monthly_marts()[ind.mart]
    choices = queries.monthly.choose(mart, {"group": "unga"}, indicator_id=ind.id)
    available = queries._monthly_available(con, ind, mart["table"], choices, "K")
    ref = queries._monthly_series_pandas(con, ind, mart, choices, lan, "K", available,
                                         queries._months(choices, available))
    pd.testing.assert_frame_equal(sql, ref, check_dtype=False, rtol=1e-9)
    last = sql.set_index("period").loc[date(2026, 8, 1)]
    assert last["is_lower_bound"] and last["n_masked"] >= 1


def test_a_lower_bound_card_says_minst_and_gives_no_change(con, af_built):
    """The monthly card of a sum with a hidden '<5' count says 'minst', with a note, and shows
    no change against the year before (a difference of bounds is no number); a month without
    hidden counts shows its value and change as before."""
    from transforms import monthly
    from transforms.formatting import format_value
    from ui import blocks

    sc = af_built["sc"]
    ind = queries.indicator(con, "af_inskrivna")
    lan = queries.area(con, "lan:07")
    women = queries.monthly_series(con, ind, lan, "K", {"group": "unga"})
    latest = monthly.latest_with_year_before(women)
    assert latest["period"] == date(2026, 8, 1) and latest["is_lower_bound"]
    members = [k for k in _lan_kommuner(sc) if k != UPPVIDINGE]
    expected = sum(sc.sok("2026-08", k, "UNGK") for k in members) + _unknown(
        sc, "2026-08", KRONOBERG, "K", UNGA)
    card = blocks.bas_card(latest, ind, lan.name)
    assert card.value == f"minst {format_value(expected, ind.decimals, ind.short_unit)}"
    assert card.delta is None and card.notes == (blocks.LOWER_BOUND_NOTE,)
    from exports.deck import Compared, monthly_key_figures

    sentences, flags = monthly_key_figures(ind, [Compared(lan.name, "focus", women)], women)
    assert sentences[0].startswith(f"{ind.label} var minst "
                                   f"{format_value(expected, ind.decimals, ind.short_unit)}")
    assert "än i augusti 2025" not in sentences[0] and "högre" not in sentences[0]
    assert any(f.startswith(f"{lan.name}: minst dessa värden") and "augusti 2026" in f
               for f in flags)
    men = monthly.latest_with_year_before(queries.monthly_series(con, ind, lan, "M",
                                                                 {"group": "unga"}))
    assert not men["is_lower_bound"]
    shown = blocks.bas_card(men, ind, lan.name)
    assert not shown.value.startswith("minst")
    assert (shown.delta is not None) == (men["value_year_before"] is not None
                                         and not men["year_before_lower_bound"])


def test_a_months_unknown_kommun_counts_sum_unless_one_is_missing():
    """Hand-made rows with unknown kommun (``queries._unallocated``'s per-month step; the
    workbooks above have no null or hidden count there): a month's counts are summed, any
    null count makes the month's null, one hidden count makes it hidden, and the month's
    files are named once each, sorted."""
    rows = pd.DataFrame({
        "period": [date(2026, 9, 1), date(2026, 8, 1), date(2026, 8, 1), date(2026, 9, 1),
                   date(2026, 7, 1)],
        "numerator": [3.0, 5.0, float("nan"), 4.0, 2.0],
        "masked": [False, False, False, True, False],
        "table_id": ["b.xlsx", "b.xlsx", "a.xlsx", "b.xlsx", "c.xlsx"]})
    out = queries._unallocated_by_month(rows)
    assert list(out["period"]) == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
    assert out["value"].tolist()[0] == 2.0 and pd.isna(out["value"].iloc[1])
    assert out["value"].iloc[2] == 7.0
    assert out["masked"].tolist() == [False, False, True]
    assert out["extra_table_id"].tolist() == ["c.xlsx", "a.xlsx+b.xlsx", "b.xlsx"]
