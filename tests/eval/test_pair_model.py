"""The same-event experiment: pair features, pair scores and leave-one-window-out, on reports and a
classifier written for the test (no corpus, no scikit-learn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.figures import Casualties, Category, Headline
from bot.core.incidents.evidence import FEATURES
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.signature import EventSignature
from eval.stream.pair_model import Pair, leave_one_window_out, pair_features, prf
from eval.stream.pairs import Report

T0 = datetime(2023, 10, 17, 8, 0, tzinfo=UTC)
NO_PLACES = PlaceHints()


def report(event: str, kind: str, place: str, *, sites: tuple[str, ...] = (), killed: int | None = None,
           hours: float = 0, title: str = "t") -> Report:  # fmt: skip
    words = frozenset(title.lower().split())
    signature = EventSignature(kind, place, place, True, frozenset(sites), frozenset(), words)
    figures = Casualties(killed=Headline(Category.KILLED, killed)) if killed is not None else Casualties()
    return Report(event, signature, figures, T0 + timedelta(hours=hours), title, title)


def test_the_rules_evidence_becomes_numbers_and_its_vetoes_stay() -> None:
    title = "Strike on Saraqib market"
    lead = report("market", "strike", "saraqib", sites=("market",), killed=9, title=title)
    same = pair_features(
        lead, report("market", "strike", "saraqib", sites=("market",), killed=9, hours=2,
                     title="Saraqib market strike"), frozenset(), NO_PLACES,
    )  # fmt: skip
    assert same.features is not None and len(same.features) == len(FEATURES)
    named = dict(zip(FEATURES, same.features, strict=True))
    assert named["shared site"] == 1 and named["same toll"] == 1 and named["same place"] == 1
    assert same.rule_joins and same.same_event
    school_report = report("school", "strike", "saraqib", sites=("school",), hours=1)
    school = pair_features(lead, school_report, frozenset(), NO_PLACES)
    assert school.features is None and not school.rule_joins and not school.same_event


def test_pair_scores() -> None:
    assert prf([(True, True), (True, False), (False, True), (False, False)]) == (0.5, 0.5, 0.5)
    assert prf([]) == (0.0, 0.0, 0.0)


class _Threshold:
    """Joins when the first feature is at least what the training pairs of the same event had."""

    def fit(self, x: list[tuple[float, ...]], y: list[bool]) -> _Threshold:
        self.cut = min((f[0] for f, same in zip(x, y, strict=True) if same), default=1.0)
        return self

    def predict_proba(self, x: list[tuple[float, ...]]) -> list[list[float]]:
        return [[0.0, 1.0] if f[0] >= self.cut else [1.0, 0.0] for f in x]


def test_each_window_is_scored_by_a_model_that_never_saw_it() -> None:
    pairs = {
        "a": [Pair((2.0,), True, True), Pair((0.0,), False, False)],
        "b": [Pair((3.0,), True, True), Pair(None, False, True)],
        "c": [Pair((1.0,), True, True)],
    }
    out = leave_one_window_out(pairs, _Threshold)
    # Trained on a and b (cut 2.0), c's pair with 1.0 is missed; a vetoed pair never joins.
    assert out["c"] == [(False, True)]
    assert out["b"] == [(True, True), (False, True)]
    assert out["a"] == [(True, True), (False, False)]
