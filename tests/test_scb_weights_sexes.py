"""SCB's exact weights have a total for every year (review26, defect 1): TAB638 (population by
single year of age, 1968–2024) has Kon 1 and 2 only, so the build adds sex T = K + M; without
it the nine scb_ages indicators had no län value for "Totalt" in any year up to 2024 ("0 of
15 reporting, withheld").

No recording in ../shared/data has TAB638 data (only its metadata). The body below is a
json-stat2 response in TAB638's shape as its real metadata gives it (Region, Alder, Kon 1/2,
ContentsCode BE0101N1, Tid; Civilstand eliminated as our selection asks), filled with real
values: Kolada's N01955 (invånare 20–64 år) of men and women for Dalarnas 15 kommuner at age
"20" and N01954 (16–19 år) at age "16" (a band sum standing in for single ages, so the 18–64
band takes N01955 and leaves N01954 out). The rate weighted is Kolada's real N03920.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED
from transforms.catalogue import load_catalogue
from transforms.jsonstat import decode
from transforms.staging_scb import population_frame, stage
from transforms.weights import resolve_weights, with_total_sex
from warehouse.area_sql import area_values_sql
from warehouse.build import area_values_pandas
from warehouse.scb_marts import _single_ages

KOLADA = SHARED / "kolada_v3" / "data" / "kpi"
TAB638 = SHARED / "scb_v2" / "tables" / "TAB638" / "metadata.en.json"
YEARS = [2020, 2021, 2022]


def _kolada(kpi: str) -> pd.DataFrame:
    """One recorded Kolada KPI: kommun_code, year, sex, value (kommun rows only)."""
    body = json.loads((KOLADA / f"{kpi}.json").read_bytes())
    return pd.DataFrame([(v["municipality"], int(v["period"]), x["gender"], x["value"])
                         for v in body["values"] for x in v["values"]],
                        columns=["kommun_code", "year", "sex", "value"])


@pytest.fixture(scope="module")
def dalarna() -> list[str]:
    """Dalarnas 15 kommuner, as TAB638's real metadata lists them (codes 20xx)."""
    regions = json.loads(TAB638.read_bytes())["dimension"]["Region"]["category"]["index"]
    codes = [c for c in regions if len(c) == 4 and c.startswith("20")]
    assert len(codes) == 15
    return codes


def _tab638_body(dalarna: list[str]) -> dict:
    """A TAB638-shaped json-stat2 body (see the module doc), values row-major in its order."""
    meta = json.loads(TAB638.read_bytes())
    assert list(meta["dimension"]["Kon"]["category"]["index"]) == ["1", "2"]  # no total
    ages = {"16": _kolada("N01954"), "20": _kolada("N01955")}
    dims = {"Region": dalarna, "Alder": list(ages), "Kon": ["1", "2"],
            "ContentsCode": ["BE0101N1"], "Tid": [str(y) for y in YEARS]}
    values = []
    for region in dalarna:
        for kpi in ages.values():
            by = kpi.set_index(["kommun_code", "year", "sex"])["value"]
            for kon in ("1", "2"):
                for year in YEARS:
                    values.append(float(by[(region, year, "M" if kon == "1" else "K")]))
    labels = {d: {c: meta["dimension"][d]["category"]["label"].get(c, c) for c in codes}
              for d, codes in dims.items()}
    return {"version": "2.0", "class": "dataset", "id": list(dims),
            "size": [len(v) for v in dims.values()], "role": {"time": ["Tid"],
                                                              "metric": ["ContentsCode"]},
            "dimension": {d: {"label": d, "category": {"index": {c: i for i, c in
                                                                 enumerate(codes)},
                                                       "label": labels[d]}}
                          for d, codes in dims.items()},
            "value": values}


@pytest.fixture(scope="module")
def population(dalarna) -> pd.DataFrame:
    """The body through the build's own staging: decode, stage, mart shape, single ages."""
    from data_sources.scb_datasets import dataset

    ds = dataset("population_kommun_year_to2024")
    staged = stage(decode(_tab638_body(dalarna)), table_id=ds.source_id,
                   dimensions=ds.dimensions)
    return _single_ages(population_frame(staged).assign(table_id=ds.source_id))


