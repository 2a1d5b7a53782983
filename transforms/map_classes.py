"""Classes for a choropleth: quantiles, or a diverging scale around Riket. Pure.

A continuous colour scale lets one extreme kommun grey out the rest (Sweden's range of
unemployment runs from 1 % to 12 %, with most kommuner between 3 and 7). Classes avoid that:

- ``quantile_classes``: five classes with (as near as ties allow) as many kommuner in each.
- ``diverging_classes``: three classes under and three over Riket's value; the class edges
  are Riket ± the 1/3 and 2/3 quantiles of the kommuner's distance from Riket, so each side
  spreads over its own kommuner however far the extremes lie.

Edges are rounded to the indicator's decimals, so a value shown as "5,1" falls in the class
the legend says, and a label ends one step under the next class' start ("2,8–3,0 %" beside
"3,1–3,6 %"): no value shown is in two labels. Missing and suppressed values get no class
(drawn apart, never as 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.formatting import format_number

# colour-blind safe (ColorBrewer): YlGnBu for quantiles; around Riket RdBu where one end is
# better (blue = better than Riket, red = worse, each from pale next to Riket to strong), PuOr
# where neither end is better (orange under, purple over: no judgement)
SEQUENTIAL = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
DIVERGING = ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788")
BETTER_SIDE = ("#d1e5f0", "#67a9cf", "#2166ac")  # pale (next to Riket) -> strong
WORSE_SIDE = ("#fddbc7", "#ef8a62", "#b2182b")
MISSING_COLOR = "#d4d4d4"
SUPPRESSED_COLOR = "#8f8f8f"


@dataclass(frozen=True)
class Classes:
    """Class edges (n + 1, ascending), one label and colour per class, and the legend's title."""

    method: str  # 'quantiles' | 'riket'
    edges: tuple[float, ...]
    labels: tuple[str, ...]
    colors: tuple[str, ...]
    title: str
    decimals: int = 1
    center: float | None = None  # Riket's value for 'riket'
    better: str | None = None  # 'lower' | 'higher' | None: which end is good ('riket' only)

    def assign(self, values: pd.Series) -> pd.Series:
        """Class index (0..n-1) per value; NaN where the value is missing."""
        return assign(values, self.edges, self.decimals)


def assign(values: pd.Series, edges: tuple[float, ...], decimals: int | None = None
           ) -> pd.Series:
    """Class index per value: edges[i] <= v < edges[i+1], the last class closed; NaN stays NaN.

    With ``decimals`` the value is rounded first, as it is shown. Values below the first or
    above the last edge go to the first or last class.
    """
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    if decimals is not None:
        x = x.round(decimals)
    inner = np.asarray(edges[1:-1], dtype="float64")
    idx = np.searchsorted(inner, x.to_numpy(), side="right").astype("float64")
    idx[np.isnan(x.to_numpy())] = np.nan
    return pd.Series(idx, index=values.index)


def _label(lo: float, hi: float, decimals: int, unit: str, last: bool = True) -> str:
    """'2,8–3,0 %': the values shown that fall in [lo, hi), or [lo, hi] for the last class.

    A class below the last ends one step (10^-decimals) under the next class' start, as
    ``assign`` places a value on the edge in the next class: "2,8–3,1 %" beside "3,1–3,6 %"
    left a kommun at 3,1 % in both (walk27)."""
    top = hi if last else round(hi - 10 ** -decimals, decimals)
    a, b = format_number(lo, decimals), format_number(max(top, lo), decimals)
    text = a if a == b else f"{a}–{b}"
    return f"{text} {unit}".strip()


def _labels(edges: list[float], decimals: int, unit: str) -> list[str]:
    """One label per class of ``edges`` (ascending, unique at ``decimals``): no two share a
    value as shown."""
    k = len(edges) - 1
    return [_label(edges[i], edges[i + 1], decimals, unit, last=i == k - 1) for i in range(k)]


def _rounded_unique(edges: list[float], decimals: int) -> list[float]:
    out: list[float] = []
    for e in edges:
        r = round(float(e), decimals)
        if not out or r > out[-1]:
            out.append(r)
    return out


