"""Liknande kommuner: the kommuner nearest to the chosen one on variables and weights the user
sees and changes (transforms/peers.py), how each peer compares on an indicator, and the peers
saved as a group in one click."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts_compare
from exports.tables import TableExport
from transforms import peers
from transforms.export import series_frame, shown_number
from transforms.formatting import format_number, format_weight, markdown_literal
from transforms.groups import GroupError, GroupSpec
from ui import analysis, url_state
from ui.data import query
from ui.downloads import (
    chart,
    chart_downloads,
    name_parts,
    plotly_config,
    table_downloads,
    table_export,
)
from ui.selection import Selection, forget_shared_group, page_changed, page_key
from warehouse import queries, usergroups

MIN_REPORTING = 200  # a variable's year: the latest in which this many kommuner report
CATEGORY_LABEL = "Kommungrupp (SKR 2023)"
METHOD = """
**Så räknas likheten** (samma metod i `docs/liknande_kommuner.md`)

1. Varje variabel standardiseras över alla kommuner som har ett värde: z = (värde − medelvärde)
   / standardavvikelse. Varje kommun räknas en gång; det är en måttstock, inte ett
   områdesvärde. Folkmängden standardiseras på sin logaritm, annars skulle Stockholm få alla
   andra kommuner att se lika ut.
2. Avståndet på en variabel är skillnaden i z mellan kommunen och den valda kommunen, i
   standardavvikelser. Kommungrupp är en kategori: 0 i samma grupp, 0,5 i samma huvudgrupp
   (A, B eller C), 1 annars.
3. Det totala avståndet är det viktade kvadratiska medelvärdet av variablernas avstånd,
   √(Σ vikt·avstånd² / Σ vikt). 0,5 betyder "en halv standardavvikelse ifrån på en typisk
   variabel", oavsett hur många variabler som används.
4. Saknade värden: en variabel som den valda kommunen saknar används inte alls (och nämns).
   En kommun som saknar en variabel jämförs på de andra; en kommun som saknar mer än hälften
   av den sammanlagda vikten listas inte.

