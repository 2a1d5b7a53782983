"""SCB in the refresh and the warehouse: TAB6471 from the mirror, län names (BAS: test_bas)."""

from __future__ import annotations

import json

import numpy as np


def _tab6471(shared):
    body = json.loads((shared / "scb_v2/tables/TAB6471/data.json").read_bytes())
    cube = np.array(body["value"], dtype=float).reshape(body["size"])
    index = {d: list(body["dimension"][d]["category"]["index"]) for d in body["id"]}
    return body, cube, index


def test_the_mirror_refresh_loads_tab6471_as_recorded(warehouse, shared):
    body, cube, index = _tab6471(shared)
    r, t = index["Region"].index("07"), index["Tid"].index("2026M04")
    expected = cube[r, :, index["Kon"].index("TotSa"), 0, t].sum()
    got = warehouse.execute("""select sum(population) from marts.population_region_monthly
        where region_code = '07' and sex = 'T' and period = date '2026-04-01'""").fetchone()[0]
    assert got == expected == 202814
    n = warehouse.execute("select count(*) from marts.population_region_monthly").fetchone()[0]
    assert n == int(np.prod(body["size"])) == 2772
    women_2040 = warehouse.execute("""select population from marts.population_region_monthly
        where region_code = '01' and sex = 'K' and age_code = '20-29'
        and period = date '2026-01-01'""").fetchone()[0]
    assert women_2040 == cube[index["Region"].index("01"), index["Alder"].index("20-29"),
                              index["Kon"].index("2"), 0, 0]


def test_lan_names_are_scbs_own(warehouse):
    names = dict(warehouse.execute("select lan_code, any_value(lan_name) from marts.kommun "
                                   "group by all").fetchall())
    assert names["07"] == "Kronobergs län" and names["01"] == "Stockholms län"
    assert len(names) == 21 and all(n.endswith("län") for n in names.values())


def test_refresh_reports_scb_datasets_absent_from_the_mirror_as_skipped(built):
    report = built["result"].report
    scb = report.sources()["scb"]
    # TAB6471 (län), TAB6260 (BAS, Dalarna) and kommunkopplingar
    assert scb["failed"] == 0 and scb["fetched"] == 3
    skipped = {o.dataset for o in report.outcomes if o.message.startswith("ej i spegeln")}
    assert {"bas_kommun_monthly_final", "integration_kommun_new",
            "population_kommun_year"} <= skipped


def test_scb_snapshots_are_in_the_provenance(warehouse):
    rows = warehouse.execute("select dataset, n_files, url from marts.provenance "
                             "where source = 'scb'").fetchall()
    by = {r[0]: r for r in rows}
    assert "population_lan_monthly" in by and by["population_lan_monthly"][1] >= 4
    assert "kommunkopplingar" in by
