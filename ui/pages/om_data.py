"""Om data: sources, the indicator catalogue, how areas are computed, and the refresh log."""

import pandas as pd
import streamlit as st

from transforms import monthly
from transforms.catalogue import FREQUENCIES, group_labels, monthly_marts
from transforms.formatting import (
    and_list,
    data_dates_text,
    format_date,
    format_month,
    format_number,
)
from transforms.log_tables import (
    dataset_label,
    format_time,
    refresh_log_table,
    source_outcomes,
)
from transforms.public_url import public_url
from ui.data import query
from ui.selection import Selection
from warehouse.refresh import SOURCE_NAMES, failure_rows, read_status


def _last_refresh() -> None:
    """The last refresh: which source delivered nothing or failed, when and why (kept
    small: easy to move)."""
    st.header("Senaste uppdateringen", anchor=False)
    status = read_status()
    failed = failure_rows(status, {i.id: i.label for i in query("indicators")})
    if status is None:
        st.caption(without_status(query("refresh_log", 300), query("data_dates")))
        return
    when = format_time(status.get("at"))
    outcomes = source_outcomes(status, SOURCE_NAMES)
    if failed:
        st.warning(f"Uppdateringen {when}: {len(failed)} dataset kunde inte hämtas. För dem "
                   "visas tidigare hämtade data (se Hämtad ovan); övriga uppdaterades.")
    elif outcomes:  # nothing failed, but not every source was there (a mirror without AF)
        st.info(f"Uppdateringen {when} gick igenom utan fel, men inte alla källor fanns "
                "att hämta:")
    else:
        st.caption(f"Uppdateringen {when} gick igenom för alla källor.")
    if outcomes:
        st.markdown("\n".join(f"- {line}" for line in outcomes))
    if failed:
        st.dataframe([{**row, "Adress": public_url(row["Adress"])} for row in failed],
                     hide_index=True, width="stretch")


# The Uppdateringslogg's long cells wrap: Streamlit's grid wraps a cell's text only in rows
# higher than 4rem, so four lines of 14 px text; Spegel and Adress (a mirror's folder, a
# source's address with its query) get the width for them. At 1280 px both were cut after
# ~20 characters (walk25, left26)
LOG_ROW_HEIGHT = 86
LOG_COLUMNS = {"Tid": st.column_config.TextColumn(width=110),
               "Källa": st.column_config.TextColumn(width=60),
               "Dataset": st.column_config.TextColumn(width=105),
               "Gick igenom": st.column_config.TextColumn(width=85),
               "Utfall": st.column_config.TextColumn(width=165),
               "Spegel": st.column_config.TextColumn(width=110),
               "Adress": st.column_config.TextColumn(width=165)}  # 800 px: 1280's column


def without_status(log: pd.DataFrame, dates: tuple[str | None, str | None, bool]) -> str:
    """What is true when no refresh left its status here: nothing has run; or, in the
    footer's words (formatting.data_dates_text on ``dates``, warehouse.queries.data_dates),
    when the data were fetched, and then that the last build fetched nothing (``python -m
    warehouse build``: ``dates[2]``, no fetch logged since the build before it) or that the
    refresh's status file is not beside this database. ``log``: newest rows of
    marts.refresh_log."""
    if log.empty:
        return "Ingen uppdatering har körts på den här datorn."
    said = data_dates_text(*dates)  # walk25: one sentence with the footer, never two dates
    if dates[2]:
        return (f"{said} Databasen byggdes senast av tidigare hämtade data (`python -m "
                "warehouse build`), utan ny hämtning. När varje dataset hämtades står "
                "under Hämtad ovan.")
    return (f"{said} Utfallet per källa från den senaste uppdateringen finns inte sparat "
            "bredvid databasen (se loggen nedan).")


# the three unemployment measures (DOMAIN.md), by the indicator that shows each: what it is,
# and its short name for the sentence saying which of them this database holds
UNEMPLOYMENT_MEASURES = (
    ("N03920", "Kolada/Arbetsförmedlingens årsmedelvärde som andel av befolkningen",
     "Koladas årsmedelvärde"),
    ("af_andel_inskrivna", "Arbetsförmedlingens andel inskrivna arbetslösa av arbetskraften",
     "Arbetsförmedlingens andel inskrivna arbetslösa"),
    ("bas_arbetsloshet", "SCB:s BAS-arbetslöshet", "SCB:s BAS-arbetslöshet"))


def unemployment_measures(indicators: list) -> str:
    """Om data's sentence on the three unemployment measures, saying which of them are shown
    here: those with values in the warehouse (``indicators``: queries.indicators; an
    indicator without values has no first year). walk26: "(visas här)" stood after Kolada's
    alone, though SCB's BAS is shown too."""
    have = {i.id for i in indicators if i.first_year is not None}
    text = ("**Tre olika arbetslöshetsmått** förekommer: "
            f"{and_list([what for _, what, _ in UNEMPLOYMENT_MEASURES])}. De går inte att "
            "jämföra rakt av.")
    shown = [short for ind_id, _, short in UNEMPLOYMENT_MEASURES if ind_id in have]
    absent = [short for ind_id, _, short in UNEMPLOYMENT_MEASURES if ind_id not in have]
    if not absent:
        return f"{text} Alla tre visas här."
    said = f" Här visas {and_list(shown)}; " if shown else " "
    return (f"{text}{said}{and_list(absent)} finns inte i databasen (varför står under "
            "Senaste uppdateringen nedan).")