Varje variabel tas från det senaste året då minst 200 kommuner har ett värde (året står vid
variabeln). Bidrag = variabelns andel av Σ vikt·avstånd²: vad som skiljer mest.
"""


def _labels(ids: list[str]) -> dict[str, str]:
    by_id = {i.id: i for i in query("indicators")}
    return {v: CATEGORY_LABEL if v == peers.CATEGORY else f"{by_id[v].label} ({v})"
            for v in ids}


def _chosen_variables(sel: Selection) -> list[tuple[str, float]]:
    return list(sel.state.analysis.peer_variables or peers.DEFAULT_VARIABLES)


def _set_variables(state: url_state.ViewState, value: object,
                   weights: dict[str, float]) -> url_state.ViewState:
    chosen = tuple((v, weights.get(v, 1.0)) for v in value)
    kept = None if not chosen or chosen == peers.DEFAULT_VARIABLES else chosen
    return url_state.with_analysis(state, peer_variables=kept)


def _variable_controls(sel: Selection) -> list[peers.Variable]:
    """The variables (multiselect) and one weight each (0–10), all in the URL (variabler=)."""
    candidates = peers.peer_candidates(query("indicators"))
    labels = _labels(candidates)
    chosen = [(v, w) for v, w in _chosen_variables(sel) if v in labels]
    weights = dict(chosen)
    key = page_key("liknande_variabler")
    ids = st.multiselect(
        "Variabler som avgör likheten", candidates, default=[v for v, _ in chosen],
        format_func=labels.get, key=key, max_selections=url_state.MAX_PEER_VARIABLES,
        select_all=False,  # Enter takes the first match, not every match (rest25)
        on_change=page_changed,
        args=(key, lambda s, v: _set_variables(s, v, weights)),
        help="Förval: folkmängd, andel utrikes födda, arbetslöshet och kommungrupp. "
             + peers.MISSING_DEFAULTS["utbildning"])
    columns = st.columns(4)
    out = []
    for i, var in enumerate(ids):
        wkey = page_key(f"liknande_vikt_{var}")
        weight = float(weights.get(var, 1.0))
        columns[i % 4].select_slider(
            f"Vikt: {labels[var]}", options=_weight_options(weight), value=weight,
            format_func=format_weight, key=wkey, on_change=page_changed,
            args=(wkey, _weight_setter(var, ids, weights)),
            help="0 = används inte; 2 = räknas dubbelt så mycket som en variabel med vikt 1.")
        out.append(peers.Variable(var, labels[var], float(weights.get(var, 1.0)),
                                  peers.variable_kind(var)))
    return out


def _weight_options(current: float) -> list[float]:
    """0, 0,5, 1 … 10, and a weight from a link that is not on that grid (e.g. 2,25)."""
    grid = {step / 2 for step in range(int(url_state.MAX_WEIGHT * 2) + 1)}
    return sorted(grid | {current})


def _weight_setter(var: str, ids: list[str], weights: dict[str, float]):
    def apply(state: url_state.ViewState, value: object) -> url_state.ViewState:
        new = {v: weights.get(v, 1.0) for v in ids}
        new[var] = float(value) if value else 0.0
        chosen = tuple((v, w) for v, w in new.items() if w > 0)
        kept = None if not chosen or chosen == peers.DEFAULT_VARIABLES else chosen
        return url_state.with_analysis(state, peer_variables=kept)
    return apply


def peer_table(year: int, variables: list[peers.Variable]) -> tuple[pd.DataFrame, dict]:
    """One row per kommun: kommun_code plus one column per variable (kommungrupp as its code),
    and the year each numeric variable was taken from."""
    kommun = query("kommuner")[["kommun_code", "kommun_name"]]
    numeric = [v.id for v in variables if v.kind != "category"]
    long = query("peer_values", numeric, year, min_reporting=MIN_REPORTING) if numeric \
        else pd.DataFrame(columns=["indicator_id", "kommun_code", "year", "value"])
    years = long.groupby("indicator_id")["year"].max().astype(int).to_dict()
    wide = long.pivot(index="kommun_code", columns="indicator_id", values="value")
    out = kommun.merge(wide, left_on="kommun_code", right_index=True, how="left")
    for var in numeric:
        if var not in out:
            out[var] = float("nan")
    if any(v.kind == "category" for v in variables):
        groups = query("kommungrupp_of")
        out = out.merge(groups[["kommun_code", "kommungrupp_code"]].rename(
            columns={"kommungrupp_code": peers.CATEGORY}), on="kommun_code", how="left")
    return out, years


def _result_frame(found: pd.DataFrame, table: pd.DataFrame, target: str,
                  variables: list[peers.Variable]) -> pd.DataFrame:
    """The table shown: the chosen kommun first, then each peer with its value, distance and
    contribution per variable."""
    used = [v for v in variables if v.id in found.attrs.get("used", [])]
    values = table.set_index("kommun_code")
    names = values["kommun_name"]
    contrib = peers.contributions(found, used)
    rows = []
    first = {"Plats": "Vald", "Kommun": names[target], "Avstånd totalt": 0.0}  # to itself
    for var in used:
        first[var.label] = _shown(values.at[target, var.id], var)
        first[f"Avstånd: {var.label}"] = 0.0
    first["Störst bidrag"] = ""
    rows.append(first)
    for i, r in found.iterrows():
        row = {"Plats": str(r["place"]), "Kommun": names[r["kommun_code"]],
               "Avstånd totalt": r["distance"]}
        for var in used:
            row[var.label] = _shown(values.at[r["kommun_code"], var.id], var)
            row[f"Avstånd: {var.label}"] = r[f"d_{var.id}"]
        top = contrib.loc[i].idxmax() if contrib.loc[i].notna().any() else None
        row["Störst bidrag"] = (f"{top} ({format_number(100 * contrib.at[i, top], 0)} %)"
                                if top else "")
        rows.append(row)
    return pd.DataFrame(rows)


def export_frame(found: pd.DataFrame, table: pd.DataFrame, target: str,
                 variables: list[peers.Variable]) -> pd.DataFrame:
    """The table shown, for CSV and Excel: numbers as numbers at the decimals shown
    (values 0 or 1, distances 2), a category as its code, '' for no value."""
    shown = _result_frame(found, table, target, variables)
    used = [v for v in variables if v.id in found.attrs.get("used", [])]
    values = table.set_index("kommun_code")
    codes = [target, *found["kommun_code"]]
    decimals = {"Avstånd totalt": 2}
    for var in used:
        places = 0 if var.kind == "log" else 1
        raw = [values.at[c, var.id] for c in codes]
        if var.kind != "category":
            shown[var.label] = pd.array([shown_number(v, places) for v in raw],
                                        dtype="Int64" if places == 0 else "Float64")
            decimals[var.label] = places
        decimals[f"Avstånd: {var.label}"] = 2
    for column in decimals:
        if column.startswith("Avstånd"):
            shown[column] = pd.array([shown_number(v, 2) for v in shown[column]],
                                     dtype="Float64")
    shown.attrs["decimals"] = decimals
    return shown


def _shown(value, var: peers.Variable) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if var.kind == "category":
        return str(value)
    return format_number(float(value), 0 if var.kind == "log" else 1)


def _save_group(sel: Selection, members: list[str]) -> None:
    """'Spara som grupp': the chosen kommun and its peers as a stored group."""
    if usergroups.read_only():
        st.caption("Grupper kan inte sparas här (skrivskyddat läge).")
        return
    with st.form("liknande_spara"):
        name = st.text_input("Gruppens namn", value=f"{sel.kommun_name} och liknande kommuner")
        if st.form_submit_button("Spara som grupp", type="primary",
                                 icon=":material/group_add:"):
            try:
                saved = usergroups.save(GroupSpec(name, tuple(members)))
            except GroupError as exc:
                st.error("\n".join(f"- {p}" for p in exc.problems))
                return
            st.session_state["_liknande_saved"] = (saved.name, len(members))
            forget_shared_group(f"group:{saved.group_id}")
            st.rerun()


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: ui.pages.liknande``)."""
    st.title(f"Liknande kommuner – {sel.kommun_name}", anchor=False)
    st.markdown("Vilka kommuner liknar den valda mest? Du ser och väljer variablerna och "
                "deras vikter; avståndet per variabel och totalt står i tabellen.")
    saved = st.session_state.pop("_liknande_saved", None)
    if saved:
        st.success(f"Gruppen **{markdown_literal(saved[0])}** ({saved[1]} kommuner) är "
                   "sparad. Den finns nu i områdesväljaren på alla sidor och under Egna "
                   "grupper.")
    variables = _variable_controls(sel)
    row = st.columns([3, 1])
    ind = analysis.indicator_picker(sel, row[0], name="liknande_indikator", annual_only=True,
                                    label="Nyckeltal att jämföra på")
    n = sel.state.analysis.n_peers or peers.DEFAULT_N_PEERS
    nkey = page_key("liknande_antal")
    row[1].number_input("Antal liknande", min_value=1, max_value=url_state.MAX_PEERS, value=n,
                        step=1, key=nkey, on_change=page_changed,
                        args=(nkey, lambda s, v: url_state.with_analysis(
                            s, n_peers=None if int(v) == peers.DEFAULT_N_PEERS else int(v))))
    with st.expander("Så räknas likheten"):
        st.markdown(METHOD)
    if not [v for v in variables if v.weight > 0]:
        st.info("Välj minst en variabel med en vikt över 0.")
        return
    found = analysis.shown_range(sel, query("indicator_periods", ind), end_only=True)
    year = int(found[1]) if found else 2022
    if found and found[2]:  # the chosen period ends after the indicator's last year
        st.caption(found[2])
    table, years = peer_table(year, variables)
    dist = peers.distances(table[["kommun_code", *[v.id for v in variables]]],
                           sel.kommun_code, variables)
    names = table.set_index("kommun_code")["kommun_name"]
    found = peers.nearest(dist, n, names=names)
    if dist.attrs["dropped"]:
        labels = _labels(dist.attrs["dropped"])
        st.warning(f"{sel.kommun_name} saknar värde för "
                   f"{', '.join(labels.values())}; variabeln används inte.")
    used = [v for v in variables if v.id in dist.attrs["used"]]
    st.caption("Variablernas år: " + "; ".join(
        f"{v.label} {years[v.id]}" if v.id in years else f"{v.label} 2023 (SKR)"
        for v in used) + ".")
    st.header(f"De {len(found)} kommuner som liknar {sel.kommun_name} mest", anchor=False)
    result = _result_frame(found, table, sel.kommun_code, used)
    distances = [c for c in result.columns if c.startswith("Avstånd")]
    # distances as on every other table: decimal comma, "–" for the chosen kommun's own row
    st.dataframe(result.style.format({c: lambda v: format_number(v, 2) for c in distances},
                                     na_rep="–"), hide_index=True, width="stretch")
    members = [sel.kommun_code, *found["kommun_code"]]
    by_id = {i.id: i for i in query("indicators")}
    table_downloads(TableExport(
        export_frame(found, table, sel.kommun_code, used),
        [by_id[v.id] for v in used if v.id in by_id], f"{sel.kommun_name} och liknande kommuner",
        sel.area.area_id, list(zip(members, [names[c] for c in members], strict=True)),
        period=", ".join(f"{v.label} {years[v.id]}" for v in used if v.id in years),
        area_method=False), f"{sel.kommun_name} och liknande kommuner", "avstånd",
        key="dl-liknande", label="Ladda ned tabellen över liknande kommuner")
    _compare_on(ind, year, members, sel)
    _save_group(sel, members)


