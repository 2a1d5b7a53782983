"""The only non-page module importing streamlit: connection, cached queries, pickers, footers.

The warehouse is opened read-only and keyed by the file's identity, so after a refresh swaps a
new file in, the next rerun opens the new one; running queries keep the old file until then.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st

import charts
import config
from transforms import monthly
from transforms.areas import coverage_label
from transforms.catalogue import Indicator, monthly_marts
from transforms.export import series_frame, to_excel_csv
from transforms.formatting import (
    format_change,
    format_date,
    format_month,
    format_number,
    format_value,
)
from transforms.groups import slug
from warehouse import queries, usergroups
from warehouse.db import connect, file_signature
from warehouse.refresh import read_status

SEX_LABELS = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}
KIND_PREFIX = {"lan": "Län", "la": "Lokal arbetsmarknad", "fa": "FA-region",
               "kommungrupp": "Kommungrupp", "riket": "Riket", "group": "Egen grupp"}
SHARED_GROUP_ID = "group:__delad__"
MAX_MEMBER_LINES = 8  # an area with at most this many kommuner draws each of them too
PLOTLY_CONFIG = {"displaylogo": False, "locale": "sv",
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, signature: tuple[int, int]) -> duckdb.DuckDBPyConnection:
    return connect(path, read_only=True)


def _signature() -> tuple[int, int] | None:
    return file_signature(config.warehouse_path())


def con() -> duckdb.DuckDBPyConnection:
    """A cursor on the current warehouse file (a DuckDB connection is not thread-safe)."""
    sig = _signature()
    if sig is None:
        raise FileNotFoundError(config.warehouse_path())
    return _connection(str(config.warehouse_path()), sig).cursor()


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached(name: str, signature: tuple[int, int], args: tuple, kwargs: tuple) -> object:
    with con() as cur:
        return getattr(queries, name)(cur, *args, **dict(kwargs))


def query(name: str, *args, **kwargs):
    """Run ``warehouse.queries.<name>`` with caching keyed by the warehouse file's identity."""
    return _cached(name, _signature(), args, tuple(sorted(kwargs.items())))


def warehouse_ready() -> bool:
    """True when a warehouse file exists and can be opened."""
    if _signature() is None:
        return False
    try:
        return queries.has_table(con(), "marts.kommun")
    except duckdb.Error:
        return False


def no_data_message() -> None:
    """Plain Swedish: no data, which source failed and why, and how to load a mirror."""
    st.title("Arbetsmarknadsläget")
    st.error("Ingen data kunde hämtas, så det finns inget att visa ännu.")
    status = read_status()
    if status:
        lines = []
        for source, s in status.get("sources", {}).items():
            if s.get("failed"):
                name = {"kolada": "Kolada (api.kolada.se)",
                        "scb": "SCB (statistikdatabasen.scb.se)",
                        "af": "Arbetsförmedlingen (arbetsformedlingen.se)"}.get(source, source)
                lines.append(f"- **{name}**: {s.get('first_error') or 'misslyckades'}")
        if lines:
            st.markdown(f"Senaste försöket ({status.get('at', '')[:16].replace('T', ' ')} UTC):"
                        + "\n" + "\n".join(lines))
        if status.get("build_message") and not status.get("built"):
            st.markdown(f"Databasen kunde inte byggas: {status['build_message']}")
    else:
        st.markdown("Ingen uppdatering har körts på den här datorn ännu.")
    st.markdown(
        "**Så här laddar du data utan nätverk**, från en spegelmapp med sparade svar från "
        "källorna (t.ex. `../shared/data`):\n\n"
        "```\nMIRROR_DIR=../shared/data make run\n```\n\n"
        "eller, medan appen är igång, i ett annat terminalfönster:\n\n"
        "```\n.venv/bin/python -m warehouse refresh --mirror ../shared/data\n```\n\n"
        "Ladda sedan om sidan. Med nätverk hämtar `make run` data direkt från Kolada och SCB.")


