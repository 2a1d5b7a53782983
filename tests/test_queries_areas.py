"""``queries.areas`` (the area picker's and the CLI's list) counts the members per area before
the join instead of grouping the joined rows by six text columns (issue 12 point 7): the frame
must stay the one the previous statement gave, values, order and dtypes, for every kind, on
the real warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse import queries

# the statement queries.areas ran before (stop 19, main at 2a06a42)
PREVIOUS = """select a.area_id, a.area_kind, a.area_code, a.area_name, a.vintage, a.source,
                     count(m.kommun_code) as n_members
              from marts.area a left join marts.area_member m using (area_id)
              where (? is null or a.area_kind = ?)
              group by a.area_id, a.area_kind, a.area_code, a.area_name, a.vintage, a.source
              order by case a.area_kind when 'riket' then 0 when 'lan' then 1 when 'la' then 2
                       when 'fa' then 3 when 'kommungrupp' then 4 else 5 end,
                       try_cast(a.area_code as integer) nulls last, a.area_code"""


@pytest.mark.parametrize("kind", [None, "riket", "lan", "la", "fa", "kommungrupp", "kommun",
                                  "group"])
def test_areas_equal_the_previous_statement(warehouse, kind):
    got = queries.areas(warehouse, kind)
    pd.testing.assert_frame_equal(got, warehouse.execute(PREVIOUS, [kind, kind]).df())
    if kind not in (None, "group"):
        assert len(got) > 0 and set(got["area_kind"]) == {kind}


def test_areas_count_the_real_members(warehouse):
    areas = queries.areas(warehouse).set_index("area_id")
    assert areas.index[0] == "riket" and areas.loc["riket", "n_members"] == 290
    assert areas.loc["lan:14", ["area_name", "n_members"]].tolist() == ["Västra Götalands län", 49]
    assert areas.loc["lan:01", "n_members"] == 26  # Stockholms län
    # every official kind partitions the 290 kommuner; a kommun is its own single member
    assert (areas.groupby("area_kind")["n_members"].sum() == 290).all()
    assert (areas.loc[areas["area_kind"] == "kommun", "n_members"] == 1).all()
    members = warehouse.execute("select area_id, count(*) from marts.area_member "
                                "group by area_id").fetchall()
    assert {a: int(n) for a, n in members} == areas["n_members"].astype(int).to_dict()


def test_areas_are_read_from_the_list_the_build_wrote(warehouse):
    """The build writes the picker's list (marts.area_list, in the picker's order) and
    ``areas`` reads it: the comparison above is then of the table, not of the fallback."""
    stored = warehouse.execute("select * from marts.area_list").df()
    pd.testing.assert_frame_equal(stored, warehouse.execute(PREVIOUS, [None, None]).df())
    assert len(stored) == warehouse.execute("select count(*) from marts.area").fetchone()[0]


def test_areas_of_a_warehouse_built_before_the_list(warehouse):
    """A warehouse without marts.area_list (built before it): the same frame, by the
    statement."""
    import duckdb

    old = duckdb.connect()
    old.execute("create schema marts")
    for table in ("area", "area_member"):
        frame = warehouse.execute(f"select * from marts.{table}").df()
        old.register("frame", frame)
        old.execute(f"create table marts.{table} as select * from frame")
        old.unregister("frame")
    for kind in (None, "lan", "kommun"):
        pd.testing.assert_frame_equal(queries.areas(old, kind),
                                      warehouse.execute(PREVIOUS, [kind, kind]).df())
