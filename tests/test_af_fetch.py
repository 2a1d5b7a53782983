"""Arbetsförmedlingen's fetcher: newest links from the page, verbatim downloads with sidecars,
no second download of a file already there, bad bodies retried and never committed, and the
month chosen only when every file has it. Pages and workbooks are hand-made."""

from __future__ import annotations

import json

import httpx
import pytest

from data_sources.arbetsformedlingen import (
    AfClient,
    choose_month,
    find_links,
)
from data_sources.http import FakeClock, FetchError
from data_sources.snapshot import complete_snapshots
from tests.af_workbooks import file_names, page_html, scenario, sok_workbook
from warehouse.fetch import FetchReport, fetch_af

PAGE_URL = "https://arbetsformedlingen.test/statistik/sok-statistik/tidigare-statistik-tidsserier"


def test_find_links_takes_the_newest_month_of_each_file():
    html = page_html([("18.1", "web-sok-lan-kom-2026-07.xlsx"),
                      ("18.2", "web-sok-lan-kom-2026-08.xlsx"),
                      ("18.3", "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx"),
                      ("18.4", "web-inskrivna-arbetslosa-andel-av-bas-2025-12.xlsx")])
    links = find_links(html, PAGE_URL)
    assert {d: link.month for d, link in links.items()} == {"andel-av-bas": "2026-08",
                                                            "sok-lan-kom": "2026-08"}
    assert links["sok-lan-kom"].url == ("https://arbetsformedlingen.test/download/18.2/"
                                        "1726573921834/web-sok-lan-kom-2026-08.xlsx")
    # the decoys on the page (yearly average, andel-av-reg, tid-utan-arbete) are not taken
    assert links["andel-av-bas"].file_name == "web-inskrivna-arbetslosa-andel-av-bas-2026-08.xlsx"


