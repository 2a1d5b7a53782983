"""Which weight a member carries is decided once (review27, item 3): a member set's series
(``_group_series_sql``), a like-for-like change (``member_values_weighted``) and the population
behind a partial rate (``covered_shares``) each tested "are the weights split by this sex?"
their own way (over the members, over the two years asked, over the whole warehouse). On the
recorded data they agree; they part where a sex's weights are missing for some kommuner.

The warehouse here is the small one refreshed from ../shared/data with ONE change, made here
and said so: the women's weights (N01954 + N01955, sex K) of Blekinge's and Kronoberg's 13
kommuner are deleted; the other 277 kommuner keep theirs. By the build's rule
(transforms.areas.aggregate over every kommun's weights) the weights are split by sex, so
those kommuner have no women's weight and do not report; the group series and the
like-for-like weights (whose test looked at the members only) fell back to the total's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import copy_small
from transforms import areas as area_rules
from warehouse import queries
from warehouse.db import connect


@pytest.fixture(scope="module")
def without_womens_weights(small_base, tmp_path_factory):
    _, target = copy_small(small_base, tmp_path_factory.mktemp("weights") / "small")
    con = connect(target, read_only=False)
    ind = queries.indicator(con, "N03920")
    members = [*queries.area(con, "lan:10").members, *queries.area(con, "lan:07").members]
    con.execute("delete " + queries._weights_from(ind) + " and sex = 'K' "
                "and list_contains(?, kommun_code)", [queries._weights_key(ind), members])
    con.close()
    con = connect(target)
    yield con, ind, members
    con.close()


def test_every_reader_of_a_members_weight_follows_the_builds_rule(without_womens_weights):
    con, ind, members = without_womens_weights
    assert len(members) == 13
    weights = con.execute("select kommun_code, year, sex, weight " + queries._weights_from(ind),
                          [queries._weights_key(ind)]).df()
    assert set(weights.loc[weights["sex"] == "K", "kommun_code"]) & set(members) == set()
    assert weights.loc[weights["sex"] == "K", "kommun_code"].nunique() == 277
    values = con.execute("select kommun_code, year, sex, value from marts.observation_kommun_year"
                         " where indicator_id = ? and sex = 'K'", [ind.id]).df()
    first = con.execute("select kommun_code, first_year from marts.kommun").df()
    build = area_rules.aggregate(values, pd.DataFrame({"area_id": "g", "kommun_code": members}),
                                 rule="weighted", weights=weights,
                                 first_year=first.set_index("kommun_code")["first_year"])
    group = queries.computed_area_series(con, ind, members, "K")
    both = build.merge(group, on="year", suffixes=("_build", ""))
    assert len(both) >= 10 and (both["n_reporting_build"] == 0).all()
    assert (both["n_reporting"] == both["n_reporting_build"]).all()
    assert (both["status"] == both["status_build"]).all()
    assert np.allclose(both["value"], both["value_build"], equal_nan=True)
    # the like-for-like change's weights and the population share read the same rule
    two = queries.member_values_weighted(con, ind, members, "K", (2021, 2022))
    assert len(two) == 26 and two["weight"].isna().all()
    shares = queries.covered_shares(con, ind, members, "K")
    assert shares["covered_share"].isna().all()  # an expected member without a weight
    # the men's weights are whole: every member reports
    men = queries.computed_area_series(con, ind, members, "M")
    assert (men.loc[men["value"].notna(), "n_reporting"] == len(members)).all()
