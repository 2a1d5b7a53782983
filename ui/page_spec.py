"""The page catalogue: ``ui/pages.yml`` read and validated into PageSpec objects. Pure.

The file format is described at the top of ``ui/pages.yml``. ``load_pages`` raises
PageFileError (a ValueError) naming the page and key that are wrong, so a typo fails the test
suite, not a user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transforms.yamlio import yaml_load

PAGES_FILE = Path(__file__).with_name("pages.yml")
CONTROLS = ("area", "sex", "period", "reference")
_PAGE_KEYS = {"title", "intro", "sections", "renderer", "controls"}
_SECTION_KEYS = {"heading", "intro", "blocks", "indicators", "members"}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_INDICATOR = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_RENDERER = re.compile(r"^ui\.pages\.[a-z][a-z0-9_]*$")


class PageFileError(ValueError):
    """pages.yml is malformed; the message names the page and key."""


@dataclass(frozen=True)
class Section:
    """A heading, optional blocks, and the indicators drawn under it."""

    heading: str
    intro: str | None = None
    blocks: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    members: bool = True


@dataclass(frozen=True)
class PageSpec:
    """One page: drawn from its sections by ui.render, or by its own renderer module."""

    id: str
    title: str
    intro: str | None = None
    sections: tuple[Section, ...] = ()
    renderer: str | None = None
    controls: tuple[str, ...] = CONTROLS

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """Every indicator on the page, in order, once each."""
        return tuple(dict.fromkeys(i for s in self.sections for i in s.indicators))

    @property
    def block_names(self) -> tuple[str, ...]:
        """Every block on the page, in order, once each."""
        return tuple(dict.fromkeys(b for s in self.sections for b in s.blocks))


def _strings(value: object, where: str, pattern: re.Pattern | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PageFileError(f"pages.yml: {where} must be a list of names")
    bad = [v for v in value if pattern is not None and not pattern.match(v)]
    if bad:
        raise PageFileError(f"pages.yml: {where} has invalid entries {bad}")
    if len(set(value)) != len(value):
        raise PageFileError(f"pages.yml: {where} lists an entry twice")
    return tuple(value)


def _mapping(raw: object, where: str, keys: set[str], named: str) -> dict:
    """``raw`` as a mapping with only ``keys`` and a non-empty text under ``named``."""
    if not isinstance(raw, dict):
        raise PageFileError(f"pages.yml: {where} must be a mapping")
    unknown = set(raw) - keys
    if unknown:
        raise PageFileError(f"pages.yml: {where} has unknown keys {sorted(unknown)}")
    if not isinstance(raw.get(named), str) or not raw[named].strip():
        raise PageFileError(f"pages.yml: {where} needs a {named}")
    return raw


def _section(raw: object, where: str) -> Section:
    raw = _mapping(raw, where, _SECTION_KEYS, "heading")
    section = Section(
        heading=raw["heading"].strip(), intro=raw.get("intro"),
        blocks=_strings(raw.get("blocks"), f"{where}.blocks", _ID),
        indicators=_strings(raw.get("indicators"), f"{where}.indicators", _INDICATOR),
        members=bool(raw.get("members", True)))
    if not section.blocks and not section.indicators:
        raise PageFileError(f"pages.yml: {where} has neither blocks nor indicators")
    return section


def _page(page_id: str, raw: object) -> PageSpec:
    where = f"page {page_id!r}"
    if not _ID.match(str(page_id)):
        raise PageFileError(f"pages.yml: {where}: ids are lower-case ASCII (a-z, 0-9, _)")
    raw = _mapping(raw, where, _PAGE_KEYS, "title")
    if ("sections" in raw) == ("renderer" in raw):
        raise PageFileError(f"pages.yml: {where} needs either sections or a renderer")
    renderer = raw.get("renderer")
    if renderer is not None and not (isinstance(renderer, str) and _RENDERER.match(renderer)):
        raise PageFileError(f"pages.yml: {where}: renderer must name a module ui.pages.<name>")
    sections = raw.get("sections") or []
    if renderer is None and (not isinstance(sections, list) or not sections):
        raise PageFileError(f"pages.yml: {where}: sections must be a non-empty list")
    default_controls = ["area"] if renderer else list(CONTROLS)
    controls = _strings(raw.get("controls", default_controls), f"{where}.controls")
    if set(controls) - set(CONTROLS):
        raise PageFileError(f"pages.yml: {where}: controls are among {list(CONTROLS)}")
    return PageSpec(
        id=page_id, title=raw["title"].strip(), intro=raw.get("intro"), renderer=renderer,
        sections=tuple(_section(s, f"{where} section {n + 1}") for n, s in enumerate(sections)),
        controls=tuple(c for c in CONTROLS if c in controls))


@cache
def load_pages(path: Path = PAGES_FILE) -> dict[str, PageSpec]:
    """Page id -> PageSpec, in menu order (the first is the start page)."""
    doc = yaml_load(Path(path).read_text("utf-8")) or {}
    pages = doc.get("pages") if isinstance(doc, dict) else None
    if not isinstance(pages, dict) or not pages:
        raise PageFileError("pages.yml: a non-empty mapping 'pages' is required")
    return {str(k): _page(str(k), v) for k, v in pages.items()}


def problems(pages: dict[str, PageSpec], *, indicators: set[str], blocks: set[str],
             renderers: set[str]) -> list[str]:
    """Names the data file uses that do not exist (indicators, blocks, renderer modules)."""
    out = []
    for page in pages.values():
        out += [f"{page.id}: unknown indicator {i}" for i in page.indicator_ids
                if i not in indicators]
        out += [f"{page.id}: unknown block {b}" for b in page.block_names if b not in blocks]
        if page.renderer and page.renderer not in renderers:
            out.append(f"{page.id}: no renderer module {page.renderer}")
    return out
