"""Kommun and län names as Arbetsförmedlingen may spell them -> codes, from real name lists
(Kolada's and SCB's in ../shared/data)."""

from __future__ import annotations

import json

import pytest

from transforms.af_names import UnmappedNames, build_index, is_unknown, map_names


@pytest.fixture(scope="module")
def indexes(shared):
    muni = json.loads((shared / "kolada_v3/municipality.json").read_text("utf-8"))["values"]
    labels = json.loads((shared / "scb_v2/tables/TAB6471/metadata.json").read_text("utf-8"))[
        "dimension"]["Region"]["category"]["label"]
    kommun = [(m["id"], m["title"]) for m in muni if m["type"] == "K"]
    kommun += [(c, n) for c, n in labels.items() if len(c) == 4]
    lan = [(c, n) for c, n in labels.items() if len(c) == 2 and c != "00"]
    lan += [(m["id"][2:], m["title"]) for m in muni if m["type"] == "L" and m["id"] != "0000"]
    return build_index("kommun", kommun), build_index("lan", lan)


@pytest.mark.parametrize(("spelling", "code"), [
    ("Upplands Väsby", "0114"), ("Upplands-Väsby", "0114"), ("upplands väsby kommun", "0114"),
    ("Malung-Sälen", "2023"), ("Malung-Sälens kommun", "2023"), ("Malung", "2023"),
    ("Dals-Ed", "1438"), ("Dals Ed", "1438"), ("Dals-Eds kommun", "1438"),
    ("Stockholms stad", "0180"), ("0180 Stockholm", "0180"), ("Stockholm", "0180"),
    ("Falu kommun", "2080"), ("Falun", "2080"), ("Region Gotland", "0980"),
    ("Gotlands kommun", "0980"), ("Borås", "1490"), ("Borås Stad", "1490"),
    ("Håbo", "0305"), ("Habo", "0643"), ("Goteborg", "1480"), ("Göteborgs Stad", "1480"),
    ("  Växjö  ", "0780"), ("Östra Göinge", "1256"), ("Lilla Edet", "1462"), ("780", "0780"),
    ("0780", "0780"),
])
def test_every_spelling_maps_to_its_kommun(indexes, spelling, code):
    assert map_names([spelling], indexes[0]) == {spelling: code}


@pytest.mark.parametrize(("spelling", "code"), [
    ("Stockholms län", "01"), ("01 Stockholms län", "01"), ("Region Stockholm", "01"),
    ("Stockholm", "01"), ("Södermanlands län", "04"), ("Region Sörmland", "04"),
    ("Sörmland", "04"), ("Jämtlands län", "23"), ("Jämtland Härjedalen", "23"),
    ("Västra Götalands län", "14"), ("Västra Götalandsregionen", "14"), ("Skåne län", "12"),
    ("Kronobergs län", "07"), ("7", "07"), ("Örebro län", "18"), ("Dalarnas län", "20"),
])
def test_every_lan_spelling_maps_to_its_code(indexes, spelling, code):
    assert map_names([spelling], indexes[1]) == {spelling: code}


def test_uppgift_saknas_is_never_a_kommun(indexes):
    assert map_names(["Uppgift saknas", "uppgift  saknas"], indexes[0]) == {
        "Uppgift saknas": None, "uppgift  saknas": None}
    assert is_unknown("UPPGIFT SAKNAS") and not is_unknown("Uppsala")


def test_unmapped_names_stop_with_the_whole_list(indexes):
    with pytest.raises(UnmappedNames) as err:
        map_names(["Växjö", "Nyby", "Kommun X", None, "Uppgift saknas"], indexes[0],
                  where="web-sok-lan-kom-2026-08.xlsx, fältet KOMMUN_BESKR: ")
    assert err.value.names == ["(tom)", "Kommun X", "Nyby"]
    assert str(err.value).startswith("web-sok-lan-kom-2026-08.xlsx, fältet KOMMUN_BESKR: 3 "
                                     "kommunnamn kunde inte kopplas")


def test_a_code_that_is_not_a_kommun_is_unmapped(indexes):
    with pytest.raises(UnmappedNames):
        map_names(["9999 Ingenstans"], indexes[0])


def test_the_real_name_lists_map_all_290_kommuner(indexes, shared):
    muni = json.loads((shared / "kolada_v3/municipality.json").read_text("utf-8"))["values"]
    names = {m["title"]: m["id"] for m in muni if m["type"] == "K"}
    assert map_names(list(names), indexes[0]) == names
    assert len(set(names.values())) == 290
