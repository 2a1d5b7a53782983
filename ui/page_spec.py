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
_PAGE_KEYS = {"title", "intro", "area_intro", "sections", "renderer", "controls", "group", "tabs"}
_SECTION_KEYS = {"heading", "intro", "blocks", "indicators", "members", "charts", "rank",
                 "link", "monthly", "composition", "tab"}
_MONTHLY_KEYS = {"indicator", "options", "cards"}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_INDICATOR = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_RENDERER = re.compile(r"^ui\.pages\.[a-z][a-z0-9_]*$")
_OPTION = re.compile(r"^[A-Za-z0-9_-]{1,30}$")


class PageFileError(ValueError):
    """pages.yml is malformed; the message names the page and key."""


@dataclass(frozen=True)
class Monthly:
    """A monthly indicator drawn with its cards (area, län, Riket) and chart; ``options`` fix
    some of its mart's dimensions (``{age: "16-24"}``), the others get a picker."""

    indicator: str
    options: tuple[tuple[str, str], ...] = ()
    cards: bool = True


@dataclass(frozen=True)
class Section:
    """A heading, optional blocks, and the indicators drawn under it."""

    heading: str
    intro: str | None = None
    blocks: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    members: bool = True
    charts: bool = True  # false: the cards only (key figures)
    rank: bool = False  # the cards say the kommun's place among all kommuner
    link: str | None = None  # a page with more on the section's subject
    monthly: tuple[Monthly, ...] = ()
    composition: tuple[str, ...] = ()  # shares of one whole, drawn as one stacked chart
    tab: str | None = None  # the page tab (PageSpec.tabs) the section is drawn in


@dataclass(frozen=True)
class PageSpec:
    """One page: drawn from its sections by ui.render, or by its own renderer module."""

    id: str
    title: str
    intro: str | None = None
    area_intro: str | None = None  # the intro when an area, not a kommun, is shown
    sections: tuple[Section, ...] = ()
    renderer: str | None = None
    controls: tuple[str, ...] = CONTROLS
    group: str | None = None  # the target group (indicators.yml ``groups``) the page presents
    tabs: tuple[tuple[str, str], ...] = ()  # (tab id, label): only the open tab is drawn

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """Every indicator on the page (cards and charts, monthly sections, compositions), in
        order, once each."""
        return tuple(dict.fromkeys(i for s in self.sections for i in (
            *s.indicators, *(m.indicator for m in s.monthly), *s.composition)))

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


def _monthly(raw: object, where: str) -> Monthly:
    """A ``monthly`` entry: an indicator id, or {indicator, options, cards}."""
    if isinstance(raw, str):
        raw = {"indicator": raw}
    raw = _mapping(raw, where, _MONTHLY_KEYS, "indicator")
    if not _INDICATOR.match(raw["indicator"]):
        raise PageFileError(f"pages.yml: {where}: invalid indicator {raw['indicator']!r}")
    options = raw.get("options") or {}
    if not isinstance(options, dict) or not all(
            isinstance(k, str) and _OPTION.match(str(v)) for k, v in options.items()):
        raise PageFileError(f"pages.yml: {where}.options maps a dimension to an option code")
    return Monthly(raw["indicator"], tuple((k, str(v)) for k, v in options.items()),
                   bool(raw.get("cards", True)))