def revisions_section(limit: int = 300) -> None:
    """What the sources revised at the latest refreshes, summary first, then the values."""
    runs = query("revision_runs", 20)
    if runs.empty:
        st.caption("Inga tidigare publicerade värden har ändrats vid uppdateringarna hittills.")
        return
    inds = {i.id: i for i in query("indicators")}
    kommuner = query("kommuner")
    names = dict(zip(kommuner["kommun_code"], kommuner["kommun_name"], strict=True))
    for run in runs.itertuples():
        ind = inds.get(run.indicator_id)
        # the date as the chart's note says it (monthly.revision_when): SCB's own revision
        # date from its note where it falls between the two publications compared, else
        # the table's last update, said as such (stop 28: this line named the update date
        # "källans siffror publicerade" where the chart said SCB's revision date)
        when = monthly.revision_when(
            runs.loc[[run.Index], ["old_published", "new_published"]],
            (ind.source if ind else None) or "SCB",
            query("source_revised", ind) if ind else None)
        st.markdown(
            f"- **{format_date(run.seen_at)}**: {ind.label if ind else run.indicator_id} – "
            f"{format_number(run.n_values, 0)} tidigare publicerade månadsvärden ändrade för "
            f"{run.n_kommuner} kommuner, {format_month(run.first_period)} – "
            f"{format_month(run.last_period)}." + (when or " Källans publiceringsdatum saknas."))
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


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: pages.om_data``)."""
    st.title("Om data", anchor=False)
    st.markdown(
        "Arbetsmarknadsläget hämtar öppna data från **Kolada** (RKA; ursprungliga producenter: "
        "Arbetsförmedlingen, SCB, Socialstyrelsen, Migrationsverket m.fl.) och **SCB:s "
        "statistikdatabas** (PxWebApi 2.0). Varje svar sparas oförändrat och databasen byggs "
        "om i en ny fil som kopplas in först när allt gått igenom.\n\n"
        "**Län, riket och andra områden** beräknas från kommunerna: antal summeras, andelar "
        "vägs med den befolkning andelen avser (eller närmaste befolkning som finns i datan, "
        "vilket anges). Aldrig ett ovägt medelvärde. Saknas kommuner ett år visas hur många "
        "som ingår (t.ex. 12 av 13 kommuner, 92 % av befolkningen 16–64 år); har kommunerna "
        "med värde under hälften av kommunerna eller av befolkningen undanhålls värdet. En "
        "kommun som "
        "inte fanns ännu (Nykvarn före 1999, Knivsta före 2003) räknas inte som saknad.\n\n"
        f"{unemployment_measures(query('indicators'))}\n\n"
        "**SCB:s månadssiffror (BAS)** är preliminära och revideras; när SCB ändrar redan "
        "publicerade värden visas det under diagrammet och i listan nedan. Län och andra "
        "områden räknas från kommunernas antal (summa arbetslösa / summa arbetskraften); SCB:s "
        "skydd av små tal gör att summan kan skilja sig något från SCB:s eget länstal.")

    groups = group_labels()
    st.header("Nyckeltal", anchor=False)
    rows = [{"Id": i.id, "Nyckeltal": i.label,
             "Målgrupp": ", ".join(groups[g] for g in i.groups), "Enhet": i.short_unit,
             "Per": FREQUENCIES[i.frequency],
             "Period": (f"{i.first_period}–{i.last_period}" if i.is_monthly else
                        f"{i.first_year}–{i.last_year}") if i.first_year else "–",
             "Områden": i.area_method, "Källa": i.source_line.removeprefix("Källa: "),
             "Definition": i.definition or ""} for i in query("indicators")]
    st.dataframe(rows, hide_index=True, width="stretch")

    st.header("Ändrade siffror (revideringar)", anchor=False)
    revisions_section()

    st.header("Hämtade dataset", anchor=False)
    prov = query("provenance")
    prov["fetched_at"] = prov["fetched_at"].map(format_date)
    prov["url"] = prov["url"].map(public_url)  # not the local replay server's address
    labels = {i.id: i.label for i in query("indicators")}
    prov["dataset"] = prov["dataset"].map(lambda d: dataset_label(d, labels))
    st.dataframe(prov.rename(columns={"source": "Källa", "dataset": "Dataset",
                                      "fetched_at": "Hämtad", "url": "Adress",
                                      "n_files": "Svar", "snapshot": "Ögonblicksbild"}),
                 hide_index=True, width="stretch")

    _last_refresh()

    st.header("Uppdateringslogg", anchor=False)
    log = query("refresh_log", 300)
    log["url"] = log["url"].map(public_url)
    st.dataframe(refresh_log_table(log), hide_index=True, width="stretch",
                 row_height=LOG_ROW_HEIGHT, column_config=LOG_COLUMNS, height=560)
    st.caption("Uppdatera: `python -m warehouse refresh` (från källorna) eller "
               "`python -m warehouse refresh --mirror ../shared/data` (utan nätverk).")
