"""The whole view in the URL: parse query parameters into a ViewState, and back. Pure.

No streamlit here (``ui/selection.py`` binds this to ``st.query_params``). Every value is a
code, never a display name::

    ?sida=oversikt&kommun=0780&omrade=lan:07&kon=K&fran=2015&till=2022
    ?grupp=Värend&medlemmar=0764,0763,0780            (a shared group, given by its members;
                                                       without kommun: opens on 0764)
    ?ref=2019                                          (a baseline period drawn as a line)
    ?mal=N03920:4.5&malnamn=LÖK-mål                    (a target value for one indicator)
    ?alder=16-24&fodelseregion=ut                      (options of the monthly SCB BAS block)
    ?afgrupp=unga                                      (Arbetsförmedlingen's group option)
    ?sida=indikatorer&indikator=N31807                 (the indicator a page draws)
    ?sida=arbetsloshet&flik=ar                         (the open tab of a page with tabs)
    ?sida=karta&indikator=N03920&till=2022&lager=la&klasser=riket      (Karta)
    ?sida=jamfor&jamfor=kommun:0780,lan:07,group:varend                (Jämför)
    ?omrade=group:varend&egnagrupper=varend:0764.0763.0780:Värend
                         (an own group's members and name, for each group:… in omrade and
                          jamfor, so the link works where the group is not saved)
    ?sida=liknande&variabler=N01951:1,N03920:2,kommungrupp:1&antal=8   (Liknande kommuner)
    ?sida=motesunderlag&omrade=lan:20&fran=2021&till=2026&nyckeltal=bas_arbetsloshet,N31807
                                                       (Mötesunderlag: indicators in order)

A parameter that has its default is left out, so the start page with no choices is ``/``.
``parse`` never raises: a value it cannot use is replaced by the default and named in a
Swedish notice; a value longer than its field allows is cut, and a notice quotes at most
``ECHO_LENGTH`` characters of anything it cannot use (markdown-escaped).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Self
from urllib.parse import urlencode

from transforms.catalogue import option_dims
from transforms.formatting import SEX_LABELS, no_autolink
from transforms.groups import SHARED_AREA_ID, beside_id
from transforms.periods import Period, is_period, ordered, within_years

PAGE, KOMMUN, AREA, GROUP, MEMBERS = "sida", "kommun", "omrade", "grupp", "medlemmar"
INDICATOR = "indikator"  # the indicator a page draws (Alla indikatorer; issue 10's pages)
TAB = "flik"  # the open tab of a page with tabs (ui/pages.yml `tabs`); default: the first
SEX, START, END, BASELINE, TARGET, TARGET_NAME = "kon", "fran", "till", "ref", "mal", "malnamn"
# the options of a monthly block, by dimension of its mart (transforms/indicators.yml
# monthly_marts): the URL parameter and the Swedish word a notice uses
DIMENSION_PARAMS = {"age": ("alder", "Åldersgruppen"),
                    "birth_region": ("fodelseregion", "Födelseregionen"),
                    "group": ("afgrupp", "Arbetsförmedlingens grupp")}
# Karta, Jämför and Liknande kommuner (issue 10): the map's layer and classes, the areas
# compared, the peer variables with their weights and the number of peers
LAYER, CLASSES, COMPARE, PEER_VARIABLES, N_PEERS = (
    "lager", "klasser", "jamfor", "variabler", "antal")
OWN_GROUPS = "egnagrupper"  # the own groups omrade and jamfor name: 'id:0764.0780:Name;…'
DECK_INDICATORS = "nyckeltal"  # Mötesunderlag: the deck's indicators, in order
PARAMS = (PAGE, TAB, KOMMUN, AREA, GROUP, MEMBERS, SEX,
          *(param for param, _ in DIMENSION_PARAMS.values()),
          START, END, BASELINE, TARGET, TARGET_NAME,
          INDICATOR, LAYER, CLASSES, COMPARE, PEER_VARIABLES, N_PEERS, DECK_INDICATORS, OWN_GROUPS)
LAYERS = ("lan", "la", "fa")  # lager=: areas drawn instead of kommuner (default: kommuner)
CLASS_METHODS = ("riket",)  # klasser=riket: diverging around Riket (default: quantiles)
MAX_COMPARE = 12
MAX_PEER_VARIABLES = 20
MAX_WEIGHT = 10.0
MAX_PEERS = 50
MAX_DECK_INDICATORS = 20  # as exports.deck.MAX_INDICATORS

SEXES = tuple(SEX_LABELS)  # kon=: the codes (transforms.formatting)
KOMMUN_ITSELF = "kommun"  # omrade=kommun: the kommun itself while a shared group is in the link
DEFAULT_TARGET_NAME = "Mål"
MAX_GROUP_NAME = 80  # as transforms.groups.MAX_NAME_LENGTH
MAX_TARGET_NAME = 40
MAX_MEMBERS = 290
MAX_RAW = 2000  # anything longer is cut before it is looked at
MAX_SLUG = 80  # a group's id after 'group:'
# egnagrupper: every group a view can name (Område's and MAX_COMPARE compared) at its longest:
# id, MAX_MEMBERS codes of 4 digits and a '.', name, three separators (20 969 characters);
# to_params writes no more, so the sender's own link always reads back whole (review of
# share25: a cut at 8 000 characters dropped a group from 12 of 150 kommuner each)
MAX_GROUPS_RAW = (MAX_COMPARE + 1) * (MAX_SLUG + MAX_MEMBERS * 5 + MAX_GROUP_NAME + 3)
ECHO_LENGTH = 24
_AREA_ID = re.compile(r"^(riket|lan:\d{2}|la:[A-Za-z0-9]{1,12}|fa:\d{1,3}|kommungrupp:[A-C]\d"
                      r"|group:[a-z0-9-]{1,80})$")
_GROUP_SLUG = re.compile(rf"^[a-z0-9-]{{1,{MAX_SLUG}}}$")  # the id after 'group:'
_INDICATOR = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_OPTION = re.compile(r"^[A-Za-z0-9_-]{1,30}$")


class Notice(str):
    """A notice about one parameter of a link (``param``): the frame keeps it on screen
    while the view still holds what the link asked for there (``ui.selection``)."""

    param: str

    def __new__(cls, text: str, param: str) -> Self:
        """The notice ``text`` about ``param``."""
        out = super().__new__(cls, text)
        out.param = param
        return out


@dataclass(frozen=True)
class SharedGroup:
    """A kommun group carried by a link (``grupp`` + ``medlemmar``), not stored locally."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """A target value the user typed for one indicator (e.g. a LÖK goal), with its name."""

    indicator_id: str
    value: float
    name: str = DEFAULT_TARGET_NAME


@dataclass(frozen=True)
class Dimension:
    """The options a link may choose for one dimension of a monthly mart (e.g. age bands)."""

    default: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Analysis:
    """The choices of Karta, Jämför, Liknande kommuner and Mötesunderlag; None and () are
    the defaults."""

    indicator: str | None = None  # indikator: the indicator shown (page default when None)
    layer: str | None = None  # lager: 'lan', 'la' or 'fa' areas instead of kommuner
    classes: str | None = None  # klasser: 'riket' (diverging around Riket), None = quantiles
    compare: tuple[str, ...] = ()  # jamfor: area ids ('kommun:0780', 'lan:07', 'group:x')
    peer_variables: tuple[tuple[str, float], ...] | None = None  # variabler: (id, weight)
    n_peers: int | None = None  # antal: how many peers to list
    deck_indicators: tuple[str, ...] = ()  # nyckeltal: the deck's indicators, () = default


@dataclass(frozen=True)
class ViewState:
    """Everything a view depends on. ``area`` None is the kommun itself."""

    page: str
    kommun: str
    area: str | None = None
    shared: SharedGroup | None = None
    sex: str = "T"
    start: str | None = None  # '2015' or '2020-03'; None = from the first period
    end: str | None = None  # None = to the latest period
    baseline: str | None = None  # a period whose value is drawn as a reference line
    target: Target | None = None  # or a target value (one reference line at a time)
    dims: tuple[tuple[str, str], ...] = ()  # (dimension, option) where not the default
    indicator: str | None = None  # the indicator a page draws (``indikator``)
    analysis: Analysis = Analysis()  # Karta, Jämför, Liknande kommuner (indicator kept equal)
    tab: str | None = None  # the open tab of the page (``flik``); None = its first tab
    # egnagrupper: own groups the link carries (area id, group) for omrade and jamfor, those
    # not stored here as they are (a colleague's browser has no such group, or another one
    # by that id)
    groups: tuple[tuple[str, SharedGroup], ...] = ()

    def dim(self, name: str) -> str | None:
        """The option chosen for a monthly dimension ('16-24'), None for its default."""
        return dict(self.dims).get(name)

    def with_dim(self, name: str, option: str | None, default: str | None) -> ViewState:
        """The same view with one dimension set (the default is kept as no choice)."""
        chosen = {k: v for k, v in self.dims if k != name}
        if option is not None and option != default:
            chosen[name] = option
        return replace(self, dims=_ordered_dims(chosen))


def _ordered_dims(chosen: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Dimension choices in the URL's order (DIMENSION_PARAMS)."""
    return tuple((k, chosen[k]) for k in DIMENSION_PARAMS if k in chosen)


