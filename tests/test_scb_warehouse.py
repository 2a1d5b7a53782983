"""SCB in the refresh and the warehouse: TAB6471 from the mirror, län names, BAS rules."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from transforms import bas


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
    assert scb["failed"] == 0 and scb["fetched"] == 2  # TAB6471 (län) + kommunkopplingar
    skipped = {o.dataset for o in report.outcomes if o.message.startswith("ej i spegeln")}
    assert {"bas_kommun_monthly", "integration_kommun_new", "population_kommun_year"} <= skipped


def test_scb_snapshots_are_in_the_provenance(warehouse):
    rows = warehouse.execute("select dataset, n_files, url from marts.provenance "
                             "where source = 'scb'").fetchall()
    by = {r[0]: r for r in rows}
    assert "population_lan_monthly" in by and by["population_lan_monthly"][1] >= 4
    assert "kommunkopplingar" in by


# --- BAS rules on hand-made frames (no real BAS response exists here) ------------------------

def _handmade_bas():
    rows = []
    for kommun, unemployed, labour in (("0764", 1000.0, 10000.0), ("0780", 3000.0, 50000.0)):
        for period, factor in ((date(2025, 4, 1), 1.1), (date(2026, 4, 1), 1.0)):
            rows.append({"kommun_code": kommun, "sex": "T", "age_code": "16-64",
                         "age_label": "16–64 år", "birth_region_code": "tot",
                         "birth_region_label": "totalt", "period": period,
                         "unemployment_rate": 100 * unemployed * factor / labour,
                         "labour_force_count": labour, "unemployed_count": unemployed * factor,
                         "is_preliminary": period.year == 2026})
            rows.append({**rows[-1], "age_code": "16-24", "age_label": "16–24 år",
                         "unemployed_count": 1.0, "labour_force_count": 2.0})
    return pd.DataFrame(rows)


def test_bas_area_rate_is_summed_counts_over_summed_labour_force():
    monthly = bas.area_monthly(_handmade_bas(), ["0764", "0780"])
    latest = bas.latest_with_year_before(monthly)
    assert latest["rate"] == pytest.approx(100 * 4000 / 60000)  # 6.67, not mean(10, 6) = 8
    assert latest["rate_year_before"] == pytest.approx(100 * 4400 / 60000)
    assert latest["period"] == date(2026, 4, 1) and latest["is_preliminary"]


def test_bas_area_without_counts_is_withheld_but_a_kommun_keeps_its_rate():
    df = _handmade_bas().assign(unemployed_count=np.nan)
    assert bas.latest_with_year_before(bas.area_monthly(df, ["0764", "0780"])) is None
    single = bas.latest_with_year_before(bas.area_monthly(df, ["0780"]))
    assert single["rate"] == pytest.approx(6.0)
