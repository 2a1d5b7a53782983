"""The controls above every page, bound to the URL both ways (codes, never display names).

Each run: when the URL differs from what this session last wrote and no control was touched,
the URL came from outside (a fresh link, Back/Forward, a menu link), so it is parsed
(``ui.url_state``) and pushed into the controls; otherwise the controls hold the user's
choices. The controls then draw, and the resulting view is written back to the URL when it
changed (Streamlit pushes a history entry for that, or replaces it during Back/Forward).
Nothing is bound with Streamlit's ``bind="query-params"``: that writes display labels and
loses every unbound parameter when the page changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

import config
from transforms import periods
from transforms.catalogue import monthly_marts
from transforms.formatting import SEX_LABELS, format_number
from transforms.kommun import code_changes, default_kommun
from transforms.peers import DEFAULT_VARIABLES as DEFAULT_PEER_VARIABLES
from transforms.peers import peer_candidates
from transforms.periods import Period
from ui import url_state
from ui.data import query
from ui.groups import shared_area, user_groups
from ui.page_spec import PageSpec
from ui.url_state import Dimension, ViewState, Vocabulary
from warehouse import queries

log = logging.getLogger(__name__)
NO_SEX = "finns inte per kön"  # why the total is shown: the indicator has no split by sex
NO_SEX_FETCHED = "finns inte per kön i den hämtade datan"  # the source has it, the data not


def total_note(reason: str) -> str:
    """What a card's or chart's title adds where it shows the total for both sexes instead of
    the chosen sex: ' (finns inte per kön; visar totalt)' for ``reason`` NO_SEX."""
    return f" ({reason}; visar totalt)"

KIND_PREFIX = {"lan": "Län", "la": "Lokal arbetsmarknad", "fa": "FA-region",
               "kommungrupp": "Kommungrupp", "riket": "Riket", "group": "Egen grupp"}
REFERENCE_KINDS = {"ingen": "Ingen", "period": "Basperiod", "mal": "Målvärde"}
NO_AREA = ""  # the area option "Ingen – visa kommunen"
# widget keys (session_state)
KOMMUN, AREA, SEX, PERIOD = "kommun", "omrade", "kon", "period"
REF_KIND, REF_PERIOD, TARGET_ID, TARGET_VALUE, TARGET_NAME = (
    "ref_typ", "ref_period", "mal_nyckeltal", "mal_varde", "mal_namn")
_SEEN, _STATE, _TOUCHED, _GEN = "_url_seen", "_view_state", "_touched", "_generation"
_KEPT = "_kept_notices"  # notices kept while the view holds what the link asked for
# the parameters whose notices stay until the user chooses there (walk26: Mötesunderlag's
# unknown nyckeltal was said once, and gone at the next click, before the deck was made)
KEPT_NOTICES = {url_state.DECK_INDICATORS: lambda s: s.analysis.deck_indicators}


@dataclass(frozen=True)
class PageFacts:
    """What the controls need to know about a page's content."""

    frequency: str = "year"  # of the period control: 'year' or 'month'
    periods: tuple[str, ...] = ()  # every period the page can show, in order
    has_sex: bool = True  # at least one indicator is split by sex
    indicators: tuple[tuple[str, str], ...] = ()  # (id, label) a target may name
    monthly: bool = False  # some of its content is monthly (a yearly page keeps a link's months)