def test_a_percent_encoded_link_is_matched_by_its_file_name():
    html = '<a href="/download/18.9/1/web-sok-lan-kom-2026-08%2Exlsx">x</a>'
    assert find_links(html, PAGE_URL)["sok-lan-kom"].month == "2026-08"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Hand-made workbooks of 2026-08 (a few kommuner are enough for fetching)."""
    tmp = tmp_path_factory.mktemp("fetch")
    sc = scenario(("2026-08",), n_kommuner=12)
    andel, sok = file_names("2026-08")
    from tests.af_workbooks import andel_workbook

    return {andel: andel_workbook(tmp / andel, sc).read_bytes(),
            sok: sok_workbook(tmp / sok, sc).read_bytes()}


def _site(files: dict[str, bytes], *, broken: dict[str, bytes] | None = None,
          log: list | None = None):
    html = page_html([(f"18.{i}", name) for i, name in enumerate(files)])

    def handler(request: httpx.Request) -> httpx.Response:
        if log is not None:
            log.append(request.url.path)
        if request.url.path.endswith("tidigare-statistik-tidsserier"):
            return httpx.Response(200, text=html, headers={"Content-Type": "text/html"})
        name = request.url.path.rsplit("/", 1)[-1]
        if broken and name in broken:
            return httpx.Response(200, content=broken[name])
        if name in files:
            return httpx.Response(200, content=files[name])
        return httpx.Response(404, text="<html>Sidan kunde inte hittas</html>")

    return httpx.MockTransport(handler)


def test_downloads_are_verbatim_with_a_sidecar_and_the_month(tmp_path, workbooks):
    report = FetchReport()
    fetch_af(report, root=tmp_path, progress=lambda _: None, page_url=PAGE_URL,
             transport=_site(workbooks), clock=FakeClock())
    assert [(o.dataset, o.ok) for o in report.outcomes] == [("andel-av-bas", True),
                                                            ("sok-lan-kom", True)]
    for dataset, name in zip(("andel-av-bas", "sok-lan-kom"), file_names("2026-08"),
                             strict=True):
        [snap] = complete_snapshots(tmp_path, "af", dataset)
        assert snap.files[0].read_bytes() == workbooks[name]
        assert snap.files[0].suffix == ".xlsx"
        assert snap.manifest["af"]["file_name"] == name
        assert snap.manifest["af"]["month"] == "2026-08"
        [sidecar] = snap.sidecars()
        assert sidecar["url"].endswith(f"/{name}") and sidecar["status"] == 200


def test_a_file_name_already_in_the_raw_layer_is_not_fetched_again(tmp_path, workbooks):
    fetch_af(FetchReport(), root=tmp_path, progress=lambda _: None, page_url=PAGE_URL,
             transport=_site(workbooks), clock=FakeClock())
    log: list[str] = []
    report = FetchReport()
    fetch_af(report, root=tmp_path, progress=lambda _: None, page_url=PAGE_URL,
             transport=_site(workbooks, log=log), clock=FakeClock())
    assert len(log) == 1 and log[0].endswith("tidigare-statistik-tidsserier")
    assert [o.message for o in report.outcomes] == [
        f"finns redan: {name}" for name in file_names("2026-08")]
    assert len(complete_snapshots(tmp_path, "af", "sok-lan-kom")) == 1


@pytest.mark.parametrize(("body", "reason"), [
    (b"<!DOCTYPE html><html><body>Tekniskt fel</body></html>", "HTML-sida"),
    ("cut", "trasig eller avkortad"),
])
def test_an_error_page_or_a_cut_file_is_retried_then_never_committed(tmp_path, workbooks, body,
                                                                     reason):
    sok = file_names("2026-08")[1]
    bad = workbooks[sok][: len(workbooks[sok]) // 2] if body == "cut" else body
    clock = FakeClock()
    report = FetchReport()
    fetch_af(report, root=tmp_path, progress=lambda _: None, page_url=PAGE_URL,
             transport=_site(workbooks, broken={sok: bad}), clock=clock)
    failed = [o for o in report.outcomes if not o.ok]
    assert [o.dataset for o in failed] == ["sok-lan-kom"]
    assert reason in failed[0].message and sok in failed[0].message
    assert len(clock.slept) == 3  # four attempts, no real waiting
    assert complete_snapshots(tmp_path, "af", "sok-lan-kom") == []
    assert len(complete_snapshots(tmp_path, "af", "andel-av-bas")) == 1
    assert not list(tmp_path.glob("af/sok-lan-kom/*/*.xlsx"))  # a bad body is never kept


def test_a_page_without_a_files_link_says_which(workbooks):
    andel, _ = file_names("2026-08")
    client = AfClient(PAGE_URL, transport=_site({andel: workbooks[andel]}), clock=FakeClock())
    with pytest.raises(FetchError, match="sidan saknar länk till web-sok-lan-kom-ÅÅÅÅ-MM.xlsx"):
        client.links()


def _fake_snapshot(root, dataset, name, month):
    folder = root / "af" / dataset / f"2026{month.replace('-', '')}T000000000000Z"
    folder.mkdir(parents=True)
    (folder / "response-0001.xlsx").write_bytes(b"PK")
    (folder / "manifest.json").write_text(json.dumps({
        "source": "af", "dataset": dataset, "completed_at": "2026-09-25T00:00:00+00:00",
        "files": [{"file": "response-0001.xlsx", "sidecar": "x"}],
        "af": {"file_name": name, "month": month}}))


def test_a_month_is_imported_only_when_every_file_has_it(tmp_path):
    for month in ("2026-07", "2026-08"):
        andel, sok = file_names(month)
        _fake_snapshot(tmp_path, "andel-av-bas", andel, month)
        _fake_snapshot(tmp_path, "sok-lan-kom", sok, month)
    _fake_snapshot(tmp_path, "andel-av-bas", file_names("2026-09")[0], "2026-09")
    choice = choose_month(tmp_path)
    assert choice.month == "2026-08" and choice.older == ["2026-07"]
    assert choice.waiting_message() == (
        "2026-09: web-inskrivna-arbetslosa-andel-av-bas-2026-09.xlsx har kommit, väntar på "
        "web-sok-lan-kom-2026-09.xlsx; 2026-08 används tills vidare")
    _fake_snapshot(tmp_path, "sok-lan-kom", file_names("2026-09")[1], "2026-09")
    choice = choose_month(tmp_path)
    assert choice.month == "2026-09" and choice.waiting_message() is None
