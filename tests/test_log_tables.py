"""walk25: the two logs the app shows read in Swedish. Egna grupper's Ändringslogg showed
pandas' "None" under "Namn före" on every row but a rename, and Om data's Uppdateringslogg
"None" under "Spegel", raw ISO times ("2026-12-02T06:39:15+00:00") and a bare checkbox for
OK. Both pages are run on the small warehouse refreshed from ../shared/data."""

from __future__ import annotations

import json
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.test_app import _app
from transforms.groups import GroupSpec
from transforms.public_url import public_url
from warehouse import usergroups

ROOT = Path(__file__).resolve().parents[1]
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")


def _swedish(moment: datetime | str) -> str:
    """share25: a logged moment as the app writes it, "2 december 2026 kl. 07:56", in
    Swedish time (hand-written here, not the app's formatter)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    t = moment.astimezone(ZoneInfo("Europe/Stockholm"))
    return f"{t.day} {MONTHS[t.month - 1]} {t.year} kl. {t.hour:02d}:{t.minute:02d}"


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _no_none(table) -> None:
    cells = [v for row in table.itertuples(index=False) for v in row]
    assert not [v for v in cells if v is None or str(v) in ("None", "nan", "NaT", "<NA>")]


@pytest.fixture
def user_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "user.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(path))
    monkeypatch.chdir(ROOT)
    return path


def test_the_group_change_log_has_no_none_and_minute_times(small_app_warehouse, user_db):
    group = usergroups.save(GroupSpec("Norrort", ("0160", "0162", "0115", "0117")),
                            path=user_db)
    usergroups.save(GroupSpec("Samordningsförbundet Norrort", ("0160", "0162", "0115", "0117")),
                    group_id=group.group_id, path=user_db)
    usergroups.delete(group.group_id, path=user_db)
    at = _app(sida="grupper").run()
    assert not at.exception
    # share25: a static table (st.dataframe cut "Namn före" off at 1280 px), times as the
    # app writes them
    [log] = [t.value for t in at.table if "Namn före" in t.value.columns]
    assert not [d for d in at.dataframe if "Namn före" in d.value.columns]
    log = log.reset_index()
    _no_none(log)
    ours = log[log["Grupp"] == "Samordningsförbundet Norrort"]
    assert ours["Ändring"].tolist() == ["borttagen", "ändrad"]  # newest first
    assert ours["Namn före"].tolist() == ["", "Norrort"]
    assert ours["Antal kommuner"].tolist() == [4, 4]
    stored = usergroups.history(100, path=user_db)
    assert log["Tid"].tolist() == [_swedish(t) for t in stored["at"]]
    assert all(re.fullmatch(r"\d{1,2} [a-z]+ 20\d\d kl\. \d\d:\d\d", t) for t in log["Tid"])


def test_a_deleted_group_says_when_as_the_app_writes_dates(small_app_warehouse, user_db):
    """walk25: Borttagna grupper said "borttagen 2026-12-02 06:56 UTC"."""
    group = usergroups.save(GroupSpec("Norrort", ("0160", "0162")), path=user_db)
    usergroups.delete(group.group_id, path=user_db)
    [trashed] = usergroups.deleted_groups(path=user_db)
    at = _app(sida="grupper").run()
    assert not at.exception
    [line] = [m.value for m in at.markdown if m.value.startswith("**Norrort**")]
    assert line == f"**Norrort** (2 kommuner), borttagen {_swedish(trashed.deleted_at)}"
    assert "UTC" not in line


def test_the_refresh_log_has_no_none_and_says_yes_or_no(small_app_warehouse, user_db):
    with duckdb.connect(str(small_app_warehouse), read_only=True) as con:
        rows = con.execute("select run_at, source, dataset, ok, message, mirror, url "
                           "from marts.refresh_log").fetchall()
    assert any(r[6] is None for r in rows)  # a refresh from the mirror: no address
    assert {r[3] for r in rows} == {True, False}  # the mirror lacks some SCB tables
    at = _app(sida="om_data").run()
    assert not at.exception
    log = _table(at, "Utfall")
    _no_none(log)
    assert len(log) == len(rows)
    shown = set(zip(log["Källa"], log["Dataset"], log["Gick igenom"], log["Utfall"],
                    log["Spegel"], log["Adress"], log["Tid"], strict=True))
    assert shown == {(source, dataset, "ja" if ok else "nej", message, mirror or "",
                      public_url(url) or "", _swedish(run_at))
                     for run_at, source, dataset, ok, message, mirror, url in rows}


def test_the_fetched_datasets_name_the_kpi_as_the_charts_do(small_app_warehouse, user_db):
    """Om data's Hämtade dataset listed Kolada's KPIs by internal table ("data__N03920");
    a reader matching a chart's "Kolada (N03920)" now finds "N03920 <its name>"."""
    with duckdb.connect(str(small_app_warehouse), read_only=True) as con:
        fetched = con.execute("select source, dataset from marts.provenance").fetchall()
    kpis = sorted(d.removeprefix("data__") for s, d in fetched if d.startswith("data__"))
    assert kpis == ["N01951", "N01954", "N01955", "N03920"]
    at = _app(sida="om_data").run()
    assert not at.exception
    prov = next(d.value for d in at.dataframe if "Hämtad" in d.value.columns)
    assert len(prov) == len(fetched)
    shown = prov["Dataset"].tolist()
    assert not [d for d in shown if d.startswith("data__")]
    assert "N03920 Arbetslöshet 18–64 år (18–65 från 2023)" in shown
    assert "N01951 Invånare totalt" in shown
    assert {d for s, d in fetched if not d.startswith("data__")} <= set(shown)