@dataclass(frozen=True)
class Selection:
    """The view of this run: the URL state resolved to names and areas."""

    state: ViewState
    page: PageSpec
    facts: PageFacts
    vocab: Vocabulary
    kommun_code: str
    kommun_name: str
    lan_code: str
    lan_name: str
    area: queries.Area  # the kommun itself, or the chosen area
    # the period this page shows: the view's period fitted to the page's periods
    # (url_state.clamp_period); the view (and the URL) keeps the period the user chose
    shown: tuple[str | None, str | None] = (None, None)

    @property
    def sex(self) -> str:
        """'T', 'K' or 'M'."""
        return self.state.sex

    @property
    def sex_label(self) -> str:
        """'Totalt', 'Kvinnor' or 'Män'."""
        return SEX_LABELS[self.state.sex]

    @property
    def start(self) -> str | None:
        """First period shown ('2015' or '2020-03'), None = from the first there is."""
        return self.shown[0]

    @property
    def end(self) -> str | None:
        """Last period shown, None = to the latest."""
        return self.shown[1]

    def dim(self, name: str) -> str | None:
        """The option chosen for a monthly dimension ('16-24'), None = its default."""
        return self.state.dim(name)

    def view_key(self) -> tuple:
        """Everything a block reads from the selection besides the page (area, kommun, sex,
        period, reference line, monthly options): with the block's own inputs, the key under
        which what it computes is cached (ui.data.cached)."""
        s = self.state
        return (self.area, self.kommun_code, self.kommun_name, self.lan_code, self.lan_name,
                s.sex, self.start, self.end, s.baseline, s.target, s.dims)

    def link_params(self, page_id: str | None = None) -> dict[str, str]:
        """The URL parameters of this view, or of the same view on another page."""
        state = self.state
        if page_id is not None and page_id != state.page:  # a tab belongs to its page
            state = replace(state, page=page_id, tab=None)
        return url_state.to_params(state, self.vocab)


def current() -> Selection:
    """The selection of this run (set by the frame before the page runs)."""
    return st.session_state["selection"]


def vocabulary(pages: dict[str, PageSpec], groups: list[queries.Area]) -> Vocabulary:
    """Every code a link may use, from the warehouse, the user's groups and the pages."""
    kommun = query("kommuner")
    areas = query("areas")
    official = areas.loc[areas["area_kind"] != "kommun", "area_id"]
    names = dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))
    catalogue = query("indicators")
    return Vocabulary(pages=tuple(pages), kommuner=frozenset(names),
                      default_kommun=_default_kommun(names),
                      areas=frozenset([*official, *(g.area_id for g in groups)]),
                      indicators=frozenset(i.id for i in catalogue),
                      kommun_names=names, dimensions=dimensions(),
                      peer_variables=frozenset(peer_candidates(catalogue)),
                      default_peer_variables=DEFAULT_PEER_VARIABLES,
                      tabs={page_id: frozenset(t for t, _ in page.tabs)
                            for page_id, page in pages.items() if page.tabs},
                      groups={g.area_id: url_state.SharedGroup(g.name, tuple(g.members))
                              for g in groups},
                      old_codes=code_changes())


def _default_kommun(names: dict[str, str]) -> str:
    """DEFAULT_KOMMUN when it is a known code, else the first kommun; a bad value is said in
    the log once per value (every run builds the vocabulary)."""
    wanted = config.default_kommun()
    code, problem = default_kommun(wanted, names)
    if problem and wanted not in _WARNED:
        _WARNED.add(wanted)
        log.warning(problem)
    return code


_WARNED: set[str | None] = set()


def dimensions() -> dict[str, Dimension]:
    """The options of every monthly mart's dimensions (age bands, födelseregion) a link may
    choose, from transforms/indicators.yml: the source's codes and our series of them."""
    out: dict[str, Dimension] = {}
    for mart in monthly_marts().values():
        for name, spec in (mart.get("dimensions") or {}).items():
            codes = {str(c) for c in [*(spec.get("values") or {}), *(spec.get("series") or {})]}
            known = out.get(name)
            out[name] = Dimension(known.default if known else str(spec["default"]),
                                  codes | (known.codes if known else frozenset()))
    return out


def _key(name: str) -> str:
    """A control's key in this generation: a view read from the URL starts a new generation,
    so every control is drawn afresh with its value from the view (no session-state writes
    into widgets, which Streamlit warns about and which confuse range sliders)."""
    return f"{name}-{st.session_state.get(_GEN, 0)}"


