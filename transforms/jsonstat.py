"""Our own json-stat2 decoder: one long row per cell, with status symbols and notes kept.

pyjstat drops ``status`` and the notes, and builds its rows in a Python loop. This decoder is
vectorised: the dimension columns are built with ``numpy.repeat``/``numpy.tile`` of each
dimension's positions, ``value`` is one float array and ``status`` is filled from the body's
dict, list or single string without touching every cell in Python.

Output of :func:`decode` (grain: one row per cell of the body's cube, row-major in the body's
dimension order, as json-stat2 stores ``value``):

- per dimension ``<dim>`` (the category code, a string, leading zeros kept) and
  ``<dim>_label`` (the category label, the code where the body gives none), both as pandas
  categoricals of strings (categories in the body's order): a cube repeats every code many
  times, and building string columns cell by cell would cost more than the rest of the decode;
- ``value``: float, NaN where the body has null or no value;
- ``status``: the symbol string (``..``, ``.``, ``-``, …) where the body carries one, else None.

``df.attrs`` carries the dataset's ``label``, ``source``, ``updated``, ``note`` (list),
``dimension_notes`` ({dim: [notes]}), ``dimension_labels``, ``role``, ``units``
({dim: {code: unit}}), ``extension`` and ``dims`` (the dimension ids in order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from math import prod

import numpy as np
import pandas as pd

from transforms.jsonio import json_loads


class JsonStatError(ValueError):
    """The body is not a json-stat2 dataset of the documented shape."""


def load(body: Mapping | bytes | str) -> dict:
    """The body as a dict (accepts the parsed dict, raw bytes or text)."""
    if isinstance(body, Mapping):
        return dict(body)
    try:
        parsed = json_loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonStatError(f"not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise JsonStatError("json-stat2 body must be a JSON object")
    return parsed


def category_codes(dimension: Mapping) -> list[str]:
    """A dimension's category codes in position order (index as dict, list, or absent)."""
    category = dimension.get("category") or {}
    index = category.get("index")
    if isinstance(index, Mapping):
        codes: list[str | None] = [None] * len(index)
        for code, pos in index.items():
            codes[int(pos)] = str(code)
        if any(c is None for c in codes):
            raise JsonStatError("category index positions are not 0..n-1")
        return [str(c) for c in codes]
    if isinstance(index, list):
        return [str(c) for c in index]
    labels = category.get("label") or {}
    if len(labels) == 1:  # json-stat allows a lone category without an index
        return [str(next(iter(labels)))]
    raise JsonStatError("category has no index")


def _check(body: dict) -> tuple[list[str], list[int]]:
    for key in ("id", "size", "dimension", "value"):
        if key not in body:
            raise JsonStatError(f"json-stat2 key '{key}' missing")
    dims, sizes = [str(d) for d in body["id"]], [int(s) for s in body["size"]]
    if len(dims) != len(sizes):
        raise JsonStatError("'id' and 'size' differ in length")
    for dim, size in zip(dims, sizes, strict=True):
        if dim not in body["dimension"]:
            raise JsonStatError(f"dimension '{dim}' missing")
        if len(category_codes(body["dimension"][dim])) != size:
            raise JsonStatError(f"dimension '{dim}' has not {size} categories")
    return dims, sizes


def _values(raw: object, n: int) -> np.ndarray:
    if isinstance(raw, list):
        if len(raw) != n:
            raise JsonStatError(f"'value' has {len(raw)} cells, size says {n}")
        return np.array(raw, dtype=float)  # None -> nan
    if isinstance(raw, Mapping):
        out = np.full(n, np.nan)
        if raw:
            pos = np.fromiter((int(k) for k in raw), dtype=np.int64, count=len(raw))
            out[pos] = np.array(list(raw.values()), dtype=float)
        return out
    raise JsonStatError("'value' must be a list or an object")