@dataclass(frozen=True)
class Selection:
    """What the user has picked in the sidebar."""

    kommun_code: str
    kommun_name: str
    lan_code: str
    lan_name: str
    area: queries.Area  # the kommun itself, or the chosen area
    sex: str

    @property
    def sex_label(self) -> str:
        """'Totalt', 'Kvinnor' or 'Män'."""
        return SEX_LABELS[self.sex]


def _area_label(kind: str, name: str) -> str:
    return name if kind == "riket" else f"{KIND_PREFIX.get(kind, kind)}: {name}"


def _shared_group(kommun: pd.DataFrame) -> queries.Area | None:
    """A group carried in the URL (?grupp=Namn&medlemmar=0764,0780), if valid."""
    from transforms.groups import GroupError, kommun_lookup, resolve_members, split_members

    name = st.query_params.get("grupp")
    raw = st.query_params.get("medlemmar")
    if not name or not raw:
        return None
    try:
        members = resolve_members(split_members(raw), kommun_lookup(kommun), group=name)
    except GroupError as exc:
        st.warning("Gruppen i länken kunde inte läsas: " + "; ".join(exc.problems))
        return None
    return queries.Area(SHARED_GROUP_ID, "group", f"{name} (delad länk)", members,
                        source="Delad länk")


def user_groups() -> list[queries.Area]:
    """Stored user groups as areas (suggestions seeded on first start)."""
    if "seeded" not in st.session_state:
        usergroups.seed_suggestions(query("kommuner"))
        st.session_state["seeded"] = True
    return [usergroups.as_area(g) for g in usergroups.list_groups()]


def selection_bar() -> Selection:
    """Kommun picker, area picker and sex side by side above every page, bound to the URL.

    The widgets are bound to query parameters (``kommun``, ``omrade``, ``kon``) by their
    readable labels (``?kommun=Växjö&omrade=Län: Kronobergs län``), so a copied link reopens
    the same view. A group shared by link travels as ``grupp`` + ``medlemmar``.
    """
    kommun = query("kommuner")
    codes = kommun["kommun_code"].tolist()
    names = dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))
    left, right, third = st.columns([2, 3, 2], vertical_alignment="bottom")
    code = left.selectbox("Kommun", codes, format_func=lambda c: names[c], key="kommun",
                          bind="query-params", help="Skriv för att söka bland alla 290 kommuner.")
    row = kommun[kommun["kommun_code"] == code].iloc[0]

    groups = user_groups()
    shared = _shared_group(kommun)
    options: dict[str, str] = {"": "Ingen – visa kommunen"}
    for r in query("member_areas", code).itertuples():  # areas the kommun belongs to first
        options[r.area_id] = _area_label(r.area_kind, r.area_name)
    for g in ([shared] if shared else []) + groups:
        options[g.area_id] = _area_label("group", g.name)
    for r in query("areas").itertuples():
        if r.area_kind != "kommun":
            options.setdefault(r.area_id, _area_label(r.area_kind, r.area_name))
    if shared and st.session_state.get("omrade") != SHARED_GROUP_ID \
            and not st.session_state.get("shared_applied"):
        st.session_state["omrade"] = SHARED_GROUP_ID
        st.session_state["shared_applied"] = True
    area_id = right.selectbox(
        "Område", list(options), format_func=options.get, key="omrade", bind="query-params",
        help="Län, lokal arbetsmarknad, FA-region, kommungrupp eller egen grupp. Områdena där "
             "den valda kommunen ingår står först.")
    sex = third.radio("Kön", list(SEX_LABELS), format_func=SEX_LABELS.get, key="kon",
                      bind="query-params", horizontal=True)

    area = None
    if area_id == SHARED_GROUP_ID:
        area = shared
    elif area_id and area_id.startswith("group:"):
        area = next((g for g in groups if g.area_id == area_id), None)
    elif area_id:
        area = query("area", area_id)
    if area is None:
        area = query("area", f"kommun:{code}")
    return Selection(code, str(row["kommun_name"]), str(row["lan_code"]), str(row["lan_name"]),
                     area, sex)