def test_a_table_of_men_and_women_gets_their_sum_as_the_total(population, dalarna):
    assert set(population["sex"]) == {"K", "M", "T"}
    cells = population.set_index(["kommun_code", "year", "age", "sex"])["population"]
    n01955 = _kolada("N01955").set_index(["kommun_code", "year", "sex"])["value"]
    # Falun (2080), 20–64 år, 2022: 15 727 kvinnor + 16 060 män (Kolada's own T: 31 787)
    assert cells[("2080", 2022, 20, "K")] == 15_727
    assert cells[("2080", 2022, 20, "T")] == 15_727 + 16_060 == n01955[("2080", 2022, "T")]
    assert len(population[population["sex"] == "T"]) == 15 * 2 * len(YEARS)


def test_a_table_with_its_own_total_keeps_it():
    """SCB's recorded TAB6471 (län, Kon TotSa/1/2, 2026M01): its totals stay as published,
    none added; with its totals dropped, every one comes back as K + M."""
    from tests.test_transforms import _recorded_population_by_age_group

    recorded = _recorded_population_by_age_group()
    kept = with_total_sex(recorded)
    pd.testing.assert_frame_equal(kept, recorded)
    rebuilt = with_total_sex(recorded[recorded["sex"] != "T"]).query("sex == 'T'")
    both = recorded[recorded["sex"] != "T"].pivot_table(
        index=["kommun_code", "age"], columns="sex", values="population")
    got = rebuilt.set_index(["kommun_code", "age"])["population"]
    assert len(got) == len(both) == 21 * 11
    assert (got.sort_index() == (both["K"] + both["M"]).sort_index()).all()


def test_the_lan_total_is_weighted_by_men_and_women_of_the_band(population, dalarna):
    """Dalarnas län, N03920 (arbetslöshet 18–64, 18–65 from 2023), sex T, 2020–2022: the SCB
    weights are exact and every kommun reports; the value is Σ rate × (K + M) / Σ (K + M)
    over the 15 kommuner, computed here from the recorded Kolada values, both by the pandas
    rule and by the build's SQL statement."""
    spec = load_catalogue()["indicators"]["N03920"]
    rates = _kolada("N03920")
    rates = rates[rates["kommun_code"].isin(dalarna) & rates["year"].isin(YEARS)]
    w = resolve_weights(spec, ["N01954", "N01955"], "befolkningen 16–64 år", False,
                        pd.DataFrame(columns=["indicator_id", "kommun_code", "year", "sex",
                                              "value"]),
                        set(YEARS), population)
    assert w.exact and w.source == "SCB TAB638"
    assert set(w.frame["sex"]) == {"K", "M", "T"}

    pop = _kolada("N01955")
    pop = pop[pop["kommun_code"].isin(dalarna) & pop["sex"].isin(["K", "M"])]
    both = pop.groupby(["kommun_code", "year"])["value"].sum()
    t = rates[rates["sex"] == "T"].set_index(["kommun_code", "year"])["value"]
    expected = {y: float((t.xs(y, level="year") * both.xs(y, level="year")).sum()
                         / both.xs(y, level="year").sum()) for y in YEARS}
    assert 3 < expected[2022] < 6  # a share in percent, not a sum

    obs = rates.assign(indicator_id="N03920", status=None)
    indicators = pd.DataFrame({"indicator_id": ["N03920"], "aggregation": ["weighted"]})
    members = pd.DataFrame({"area_id": "lan:20", "kommun_code": dalarna})
    kommun = pd.DataFrame({"kommun_code": dalarna, "first_year": 1971})
    weights = w.frame.assign(indicator_id="N03920")
    for rule, got in (("pandas", area_values_pandas(obs, indicators, members, kommun, weights)),
                      ("sql", area_values_sql(obs, indicators, members, kommun, weights))):
        total = got[got["sex"] == "T"].set_index("year")
        assert list(total["n_reporting"]) == [15] * 3, rule
        assert total["status"].isna().all(), rule
        assert np.allclose([total.loc[y, "value"] for y in YEARS],
                           [expected[y] for y in YEARS], rtol=1e-12, atol=0), rule
