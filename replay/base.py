"""Types shared by the replay apps (one app per source folder of a mirror)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Reply:
    """An HTTP answer from a replay app."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: object, status: int = 200, **headers: str) -> Reply:
        """A JSON answer, UTF-8, compact like the live APIs."""
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status, data, {"Content-Type": "application/json; charset=utf-8", **headers})


@dataclass
class Request:
    """What a replay app sees of a request: path below its prefix, query, body, public base."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    base_url: str  # e.g. http://127.0.0.1:8765/kolada/v3

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter (case-sensitive), else ``default``."""
        values = self.query.get(name)
        return values[0] if values else default


class App(Protocol):
    """A replay app answers requests for one source."""

    def handle(self, request: Request) -> Reply:  # pragma: no cover - protocol
        ...