def _new_generation(state: ViewState) -> None:
    st.session_state[_STATE] = state
    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1


def _bound(name: str) -> dict:
    """The key of a control in this generation, and its on_change."""
    key = _key(name)
    return {"key": key, "on_change": _touched, "args": (key,)}


def _touched(key: str) -> None:
    """on_change of every control: the user changed the view (a control of an older
    generation, still on screen during a page change, does not count)."""
    if key == _key(key.rsplit("-", 1)[0]):
        st.session_state[_TOUCHED] = True


def _dimension_changed(key: str, name: str, default: str) -> None:
    """on_change of a block's option picker: the option joins the view (and the URL)."""
    if key != _key(key.rsplit("-", 1)[0]):
        return  # a control of an older generation (see _touched)
    state = st.session_state[_STATE]
    st.session_state[_STATE] = state.with_dim(name, st.session_state[key], default)
    st.session_state[_TOUCHED] = True


def dimension_control(sel: Selection, name: str, label: str, options: dict[str, str],
                      default: str, column) -> str:
    """A picker for one option of a monthly block (age band, födelseregion), bound to the view
    like the controls above the page: codes in the URL (``alder=16-24``), labels on screen.
    Returns the option's code."""
    codes = list(options)
    chosen = sel.dim(name) or default
    key = _key(f"dim_{name}")
    return column.selectbox(label, codes, index=_index(codes, chosen), format_func=options.get,
                            key=key, on_change=_dimension_changed, args=(key, name, default))


def _indicator_changed(key: str) -> None:
    """on_change of a page's indicator picker: the indicator joins the view (``indikator``)."""
    if key != _key(key.rsplit("-", 1)[0]):
        return  # a control of an older generation (see _touched)
    state = st.session_state[_STATE]
    st.session_state[_STATE] = url_state.with_analysis(state, indicator=st.session_state[key])
    st.session_state[_TOUCHED] = True


def indicator_control(sel: Selection, label: str, options: dict[str, str],
                      default: str | None = None) -> str | None:
    """A searchable picker of one indicator (code in the URL: ``indikator=N31807``, its name
    on screen). Returns the id chosen, or None while nothing is chosen."""
    codes = list(options)
    chosen = sel.state.indicator if sel.state.indicator in options else default
    key = _key("indikator")
    return st.selectbox(label, codes, index=codes.index(chosen) if chosen in codes else None,
                        format_func=options.get, key=key, on_change=_indicator_changed,
                        args=(key,), placeholder="Skriv för att söka bland nyckeltalen",
                        filter_mode="contains")


def page_key(name: str) -> str:
    """The key of a page's own control in this generation (see ``page_changed``)."""
    return _key(name)


def page_changed(key: str, apply: Callable[[ViewState, object], ViewState]) -> None:
    """on_change of a page's own control bound to the view (Karta's indicator, Jämför's
    areas, …): ``apply(state, value)`` gives the new view, which reaches the URL on the rerun
    like the controls above the page. Use with ``key=page_key(name)``."""
    if key != _key(key.rsplit("-", 1)[0]):
        return  # a control of an older generation (see _touched)
    st.session_state[_STATE] = apply(st.session_state[_STATE], st.session_state[key])
    st.session_state[_TOUCHED] = True


def _kommun_changed(key: str) -> None:
    """A new kommun shows that kommun: an area chosen before would hide the change."""
    if key != _key(KOMMUN):
        return  # a control of an older generation (see _touched)
    state = st.session_state[_STATE]
    _new_generation(replace(state, kommun=st.session_state[key], area=None))
    st.session_state[_TOUCHED] = True


def area_label(kind: str, name: str) -> str:
    """'Län: Kronobergs län'; Riket is just 'Riket'."""
    return name if kind == "riket" else f"{KIND_PREFIX.get(kind, kind)}: {name}"


