"""walk26's group links: a colleague opens ``?grupp=Södra Dalarna&medlemmar=2081,2080``.

Before, the link opened on Ale ("Ale ingår inte i Södra Dalarna (delad länk)"), a kommun the
sender never chose, and "(delad länk)" went into the H1, the legends, the slides and the deck's
file name. Now the link opens on the group's first member (Borlänge), and the group's own name
is what charts, slides and files say; "(delad länk)" stays in Område's list. An old kommun code
(Heby's 1917, transforms/kommun_changes.csv) opens the kommun it became. Values are the
recorded SCB and Kolada responses in ../shared/data."""

from __future__ import annotations

import pytest

from tests.test_app import _app, _bas, _decode, _figures, _kolada
from tests.test_deck import _open, _texts

LINK = {"grupp": "Södra Dalarna", "medlemmar": "2081,2080"}  # Borlänge, Falun
MEMBERS = ["2081", "2080"]


def test_a_group_link_opens_on_its_first_member_under_the_groups_own_name(app_env, shared):
    at = _app(**LINK).run()
    assert not at.exception
    boxes = {s.label: s for s in at.selectbox}
    assert boxes["Kommun"].value == "2081"  # Borlänge, the link's first member; not Ale
    assert boxes["Område"].value == "group:__delad__"
    assert "Egen grupp: Södra Dalarna (delad länk)" in boxes["Område"].options  # the hint
    assert [t.value for t in at.title] == ["Översikt – Södra Dalarna"]
    assert not [i.value for i in at.info if "ingår inte" in i.value]
    assert dict(at.query_params) == LINK  # the link passed on is the link received
    [bas] = [f for f in _figures(at) if f["layout"]["title"]["text"].startswith(
        "Arbetslöshet (SCB BAS)")]
    group = next(t for t in bas["data"] if t.get("name") == "Södra Dalarna")
    # the group's BAS rate in April 2026: Σ unemployed / Σ labour force of its two kommuner
    expected = 100 * _bas(shared, MEMBERS, "000004YH", "2026M04") / _bas(
        shared, MEMBERS, "000006IU", "2026M04")
    assert _decode(group["y"])[-1] == pytest.approx(expected, abs=1e-9)
    assert not [t["name"] for f in _figures(at) for t in f["data"]
                if "delad länk" in str(t.get("name"))]

    # the colleague picks Ale (the start kommun) on purpose: the link reads back to Ale
    at.selectbox(key=boxes["Kommun"].key).set_value("1440").run()
    assert at.title[0].value == "Översikt – Ale"
    again = _app(**dict(at.query_params)).run()
    assert {s.label: s.value for s in again.selectbox}["Kommun"] == "1440"
    assert again.title[0].value == "Översikt – Ale"


def test_the_deck_of_a_group_link_is_named_and_titled_by_the_group(app_env, shared,
                                                                   monkeypatch):
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    monkeypatch.setenv("SOFFICE_PATH", str(app_env / "no-libreoffice-here"))  # slides only
    names: list[str] = []  # the download buttons' file names, as the browser gets them
    keep = MemoryMediaFileStorage.load_and_get_id

    def load(self, data, mimetype, kind, filename=None):
        names.append(filename)
        return keep(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)
    at = _app(**LINK, sida="motesunderlag", nyckeltal="N31807").run()
    assert not at.exception
    assert at.title[0].value == "Mötesunderlag – Södra Dalarna"
    next(b for b in at.button if b.label.startswith("Gör mötesunderlaget")).click().run()
    assert not at.exception and not at.error
    slides = list(_open(at.session_state["_motesunderlag"]["pptx"]).slides)
    words = "\n".join(_texts(s) for s in slides)
    assert "delad länk" not in words
    assert "Södra Dalarna" in _texts(slides[0])
    # N31807 for the group: the kommuner's shares weighted by their populations (N01951)
    share, pop = _kolada(shared, "N31807", 2022), _kolada(shared, "N01951", 2022)
    value = sum(share[k] * pop[k] for k in MEMBERS) / sum(pop[k] for k in MEMBERS)
    said = f"{value:.1f}".replace(".", ",")
    assert (f"Invånare med ekonomiskt bistånd var {said} % 2022 i Södra Dalarna"
            in _texts(slides[1]))
    assert [n for n in names if n and n.endswith(".pptx")] == [
        "Södra Dalarna – Mötesunderlag – 2015–2022.pptx"]


def test_a_link_with_hebys_old_code_opens_heby_with_a_note(app_env):
    at = _app(kommun="1917").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Översikt – Heby"]
    assert {s.label: s.value for s in at.selectbox}["Kommun"] == "0331"
    notices = " ".join(w.value for w in at.warning)
    assert "Kommunkoden 1917 (kommun) är en äldre kod för Heby, som i dag har kod 0331." \
        in notices
    assert dict(at.query_params) == {"kommun": "0331"}
