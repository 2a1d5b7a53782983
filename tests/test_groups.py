"""User-defined kommun groups: validation, storage, import/export round trip, suggestions."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from transforms.groups import (
    MAX_FILE_BYTES,
    GroupError,
    GroupSpec,
    kommun_lookup,
    parse_csv,
    parse_json,
    resolve_members,
    to_csv,
    to_json,
)
from warehouse import usergroups


@pytest.fixture(scope="module")
def kommun(warehouse) -> pd.DataFrame:
    return warehouse.execute("select kommun_code, kommun_name from marts.kommun").df()


@pytest.fixture(scope="module")
def lookup(kommun):
    return kommun_lookup(kommun)


@pytest.fixture(scope="module")
def names(kommun):
    return dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))


def test_members_by_name_or_code_in_any_case(lookup):
    assert resolve_members(["Växjö", "0764", "tingsryd", "761", "Upplands  Väsby kommun"],
                           lookup) == ("0780", "0764", "0763", "0761", "0114")


def test_unknown_names_and_duplicates_are_all_reported(lookup):
    with pytest.raises(GroupError) as err:
        resolve_members(["Växjö", "Vaxjo", "0780", "Atlantis"], lookup, group="Test")
    problems = err.value.problems
    assert "Okänd kommun 'Vaxjo' i gruppen 'Test'." in problems
    assert "Okänd kommun 'Atlantis' i gruppen 'Test'." in problems
    assert any("förekommer flera gånger" in p for p in problems)


def test_an_empty_group_is_refused(lookup):
    with pytest.raises(GroupError, match="inga kommuner"):
        resolve_members(["", "  "], lookup, group="Tom")


def test_json_and_csv_round_trip(lookup, names):
    groups = [GroupSpec("Samordningsförbundet Värend", ("0764", "0763", "0780")),
              GroupSpec("Göteborg med grannar", ("1480", "1481", "1402"))]
    assert parse_json(to_json(groups, names), lookup) == groups
    assert parse_csv(to_csv(groups, names), lookup) == groups


def test_csv_with_names_semicolons_and_a_bom(lookup):
    text = "\ufeffGrupp;Kommun\nVärend;Alvesta\nVärend;Tingsryd\nVärend;Växjö\n"
    assert parse_csv(text.encode("utf-8"), lookup) == [
        GroupSpec("Värend", ("0764", "0763", "0780"))]


def test_bad_files_get_clear_messages(lookup):
    with pytest.raises(GroupError, match="inte giltig JSON"):
        parse_json(b"{not json", lookup)
    with pytest.raises(GroupError, match="för stor"):
        parse_json(b" " * (MAX_FILE_BYTES + 1), lookup)
    with pytest.raises(GroupError, match="kolumnerna 'grupp' och 'kommun'"):
        parse_csv("namn,kod\nA,0780\n", lookup)
    with pytest.raises(GroupError, match="förekommer flera gånger"):
        parse_json(json.dumps({"groups": [{"name": "A", "kommuner": ["0780"]},
                                          {"name": "a", "kommuner": ["0764"]}]}), lookup)


def test_create_rename_edit_delete(tmp_path):
    db = tmp_path / "user.duckdb"
    g = usergroups.save(GroupSpec("DUA Kronoberg", ("0780", "0764")), path=db)
    assert g.group_id == "dua-kronoberg"
    usergroups.save(GroupSpec("DUA Kronoberg norr", ("0760", "0761", "0780")),
                    group_id=g.group_id, path=db)
    [stored] = usergroups.list_groups(db)
    assert (stored.name, stored.members) == ("DUA Kronoberg norr", ("0760", "0761", "0780"))
    with pytest.raises(GroupError, match="redan en grupp"):
        usergroups.save(GroupSpec("dua kronoberg NORR", ("0780",)), path=db)
    usergroups.delete(g.group_id, path=db)
    assert usergroups.list_groups(db) == []


def test_suggestions_are_offered_once_and_stay_deleted(tmp_path, kommun):
    db = tmp_path / "user.duckdb"
    assert usergroups.seed_suggestions(kommun, path=db) == 5
    groups = {g.name: g for g in usergroups.list_groups(db)}
    assert groups["Samordningsförbundet Värend"].members == ("0764", "0763", "0780")
    assert len(groups["Göteborgsregionen"].members) == 13
    assert len(groups["Arbetsmarknadssamverkan Kronoberg"].members) == 8
    usergroups.delete(groups["Göteborgsregionen"].group_id, path=db)
    assert usergroups.seed_suggestions(kommun, path=db) == 0
    assert "Göteborgsregionen" not in {g.name for g in usergroups.list_groups(db)}