def _area_options(state: ViewState, groups: list[queries.Area]) -> dict[str, str]:
    """Area id -> label: the areas the kommun is in first (official, then the groups with
    it), then the link's group, the other groups and every other area (any area may be
    looked at; the page says when the kommun is not in it)."""
    options: dict[str, str] = {NO_AREA: "Ingen – visa kommunen"}
    for r in query("member_areas", state.kommun).itertuples():
        options[r.area_id] = area_label(r.area_kind, r.area_name)
    mine = [g for g in groups if state.kommun in g.members]
    for g in mine:
        options[g.area_id] = area_label("group", g.name)
    if state.shared:
        options[url_state.SHARED_AREA_ID] = area_label("group", state.shared.name
                                                       + " (delad länk)")
    for area_id, group in state.groups:  # a link's own groups (egnagrupper)
        options[area_id] = area_label("group", group.name + " (delad länk)")
    for g in groups:
        options.setdefault(g.area_id, area_label("group", g.name))
    for r in query("areas").itertuples():
        if r.area_kind != "kommun":
            options.setdefault(r.area_id, area_label(r.area_kind, r.area_name))
    return options


def _index(options: list, value: object) -> int:
    return options.index(value) if value in options else 0


def _area_controls(state: ViewState, names: dict[str, str], groups: list[queries.Area],
                   left, right) -> ViewState:
    codes = list(names)
    code = left.selectbox("Kommun", codes, index=_index(codes, state.kommun),
                          format_func=names.get, key=_key(KOMMUN), on_change=_kommun_changed,
                          args=(_key(KOMMUN),),
                          filter_mode="contains",
                          help="Skriv för att söka bland alla 290 kommuner.")
    state = replace(state, kommun=code)
    options = _area_options(state, groups)
    ids = list(options)
    area = right.selectbox(
        "Område", ids, index=_index(ids, state.area or NO_AREA), format_func=options.get,
        **_bound(AREA), filter_mode="contains",
        help="Län, lokal arbetsmarknad, FA-region, kommungrupp eller egen grupp. Områdena där "
             "den valda kommunen ingår står först, även egna grupper med kommunen; alla andra "
             "områden går också att välja.")
    return replace(state, area=area or None)


def _sex_control(state: ViewState, facts: PageFacts, column) -> ViewState:
    if not facts.has_sex:
        column.caption("Uppgifterna på den här sidan finns inte per kön.")
        return state
    sexes = list(SEX_LABELS)
    sex = column.radio("Kön", sexes, index=_index(sexes, state.sex), format_func=SEX_LABELS.get,
                       horizontal=True, **_bound(SEX))
    return replace(state, sex=sex)


def _period_control(state: ViewState, shown: ViewState, notes: list[str], facts: PageFacts,
                    column) -> ViewState:
    """The period slider, drawn at the period the page shows (``shown``). A bound the user
    moves becomes the view's; a bound left alone keeps the view's own value, also where the
    page's data end sooner (the page says so in ``notes``) or where it is a month on a page
    that chooses years, so the choice survives a page with fewer years, a click on another
    control and a copied link."""
    options = list(facts.periods)
    if len(options) < 2:
        if options:
            column.caption(f"Period: {Period.parse(options[0]).label()}")
        return state
    freq = facts.frequency  # a month shown on a page of years is drawn at its year
    # the key names the options: a tab of other periods draws a slider of its own
    value = (str(Period.parse(shown.start or options[0]).as_frequency(freq)),
             str(Period.parse(shown.end or options[-1]).as_frequency(freq, end=True)))
    lo, hi = column.select_slider(
        "Period", options, value=value,
        **_bound(f"{PERIOD}_{options[0]}_{options[-1]}".replace("-", "")),
        format_func=lambda p: Period.parse(p).label(),
        help="Från och till. Korten visar det senaste värdet i perioden.")
    new = replace(state,
                  start=state.start if lo == value[0] else None if lo == options[0] else lo,
                  end=state.end if hi == value[1] else None if hi == options[-1] else hi)
    if new != state:  # the notes of the period just chosen, not of the one before the move
        notes = period_notes_of(new, facts)
    note = period_note(new, notes)
    if note:
        column.caption(note)
    return new


