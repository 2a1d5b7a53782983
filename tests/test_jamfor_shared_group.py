"""share25 (walk25 defect 4): a Jämför (or Karta) link with an own group is shared with a
colleague whose browser has no groups saved. Before, the link said only ``jamfor=group:<id>``:
the colleague got "Okända områden att jämföra ignorerades (jamfor: group:norrort…)" and lost the
group. Now the link carries the group's name and members, and the colleague's chart draws the
group at the value the sender saw: the population-weighted unemployment of its four kommuner,
from the recorded Kolada responses in ../shared/data (small warehouse: N03920 with its weights
N01954 + N01955)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app import _app, _decode, _figures, _kolada
from transforms.groups import GroupSpec
from warehouse import usergroups

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = ("0160", "0162", "0163", "0186")  # Täby, Danderyd, Sollentuna, Lidingö
NAME = "Norrort, fyra kommuner"


def _drawn(at) -> dict[str, dict[int, float]]:
    [fig] = [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet 18–64 år (18–65 från 2023)")]
    return {t["name"]: {int(x): y for x, y in zip(_decode(t["x"]), _decode(t["y"]), strict=True)}
            for t in fig["data"] if t.get("name") and t.get("mode") != "markers"}


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.fixture
def sender_group(small_app_warehouse, tmp_path, monkeypatch):
    """The sender's browser: NAME stored as an own group (USER_DB_PATH), the app's folder as
    the working directory; the stored group."""
    monkeypatch.chdir(ROOT)
    sender = tmp_path / "sender.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(sender))
    return usergroups.save(GroupSpec(NAME, MEMBERS), path=sender)


def test_a_jamfor_link_with_an_own_group_reopens_in_a_browser_without_groups(
        sender_group, tmp_path, monkeypatch, shared):
    group = sender_group
    at = _app(sida="jamfor", kommun="0160", jamfor=f"group:{group.group_id},lan:01").run()
    assert not at.exception
    link = dict(at.query_params)
    assert NAME in _drawn(at)

    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))  # no such group
    at = _app(**link).run()
    assert not at.exception
    assert "Delar av länken" not in _warnings(at)
    drawn = _drawn(at)
    assert {NAME, "Stockholms län"} <= set(drawn)  # its own name (walk26), as the sender's
    # the group's value: Σ rate × population 16–64 / Σ population 16–64 over its members
    rate, young, rest = (_kolada(shared, kpi, 2022) for kpi in ("N03920", "N01954", "N01955"))
    weight = {k: young[k] + rest[k] for k in MEMBERS}
    expected = sum(rate[k] * weight[k] for k in MEMBERS) / sum(weight.values())
    assert drawn[NAME][2022] == pytest.approx(expected, abs=1e-9)
    assert min(rate[k] for k in MEMBERS) < expected < max(rate[k] for k in MEMBERS)
    # the colleague passes the same comparison on
    assert dict(at.query_params) == link


def test_a_jamfor_link_without_the_groups_members_names_the_group_in_full(
        small_app_warehouse, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))
    at = _app(sida="jamfor", kommun="0160",
              jamfor="group:samordningsforbundet-norrort-sno,lan:01").run()
    assert not at.exception
    # the whole id (markdown-escaped), not cut after 24 characters as other values are
    assert r"(jamfor: group:samordningsforbundet\-norrort\-sno)." in _warnings(at)
    assert set(_drawn(at)) == {"Stockholms län", "Riket"}


def test_a_karta_link_with_an_own_group_shows_its_kommuner_in_a_browser_without_groups(
        sender_group, tmp_path, monkeypatch, shared):
    """Karta (and every page) takes a group through Område, ``omrade=group:…``: the link
    carries it the same way (``egnagrupper``), and the map's list is the group's kommuner."""
    group = sender_group
    at = _app(sida="karta", kommun="0160", omrade=f"group:{group.group_id}").run()
    assert not at.exception
    link = dict(at.query_params)

    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))
    at = _app(**link).run()
    assert not at.exception
    assert _warnings(at) == ""
    assert [t.value for t in at.title] == [f"Karta – {NAME}"]
    [listed] = [d.value for d in at.dataframe if "Kommun" in d.value.columns]
    rate = _kolada(shared, "N03920", 2022)  # the small warehouse's last year of N03920
    names = {"0160": "Täby", "0162": "Danderyd", "0163": "Sollentuna", "0186": "Lidingö"}
    assert dict(zip(listed["Kommun"], listed["Värde (%)"], strict=True)) == {
        names[k]: f"{rate[k]:.1f}".replace(".", ",") for k in MEMBERS}


def test_a_links_group_beside_a_stored_one_of_the_same_id_lists_both(
        small_app_warehouse, tmp_path, monkeypatch):
    """Review of share25: a link's group by the id of a group stored here
    (``goteborgsregionen``, a suggested group every browser has) hid the stored one from
    Område's list. The link's group now gets an id of its own; both are listed, the link's
    chosen."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))
    at = _app(kommun="1480", omrade="group:goteborgsregionen",
              egnagrupper="goteborgsregionen:0180.0181:Fejkregionen").run()
    assert not at.exception
    assert _warnings(at) == ""
    [area] = [s for s in at.selectbox if s.label == "Område"]
    assert {"Egen grupp: Göteborgsregionen", "Egen grupp: Fejkregionen (delad länk)"} <= set(
        area.options)
    assert area.value == "group:goteborgsregionen-delad"
    assert at.query_params["omrade"] == "group:goteborgsregionen-delad"
    assert at.title[0].value == "Översikt – Fejkregionen"


