"""Our json-stat2 decoder on the real TAB6471 response, and on small hand-made bodies for the
forms the recording does not use (sparse value, status as dict/list/string)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED
from transforms.jsonstat import JsonStatError, decode, join_parts

TAB6471 = SHARED / "scb_v2" / "tables" / "TAB6471" / "data.json"


@pytest.fixture(scope="module")
def body() -> dict:
    return json.loads(TAB6471.read_bytes())


def _cell(df: pd.DataFrame, **codes: str) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for dim, code in codes.items():
        mask &= (df[dim] == code).to_numpy()
    [row] = df[mask].to_dict("records")
    return pd.Series(row)


def _raw_value(body: dict, **codes: str) -> float:
    """The value straight from the body by json-stat2's row-major rule (independent check)."""
    flat = 0
    for dim, size in zip(body["id"], body["size"], strict=True):
        flat = flat * size + body["dimension"][dim]["category"]["index"][codes[dim]]
    return body["value"][flat]


def test_real_tab6471_value_kronoberg_women_20_29_march_2026(body):
    df = decode(TAB6471.read_bytes())
    row = _cell(df, Region="07", Alder="20-29", Kon="2", Tid="2026M03")
    assert row["value"] == 11269
    assert row["value"] == _raw_value(body, Region="07", Alder="20-29", Kon="2",
                                      ContentsCode="000007SF", Tid="2026M03")
    assert row["Region_label"] == "Kronobergs län"
    assert row["Kon_label"] == "kvinnor"
    assert row["Alder_label"] == "20-29 år"
    assert row["status"] is None


def test_real_tab6471_shape_codes_and_first_cell(body):
    df = decode(body)
    assert len(df) == 21 * 11 * 3 * 1 * 4 == 2772
    assert list(df.columns[:2]) == ["Region", "Region_label"]
    assert df["Region"].iloc[0] == "01"  # leading zero kept
    assert df.loc[0, "value"] == 245284  # Stockholms län, 0-9, totalt, 2026M01
    assert set(df["Kon"]) == {"TotSa", "1", "2"}
    assert df["Alder"].iloc[-1] == "100+10" and df["Alder_label"].iloc[-1] == "100+ år"
    assert df["value"].dtype == float and df["value"].notna().all()


def test_ckm_note_and_dimension_notes_are_kept(body):
    df = decode(body)
    assert any("Cell Key Method (CKM)" in n for n in df.attrs["note"])
    assert any(n.startswith("Folkmängden för december") for n in df.attrs["note"])
    age_note = ("Med ålder avses uppnådd ålder vid årets slut, d.v.s. i princip en redovisning "
                "efter födelseår.")
    assert df.attrs["dimension_notes"]["Alder"] == [age_note]
    assert df.attrs["source"] == "SCB"
    assert df.attrs["updated"] == "2026-06-08T06:00:00Z"
    assert df.attrs["role"] == {"time": ["Tid"], "metric": ["ContentsCode"]}
    assert df.attrs["units"]["ContentsCode"]["000007SF"]["base"] == "antal"


# --- hand-made bodies: the forms json-stat2 allows that the recording does not show --------

def handmade(value, status=None, *, index_as_list: bool = False) -> dict:
    """HANDMADE: 2 regions x 3 months, for the value/status forms only."""
    regions = {"0780": 0, "0764": 1}
    months = {"2025M01": 0, "2025M02": 1, "2025M03": 2}
    body = {"version": "2.0", "class": "dataset", "label": "HANDMADE",
            "id": ["Region", "Tid"], "size": [2, 3],
            "dimension": {
                "Region": {"label": "region", "category": {
                    "index": list(regions) if index_as_list else regions,
                    "label": {"0780": "Växjö", "0764": "Alvesta"}}},
                "Tid": {"label": "månad", "category": {"index": months}}},
            "value": value}
    if status is not None:
        body["status"] = status
    return body


