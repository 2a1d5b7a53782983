"""Revisions on the real publications of TAB6260: refreshed from each recorded vintage in date
order, then from the newest mirror. Mirrors are symlink folders in tmp_path (nothing copied)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from data_sources.http import FakeClock
from replay.server import Fault
from tests.cli_inprocess import run_cli
from tests.conftest import ROOT
from tests.scb_recorded import BAS_DATA, VINTAGES, bas_mirror, bas_vintages
from transforms.formatting import format_date
from warehouse import queries
from warehouse.db import connect
from warehouse.refresh import refresh

RATTVIK = "2031"
# the indicators' own kommun values: arbetslöshet %, the counts, and the two other rates
COMPARED = {"000006II": "bas_arbetsloshet", "000004YH": "bas_arbetslosa",
            "000006IU": "bas_arbetskraft", "000006HI": "bas_sysselsatta",
            "000006I8": "bas_befolkning", "000006IK": "bas_sysselsattningsgrad",
            "000006IJ": "bas_arbetskraftsdeltagande"}


def _cells(path) -> dict[tuple[str, str, str], float]:
    body = json.loads(path.read_bytes())
    idx = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    cube = np.array(body["value"], dtype=float).reshape(body["size"])[:, 0, 0, 0, :, :]
    return {(r, c, t): cube[i, j, k] for i, r in enumerate(idx["Region"])
            for j, c in enumerate(idx["ContentsCode"]) for k, t in enumerate(idx["Tid"])}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Refreshes from each vintage in date order, then the newest; the revisions each saw."""
    base = tmp_path_factory.mktemp("vintages")
    raw, target = base / "raw", base / "warehouse.duckdb"
    steps = []
    for n, vintage in enumerate([*bas_vintages(), None]):
        result = refresh(bas_mirror(base, vintage), raw=raw, target=target,
                         kpis=["N01951"], sources=None if n == 0 else {"scb"},
                         progress=lambda _: None, clock=FakeClock())
        assert result.built, result.build_message
        steps.append((vintage or "newest", result.summary["revised"]))
    return {"steps": steps, "target": target, "raw": raw, "base": base}


def test_the_vintages_are_refreshed_in_date_order(history):
    assert [s for s, _ in history["steps"]] == [*bas_vintages(), "newest"]
    assert bas_vintages()[0] == "2023-06-09" and bas_vintages()[-1] == "2026-04-30"


def test_steps_before_the_2026_05_28_revision_change_nothing(history):
    for vintage, revised in history["steps"][:-1]:
        assert revised == {}, vintage  # new months arrived, but no published value changed


def test_the_last_step_records_most_values_as_revised(history):
    *_, (step, revised) = history["steps"]
    assert step == "newest"
    old, new = _cells(VINTAGES / "2026-04-30" / "data.json"), _cells(BAS_DATA)
    expected = {ind: sum(1 for key, value in old.items() if key[1] == code and key in new
                         and new[key] != value) for code, ind in COMPARED.items()}
    assert revised == {k: v for k, v in expected.items() if v}
    both = sum(1 for key in old if key in new and key[1] == "000006II")
    assert revised["bas_arbetsloshet"] > both / 2  # most values changed
    con = connect(history["target"])
    try:
        row = con.execute("""select old_value, new_value, old_published, new_published,
                                    old_table_id, new_table_id, area_id, dims
                             from marts.revision where indicator_id = 'bas_arbetsloshet'
                             and kommun_code = ? and period = date '2021-03-01'""",
                          [RATTVIK]).fetchone()
        summary = con.execute("""select n_values, n_kommuner, first_period, last_period
                                 from marts.revision_summary
                                 where indicator_id = 'bas_arbetsloshet'""").fetchall()
        months = con.execute("""select count(distinct period) from marts.revision
                                where indicator_id = 'bas_arbetsloshet'""").fetchone()[0]
    finally:
        con.close()
    assert row == (5.2, 4.7, "2026-04-30T07:25:35Z", "2026-06-29T07:22:44Z", "TAB6260",
                   "TAB6260", f"kommun:{RATTVIK}", "age=20-64;birth_region=tot")
    assert len(summary) == 1 and summary[0][:2] == (revised["bas_arbetsloshet"], 15)
    assert str(summary[0][3]) <= "2026-02-01"  # SCB revised 2020M01–2026M02, not the new months
    assert months > 60


def test_the_chart_note_query_sees_the_last_refresh_only(history):
    con = connect(history["target"])
    try:
        ind = queries.indicator(con, "bas_arbetsloshet")
        lan = queries.area(con, "lan:20")
        changed = queries.series_revisions(con, ind, lan)
        assert set(changed["kommun_code"]) == {k[0] for k in _cells(BAS_DATA)}  # all 15
        assert len(queries.series_revisions(con, ind, queries.area(con, "kommun:0780"))) == 0
    finally:
        con.close()


