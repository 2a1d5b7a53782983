"""A member whose weight is 0 is not missing (walk27b).

N00973 (of those who left etableringsuppdraget, the share in work or studies) is weighted by
N00964, the number who left. Öckerö (1407) had nobody leave in 2015 (N00964 = 0 for both sexes
and in total, in the mirror), so it has no share that year, and there is nothing of Öckerö's
for the area's share to lack. It was counted as a missing member: Göteborgsregionen's 2015
value said "12 av 13 kommuner, 99 %" and its point was ringed as incomplete, and Västra
Götalands län the same. Values are unchanged; only who is expected.
"""

from __future__ import annotations

import json

import pytest

from warehouse import queries

GOTEBORGSREGIONEN = ["1480", "1440", "1489", "1401", "1384", "1482", "1441", "1462", "1481",
                     "1402", "1415", "1419", "1407"]
OCKERO = "1407"


def _kolada(shared, kpi: str, sex: str, year: int) -> dict[str, float | None]:
    """kommun -> the mirror's value of ``kpi`` for this sex and year (None: no value)."""
    body = json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())
    return {e["municipality"]: v["value"] for e in body["values"] if int(e["period"]) == year
            for v in e["values"] if v["gender"] == sex}


def _expected(members, rate, weight):
    """(n_expected, n_reporting, value) by the rule: a member reports with a rate and a
    weight > 0; a member with weight 0 is not expected; any other member is."""
    zero = [k for k in members if weight.get(k) == 0]
    reporting = [k for k in members if rate.get(k) is not None and (weight.get(k) or 0) > 0]
    value = (sum(rate[k] * weight[k] for k in reporting) / sum(weight[k] for k in reporting))
    return len(members) - len(zero), len(reporting), value


@pytest.mark.parametrize("sex", ["K", "T"])
def test_a_group_member_without_anyone_to_count_is_not_missing(warehouse, shared, sex):
    rate = _kolada(shared, "N00973", sex, 2015)
    weight = _kolada(shared, "N00964", sex, 2015)
    assert weight[OCKERO] == 0 and rate.get(OCKERO) is None  # looked up in the mirror
    n_expected, n_reporting, value = _expected(GOTEBORGSREGIONEN, rate, weight)
    assert n_expected == 12
    ind = queries.indicator(warehouse, "N00973")
    row = queries.computed_area_series(warehouse, ind, GOTEBORGSREGIONEN, sex) \
        .set_index("year").loc[2015]
    assert (row["n_expected"], row["n_reporting"]) == (n_expected, n_reporting)
    assert row["value"] == pytest.approx(value, rel=1e-9)
    # every member with someone to count reports that year: a whole value, not 'partial'
    assert row["status"] == (None if n_reporting == n_expected else "partial")


def test_an_official_area_counts_a_member_with_weight_0_as_not_expected(warehouse, shared):
    """Västra Götalands län 2015, kvinnor: the build's SQL by the same rule (the pandas
    reference is held equal to it in tests/test_area_sql.py)."""
    members = list(warehouse.execute(
        "select kommun_code from marts.area_member where area_id = 'lan:14'").df()
        ["kommun_code"])
    rate = _kolada(shared, "N00973", "K", 2015)
    weight = _kolada(shared, "N00964", "K", 2015)
    zero = [k for k in members if weight.get(k) == 0]
    assert OCKERO in zero
    n_expected, n_reporting, value = _expected(members, rate, weight)
    row = queries.official_area_series(warehouse, "N00973", "lan:14", "K") \
        .set_index("year").loc[2015]
    assert (row["n_expected"], row["n_reporting"]) == (n_expected, n_reporting)
    assert row["value"] == pytest.approx(value, rel=1e-9)
