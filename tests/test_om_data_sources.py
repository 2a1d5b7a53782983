"""walk26: Om data contradicted the pages that send users there. Unga and Arbetslöshet say
Arbetsförmedlingen's files are missing and "Varför står under Om data › Senaste
uppdateringen", where the refresh "gick igenom för alla källor": a mirror without AF is no
failed refresh (the refresh counts it as skipped), so nothing was said. And Om data said
Kolada's measure was "(visas här)" though SCB's BAS is shown too.

The status is the real one of the session's refresh from ../shared/data (``built``), whose
mirror has no Arbetsförmedlingen files and only some of SCB's tables."""

from __future__ import annotations

from types import SimpleNamespace

from tests.test_app import _app
from transforms.log_tables import format_time, source_outcomes
from warehouse.fetch import SOURCE_NAMES


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_om_data_names_each_source_that_delivered_nothing_and_why(app_env, built, shared,
                                                                  monkeypatch):
    status = built["result"].as_status()
    sources = status["sources"]
    assert sources["af"]["fetched"] == 0 and sources["af"]["failed"] == 0  # not in the mirror
    assert sources["scb"]["fetched"] > 0 and sources["scb"]["skipped"] > 0
    monkeypatch.setattr("ui.pages.om_data.read_status", lambda: status)
    at = _app(sida="om_data", kommun="0780").run()
    assert not at.exception
    text = _markdown(at) + " ".join(c.value for c in at.caption)
    assert "gick igenom för alla källor" not in text
    assert [i.value for i in at.info if i.value.startswith("Uppdateringen ")] == [
        (f"Uppdateringen {format_time(status['at'])} gick igenom utan fel, men inte alla "
        "källor fanns att hämta:")]
    assert (f"- Arbetsförmedlingen: inget hämtades, eftersom källan inte finns i spegeln "
            f"(`{shared}`). Det är inget fel i uppdateringen; en uppdatering från "
            "Arbetsförmedlingen själv (med nätverk) hämtar den.") in text
    scb = sources["scb"]
    assert (f"- SCB: {scb['fetched']} dataset hämtades; {scb['skipped']} dataset finns inte "
            f"i spegeln (`{shared}`).") in text
    assert "Kolada:" not in text  # Kolada delivered every dataset: nothing to say
    assert not at.warning  # nothing failed: no warning box


def test_a_failed_source_comes_first_and_a_complete_one_is_not_named():
    status = {"mirror": None, "sources": {  # hand-made: the refresh status' shape
        "kolada": {"fetched": 68, "failed": 0, "skipped": 0},
        "scb": {"fetched": 0, "failed": 2, "skipped": 1},
        "af": {"fetched": 1, "failed": 1, "skipped": 0}}}
    assert source_outcomes(status, SOURCE_NAMES) == [
        ("SCB: inget hämtades; 2 dataset kunde inte hämtas (se tabellen nedan) och 1 dataset "
        "finns inte i spegeln."),
        ("Arbetsförmedlingen: 1 dataset hämtades; 1 dataset kunde inte hämtas (se tabellen "
        "nedan).")]
    assert source_outcomes({"sources": {"kolada": {"fetched": 3}}}, SOURCE_NAMES) == []


def test_om_data_says_which_unemployment_measures_are_shown(app_env, built):
    """The session's warehouse has Kolada's N03920 and SCB's BAS, not AF's share."""
    import duckdb

    from ui.pages.om_data import unemployment_measures
    from warehouse import queries

    with duckdb.connect(str(built["warehouse"]), read_only=True) as con:
        inds = queries.indicators(con)
    first = {i.id: i.first_year for i in inds}
    assert first["N03920"] == 2010 and first["bas_arbetsloshet"] == 2020
    assert first["af_andel_inskrivna"] is None
    said = ("Här visas Koladas årsmedelvärde och SCB:s BAS-arbetslöshet; Arbetsförmedlingens "
            "andel inskrivna arbetslösa finns inte i databasen (varför står under Senaste "
            "uppdateringen nedan).")
    assert unemployment_measures(inds).endswith(said)
    assert "visas här)" not in unemployment_measures(inds)
    at = _app(sida="om_data", kommun="0780").run()
    assert not at.exception
    assert said in _markdown(at)


def test_all_three_measures_shown_is_said_so():
    from ui.pages.om_data import unemployment_measures

    inds = [SimpleNamespace(id=i, first_year=2020)  # hand-made catalogue rows
            for i in ("N03920", "af_andel_inskrivna", "bas_arbetsloshet")]
    assert unemployment_measures(inds).endswith("De går inte att jämföra rakt av. Alla tre "
                                                "visas här.")