def source_footer(ind: Indicator, *, period: str, computed: bool, area_note: str | None = None,
                  ) -> None:
    """Definition, source, period and method under a chart, in Swedish."""
    parts = [f"**Definition:** {ind.definition or ind.title or ind.label}",
             f"**{ind.source_line}.** Hämtad {format_date(ind.fetched_at)}. Period: {period}."]
    if computed:
        parts.append(f"**Län, riket och andra områden:** {ind.area_method}.")
    if area_note:
        parts.append(area_note)
    if ind.note:
        parts.append(ind.note)
    st.caption("  \n".join(parts))


def comparison_lines(sel: Selection, ind: Indicator) -> list[charts.Line]:
    """The selected kommun or area, its län (when all members share one) and Riket.

    Beside a computed län or Riket, the source's own published value is drawn when fetched.
    """
    sex = sel.sex if ind.has_sex else "T"
    shown: list[tuple[queries.Area, str]] = [(sel.area, "focus")]
    lan_codes = {m[:2] for m in sel.area.members}
    if sel.area.kind not in ("lan", "riket") and len(lan_codes) == 1:
        shown.append((query("area", f"lan:{lan_codes.pop()}"), "lan"))
    if sel.area.kind != "riket":
        shown.append((query("area", "riket"), "riket"))
    if not sel.area.is_kommun and len(sel.area.members) <= MAX_MEMBER_LINES:
        named = zip(query("kommun_names", list(sel.area.members)), sel.area.members, strict=True)
        shown += [(query("area", f"kommun:{code}"), "member") for _, code in sorted(named)]
    lines = []
    for area, role in shown:
        lines.append(charts.Line(area.name, query("area_series", ind, area, sex), role,
                                 computed=not area.is_kommun))
        if area.kind in ("lan", "riket"):
            own = query("published_series", ind.id, area.area_id, sex)
            if not own.empty:
                lines.append(charts.Line(f"{area.name} enligt {ind.source}", own, "published"))
    return lines


def _sex_for(sel: Selection, ind: Indicator) -> tuple[str, str]:
    """The sex code to query and a note when the indicator has no split by sex."""
    if ind.has_sex or sel.sex == "T":
        return sel.sex, ""
    return "T", " (finns inte per kön; visar totalt)"


def indicator_card(sel: Selection, indicator_id: str) -> None:
    """The latest value with the change from the year before, and its coverage."""
    ind = query("indicator", indicator_id)
    sex, sex_note = _sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        st.info(f"**{ind.label}**: {ind.area_method}. {ind.note or ''}")
        return
    focus = query("area_series", ind, sel.area, sex).dropna(subset=["value"])
    if focus.empty:
        st.info(f"**{ind.label}**: inga värden för {sel.area.name}.")
        return
    latest = focus.iloc[-1]
    prev = focus[focus["year"] == latest["year"] - 1]
    delta = None
    if not prev.empty:
        change = latest["value"] - prev["value"].iloc[0]
        delta = f"{format_change(change, ind.decimals, ind.unit, ascii_minus=True)} från " \
                f"{int(latest['year']) - 1}"
    st.metric(f"{ind.label}, {int(latest['year'])}{sex_note}",
              format_value(latest["value"], ind.decimals, ind.short_unit), delta,
              delta_color="off", border=True, help=ind.definition)
    if latest.get("status") == "partial":
        cover = coverage_label(int(latest["n_reporting"]), int(latest["n_expected"]))
        st.caption(f"Områdesvärdet bygger på {cover}.")


