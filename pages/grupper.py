"""Egna grupper: create, rename, edit, delete, import, export and share kommun groups."""

import streamlit as st

import components as ui
from transforms.groups import GroupError, GroupSpec, parse_csv, parse_json, to_csv, to_json
from warehouse import usergroups

st.title("Egna grupper av kommuner")
st.caption("Till exempel ett samordningsförbund, en DUA/LÖK-samverkan eller en region. Grupperna "
           "sparas i en egen fil på den här datorn (påverkas inte när data uppdateras) och kan "
           "väljas under Område högst upp på varje sida. Områdesvärden beräknas från kommunerna.")

kommun = ui.query("kommuner")
names = dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))
codes = list(names)
groups = usergroups.list_groups()
sel = ui.current_selection()


def _show(exc: GroupError) -> None:
    st.error("\n".join(f"- {p}" for p in exc.problems))


if sel.area.kind == "group" and sel.area.area_id == ui.SHARED_GROUP_ID:
    st.info(f"Du har öppnat en delad grupp: **{sel.area.name}**.")
    if st.button("Spara den delade gruppen bland mina grupper"):
        try:
            usergroups.save(GroupSpec(sel.area.name.removesuffix(" (delad länk)"),
                                      sel.area.members))
            st.success("Gruppen är sparad.")
        except GroupError as exc:
            _show(exc)

st.subheader("Mina grupper")
if groups:
    st.dataframe([{"Grupp": g.name, "Antal": len(g.members),
                   "Kommuner": ", ".join(names.get(c, c) for c in g.members)} for g in groups],
                 hide_index=True, width="stretch")
else:
    st.write("Inga grupper ännu.")

new, edit, io_tab = st.tabs(["Ny grupp", "Ändra eller ta bort", "Importera, exportera, dela"])
with new, st.form("new_group", clear_on_submit=True):
    name = st.text_input("Namn", placeholder="t.ex. Samordningsförbundet Värend")
    members = st.multiselect("Kommuner", codes, format_func=names.get,
                             placeholder="Skriv för att söka och välja kommuner")
    if st.form_submit_button("Skapa gruppen", type="primary"):
        try:
            usergroups.save(GroupSpec(name, tuple(members)))
            st.success(f"Gruppen '{name.strip()}' är skapad.")
            st.rerun()
        except GroupError as exc:
            _show(exc)

with edit:
    if groups:
        chosen = st.selectbox("Grupp", groups, format_func=lambda g: g.name, key="edit_group")
        with st.form(f"edit_{chosen.group_id}"):
            new_name = st.text_input("Namn", chosen.name)
            new_members = st.multiselect("Kommuner", codes, default=list(chosen.members),
                                         format_func=names.get,
                                         placeholder="Skriv för att söka och välja kommuner")
            if st.form_submit_button("Spara ändringarna", type="primary"):
                try:
                    usergroups.save(GroupSpec(new_name, tuple(new_members)),
                                    group_id=chosen.group_id)
                    st.success("Sparat.")
                    st.rerun()
                except GroupError as exc:
                    _show(exc)
        sure = st.checkbox(f"Ja, ta bort '{chosen.name}'", key=f"sure_{chosen.group_id}")
        if st.button("Ta bort gruppen", disabled=not sure):
            usergroups.delete(chosen.group_id)
            st.rerun()

with io_tab:
    upload = st.file_uploader("Importera grupper (JSON eller CSV med kolumnerna grupp, kommun)",
                              type=["json", "csv"])
    if upload is not None:
        parse = parse_json if upload.name.lower().endswith(".json") else parse_csv
        try:
            specs = parse(upload.getvalue(), ui.kommun_lookup())
            st.write(f"{len(specs)} grupper i filen: " + ", ".join(s.name for s in specs))
            if st.button("Importera", type="primary"):
                for spec in specs:
                    existing = next((g for g in groups if g.name.casefold()
                                     == spec.name.casefold()), None)
                    usergroups.save(spec, group_id=existing.group_id if existing else None)
                st.success("Importerat.")
                st.rerun()
        except GroupError as exc:
            _show(exc)
    specs = [GroupSpec(g.name, g.members) for g in groups]
    left, right = st.columns(2)
    left.download_button("Exportera som JSON", to_json(specs, names), "grupper.json",
                         "application/json", disabled=not groups)
    right.download_button("Exportera som CSV", to_csv(specs, names), "grupper.csv", "text/csv",
                          disabled=not groups)
    if groups:
        share = st.selectbox("Dela en grupp med en länk", groups, format_func=lambda g: g.name)
        st.code(ui.share_link(share), language=None)
        st.caption("Skicka länken. Mottagaren ser gruppen direkt i sin egen dashboard och kan "
                   "spara den under Egna grupper.")
