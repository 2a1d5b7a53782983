"""Jämför: up to 12 kommuner and areas (user groups included) on one chart, and all 290
kommuner ranked with the chosen ones highlighted and län and Riket as reference rows."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

import charts
import charts_compare
from chart_text import as_text
from exports.tables import TableExport
from transforms import bounds, monthly, periods, ranking
from transforms.areas import MIN_COVERAGE, withheld_text
from transforms.export import VALUE, series_frame, summed_parts
from transforms.formatting import format_number, markdown_literal
from ui import analysis, url_state
from ui.blocks import area_note, lan_choice, monthly_notes, source_footer, with_notes
from ui.data import query
from ui.downloads import (
    chart,
    chart_downloads,
    listed_part,
    name_parts,
    plotly_config,
    table_downloads,
)
from ui.groups import SHARED_SUFFIX, shared_area, user_groups
from ui.link_groups import save_offers
from ui.pages.karta import map_table, people_counts
from ui.selection import SEX_LABELS, Selection, area_label, page_changed, page_key
from warehouse import queries

REFERENCE = "Referens"
# the place column when every kommun has a value; else 'Plats bland kommuner med värde'
# (ranking.country_place_heading, as Karta): the table's attrs["place"] names it
PLACE = ranking.place_heading(table=True)


def _options(sel: Selection) -> dict[str, str]:
    """Area id -> label: every kommun, then the official areas, then the user's groups."""
    kommun = query("kommuner")
    options = {f"kommun:{c}": n for c, n in zip(kommun["kommun_code"], kommun["kommun_name"],
                                               strict=True)}
    for r in query("areas").itertuples():
        if r.area_kind != "kommun":
            options[r.area_id] = area_label(r.area_kind, r.area_name)
    for g in user_groups():
        options[g.area_id] = area_label("group", g.name)
    for area_id, group in sel.state.groups:  # a link's group (not stored here)
        options[area_id] = area_label("group", group.name + SHARED_SUFFIX)
    return options


def default_compare(sel: Selection) -> list[str]:
    """Without a choice in the link: the chosen kommun or area, the län it is compared with
    everywhere else (blocks.lan_choice: an area within one län that län, an area across län
    the one transforms.areas.lan_comparison picks, or none), Riket. Before, the chosen
    kommun's län was added whatever the area (Göteborgsregionen from Kungsbacka: Hallands
    län, where the other pages draw Västra Götalands län; stop 28)."""
    if sel.area.area_id == url_state.SHARED_AREA_ID:  # a link's group: the kommun stands in
        first, lan = f"kommun:{sel.kommun_code}", sel.lan_code
    else:
        first, lan = sel.area.area_id, lan_choice(sel).lan_code
    out = [first] + ([f"lan:{lan}"] if lan and first != f"lan:{lan}" else [])
    return out + (["riket"] if first != "riket" else [])


def heading(sel: Selection) -> str:
    """"Jämför – <area>" while the chosen area is among those compared, else "Jämför": a link
    comparing a group, a län and Täby was headed "Jämför – Ale" (walk25)."""
    compared = sel.state.analysis.compare or default_compare(sel)
    own = {sel.area.area_id, f"kommun:{sel.kommun_code}"} if sel.area.is_kommun \
        else {sel.area.area_id}
    return f"Jämför – {markdown_literal(sel.area.name)}" if own & set(compared) else "Jämför"


def _compare_picker(sel: Selection, options: dict[str, str]) -> list[str]:
    chosen = [a for a in (sel.state.analysis.compare or default_compare(sel)) if a in options]
    key = page_key("jamfor_omraden")
    st.multiselect(
        "Kommuner och områden", list(options), default=chosen, format_func=options.get,
        max_selections=url_state.MAX_COMPARE, key=key, on_change=page_changed,
        select_all=False,  # Enter takes the first match, not every match (rest25)
        args=(key, lambda s, v: url_state.with_analysis(s, compare=tuple(v))),
        placeholder="Skriv för att söka bland kommuner, län, LA, FA, kommungrupper och "
                    "egna grupper", help=f"Upp till {url_state.MAX_COMPARE} stycken. Ett "
        "områdes värde beräknas från dess kommuner som överallt annars (summa/summa eller "
        "befolkningsvägt), aldrig som ett medelvärde av kommunernas värden.")
    return chosen


