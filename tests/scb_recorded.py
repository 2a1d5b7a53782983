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


BAS = SCB / "tables" / "TAB6260"
BAS_DATA = BAS / "data.json"
VINTAGES = SHARED / "scb_v2_vintages" / "TAB6260"


def bas_vintages() -> list[str]:
    """The dates of the recorded earlier publications of TAB6260, oldest first."""
    return sorted(p.name for p in VINTAGES.iterdir() if (p / "data.json").is_file())


def bas_mirror(tmp_path: Path, vintage: str | None) -> Path:
    """A mirror root where TAB6260's data is the publication of ``vintage`` (None: the newest).

    Everything is a symlink to the real files: Kolada, the regions file, SCB's config and
    TAB6471, TAB6260's English metadata and the chosen data body. Nothing is copied.
    """
    root = tmp_path / f"mirror-{vintage or 'newest'}"
    tables = root / "scb_v2" / "tables"
    (tables / "TAB6260").mkdir(parents=True)
    for name in ("kolada_v3", "regions"):
        (root / name).symlink_to(SHARED / name)
    (root / "scb_v2" / "config.json").symlink_to(SCB / "config.json")
    (tables / "TAB6471").symlink_to(SCB / "tables" / "TAB6471")
    (tables / "TAB6260" / "metadata.en.json").symlink_to(BAS / "metadata.en.json")
    data = VINTAGES / vintage / "data.json" if vintage else BAS_DATA
    (tables / "TAB6260" / "data.json").symlink_to(data)
    return root