def _status(raw: object, n: int) -> np.ndarray:
    out = np.full(n, None, dtype=object)
    if raw is None:
        return out
    # an empty symbol means no symbol (None)
    if isinstance(raw, str):
        out[:] = raw or None
    elif isinstance(raw, list):
        if len(raw) == 1:
            out[:] = raw[0] or None
        elif len(raw) == n:
            out[:] = raw
            out[out == ""] = None
        else:
            raise JsonStatError(f"'status' has {len(raw)} entries, size says {n}")
    elif isinstance(raw, Mapping):
        # the usual shape: a few positions; only those are set (no pass over all n cells)
        given = {k: v for k, v in raw.items() if v != ""}
        if given:
            pos = np.fromiter((int(k) for k in given), dtype=np.int64, count=len(given))
            out[pos] = np.array(list(given.values()), dtype=object)
    else:
        raise JsonStatError("'status' must be a string, list or object")
    return out


def _attrs(body: dict, dims: list[str]) -> dict:
    dimension = body["dimension"]
    units = {d: dict(dimension[d].get("category", {}).get("unit") or {}) for d in dims}
    return {
        "label": body.get("label"),
        "source": body.get("source"),
        "updated": body.get("updated"),
        "note": list(body.get("note") or []),
        "dimension_notes": {d: list(dimension[d].get("note") or []) for d in dims
                            if dimension[d].get("note")},
        "dimension_labels": {d: dimension[d].get("label", d) for d in dims},
        "role": {k: list(v) for k, v in (body.get("role") or {}).items()},
        "units": {d: u for d, u in units.items() if u},
        "extension": body.get("extension") or {},
        "dims": list(dims),
    }


def _str_index(codes: list[str]) -> pd.Index:
    return pd.Index(codes, dtype="str")