def _area(sel: Selection, area_id: str) -> queries.Area:
    carried = dict(sel.state.groups)
    if area_id in carried:  # the link's group: its members as the sender had them
        return shared_area(carried[area_id], area_id, beside=user_groups())
    if area_id.startswith("group:"):
        found = next((g for g in user_groups() if g.area_id == area_id), None)
        if found is None:
            raise queries.UnknownArea(area_id)
        return found
    return query("area", area_id)


def _ranked(ind, period: str, sex: str, dims: dict[str, str] | None = None) -> pd.DataFrame:
    """Every kommun's value in ``period`` (a monthly one with the options ``dims``) with its
    place, as Karta's kommun layer reads them (area_id, area_name, place, of, tied, n_all:
    what karta.map_table takes)."""
    df = query("map_kommun_values", ind, period, sex, dims or {})
    return analysis.with_places(df.assign(area_id="kommun:" + df["kommun_code"],
                                          area_name=df["kommun_name"]),
                                ind.better).assign(n_all=len(df))


def ranking_table(ind, period: str, sex: str, chosen: list[queries.Area],
                  references: list[queries.Area],
                  dims: dict[str, str] | None = None) -> pd.DataFrame:
    """All kommuner ranked in ``period`` plus reference rows (län, Riket, chosen areas) placed
    where their value falls. Columns: the place ('Plats i riket', or 'Plats bland kommuner
    med värde' when some kommuner have none: ranking.country_place_heading, named in
    ``attrs["place"]``), Namn, Län, value, is_chosen, is_reference, is_lower_bound (a
    reference row's sum of counts without some kommuner: at least this, numfix26), area_id.
    ``dims``: a monthly indicator's options (the page's pickers), as Karta reads them."""
    better = ind.better
    ranked = _ranked(ind, period, sex, dims)
    n_ranked = int(ranked["of"].iloc[0]) if len(ranked) else 0
    place = ranking.country_place_heading(n_ranked, len(ranked), table=True)
    chosen_kommuner = {a.members[0] for a in chosen if a.is_kommun}
    table = pd.DataFrame({
        place: [("–" if pd.isna(p) else f"{p}" + (" (delad)" if t > 1 else ""))
                  for p, t in zip(ranked["place"], ranked["tied"], strict=True)],
        "Namn": ranked["kommun_name"], "Län": ranked["lan_name"], "value": ranked["value"],
        "is_chosen": ranked["kommun_code"].isin(chosen_kommuner), "is_reference": False,
        "is_lower_bound": False, "area_id": ranked["area_id"]})
    rows = []
    for area in references:
        value, lower = _value_at(analysis.option_series(ind, area, sex, dims), period)
        rows.append({place: REFERENCE, "Namn": area.name, "Län": "", "value": value,
                     "is_chosen": False, "is_reference": True, "is_lower_bound": lower,
                     "area_id": area.area_id})
    if rows:
        table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    table = table.sort_values("value", ascending=better == "lower", na_position="last",
                              kind="stable").reset_index(drop=True)
    table.attrs.update(n_ranked=n_ranked, place=place)
    return table


