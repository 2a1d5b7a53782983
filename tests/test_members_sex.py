"""walk25: the bars of "Kommunerna i …" said neither sex nor "totalt": with Kön: Kvinnor the
bars were women's values under the title "Arbetslöshet …: kommunerna i Stockholms län, 2022",
and that title is what the PNG/SVG/PDF of the chart carries. The title now says the sex as the
line charts do. Values from the recorded Kolada response in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app import _app, _decode, _figure, _kolada

ROOT = Path(__file__).resolve().parents[1]
LABEL = "Arbetslöshet 18–64 år (18–65 från 2023)"


@pytest.mark.parametrize(("kon", "sex", "word"), [("K", "K", "kvinnor"), (None, "T", "totalt")])
def test_the_kommun_bars_say_the_sex_they_show(small_app_warehouse, tmp_path, monkeypatch,
                                               shared, kon, sex, word):
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "user.duckdb"))
    monkeypatch.chdir(ROOT)
    params = {"sida": "arbetsloshet", "omrade": "lan:01", "flik": "ar"}
    at = _app(**params, **({"kon": kon} if kon else {})).run()
    assert not at.exception
    bars = _figure(at, f"{LABEL}<br><sup>Kommunerna i Stockholms län, 2022")
    assert bars["layout"]["title"]["text"] == (
        f"{LABEL}<br><sup>Kommunerna i Stockholms län, 2022, {word}</sup>")
    stockholm = {k: v for k, v in _kolada(shared, "N03920", 2022, sex).items()
                 if k.startswith("01")}
    assert len(stockholm) == 26
    names, values = _decode(bars["data"][0]["y"]), _decode(bars["data"][0]["x"])
    members = sorted(round(v, 3) for n, v in zip(names, values, strict=True)
                     if n != "Stockholms län (området)")
    assert members == sorted(round(v, 3) for v in stockholm.values())


MEMBERS_1280 = 786  # px: the member bars' figure on Nyanlända at 1280×800 (measured, rev25b)


def test_the_member_bars_title_fits_its_figure_at_1280_and_says_the_sum_apart(app_env, shared,
                                                                             warehouse):
    """rev25b: "Lämnat etableringsuppdraget … (90 dagar): kommunerna i Kronobergs län, 2022,
    kvinnor" was one 861 px line in a 786 px figure, cut; a count's sum read "Kronobergs län
    totalt: 193" right after "…, totalt". The indicator is the title, the kommuner, year and
    sex the subtitle (as the deck's slide), the sum "sammanlagt" on the subtitle's line."""
    from charts import text_width
    from tests.test_app import _figures

    at = _app(sida="nyanlanda", kommun="0780", omrade="lan:07", kon="K").run()
    assert not at.exception
    members = [f for f in _figures(at)
               if "<sup>Kommunerna i Kronobergs län, 2022, kvinnor" in f["layout"]["title"]["text"]]
    assert len(members) >= 3, [f["layout"]["title"]["text"] for f in _figures(at)]
    longest = max(members, key=lambda f: len(f["layout"]["title"]["text"].split("<br>")[0]))
    assert longest["layout"]["title"]["text"].startswith("Lämnat etableringsuppdraget")
    for fig in members:
        title = fig["layout"]["title"]["text"]
        head, sub = title.split("<br><sup>")
        assert "kommunerna i" not in head
        room = MEMBERS_1280 - fig["layout"]["title"]["pad"]["l"] - fig["layout"]["margin"]["r"]
        assert text_width(head, 16) <= room, head
        assert text_width(sub.removesuffix("</sup>"), 0.7 * 16) <= room, sub
    # a count: the sum of the members' women in 2022, 'sammanlagt', not a second 'totalt'
    count = next(f["layout"]["title"]["text"] for f in members
                 if f["layout"]["title"]["text"].startswith("Lämnat etableringsuppdraget, antal"))
    women = {k: v for k, v in _kolada(shared, "N00964", 2022, "K").items() if k.startswith("07")}
    total = f"{sum(women.values()):,.0f}".replace(",", "\u00a0")
    (n_lan,) = warehouse.execute("select count(*) from marts.kommun where lan_code = '07'"
                                 ).fetchone()
    assert len(women) < n_lan  # 5 of 8 report women leaving in 2022 in the mirror
    assert count.endswith(f"kvinnor. Kronobergs län sammanlagt: minst {total} "
                          f"(bygger på {len(women)} av {n_lan} kommuner)</sup>"), count
    assert count.count("totalt") == 0
