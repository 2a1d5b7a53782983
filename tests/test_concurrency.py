"""Three simultaneous real browser sessions while the warehouse is rebuilt and swapped under
the running app (issue 12 point 6; the 8-session figures come from bench/bench_concurrency.py):
no errors, no failed request, and every view shows a number."""

from __future__ import annotations

import pytest

from bench.concurrency import run, start_app
from tests.browser_session import _require_chromium
from tests.conftest import copy_small

pytestmark = pytest.mark.browser


def test_three_sessions_keep_showing_data_while_the_warehouse_is_swapped(small_base, tmp_path):
    """On the small warehouse (four KPIs and all SCB; rebuilt in a second or two, so several
    swaps land while the sessions run)."""
    _require_chromium()
    raw, warehouse = copy_small(small_base, tmp_path / "small")
    log = tmp_path / "streamlit.log"
    proc, url = start_app(warehouse, tmp_path / "user.duckdb", log)
    try:
        out = run(url, raw, warehouse, sessions=3, views=1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert out.swap_errors == []
    assert out.swaps >= 1  # at least one new file was renamed in while the sessions ran
    assert out.errors == [], log.read_text()[-3000:]
    assert out.no_data == []
    assert len(out.times) >= 3


def test_sessions_opening_at_once_on_a_first_start_seed_the_suggestions_once(warehouse,
                                                                              tmp_path):
    """Found by the browser test above: every session seeds the suggested groups on a first
    start, and eight threads doing it at once hit DuckDB's write-write conflict or a duplicate
    key (a stack trace page for the users)."""
    import threading

    import yaml

    from tests.conftest import ROOT
    from warehouse import queries, usergroups

    kommun, path, errors = queries.kommuner(warehouse), tmp_path / "user.duckdb", []
    start = threading.Barrier(8)

    def session() -> None:
        try:
            start.wait()
            usergroups.seed_suggestions(kommun, path=path)
            usergroups.list_groups(path)
        except Exception as exc:  # noqa: BLE001 - collected and asserted
            errors.append(repr(exc))

    threads = [threading.Thread(target=session) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    suggested = yaml.safe_load((ROOT / "transforms/suggested_groups.yml").read_text("utf-8"))
    names = sorted(g.name for g in usergroups.list_groups(path))
    assert names == sorted(item["name"] for item in suggested)  # each exactly once