def _value_at(series: pd.DataFrame, period: str) -> tuple[float | None, bool]:
    """(value, is a lower bound) of ``series`` in ``period``; (None, False) without one."""
    hit = periods.clip(series, period, period).dropna(subset=["value"])
    return (None, False) if hit.empty else (float(hit["value"].iloc[-1]),
                                            bounds.is_lower(hit.iloc[-1]))


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: ui.pages.jamfor``)."""
    st.title(heading(sel), anchor=False)
    top = st.columns([3, 1])
    ind = analysis.indicator_picker(sel, top[0], name="jamfor_indikator", by_options=True)
    sex, sex_note = analysis.sex_picker(sel, ind, top[1], name="jamfor_kon")
    # a monthly indicator's age band and birth region, bound to the URL as on Karta
    dims = analysis.option_pickers(sel, ind, name="jamfor")
    options = _options(sel)
    ids = _compare_picker(sel, options)
    lan_note = lan_choice(sel).note if sel.area.area_id != url_state.SHARED_AREA_ID else ""
    if lan_note and not sel.state.analysis.compare:  # why this län (or none) is compared
        st.caption(lan_note)
    save_offers(sel, ids)  # a link's own groups: "Spara gruppen"
    found = analysis.range_picker(sel, ind, query("indicator_periods", ind), st,
                                  name="jamfor_period")
    if found is None:
        st.info(f"{ind.label} har inga värden i databasen.")
        return
    start, end = found
    areas = [_area(sel, a) for a in ids]
    if not areas:
        st.info("Välj minst en kommun eller ett område att jämföra.")
    else:
        _chart(sel, ind, sex, sex_note, areas, start, end, dims)
    when = periods.Period.parse(end).label()
    # the options ranked, in the chart's words (Riket's month names the band that stood in)
    chosen = analysis.monthly_options_words(ind, periods.clip(analysis.option_series(
        ind, query("area", "riket"), sex, dims), end, end), dims)
    st.header(f"Alla kommuner rangordnade, {when}{chosen}", anchor=False)
    lans = {f"lan:{a.members[0][:2]}" for a in areas if a.is_kommun}
    refs = [query("area", i) for i in sorted(lans)] + [query("area", "riket")]
    refs += [a for a in areas if not a.is_kommun and a.area_id not in {r.area_id for r in refs}]
    table = ranking_table(ind, end, sex, areas, refs, dims)
    st.caption(f"{ranking.end_text(ind.better).capitalize()}. "
               f"{table.attrs['n_ranked']} kommuner har ett värde. Markerade rader: de valda "
               f"kommunerna; "
               f"referensrader (län, riket, valda områden) står där deras värde hamnar och "
               f"räknas inte i platserna.")
    _show_table(table, ind)
    if dims and table["value"].isna().all():  # an option the fetched data do not hold
        st.info(f"**{ind.label}**, {chosen.removeprefix(', ')}: den hämtade datan har "
                f"inga sådana värden {when}. Välj andra val ovan eller ett annat nyckeltal.")
    table_downloads(ranking_export(table, ind, end, sex, sel, refs, dims=dims),
                    f"Rangordning, {ind.label}", when, chosen.removeprefix(", ") or None,
                    key="dl-rang",
                    label="Ladda ned rangordningen")


REFERENCE_NOTE = "referensrad: räknas inte i platserna"


def ranking_export(table: pd.DataFrame, ind, period: str, sex: str, sel: Selection,
                   references: list[queries.Area] | None = None, *,
                   dims: dict[str, str] | None = None) -> TableExport:
    """The ranking's rows in its order, with Karta's columns (karta.map_table: område, kod as
    text with its leading zeros, län, the month or year, kön, a monthly indicator's age band
    and birth region, värde as shown, the place as a number, enhet, täckning, anmärkning
    with 'uppgift saknas' and the other flags, metod, källa, hämtad); a reference row (län,
    Riket, a compared area) as every chart's download writes an area's row
    (transforms.export.series_frame), its place empty and said in anmärkning (walk28: no
    kod, the period only in the file name, empty anmärkning, plats as text). ``references``:
    the reference rows' areas (default: looked up by their ids; a user's group needs its
    Area); ``sel`` is kept for the callers; the workbook's area is all kommuner in riket.
    ``dims``: a monthly indicator's options (the page's pickers), said in ålder and metod."""
    if references is None:
        references = [query("area", a) for a in table.loc[table["is_reference"], "area_id"]]
    choices = analysis.default_options(ind, dims)
    lines = {a.area_id: periods.clip(analysis.option_series(ind, a, sex, dims), period,
                                     period) for a in references}
    bands = [df["band"].dropna() for df in lines.values() if "band" in df]
    band = next((b.iloc[0] for b in bands if len(b)), None)
    values = _ranked(ind, period, sex, dims)
    kommuner = map_table(values, ind, sex, people=people_counts(ind, period, sex),
                         options=monthly.option_cells(choices, band) if choices else None,
                         parts=summed_parts(choices))
    kommuner.insert(2, "län", values["lan_name"].to_numpy())
    place = next(c for c in kommuner.columns if c.startswith("plats"))
    areas = series_frame([(a.name, _one_row(lines[a.area_id], period), a.area_id)
                          for a in references], ind, sex=SEX_LABELS[sex], options=choices)
    if not areas.empty:
        areas = areas.assign(**{"län": "", place: pd.array([pd.NA] * len(areas),
                                                           dtype="Int64")})
        areas["anmärkning"] = [", ".join(t for t in (
            "uppgift saknas" if pd.isna(v) and not said else said, REFERENCE_NOTE) if t)
            for v, said in zip(areas[VALUE], areas["anmärkning"], strict=True)]
    rows = pd.concat([kommuner.assign(_id=values["area_id"].to_numpy()),
                      areas[[c for c in kommuner.columns if c in areas]].assign(
                          _id=[a.area_id for a in references])], ignore_index=True)
    order = {area_id: n for n, area_id in enumerate(table["area_id"])}
    data = rows.sort_values("_id", key=lambda ids: ids.map(order), kind="stable"
                            ).drop(columns="_id").reset_index(drop=True)
    data.attrs = dict(kommuner.attrs)
    riket = next((a for a in references if a.kind == "riket"), None) or query("area", "riket")
    export = compared_export(list(dict.fromkeys([*references, riket])), ind, data,
                             sex=SEX_LABELS[sex], period=periods.Period.parse(period).label(),
                             named=[riket])
    return replace(export, area_name="Alla kommuner i riket")


def _one_row(series: pd.DataFrame, period: str) -> pd.DataFrame:
    """``series`` in ``period`` (clipped to it), or one row without a value when it has
    none there: a reference row is written even without a value."""
    if len(series):
        return series.iloc[[-1]]
    monthly_period = len(period) > 4
    key = {"period": [pd.Timestamp(period + "-01").date()]} if monthly_period else \
        {"year": [int(period)]}
    return pd.DataFrame({**key, "value": [float("nan")], "status": [None]})


def _chart(sel: Selection, ind, sex: str, sex_note: str, areas: list[queries.Area],
           start: str, end: str, dims: dict[str, str] | None = None) -> None:
    lines = [charts.Line(a.name, periods.clip(analysis.option_series(ind, a, sex, dims),
                                              start, end),
                         "member", computed=not a.is_kommun, area_id=a.area_id) for a in areas]
    reference = None
    if not any(a.kind == "riket" for a in areas) and ind.aggregation != "none":
        riket = query("area", "riket")
        reference = charts.Line(riket.name, periods.clip(
            analysis.option_series(ind, riket, sex, dims), start, end), "riket",
            computed=True, area_id=riket.area_id)
    empty = [line for line in lines if line.data.dropna(subset=["value"]).empty]
    if reference is not None and reference.data.dropna(subset=["value"]).empty:
        empty.append(reference)  # never a legend entry for a line with nothing drawn
        reference = None
    if empty:
        st.caption(missing_text(empty, ind))
    shown = [(a, line) for a, line in zip(areas, lines, strict=True) if line not in empty]
    lines = [line for _, line in shown]
    if not lines:
        return
    computed = any(line.computed for line in lines) or reference is not None
    period = charts.period_text([line.data for line in lines])
    # a monthly measure's age band and birth region, as the Arbetslöshet page's chart says them
    options = analysis.monthly_options_words(ind, pd.concat([line.data for line in lines]),
                                             dims)
    title = (f"{ind.label}{sex_note}<br><sup>"
             f"{', '.join(as_text(line.name) for line in lines)}, "
             f"{period}, {SEX_LABELS[sex].lower()}{options}</sup>")
    # a monthly indicator's notes (SCB's noise, a stand-in age band, revisions) as the
    # Arbetslöshet page says them, in the figure's source line too (stop 28, walk28)
    drawn_areas = [a for a, _ in shown]
    said = monthly_notes(ind, lines[0].data, drawn_areas + (
        [query("area", "riket")] if reference is not None else []), sex=sex,
        computed=computed, dims=dims, focus=drawn_areas[0].members) if ind.is_monthly and ind.mart \
        else None
    fig = charts_compare.compare_lines(
        lines, ind, title=title, reference=reference,
        computed_note=with_notes(area_note(ind) if computed else None, said))
    # the areas in the file name whole, or the first ones and "m.fl." (walk28: the fifth
    # was cut off without a word)
    rest = name_parts("", ind.label, period, sex, options=options.removeprefix(", "))[1:]
    names = (listed_part("Jämförelse", [line.name for line in lines], *rest), *rest)
    # the numbers of every line drawn, Riket's reference line too (walk25: the chart drew
    # Riket and its CSV and Excel left it out)
    drawn = lines + ([reference] if reference is not None else [])
    table = series_frame([(line.name, line.data, line.area_id) for line in drawn], ind,
                         sex=SEX_LABELS[sex], options=analysis.default_options(ind, dims))
    # named as the subtitle and the file name name them: the areas drawn, not one without
    # a line nor the reference line's Riket (rev25b); Riket's kommuner still listed
    exported = drawn_areas + ([query("area", "riket")] if reference is not None else [])
    export = compared_export(exported, ind, table, sex=SEX_LABELS[sex], period=period,
                             named=drawn_areas)
    chart(fig, plotly_config(*names), key="jamfor-chart", table=export)
    source_footer(ind, period=period, computed=computed,
                  area_note=said.screen() if said else None)
    chart_downloads(fig, *names, key="dl-jamfor", table=export)


def compared_export(areas: list[queries.Area], ind, table: pd.DataFrame, *, sex: str,
                    period: str, named: list[queries.Area] | None = None) -> TableExport:
    """The chart's numbers with what they are: each compared area's own kommuner on the
    Excel file's definitions sheet, area by area (an area's value is computed from them;
    walk24: one list of all their kommuner together said nothing once Riket was compared).
    ``named``: the areas the export's title names (default ``areas``), as the chart's
    subtitle does."""
    named = areas if named is None else named
    members = sorted({m for a in areas for m in a.members})
    names = dict(zip(members, query("kommun_names", members) if members else [], strict=True))
    lists = [(a.name, sorted(((m, names[m]) for m in a.members), key=lambda p: (p[1], p[0])),
              a.kind == "riket") for a in areas if not a.is_kommun]
    return TableExport(table, [ind], ", ".join(a.name for a in named),
                       ",".join(a.area_id for a in named),
                       [(m, names[m]) for m in members], sex=sex, period=period,
                       area_method=any(not a.is_kommun for a in areas), member_lists=lists)


def missing_text(empty: list[charts.Line], ind) -> str:
    """Why some chosen areas have no line: 'Inga värden i perioden för LA2311 Oskarshamn
    (ingen av dess 3 kommuner har värden), Riket (bara 15 av 290 kommuner har värden; ...)'."""
    if ind.aggregation == "none":
        return f"Inga värden i perioden för {', '.join(line.name for line in empty)}: " \
               f"{ind.area_method}."
    parts = []
    for line in empty:
        df = line.data
        if not line.computed or "n_reporting" not in df.columns or df.empty:
            parts.append(line.name)
            continue
        reporting = int(df["n_reporting"].fillna(0).max())
        expected = int(df["n_expected"].fillna(0).max())
        some = df[df["n_reporting"].fillna(0) > 0]
        thin = some.iloc[-1] if not some.empty and "covered_share" in some else None
        why = withheld_text(thin, ind.weight_label) if thin is not None and pd.notna(
            thin["covered_share"]) else ""  # too few of the people (stop 28)
        if reporting == 0:
            parts.append(f"{line.name} (ingen av dess {expected} kommuner har värden)")
        elif why:
            parts.append(f"{line.name} ({why})")
        else:
            parts.append(f"{line.name} (bara {reporting} av {expected} kommuner har värden; "
                         f"ett områdesvärde kräver minst {MIN_COVERAGE * 100:.0f}\u00a0% av "
                         f"kommunerna)")
    return f"Inga värden i perioden för {', '.join(parts)}."