@dataclass(frozen=True)
class Vocabulary:
    """The codes a link may use, from the warehouse and the page catalogue."""

    pages: tuple[str, ...]  # the first is the start page
    kommuner: frozenset[str]
    default_kommun: str
    areas: frozenset[str] = frozenset()  # official area ids and stored group ids (not kommun:)
    indicators: frozenset[str] = frozenset()  # ids a target may name
    dimensions: Mapping[str, Dimension] = field(default_factory=dict, compare=False)
    kommun_names: Mapping[str, str] = field(default_factory=dict, compare=False)
    peer_variables: frozenset[str] = frozenset()  # ids a peer search may use
    default_peer_variables: tuple[tuple[str, float], ...] = ()
    # each page's tab ids (ui/pages.yml `tabs`): a page takes only its own tabs
    tabs: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False)
    # the stored own groups by area id ('group:varend'): a link carries their members
    groups: Mapping[str, SharedGroup] = field(default_factory=dict, compare=False)
    # old kommun code -> today's (transforms/kommun_changes.csv: Heby 1917 -> 0331): an old
    # link or a code from an old table opens the kommun it became
    old_codes: Mapping[str, str] = field(default_factory=dict, compare=False)

    def default(self) -> ViewState:
        """The view of an empty link."""
        return ViewState(page=self.pages[0], kommun=self.default_kommun)


