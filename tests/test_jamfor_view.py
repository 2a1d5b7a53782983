"""walk25, Jämför as a new user meets it. (1) Jämför draws Riket as a reference line under the
compared areas, but its CSV and Excel held only the compared areas: a reader checking the
chart's Riket line against the download found no Riket rows. Every line drawn is now in the
download, at the values drawn. (2) The heading named the Kommun picker's kommun even when a link
compared other areas. Run on the small warehouse refreshed from ../shared/data (N03920,
Stockholms län)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from exports.tables import csv_bytes
from tests.offered import offered_tables
from tests.test_app import _app, _decode, _figures, _kolada

ROOT = Path(__file__).resolve().parents[1]


def test_jamfor_downloads_every_line_it_draws_riket_too(small_app_warehouse, tmp_path,
                                                        monkeypatch, shared):

    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    offered = offered_tables(monkeypatch)
    at = _app(sida="jamfor", kommun="0160", jamfor="lan:01,kommun:0160,kommun:0162",
              kon="K").run()
    assert not at.exception
    [fig] = [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet 18–64 år (18–65 från 2023)")]
    drawn = {t["name"]: dict(zip(_decode(t["x"]), _decode(t["y"]), strict=True))
             for t in fig["data"] if t.get("name") and t.get("mode") != "markers"}
    assert "Riket" in drawn and {"Stockholms län", "Täby", "Danderyd"} <= set(drawn)
    rows = list(csv.DictReader(io.StringIO(csv_bytes(offered["dl-jamfor"]).decode("utf-8-sig")),
                               delimiter=";"))
    assert {r["område"] for r in rows} == set(drawn)
    riket = {int(r["år"]): r["värde"] for r in rows if r["område"] == "Riket"}
    assert riket == {int(x): f"{y:.1f}".replace(".", ",") for x, y in drawn["Riket"].items()
                     if y is not None}
    taby = {int(r["år"]): r["värde"] for r in rows if r["område"] == "Täby"}
    assert taby[2022] == f"{_kolada(shared, 'N03920', 2022, 'K')['0160']:.1f}".replace(".", ",")


@pytest.mark.parametrize(("compare", "title"), [
    ("lan:01,kommun:0162", "Jämför"),  # Täby chosen above, not compared
    ("kommun:0160,lan:01", "Jämför – Täby"),
    (None, "Jämför – Täby")])  # the default: Täby, its län, Riket
def test_jamfor_names_the_chosen_kommun_only_when_it_is_compared(
        small_app_warehouse, tmp_path, monkeypatch, compare, title):
    """walk25: a link comparing a group, a län and Täby was headed "Jämför – Ale"."""
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    at = _app(sida="jamfor", kommun="0160", **({"jamfor": compare} if compare else {})).run()
    assert not at.exception
    assert [t.value for t in at.title] == [title]
    drawn = [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet 18–64 år (18–65 från 2023)")]
    assert ("Täby" in drawn[0]["layout"]["title"]["text"]) == (title != "Jämför")


def test_jamfor_s_download_names_the_areas_its_chart_names(app_env, monkeypatch):
    """rev25b: the download's title (the Excel file's "Område") was built from every chosen
    area and Riket's reference line, so it named Riket and an area without a line while the
    chart's subtitle and the file name named only the areas drawn."""
    from ui.pages import jamfor

    offered = {}
    real = jamfor.chart_downloads

    def keep(fig, *parts, key, table=None, **kw):
        offered[key] = (parts, table)
        return real(fig, *parts, key=key, table=table, **kw)

    monkeypatch.setattr(jamfor, "chart_downloads", keep)
    # those who left the etableringsuppdrag, 2021–2022: Mörbylånga reports none then
    at = _app(sida="jamfor", kommun="0780", indikator="N00964", fran="2021", till="2022",
              jamfor="kommun:0780,kommun:0840,kommun:0180").run()
    assert not at.exception
    [fig] = [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Lämnat etableringsuppdraget")]
    drawn = [t["name"] for t in fig["data"] if t.get("name") and t.get("mode") != "markers"]
    assert "Mörbylånga" not in drawn, drawn
    assert {"Växjö", "Stockholm", "Riket"} <= set(drawn), drawn
    subtitle = fig["layout"]["title"]["text"].split("<sup>")[1].split(", 20")[0]
    assert subtitle == "Växjö, Stockholm"
    parts, table = offered["dl-jamfor"]
    assert parts[0] == f"Jämförelse, {subtitle}"
    assert (table.area_name, table.area_id) == (subtitle, "kommun:0780,kommun:0180")
    # Riket's rows and its kommuner are still in the file: its line is drawn
    assert [name for name, _, whole in table.member_lists] == ["Riket"]
