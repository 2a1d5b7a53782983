"""walk26: an unknown ``nyckeltal`` in a Mötesunderlag link was named once, and the notice
was gone at the next click (the years, Kön, "Gör mötesunderlaget"), so the deck was made
without the user knowing an indicator had been dropped. It now stays until the user picks
the nyckeltal."""

from __future__ import annotations

from tests.test_app import _app

LINK = {"sida": "motesunderlag", "kommun": "2080", "omrade": "lan:20",
        "nyckeltal": "N31807,okänt,N03920"}
NOTICE = "Okända nyckeltal i länken ignorerades (nyckeltal: okänt)"


def _said(at) -> bool:
    return any(NOTICE in w.value for w in at.warning)


def test_an_unknown_nyckeltal_is_said_until_the_user_picks_the_nyckeltal(app_env):
    at = _app(**LINK).run()
    assert not at.exception and _said(at)
    chosen = next(w for w in at.multiselect if w.label.startswith("Nyckeltal"))
    assert list(chosen.value) == ["N31807", "N03920"]
    next(w for w in at.select_slider if w.label == "År").set_value((2016, 2022)).run()
    assert not at.exception and _said(at)  # another choice: still said
    next(w for w in at.radio if w.label == "Kön").set_value("K").run()
    assert _said(at)
    chosen = next(w for w in at.multiselect if w.label.startswith("Nyckeltal"))
    chosen.set_value(["N31807"]).run()
    assert not at.exception and not _said(at)  # the user chose: the notice has done its work
    next(w for w in at.radio if w.label == "Kön").set_value("T").run()
    assert not _said(at)  # and does not come back


def test_other_link_notices_are_said_on_the_run_that_read_the_link():
    """The kept notices are only those KEPT_NOTICES names (ui/selection.py)."""
    from ui import url_state
    from ui.selection import KEPT_NOTICES

    assert set(KEPT_NOTICES) == {url_state.DECK_INDICATORS}
    vocab = url_state.Vocabulary(pages=("oversikt", "motesunderlag"),  # hand-made
                                 kommuner=frozenset({"2080"}), default_kommun="2080",
                                 indicators=frozenset({"N31807"}))
    state, notices = url_state.parse({"kommun": "x", "nyckeltal": "N31807,y"}, vocab)
    [kommun] = [n for n in notices if "kommun=x" in n]
    [deck] = [n for n in notices if "nyckeltal: y" in n]
    assert getattr(kommun, "param", None) is None and deck.param == "nyckeltal"
    assert KEPT_NOTICES[deck.param](state) == ("N31807",)
