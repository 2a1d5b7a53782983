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