def test_format_time_is_total():
    """Review of share25: a status file's '"at": "okänd"' raised DateParseError through Om
    data's "Uppdateringen …" line (an error box instead of the page). Anything that is not a
    moment now reads "okänd tid"; a missing one stays empty; nanoseconds pass without
    pandas' "Discarding nonzero nanoseconds" warning."""
    from transforms.log_tables import format_time

    for bad in ("okänd", "2026-13-45", 12, 3.5, ["2026-12-02"], "9999-12-31T23:59:00"):
        assert format_time(bad) == "okänd tid", bad
    assert format_time(None) == "" and format_time(float("nan")) == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moment = "2026-12-02T06:38:55.123456789Z"
        assert format_time(moment) == _swedish("2026-12-02T06:38:55+00:00") \
            == "2 december 2026 kl. 07:38"


def test_om_data_reads_a_status_with_a_bad_time_and_names_the_failed_kpi(
        small_app_warehouse, user_db):
    """The last refresh's failed datasets (warehouse.refresh.failure_rows) as the rest of Om
    data writes them: the time in Swedish under "Tid" (not "Tid (UTC) 2026-12-02 06:38:55"
    under a Swedish "Uppdateringen 2 december 2026 kl. 07:39"), Kolada's KPI as "N03920
    <its name>" (not "data__N03920"); a status whose own time is unreadable still shows."""
    from config import refresh_status_path

    failed_at = "2026-12-02T06:38:55.5+00:00"
    status = {"at": "okänd", "sources": {"kolada": {"failures": [
        {"dataset": "data__N03920", "at": failed_at, "message": "HTTP 503",
         "url": "https://api.kolada.se/v3/data/kpi/N03920"}]}}}
    refresh_status_path(small_app_warehouse).write_text(json.dumps(status), "utf-8")
    at = _app(sida="om_data").run()
    assert not at.exception
    [warning] = [w.value for w in at.warning if w.value.startswith("Uppdateringen")]
    assert warning.startswith("Uppdateringen okänd tid: 1 dataset kunde inte hämtas.")
    table = _table(at, "Orsak")
    assert list(table.columns) == ["Källa", "Dataset", "Tid", "Orsak", "Adress"]
    [row] = table.to_dict("records")
    assert row["Dataset"] == "N03920 Arbetslöshet 18–64 år (18–65 från 2023)"
    assert row["Tid"] == _swedish("2026-12-02T06:38:55+00:00") == "2 december 2026 kl. 07:38"
    assert row["Orsak"] == "HTTP 503"
