"""The URL parameters of Karta, Jämför and Liknande kommuner (ui/url_state.py, pure)."""

from __future__ import annotations

from dataclasses import replace

from tests.test_url_state import VOCAB
from ui import url_state as us

PEER_VOCAB = replace(  # hand-made
    VOCAB, peer_variables=frozenset({"N01951", "N02926", "N03920", "kommungrupp"}),
    default_peer_variables=(("N01951", 1.0), ("N02926", 1.0), ("N03920", 1.0),
                            ("kommungrupp", 1.0)))


def test_karta_jamfor_and_liknande_round_trip():
    for analysis in [us.Analysis(indicator="N31807", layer="la", classes="riket"),
                     us.Analysis(compare=("kommun:0780", "lan:07", "riket",
                                          "group:samordningsforbundet-varend")),
                     us.Analysis(peer_variables=(("N03920", 2.5), ("kommungrupp", 1.0)),
                                 n_peers=5)]:
        # the view's indicator and Karta's are one (``with_analysis`` keeps them equal)
        state = replace(us.ViewState(page="karta", kommun="0780", indicator=analysis.indicator),
                        analysis=analysis)
        params = us.to_params(state, PEER_VOCAB)
        assert us.parse(params, PEER_VOCAB) == (state, [])


def test_the_link_is_short_and_readable():
    state = us.with_analysis(us.ViewState(page="liknande", kommun="0780"),
                             peer_variables=(("N03920", 2.0), ("kommungrupp", 1.0)), n_peers=8)
    assert us.query_string(state, PEER_VOCAB) == (
        "?sida=liknande&kommun=0780&variabler=N03920:2,kommungrupp:1&antal=8")
    default = us.with_analysis(state, peer_variables=PEER_VOCAB.default_peer_variables,
                               n_peers=None)
    assert "variabler" not in us.to_params(default, PEER_VOCAB)


def test_unusable_values_fall_back_with_a_swedish_notice():
    state, notices = us.parse({"sida": "karta", "kommun": "0780", "indikator": "X999",
                               "lager": "planet", "jamfor": "kommun:0780,kommun:9999",
                               "variabler": "N03920:99,okänd:1", "antal": "500"}, PEER_VOCAB)
    assert state.analysis == us.Analysis(compare=("kommun:0780",))
    text = " ".join(notices)
    for word in ("Nyckeltalet", "Kartlagret", "kommun:9999", "vikt 0–10",
                 "Antalet liknande kommuner"):
        assert word in text


def test_at_most_twelve_areas_are_compared():
    codes = [f"{n:04d}" for n in range(100, 120)]  # hand-made codes
    vocab = replace(PEER_VOCAB, kommuner=frozenset(codes))
    asked = ",".join(f"kommun:{c}" for c in codes[:3] * 2 + codes)  # repeats count once
    state, notices = us.parse({"jamfor": asked}, vocab)
    assert state.analysis.compare == tuple(f"kommun:{c}" for c in codes[:12])
    assert any("Högst 12" in n for n in notices)


DECK_VOCAB = replace(VOCAB, indicators=frozenset(  # hand-made
    {"N03920", "N31807", "bas_arbetsloshet", *(f"N{n:05d}" for n in range(30))}))


def test_the_motesunderlag_choices_round_trip():
    """Area, years, sex and the deck's indicators in their order (issue 11 point 4)."""
    state = us.with_analysis(
        us.ViewState(page="motesunderlag", kommun="0780", area="lan:07", sex="K", start="2021",
                     end="2026"), deck_indicators=("bas_arbetsloshet", "N31807", "N03920"))
    params = us.to_params(state, DECK_VOCAB)
    assert params["nyckeltal"] == "bas_arbetsloshet,N31807,N03920"  # order kept
    assert us.parse(params, DECK_VOCAB) == (state, [])
    assert us.query_string(state, DECK_VOCAB) == (
        "?sida=motesunderlag&kommun=0780&omrade=lan:07&kon=K&fran=2021&till=2026"
        "&nyckeltal=bas_arbetsloshet,N31807,N03920")
    assert "nyckeltal" not in us.to_params(us.with_analysis(state, deck_indicators=()),
                                           DECK_VOCAB)


def test_unknown_deck_indicators_are_dropped_with_a_notice_and_the_list_is_capped():
    state, notices = us.parse({"sida": "motesunderlag",
                               "nyckeltal": "n31807,X*1,N31807,okänd,BAS_arbetsloshet"},
                              DECK_VOCAB)
    assert state.analysis.deck_indicators == ("N31807", "bas_arbetsloshet")
    assert notices == ["Okända nyckeltal i länken ignorerades (nyckeltal: X\\*1, okänd)."]
    many = ",".join(f"N{n:05d}" for n in range(30))
    state, notices = us.parse({"nyckeltal": many}, DECK_VOCAB)
    assert state.analysis.deck_indicators == tuple(f"N{n:05d}" for n in range(20))
    assert any("Högst 20 nyckeltal" in n for n in notices)


def test_a_deck_item_may_name_one_option_of_a_monthly_indicator():
    """nyckeltal=bas_arbetsloshet:16-24 (the young, as the deck's default offers): kept in
    its order and round-tripped; an option the indicator lacks, any option on a yearly
    indicator, a dimension's default and any option the page does not offer are dropped
    with the notice (review of deck24: the page then called them 'utan värden', and the
    deck drew one slide under several labels)."""
    from transforms.catalogue import DECK_OPTIONS, monthly_marts

    dims = monthly_marts()["bas"]["dimensions"]
    defaults = [str(spec["default"]) for spec in dims.values()]
    others = [str(v) for spec in dims.values() for v in (spec.get("values") or {})
              if str(v) not in (DECK_OPTIONS["bas"], str(spec["default"]))]
    assert "20-pension" in defaults and {"16-19", "20-64"} <= set(others)
    dropped = [f"bas_arbetsloshet:{o}" for o in [*defaults, *others]]
    state, notices = us.parse({"sida": "motesunderlag", "nyckeltal": ",".join([
        "BAS_arbetsloshet:16-24", "N31807", "bas_arbetsloshet:99-99", "N31807:16-24",
        *dropped, "bas_arbetsloshet"])}, DECK_VOCAB)
    assert state.analysis.deck_indicators == ("bas_arbetsloshet:16-24", "N31807",
                                              "bas_arbetsloshet")
    assert len(notices) == 1 and notices[0].startswith(
        "Okända nyckeltal i länken ignorerades (nyckeltal: bas\\_arbetsloshet:99\\-99, "
        "N31807:16\\-24, ")
    assert f"och {len(dropped) + 2 - 5} till" in notices[0]
    assert us.parse(us.to_params(state, DECK_VOCAB), DECK_VOCAB) == (state, [])


def test_the_url_cap_is_the_decks():
    from exports import deck

    assert us.MAX_DECK_INDICATORS == deck.MAX_INDICATORS