def _spara(at):
    return [b for b in at.button if b.label == "Spara gruppen"]


def test_a_colleague_saves_a_jamfor_links_group_among_the_organisations_groups(
        sender_group, tmp_path, monkeypatch):
    """left26: the colleague who opened a Jämför link with an own group could see it but not
    keep it ("Spara den delade gruppen" was only on Egna grupper, for ``grupp=`` links). Jämför
    now offers "Spara gruppen": the group is stored under the link's id, with its name and
    members in the sender's order, the save is logged, and the view and its link stay."""
    group = sender_group
    at = _app(sida="jamfor", kommun="0160", jamfor=f"group:{group.group_id},lan:01").run()
    link = dict(at.query_params)
    colleague = tmp_path / "colleague.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(colleague))
    at = _app(**link).run()
    [button] = _spara(at)
    at = button.click().run()
    assert not at.exception
    [stored] = [g for g in usergroups.list_groups(colleague) if g.name == NAME]
    assert (stored.group_id, stored.members) == (group.group_id, MEMBERS)
    log = usergroups.history(10, colleague)
    assert (log["action"].iloc[0], log["name"].iloc[0]) == ("skapad", NAME)
    assert [s.value for s in at.success] == [
        f"Gruppen \u201d{NAME}\u201d är sparad bland organisationens grupper (Egna grupper)."]
    assert _spara(at) == []
    assert {NAME, "Stockholms län"} <= set(_drawn(at))  # the stored group, no "(delad länk)"
    assert dict(at.query_params) == link


def test_a_karta_links_group_is_saved_beside_a_stored_group_of_its_id(
        small_app_warehouse, tmp_path, monkeypatch):
    """The link's group whose id a stored group has (goteborgsregionen, suggested in every
    browser) is read as 'goteborgsregionen-delad' and saved under that id, as the link
    parser names it; a name a stored group has is refused as on Egna grupper."""
    monkeypatch.chdir(ROOT)
    colleague = tmp_path / "colleague.duckdb"
    monkeypatch.setenv("USER_DB_PATH", str(colleague))
    at = _app(sida="karta", kommun="1480", omrade="group:goteborgsregionen",
              egnagrupper="goteborgsregionen:0180.0181:Fejkregionen").run()
    at = _spara(at)[0].click().run()
    assert not at.exception
    stored = {g.group_id: (g.name, g.members) for g in usergroups.list_groups(colleague)}
    assert stored["goteborgsregionen-delad"] == ("Fejkregionen", ("0180", "0181"))
    assert stored["goteborgsregionen"][0] == "Göteborgsregionen"
    assert at.query_params["omrade"] == "group:goteborgsregionen-delad"
    assert at.title[0].value == "Karta – Fejkregionen"

    at = _app(sida="karta", kommun="1480", omrade="group:gr",
              egnagrupper="gr:0180.0181:Göteborgsregionen").run()
    at = _spara(at)[0].click().run()
    assert [e.value for e in at.error] == [
        "- Det finns redan en grupp som heter \u201dGöteborgsregionen\u201d."]
    assert "gr" not in {g.group_id for g in usergroups.list_groups(colleague)}


def test_a_saved_links_group_takes_the_id_beside_one_stored_meanwhile(tmp_path):
    users = tmp_path / "users.duckdb"
    usergroups.save(GroupSpec("Värend", ("0764", "0780")), path=users)  # id 'varend'
    saved = usergroups.save(GroupSpec("Värend, tre", ("0764", "0763", "0780")), path=users,
                            new_id="varend")
    assert saved.group_id == "varend-delad"
    again = usergroups.save(GroupSpec("Värend, två", ("0763", "0780")), path=users,
                            new_id="varend")
    assert again.group_id == "varend-delad2"


def test_no_save_button_where_groups_are_read_only(sender_group, tmp_path, monkeypatch):
    group = sender_group
    link = dict(_app(sida="karta", kommun="0160",
                     omrade=f"group:{group.group_id}").run().query_params)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))
    monkeypatch.setenv("GROUPS_READONLY", "1")
    at = _app(**link).run()
    assert not at.exception and _spara(at) == []
    assert any("GROUPS_READONLY=1" in c.value for c in at.caption)



def test_a_links_group_named_as_a_stored_one_is_told_apart_in_the_chart(
        small_app_warehouse, tmp_path, monkeypatch, shared):
    """walk26: a link's group goes under its own name; only beside a group stored here by
    the same name does it keep "(delad länk)", so the legend tells the two apart."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("USER_DB_PATH", str(tmp_path / "colleague.duckdb"))
    at = _app(sida="jamfor", kommun="1480", jamfor="group:goteborgsregionen,group:gbg2",
              egnagrupper="gbg2:0180.0181:Göteborgsregionen").run()
    assert not at.exception
    assert _warnings(at) == ""
    drawn = _drawn(at)
    assert {"Göteborgsregionen", "Göteborgsregionen (delad länk)"} <= set(drawn)
    # the link's group is Stockholm and Södertälje, weighted by their population 16–64
    rate, young, rest = (_kolada(shared, kpi, 2022) for kpi in ("N03920", "N01954", "N01955"))
    weight = {k: young[k] + rest[k] for k in ("0180", "0181")}
    expected = sum(rate[k] * w for k, w in weight.items()) / sum(weight.values())
    assert drawn["Göteborgsregionen (delad länk)"][2022] == pytest.approx(expected, abs=1e-9)
    assert drawn["Göteborgsregionen"][2022] != pytest.approx(expected, abs=1e-6)