def test_sparse_value_dict_and_status_dict():
    df = decode(handmade({"0": 1.5, "4": 7}, {"1": "..", "5": "-"}))
    assert df["value"].tolist()[0] == 1.5 and df["value"].tolist()[4] == 7
    assert df["value"].isna().sum() == 4
    assert df["status"].tolist() == [None, "..", None, None, None, "-"]
    flagged = df[df["status"].notna()]
    assert flagged["value"].isna().all()  # a flagged cell is NaN, never 0


def test_status_as_list_and_as_single_string():
    as_list = decode(handmade([1, None, 3, 4, 5, None], [None, "..", "", None, None, "."]))
    assert as_list["status"].tolist() == [None, "..", None, None, None, "."]
    assert np.isnan(as_list["value"].iloc[1])
    as_string = decode(handmade([1, 2, 3, 4, 5, 6], "p"))
    assert as_string["status"].tolist() == ["p"] * 6


def test_index_as_list_and_missing_labels_fall_back_to_codes():
    df = decode(handmade([1, 2, 3, 4, 5, 6], index_as_list=True))
    assert df["Region"].tolist()[:3] == ["0780"] * 3
    assert df["Region_label"].tolist()[3] == "Alvesta"
    assert df["Tid_label"].tolist()[:3] == ["2025M01", "2025M02", "2025M03"]


def test_wrong_shapes_fail_loudly():
    with pytest.raises(JsonStatError, match="cells"):
        decode(handmade([1, 2, 3]))
    with pytest.raises(JsonStatError, match="value"):
        decode({k: v for k, v in handmade([1] * 6).items() if k != "value"})
    with pytest.raises(JsonStatError, match="not JSON"):
        decode(TAB6471.read_bytes()[:5000])  # a truncated body


def test_a_repeated_category_code_fails_with_our_error():
    """Hand-made: an index list naming 0780 twice (was a bare pandas ValueError)."""
    body = handmade([1, 2, 3, 4, 5, 6], index_as_list=True)
    region = body["dimension"]["Region"]["category"]
    region["index"] = [region["index"][0]] * len(region["index"])
    with pytest.raises(JsonStatError, match="repeats a category code"):
        decode(body)


# --- join_parts: a split fetch equals the one big response --------------------------------

def _slice(body: dict, dim: str, keep: list[str]) -> dict:
    """The body cut to ``keep`` codes of ``dim`` (what the API returns for that selection)."""
    out = copy.deepcopy(body)
    axis = body["id"].index(dim)
    codes = list(body["dimension"][dim]["category"]["index"])
    cube = np.array(body["value"], dtype=object).reshape(body["size"])
    out["value"] = np.take(cube, [codes.index(c) for c in keep], axis=axis).ravel().tolist()
    out["size"][axis] = len(keep)
    category = out["dimension"][dim]["category"]
    category["index"] = {c: i for i, c in enumerate(keep)}
    category["label"] = {c: category["label"][c] for c in keep}
    return out


def test_join_parts_equals_one_big_response(body):
    regions = list(body["dimension"]["Region"]["category"]["index"])
    parts = [_slice(body, "Region", regions[i:i + 5]) for i in range(0, 21, 5)]
    joined = join_parts(parts)
    pd.testing.assert_frame_equal(joined, decode(body))
    assert any("CKM" in n for n in joined.attrs["note"])


def test_join_parts_split_along_an_inner_dimension(body):
    ages = list(body["dimension"]["Alder"]["category"]["index"])
    parts = [_slice(body, "Alder", ages[:4]), _slice(body, "Alder", ages[4:])]
    pd.testing.assert_frame_equal(join_parts(parts), decode(body))


def test_join_parts_refuses_overlap(body):
    regions = list(body["dimension"]["Region"]["category"]["index"])
    with pytest.raises(JsonStatError, match="overlap"):
        join_parts([_slice(body, "Region", regions[:3]), _slice(body, "Region", regions[2:5])])