def indicator_chart(sel: Selection, indicator_id: str) -> None:
    """The comparison chart over time, its source footer and the numbers as CSV."""
    ind = query("indicator", indicator_id)
    sex, sex_note = _sex_for(sel, ind)
    if ind.aggregation == "none" and not sel.area.is_kommun:
        return
    lines = comparison_lines(sel, ind)
    if lines[0].data.dropna(subset=["value"]).empty:
        return
    compared = [line.name for line in lines if line.role in ("lan", "riket")]
    against = f" jämfört med {' och '.join(compared)}" if compared else ""
    period = charts.period_text([line.data for line in lines])
    computed = any(line.computed for line in lines)
    title = (f"{ind.label}{sex_note}<br><sup>{sel.area.name}{against}, {period}, "
             f"{SEX_LABELS[sex].lower()}</sup>")
    fig = charts.time_series(lines, ind, title=title,
                             computed_note=f"Områden: {ind.area_method}." if computed else None)
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"chart-{indicator_id}")
    source_footer(ind, period=period, computed=computed)
    table = series_frame([(line.name, line.data) for line in lines if line.role != "published"],
                         ind, sex=SEX_LABELS[sex])
    st.download_button("Ladda ned siffrorna (CSV)", to_excel_csv(table),
                       f"{ind.id}_{slug(sel.area.name)}.csv", "text/csv",
                       key=f"csv-{indicator_id}", icon=":material/download:")


def members_block(sel: Selection, indicator_id: str) -> None:
    """An area's member kommuner ranked on the latest year, with the area and Riket marked."""
    ind = query("indicator", indicator_id)
    sex = sel.sex if ind.has_sex else "T"
    df = query("member_values", ind.id, list(sel.area.members), sex)
    if df.dropna(subset=["value"]).empty:
        return
    year = int(df.dropna(subset=["value"])["year"].max())
    latest = df[df["year"] == year]
    area_df = query("area_series", ind, sel.area, sex)
    ref = []
    if ind.aggregation != "none":
        row = area_df[area_df["year"] == year]
        if not row.empty:
            ref.append((sel.area.name, row["value"].iloc[0]))
    fig = charts.ranked_bar(latest, ind, title=f"{ind.label}: kommunerna i {sel.area.name}, "
                            f"{year}", highlight=sel.kommun_name, reference=ref)
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"members-{indicator_id}")


def current_selection() -> Selection:
    """The sidebar's selection for this run (set by app.py)."""
    return st.session_state["selection"]


def selection_caption(sel: Selection) -> str:
    """One line under a page title saying what is shown and how areas are computed."""
    area = sel.area
    if area.is_kommun:
        return (f"{sel.kommun_name} i {sel.lan_name}, jämfört med länet och riket. "
                f"Kön: {sel.sex_label}. Län och riket är beräknade från kommunerna.")
    members = ", ".join(query("kommun_names", list(area.members)))
    where = f"{len(area.members)} kommuner: {members}" if len(area.members) <= 15 \
        else f"{len(area.members)} kommuner"
    vintage = f" Indelning {area.vintage}." if area.vintage else ""
    return (f"{area.name} ({where}). Kön: {sel.sex_label}. Områdets värden är beräknade från "
            f"kommunerna enligt varje nyckeltals regel.{vintage}")


MONTHLY_INDICATOR = "bas_arbetsloshet"


def _monthly_options(mart: dict) -> dict[str, str]:
    """Age and födelseregion pickers for a monthly mart, bound to the URL (labels as values)."""
    chosen = {}
    dims = mart.get("dimensions") or {}
    for column, (name, spec) in zip(st.columns(max(len(dims), 1)), dims.items(), strict=False):
        options = {**{k: v["label"] for k, v in (spec.get("series") or {}).items()},
                   **(spec.get("values") or {})}
        keys = list(options)
        chosen[name] = column.selectbox(
            spec.get("label", name), keys, index=keys.index(spec["default"]),
            format_func=options.get, key=f"bas_{name}", bind="query-params")
    return chosen


def _monthly_lines(sel: Selection, ind: Indicator, sex: str, dims: dict
                   ) -> list[tuple[queries.Area, str, pd.DataFrame]]:
    shown: list[tuple[queries.Area, str]] = [(sel.area, "focus")]
    lan_codes = {m[:2] for m in sel.area.members}
    if sel.area.kind not in ("lan", "riket") and len(lan_codes) == 1:
        shown.append((query("area", f"lan:{lan_codes.pop()}"), "lan"))
    if sel.area.kind != "riket":
        shown.append((query("area", "riket"), "riket"))
    return [(area, role, query("monthly_series", ind, area, sex, dims)) for area, role in shown]


