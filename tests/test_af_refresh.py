"""A refresh through the replay's af/ folder, end to end into the warehouse.

The mirror is a temporary folder: kolada_v3, scb_v2 and regions link to ../shared/data (real
data), and af/ holds a hand-made copy of Arbetsförmedlingen's page and hand-made workbooks in
the documented layout (built here, never committed)."""

from __future__ import annotations

import shutil
from datetime import date

import httpx
import pytest

from data_sources.http import FakeClock
from replay.server import ReplayServer
from tests.af_workbooks import PAGE, af_mirror, file_names, mirror_with_shared
from tests.cards_shown import cards
from tests.conftest import copy_refreshed
from warehouse.db import connect
from warehouse.refresh import refresh

KPIS = ["N01951"]


@pytest.fixture(scope="module")
def books(af_august):
    """Hand-made workbooks (made once per run: tests/conftest.py ``af_august``): 2026-08
    (check-figure shaped), 2026-09, and a 2026-09 whose andel-av-bas renamed a field."""
    return {**af_august["books"], "sc": af_august["sc"], "later": af_august["later"]}


def _mirror(tmp_path, books, names, *, renamed: bool = False):
    mirror = mirror_with_shared(tmp_path / "mirror")
    if (mirror / "af").exists():
        shutil.rmtree(mirror / "af")
    files = {n: books[n] for n in names}
    if renamed:
        files[file_names("2026-09")[0]] = books["renamed"]
    af_mirror(mirror, files)
    return mirror


@pytest.fixture(scope="module")
def august(af_august):
    """ONE refresh of the 2026-08 files from an empty raw layer (the first step of six tests,
    made once per run for this file and tests/test_af_monthly.py: conftest ``af_august``):
    its folder (``raw/``, ``warehouse.duckdb``, status) and its result. Tests that only read
    use it as it is; a test that refreshes again copies it first (``_august_copy``), so each
    still starts from exactly the state its own first refresh used to make."""
    return {"dir": af_august["dir"], "result": af_august["result"]}


def _august_copy(august, tmp_path):
    """A private copy of the August folder (raw layer, warehouse, status) to refresh on."""
    return copy_refreshed(august["dir"], tmp_path / "from-august")


def _refresh(mirror, tmp_path):
    result = refresh(mirror, raw=tmp_path / "raw", target=tmp_path / "warehouse.duckdb",
                     kpis=KPIS, progress=lambda _: None, clock=FakeClock())
    assert result.built, result.build_message
    return result


