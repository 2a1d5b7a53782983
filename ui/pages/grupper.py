"""Egna grupper: create, rename, edit, delete, restore, import, export and share kommun groups."""

import pandas as pd
import streamlit as st

from transforms.formatting import markdown_literal, quoted
from transforms.groups import GroupError, GroupSpec, parse_csv, parse_json, to_csv, to_json
from transforms.log_tables import format_time, group_log_table
from ui.data import query
from ui.groups import SHARED_SUFFIX, kommun_lookup, share_link
from ui.selection import Selection, forget_shared_group
from warehouse import usergroups

_SAVED = "_group_saved"  # the name of a shared group just saved, for the message after rerun
_FLASH = "_group_flash"  # a success message for the run after a change
_FORM_GEN = "_new_group_form"  # a new generation of the new-group form after a success


def group_rows(groups: list, names: dict[str, str]) -> list[dict[str, object]]:
    """One row per group: its name, how many kommuner and every member by name, in the order
    kept (the table under Mina grupper)."""
    return [{"Grupp": g.name, "Antal kommuner": len(g.members),
             "Kommuner": ", ".join(names.get(c, c) for c in g.members)} for g in groups]


def _show(exc: GroupError) -> None:
    st.error("\n".join(f"- {markdown_literal(p)}" for p in exc.problems))  # names users typed


def _shared_group(sel: Selection, readonly: bool) -> None:
    """A group opened from a link: offer to keep it among the user's own groups."""
    shared = sel.state.shared
    st.info(f"Du har öppnat en delad grupp: "
            f"**{markdown_literal(shared.name + SHARED_SUFFIX)}** "
            f"({len(shared.members)} kommuner).")
    if readonly or not st.button("Spara den delade gruppen bland mina grupper"):
        return
    try:
        saved = usergroups.save(GroupSpec(shared.name, shared.members))
    except GroupError as exc:
        _show(exc)
        return
    forget_shared_group(f"group:{saved.group_id}")
    st.session_state[_SAVED] = shared.name
    st.rerun()


def _flash(message: str) -> None:
    """A success message that survives the rerun after a change (shown once, at the top).
    ``message`` is markdown: a group's name in it goes through ``markdown_literal``."""
    st.session_state[_FLASH] = message
    st.rerun()


def _new_group_form(codes: list[str], names: dict[str, str]) -> None:
    # not clear_on_submit: a validation error keeps what the user typed and chose; after a
    # success the form is drawn afresh (new widget keys), empty
    n = st.session_state.get(_FORM_GEN, 0)
    with st.form(f"new_group_{n}"):
        name = st.text_input("Namn", placeholder="t.ex. Samordningsförbundet Värend",
                             key=f"new_name_{n}")
        members = st.multiselect("Kommuner", codes, format_func=names.get,
                                 placeholder="Skriv för att söka och välja kommuner",
                                 key=f"new_members_{n}", select_all=False)
        if st.form_submit_button("Skapa gruppen", type="primary"):
            try:
                usergroups.save(GroupSpec(name, tuple(members)))
            except GroupError as exc:
                _show(exc)
                return
            st.session_state[_FORM_GEN] = n + 1
            _flash(f"Gruppen {markdown_literal(quoted(name.strip()))} är skapad.")


def _edit_group_form(groups: list, codes: list[str], names: dict[str, str]) -> None:
    if not groups:
        return
    chosen = st.selectbox("Grupp", groups, format_func=lambda g: g.name, key="edit_group")
    with st.form(f"edit_{chosen.group_id}"):
        new_name = st.text_input("Namn", chosen.name)
        new_members = st.multiselect("Kommuner", codes, default=list(chosen.members),
                                     format_func=names.get, select_all=False,
                                     placeholder="Skriv för att söka och välja kommuner")
        if st.form_submit_button("Spara ändringarna", type="primary"):
            try:
                usergroups.save(GroupSpec(new_name, tuple(new_members)),
                                group_id=chosen.group_id)
            except GroupError as exc:
                _show(exc)
            else:
                _flash(f"Ändringarna i {markdown_literal(quoted(new_name.strip()))} är "
                       "sparade.")
    sure = st.checkbox(f"Ja, ta bort {markdown_literal(quoted(chosen.name))}",
                       key=f"sure_{chosen.group_id}")
    if st.button("Ta bort gruppen", disabled=not sure):
        usergroups.delete(chosen.group_id)
        _flash(f"Gruppen {markdown_literal(quoted(chosen.name))} är borttagen.")
    st.caption("En borttagen grupp kan återställas under Borttagna grupper längre ned.")