def _missing_sentence(ind: Indicator, missing: list[tuple[queries.Area, pd.DataFrame]],
                      focus_missing: bool) -> str:
    """Why areas have no monthly value, in one plain sentence."""
    what = ind.label.split(" (")[0].lower()
    if not focus_missing:  # the area is there; its län or Riket cannot be computed
        texts = []
        for area, df in missing:
            last = df.iloc[-1] if not df.empty else None
            n = f"{int(last['n_reporting'])} av dess {int(last['n_expected'])}" \
                if last is not None else "ingen av dess"
            texts.append(f"{area.name} kan inte beräknas: SCB:s månadssiffror finns bara för "
                         f"{n} kommuner i den hämtade datan")
        return "; ".join(texts) + " (under hälften räknas inget områdesvärde)."
    have = query("monthly_kommuner", ind)
    where = ""
    if not have.empty:
        lan = have["lan_name"].unique()
        where = (f": den hämtade datan har dem bara för {len(have)} kommuner i {lan[0]}"
                 if len(lan) == 1 else f": den hämtade datan har dem för {len(have)} kommuner")
    elif not query("has_table", monthly_marts()[ind.mart]["table"]):
        where = ": de har inte kunnat hämtas från SCB"
    names = [area.name for area, _ in missing]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"
    return f"SCB:s månadssiffror för {what} saknas för {listed}{where}."


def monthly_unemployment_block(sel: Selection, indicator_id: str = MONTHLY_INDICATOR) -> None:
    """Monthly figures for the area, its län and Riket: the latest month against the same
    month a year earlier, a chart with breaks, and what is missing or revised, in words."""
    ind = query("indicator", indicator_id)
    mart = monthly_marts()[ind.mart]
    st.header(f"{ind.label.split(' (')[0]} per månad (SCB BAS)")
    dims = _monthly_options(mart)
    choices = monthly.choose(mart, dims, indicator_id=ind.id)
    sex, sex_note = sel.sex, ""
    lines = _monthly_lines(sel, ind, sex, dims)
    if sex != "T" and lines[0][2].dropna(subset=["value"]).empty:
        sex, sex_note = "T", (f" Siffror för {SEX_LABELS[sel.sex].lower()} finns inte i den "
                              "hämtade datan; totalt visas.")
        lines = _monthly_lines(sel, ind, sex, dims)
    shown, missing = [], []
    columns = st.columns(len(lines))
    for column, (area, role, df) in zip(columns, lines, strict=True):
        latest = monthly.latest_with_year_before(df)
        if latest is None:
            missing.append((area, df))
            continue
        shown.append(charts.Line(area.name, df, role, computed=not area.is_kommun))
        with column:
            st.metric(**bas_metric(latest, ind, area.name))
            if latest["status"] == "partial":
                st.caption("Beräknat från " + coverage_label(int(latest["n_reporting"]),
                                                             int(latest["n_expected"])) + ".")
    if missing:
        st.info(_missing_sentence(ind, missing, focus_missing=missing[0][0] is sel.area))
    if not shown:
        return
    breaks = monthly.band_breaks(shown[0].data, choices["age"]) if "age" in choices else []
    labels = ", ".join(_used_label(choices[d], shown[0].data) for d in choices)
    period = charts.month_span_text([line.data for line in shown])
    title = (f"{ind.label}<br><sup>{', '.join(line.name for line in shown)}, {period}, "
             f"{SEX_LABELS[sex].lower()}, {labels}</sup>")
    computed = any(line.computed for line in shown)
    note = f"Områden: {ind.area_method}." if computed else None
    st.plotly_chart(charts.monthly_lines(shown, ind, title=title, breaks=breaks,
                                         source_note=note),
                    config=PLOTLY_CONFIG, key=f"chart-{ind.id}")
    parts = [f"**Definition:** {ind.definition}",
             f"**{ind.source_line}.** Hämtad {format_date(ind.fetched_at)}. Period: {period}."
             + sex_note]
    if computed:
        parts.append(f"**Län, riket och andra områden:** {ind.area_method}. "
                     f"{mart.get('note', '')}".strip())
    band = monthly.band_note(shown[0].data, choices["age"]) if "age" in choices else None
    if band:
        parts.append(band)
    members = sorted({m for area, _, df in lines if not df.dropna(subset=["value"]).empty
                      for m in area.members})
    changes = query("series_revisions", ind, queries.Area("chart", "group", "", tuple(members)),
                    sex, dims)
    names = dict(zip(*[query("kommuner")[c] for c in ("kommun_code", "kommun_name")],
                     strict=True))
    revised = monthly.revision_note(changes, decimals=ind.decimals, short_unit=ind.short_unit,
                                    names=names, focus=list(sel.area.members),
                                    source=ind.source)
    if revised:
        parts.append(f"**{revised}**")
    st.caption("  \n".join(parts))