def _unique_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """A categorical dtype over ``categories`` the caller knows to be unique: pandas' own
    check (an index engine per dtype) was ~8 % of decoding 150 000 cells (bench_jsonstat).
    Falls back to the checked constructor where pandas lacks the unchecked one."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(categories, False) if fast is not None else pd.CategoricalDtype(categories)


def decode(body: Mapping | bytes | str) -> pd.DataFrame:
    """Decode one json-stat2 dataset into a long frame (see the module docstring).

    Parameters
    ----------
    body
        The dataset as parsed JSON, bytes or text.

    Returns
    -------
    DataFrame with ``<dim>``, ``<dim>_label`` per dimension, ``value`` and ``status``; notes
    and metadata in ``df.attrs``.
    """
    data = load(body)
    dims, sizes = _check(data)
    n = prod(sizes)
    columns: dict[str, object] = {}
    for i, dim in enumerate(dims):
        codes = category_codes(data["dimension"][dim])
        labels = (data["dimension"][dim].get("category") or {}).get("label") or {}
        inner, outer = prod(sizes[i + 1:]), prod(sizes[:i])
        positions = np.tile(np.repeat(np.arange(sizes[i], dtype=np.int32), inner), outer)
        # the positions are ours (0..size-1): no check of every cell's code (validate=False)
        if len(set(codes)) != len(codes):
            raise JsonStatError(f"dimension '{dim}' repeats a category code")
        columns[dim] = pd.Categorical.from_codes(
            positions, dtype=_unique_dtype(_str_index(codes)), validate=False)
        # labels need not be unique: categories are the distinct labels
        label_of, distinct = pd.factorize(pd.Index([str(labels.get(c, c)) for c in codes],
                                                   dtype="str"))
        columns[f"{dim}_label"] = pd.Categorical.from_codes(
            label_of.astype(np.int32)[positions], dtype=_unique_dtype(distinct),
            validate=False)
    columns["value"] = _values(data["value"], n)
    columns["status"] = pd.Series(_status(data.get("status"), n), dtype=object)
    df = pd.DataFrame(columns, copy=False)  # the arrays are ours: no copy (~0.6 ms a 150k body)
    df.attrs = _attrs(data, dims)
    return df


def join_parts(bodies: Iterable[Mapping | bytes | str]) -> pd.DataFrame:
    """Decode the parts of a split fetch and join them into what one big response decodes to.

    Rows are ordered as json-stat2 orders one response holding all parts: row-major in the
    dimension order, each dimension's categories in order of first appearance across the parts
    (a split keeps the table's order inside each part). Overlapping parts are an error.
    """
    frames = [decode(b) for b in bodies]
    if not frames:
        raise JsonStatError("no parts to join")
    if len(frames) == 1:
        return frames[0]
    dims = frames[0].attrs["dims"]
    for f in frames[1:]:
        if f.attrs["dims"] != dims:
            raise JsonStatError(f"parts have different dimensions: {dims} vs {f.attrs['dims']}")
    positions: dict[str, np.ndarray] = {}
    labels: dict[str, dict[str, str]] = {}
    for dim in dims:
        labels[dim] = {}
        for f in frames:
            for code, label in zip(f[dim].cat.categories, _labels_by_code(f, dim), strict=True):
                labels[dim].setdefault(str(code), label)
        order = list(labels[dim])
        positions[dim] = np.concatenate([_recode(f[dim], order) for f in frames])
    keys = [positions[d] for d in dims]
    if pd.DataFrame(dict(enumerate(keys))).duplicated().any():
        raise JsonStatError("parts overlap: a cell appears in more than one part")
    sort = np.lexsort(keys[::-1])
    out: dict[str, object] = {}
    for dim in dims:
        codes = positions[dim][sort]
        out[dim] = pd.Categorical.from_codes(codes, categories=_str_index(list(labels[dim])))
        label_of, distinct = pd.factorize(pd.Index(list(labels[dim].values()), dtype="str"))
        out[f"{dim}_label"] = pd.Categorical.from_codes(label_of[codes], categories=distinct)
    out["value"] = np.concatenate([f["value"].to_numpy() for f in frames])[sort]
    out["status"] = pd.Series(np.concatenate([f["status"].to_numpy(dtype=object)
                                              for f in frames])[sort], dtype=object)
    df = pd.DataFrame(out)
    df.attrs = _merge_attrs(frames[0].attrs, [f.attrs for f in frames[1:]])
    return df


def _labels_by_code(frame: pd.DataFrame, dim: str) -> list[str]:
    """The label of each category of ``dim``, in category order."""
    codes, labels = frame[dim], frame[f"{dim}_label"]
    first = pd.Series(np.asarray(labels, dtype=object)).groupby(codes.cat.codes).first()
    return [str(first.get(i, c)) for i, c in enumerate(codes.cat.categories)]


def _recode(column: pd.Series, order: list[str]) -> np.ndarray:
    return pd.Categorical(np.asarray(column, dtype=object), categories=order).codes.astype(
        np.int64)


def _merge_attrs(first: dict, rest: list[dict]) -> dict:
    out = dict(first)
    notes = list(first.get("note") or [])
    for attrs in rest:
        notes += [n for n in attrs.get("note") or [] if n not in notes]
    out["note"] = notes
    return out


# a dataset note that dates a revision: "2026-05-28: The preliminary statistics from January
# 2020 to February 2026 have been revised. …" (SCB's TAB6260, English and Swedish wording)
_REVISION_NOTE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\b[^\n]*?\b(revid|revis)", re.IGNORECASE)


def revision_date(notes: Iterable[str]) -> str | None:
    """The newest date ('2026-05-28') a dataset's notes give for a revision of its figures
    (a note that starts with an ISO date and speaks of revising), None when no note does.

    The body's ``updated`` is when the table was last updated (TAB6260: 2026-06-29), not when
    SCB revised it; SCB says that in a note."""
    found = [m.group(1) for m in (_REVISION_NOTE.match(str(n)) for n in notes) if m]
    return max(found) if found else None