def shown_period(state: ViewState, facts: PageFacts) -> tuple[ViewState, list[str]]:
    """The period a page shows of the view's (``url_state.clamp_period``) and the notes on
    bounds moved. On a page that chooses years and shows monthly values, a bound the view
    gives as a month stays that month: the monthly cards and charts show the months a link
    names (walk28: ``fran=2025-03&till=2026-02`` showed januari 2025–april 2026), the yearly
    ones those months' years (``periods.clip``)."""
    shown, notes = url_state.clamp_period(state, facts.periods)
    if facts.frequency != "year" or not facts.monthly or not facts.periods:
        return shown, notes
    months = periods.options(facts.periods[0], facts.periods[-1], "month")
    by_month, _ = url_state.clamp_period(state, months)
    month = [bool(p and Period.parse(p).month) for p in (state.start, state.end)]
    return replace(shown, start=by_month.start if month[0] else shown.start,
                   end=by_month.end if month[1] else shown.end), notes


def period_notes_of(state: ViewState, facts: PageFacts) -> list[str]:
    """What the period picker says of ``state`` on a page: the bounds its data moved and, on
    a page of years, how a month bound is shown (``url_state.months_note``)."""
    notes = url_state.clamp_period(state, facts.periods)[1]
    months = url_state.months_note(state, facts.monthly) if facts.frequency == "year" else None
    return [*notes, months] if months else notes


def period_note(chosen: ViewState, notes: list[str]) -> str | None:
    """The caption under a period picker when the page's data end sooner (or begin later)
    than the period chosen: ``url_state.clamp_period``'s notes and that the choice is kept.
    'Uppgifterna här slutar 2022, så sidan visar till 2022. Den valda perioden (2015–2024)
    står kvar i länken och på de andra sidorna.' None when the page shows what was chosen."""
    if not notes:
        return None
    kept = (f"Den valda perioden ({url_state.period_label(chosen)}) står kvar i länken och "
            f"på de andra sidorna.")
    return " ".join([*notes, kept])


def _short_number(value: float) -> str:
    """'4,5', '12', '0,25': Swedish, without trailing zeros (as exact as the URL keeps)."""
    return format_number(value, 6).rstrip("0").rstrip(",")


def _reference_label(state: ViewState) -> str:
    if state.target:
        return f"Referenslinje: {state.target.name} {_short_number(state.target.value)}"
    if state.baseline:
        return f"Referenslinje: {Period.parse(state.baseline).label()}"
    return "Referenslinje"