def _used_label(choice: monthly.Choice, data: pd.DataFrame) -> str:
    """The option as shown in a title: the bands actually used for a scheduled age series."""
    if choice.schedule and "band" in data:
        used = list(dict.fromkeys(data.dropna(subset=["value"])["band"]))
        return "/".join(choice.code_label(c) for c in used) or choice.label
    return choice.label.lower() if choice.dim != "age" else choice.label


def bas_metric(latest: dict, ind: Indicator, name: str) -> dict:
    """Arguments for st.metric from monthly.latest_with_year_before()."""
    from transforms.formatting import format_month

    period = latest["period"]
    delta = None
    if latest["value_year_before"] is not None:
        change = format_change(latest["change"], ind.decimals, ind.unit, ascii_minus=True)
        delta = f"{change} från {format_month(period.replace(year=period.year - 1))}"
    label = f"{name}, {format_month(period)}"
    if latest["is_preliminary"]:
        label += " (preliminär)"
    return {"label": label, "value": format_value(latest["value"], ind.decimals,
                                                  ind.short_unit),
            "delta": delta, "delta_color": "off", "border": True, "help": ind.definition}


def revisions_section(limit: int = 300) -> None:
    """Om data: what the sources revised at the latest refreshes, summary first."""
    runs = query("revision_runs", 20)
    if runs.empty:
        st.caption("Inga tidigare publicerade värden har ändrats vid uppdateringarna hittills.")
        return
    inds = {i.id: i for i in query("indicators")}
    names = dict(zip(*[query("kommuner")[c] for c in ("kommun_code", "kommun_name")],
                     strict=True))
    for run in runs.itertuples():
        ind = inds.get(run.indicator_id)
        st.markdown(
            f"- **{format_date(run.seen_at)}**: {ind.label if ind else run.indicator_id} – "
            f"{format_number(run.n_values, 0)} tidigare publicerade månadsvärden ändrade för "
            f"{run.n_kommuner} "
            f"kommuner, {format_month(run.first_period)} – "
            f"{format_month(run.last_period)} (källans siffror publicerade "
            f"{format_date(run.new_published) if run.new_published else 'okänt datum'})")
    dim_labels: dict[str, dict[str, str]] = {}
    for mart in monthly_marts().values():
        for name, spec in (mart.get("dimensions") or {}).items():
            dim_labels.setdefault(name, {}).update(spec.get("values") or {})
    revised = list(dict.fromkeys(i for i in inds if i in set(runs["indicator_id"])))
    chosen = st.selectbox("Visa ändrade värden för", revised,
                          format_func=lambda i: inds[i].label, key="revision_indicator")
    table = monthly.revisions_table(
        query("revisions", indicator_id=chosen, limit=limit),
        labels={k: v.label for k, v in inds.items()},
        names=names, decimals={k: v.decimals for k, v in inds.items()}, dim_labels=dim_labels)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"De senaste {limit} ändrade värdena. Alla: `python -m warehouse changes` "
               "(`--since ÅÅÅÅ-MM-DD`).")


