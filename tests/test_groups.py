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
    assert "Okänd kommun ”Vaxjo” i gruppen ”Test”." in problems
    assert "Okänd kommun ”Atlantis” i gruppen ”Test”." in problems
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
    with pytest.raises(GroupError, match="redan en grupp som heter \u201ddua kronoberg NORR\u201d"):
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


def test_every_change_is_logged_with_what_and_when(tmp_path):
    db = tmp_path / "user.duckdb"
    g = usergroups.save(GroupSpec("DUA Kronoberg", ("0780", "0764")), path=db)
    usergroups.save(GroupSpec("DUA Kronoberg norr", ("0760", "0780")), group_id=g.group_id,
                    path=db)
    usergroups.delete(g.group_id, path=db)
    log = usergroups.history(path=db).iloc[::-1].reset_index(drop=True)  # oldest first
    assert log["action"].tolist() == ["skapad", "ändrad", "borttagen"]
    assert log["name"].tolist() == ["DUA Kronoberg", "DUA Kronoberg norr", "DUA Kronoberg norr"]
    assert list(log.loc[1, "before_members"]) == ["0780", "0764"]
    assert log.loc[1, "before_name"] == "DUA Kronoberg"
    assert list(log.loc[1, "members"]) == ["0760", "0780"]
    assert log["at"].is_monotonic_increasing and log["at"].notna().all()
    assert (log["group_id"] == g.group_id).all()


def test_a_deleted_group_can_be_restored_as_it_was(tmp_path):
    db = tmp_path / "user.duckdb"
    g = usergroups.save(GroupSpec("Värend", ("0764", "0763", "0780")), path=db)
    gone = usergroups.delete(g.group_id, path=db)
    assert usergroups.list_groups(db) == []
    [trashed] = usergroups.deleted_groups(db)
    assert (trashed.name, trashed.members) == ("Värend", ("0764", "0763", "0780"))
    back = usergroups.restore(gone.trash_id, path=db)
    assert (back.group_id, back.name, back.members) == (g.group_id, "Värend",
                                                        ("0764", "0763", "0780"))
    assert usergroups.list_groups(db) == [usergroups.Group(g.group_id, "Värend",
                                                           ("0764", "0763", "0780"))]
    assert usergroups.deleted_groups(db) == []
    assert usergroups.history(path=db)["action"].iloc[0] == "återställd"


def test_a_restored_group_whose_name_was_taken_comes_back_renamed(tmp_path):
    db = tmp_path / "user.duckdb"
    first = usergroups.save(GroupSpec("Värend", ("0780",)), path=db)
    gone = usergroups.delete(first.group_id, path=db)
    usergroups.save(GroupSpec("Värend", ("0764",)), path=db)
    back = usergroups.restore(gone.trash_id, path=db)
    assert back.name == "Värend (återställd)" and back.members == ("0780",)
    assert back.group_id != first.group_id or len(usergroups.list_groups(db)) == 2
    assert {g.name for g in usergroups.list_groups(db)} == {"Värend", "Värend (återställd)"}


def test_groups_readonly_refuses_every_change_in_the_backend(tmp_path, monkeypatch, kommun):
    db = tmp_path / "user.duckdb"
    g = usergroups.save(GroupSpec("Värend", ("0764", "0780")), path=db)
    gone = usergroups.delete(usergroups.save(GroupSpec("Gammal", ("0780",)), path=db).group_id,
                             path=db)
    monkeypatch.setenv("GROUPS_READONLY", "1")
    assert usergroups.read_only()
    for change in (lambda: usergroups.save(GroupSpec("Ny", ("0780",)), path=db),
                   lambda: usergroups.save(GroupSpec("X", ("0780",)), group_id=g.group_id,
                                           path=db),
                   lambda: usergroups.delete(g.group_id, path=db),
                   lambda: usergroups.restore(gone.trash_id, path=db)):
        with pytest.raises(usergroups.GroupsReadOnly, match="skrivskyddade .GROUPS_READONLY=1."):
            change()
    assert usergroups.seed_suggestions(kommun, path=db) == 0
    assert [(x.name, x.members) for x in usergroups.list_groups(db)] == [
        ("Värend", ("0764", "0780"))]  # reading still works


def test_readonly_page_hides_editing_and_a_shared_link_still_works(app_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    usergroups.save(GroupSpec("Värend", ("0764", "0763", "0780")))
    monkeypatch.setenv("GROUPS_READONLY", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["grupp"] = "Kusten"
    at.query_params["medlemmar"] = "1480,1481"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Översikt – Kusten"  # the link still works
    at.query_params["sida"] = "grupper"  # the menu link: the shared group comes along
    at.run()
    assert not at.exception
    assert any("Kusten (delad länk)" in i.value for i in at.info)
    assert any("skrivskyddade" in i.value for i in at.info)
    labels = [b.label for b in at.button]
    assert "Spara den delade gruppen bland mina grupper" not in labels
    assert not at.tabs and not at.text_input and not at.multiselect  # no editing controls
    assert "Återställ" not in labels


def test_a_group_deleted_on_the_page_is_restored_from_the_page(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    g = usergroups.save(GroupSpec("Värend", ("0764", "0763", "0780")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sida"] = "grupper"
    at.run()
    at.selectbox(key="edit_group").set_value(
        next(x for x in usergroups.list_groups() if x.group_id == g.group_id)).run()
    at.checkbox(key=f"sure_{g.group_id}").check().run()
    next(b for b in at.button if b.label == "Ta bort gruppen").click().run()
    assert g.group_id not in {x.group_id for x in usergroups.list_groups()}
    [trashed] = [d for d in usergroups.deleted_groups() if d.group_id == g.group_id]
    at.button(key=f"restore_{trashed.trash_id}").click().run()
    assert not at.exception
    back = next(x for x in usergroups.list_groups() if x.group_id == g.group_id)
    assert back.members == ("0764", "0763", "0780")


def test_mina_grupper_shows_every_member_of_a_long_group_and_its_count(app_env, warehouse):
    """Egna grupper (walkthrough 23, "taste"): a long member list was cut off at the width of
    a st.dataframe column; it is a wrapping table now, with the member count beside it."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from transforms.yamlio import yaml_load

    suggested = {g["name"]: g["kommuner"] for g in yaml_load(
        (ROOT / "transforms/suggested_groups.yml").read_text(encoding="utf-8"))}
    gr = suggested["Göteborgsregionen"]
    assert len(gr) == 13
    known = set(warehouse.execute("select kommun_name from marts.kommun").df()["kommun_name"])
    assert set(gr) <= known  # every member is a real kommun of the mirror
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["sida"] = "grupper"
    at.run()
    assert not at.exception
    [table] = [t.value for t in at.table if "Kommuner" in t.value.columns]
    row = table.loc["Göteborgsregionen"]
    assert row["Antal kommuner"] == 13
    assert sorted(row["Kommuner"].split(", ")) == sorted(gr)  # all 13, none cut off
    assert table.loc["Samordningsförbundet Värend", "Antal kommuner"] == 3
