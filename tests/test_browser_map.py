"""Karta in real headless Chromium: the map is drawn with no request leaving 127.0.0.1 (no
map tiles, no plotly topojson from a CDN). Uses test_browser's server and browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import _fresh, _heading

pytestmark = pytest.mark.browser


# The shapes MapLibre has drawn in the choropleth's fill layer (the map's first trace): each
# feature's properties hold its centre (ct) and fill colour (fc), so distinct ones = shapes.
DRAWN = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!sub || !sub.map || !sub.map.loaded()) return null;
  const layer = sub.map.getStyle().layers.find(l => l.type === 'fill');
  const feats = sub.map.queryRenderedFeatures({layers: [layer.id]});
  return {shapes: new Set(feats.map(f => JSON.stringify(f.properties.ct))).size,
          colours: new Set(feats.map(f => f.properties.fc)).size,
          key: feats.map(f => f.properties.fc).sort().join()};
}"""


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
def test_the_map_draws_offline(browser, app_url, query, heading, n):
    with _fresh(browser) as pg:
        pg.goto(f"{app_url}/?{query}", wait_until="domcontentloaded")
        _heading(pg, heading)
        drawn = _drawn(pg, n)
        assert drawn["shapes"] == n
        assert drawn["colours"] >= 4  # the classes, not one empty fill
        pg.wait_for_timeout(1000)  # any late request (a topojson fetch) would show now
        assert pg.outside == []
        assert pg.failed == []
        if os.environ.get("SCREENSHOT_DIR"):
            pg.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) /
                                   f"karta_{n}.png"), full_page=True)