def _cli(history, *args):
    """``python -m warehouse <args>`` on the history warehouse, in-process
    (tests/cli_inprocess.py). DuckDB hands a process the instance it already has open for a
    path, so a call after a refresh in this process reads the swapped-in file only once every
    connection to the old one is closed: the test that refreshes checks that first."""
    env = {"WAREHOUSE_PATH": str(history["target"]), "USER_DB_PATH":
           str(history["base"] / "user.duckdb"), "PATH": "/usr/bin:/bin"}
    return run_cli(env, *args)


def test_cli_changes_lists_the_revision(history):
    out = _cli(history, "changes")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split("\t")[:8] == ["seen_at", "indicator", "area", "period", "sex",
                                        "dims", "old", "new"]
    rattvik = [x.split("\t") for x in lines if "\tbas_arbetsloshet\tkommun:2031 Rättvik\t2021-03"
               in x]
    assert len(rattvik) == 1 and rattvik[0][6:10] == ["5.2", "4.7", "2026-04-30T07:25:35Z",
                                                       "2026-06-29T07:22:44Z"]
    assert len(lines) - 1 == sum(n for n in history["steps"][-1][1].values())
    later = _cli(history, "changes", "--since", "2999-01-01")
    assert later.returncode == 0 and later.stdout.startswith("Inga reviderade värden")


@pytest.fixture
def overview(history, app_env, monkeypatch):
    """AppTest on the history warehouse. DuckDB hands a process the instance it already has
    open for a path, so the app's cached connection is dropped afterwards: a later connect in
    this process then sees the file a refresh swapped in, not the old one."""
    import gc

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WAREHOUSE_PATH", str(history["target"]))

    def run(area: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["omrade"] = area
        at.run()
        assert not at.exception
        return at

    yield run
    st.cache_resource.clear()
    gc.collect()


def test_the_chart_says_in_plain_words_that_scb_changed_its_numbers(history, overview):
    at = overview("lan:20")
    footer = next(c.value for c in at.caption if "TAB6260" in c.value)
    n = history["steps"][-1][1]["bas_arbetsloshet"]
    assert (f"Siffrorna har ändrats: vid den senaste uppdateringen hade SCB ändrat {n} tidigare "
            "publicerade månadsvärden för 15 kommuner (januari 2020 – februari 2026)") in footer
    # the date SCB's own note gives for the revision, not the body's ``updated`` (29 June,
    # the table's last update; walk28)
    body = json.loads(BAS_DATA.read_bytes())
    [dated] = [n for n in body["note"] if "revised" in n]
    revised = format_date(pd.Timestamp(dated[:10]))
    assert body["updated"][:10] != dated[:10]
    assert f"SCB reviderade siffrorna {revised} (enligt SCB:s not till tabellen)." in footer
    assert "29 juni" not in footer and "publicerade de nya siffrorna" not in footer
    at.query_params["sida"] = "om_data"  # what the menu link sends, the area kept
    at.run()
    assert not at.exception
    [line] = [m.value for m in at.markdown if f"Arbetslöshet (SCB BAS) – {n} tidigare "
              "publicerade månadsvärden ändrade för 15 kommuner" in m.value]
    # the same date as the chart's note, from the same function (stop 28: it said "källans
    # siffror publicerade 29 juni 2026", the table's update)
    assert line.endswith(f"februari 2026. SCB reviderade siffrorna {revised} (enligt SCB:s "
                         "not till tabellen).")
    assert "29 juni" not in line and "publicerade 2" not in line
    table = next(d.value for d in at.dataframe if "Förut" in d.value.columns)
    rattvik = table[(table["Kommun"] == "Rättvik") & (table["Månad"] == "mars 2021")
                    & (table["Nyckeltal"] == "Arbetslöshet (SCB BAS)")]
    assert rattvik[["Förut", "Nu", "Indelning"]].values.tolist() == [
        ["5,2", "4,7", "20–64 år, alla (inrikes och utrikes födda)"]]


def test_a_failed_fetch_after_the_revision_changes_nothing_and_keeps_the_history(history,
                                                                                 tmp_path,
                                                                                 overview):
    before = _cli(history, "changes").stdout
    result = refresh(bas_mirror(tmp_path, None), raw=history["raw"], target=history["target"],
                     sources={"scb"}, progress=lambda _: None, clock=FakeClock(),
                     faults=[Fault("500", "TAB6260/data", times=999)])
    assert result.built and result.summary["revised"] == {}
    failed = [o for o in result.report.outcomes if o.dataset == "bas_kommun_monthly"]
    assert not failed[0].ok
    con = connect(history["target"])
    try:
        ind = queries.indicator(con, "bas_arbetsloshet")
        rattvik = queries.monthly_series(con, ind, queries.area(con, f"kommun:{RATTVIK}"))
        # the last refresh revised nothing: no chart says its numbers just changed (the old
        # file said so for lan:20: this also shows this process reads the new file)
        assert queries.series_revisions(con, ind, queries.area(con, "lan:20")).empty
    finally:
        con.close()
    assert _cli(history, "changes").stdout == before  # carried forward, nothing new
    march = rattvik[rattvik["period"].astype(str) == "2021-03-01"]
    assert march["value"].tolist() == [4.7]  # the good data stayed
    at = overview("lan:20")
    assert not any("Siffrorna har ändrats" in c.value for c in at.caption)
