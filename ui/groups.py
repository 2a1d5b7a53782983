"""Kommun groups for the pages: stored groups as areas, a shared group, share links."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from transforms.groups import kommun_lookup as build_lookup
from ui import url_state
from ui.data import query
from warehouse import queries, usergroups

SHARED_SUFFIX = " (delad länk)"


def user_groups() -> list[queries.Area]:
    """Stored user groups as areas (suggestions seeded on first start)."""
    if "seeded" not in st.session_state:
        usergroups.seed_suggestions(query("kommuner"))
        st.session_state["seeded"] = True
    return [usergroups.as_area(g) for g in usergroups.list_groups()]


def shared_area(shared: url_state.SharedGroup,
                area_id: str = url_state.SHARED_AREA_ID, *,
                beside: list[queries.Area] | tuple = ()) -> queries.Area:
    """A group carried by a link, as an area the queries understand, under the group's own
    name: that name goes into titles, legends, cards, file names and slides (walk26: "Södra
    Dalarna (delad länk) – Mötesunderlag.pptx"). Område's list says "(delad länk)"; the name
    says it too only where a group stored here (``beside``) has the same name, so the two
    are told apart in a chart comparing both."""
    name = shared.name
    if any(g.name == name for g in beside):
        name += SHARED_SUFFIX
    return queries.Area(area_id, "group", name, shared.members, source="Delad länk")


def kommun_lookup() -> dict[str, str]:
    """Kommun code/name -> code, for parsing user input."""
    return build_lookup(query("kommuner"))


def share_link(group: usergroups.Group) -> str:
    """A link to the start page that opens a group for anyone: …/?grupp=…&medlemmar=0764,0780."""
    params = {url_state.GROUP: group.name, url_state.MEMBERS: ",".join(group.members)}
    here = urlsplit(st.context.url or "")
    base = f"{here.scheme}://{here.netloc}/" if here.netloc else ""
    return f"{base}?{urlencode(params, safe=',')}"
