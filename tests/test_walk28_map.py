"""Walk28 point 4: Karta for SCB BAS, whose data cover Dalarna's 15 kommuner only, drew all of
Sweden with 275 grey kommuner. The view now fits the kommuner with a value (on screen and in
the image), the sentence above the map says the others have no values in the data, and a
map with values everywhere still shows the whole country. Offline as before: the view is
the geo subplot's own ranges (no fitbounds, nothing fetched)."""

from __future__ import annotations

import json

from exports.images import FORMATS, sized
from tests.test_app import _shown
from tests.test_bas_views import _dalarna_rates


def _geo(at) -> tuple[dict, dict]:
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return spec["layout"]["geo"], sized(spec, FORMATS["png169"])["layout"]["geo"]


def test_the_bas_map_fits_the_kommuner_with_a_value(app_env, warehouse, shared):
    from warehouse import queries

    codes = set(_dalarna_rates(shared, "2026M04"))
    assert len(codes) == 15
    shapes = queries.area_geometry(warehouse, "kommun")
    box = shapes[shapes["area_id"].isin({f"kommun:{c}" for c in codes})]
    at = _shown(sida="karta", kommun="2084", indikator="bas_arbetsloshet")
    assert not at.exception
    for geo in _geo(at):
        (lon0, lon1), (lat0, lat1) = geo["lonaxis"]["range"], geo["lataxis"]["range"]
        # every valued kommun inside the view, and little more: Dalarna, not Sweden
        assert lon0 <= box["lon_min"].min() and box["lon_max"].max() <= lon1
        assert lat0 <= box["lat_min"].min() and box["lat_max"].max() <= lat1
        assert lat1 - lat0 < 1.2 * (box["lat_max"].max() - box["lat_min"].min())
        assert lon1 - lon0 < 1.2 * (box["lon_max"].max() - box["lon_min"].min())
    said = " ".join(m.value for m in at.markdown)
    assert ("Kartan visar de 15 kommuner som har värden; övriga 275 av 290 har inga värden i "
            "den hämtade datan") in said


def test_a_map_with_values_everywhere_shows_the_whole_country(app_env, warehouse):
    from warehouse import queries

    shapes = queries.area_geometry(warehouse, "kommun")
    at = _shown(sida="karta", kommun="0780")  # N03920 2022: all 290 kommuner
    assert not at.exception
    for geo in _geo(at):
        (lon0, lon1), (lat0, lat1) = geo["lonaxis"]["range"], geo["lataxis"]["range"]
        assert lat0 <= shapes["lat_min"].min() and shapes["lat_max"].max() <= lat1
        assert lon0 <= shapes["lon_min"].min() and shapes["lon_max"].max() <= lon1
    assert "Kartan visar de" not in " ".join(m.value for m in at.markdown)
