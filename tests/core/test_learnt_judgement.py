"""A learnt same-event judgement plugged into the policy: it decides after the rule's vetoes, says why,
and refuses weights that do not fit the evidence this version computes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.figures import Casualties
from bot.core.incidents.evidence import FEATURES, Side, evidence
from bot.core.incidents.learnt import LearntJudgement
from bot.core.incidents.model import Incident, Source
from bot.core.incidents.same_event import EventPolicy, judge
from bot.core.incidents.signature import EventSignature
from bot.errors import ConfigError

T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def sig(place: str, kind: str = "strike", sites: tuple[str, ...] = ()) -> EventSignature:
    return EventSignature(kind, place, place, True, frozenset(sites), frozenset(), frozenset({"market"}))


def lead(event: EventSignature, title: str) -> Incident:
    return Incident(
        key="k", watchlist="idlib", place=event.place, title=title, summary="", casualties=Casualties(),
        terms=(), sources=(Source("f", "i", "F", None, T0),), tokens=event.tokens, first_seen=T0,
        updated=T0, alerted=True, event=event,
    )  # fmt: skip


def only(feature: str, weight: float, bias: float = -1.0) -> LearntJudgement:
    """Weights that look at one piece of evidence alone."""
    return LearntJudgement(tuple(weight if f == feature else 0.0 for f in FEATURES), bias, 0.5)


def test_the_model_decides_after_the_vetoes_and_says_why() -> None:
    market = lead(sig("saraqib", sites=("market",)), "Strike on Saraqib market")
    similar_titles = EventPolicy(model=only("title similarity", 4.0, bias=-3.0))
    texts = ("Saraqib market strike", "")
    verdict = judge(sig("saraqib", sites=("market",)), T0 + timedelta(hours=1), Casualties(), market,
                    policy=similar_titles, texts=texts)  # fmt: skip
    assert verdict is not None and verdict.joins(similar_titles)
    assert any(r.startswith("learnt judgement") and "title similarity" in r for r in verdict.reasons)
    unlike = judge(sig("saraqib", sites=("market",)), T0, Casualties(), market, policy=similar_titles,
                   texts=("Aid convoy crosses at dawn", ""))  # fmt: skip
    assert unlike is not None and not unlike.joins(similar_titles)
    # A school is never the market, whatever the model would say.
    always = EventPolicy(model=only("title similarity", 0.0, bias=10.0))
    school = sig("saraqib", sites=("school",))
    assert judge(school, T0, Casualties(), market, policy=always, texts=texts) is None


def test_without_texts_or_a_model_the_written_rule_decides() -> None:
    market = lead(sig("saraqib", sites=("market",)), "Strike on Saraqib market")
    never = EventPolicy(model=only("title similarity", 0.0, bias=-10.0))
    verdict = judge(sig("saraqib", sites=("market",)), T0, Casualties(), market, policy=never)
    assert verdict is not None and verdict.joined is None and verdict.joins(never)


def test_evidence_has_one_value_per_feature() -> None:
    side = Side(sig("saraqib"), T0, Casualties(), "t", "s")
    assert len(evidence(side, side, generic=frozenset(), places=None)) == len(FEATURES)


def test_stored_weights_round_trip_and_must_fit_this_version() -> None:
    model = LearntJudgement(tuple(float(i) for i in range(len(FEATURES))), -1.5, 0.6, ("a", "b"))
    assert LearntJudgement.from_dict(model.to_dict()) == model
    raw = model.to_dict()
    raw["weights"] = {**raw["weights"], "moon phase": 1.0}
    with pytest.raises(ConfigError, match="moon phase"):
        LearntJudgement.from_dict(raw)
    with pytest.raises(ConfigError, match="malformed"):
        LearntJudgement.from_dict({"weights": dict(zip(FEATURES, FEATURES, strict=True)), "bias": 0})


def test_probability_is_the_logistic_of_the_weighted_sum_without_overflow() -> None:
    model = only("same place", 1000.0, bias=0.0)
    values = [0.0] * len(FEATURES)
    assert model.probability(values) == 0.5
    values[FEATURES.index("same place")] = 1.0
    assert model.probability(values) == 1.0
    assert only("same place", -1000.0, bias=0.0).probability(values) == 0.0
