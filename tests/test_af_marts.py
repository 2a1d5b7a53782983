"""Arbetsförmedlingen marts: kommun × month × group, and the unknown rows behind exact län and
Riket (the area values themselves go through the generic monthly layer: test_af_monthly.py).

The hand-made 2026-08 population is shaped to the published check figures in DOMAIN.md
(Riket 349 398 inskrivna arbetslösa, 171 986 kvinnor, 177 412 män, 119 with unknown län; the
kommuner's TOTAK 5 354 201,08), so the sums are tested against those targets."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from tests.af_workbooks import andel_workbook, file_names, scenario, sok_workbook
from transforms import af
from transforms.af_names import build_index
from transforms.staging_af import AfLayoutError, read_andel_av_bas, read_sok_lan_kom

ANDEL, SOK = file_names("2026-08")
AUG = date(2026, 8, 1)


@pytest.fixture(scope="module")
def indexes(shared):
    muni = json.loads((shared / "kolada_v3/municipality.json").read_text("utf-8"))["values"]
    labels = json.loads((shared / "scb_v2/tables/TAB6471/metadata.json").read_text("utf-8"))[
        "dimension"]["Region"]["category"]["label"]
    kommun = build_index("kommun", [(m["id"], m["title"]) for m in muni if m["type"] == "K"])
    lan = build_index("lan", [(c, n) for c, n in labels.items() if len(c) == 2 and c != "00"])
    return kommun, lan


@pytest.fixture(scope="module")
def checked(tmp_path_factory, indexes):
    """The check-figure population read back: kommun mart, unknown rows, areas."""
    tmp = tmp_path_factory.mktemp("af")
    sc = scenario(("2021-12", "2022-01", "2026-07", "2026-08"), check_figures=True)
    andel = read_andel_av_bas(andel_workbook(tmp / ANDEL, sc), ANDEL)
    sok = read_sok_lan_kom(sok_workbook(tmp / SOK, sc), SOK)
    kommun, own = af.kommun_monthly(andel, *indexes)
    unknown = af.unallocated_from_sok(sok, indexes[1], andel.age_bands)
    return {"sc": sc, "andel": andel, "sok": sok, "kommun": kommun, "own": own,
            "unknown": unknown, "tmp": tmp}


def test_riket_is_349_398_only_with_the_uppgift_saknas_rows(checked):
    kommuner_only = checked["kommun"].query("group_code == 'TOT'")
    kommuner_only = kommuner_only[kommuner_only["period"] == AUG]["inskrivna_count"].sum()
    assert kommuner_only < 349_398
    unknown = checked["unknown"]
    tot = unknown[(unknown["period"] == AUG) & (unknown["group_code"] == "TOT")]
    assert tot.loc[tot["lan_code"].isna(), "inskrivna_count"].sum() == 119
    assert kommuner_only + tot["inskrivna_count"].sum() == 349_398
    assert not tot["inskrivna_is_masked"].any() and tot["is_derivable"].all()


def test_uppgift_saknas_never_becomes_a_kommun(checked):
    kommun = checked["kommun"]
    assert kommun["kommun_code"].notna().all() and kommun["kommun_code"].nunique() == 290
    assert kommun["kommun_code"].str.fullmatch(r"\d{4}").all()
    assert checked["own"].empty  # andel-av-bas as documented has no unknown rows


def test_unknown_rows_are_formed_for_every_group(checked):
    unknown = checked["unknown"]
    aug = unknown[unknown["period"] == AUG].groupby("group_code")["inskrivna_count"].sum()
    sc = checked["sc"]
    blocks = [b for m, _, _, b in sc.unknown if m == "2026-08"]
    assert aug["TOT"] == sum(sum(b["age"]) for b in blocks)
    assert aug["UNG"] == sum(b["age"][1] + b["age"][2] for b in blocks)  # 18-19 + 20-24
    assert aug["GAM"] == sum(b["age"][9] + b["age"][10] for b in blocks)  # 55-59 + 60-64
    assert aug["UTR"] == sum(b["birth"][1] for b in blocks)
    assert aug["EG"] == sum(b["education"][2] for b in blocks)
    assert unknown["is_derivable"].all()


def test_kommun_values_carry_their_group_band_and_denominator(checked):
    kommun = checked["kommun"]
    vaxjo = kommun[(kommun["kommun_code"] == "0780")].set_index(["period", "group_code"])
    sc = checked["sc"]
    row = vaxjo.loc[(AUG, "UNGK")]
    assert row["inskrivna_count"] == sc.sok("2026-08", "0780", "UNGK")
    assert row["labour_force_count"] == sc.ak[("2026-08", "0780", "UNGK")]
    assert row["inskrivna_share"] == pytest.approx(100 * row["inskrivna_count"]
                                                   / row["labour_force_count"])
    assert (row["population_group"], row["sex"], row["age_band"]) == ("unga", "K", "18–24")
    assert vaxjo.loc[(AUG, "TOT"), "age_band"] == "16–64"
    assert vaxjo.loc[(date(2021, 12, 1), "TOT"), "denominator"] == "RAMS"
    jan = vaxjo.loc[(date(2022, 1, 1), "TOT")]
    assert jan["denominator"] == "BAS (preliminär)" and jan["is_series_break"]
    assert not vaxjo.loc[(AUG, "TOT"), "is_series_break"]


def test_a_masked_kommun_count_is_flagged_never_0_or_5(checked, indexes):
    sc, folder = checked["sc"], checked["tmp"] / "masked"
    folder.mkdir()
    path = andel_workbook(folder / ANDEL, sc, masked={("2026-08", "0780", "UNGKSOK"): "<5"})
    kommun, _ = af.kommun_monthly(read_andel_av_bas(path, ANDEL), *indexes)
    cell = kommun[(kommun["kommun_code"] == "0780") & (kommun["period"] == AUG)
                  & (kommun["group_code"] == "UNGK")].iloc[0]
    assert cell["inskrivna_is_masked"] and pd.isna(cell["inskrivna_count"])
    assert cell["inskrivna_masked_below"] == 5 and pd.isna(cell["inskrivna_share"])
    assert cell["table_id"] == ANDEL and not cell["is_preliminary"]
    other = kommun[(kommun["kommun_code"] == "0780") & (kommun["group_code"] == "UNGM")]
    assert not other["inskrivna_is_masked"].any() and other["inskrivna_count"].notna().all()


@pytest.mark.parametrize(("items", "band", "expected"), [
    (["16-17 år", "18-19 år", "20-24 år", "25-29 år"], "18–24", ["18-19 år", "20-24 år"]),
    (["16-19 år", "20-24 år"], "18–24", None),  # 18-19 cannot be split out of 16-19
    (["18-24 år", "25-29 år"], "18–24", ["18-24 år"]),
    (["55-59 år", "60-64 år", "65- år"], "55–64", ["55-59 år", "60-64 år"]),
    (["55-59 år"], "55–64", None),
    (["18-19 år", "20-24 år"], None, None),
])
def test_band_items(items, band, expected):
    assert af.band_items(items, band) == expected


def test_a_group_that_cannot_be_formed_is_a_lower_bound(checked, indexes):
    sok = checked["sok"].copy()
    relabel = {"18-19 år": "16-19 år", "16-17 år": "16-19 år"}
    sok["item_label"] = sok["item_label"].astype(str).replace(relabel).astype("category")
    unknown = af.unallocated_from_sok(sok, indexes[1], checked["andel"].age_bands)
    ung = unknown[unknown["group_code"] == "UNG"]
    assert not ung["is_derivable"].any() and ung["inskrivna_count"].isna().all()
    # a null count among the unknown rows makes every län and Riket a lower bound for the
    # group (transforms.areas.aggregate, ``extra``; tested in test_monthly.py)
    tot = unknown[unknown["group_code"] == "TOT"]
    assert tot["is_derivable"].all() and tot["inskrivna_count"].notna().all()


def test_the_files_agree_kommun_by_kommun(checked, indexes):
    totals = af.sok_kommun_totals(checked["sok"], indexes[0])
    assert af.check_overlap(checked["kommun"], totals).empty
    shifted = totals.copy()
    first = shifted.index[(shifted["sex"] == "T") & (shifted["period"] == AUG)][0]
    shifted.loc[first, "known"] += 7
    bad = af.check_overlap(checked["kommun"], shifted)
    assert len(bad) == 1 and bad.iloc[0]["period"] == AUG


def test_a_kommun_in_the_wrong_lan_stops_the_import(checked, indexes):
    andel = checked["andel"]
    rows = andel.rows.copy()
    rows["lan_label"] = rows["lan_label"].astype(str)
    rows.loc[rows["kommun_label"] == "Växjö", "lan_label"] = "Kalmar län"
    broken = type(andel)(rows, andel.age_bands, andel.heading, andel.cache_part)
    with pytest.raises(AfLayoutError, match="kommun i fel län: 0780 under län 08"):
        af.kommun_monthly(broken, *indexes)


def test_heby_may_sit_in_its_old_lan(checked, indexes):
    andel = checked["andel"]
    rows = andel.rows.copy()
    rows["lan_label"] = rows["lan_label"].astype(str)
    old = (rows["kommun_label"] == "Heby") & (rows["period"].astype("datetime64[s]")
                                              < pd.Timestamp("2022-01-01"))
    rows.loc[old, "lan_label"] = "Västmanlands län"
    moved = type(andel)(rows, andel.age_bands, andel.heading, andel.cache_part)
    kommun, _ = af.kommun_monthly(moved, *indexes)
    heby = kommun[kommun["kommun_code"] == "0331"].set_index(["period", "group_code"])
    assert heby.loc[(date(2021, 12, 1), "TOT"), "source_lan_code"] == "19"
    assert heby.loc[(AUG, "TOT"), "source_lan_code"] == "03"
    # the area values place Heby by today's division (03), as every other series does