def population_block(sel: Selection) -> None:
    """SCB's monthly population for the län (or Riket), by age group and sex, when fetched."""
    if not query("has_table", "marts.population_region_monthly"):
        st.caption("SCB:s befolkning per månad saknas i databasen.")
        return
    area = sel.area
    if area.kind in ("kommun", "lan"):
        lan_codes, name = [area.members[0][:2]], sel.lan_name if area.is_kommun else area.name
    elif area.kind == "riket":
        lan_codes, name = sorted({m[:2] for m in area.members}), "Riket"
    else:
        st.caption("SCB:s månadsbefolkning finns här per län; välj en kommun, ett län eller "
                   "riket för att se den.")
        return
    df = query("population_lan_monthly", lan_codes)
    if df.empty:
        st.caption(f"SCB:s månadsbefolkning saknas för {name}.")
        return
    meta = scb_population_meta(str(df["table_id"].iloc[0]))
    latest = df["period"].max()
    now = df[(df["period"] == latest) & (df["sex"] == "T")]["population"].sum()
    first = df[(df["period"] == df["period"].min()) & (df["sex"] == "T")]["population"].sum()
    from transforms.formatting import format_month

    months = df["period"].nunique()
    delta = None
    if months > 1:
        change = format_change(now - first, 0, "count", ascii_minus=True)
        delta = f"{change} sedan {format_month(df['period'].min())}"
    if area.is_kommun:
        st.caption(f"SCB:s månadsbefolkning per kommun finns inte i datan; {sel.kommun_name}s "
                   f"län visas.")
    st.metric(f"Folkmängd, {name}, {format_month(latest)}",
              format_value(now, 0, "antal"), delta, delta_color="off", border=True)
    fig = charts.population_by_age(df[df["period"] == latest], meta,
                                   title=f"Folkmängd efter ålder och kön, {name}, "
                                         f"{format_month(latest)}")
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key="chart-population")
    st.caption("Summerat över SCB:s åldersgrupper. Från referensåret 2025 lägger SCB in en liten "
               "slumpmässig osäkerhet i alla befolkningsuppgifter (Cell Key Method), så en summa "
               "av delar kan avvika något från SCB:s publicerade total.")


def scb_population_meta(table_id: str) -> Indicator:
    """Chart metadata for SCB's monthly population table."""
    return Indicator(id=table_id, label="Folkmängd", unit="count", short_unit="antal",
                     decimals=0, groups=("befolkning",), aggregation="sum", source="SCB",
                     definition="Folkmängden den sista dagen i respektive månad.",
                     fetched_at=query("fetched_at", "scb", "population_lan_monthly"))


def app_footer() -> None:
    """Shared footer: sources and licence, and when the data was last refreshed."""
    log = query("refresh_log", 1)
    when = format_date(log["run_at"].iloc[0]) if not log.empty else "okänt datum"
    st.divider()
    st.caption(f"Arbetsmarknadsläget · öppen källkod · Data senast uppdaterad {when}. "
               "Källor: Kolada (RKA; ursprungliga producenter anges vid varje diagram) och "
               "SCB, Statistikdatabasen (CC0). Se sidan Om data för definitioner och logg.")


def kommun_lookup() -> dict[str, str]:
    """Kommun code/name -> code, for parsing user input."""
    from transforms.groups import kommun_lookup as build

    return build(query("kommuner"))


def share_link(group: usergroups.Group) -> str:
    """A link to Översikt that opens a group for anyone: …/?grupp=…&medlemmar=0764,0780."""
    from urllib.parse import urlencode, urlsplit

    query = urlencode({"grupp": group.name, "medlemmar": ",".join(group.members)}, safe=",")
    here = urlsplit(st.context.url or "")
    base = f"{here.scheme}://{here.netloc}/" if here.netloc else ""
    return f"{base}?{query}"
