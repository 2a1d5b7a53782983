"""The recorded SCB responses in ../shared/data/scb_v2, read in place, and a mirror helper."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SHARED

SCB = SHARED / "scb_v2"
DATA = SCB / "tables" / "TAB6471" / "data.json"
RECORDED = json.loads(DATA.read_bytes())
LAN = list(RECORDED["dimension"]["Region"]["category"]["index"])
AGES = list(RECORDED["dimension"]["Alder"]["category"]["index"])


def make_mirror(tmp_path: Path, **config) -> Path:
    """A mirror root whose scb_v2/config.json has other limits; the rest links to the real files."""
    folder = tmp_path / "mirror" / "scb_v2"
    folder.mkdir(parents=True)
    body = json.loads((SCB / "config.json").read_bytes())
    (folder / "config.json").write_text(json.dumps({**body, **config}), "utf-8")
    for name in ("tables", "codelists", "tables.json", "tables_query_folkmangd.json"):
        (folder / name).symlink_to(SCB / name)
    return folder.parent
