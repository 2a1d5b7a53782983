"""Body mutations for ``Fault("mutate", …, mutate=…)``: the ways a source's JSON goes wrong.

Each function returns a mutation (parsed JSON in, parsed JSON out) and works on Kolada bodies
(``{"values": [{"kpi", "municipality", "period", "values": [...]}]}``) or json-stat2 bodies
as named. They copy, never change the replay's cached recording.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

Mutation = Callable[[object], object]


def rename_key(old: str, new: str) -> Mutation:
    """Every dict key ``old`` renamed ``new``, and every string ``old`` in a list (json-stat2
    ``id``/``role``): a renamed field (Kolada) or a renamed dimension (SCB)."""

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {(new if k == old else k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [new if item == old else walk(item) for item in node]
        return node

    return walk


def replace_code(old: str, new: str) -> Mutation:
    """Every string value ``old`` and every dict key ``old`` becomes ``new``: an unknown kommun
    code in a Kolada row, or an unknown region code in a json-stat2 category."""

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {(new if k == old else k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return new if node == old else node

    return walk


def duplicate_first_row(*, value: float | None = 99.9) -> Mutation:
    """Kolada: the first row repeated at the end with another value (pages that overlap)."""

    def mutate(body: object) -> object:
        body = copy.deepcopy(body)
        if body["values"]:
            twin = copy.deepcopy(body["values"][0])
            for v in twin["values"]:
                v["value"] = value
            body["values"].append(twin)
            body["count"] = len(body["values"])
        return body

    return mutate


def empty_values() -> Mutation:
    """Kolada: a well-formed answer with no rows (``{"count": 0, "values": []}``)."""
    return lambda body: {**body, "count": 0, "values": []}


def number_for_code(key: str = "municipality") -> Mutation:
    """Kolada: the code under ``key`` as a number ("0780" -> 780), as a careless export does."""

    def mutate(body: object) -> object:
        body = copy.deepcopy(body)
        for row in body["values"]:
            if isinstance(row.get(key), str) and row[key].isdigit():
                row[key] = int(row[key])
        return body

    return mutate


def numeric_category_index(dimension: str) -> Mutation:
    """json-stat2: a dimension's category index as a list of numbers ("07" -> 7)."""

    def mutate(body: object) -> object:
        body = copy.deepcopy(body)
        category = body["dimension"][dimension]["category"]
        category["index"] = [int(c) if c.isdigit() else c for c in category["index"]]
        return body

    return mutate


def empty_dataset() -> Mutation:
    """json-stat2: a dataset with no cells (every size 0, no values)."""

    def mutate(body: object) -> object:
        body = copy.deepcopy(body)
        body["size"] = [0 for _ in body["size"]]
        for dim in body["dimension"].values():
            dim["category"]["index"] = {}
            dim["category"]["label"] = {}
        body["value"] = []
        body.pop("status", None)
        return body

    return mutate


def duplicate_first_category() -> Mutation:
    """json-stat2: the first dimension's first code listed twice (index as a list), its cells
    repeated so the body still adds up: duplicate rows in json-stat2's terms."""

    def mutate(body: object) -> object:
        body = copy.deepcopy(body)
        dim = body["id"][0]
        codes = list(body["dimension"][dim]["category"]["index"])
        body["dimension"][dim]["category"]["index"] = [*codes, codes[0]]
        stride = math.prod(body["size"][1:])
        body["size"][0] += 1
        body["value"] = list(body["value"]) + list(body["value"][:stride])
        body.pop("status", None)
        return body

    return mutate
