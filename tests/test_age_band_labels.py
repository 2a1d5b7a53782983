"""The age band an indicator's label names is true for the years the mirror holds.

Kolada's KPI metadata (../shared/data/kolada_v3/kpi) says when a KPI's age band changed with
the pension age ("Till och med 2022 avsåg nyckeltalet åldersgruppen 18-64 år"); the title
names today's band (18-65). The label (transforms/indicators.yml) must name the band of the
years shown and the later band with the year it starts, and the chart marks the break
(new-user walkthrough 23, defect 2).
"""

from __future__ import annotations

import json
import re

import pytest

from transforms.catalogue import load_catalogue

_UNTIL = re.compile(r"Till och med (\d{4}) avsåg nyckeltalet åldersgruppen (\d+)-(\d+) år")
_BAND = re.compile(r"(\d+)[-–](\d+) år")


def _changed_bands(shared) -> dict[str, tuple[int, str, str]]:
    """KPI id -> (last year of the old band, old band, new band), e.g.
    ('N03920': (2022, '18–64', '18–65')), for every catalogued KPI whose metadata says so."""
    catalogue = load_catalogue()["indicators"]
    out = {}
    for path in sorted((shared / "kolada_v3/kpi").glob("*.json")):
        kpi = json.loads(path.read_bytes())["values"][0]
        found = _UNTIL.search(kpi.get("description") or "")
        if found and kpi["id"] in catalogue:
            new = _BAND.search(kpi["title"])
            out[kpi["id"]] = (int(found[1]), f"{found[2]}–{found[3]}", f"{new[1]}–{new[2]}")
    return out


def test_the_mirror_names_the_band_changes_of_both_unemployment_kpis(shared):
    assert _changed_bands(shared) == {"N03920": (2022, "18–64", "18–65"),
                                      "N03926": (2022, "25–64", "25–65")}


@pytest.mark.parametrize("kpi", ["N03920", "N03926"])
def test_the_label_names_the_band_of_the_years_held_and_the_later_band(shared, kpi):
    last_old, old, new = _changed_bands(shared)[kpi]
    spec = load_catalogue()["indicators"][kpi]
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    years = sorted({e["period"] for e in body["values"]})
    label = spec["label"]
    assert years[-1] <= last_old  # every year the mirror holds is of the old band
    for text in (label, spec["measure"]["name"]):
        assert re.findall(r"\d+–\d+", text)[0] == old, text  # the band of those years first
        assert f"{new} från {last_old + 1}" in text, text  # the later band, and from when
    assert [b["year"] for b in spec["breaks"]] == [last_old + 1]  # the break is marked


# --- SCB BAS: the age option names only the bands the data hold (walkthrough 23, defect 3) --

def _bas_age_codes(shared) -> set[str]:
    """The age bands of the mirror's TAB6260 data (the metadata offers more)."""
    body = json.loads((shared / "scb_v2/tables/TAB6260/data.json").read_bytes())
    return set(body["dimension"]["Alder"]["category"]["index"])


def test_the_bas_age_option_names_only_the_bands_the_warehouse_holds(app_env, shared):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    meta = json.loads((shared / "scb_v2/tables/TAB6260/metadata.en.json").read_bytes())
    assert {"20-64", "20-65", "20-66"} <= set(meta["dimension"]["Alder"]["category"]["index"])
    assert _bas_age_codes(shared) == {"20-64"}  # the data: 20–64 in every month, no switch
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["kommun"] = "2080"
    at.run()
    assert not at.exception
    age = next(w for w in at.selectbox if w.label == "Ålder")
    assert age.value == "20-pension"
    label = next(o for o in age.options if o.startswith("20 år – pensionsåldern"))
    assert label == "20 år – pensionsåldern (20–64)", label
    # no 16–64… in the data: not offered at all (walk24 point 4), and 20–64 named once
    assert not [o for o in age.options if o.startswith("16 år") or o == "20–64 år"]
    assert not [o for o in age.options if "från 2023" in o or "från 2026" in o]


@pytest.mark.parametrize(("have", "expected"), [
    ({"20-64", "20-65", "20-66"},
     "20 år – pensionsåldern (20–64, 20–65 från 2023, 20–66 från 2026)"),  # the yml's label
    ({"20-64", "20-65"}, "20 år – pensionsåldern (20–64, 20–65 från 2023)"),
    ({"20-64"}, "20 år – pensionsåldern (20–64)"),
    (set(), "20 år – pensionsåldern"),
])
def test_series_label_names_the_bands_held(have, expected):
    from transforms.catalogue import monthly_marts
    from transforms.monthly import series_label

    spec = monthly_marts()["bas"]["dimensions"]["age"]["series"]["20-pension"]
    assert series_label(spec, have) == expected
