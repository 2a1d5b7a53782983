"""PxWebApi 2.0 replay (placeholder until the SCB replay lands)."""

from __future__ import annotations

from pathlib import Path

from replay.base import Reply, Request


class ScbApp:
    """Serves one ``scb_v2`` folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def handle(self, request: Request) -> Reply:
        """Not implemented yet."""
        return Reply.json({"error": "not implemented"}, 404)