def _show_table(table: pd.DataFrame, ind) -> None:
    value = f"{ind.label} ({ind.short_unit})"
    st.dataframe(ranking_view(table, ind), hide_index=True, width="stretch", height=420,
                 column_config={value: st.column_config.Column(width="small")})


def ranking_view(table: pd.DataFrame, ind):
    """ranking_table's rows as the page shows them (a Styler): the chosen kommuner marked,
    reference rows in grey, values at the indicator's decimals, 'minst …' before a reference
    row's sum of counts without some kommuner (a lower bound, as every other view says it).
    The value beside the place, the names after it: at 390 px the value was a fourth column
    off-screen (walk26b); its long heading is cut to the column (Karta's list: "the name
    last")."""
    value = f"{ind.label} ({ind.short_unit})"
    shown = table[[table.attrs.get("place", PLACE), "value", "Namn", "Län"]].rename(
        columns={"value": value})

    def style(row: pd.Series) -> list[str]:
        if table.at[row.name, "is_chosen"]:
            return ["background-color: #d6e4f5; font-weight: bold"] * len(row)
        if table.at[row.name, "is_reference"]:
            return ["background-color: #f1f1f1; font-style: italic"] * len(row)
        return [""] * len(row)

    column = value
    styled = shown.style.apply(style, axis=1).format(
        {column: lambda v: format_number(v, ind.decimals)}, na_rep="–")
    lower = table["is_lower_bound"].fillna(False).astype(bool).to_numpy()
    if lower.any():
        styled = styled.format(lambda v: f"minst {format_number(v, ind.decimals)}",
                               subset=pd.IndexSlice[shown.index[lower], [column]])
    return styled
