"""Liknande kommuner (transforms/peers.py): a hand-made case worked on paper, and Växjö's peers
on the real mirror checked against a plain-Python computation from the recorded responses."""

from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest

from transforms import peers


def test_hand_made_three_kommuner_distances_worked_by_hand():
    # hand-made: x = 1, 2, 3 -> mean 2, sd sqrt(2/3), z = -1.2247, 0, 1.2247;
    # kommungrupp B3, B4 (same main group: 0.5), C8 (other: 1); weights x 2, kommungrupp 1
    values = pd.DataFrame({"kommun_code": ["A", "B", "C"], "x": [1.0, 2.0, 3.0],
                           "kommungrupp": ["B3", "B4", "C8"]})
    variables = [peers.Variable("x", "x", 2.0), peers.Variable("kommungrupp", "grupp", 1.0,
                                                               "category")]
    out = peers.distances(values, "A", variables).set_index("kommun_code")
    assert list(out.index) == ["B", "C"]  # the chosen kommun is not its own peer
    assert out.at["B", "d_x"] == pytest.approx(1.224745, abs=1e-6)
    assert out.at["C", "d_x"] == pytest.approx(2.449490, abs=1e-6)
    assert out.at["B", "d_kommungrupp"] == 0.5 and out.at["C", "d_kommungrupp"] == 1.0
    assert out.at["B", "distance"] == pytest.approx(math.sqrt((2 * 1.5 + 0.25) / 3))
    assert out.at["C", "distance"] == pytest.approx(math.sqrt((2 * 6 + 1) / 3))
    found = peers.nearest(out.reset_index(), 1)
    assert list(found["kommun_code"]) == ["B"] and list(found["place"]) == [1]
    share = peers.contributions(found, variables).iloc[0]
    assert share["x"] == pytest.approx(3 / 3.25) and share["grupp"] == pytest.approx(.25 / 3.25)


def test_missing_values_drop_the_variable_or_the_kommun():
    # hand-made: the target lacks y (dropped for all); D lacks x and has only 1/3 of the weight
    values = pd.DataFrame({"kommun_code": ["A", "B", "C", "D"], "x": [1.0, 2.0, 4.0, None],
                           "y": [None, 1.0, 2.0, 3.0], "z": [0.0, 1.0, 1.0, 0.0]})
    variables = [peers.Variable("x", "x", 2.0), peers.Variable("y", "y", 1.0),
                 peers.Variable("z", "z", 1.0)]
    out = peers.distances(values, "A", variables)
    assert out.attrs["dropped"] == ["y"] and out.attrs["used"] == ["x", "z"]
    d = out.set_index("kommun_code")
    assert d.at["D", "weight_share"] == pytest.approx(1 / 3)
    assert "D" not in set(peers.nearest(out, 3)["kommun_code"])


def test_population_is_compared_on_its_logarithm():
    values = pd.DataFrame({"kommun_code": ["A", "B", "C"], "N01951": [1e3, 1e4, 1e5]})
    z = peers.standardise(values.set_index("kommun_code"),
                          [peers.Variable("N01951", "pop", 1.0, "log")])
    assert z["N01951"].tolist() == pytest.approx([-1.224745, 0.0, 1.224745], abs=1e-6)


def _kolada_latest(shared, kpi: str, year: int) -> tuple[int, dict[str, float]]:
    """The latest year <= ``year`` in which 200 kommuner report ``kpi`` (sex T), and values."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    by_year: dict[int, dict[str, float]] = {}
    for e in body["values"]:
        for v in e["values"]:
            if v["gender"] == "T" and v["value"] is not None and e["period"] <= year:
                by_year.setdefault(e["period"], {})[e["municipality"]] = v["value"]
    chosen = max(y for y, vals in by_year.items() if len(vals) >= 200)
    return chosen, by_year[chosen]


def _z(values: dict[str, float]) -> dict[str, float]:
    n = len(values)
    mean = sum(values.values()) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values.values()) / n)
    return {k: (v - mean) / sd for k, v in values.items()}


def test_vaxjos_peers_match_a_plain_python_computation_from_the_mirror(warehouse, shared):
    from warehouse import queries

    # by hand, from the recorded Kolada responses and SCB's kommunkopplingar
    _, pop = _kolada_latest(shared, "N01951", 2022)
    _, foreign = _kolada_latest(shared, "N02926", 2022)
    _, unemployment = _kolada_latest(shared, "N03920", 2022)
    with open(shared / "regions/scb_kommunkopplingar_2025.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))[13:]
    group = {r[2]: r[6] for r in rows if len(r) > 6 and r[2]}
    z_pop = _z({k: math.log10(v) for k, v in pop.items()})
    z_for, z_une = _z(foreign), _z(unemployment)

    def by_hand(code: str) -> float:
        parts = [abs(z_pop[code] - z_pop["0780"]), abs(z_for[code] - z_for["0780"]),
                 abs(z_une[code] - z_une["0780"]),
                 0.0 if group[code] == group["0780"] else
                 0.5 if group[code][0] == group["0780"][0] else 1.0]
        return math.sqrt(sum(p * p for p in parts) / 4)

    hand = sorted((by_hand(c), c) for c in pop if c != "0780")

    # the same through the warehouse and transforms/peers.py
    variables = [peers.Variable(v, v, w, peers.variable_kind(v))
                 for v, w in peers.DEFAULT_VARIABLES]
    numeric = [v.id for v in variables if v.kind != "category"]
    long = queries.peer_values(warehouse, numeric, 2022, min_reporting=200)
    table = long.pivot(index="kommun_code", columns="indicator_id", values="value")
    table = table.join(queries.kommungrupp_of(warehouse).set_index("kommun_code")[
        "kommungrupp_code"].rename("kommungrupp")).reset_index()
    found = peers.nearest(peers.distances(table, "0780", variables), 10)
    assert len(found) == 10
    assert list(found["kommun_code"]) == [c for _, c in hand[:10]]
    assert found["distance"].tolist() == pytest.approx([d for d, _ in hand[:10]], abs=1e-9)
    assert group["0780"] == "B3"  # Växjö: SKR's "större stad", as the CSV says


def test_a_variable_with_no_values_at_all_is_dropped_not_an_error():
    # hand-made: no column for "x" (no year had enough kommuner reporting it)
    values = pd.DataFrame({"kommun_code": ["A", "B"], "z": [0.0, 1.0]})
    out = peers.distances(values, "A", [peers.Variable("x", "x", 1.0),
                                        peers.Variable("z", "z", 1.0)])
    assert out.attrs["dropped"] == ["x"] and out["distance"].tolist() == [pytest.approx(2.0)]