def _reference_control(state: ViewState, facts: PageFacts, column) -> ViewState:
    kinds = list(REFERENCE_KINDS)
    current = "mal" if state.target else "period" if state.baseline else "ingen"
    with column.popover(_reference_label(state), width="stretch"):
        kind = st.radio("Linje i diagrammen", kinds, index=kinds.index(current),
                        format_func=REFERENCE_KINDS.get, horizontal=True, **_bound(REF_KIND))
        if kind == "period" and facts.periods:
            options = list(facts.periods)
            if state.baseline and state.baseline not in options:
                # a year chosen where the page (or tab) chooses months, or a month where it
                # chooses years: kept, not replaced by the first option (the charts draw a
                # line only where it fits: reference_value)
                options = sorted([*options, state.baseline],
                                 key=lambda p: Period.parse(p).first_month)
            period = st.selectbox("Basperiod", options, index=_index(options, state.baseline),
                                  **_bound(REF_PERIOD),
                                  format_func=lambda p: Period.parse(p).label(),
                                  help="Områdets värde den perioden ritas som en linje.")
            return replace(state, baseline=period, target=None)
        if kind == "mal" and facts.indicators:
            labels = dict(facts.indicators)
            ids = list(labels)
            target = state.target
            indicator = st.selectbox(
                "Nyckeltal", ids, index=_index(ids, target.indicator_id if target else None),
                format_func=labels.get, **_bound(TARGET_ID))
            text = st.text_input("Målvärde", value=_short_number(target.value) if target else "",
                                 **_bound(TARGET_VALUE), max_chars=20,
                                 placeholder="t.ex. 4,5",
                                 help="T.ex. ett mål i en lokal överenskommelse (LÖK), i "
                                      "nyckeltalets enhet.")
            value = url_state.parse_number(text) if text.strip() else None
            if text.strip() and value is None:
                st.caption("Skriv målvärdet som ett tal, t.ex. 4,5.")
            name = st.text_input("Namn på målet",
                                 value=target.name if target else url_state.DEFAULT_TARGET_NAME,
                                 **_bound(TARGET_NAME),
                                 max_chars=url_state.MAX_TARGET_NAME)
            if value is None:
                return replace(state, baseline=None, target=None)
            return replace(state, baseline=None, target=url_state.Target(
                indicator, float(value), name.strip() or url_state.DEFAULT_TARGET_NAME))
        return replace(state, baseline=None, target=None)


def _resolve_area(state: ViewState, groups: list[queries.Area]) -> queries.Area:
    if state.area == url_state.SHARED_AREA_ID and state.shared:
        return shared_area(state.shared, beside=groups)
    carried = dict(state.groups)  # a link's own group (egnagrupper), not stored here
    if state.area in carried:
        return shared_area(carried[state.area], state.area, beside=groups)
    if state.area and state.area.startswith("group:"):
        found = next((g for g in groups if g.area_id == state.area), None)
        if found:
            return found
    elif state.area:
        try:
            return query("area", state.area)
        except queries.UnknownArea:
            pass
    return query("area", f"kommun:{state.kommun}")


def _from_url(raw: dict[str, str], vocab: Vocabulary, page_hint: str | None,
              ) -> tuple[ViewState, list[str]]:
    state, notices = url_state.parse(raw, vocab)
    if url_state.PAGE not in raw and page_hint in vocab.pages:
        state = replace(state, page=page_hint)  # an old path link: /grupper, /om_data
    return state, notices


