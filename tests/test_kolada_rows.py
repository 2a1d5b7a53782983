"""Kolada's row check (transforms/validate.kolada_rows) on real bodies of ../shared/data, each
changed by hand in one place: what it refuses and the exact Swedish message for it.

The check runs on every value of every refresh, so it is written for speed (a row's genders
as bits, a code checked once per page, one hash per key); these pin down that the fast forms
refuse the same things, in the same order, with the same words.
"""

from __future__ import annotations

import copy
import json

import pytest

from transforms.validate import InvalidBody, kolada_rows


def _body(shared, kpi: str) -> dict:
    return json.loads((shared / f"kolada_v3/data/kpi/{kpi}.json").read_bytes())


def _known(shared) -> set[str]:
    body = json.loads((shared / "kolada_v3/municipality.json").read_bytes())
    return {row["id"] for row in body["values"]}


@pytest.fixture(scope="module")
def three(shared) -> dict:
    """N01961: every row has three values (T, K, M)."""
    return _body(shared, "N01961")


def _check(body: dict, known: set[str] | None = None, seen: set | None = None) -> int:
    return kolada_rows(body, kpi="N01961", known_ids=known, seen=seen)


def test_real_bodies_pass_and_count_their_values(shared, three):
    known = _known(shared)
    assert _check(three, known) == sum(len(e["values"]) for e in three["values"]) == 24360
    mixed = _body(shared, "N00221")  # rows of one value (T) and rows of three
    assert {len(e["values"]) for e in mixed["values"]} == {1, 3}
    assert kolada_rows(mixed, kpi="N00221", known_ids=known) \
        == sum(len(e["values"]) for e in mixed["values"]) == 7540


def test_the_same_gender_twice_in_a_row(three):
    body = copy.deepcopy(three)
    row = body["values"][4]
    row["values"][2]["gender"] = row["values"][0]["gender"]
    with pytest.raises(InvalidBody) as err:
        _check(body)
    assert str(err.value) == (f"dubbla rader för N01961 {row['municipality']} {row['period']} "
                              "(samma kön två gånger)")


def test_a_bad_value_after_a_repeated_gender_is_named_first(three):
    """Every value of a row is checked before its genders are compared, as always."""
    body = copy.deepcopy(three)
    row = body["values"][0]
    row["values"][1]["gender"] = row["values"][0]["gender"]
    row["values"][2]["value"] = "5,2"
    with pytest.raises(InvalidBody) as err:
        _check(body)
    assert str(err.value) == (f"rad 1 ({row['municipality']} {row['period']}): värdet '5,2' är "
                              "inte ett tal")


def test_an_unknown_gender_and_an_unhashable_one(three):
    body = copy.deepcopy(three)
    body["values"][2]["values"][1]["gender"] = "X"
    with pytest.raises(InvalidBody, match=r"^rad 3 \(\d{4} \d{4}\): okänt kön 'X'$"):
        _check(body)
    body["values"][2]["values"][1]["gender"] = ["K"]
    with pytest.raises(TypeError, match="unhashable"):  # the fetch turns it into InvalidData
        _check(body)


def test_a_row_repeated_on_a_later_page_and_a_year_as_text(three):
    first = {"values": three["values"][:100]}
    second = {"values": copy.deepcopy(three["values"][100:200])}
    second["values"][50] = dict(three["values"][7], period=str(three["values"][7]["period"]))
    seen: set = set()
    assert _check(first, seen=seen) == 300
    row = second["values"][50]
    with pytest.raises(InvalidBody) as err:
        _check(second, seen=seen)
    assert str(err.value) == f"dubbla rader för N01961 {row['municipality']} {row['period']}"


def test_unknown_codes_are_named_once_each_after_known_ones(shared, three):
    known = _known(shared)
    body = copy.deepcopy(three)
    real = body["values"][0]["municipality"]
    for i in (5, 1005, 3005):  # rows of other years than the code's first, known, one
        body["values"][i]["municipality"] = "0799"
    body["values"][6005]["municipality"] = "0798"
    with pytest.raises(InvalidBody) as err:
        _check(body, known)
    assert str(err.value).startswith("okända kommunkoder '0798', '0799' (finns inte i")
    assert _check(body, known | {"0798", "0799"}) == 24360
    body["values"][1009]["municipality"] = int(real)  # a number, later in the page
    with pytest.raises(InvalidBody, match=r"^rad 1010: kommunkoden \d+ är ett tal"):
        _check(body, known)


def test_status_must_be_text_or_absent(three):
    body = copy.deepcopy(three)
    del body["values"][3]["values"][0]["status"]
    assert _check(body) == 24360
    body["values"][3]["values"][0]["status"] = 0
    with pytest.raises(InvalidBody, match=r"^rad 4 \(\d{4} \d{4}\): status 0 är inte text$"):
        _check(body)
