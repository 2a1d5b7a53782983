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
    bars = _figure(at, f"{LABEL}: kommunerna i Stockholms län, 2022")
    assert bars["layout"]["title"]["text"].startswith(
        f"{LABEL}: kommunerna i Stockholms län, 2022, {word}")
    stockholm = {k: v for k, v in _kolada(shared, "N03920", 2022, sex).items()
                 if k.startswith("01")}
    assert len(stockholm) == 26
    names, values = _decode(bars["data"][0]["y"]), _decode(bars["data"][0]["x"])
    members = sorted(round(v, 3) for n, v in zip(names, values, strict=True)
                     if n != "Stockholms län (området)")
    assert members == sorted(round(v, 3) for v in stockholm.values())