def _compare_on(ind, year: int, members: list[str], sel: Selection) -> None:
    """The chosen kommun and its peers on the indicator in view, ranked, Riket as a line."""
    values = query("map_kommun_values", ind, str(year))
    shown = values[values["kommun_code"].isin(members)]
    if shown["value"].notna().sum() == 0:
        st.info(f"{ind.label} har inga värden {year} för de här kommunerna.")
        return
    riket = query("area_series", ind, query("area", "riket"), "T")
    hit = riket[riket["year"].astype(str) == str(year)]["value"].dropna()
    reference = [("Riket", float(hit.iloc[0]))] if not hit.empty else []
    title = (f"{ind.label}<br><sup>{sel.kommun_name} och liknande kommuner, {year}, "
             f"totalt</sup>")
    fig = charts_compare.peer_bars(shown[["kommun_name", "value"]], ind, title=title,
                                   highlight=sel.kommun_name, reference=reference,
                                   computed_note=f"Riket: {ind.area_method}.")
    names = name_parts(f"{sel.kommun_name} och liknande kommuner", ind.label, str(year))
    rows = shown.sort_values("value", ascending=False, na_position="last")
    named = [(r.kommun_name, pd.DataFrame({"year": [year], "value": [r.value]}),
              f"kommun:{r.kommun_code}") for r in rows.itertuples()]
    named += [(name, pd.DataFrame({"year": [year], "value": [value]}), "riket")
              for name, value in reference]
    group = queries.Area(sel.area.area_id, "group", f"{sel.kommun_name} och liknande kommuner",
                         tuple(members))
    export = table_export(group, ind, series_frame(named, ind, sex="Totalt"), sex="Totalt",
                          period=str(year))
    chart(fig, plotly_config(*names), key="liknande-chart", table=export)
    chart_downloads(fig, *names, key="dl-liknande-chart", table=export)
