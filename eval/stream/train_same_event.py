"""Measure a learnt same-event judgement on each development window, fitted without that window.

    .venv/bin/pip install -e '.[eval]'
    .venv/bin/python -m eval.stream.train_same_event [--threshold 0.5] [--no-stream]

Every pair of pushed reports of the development windows (``pairs.py``) becomes a row of ``evidence``
and a label (same event or not); a logistic regression with balanced classes is fitted on them. Two
measures, both leave one window out (fitted on the other development windows, scored on the one left
out), beside the written rule:

* pair precision / recall / F1 (``pair_model.py``'s table);
* the **stream score** of each window left out, from the in-process replay (``quick.py``) with the
  model fitted without it — what a desk would have seen on a day the model never saw.

The sealed windows are never read here. The bot ships no weights: measured this way the learnt
judgement did not beat the written rule (``docs/ACCURACY.md``); ``EventPolicy(model=…)`` is where
weights fitted on more labelled windows would plug in.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot.core.incidents.learnt import LearntJudgement
from bot.core.incidents.same_event import DEFAULT_POLICY, EventPolicy
from eval.stream.pair_model import Pair, pair_cell, window_pairs
from eval.stream.quick import quick_rows
from eval.stream.scoring import StreamScore, score_stream
from eval.stream.windows import load_labels, load_windows, window

THRESHOLD = 0.5


def fit(pairs: Sequence[Pair], trained_on: Sequence[str], threshold: float = THRESHOLD) -> LearntJudgement:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise SystemExit("needs scikit-learn: .venv/bin/pip install -e '.[eval]'") from e
    rows = [p for p in pairs if p.features is not None]
    model = LogisticRegression(max_iter=5000, class_weight="balanced", C=1.0)
    model.fit([p.features for p in rows], [p.same_event for p in rows])
    return LearntJudgement(
        weights=tuple(round(float(w), 6) for w in model.coef_[0]),
        bias=round(float(model.intercept_[0]), 6),
        threshold=threshold,
        trained_on=tuple(trained_on),
    )


def stream(name: str, policy: EventPolicy) -> StreamScore:
    w = window(name)
    labels = load_labels(w)
    published = {k: v.published for k, v in labels.items.items() if v.published is not None}
    return score_stream(quick_rows(name, policy=policy), labels, published)


def _row(label: str, s: StreamScore) -> str:
    return (
        f"| {label} | {s.posts_per_day:.1f} | {s.push_precision} | {s.on_time_recall} | {s.duplicate_rate}"
        f" | {s.wrong_merge_rate} | {s.figures_right} | {s.digest_coverage} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-stream", action="store_true", help="pair scores only (faster)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="join from this probability")
    args = parser.parse_args(argv)
    names = [w.name for w in load_windows() if not w.sealed]
    pairs = {name: window_pairs(name) for name in names}
    folds = {
        held: fit(
            [p for n in names if n != held for p in pairs[n]], [n for n in names if n != held], args.threshold
        )
        for held in names
    }
    print("pair precision / recall / F1, each window scored by a model fitted without it")
    print("| window | written rule | learnt |")
    print("|---|---|---|")
    for name in names:
        model = folds[name]
        learnt = [(p.features is not None and model.probability(p.features) >= model.threshold, p.same_event)
                  for p in pairs[name]]  # fmt: skip
        rule = pair_cell([(p.rule_joins, p.same_event) for p in pairs[name]])
        print(f"| {name} | {rule} | {pair_cell(learnt)} |")
    if not args.no_stream:
        print("\nstream score (quick replay), each window with a model fitted without it")
        print("| window / judgement | posts/day | precision | on-time | duplicates | wrong merges | figures |"
              " digest |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name in names:
            print(_row(f"{name} / rule", stream(name, DEFAULT_POLICY)), flush=True)
            print(_row(f"{name} / learnt", stream(name, EventPolicy(model=folds[name]))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
