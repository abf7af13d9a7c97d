"""The learned event-report gate: region-agnostic features, scoring, the veto reason, the Matcher option."""

from __future__ import annotations

import math
from types import MappingProxyType

import pytest

from bot.core.matching import Matcher
from bot.core.relevance import NAME, PLACE, RelevanceModel, features, model_from_dict, relevance_veto
from bot.core.watchlists import Region, Watchlist
from bot.geo import load_gazetteer, load_relevance_model

CH = ("C0123456789",)


def _model(weights: dict[str, float], bias: float = 0.0, threshold: float = 0.5) -> RelevanceModel:
    return RelevanceModel(MappingProxyType(weights), bias, threshold)


def test_region_surface_is_masked_and_numbers_become_hash() -> None:
    title = "Shelling in Saraqib kills 4"
    feats = features(title, "Saraqib was hit again.", [(12, 19), (len(title) + 1, len(title) + 8)])
    assert not any("saraqib" in f for f in feats)
    assert f"t:in_{PLACE}" in feats
    assert "t:#" in feats
    assert "f:place_in_title" in feats
    assert "f:title_opens_with_place" not in feats


def test_keywords_are_masked_only_when_given() -> None:
    title = "Shelling in Saraqib"
    assert "t:shelling" in features(title, "", [(12, 19)])
    masked = features(title, "", [(12, 19)], [(0, 8)])
    assert "t:shelling" not in masked
    assert "t:xkeywordx_in" in masked


def test_proper_names_inside_a_sentence_become_a_placeholder() -> None:
    feats = features("Leader says X", "The talks, said Macron, went well in Paris.", [])
    assert f"d:{NAME}" in feats
    assert not any("macron" in f or "paris" in f for f in feats)


def test_casualty_figure_and_question_flags() -> None:
    assert "f:casualty_figure" in features("Strike kills 9 civilians in Idlib", "", [(26, 31)])
    assert "f:no_casualty_figure" in features("Will the truce hold in Idlib?", "", [(23, 28)])
    assert "f:question" in features("Will the truce hold in Idlib?", "", [(23, 28)])


def test_section_words_of_the_link_only() -> None:
    feats = features("x", "", [], link="https://example.com/features/middle-east/2023/some-slug")
    assert "u:features" in feats
    assert not any("middle" in f for f in feats)


def test_score_is_a_sigmoid_of_the_weight_sum() -> None:
    model = _model({"t:a": 1.0, "t:b": -3.0}, bias=0.5)
    assert model.score([]) == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert model.score(["t:a"]) > model.score([]) > model.score(["t:b"])
    assert 0.0 < _model({"t:a": 1e6}).score(["t:a"]) <= 1.0


def test_veto_reason_names_score_and_threshold() -> None:
    model = _model({"t:tells": -5.0}, bias=1.0, threshold=0.35)
    assert relevance_veto(model, "Leader tells Gaza truce talks to go on", "", [(13, 17)], []) == (
        "not an event report (score 0.02 < 0.35)"
    )
    assert relevance_veto(model, "Strike hits Gaza", "", [(12, 16)], []) is None


def test_model_from_dict_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="bad relevance model"):
        model_from_dict({"weights": {}, "bias": 0.0})
    with pytest.raises(ValueError, match="bad relevance model"):
        model_from_dict({"weights": {"t:a": "x"}, "bias": 0.0, "threshold": 0.5})
    model = model_from_dict({"weights": {"t:a": 1}, "bias": 0, "threshold": 0.4})
    assert model.weights["t:a"] == 1.0 and model.threshold == 0.4


def test_matcher_gate_is_an_option_and_screen_says_why() -> None:
    gazetteer = load_gazetteer()
    watch = [Watchlist("gaza", CH, regions=(Region("Gaza"),), keywords=("killing", "civilians"))]
    title = "Leader tells Israel to stop killing civilians in Gaza"
    assert [m.watchlist for m in Matcher(watch, gazetteer).match(title, "")] == ["gaza"]
    gated = Matcher(watch, gazetteer, relevance=_model({"t:tells": -5.0}, bias=1.0, threshold=0.35))
    found, vetoed = gated.screen(title, "")
    assert found == []
    assert [v.watchlist for v in vetoed] == ["gaza"]
    assert vetoed[0].reason.startswith("not an event report (score ")
    assert [m.watchlist for m in gated.match("Air strike kills civilians in Gaza", "")] == ["gaza"]


def test_packaged_weights_load_and_name_no_watched_region() -> None:
    model = load_relevance_model()
    assert 0.0 < model.threshold < 1.0
    assert model.weights
    assert not any(
        name in f for f in model.weights for name in ("idlib", "gaza", "sudan", "khartoum", "darfur")
    )