def _query(tmp_path, sql, params=()):
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_the_replay_serves_the_page_and_its_files(tmp_path, books):
    name = file_names("2026-08")[1]
    mirror = _mirror(tmp_path, books, [name])
    with ReplayServer(mirror) as server:
        page_url = server.env()["AF_STATISTICS_URL"]
        assert page_url == f"{server.url}/af/{PAGE}"
        page = httpx.get(page_url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        href = next(h for h in page.text.split('"') if h.endswith(name))
        assert href.startswith("/download/18.")  # root-relative, as on the real page
        body = httpx.get(server.url + href)
        assert body.content == books[name].read_bytes()
        assert httpx.get(f"{server.url}/af{href}").content == body.content
        missing = httpx.get(f"{server.url}/download/18.0/0/web-sok-lan-kom-1999-01.xlsx")
        assert missing.status_code == 404 and b"Sidan kunde inte hittas" in missing.content


def test_a_refresh_through_the_af_folder_reaches_the_warehouse(august, books):
    tmp_path, result = august["dir"], august["result"]  # read only
    af = result.report.sources()["af"]
    assert (af["fetched"], af["failed"], af["skipped"], af["failures"]) == (2, 0, 0, [])
    assert result.summary["af"]["month"] == "2026-08"
    kommuner = _query(tmp_path, """select sum(inskrivna_count), sum(labour_force_count)
        from marts.af_kommun_monthly where group_code = 'TOT' and period = ?""",
                      [date(2026, 8, 1)])
    unknown = _query(tmp_path, """select sum(inskrivna_count) from marts.af_unallocated_monthly
        where group_code = 'TOT' and period = ?""", [date(2026, 8, 1)])
    assert kommuner[0][0] + unknown[0][0] == 349_398  # Riket: see test_af_monthly.py
    assert kommuner[0][1] == pytest.approx(5_354_201.08)
    sc = books["sc"]
    vaxjo = _query(tmp_path, """select inskrivna_count, labour_force_count, inskrivna_share,
        age_band from marts.af_kommun_monthly where kommun_code = '0780' and group_code = 'UNG'
        and period = ?""", [date(2026, 8, 1)])
    count, ak, share, band = vaxjo[0]
    assert count == sc.sok("2026-08", "0780", "UNG") and ak == sc.ak[("2026-08", "0780", "UNG")]
    assert share == pytest.approx(100 * count / ak) and band == "18–24"
    log = [m for (m,) in _query(tmp_path, "select message from marts.refresh_log "
                                "where source = 'af' and dataset = 'import'")]
    assert "Uppgift saknas i 2026-08: 1 000 inskrivna med okänd kommun i känt län och 119 med " \
           "okänt län" in log[1]
    urls = [u for (u,) in _query(tmp_path, "select url from marts.provenance where source='af'")]
    assert sorted(u.rsplit("/", 1)[-1] for u in urls) == sorted(file_names("2026-08"))
    assert all("/download/18." in u for u in urls)


def test_a_month_waits_for_all_its_files_then_replaces_the_last(af_september, books):
    """The August folder refreshed with 2026-09's andel-av-bas beside 2026-08's
    web-sok-lan-kom, then with both 2026-09 files (conftest ``af_september``, made once per
    run: tests/test_af_monthly.py reads its revisions)."""
    sep_andel, sep_sok = file_names("2026-09")
    tmp_path = af_september["dir"]  # read only
    # andel-av-bas for 2026-09 is out; web-sok-lan-kom still shows 2026-08
    result = af_september["waiting"]
    assert result.summary["af"]["month"] == "2026-08"
    messages = result.summary["af"]["messages"]
    assert messages[0] == (f"väntar: 2026-09: {sep_andel} har kommit, väntar på {sep_sok}; "
                           "2026-08 används tills vidare")
    assert "finns redan: web-sok-lan-kom-2026-08.xlsx" in [o.message
                                                           for o in result.report.outcomes]
    # the rest of 2026-09 arrives: the new month replaces the old one, nothing is appended
    result = af_september["complete"]
    assert result.summary["af"]["month"] == "2026-09"
    files = _query(tmp_path, "select distinct table_id from marts.af_kommun_monthly")
    assert files == [(sep_andel,)]
    periods = _query(tmp_path, "select min(period), max(period) from marts.af_kommun_monthly")
    assert periods == [(date(2026, 8, 1), date(2026, 9, 1))]
    later = books["later"]
    aug = _query(tmp_path, """select inskrivna_count from marts.af_kommun_monthly
        where kommun_code = '0780' and group_code = 'TOT' and period = ?""", [date(2026, 8, 1)])
    assert aug == [(later.sok("2026-08", "0780", "TOT"),)]  # 2026-08 as the new file says


def test_a_layout_change_keeps_the_previous_month_and_says_where(tmp_path, books, august):
    tmp_path = _august_copy(august, tmp_path)  # refreshed from the 2026-08 files
    before = _query(tmp_path, "select count(*), max(period) from marts.af_kommun_monthly")
    result = _refresh(_mirror(tmp_path, books, [file_names("2026-09")[1]], renamed=True),
                      tmp_path)
    assert result.summary["af"]["month"] == "2026-08"
    assert result.summary["af"]["status"] == "äldre månad"
    assert _query(tmp_path, "select count(*), max(period) from marts.af_kommun_monthly") == before
    failed = _query(tmp_path, "select message from marts.refresh_log where source = 'af' "
                    "and not ok order by message")
    assert failed[0][0] == "2026-09 kunde inte läsas; 2026-08 (tidigare data) används"
    assert failed[1][0].startswith(
        "2026-09 publiceras inte: web-inskrivna-arbetslosa-andel-av-bas-2026-09.xlsx, pivotcache "
        "xl/pivotCache/pivotCacheDefinition1.xml: fältet TOTAK saknas")


def test_a_mirror_without_af_says_so_and_builds_without_it(built, warehouse):
    report = built["result"].report
    af = report.sources()["af"]
    assert (af["fetched"], af["failed"], af["skipped"], af["failures"]) == (0, 0, 1, [])
    [outcome] = [o for o in report.outcomes if o.source == "af"]
    assert outcome.message == "ej i spegeln: af/ finns inte i spegeln"
    tables = warehouse.execute("select table_name from duckdb_tables() "
                               "where table_name like 'af_%'").fetchall()
    assert tables == []


def test_the_cli_prints_the_af_lines(built, capsys, monkeypatch, tmp_path, august):
    from warehouse import cli
    from warehouse import refresh as refresh_module

    monkeypatch.setattr(refresh_module, "refresh", lambda *a, **k: built["result"])
    assert cli.main(["refresh", "--mirror", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Arbetsförmedlingen: 0 hämtade, 0 misslyckades, 1 finns inte i spegeln" in out

    monkeypatch.setattr(refresh_module, "refresh", lambda *a, **k: august["result"])
    cli.main(["refresh", "--mirror", str(august["dir"] / "mirror")])
    out = capsys.readouterr().out
    assert "Arbetsförmedlingen: 2 hämtade, 0 misslyckades" in out
    assert "Arbetsförmedlingen: importerade 2026-08: 290 kommuner, 4 månader (2021-12-01 – 2026-08-01); ålder " \
           "16–64 enligt filens rubrik, unga 18–24, äldre 55–64" in out


def test_with_no_readable_month_left_the_last_warehouses_af_tables_stay(tmp_path, books,
                                                                        august):
    tmp_path = _august_copy(august, tmp_path)  # refreshed from the 2026-08 files
    before = _query(tmp_path, "select count(*), sum(inskrivna_count) from marts.af_kommun_monthly")
    for folder in (tmp_path / "raw" / "af").glob("*/*"):  # as if the raw layer had moved on
        shutil.rmtree(folder)
    result = _refresh(_mirror(tmp_path, books, [file_names("2026-09")[1]], renamed=True),
                      tmp_path)
    assert result.summary["af"]["status"] == "misslyckades"
    assert _query(tmp_path, "select count(*), sum(inskrivna_count) "
                  "from marts.af_kommun_monthly") == before
    assert _query(tmp_path, "select count(*) from marts.af_unallocated_monthly")[0][0] > 0
    kept = _query(tmp_path, "select message from marts.refresh_log where source = 'af' "
                  "and message like 'förra databasens%'")
    expected = ("förra databasens tabeller från Arbetsförmedlingen behålls "
                "(web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx)")
    assert kept == [(expected,)]


def test_an_unexpected_error_in_the_af_part_fails_only_af(tmp_path, books, monkeypatch):
    from transforms import af

    def broken(*args, **kwargs):
        raise KeyError("group_code")

    monkeypatch.setattr(af, "check_overlap", broken)
    result = _refresh(_mirror(tmp_path, books, file_names("2026-08")), tmp_path)
    assert result.built and result.summary["kommuner"] == 290  # Kolada and SCB as ever
    assert result.summary["af"]["status"] == "misslyckades"
    assert "2026-08 publiceras inte: oväntat fel vid läsningen" in \
        result.summary["af"]["messages"][0]
    assert _query(tmp_path, "select count(*) from duckdb_tables() "
                  "where table_name = 'af_kommun_monthly'") == [(0,)]


def test_the_arbetsloshet_page_shows_afs_share_beside_the_others(tmp_path, august,
                                                                  monkeypatch):
    """Issue 8 point 7 in the dashboard, on hand-made AF workbooks refreshed through the
    replay: Växjö's Arbetslöshet page names AF's share for 2026-08 at its decimals."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from transforms.formatting import format_number

    [(share,)] = _query(august["dir"], """select inskrivna_share from marts.af_kommun_monthly
        where kommun_code = '0780' and group_code = 'TOT' and sex = 'T' and period = ?""",
                        [date(2026, 8, 1)])
    monkeypatch.setenv("WAREHOUSE_PATH", str(august["dir"] / "warehouse.duckdb"))  # read only
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"sida": "arbetsloshet", "kommun": "0780"})
    at.run()
    assert not at.exception
    # every text a user reads, notices and the cards' notes and info boxes included (a missing
    # indicator is said in an info box or a card's info)
    shown = " ".join([*(str(e.value) for e in [*at.markdown, *at.caption, *at.info]),
                      *(f"{c.label} {c.value} {c.delta} {c.info or ''} {' '.join(c.notes)}"
                        for c in cards(at)),
                      *(df.value.to_string() for df in [*at.dataframe, *at.table])])
    assert "finns inte i databasen" not in shown
    assert format_number(share, 1) in shown, shown[:3000]
