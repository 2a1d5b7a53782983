"""Karta in real headless Chromium: the map is drawn with no request leaving 127.0.0.1 (no
map tiles, no plotly topojson from a CDN). Uses test_browser's server and browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import _heading, _new_page

pytestmark = pytest.mark.browser


# The shapes the choropleth has drawn: its SVG paths (one per kommun or area) and their
# fill colours, so distinct fills = classes in use. (A MapLibre map, as Karta drew before,
# is asked for the features it rendered: bench/bench_map.py times a baseline with it.)
DRAWN = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd) return null;
  const paths = gd.querySelectorAll('path.choroplethlocation');
  let fills = Array.from(paths, p => getComputedStyle(p).fill), shapes = paths.length;
  const sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!shapes && sub && sub.map && sub.map.loaded()) {
    const layer = sub.map.getStyle().layers.find(l => l.type === 'fill');
    const feats = sub.map.queryRenderedFeatures({layers: [layer.id]});
    shapes = new Set(feats.map(f => JSON.stringify(f.properties.ct))).size;
    fills = feats.map(f => f.properties.fc).sort();
  }
  if (!shapes) return null;
  return {shapes: shapes, colours: new Set(fills).size, key: fills.join()};
}"""


# every plotly figure done with its own work: no pending promise (a topojson fetch is one)
SETTLED = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .every(gd => !(gd._promises && gd._promises.length) && !gd._transitioning)"""


@pytest.fixture(scope="module")
def map_tab(browser):
    """One tab for the three maps (issue 12 point 8: a context each loaded and compiled
    Streamlit's scripts three times), at 1024 × 700: the test counts shapes and colours, not
    the layout. Each map is a new page load, so a new Streamlit session."""
    pg = _new_page(browser, viewport=(1024, 700))
    yield pg
    pg.context.close()


def _drawn(pg, expected: int) -> dict:
    """Wait until the choropleth has drawn ``expected`` shapes; return shapes and colours."""
    pg.wait_for_function(f"n => {{ const d = ({DRAWN})(); return d && d.shapes === n; }}",
                         arg=expected, timeout=60_000)
    return pg.evaluate(DRAWN)


@pytest.mark.parametrize(("query", "heading", "n"), [
    ("sida=karta&kommun=0780", "Karta – Växjö", 290),
    ("sida=karta&kommun=0780&omrade=lan:07", "Karta – Kronobergs län", 8),
    ("sida=karta&kommun=0780&lager=la&klasser=riket", "Karta – Växjö", 67),
])
def test_the_map_draws_offline(map_tab, app_url, query, heading, n):
    pg = map_tab
    pg.outside.clear()
    pg.failed.clear()
    pg.goto(f"{app_url}/?{query}", wait_until="domcontentloaded")
    _heading(pg, heading)
    drawn = _drawn(pg, n)
    assert drawn["shapes"] == n
    assert drawn["colours"] >= 4  # the classes, not one empty fill
    # any late request (a topojson fetch) is made before plotly settles: wait for that,
    # not a fixed second
    pg.wait_for_function(SETTLED, timeout=30_000)
    assert pg.outside == []
    assert pg.failed == []
    if os.environ.get("SCREENSHOT_DIR"):
        pg.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) /
                               f"karta_{n}.png"), full_page=True)