def _flag(raw: dict, key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise PageFileError(f"pages.yml: {where}.{key} is true or false")
    return value


def _section(raw: object, where: str) -> Section:
    raw = _mapping(raw, where, _SECTION_KEYS, "heading")
    monthly = raw.get("monthly") or []
    if not isinstance(monthly, list):
        raise PageFileError(f"pages.yml: {where}.monthly must be a list")
    link = raw.get("link")
    if link is not None and not (isinstance(link, str) and _ID.match(link)):
        raise PageFileError(f"pages.yml: {where}.link names a page id")
    tab = raw.get("tab")
    if tab is not None and not (isinstance(tab, str) and _ID.match(tab)):
        raise PageFileError(f"pages.yml: {where}.tab names a tab id of the page")
    section = Section(
        heading=raw["heading"].strip(), intro=raw.get("intro"),
        blocks=_strings(raw.get("blocks"), f"{where}.blocks", _ID),
        indicators=_strings(raw.get("indicators"), f"{where}.indicators", _INDICATOR),
        members=_flag(raw, "members", True, where), charts=_flag(raw, "charts", True, where),
        rank=_flag(raw, "rank", False, where), link=link,
        monthly=tuple(_monthly(m, f"{where}.monthly {n + 1}") for n, m in enumerate(monthly)),
        composition=_strings(raw.get("composition"), f"{where}.composition", _INDICATOR),
        tab=tab)
    if not (section.blocks or section.indicators or section.monthly or section.composition):
        raise PageFileError(f"pages.yml: {where} has neither blocks nor indicators")
    if section.composition and len(section.composition) < 2:
        raise PageFileError(f"pages.yml: {where}.composition needs at least two indicators")
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
    group = raw.get("group")
    if group is not None and not (isinstance(group, str) and _ID.match(group)):
        raise PageFileError(f"pages.yml: {where}: group names a target group key")
    default_controls = ["area"] if renderer else list(CONTROLS)
    controls = _strings(raw.get("controls", default_controls), f"{where}.controls")
    if set(controls) - set(CONTROLS):
        raise PageFileError(f"pages.yml: {where}: controls are among {list(CONTROLS)}")
    tabs = _tabs(raw.get("tabs"), where)
    parsed = tuple(_section(s, f"{where} section {n + 1}") for n, s in enumerate(sections))
    used = [s.tab for s in parsed if s.tab]
    if set(used) - {t for t, _ in tabs}:
        raise PageFileError(f"pages.yml: {where}: sections name tabs the page lacks "
                            f"{sorted(set(used) - {t for t, _ in tabs})}")
    if {t for t, _ in tabs} - set(used):
        raise PageFileError(f"pages.yml: {where}: tabs without a section "
                            f"{sorted({t for t, _ in tabs} - set(used))}")
    if used and [t for t, _ in tabs] != list(dict.fromkeys(used)):
        raise PageFileError(f"pages.yml: {where}: sections come in the order of the tabs")
    tabbed = [n for n, s in enumerate(parsed) if s.tab]
    if tabbed and tabbed != list(range(tabbed[0], tabbed[-1] + 1)):
        raise PageFileError(f"pages.yml: {where}: the sections of the tabs stand together")
    return PageSpec(
        id=page_id, title=raw["title"].strip(), intro=raw.get("intro"),
        area_intro=raw.get("area_intro"), renderer=renderer,
        sections=parsed, controls=tuple(c for c in CONTROLS if c in controls), group=group,
        tabs=tabs)


def _tabs(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    """A page's ``tabs``: {id: label}, in order; at least two."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) < 2 or not all(
            isinstance(k, str) and _ID.match(k) and isinstance(v, str) and v.strip()
            for k, v in raw.items()):
        raise PageFileError(f"pages.yml: {where}.tabs maps at least two tab ids to labels")
    return tuple((k, v.strip()) for k, v in raw.items())


@cache
def load_pages(path: Path = PAGES_FILE) -> dict[str, PageSpec]:
    """Page id -> PageSpec, in menu order (the first is the start page)."""
    doc = yaml_load(Path(path).read_text("utf-8")) or {}
    pages = doc.get("pages") if isinstance(doc, dict) else None
    if not isinstance(pages, dict) or not pages:
        raise PageFileError("pages.yml: a non-empty mapping 'pages' is required")
    out = {str(k): _page(str(k), v) for k, v in pages.items()}
    for page in out.values():
        for section in page.sections:
            if section.link and section.link not in out:
                raise PageFileError(f"pages.yml: page {page.id!r}: link to unknown page "
                                    f"{section.link!r}")
    return out


def problems(pages: dict[str, PageSpec], *, indicators: set[str], blocks: set[str],
             renderers: set[str], monthly: dict[str, dict[str, set[str]]] | None = None,
             groups: set[str] | None = None) -> list[str]:
    """Names the data file uses that do not exist (indicators, blocks, renderer modules,
    target groups) and monthly options an indicator lacks (``monthly``: monthly indicator id
    -> dimension -> its option codes)."""
    out = []
    for page in pages.values():
        out += [f"{page.id}: unknown indicator {i}" for i in page.indicator_ids
                if i not in indicators]
        out += [f"{page.id}: unknown block {b}" for b in page.block_names if b not in blocks]
        if page.renderer and page.renderer not in renderers:
            out.append(f"{page.id}: no renderer module {page.renderer}")
        if groups is not None and page.group and page.group not in groups:
            out.append(f"{page.id}: unknown target group {page.group}")
        for entry in (m for s in page.sections for m in s.monthly):
            dims = (monthly or {}).get(entry.indicator)
            if monthly is not None and dims is None:
                out.append(f"{page.id}: {entry.indicator} is not a monthly indicator")
                continue
            out += [f"{page.id}: {entry.indicator} has no option {dim}={code}"
                    for dim, code in entry.options
                    if dims is not None and code not in dims.get(dim, set())]
    return out