def echo(value: str, length: int = ECHO_LENGTH) -> str:
    """A user-given value safe to quote in a Swedish notice: short, one line, no markdown."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()
    cut = text[:length] + ("…" if len(text) > length else "")
    return no_autolink(re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", cut))


def _single(value: str | Sequence[str] | None, limit: int = MAX_RAW) -> str | None:
    """The last of repeated values (as Streamlit's query params do), cut to ``limit``."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = value[-1] if len(value) else ""
    return value[:limit].strip()


def _clean_text(value: str, limit: int) -> tuple[str, bool]:
    """Whitespace-normalised text without control characters, cut to ``limit``."""
    text = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", value)).strip()
    return text[:limit].rstrip(), len(text) > limit


def parse_number(text: str) -> float | None:
    """'4,5' or '4.5' (or '−4,5') as a finite float; None otherwise."""
    candidate = re.sub(r"[\s\u00a0]", "", text.replace("\u2212", "-").replace(",", "."))
    if not re.fullmatch(r"-?\d{1,12}(\.\d{1,6})?", candidate):
        return None
    value = float(candidate)
    return value if math.isfinite(value) else None


def _format_number(value: float) -> str:
    """The URL form of a target value: '4.5', '12', never '4.500000'."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _members(raw: str, vocab: Vocabulary, notices: list[str], *,
             sep: str = ",", param: str = MEMBERS) -> tuple[str, ...]:
    entries = [e.strip() for e in raw.split(sep) if e.strip()]
    if len(entries) > MAX_MEMBERS:
        notices.append(f"Länken hade fler än {MAX_MEMBERS} medlemmar i en grupp; resten "
                       f"ignorerades.")
        entries = entries[:MAX_MEMBERS]
    codes, unknown = [], []
    for entry in entries:
        if entry not in vocab.kommuner and vocab.old_codes.get(entry) in vocab.kommuner:
            notices.append(_old_code_notice(entry, vocab, param))
            entry = vocab.old_codes[entry]
        if entry in vocab.kommuner:
            if entry not in codes:
                codes.append(entry)
        else:
            unknown.append(entry)
    if unknown:
        shown = ", ".join(echo(u) for u in unknown[:5])
        more = f" och {len(unknown) - 5} till" if len(unknown) > 5 else ""
        notices.append(f"Okända kommunkoder i gruppen ignorerades ({param}: {shown}{more}).")
    return tuple(codes)


def _old_code_notice(old: str, vocab: Vocabulary, param: str) -> str:
    """'Kommunkoden 1917 (kommun) är en äldre kod för Heby, som i dag har kod 0331.'"""
    new = vocab.old_codes[old]
    return (f"Kommunkoden {echo(old)} ({param}) är en äldre kod för "
            f"{vocab.kommun_names.get(new, new)}, som i dag har kod {new}.")


def _shared(params: Mapping, vocab: Vocabulary, notices: list[str]) -> SharedGroup | None:
    name_raw, members_raw = _single(params.get(GROUP)), _single(params.get(MEMBERS))
    if not name_raw and not members_raw:
        return None
    if not name_raw or not members_raw:
        missing = GROUP if not name_raw else MEMBERS
        notices.append(f"Den delade gruppen i länken saknar {missing} och ignorerades.")
        return None
    name, cut = _clean_text(name_raw, MAX_GROUP_NAME)
    if cut:
        notices.append(f"Gruppnamnet i länken var för långt och kortades till "
                       f"{MAX_GROUP_NAME} tecken.")
    members = _members(members_raw, vocab, notices)
    if not name or not members:
        notices.append("Den delade gruppen i länken har inga kända kommuner och ignorerades.")
        return None
    return SharedGroup(name, members)


def _target(raw: str, params: Mapping, vocab: Vocabulary, notices: list[str]) -> Target | None:
    indicator, _, number = raw.partition(":")
    value = parse_number(number)
    if not _INDICATOR.match(indicator) or indicator not in vocab.indicators or value is None:
        notices.append(f"Målvärdet i länken kunde inte läsas och ignorerades "
                       f"({TARGET}={echo(raw)}; skriv t.ex. N03920:4,5).")
        return None
    name = DEFAULT_TARGET_NAME
    name_raw = _single(params.get(TARGET_NAME))
    if name_raw:
        name, cut = _clean_text(name_raw, MAX_TARGET_NAME)
        if cut:
            notices.append(f"Målets namn i länken var för långt och kortades till "
                           f"{MAX_TARGET_NAME} tecken.")
        name = name or DEFAULT_TARGET_NAME
    return Target(indicator, value, name)


def group_name_in_link(name: str) -> str:
    """A group's name as a link carries it (``egnagrupper`` separates groups by ';')."""
    return _clean_text(name.replace(";", ","), MAX_GROUP_NAME)[0]


def _group_entry(entry: str, vocab: Vocabulary, notices: list[str]
                 ) -> tuple[str, SharedGroup] | None:
    """One 'varend:0764.0763.0780:Värend' entry as (area id, group); None when unusable (its
    members' notices go to ``notices``)."""
    slug, _, rest = entry.strip().partition(":")
    members_raw, _, name_raw = rest.partition(":")
    name = group_name_in_link(name_raw)
    if not _GROUP_SLUG.match(slug.strip()) or not name:
        return None
    members = _members(members_raw, vocab, notices, sep=".", param=OWN_GROUPS)
    return (f"group:{slug.strip()}", SharedGroup(name, members)) if members else None


def _listed(values: Sequence[str], length: int = ECHO_LENGTH) -> str:
    """The first five values echoed, 'och N till' for the rest."""
    more = f" och {len(values) - 5} till" if len(values) > 5 else ""
    return ", ".join(echo(v, length) for v in values[:5]) + more


def _stored_like(shared: SharedGroup | None, vocab: Vocabulary) -> str | None:
    """The area id of the group stored here that a link's ``grupp`` + ``medlemmar`` is: the
    same name (as a link writes it) and the same kommuner (walk27b: the built-in
    Göteborgsregionen shared as it is stood twice in Område, and its titles said "(delad
    länk)" to tell it from itself); None when no stored group is that group."""
    if shared is None:
        return None
    return next((area_id for area_id, stored in vocab.groups.items()
                 if _stored_as_carried(stored).name == shared.name
                 and set(stored.members) == set(shared.members)), None)


def _own_groups(params: Mapping, vocab: Vocabulary, notices: list[str]
                ) -> tuple[dict[str, SharedGroup], frozenset[str]]:
    """egnagrupper=varend:0764.0763.0780:Värend;…: the own groups a link carries (area id ->
    group), members checked as ``medlemmar`` is, and the area ids of groups left out because
    the parameter was cut (longer than MAX_GROUPS_RAW): such a group is left out rather than
    shown with fewer kommuner or a shorter name than the sender's. Every entry is checked
    before the cap of MAX_COMPARE + 1 groups: unreadable ones never push out a good one; a
    repeated id keeps its first entry; each dropped entry is named in a notice."""
    value = params.get(OWN_GROUPS)
    if value is not None and not isinstance(value, str):
        value = value[-1] if len(value) else ""
    full = (value or "").strip()  # stripped before the cut, so a cut at a space is seen
    if not full:
        return {}, frozenset()
    raw = full[:MAX_GROUPS_RAW]
    entries = [e for e in raw.split(";") if e.strip()]
    cut: list[str] = []
    if len(full) > MAX_GROUPS_RAW and entries:
        slug, colon, _ = entries.pop().partition(":")
        # the whole id, or (the cut inside it) its beginning: 'group:g13-x*'
        cut.append(f"group:{slug.strip()}" + ("" if colon else "*"))
        notices.append(f"Länken var för lång för alla gruppers kommuner; gruppen "
                       f"{echo(slug, 80)} ignorerades.")
    found: dict[str, SharedGroup] = {}
    unreadable, repeated, extra = [], [], []
    for entry in entries:
        own: list[str] = []  # the entry's member notices: said only for a group kept
        parsed = _group_entry(entry, vocab, own)
        if parsed is None:
            unreadable.append(entry.strip())
        elif parsed[0] in found:
            repeated.append(parsed[0])
        elif len(found) == MAX_COMPARE + 1:  # the compared ones and Område's
            extra.append(parsed[0])
        else:
            found[parsed[0]] = parsed[1]
            notices.extend(own)
    unreadable = [e for e in unreadable if echo(e)]  # '\x01' says nothing
    if unreadable:
        notices.append(f"{'En grupp' if len(unreadable) == 1 else f'{len(unreadable)} grupper'}"
                       f" i länken kunde inte läsas och ignorerades ({OWN_GROUPS}: "
                       f"{_listed(unreadable)}).")
    if repeated:
        notices.append(f"Samma grupp fanns flera gånger i länken; den första användes "
                       f"({OWN_GROUPS}: {_listed(list(dict.fromkeys(repeated)), 90)}).")
    if extra:
        notices.append(f"Länken hade fler än {MAX_COMPARE + 1} egna grupper; resten "
                       f"ignorerades ({OWN_GROUPS}: {_listed(extra, 90)}).")
    return found, frozenset(cut)


def _beside_stored(carried: dict[str, SharedGroup], params: Mapping, vocab: Vocabulary
                   ) -> tuple[dict[str, SharedGroup], Mapping]:
    """A link's group whose id a different group stored here has ('group:goteborgsregionen'
    with other kommuner) gets an id of its own ('group:goteborgsregionen-delad'), in omrade
    and jamfor too: both are listed and both can be chosen (review of share25: the link's
    group hid the stored one). The carried groups and the params, renamed."""
    taken = {a.removeprefix("group:") for a in (*vocab.areas, *vocab.groups, *carried)
             if a.startswith("group:")}
    renamed: dict[str, str] = {}
    for area_id, group in carried.items():
        stored = _stored_as_carried(vocab.groups.get(area_id))
        if stored is None or stored == group:
            continue
        new = beside_id(area_id.removeprefix("group:"), taken)
        renamed[area_id] = f"group:{new}"
        taken.add(new)
    if not renamed:
        return carried, params
    out = dict(params)
    area = _single(params.get(AREA))
    if area in renamed:
        out[AREA] = renamed[area]
    compare = _single(params.get(COMPARE))
    if compare:
        out[COMPARE] = ",".join(renamed.get(e.strip(), e) for e in compare.split(","))
    return {renamed.get(a, a): g for a, g in carried.items()}, out


def _was_cut(area_id: str, cut: Collection[str]) -> bool:
    """Whether ``area_id`` is the group the link's cut left out (``_own_groups``)."""
    return any(area_id == c or (c.endswith("*") and area_id.startswith(c[:-1])) for c in cut)


def _missing_groups(param: str, slugs: Sequence[str]) -> str:
    """The notice for own groups neither stored here nor carried by the link, named in full:
    the reader must know which group to ask the sender for."""
    shown = ", ".join(echo(f"group:{g}", 90) for g in slugs[:5])
    return (f"Egna grupper som inte finns här ignorerades; länken anger inte deras kommuner "
            f"({param}: {shown}).")


def _compare(raw: str, vocab: Vocabulary, notices: list[str],
             carried: Mapping[str, SharedGroup], cut: Collection[str] = ()
             ) -> tuple[str, ...]:
    """jamfor=kommun:0780,lan:07,group:x: known area ids, once each, at most MAX_COMPARE;
    an own group is known when stored here or carried by the link (``carried``); one the
    link's cut left out (``cut``) is dropped without a second notice."""
    entries = list(dict.fromkeys(e.strip() for e in raw.split(",") if e.strip()))
    known, unknown, groups = [], [], []
    for entry in entries:
        code = entry.removeprefix("kommun:")
        if (entry.startswith("kommun:") and code in vocab.kommuner) or (
                _AREA_ID.match(entry) and (entry in vocab.areas or entry in carried)):
            known.append(entry)
        elif _AREA_ID.match(entry) and entry.startswith("group:"):
            if not _was_cut(entry, cut):  # the cut's notice named it
                groups.append(entry.removeprefix("group:"))
        else:
            unknown.append(entry)
    if groups:
        notices.append(_missing_groups(COMPARE, groups))
    if unknown:
        shown = ", ".join(echo(u) for u in unknown[:5])
        notices.append(f"Okända områden att jämföra ignorerades ({COMPARE}: {shown}).")
    if len(known) > MAX_COMPARE:
        notices.append(f"Högst {MAX_COMPARE} områden kan jämföras; resten ignorerades.")
    return tuple(known[:MAX_COMPARE])


def _peer_variables(raw: str, vocab: Vocabulary, notices: list[str]
                    ) -> tuple[tuple[str, float], ...] | None:
    """variabler=N01951:1,N03920:2,kommungrupp:1: known variables with weights 0–10."""
    chosen: dict[str, float] = {}
    bad = []
    for entry in (e.strip() for e in raw.split(",") if e.strip()):
        name, _, number = entry.partition(":")
        weight = parse_number(number) if number else 1.0
        if name in vocab.peer_variables and weight is not None \
                and 0 < weight <= MAX_WEIGHT and name not in chosen:
            chosen[name] = round(weight, 2)
        else:
            bad.append(entry)
    if bad:
        shown = ", ".join(echo(b) for b in bad[:5])
        notices.append(f"Variabler eller vikter i länken kändes inte igen och ignorerades "
                       f"({PEER_VARIABLES}: {shown}; skriv t.ex. N03920:2, vikt 0–10).")
    if len(chosen) > MAX_PEER_VARIABLES:
        notices.append(f"Högst {MAX_PEER_VARIABLES} variabler kan användas; resten "
                       f"ignorerades.")
    found = tuple(list(chosen.items())[:MAX_PEER_VARIABLES])
    if not found:
        return None
    return None if found == vocab.default_peer_variables else found


def _deck_indicators(raw: str, vocab: Vocabulary, notices: list[str]) -> tuple[str, ...]:
    """nyckeltal=bas_arbetsloshet,bas_arbetsloshet:16-24,N31807: known indicator ids (a
    monthly one with one of its options after ':') in order, once each, at most
    MAX_DECK_INDICATORS; the catalogue's spelling of an id given in other case."""
    known = {i.lower(): i for i in vocab.indicators}
    chosen, unknown = [], []
    for entry in (e.strip() for e in raw.split(",") if e.strip()):
        ind_id, colon, option = entry.partition(":")  # 'bas_arbetsloshet:16-24': an option
        found = known.get(ind_id.lower()) if _INDICATOR.match(ind_id) else None
        if found is not None and colon:
            found = f"{found}:{option}" if option_dims(found, option) else None
        if found is None:
            unknown.append(entry)
        elif found not in chosen:
            chosen.append(found)
    if unknown:
        shown = ", ".join(echo(u) for u in unknown[:5])
        more = f" och {len(unknown) - 5} till" if len(unknown) > 5 else ""
        notices.append(Notice(f"Okända nyckeltal i länken ignorerades ({DECK_INDICATORS}: "
                              f"{shown}{more}).", DECK_INDICATORS))
    if len(chosen) > MAX_DECK_INDICATORS:
        notices.append(Notice(f"Högst {MAX_DECK_INDICATORS} nyckeltal i ett mötesunderlag; "
                              f"resten ignorerades.", DECK_INDICATORS))
    return tuple(chosen[:MAX_DECK_INDICATORS])


def _analysis(params: Mapping, vocab: Vocabulary, notices: list[str],
              bad, carried: Mapping[str, SharedGroup], cut: Collection[str] = ()
              ) -> Analysis:
    """The choices of Karta, Jämför and Liknande kommuner (each unusable value named)."""
    out = Analysis()  # its indicator is the view's (parsed once, in from_params)
    layer = _single(params.get(LAYER))
    if layer and layer != "kommun":
        if layer in LAYERS:
            out = replace(out, layer=layer)
        else:
            bad(LAYER, layer, "Kartlagret")
    classes = _single(params.get(CLASSES))
    if classes and classes != "kvantiler":
        if classes in CLASS_METHODS:
            out = replace(out, classes=classes)
        else:
            bad(CLASSES, classes, "Klassindelningen")
    compare = _single(params.get(COMPARE))
    if compare:
        out = replace(out, compare=_compare(compare, vocab, notices, carried, cut))
    variables = _single(params.get(PEER_VARIABLES))
    if variables:
        out = replace(out, peer_variables=_peer_variables(variables, vocab, notices))
    n_peers = _single(params.get(N_PEERS))
    if n_peers:
        if re.fullmatch(r"\d{1,3}", n_peers) and 1 <= int(n_peers) <= MAX_PEERS:
            out = replace(out, n_peers=int(n_peers))
        else:
            bad(N_PEERS, n_peers, f"Antalet liknande kommuner (1–{MAX_PEERS})")
    deck = _single(params.get(DECK_INDICATORS))
    if deck:
        out = replace(out, deck_indicators=_deck_indicators(deck, vocab, notices))
    return out


def _stored_as_carried(group: SharedGroup | None) -> SharedGroup | None:
    """A stored group as a link carries it (its name without ';'), None for None."""
    return None if group is None else SharedGroup(group_name_in_link(group.name),
                                                  group.members)


def _named_groups(state: ViewState) -> list[str]:
    """The own groups' area ids the view names (Område's, then Jämför's), once each."""
    named = ([state.area] if state.area else []) + list(state.analysis.compare)
    return [a for a in dict.fromkeys(named) if a.startswith("group:")]


def _own_groups_param(state: ViewState, vocab: Vocabulary) -> str:
    """'varend:0764.0763.0780:Värend;…' for each own group the view names: the link's own or
    the stored one, so a colleague without the group sees the same view."""
    carried = dict(state.groups)
    entries = []
    for area_id in _named_groups(state):
        group = carried.get(area_id) or _stored_as_carried(vocab.groups.get(area_id))
        if group is not None:
            entries.append(f"{area_id.removeprefix('group:')}:{'.'.join(group.members)}:"
                           f"{group_name_in_link(group.name)}")
    return ";".join(entries)


def _analysis_params(analysis: Analysis, vocab: Vocabulary) -> dict[str, str]:
    out: dict[str, str] = {}
    # the indicator is the view's own (ViewState.indicator, written by to_params)
    if analysis.layer:
        out[LAYER] = analysis.layer
    if analysis.classes:
        out[CLASSES] = analysis.classes
    if analysis.compare:
        out[COMPARE] = ",".join(analysis.compare)
    if analysis.peer_variables and analysis.peer_variables != vocab.default_peer_variables:
        out[PEER_VARIABLES] = ",".join(f"{name}:{_format_number(weight)}"
                                       for name, weight in analysis.peer_variables)
    if analysis.n_peers:
        out[N_PEERS] = str(analysis.n_peers)
    if analysis.deck_indicators:
        out[DECK_INDICATORS] = ",".join(analysis.deck_indicators)
    return out


def parse(params: Mapping[str, str | Sequence[str]],
          vocab: Vocabulary) -> tuple[ViewState, list[str]]:
    """The view a link asks for, and a Swedish notice for each value that was ignored."""
    notices: list[str] = []
    state = vocab.default()
    unknown = sorted(k for k in params if k not in PARAMS)
    if unknown:
        shown = ", ".join(echo(k) for k in unknown[:5])
        notices.append(f"Okända parametrar i länken ignorerades: {shown}.")

    def bad(key: str, raw: str, what: str) -> None:
        notices.append(f"{what} i länken känns inte igen och ignorerades ({key}={echo(raw)}).")

    def known(key: str, allowed: Collection[str], what: str) -> str | None:
        """The link's ``key`` when it is among ``allowed``; otherwise a notice, and None."""
        raw = _single(params.get(key))
        if raw and raw not in allowed:
            bad(key, raw, what)
        return raw if raw in allowed else None

    if page := known(PAGE, vocab.pages, "Sidan"):
        state = replace(state, page=page)
    if tab := known(TAB, vocab.tabs.get(state.page, frozenset()), "Fliken"):
        state = replace(state, tab=tab)
    indicator = _single(params.get(INDICATOR))
    if indicator:
        found = _INDICATOR.match(indicator) and next(
            (i for i in vocab.indicators if i.lower() == indicator.lower()), None)
        if found:
            state = replace(state, indicator=found)
        else:
            bad(INDICATOR, indicator, "Nyckeltalet")
    kommun = _single(params.get(KOMMUN))
    unknown_kommun = None  # its notice names the kommun shown, known once the area is
    if kommun and kommun not in vocab.kommuner and vocab.old_codes.get(kommun) in vocab.kommuner:
        notices.append(_old_code_notice(kommun, vocab, KOMMUN))
        kommun = vocab.old_codes[kommun]
    if kommun:
        if kommun in vocab.kommuner:
            state = replace(state, kommun=kommun)
        else:
            unknown_kommun = kommun
            kommun = None
    shared = _shared(params, vocab, notices)
    stored_as_shared = _stored_like(shared, vocab)
    if stored_as_shared and not kommun:  # opens on the link's first member, as before
        kommun = shared.members[0]
        state = replace(state, kommun=kommun)
    if stored_as_shared:
        shared = None  # the stored group itself: one entry in Område, its own name
    carried, cut = _own_groups(params, vocab, notices)
    carried, params = _beside_stored(carried, params, vocab)
    area: str | None = SHARED_AREA_ID if shared else stored_as_shared
    area_raw = _single(params.get(AREA))
    if area_raw:
        if area_raw == KOMMUN_ITSELF:
            area = None
        elif _AREA_ID.match(area_raw) and (area_raw in vocab.areas or area_raw in carried):
            area = area_raw
        elif _AREA_ID.match(area_raw) and area_raw.startswith("group:"):
            if not _was_cut(area_raw, cut):  # the cut's notice named it
                notices.append(_missing_groups(AREA, [area_raw.removeprefix("group:")]))
        else:
            bad(AREA, area_raw, "Området")
    state = replace(state, shared=shared, area=area)

    sex = _single(params.get(SEX))
    if sex:
        if sex in SEXES:
            state = replace(state, sex=sex)
        else:
            bad(SEX, sex, "Könet")
    chosen = {}
    for dim, (key, what) in DIMENSION_PARAMS.items():
        raw = _single(params.get(key))
        if not raw:
            continue
        known = vocab.dimensions.get(dim)
        if known and _OPTION.match(raw) and raw in known.codes:
            if raw != known.default:
                chosen[dim] = raw
        else:
            bad(key, raw, what)
    state = replace(state, dims=_ordered_dims(chosen))
    bounds = {}
    for key in (START, END):
        raw = _single(params.get(key))
        if raw:
            moved = within_years(raw)  # '1800' is a year: the page says where its data begin
            if moved:
                bounds[key] = moved
                if not is_period(raw):
                    notices.append(f"Året i länken ({key}={echo(raw)}) ligger utanför åren "
                                   f"1900–2100 och läses som {Period.parse(moved).label()}.")
            else:
                notices.append(f"Perioden i länken kunde inte läsas och ignorerades "
                               f"({key}={echo(raw)}; skriv t.ex. 2015 eller 2020-03).")
    start, end = bounds.get(START), bounds.get(END)
    if not ordered(start, end):
        notices.append(f"Perioden i länken var omvänd ({START}={start}, {END}={end}); "
                       f"den har vänts.")
        start, end = end, start
    state = replace(state, start=start, end=end)

    baseline = _single(params.get(BASELINE))
    if baseline:
        if is_period(baseline):
            state = replace(state, baseline=baseline)
        else:
            bad(BASELINE, baseline, "Referensperioden")
    target = _single(params.get(TARGET))
    if target:
        state = replace(state, target=_target(target, params, vocab, notices))
        if state.target and state.baseline:  # one reference line at a time
            notices.append(f"Länken anger både en referensperiod ({BASELINE}) och ett "
                           f"målvärde ({TARGET}); bara målvärdet används.")
            state = replace(state, baseline=None)
    elif _single(params.get(TARGET_NAME)):
        notices.append(f"Länken har ett namn på ett mål ({TARGET_NAME}) men inget "
                       f"målvärde ({TARGET}); namnet ignorerades.")
    state = replace(state, analysis=replace(_analysis(params, vocab, notices, bad, carried, cut),
                                            indicator=state.indicator))
    named = _named_groups(state)
    unused = [a for a in carried if a not in named]
    if unused:
        notices.append(f"Grupper i länken som inte används ignorerades ({OWN_GROUPS}: "
                       f"{', '.join(echo(a, 90) for a in unused[:5])}).")
    # a group stored here as the link has it is the stored one (its own name in lists)
    # in the order the view names them, as to_params writes them (a fixed point: the link's
    # own order 'a;b' for jamfor=b,a read back differently; tests/test_url_compare_groups.py's
    # property found it)
    state = replace(state, groups=tuple(
        (a, carried[a]) for a in named
        if a in carried and _stored_as_carried(vocab.groups.get(a)) != carried[a]))
    if not kommun:  # a group link without a kommun opens on a member of the group
        state = replace(state, kommun=link_kommun(state, vocab))
    if unknown_kommun:
        name = vocab.kommun_names.get(state.kommun, state.kommun)
        notices.append(f"Kommunen i länken känns inte igen ({KOMMUN}={echo(unknown_kommun)}); "
                       f"visar {name}.")
    return state, notices


def shown_group(state: ViewState, vocab: Vocabulary) -> SharedGroup | None:
    """The own group the view's Område shows (the link's ``grupp``, a group the link carries
    or one stored here), None when Område is not an own group."""
    if state.area == SHARED_AREA_ID:
        return state.shared
    if state.area and state.area.startswith("group:"):
        return dict(state.groups).get(state.area) or vocab.groups.get(state.area)
    return None


def link_kommun(state: ViewState, vocab: Vocabulary) -> str:
    """The kommun a link without ``kommun`` opens on: the first member, in the link's order,
    of the own group it shows (walk26: a colleague's group link opened on Ale, "Ale ingår
    inte i Södra Dalarna"), else the start kommun. The first rather than the largest: the
    same link opens the same kommun after every refresh, and the sender sets it."""
    group = shown_group(state, vocab)
    return group.members[0] if group and group.members else vocab.default_kommun


def to_params(state: ViewState, vocab: Vocabulary) -> dict[str, str]:
    """The canonical query parameters of a view (defaults left out), in a fixed order."""
    out: dict[str, str] = {}
    if state.page != vocab.pages[0]:
        out[PAGE] = state.page
    if state.tab:
        out[TAB] = state.tab
    if state.indicator:
        out[INDICATOR] = state.indicator
    if state.kommun != link_kommun(state, vocab):
        out[KOMMUN] = state.kommun
    if state.shared:
        if state.area is None:
            out[AREA] = KOMMUN_ITSELF
        elif state.area != SHARED_AREA_ID:
            out[AREA] = state.area
        out[GROUP] = state.shared.name
        out[MEMBERS] = ",".join(state.shared.members)
    elif state.area and state.area != SHARED_AREA_ID:
        out[AREA] = state.area
    if state.sex != "T":
        out[SEX] = state.sex
    for dim, option in state.dims:
        out[DIMENSION_PARAMS[dim][0]] = option
    if state.start:
        out[START] = state.start
    if state.end:
        out[END] = state.end
    if state.baseline:
        out[BASELINE] = state.baseline
    if state.target:
        out[TARGET] = f"{state.target.indicator_id}:{_format_number(state.target.value)}"
        if state.target.name != DEFAULT_TARGET_NAME:
            out[TARGET_NAME] = state.target.name
    out.update(_analysis_params(state.analysis, vocab))
    if groups := _own_groups_param(state, vocab):
        out[OWN_GROUPS] = groups
    return out


def query_string(state: ViewState, vocab: Vocabulary) -> str:
    """'?kommun=0780&…' for a link ('' for the default view); commas in members kept."""
    params = to_params(state, vocab)
    return f"?{urlencode(params, safe=',:')}" if params else ""


def saved_group(state: ViewState, area_id: str, stored_id: str) -> ViewState:
    """The view after the link's group ``area_id`` was saved here as ``stored_id`` (its own
    id, or one beside a group stored meanwhile): Område and Jämför name the stored group, and
    the link no longer carries it as not stored (its members still go into egnagrupper)."""
    def moved(a: str | None) -> str | None:
        return stored_id if a == area_id else a

    compare = tuple(dict.fromkeys(moved(a) for a in state.analysis.compare))
    return replace(state, area=moved(state.area),
                   analysis=replace(state.analysis, compare=compare),
                   groups=tuple((a, g) for a, g in state.groups if a != area_id))


def with_analysis(state: ViewState, **changes) -> ViewState:
    """The same view with some of Karta's, Jämför's or Liknande's choices changed."""
    if "indicator" in changes:  # one indicator per view, whichever page set it
        state = replace(state, indicator=changes["indicator"])
    return replace(state, analysis=replace(state.analysis, **changes))


def clamp_period(state: ViewState, options: Sequence[str]) -> tuple[ViewState, list[str]]:
    """The period a page shows of the view's period, fitted to the page's periods
    (``options``, in order, at the page's frequency), and a Swedish note per bound moved.

    A bound at the first or last option becomes open (None), so 'all years' stays 'all' from
    page to page. A bound outside the options is moved to the nearest one. The view itself
    (and the URL) keeps the period chosen: the next page may have those periods.
    """
    if not options:
        return replace(state, start=None, end=None), []
    freq = "year" if Period.parse(options[0]).month is None else "month"
    first, last = Period.parse(options[0]), Period.parse(options[-1])
    moved: list[tuple[str, Period, str]] = []  # (verb, nearest period, 'från' or 'till')
    bounds = []
    for value, is_end in ((state.start, False), (state.end, True)):
        if value is None:
            bounds.append(None)
            continue
        period = Period.parse(value).as_frequency(freq, end=is_end)
        if period < first or period > last:
            near, verb = (first, "börjar") if period < first else (last, "slutar")
            moved.append((verb, near, "till" if is_end else "från"))
            period = near
        bounds.append(None if period == (last if is_end else first) else str(period))
    if len(moved) == 2 and moved[0][:2] == moved[1][:2]:  # both bounds at one period
        verb, near, _ = moved[0]
        notices = [f"Uppgifterna här {verb} {near.label()}, så sidan visar {near.label()}."]
    else:
        notices = [f"Uppgifterna här {verb} {near.label()}, så sidan visar {word} "
                   f"{near.label()}." for verb, near, word in moved]
    start, end = bounds
    if start is not None and end is not None and Period.parse(start) > Period.parse(end):
        start, end = end, start
    return replace(state, start=start, end=end), notices


def period_label(state: ViewState) -> str:
    """The view's period in words: '2015–2022', 'från mars 2020', 'till 2022', 'alla år'."""
    start, end = (Period.parse(p).label() if p else None for p in (state.start, state.end))
    if start and end:
        return start if start == end else f"{start}–{end}"
    if start or end:
        return f"från {start}" if start else f"till {end}"
    return "alla år"


def months_note(state: ViewState, monthly: bool) -> str | None:
    """What a page that chooses whole years says of a view whose period names months (a
    link's ``fran=2025-03&till=2026-02``, or months chosen on Jämför): with monthly values
    (``monthly``) those show the months and the yearly ones their years; without, the page
    shows the years. None when no bound is a month.

    'Perioden mars 2025–februari 2026 gäller sidans månadsvärden; årsvärdena visas för
    2025–2026, och reglaget väljer hela år.'
    """
    bounds = [p for p in (state.start, state.end) if p]
    if not any(Period.parse(p).month for p in bounds):
        return None
    months = period_label(state)
    years = period_label(replace(
        state, start=str(Period.parse(state.start).year) if state.start else None,
        end=str(Period.parse(state.end).year) if state.end else None))
    if monthly:
        return (f"Perioden {months} gäller sidans månadsvärden; årsvärdena visas för {years}, "
                "och reglaget väljer hela år.")
    return f"Sidan visar bara hela år, så perioden {months} visas som {years}."
