"""Mötesunderlag: the chosen area, a span of years and indicators in order -> one button ->
a PowerPoint deck and the same deck as PDF (exports/deck.py does the work).

The choices are in the URL like every page's (``omrade``, ``fran``/``till`` as years,
``kon``, ``nyckeltal=id,id`` in order); an uploaded template is a file and is not."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from exports import deck
from exports.filenames import file_name
from transforms.formatting import markdown_literal
from transforms.periods import Period
from ui import url_state
from ui.blocks import lan_choice
from ui.data import con, query
from ui.selection import SEX_LABELS, Selection, page_changed, page_key

_RESULT = "_motesunderlag"  # the last deck made in this session: request, files, messages
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _choosable() -> list:
    """Yearly indicators with values, and monthly ones (SCB BAS, Arbetsförmedlingen) whose
    months are in the warehouse: their slide shows the months inside the chosen years."""
    return deck.choosable(query("indicators"))


def render(sel: Selection) -> None:
    """The page: what goes into the deck, one button, then the two downloads."""
    st.title(f"Mötesunderlag – {markdown_literal(sel.area.name)}", anchor=False)
    inds = _choosable()
    if not inds:
        st.info("Det finns inga årsvärden i databasen att göra ett mötesunderlag av.")
        return
    labels = item_labels(inds)
    first = min(i.first_year for i in inds)
    last = max(i.last_year for i in inds)
    # the comparison the deck draws (deck.compared_areas): for an area across län the län
    # holding most of its population, by name, or Riket only (areas.lan_comparison)
    choice = lan_choice(sel)
    lan_note = choice.note
    compared = "" if sel.area.kind == "riket" else "Riket" if choice.lan_code is None \
        else f"{choice.lan_name} och Riket" if lan_note else "länet och Riket"
    st.markdown(f"Ett underlag för **{markdown_literal(sel.area.name)}** att lägga i "
                "mötespappren: en titelsida, en sida per nyckeltal med diagram (redigerbart i "
                "PowerPoint), nyckeltalen i "
                f"ord{f' och jämförelsen med {compared}' if compared else ''}, källa och "
                "hämtdatum, och sist definitioner och källor. Först kommer den senaste "
                "månadens arbetslöshet där det finns månadsvärden, sedan årsvärdena. Området "
                "väljer du ovan." + (f" {markdown_literal(lan_note)}" if lan_note else ""))
    years = list(range(first, last + 1))
    # the default span: the yearly indicators' last eight years, up to the latest month's
    # year, so the deck opens with the latest month (a slide names the years it draws)
    yearly_last = max((i.last_year for i in inds if i.frequency == "year"), default=last)
    default_years = (max(first, yearly_last - 7), last)
    start, end = st.select_slider(
        "År", years, value=_years(sel, years, default_years), key=page_key("deck_years"),
        on_change=page_changed, args=(page_key("deck_years"),
                                      lambda s, v: _set_years(s, v, default_years)))
    for note in url_state.clamp_period(sel.state, [str(y) for y in years])[1]:
        st.caption(note)  # a link's years past the data: said, as on every other page
    default = deck.default_items(list(labels))
    asked = sel.state.analysis.deck_indicators
    absent = [i for i in asked if i not in labels]
    if absent:  # items the link names (it checks them) that the page cannot offer
        st.caption(f"Utan värden i den hämtade datan, inte med på sidan: "
                   f"{', '.join(_absent_label(i) for i in absent)}.")
    chosen = st.multiselect(
        "Nyckeltal, i den ordning de ska komma", list(labels), format_func=labels.get,
        default=[i for i in asked if i in labels] if asked else default,
        key=page_key("deck_indicators"), max_selections=deck.MAX_INDICATORS,
        # Enter takes the typed match only, as in Egna grupper's Kommuner: with the bulk
        # option shown, "N00960" and Enter took "Välj alla 2 träffar" and added N00914 too
        # (walk27; Streamlit's search is fuzzy)
        select_all=False,
        on_change=page_changed, args=(page_key("deck_indicators"), lambda s, v: (
            url_state.with_analysis(s, deck_indicators=() if list(v) == default
                                    else tuple(v)))),
        help="Årsvärden, och månadsvärden (SCB BAS, Arbetsförmedlingen) för månaderna i de "
             "valda åren. Ett nyckeltal utan värden för området får en sida som säger det; "
             "månadsvärden som saknas för området nämns på en rad på titelsidan.")
    sexes = list(SEX_LABELS)
    sex = st.radio("Kön", sexes, index=sexes.index(sel.sex), format_func=SEX_LABELS.get,
                   horizontal=True, key=page_key("deck_sex"), on_change=page_changed,
                   args=(page_key("deck_sex"), lambda s, v: replace(s, sex=v)),
                   help="Nyckeltal som inte finns per kön visas totalt, och sidan säger det.")
    template = st.file_uploader("Egen mall (valfritt, .pptx eller .potx)", type=["pptx", "potx"],
                                key="deck-template",
                                help="Utan mall används dashboardens enkla mall (16:9).")
    request = (sel.area.area_id, start, end, tuple(chosen), sex,
               template.file_id if template else None)
    if st.button("Gör mötesunderlaget (PowerPoint och PDF)", type="primary",
                 icon=":material/slideshow:", disabled=not chosen):
        st.session_state[_RESULT] = _make(sel, chosen, start, end, sex, template)
        st.session_state[_RESULT]["request"] = request
    result = st.session_state.get(_RESULT)
    if not result or result.get("request") != request:
        return
    if result.get("error"):
        st.error(result["error"])
        return
    period = result["period"]  # the years the slides draw, as the title slide says
    name = (sel.area.name, "Mötesunderlag", period) + (
        (SEX_LABELS[sex].lower(),) if sex != "T" else ())
    cols = st.columns(2)
    cols[0].download_button("Ladda ned PowerPoint", result["pptx"],
                            file_name(*name, ext="pptx"), PPTX, icon=":material/download:",
                            on_click="ignore", key="deck-pptx", width="stretch")
    if result.get("pdf"):
        cols[1].download_button("Ladda ned PDF", result["pdf"], file_name(*name, ext="pdf"),
                                "application/pdf", icon=":material/download:",
                                on_click="ignore", key="deck-pdf", width="stretch")
    else:
        cols[1].warning(result["pdf_error"])
    if result.get("empty"):
        st.caption("Utan värden för området (sidan säger det): " + ", ".join(result["empty"]))
    if result.get("absent"):
        st.caption("Utan månadsvärden för området, nämns på titelsidan: "
                   + ", ".join(result["absent"]))


def item_labels(inds: list) -> dict[str, str]:
    """The deck items offered, key -> label: each indicator, and a monthly one also for the
    young where some kommun has values for them ('bas_arbetsloshet:16-24'; deck.offered_items).
    A label names first the id a reader can look up at the source (KPI, SCB's table), as Om
    data does, never the item's key: 'TAB6260 Arbetslöshet (SCB BAS), 16–24 år (unga),
    månadsvärden', 'N03920 Arbetslöshet 18–64 år (18–65 från 2023)' (the id in brackets
    after a label ending in its own gave 'år (unga) (TAB6260)'; rev25b)."""
    out = {}
    for key, ind, dims in deck.offered_items(
            inds, lambda ind, dims: query("monthly_kommuner", ind, dims)):
        named = f"{ind.source_id} " if ind.source_id else ""
        months = ", månadsvärden" if ind.frequency == "month" else ""
        out[key] = f"{named}{deck.item_label(ind, dims)}{months}"
    return out


def _absent_label(key: str) -> str:
    """A link's deck item the page does not offer, by its label ('Arbetslöshet (SCB BAS),
    16–24 år (unga)')."""
    ind_id, dims = deck.parse_item(key)
    return deck.item_label(query("indicator", ind_id), dims)


