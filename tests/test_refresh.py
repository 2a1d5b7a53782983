"""A refresh never loses data: failed or malformed fetches keep the previous snapshot, the new
warehouse is swapped in atomically, user groups are untouched, and offline it fails fast."""

from __future__ import annotations

import json

import pytest

from data_sources.http import FakeClock
from replay.server import Fault
from tests.conftest import SMALL_KPIS, copy_small
from transforms.public_url import public_url
from warehouse.db import connect
from warehouse.refresh import read_status, refresh

KPIS = SMALL_KPIS


@pytest.fixture
def small(small_base, tmp_path):
    """A private copy of the small warehouse (four KPIs) refreshed once from the mirror."""
    return copy_small(small_base, tmp_path / "small")


def _vaxjo_2022(target, kpi: str = "N03920") -> float | None:
    con = connect(target)
    try:
        row = con.execute("""select value from marts.observation_kommun_year where
            indicator_id = ? and kommun_code = '0780' and year = 2022 and sex = 'T'""",
                          [kpi]).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def _kpi_rows(target, kpi: str) -> list[tuple]:
    con = connect(target)
    try:
        return con.execute("""select kommun_code, year, sex, value from
            marts.observation_kommun_year where indicator_id = ?
            order by kommun_code, year, sex""", [kpi]).fetchall()
    finally:
        con.close()


# one Kolada KPI per kind of failure, all in ONE refresh (issue 12 point 8: a refresh per
# kind before); each fault answers every request for its KPI, so each dataset fails alone
FAULTED = {"500": "N03920", "429": "N01954", "truncate": "N01955"}


def test_a_failing_dataset_keeps_its_previous_data(small, shared):
    """A KPI whose fetch fails (HTTP 500, 429 every time, a truncated body) keeps the values
    of the last good refresh, value for value; the KPI that fetched updates as usual."""
    raw, target = small
    before = {kpi: _kpi_rows(target, kpi) for kpi in KPIS}
    assert _vaxjo_2022(target) == pytest.approx(5.973365)
    faults = [Fault(kind, f"data/kpi/{kpi}", times=999) for kind, kpi in FAULTED.items()]
    result = refresh(shared, raw=raw, target=target, kpis=KPIS, progress=lambda _: None,
                     faults=faults, clock=FakeClock())
    assert result.built
    assert all(f.hits > 0 for f in faults)  # every kind was really served
    failed = {o.dataset: o.message for o in result.report.outcomes
              if not o.ok and o.source == "kolada"}
    assert sorted(failed) == sorted(f"data__{kpi}" for kpi in FAULTED.values())
    assert "HTTP 500" in failed["data__N03920"] and "429" in failed["data__N01954"]
    assert "avbruten eller trasig JSON" in failed["data__N01955"]
    for kpi in KPIS:
        assert _kpi_rows(target, kpi) == before[kpi] and before[kpi], kpi  # all kept
    assert _vaxjo_2022(target) == pytest.approx(5.973365)
    con = connect(target)
    log = con.execute("select dataset, ok from marts.refresh_log where dataset in (?, ?, ?, ?)"
                      " order by run_at", [f"data__{kpi}" for kpi in KPIS]).fetchall()
    con.close()
    for kpi in KPIS:  # the log keeps both runs
        runs = [ok for dataset, ok in log if dataset == f"data__{kpi}"]
        assert runs == [True, kpi not in FAULTED.values()], kpi


@pytest.fixture(scope="module")
def plain_refresh(small_base, shared, tmp_path_factory):
    """ONE plain refresh over a copy of the small warehouse, shared by the two tests below
    (it used to run once in each): before it, a reader connection is opened on the old file
    and a user group is saved in a user-groups file; both are handed over as they stand after
    the refresh, with what they saw before it."""
    from transforms.groups import GroupSpec
    from warehouse import usergroups

    tmp = tmp_path_factory.mktemp("plain_refresh")
    raw, target = copy_small(small_base, tmp / "small")
    user_db = tmp / "user.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("USER_DB_PATH", str(user_db))
        usergroups.save(GroupSpec("Min grupp", ("0764", "0780")))
    stamp = user_db.stat().st_mtime_ns, user_db.read_bytes()
    reader = connect(target)
    before = reader.execute("select count(*) from marts.refresh_log").fetchone()[0]
    refresh(shared, raw=raw, target=target, kpis=KPIS, progress=lambda _: None,
            clock=FakeClock())
    yield {"target": target, "reader": reader, "log_before": before, "user_db": user_db,
           "user_db_before": stamp}
    reader.close()


def test_a_reader_keeps_working_while_a_refresh_swaps_the_file(plain_refresh):
    target, reader, before = (plain_refresh[k] for k in ("target", "reader", "log_before"))
    assert reader.execute("select count(*) from marts.refresh_log").fetchone()[0] == before
    reader.close()  # DuckDB hands this process the open instance (the old file) until then
    fresh = connect(target)
    assert fresh.execute("select count(*) from marts.refresh_log").fetchone()[0] > before
    fresh.close()
    assert not list(target.parent.glob(".warehouse.duckdb.building-*"))


