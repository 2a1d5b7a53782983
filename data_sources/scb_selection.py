"""PxWebApi 2.0 selections: resolve value expressions, count cells, split to fit a call.

Shared by the SCB client (to count cells before it calls, and to split) and the replay server
(to answer a selection from a recorded body). Expressions follow PxWebApi's own resolver
(PxTools/PxWebApi ``SelectionExpressions``): ``*``, ``abc*``, ``*abc``, ``*abc*``, ``?`` as a
one-character wildcard, ``top(n[,offset])``, ``bottom(n[,offset])``, ``from(code)``,
``to(code)``, ``range(a,b)``; codes match case-insensitively. For the time variable ``top``
means the latest periods and ``bottom`` the earliest (time is always ascending).
Pure functions; no HTTP here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from math import prod

Selection = dict[str, list[str]]

_TOP = re.compile(r"^(top|bottom)\(\s*([1-9]\d*)\s*(?:,\s*(\d+)\s*)?\)$", re.IGNORECASE)
_ONE = re.compile(r"^(from|to)\((.+)\)$", re.IGNORECASE)
_RANGE = re.compile(r"^range\(([^,]+),([^,)]+)\)$", re.IGNORECASE)


class SelectionError(ValueError):
    """A selection the API would refuse; ``title`` is the API's problem title."""

    def __init__(self, title: str, detail: str):
        super().__init__(f"{title}: {detail}")
        self.title = title
        self.detail = detail


def is_expression(value: str) -> bool:
    """True when ``value`` is a selection expression rather than a plain code."""
    return ("*" in value or "?" in value or bool(_TOP.match(value) or _ONE.match(value)
                                                 or _RANGE.match(value)))


def _index(universe: Sequence[str], code: str) -> int:
    try:
        return universe.index(code)
    except ValueError:
        pass
    lowered = code.strip().lower()
    for i, candidate in enumerate(universe):
        if candidate.lower() == lowered:
            return i
    raise SelectionError("Non-existent value", f"'{code}' is not a value")


def _wildcard(universe: Sequence[str], expr: str) -> list[int]:
    if expr == "*":
        return list(range(len(universe)))
    if "*" in expr:
        stars = expr.count("*")
        inner = expr.strip("*")
        if stars > 2 or "*" in inner:
            raise SelectionError("Illegal selection expression", expr)
        if expr.startswith("*") and expr.endswith("*"):
            return [i for i, c in enumerate(universe) if inner.lower() in c.lower()]
        if expr.startswith("*"):
            return [i for i, c in enumerate(universe) if c.lower().endswith(inner.lower())]
        return [i for i, c in enumerate(universe) if c.lower().startswith(inner.lower())]
    pattern = re.compile("^" + re.escape(expr).replace(r"\?", ".") + "$", re.IGNORECASE)
    return [i for i, c in enumerate(universe) if pattern.match(c)]


def _positions(universe: Sequence[str], value: str, *, is_time: bool) -> list[int]:
    n = len(universe)
    if m := _TOP.match(value):
        count, offset = int(m[2]), int(m[3] or 0)
        first_n = (m[1].lower() == "top") != is_time  # non-time top / time bottom: the first
        picked = list(range(n))[offset:offset + count] if first_n else \
            list(range(n))[::-1][offset:offset + count][::-1]
        return picked
    if m := _ONE.match(value):
        i = _index(universe, m[2])
        return list(range(i, n)) if m[1].lower() == "from" else list(range(i + 1))
    if m := _RANGE.match(value):
        a, b = sorted((_index(universe, m[1]), _index(universe, m[2])))
        return list(range(a, b + 1))
    if "*" in value or "?" in value:
        return _wildcard(universe, value)
    return [_index(universe, value)]


def resolve(values: Sequence[str], universe: Sequence[str], *, is_time: bool = False
            ) -> list[str]:
    """The codes ``values`` (codes and expressions) select from ``universe``.

    Returned in the universe's order without repeats, spelt as in the universe.
    Raises SelectionError for an unknown code or a malformed expression.
    """
    universe = list(universe)
    picked: set[int] = set()
    for value in values:
        picked.update(_positions(universe, str(value), is_time=is_time))
    return [universe[i] for i in sorted(picked)]


def count_cells(selection: Mapping[str, Collection[str]]) -> int:
    """Cells a selection asks for: the product of the non-empty value lists (as the API counts)."""
    return prod(len(v) for v in selection.values() if len(v) > 0)


def _parts_needed(sizes: dict[str, int], max_cells: int, splittable: list[str]) -> int:
    """Fewest calls a selection of these sizes needs when split as :func:`split` does."""
    cells = prod(sizes.values())
    if cells <= max_cells:
        return 1
    best = None
    for dim in (d for d in splittable if sizes[d] > 1):
        rest = cells // sizes[dim]
        if rest <= max_cells:
            count = -(-sizes[dim] // (max_cells // rest))
        else:
            count = sizes[dim] * _parts_needed({**sizes, dim: 1}, max_cells, splittable)
        best = count if best is None else min(best, count)
    if best is None:
        raise SelectionError("Too many cells selected",
                             f"{cells} cells and nothing left to split (max {max_cells})")
    return best


def split(selection: Mapping[str, Sequence[str]], max_cells: int, *,
          fixed: Collection[str] = ()) -> list[Selection]:
    """Split ``selection`` until every part has at most ``max_cells`` cells.

    Splits one variable not in ``fixed`` (contents and time stay whole) into consecutive
    chunks, choosing the variable that leads to the fewest calls (ties: the longest), and
    recurses where one value of it is still too big. The parts keep the variables' order and
    cover each cell exactly once, in the table's order. Raises SelectionError when the fixed
    variables alone exceed ``max_cells``.
    """
    current: Selection = {k: list(v) for k, v in selection.items()}
    sizes = {k: max(len(v), 1) for k, v in current.items()}
    cells = prod(sizes.values())
    if cells <= max_cells:
        return [current]
    splittable = [k for k in current if k not in fixed]
    _parts_needed(sizes, max_cells, splittable)  # raises when nothing can be split

    def calls(dim: str) -> tuple[int, int]:
        rest = cells // sizes[dim]
        count = (-(-sizes[dim] // (max_cells // rest)) if rest <= max_cells
                 else sizes[dim] * _parts_needed({**sizes, dim: 1}, max_cells, splittable))
        return count, -sizes[dim]

    dim = min((d for d in splittable if sizes[d] > 1), key=calls)
    rest = cells // sizes[dim]
    per_part = max(1, max_cells // rest)
    parts: list[Selection] = []
    for start in range(0, len(current[dim]), per_part):
        part = {**current, dim: current[dim][start:start + per_part]}
        parts.extend(split(part, max_cells, fixed=fixed))
    return parts
