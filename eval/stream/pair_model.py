"""Could a model learnt from the labelled windows judge "same event" better than the written rule?

Every pair of pushed reports of the development windows (as ``pairs.py`` builds them) is described by
``bot.core.incidents.evidence`` — the rule's own evidence (shared story names and sites, the same
toll, wording overlap, place, kinds, ordinals, the gap in time) plus how alike the titles and
summaries read — and classifiers are fitted on all windows but one and scored on the one left out,
beside the written rule on that window. The rule's vetoes (two kinds, two sites, two towns) stay in
front of the models. Results and what they mean: ``docs/ACCURACY.md``.

The written rule was developed on the first four windows, so its figures there are in-sample; the
models' figures never are. ``train_same_event.py`` carries the comparison on to the stream score.

Needs scikit-learn (``pip install -e '.[eval]'``); the bot itself does not.

    .venv/bin/python -m eval.stream.pair_model [--threshold 0.5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.incidents.evidence import evidence
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import generic_words, judge
from eval.stream.pairs import Report, as_incident, reports
from eval.stream.windows import load_windows


@dataclass(frozen=True, slots=True)
class Pair:
    features: tuple[float, ...] | None
    """None when the rule's vetoes rule the pair out."""
    rule_joins: bool
    same_event: bool


def pair_features(lead: Report, later: Report, generic: frozenset[str], places: PlaceHints) -> Pair:
    """The evidence ``judge`` weighs, as numbers, and what the rule and the labels say."""
    verdict = judge(
        later.signature, later.published, later.casualties, as_incident(lead), generic=generic,
        places=places,
    )  # fmt: skip
    same = lead.event == later.event
    if verdict is None:
        return Pair(None, False, same)
    features = evidence(later.side(), lead.side(), generic=generic, places=places)
    return Pair(features, verdict.joins(), same)


def window_pairs(name: str) -> list[Pair]:
    found, places = reports(name)
    generic = generic_words([], [r.signature for r in found])
    return [
        pair_features(lead, later, generic, places)
        for i, lead in enumerate(found)
        for later in found[i + 1 :]
    ]


def prf(predicted_and_true: Sequence[tuple[bool, bool]]) -> tuple[float, float, float]:
    """Pair precision, recall and F1."""
    tp = sum(1 for p, y in predicted_and_true if p and y)
    fp = sum(1 for p, y in predicted_and_true if p and not y)
    fn = sum(1 for p, y in predicted_and_true if y and not p)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


Classifier = Callable[[], Any]


def leave_one_window_out(
    pairs: dict[str, list[Pair]], make: Classifier, threshold: float = 0.5
) -> dict[str, list[tuple[bool, bool]]]:
    """Per window: (model joins, same event) for each of its pairs, the model trained on the others."""
    out: dict[str, list[tuple[bool, bool]]] = {}
    for held in pairs:
        train = [p for name, ps in pairs.items() if name != held for p in ps if p.features is not None]
        model = make().fit([p.features for p in train], [p.same_event for p in train])
        test = pairs[held]
        scored = [p for p in test if p.features is not None]
        rows = model.predict_proba([p.features for p in scored]) if scored else []
        probabilities = iter([row[1] for row in rows])
        out[held] = [
            (p.features is not None and next(probabilities) >= threshold, p.same_event) for p in test
        ]
    return out


def pair_cell(pairs: Sequence[tuple[bool, bool]]) -> str:
    precision, recall, f1 = prf(pairs)
    return f"{precision:.2f} / {recall:.2f} / {f1:.2f}"


def _models() -> dict[str, Classifier]:
    try:
        from sklearn.ensemble import GradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise SystemExit("needs scikit-learn: .venv/bin/pip install -e '.[eval]'") from e
    return {
        "logistic regression": lambda: LogisticRegression(max_iter=2000),
        "logistic regression, balanced": lambda: LogisticRegression(max_iter=2000, class_weight="balanced"),
        "gradient boosting": lambda: GradientBoostingClassifier(n_estimators=100, max_depth=2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    models = _models()
    pairs = {w.name: window_pairs(w.name) for w in load_windows() if not w.sealed}
    print("pair precision / recall / F1 on each held-out window")
    rule = {name: [(p.rule_joins, p.same_event) for p in ps] for name, ps in pairs.items()}
    rows = {"written rule (written on the first four)": rule}
    rows.update({label: leave_one_window_out(pairs, make, args.threshold) for label, make in models.items()})
    header = "| | " + " | ".join(pairs) + " | pooled |"
    print(header)
    print("|---" * (len(pairs) + 2) + "|")
    for label, per_window in rows.items():
        cells = [pair_cell(per_window[name]) for name in pairs]
        pooled = pair_cell([x for v in per_window.values() for x in v])
        print(f"| {label} | " + " | ".join(cells) + f" | {pooled} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
