"""Spara gruppen: a link's own group (``egnagrupper``) saved among the organisation's groups
from the page that draws it (Jämför, Karta), as Egna grupper saves a shared group: the same
validation (transforms.groups), the change log and GROUPS_READONLY (warehouse.usergroups)."""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from transforms.formatting import markdown_literal, quoted
from transforms.groups import GroupError, GroupSpec
from ui.groups import SHARED_SUFFIX
from ui.selection import Selection, keep_saved_group
from warehouse import usergroups

_SAVED = "_link_group_saved"  # the name just saved, for the message after the rerun


def save_offers(sel: Selection, area_ids: Collection[str]) -> None:
    """For each own group of the link that the page draws (``area_ids``) and that is not
    stored here: its name and a button "Spara gruppen" (none under GROUPS_READONLY). The
    group keeps the link's id (or the one beside it, as the link parser gives,
    ``transforms.groups.beside_id``), so the view and its link stay the same."""
    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(f"Gruppen {markdown_literal(quoted(saved))} är sparad bland "
                   "organisationens grupper (Egna grupper).")
    readonly = usergroups.read_only()
    for area_id, group in sel.state.groups:
        if area_id not in area_ids:
            continue
        text = (f"Gruppen **{markdown_literal(group.name + SHARED_SUFFIX)}** "
                f"({len(group.members)} kommuner) kommer från länken och finns inte bland "
                "organisationens grupper.")
        if readonly:
            st.caption(text + " Grupperna är skrivskyddade här (GROUPS_READONLY=1).")
            continue
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.caption(text)
        if right.button("Spara gruppen", key=f"spara_{area_id}"):
            _save(area_id, group)


def _save(area_id: str, group) -> None:
    try:
        stored = usergroups.save(GroupSpec(group.name, group.members),
                                 new_id=area_id.removeprefix("group:"))
    except GroupError as exc:
        st.error("\n".join(f"- {markdown_literal(p)}" for p in exc.problems))
        return
    keep_saved_group(area_id, f"group:{stored.group_id}")
    st.session_state[_SAVED] = stored.name
    st.rerun()