def bind(pages: dict[str, PageSpec],
         facts_of: Callable[[PageSpec, ViewState, queries.Area], PageFacts], *,
         page_hint: str | None = None) -> tuple[Selection, list[str]]:
    """Read the view from the URL or the controls, draw the controls, write the URL back.

    ``facts_of(page, view, area)`` tells what a page's content needs from the controls, for
    the area chosen (a page's tab may open by its values); ``page_hint`` is the page an old
    path link (``/grupper``) names. Returns the selection and the Swedish notices about link
    values that were ignored or read another way (on the run that read the link; those of
    KEPT_NOTICES until the user chooses there).
    """
    groups = user_groups()
    vocab = vocabulary(pages, groups)
    raw = st.query_params.to_dict()
    touched = st.session_state.pop(_TOUCHED, False)
    notices: list[str] = []
    from_url = _STATE not in st.session_state or (raw != st.session_state.get(_SEEN)
                                                   and not touched)
    if from_url:
        state, notices = _from_url(raw, vocab, page_hint)
        _new_generation(state)
        st.session_state[_KEPT] = [(n, KEPT_NOTICES[n.param](state)) for n in notices
                                   if getattr(n, "param", None) in KEPT_NOTICES]
    else:
        state = st.session_state[_STATE]
        notices = kept_notices(state)
    spec = pages[state.page]
    kommun = query("kommuner")
    names = dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))
    # row 1: kommun, område, kön; row 2: period and reference line (those the page has)
    first = [c for c in ("area", "sex") if c in spec.controls]
    columns = iter(())
    if first:
        widths = {"area": [2, 3], "sex": [2]}
        columns = iter(st.columns([w for c in first for w in widths[c]],
                                  vertical_alignment="bottom"))
        if "area" in first:
            state = _area_controls(state, names, groups, next(columns), next(columns))
    # the page's facts for the area chosen: a page's open tab may depend on its values
    facts = facts_of(spec, state, _resolve_area(state, groups))
    shown, period_notes = state, []
    if "period" in spec.controls:  # the view keeps its period; the page shows what it has
        shown, _ = shown_period(state, facts)
        period_notes = period_notes_of(state, facts)
        months = url_state.months_note(state, facts.monthly)
        if from_url and months and facts.frequency == "year" and not facts.monthly:
            # the link's months cannot be shown here: said with the link's other notices
            notices = [*notices, url_state.Notice(months, url_state.START)]
            period_notes.remove(months)
    if "sex" in first:
        state = _sex_control(state, facts, next(columns))
    second = [c for c in ("period", "reference") if c in spec.controls]
    if second:
        widths = {"period": 3, "reference": 1}
        columns = st.columns([widths[c] for c in second], vertical_alignment="bottom")
        for control, column in zip(second, columns, strict=True):
            if control == "period":
                state = _period_control(state, shown, period_notes, facts, column)
            else:
                state = _reference_control(state, facts, column)

    params = url_state.to_params(state, vocab)
    if params != raw or from_url:
        # after a menu link the browser still shows the previous URL: always write then
        # (the browser skips a write equal to its address, and replaces during Back/Forward)
        st.query_params.from_dict(params)
    st.session_state[_SEEN] = params
    st.session_state[_STATE] = state
    if "period" in spec.controls:  # the slider may have moved a bound
        shown, _ = shown_period(state, facts)
    else:  # a page without the period control reads the view's period as it is
        shown = state
    row = kommun[kommun["kommun_code"] == state.kommun].iloc[0]
    sel = Selection(state, spec, facts, vocab, state.kommun, str(row["kommun_name"]),
                    str(row["lan_code"]), str(row["lan_name"]), _resolve_area(state, groups),
                    (shown.start, shown.end))
    st.session_state["selection"] = sel
    return sel, notices


def kept_notices(state: ViewState) -> list[str]:
    """The link's notices still true of ``state``: those of a parameter in KEPT_NOTICES
    whose part of the view is as the link left it (a notice goes once the user chooses)."""
    kept = [(n, asked) for n, asked in st.session_state.get(_KEPT, [])
            if KEPT_NOTICES[n.param](state) == asked]
    st.session_state[_KEPT] = kept
    return [n for n, _ in kept]


def forget_shared_group(area_id: str) -> None:
    """After the shared group was saved: choose the stored group and drop the link's group."""
    _new_generation(replace(st.session_state[_STATE], shared=None, area=area_id))
    st.session_state[_TOUCHED] = True


def keep_saved_group(area_id: str, stored_id: str) -> None:
    """After a link's own group was saved as ``stored_id``: the view names the stored group
    (``url_state.saved_group``), its controls drawn afresh."""
    _new_generation(url_state.saved_group(st.session_state[_STATE], area_id, stored_id))
    st.session_state[_TOUCHED] = True


def reference_value(sel: Selection, series: pd.DataFrame) -> float | None:
    """The focus series' value in the baseline period, when one is chosen and present.

    An annual series uses the baseline's year; a monthly series needs a month (a year
    baseline draws nothing there rather than a made-up annual figure).
    """
    if not sel.state.baseline or series.empty:
        return None
    base = Period.parse(sel.state.baseline)
    if "year" in series.columns:
        rows = series[series["year"] == base.year]
    elif base.month is None:
        return None
    else:
        rows = series[series["period"].astype(str).str[:7] == str(base)]
    rows = rows.dropna(subset=["value"])
    return None if rows.empty else float(rows["value"].iloc[0])