def _import_form(groups: list) -> None:
    upload = st.file_uploader("Importera grupper (JSON eller CSV med kolumnerna grupp, kommun)",
                              type=["json", "csv"])
    if upload is None:
        return
    parse = parse_json if upload.name.lower().endswith(".json") else parse_csv
    try:
        specs = parse(upload.getvalue(), kommun_lookup())
        st.write(f"{len(specs)} grupper i filen: " + ", ".join(s.name for s in specs))
        if st.button("Importera", type="primary"):
            for spec in specs:
                existing = next((g for g in groups if g.name.casefold()
                                 == spec.name.casefold()), None)
                usergroups.save(spec, group_id=existing.group_id if existing else None)
            _flash(f"{len(specs)} grupper är importerade.")
    except GroupError as exc:
        _show(exc)


def _export_and_share(groups: list, names: dict[str, str]) -> None:
    specs = [GroupSpec(g.name, g.members) for g in groups]
    left, right = st.columns(2)
    left.download_button("Exportera som JSON", to_json(specs, names), "grupper.json",
                         "application/json", disabled=not groups)
    right.download_button("Exportera som CSV", to_csv(specs, names), "grupper.csv", "text/csv",
                          disabled=not groups)
    if groups:
        share = st.selectbox("Dela en grupp med en länk", groups, format_func=lambda g: g.name)
        st.code(share_link(share), language=None)
        st.caption("Skicka länken. Mottagaren ser gruppen direkt i sin egen dashboard och kan "
                   "spara den under Egna grupper.")


def _trash_and_history(readonly: bool) -> None:
    """Deleted groups (restorable) and who-did-what-when; self-contained, easy to move."""
    deleted = usergroups.deleted_groups()
    with st.expander(f"Borttagna grupper ({len(deleted)})"):
        if not deleted:
            st.write("Inga borttagna grupper.")
        for d in deleted:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.write(f"**{d.name}** ({len(d.members)} kommuner), borttagen "
                       f"{format_time(d.deleted_at)}")
            if not readonly and right.button("Återställ", key=f"restore_{d.trash_id}"):
                restored = usergroups.restore(d.trash_id)
                _flash(f"Gruppen {markdown_literal(quoted(restored.name))} är återställd.")
    with st.expander("Ändringslogg"):
        log = usergroups.history(100)
        if log.empty:
            st.write("Inga ändringar ännu.")
        else:
            # a static table, as Mina grupper: at 1280 px st.dataframe cut "Namn före"
            # off at the right edge (walk25); here every column wraps and is read whole
            st.table(group_log_table(log).set_index("Tid"))


def render(sel: Selection) -> None:
    """The page (declared in ui/pages.yml with ``renderer: ui.pages.grupper``)."""
    st.title("Egna grupper av kommuner", anchor=False)
    st.caption("Till exempel ett samordningsförbund, en DUA/LÖK-samverkan eller en region. "
               "Grupperna sparas i en egen fil på den här datorn (påverkas inte när data "
               "uppdateras) och kan väljas under Område högst upp på varje sida. Områdesvärden "
               "beräknas från kommunerna.")
    kommun = query("kommuner")
    names = dict(zip(kommun["kommun_code"], kommun["kommun_name"], strict=True))
    codes = list(names)
    groups = usergroups.list_groups()
    readonly = usergroups.read_only()  # GROUPS_READONLY=1: no editing controls at all

    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(f"Gruppen {markdown_literal(quoted(saved))} är sparad bland dina grupper "
                   "och vald som område.")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
    if sel.state.shared:
        _shared_group(sel, readonly)

    st.header("Mina grupper", anchor=False)
    if groups:
        # a static table: a long member list (Göteborgsregionen's 13 kommuner) wraps and is
        # read whole; st.dataframe cut it off at the column's width
        st.table(pd.DataFrame(group_rows(groups, names)).set_index("Grupp"))
    else:
        st.write("Inga grupper ännu.")

    if readonly:
        st.info("Grupperna är gemensamma och skrivskyddade här (GROUPS_READONLY=1): de kan "
                "väljas, exporteras och delas med länk, men inte ändras.")
        _export_and_share(groups, names)
    else:
        new, edit, io_tab = st.tabs(["Ny grupp", "Ändra eller ta bort",
                                     "Importera, exportera, dela"])
        with new:
            _new_group_form(codes, names)
        with edit:
            _edit_group_form(groups, codes, names)
        with io_tab:
            _import_form(groups)
            _export_and_share(groups, names)
    _trash_and_history(readonly)