def test_a_refresh_leaves_user_groups_untouched(plain_refresh, monkeypatch):
    from warehouse import usergroups

    user_db = plain_refresh["user_db"]
    monkeypatch.setenv("USER_DB_PATH", str(user_db))
    assert (user_db.stat().st_mtime_ns, user_db.read_bytes()) == plain_refresh["user_db_before"]
    assert [g.members for g in usergroups.list_groups()] == [("0764", "0780")]


def test_offline_without_mirror_fails_fast_and_says_which_source(tmp_path, monkeypatch):
    monkeypatch.setenv("KOLADA_API_URL", "http://127.0.0.1:9/v3")  # nothing listens on port 9
    monkeypatch.setenv("SCB_API_URL", "http://127.0.0.1:9/api/v2")
    monkeypatch.setenv("AF_STATISTICS_URL", "http://127.0.0.1:9/statistik/sok-statistik/"
                       "tidigare-statistik-tidsserier")
    clock = FakeClock()
    target = tmp_path / "warehouse.duckdb"
    result = refresh(None, raw=tmp_path / "raw", target=target, progress=lambda _: None,
                     clock=clock)
    assert not result.built and not target.exists()
    status = read_status(target)
    assert status["sources"]["kolada"]["failed"] == 68  # first failed, the rest skipped
    assert "kunde inte ansluta" in status["sources"]["kolada"]["first_error"]
    assert "Kolada har aldrig kunnat hämtas" in status["build_message"]
    assert status["sources"]["af"]["failed"] == 1  # the page; no file is tried after it
    assert "kunde inte ansluta" in status["sources"]["af"]["first_error"]
    assert sum(clock.slept) < 30  # bounded retries, then the source is skipped


def test_the_app_explains_an_empty_start_in_swedish(tmp_path, monkeypatch, app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    target = tmp_path / "empty" / "warehouse.duckdb"
    target.parent.mkdir()
    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    status = {"at": "2026-11-25T08:00:00+00:00", "built": False, "build_message": "x",
              "sources": {"kolada": {"fetched": 0, "failed": 68, "skipped": 0,
                                     "first_error": "kunde inte ansluta (ingen nätverks"
                                                    "förbindelse eller okänd adress)"}}}
    (target.parent / "warehouse.last_refresh.json").write_text(json.dumps(status), "utf-8")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith("Ingen data kunde hämtas")
    text = " ".join(m.value for m in at.markdown)
    assert "Kolada (api.kolada.se)" in text and "MIRROR_DIR=../shared/data make run" in text


def test_a_failing_source_keeps_its_data_the_other_updates_and_everyone_is_told(
        small, shared, monkeypatch, capsys, app_env):
    """SCB answers 503 for its table; Kolada updates. The refresh log, the status file, the
    CLI and Om data all say which source failed, when, why and at which URL."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from warehouse import cli

    raw, target = small
    con = connect(target)
    before = dict(con.execute("select dataset, snapshot from marts.provenance").fetchall())
    con.close()
    result = refresh(shared, raw=raw, target=target, kpis=KPIS, progress=lambda _: None,
                     faults=[Fault("503", "TAB6471", times=999)], clock=FakeClock())
    assert result.built
    con = connect(target)
    after = dict(con.execute("select dataset, snapshot from marts.provenance").fetchall())
    log = con.execute("""select run_at, ok, message, url from marts.refresh_log
                         where dataset = 'population_lan_monthly' order by run_at""").fetchall()
    con.close()
    assert after["population_lan_monthly"] == before["population_lan_monthly"]  # kept
    assert after["data__N03920"] != before["data__N03920"]  # the other source updated
    assert [row[1] for row in log] == [True, False]
    failed_at, _, message, url = log[-1]
    assert message.startswith("serverfel (HTTP 503) – gav upp efter 4 försök")
    assert "/scb/api/v2/tables/TAB6471" in url and failed_at.startswith("20")

    status = read_status(target)
    [failure] = status["sources"]["scb"]["failures"]
    assert (failure["dataset"], failure["message"], failure["url"]) == (
        "population_lan_monthly", message, url)
    assert status["sources"]["scb"]["first_error"].startswith(
        "SCB, population_lan_monthly: serverfel (HTTP 503)")
    assert status["sources"]["kolada"]["failed"] == 0

    monkeypatch.setenv("WAREHOUSE_PATH", str(target))
    assert cli.main(["status"]) == 3  # a nightly job's alert
    out = capsys.readouterr().out
    assert f"FEL {failure['at'][:19].replace('T', ' ')} UTC SCB, population_lan_monthly: " \
           f"{message} – {url}" in out
    assert "SCB: tidigare hämtade data behålls för det som misslyckades." in out

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sida"] = "om_data"
    at.run()
    assert not at.exception
    assert any("1 dataset kunde inte hämtas" in w.value for w in at.warning)
    table = next(df.value for df in at.dataframe if "Orsak" in df.value.columns)
    # the public address the replayed request stands for, not the replay server's
    assert table.iloc[0]["Källa"] == "SCB"
    assert table.iloc[0]["Adress"] == public_url(url) == \
        "https://statistikdatabasen.scb.se/api/v2" + url.split("/scb/api/v2", 1)[1]