def quantile_classes(values: pd.Series, *, decimals: int, unit: str = "",
                     n: int = 5, many: str = "kommuner") -> Classes | None:
    """Up to ``n`` quantile classes over the values present (fewer when ties merge edges);
    ``many`` names what the values belong to in the title ("lokala arbetsmarknader").

    None when there is no value at all.
    """
    x = pd.to_numeric(values, errors="coerce").dropna().astype("float64")
    if x.empty:
        return None
    qs = np.quantile(x, np.linspace(0, 1, n + 1))
    edges = _rounded_unique(list(qs), decimals)
    lo, hi = round(float(x.min()), decimals), round(float(x.max()), decimals)
    edges[0], edges[-1] = min(edges[0], lo), max(edges[-1], hi)
    if len(edges) == 1:
        edges = [edges[0], edges[0]]
    k = len(edges) - 1
    colors = SEQUENTIAL if k == len(SEQUENTIAL) else tuple(
        SEQUENTIAL[round(i * (len(SEQUENTIAL) - 1) / max(k - 1, 1))] for i in range(k))
    labels = tuple(_labels(edges, decimals, unit))
    title = (f"Klasser: kvantiler, ungefär lika många {many} i varje" if k > 1
             else "En klass: alla har samma värde")
    return Classes("quantiles", tuple(edges), labels, tuple(colors), title, decimals)


def _sides(better: str | None) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
    """Colours under and over Riket (each pale -> strong) and the words for each side."""
    if better == "lower":
        return BETTER_SIDE, WORSE_SIDE, "under riket, bättre", "över riket, sämre"
    if better == "higher":
        return WORSE_SIDE, BETTER_SIDE, "under riket, sämre", "över riket, bättre"
    return DIVERGING[2::-1], DIVERGING[3:], "under riket", "över riket"


def diverging_classes(values: pd.Series, center: float, *, decimals: int,
                      unit: str = "", better: str | None = None) -> Classes | None:
    """Three classes under and three over ``center`` (Riket), spread by the kommuner's own
    distances from it; fewer when a side is empty or ties merge edges. None without values.

    ``better`` (the indicator's good end, 'lower' or 'higher') colours the better side blue and
    the worse side red and says so in the labels and the title; without it the sides are
    orange and purple, neither better."""
    x = pd.to_numeric(values, errors="coerce").dropna().astype("float64")
    if x.empty or center is None or not np.isfinite(center):
        return None
    c = round(float(center), decimals)
    below, above = x[x < c], x[x >= c]
    lower = [float(x.min())]
    if not below.empty:
        q = np.quantile(c - below, [2 / 3, 1 / 3])
        lower += [c - q[0], c - q[1]]
    upper = []
    if not above.empty:
        q = np.quantile(above - c, [1 / 3, 2 / 3])
        upper = [c + q[0], c + q[1]]
    edges = _rounded_unique(lower + [c] + upper + [float(x.max())], decimals)
    if len(edges) == 1:
        edges = [edges[0], edges[0]]
    k = len(edges) - 1
    n_below = sum(1 for i in range(k) if edges[i + 1] <= c)
    under, over, under_text, over_text = _sides(better)
    # from the middle out: the classes next to Riket are the palest on each side
    colors = list(under[:n_below][::-1]) + list(over[:k - n_below])
    labels = [f"{text} ({under_text if i < n_below else over_text})"
              for i, text in enumerate(_labels(edges, decimals, unit))]
    title = (f"Klasser: avvikelse från riket ({format_number(c, decimals)}\u00a0{unit}"
             .strip() + "), tre steg åt varje håll")
    if better in ("lower", "higher"):
        title += (f"; blått = bättre än riket, rött = sämre "
                  f"({'lägre' if better == 'lower' else 'högre'} värde är bättre)")
    else:
        title += "; varken högt eller lågt värde är bättre"
    return Classes("riket", tuple(edges), tuple(labels), tuple(colors), title, decimals, c,
                   better)
