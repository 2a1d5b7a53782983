"""Om data: sources, the indicator catalogue, how areas are computed, and the refresh log."""

import streamlit as st

from transforms.catalogue import group_labels
from transforms.formatting import format_date
from ui.data import query
from ui.selection import Selection
from warehouse.refresh import failure_rows, read_status


def _last_refresh() -> None:
    """The last refresh: which source failed, when and why (kept small: easy to move)."""
    st.subheader("Senaste uppdateringen")
    status = read_status()
    failed = failure_rows(status)
    if status is None:
        st.caption("Ingen uppdatering har körts på den här datorn.")
    elif failed:
        st.warning(f"Uppdateringen {str(status.get('at', ''))[:16].replace('T', ' ')} UTC: "
                   f"{len(failed)} dataset kunde inte hämtas. För dem visas tidigare hämtade "
                   "data (se Hämtad ovan); övriga uppdaterades.")
        st.dataframe(failed, hide_index=True, width="stretch")
    else:
        st.caption(f"Uppdateringen {str(status.get('at', ''))[:16].replace('T', ' ')} UTC gick "
                   "igenom för alla källor.")


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: pages.om_data``)."""
    st.title("Om data")
    st.markdown(
        "Arbetsmarknadsläget hämtar öppna data från **Kolada** (RKA; ursprungliga producenter: "
        "Arbetsförmedlingen, SCB, Socialstyrelsen, Migrationsverket m.fl.) och **SCB:s "
        "statistikdatabas** (PxWebApi 2.0). Varje svar sparas oförändrat och databasen byggs "
        "om i en ny fil som kopplas in först när allt gått igenom.\n\n"
        "**Län, riket och andra områden** beräknas från kommunerna: antal summeras, andelar "
        "vägs med den befolkning andelen avser (eller närmaste befolkning som finns i datan, "
        "vilket anges). Aldrig ett ovägt medelvärde. Saknas kommuner ett år visas hur många "
        "som ingår (t.ex. 12 av 13 kommuner); under hälften undanhålls värdet. En kommun som "
        "inte fanns ännu (Nykvarn före 1999, Knivsta före 2003) räknas inte som saknad.\n\n"
        "**Tre olika arbetslöshetsmått** förekommer: Kolada/Arbetsförmedlingens årsmedelvärde "
        "som andel av befolkningen (visas här), Arbetsförmedlingens andel inskrivna arbetslösa "
        "av arbetskraften och SCB:s BAS-arbetslöshet. De går inte att jämföra rakt av.")

    groups = group_labels()
    st.subheader("Nyckeltal")
    rows = [{"Id": i.id, "Nyckeltal": i.label,
             "Målgrupp": ", ".join(groups[g] for g in i.groups), "Enhet": i.short_unit,
             "År": f"{i.first_year}–{i.last_year}" if i.first_year else "–",
             "Områden": i.area_method, "Källa": i.source_line.removeprefix("Källa: "),
             "Definition": i.definition or ""} for i in query("indicators")]
    st.dataframe(rows, hide_index=True, width="stretch")

    st.subheader("Hämtade dataset")
    prov = query("provenance")
    prov["fetched_at"] = prov["fetched_at"].map(format_date)
    st.dataframe(prov.rename(columns={"source": "Källa", "dataset": "Dataset",
                                      "fetched_at": "Hämtad", "url": "Adress",
                                      "n_files": "Svar", "snapshot": "Ögonblicksbild"}),
                 hide_index=True, width="stretch")

    _last_refresh()

    st.subheader("Uppdateringslogg")
    log = query("refresh_log", 300)
    st.dataframe(log.rename(columns={"run_at": "Tid (UTC)", "source": "Källa",
                                     "dataset": "Dataset", "ok": "OK", "message": "Utfall",
                                     "mirror": "Spegel", "url": "Adress"}),
                 hide_index=True, width="stretch")
    st.caption("Uppdatera: `python -m warehouse refresh` (från källorna) eller "
               "`python -m warehouse refresh --mirror ../shared/data` (utan nätverk).")