def _years(sel: Selection, years: list[int], default: tuple[int, int]) -> tuple[int, int]:
    """The span of years of the view (``fran``/``till``, a month counts as its year),
    inside the years there are; the default span where the view has none."""
    lo = Period.parse(sel.start).year if sel.start else default[0]
    hi = Period.parse(sel.end).year if sel.end else default[1]
    lo, hi = (min(max(y, years[0]), years[-1]) for y in (lo, hi))
    return (lo, hi) if lo <= hi else (hi, lo)


def _set_years(state: url_state.ViewState, value: object,
               default: tuple[int, int]) -> url_state.ViewState:
    lo, hi = value
    if (lo, hi) == default:
        return replace(state, start=None, end=None)
    return replace(state, start=str(lo), end=str(hi))


def _make(sel: Selection, chosen: list[str], start: int, end: int, sex: str,
          template) -> dict:
    """Build the deck with progress shown; a dict of files or of the Swedish error."""
    raw = template.getvalue() if template is not None else None
    with st.status("Gör mötesunderlaget…", expanded=True) as status:
        try:
            with con() as cur:
                pptx, _, plan = deck.build(cur, sel.area, chosen, start, end, sex=sex,
                                           pdf=False, template=raw,
                                           progress=lambda step: status.write(step))
        except deck.DeckError as exc:
            status.update(label="Mötesunderlaget kunde inte göras", state="error")
            return {"error": str(exc)}
        out = {"pptx": pptx, "period": plan.drawn,
               "empty": [s.ind.label for s in plan.slides if s.missing],
               "absent": [line.split(":", 1)[0] for line in plan.absent]}
        status.write("PDF (LibreOffice)")
        try:
            out["pdf"] = deck.pptx_to_pdf(pptx)
        except deck.DeckError as exc:
            out["pdf"], out["pdf_error"] = None, str(exc)
        status.update(label=f"Klart: {len(plan.slides)} nyckeltal för "
                            f"{markdown_literal(sel.area.name)}, {plan.drawn}", state="complete", expanded=False)
    return out
