"""Fit the figure-confidence model (``bot.core.figure_confidence``) on the dev split, and report it.

    python -m eval.casualties.train_confidence               # cross-validate on dev, fit, save
    python -m eval.casualties.train_confidence --report-test # the packaged model on the sealed split

Each headline figure the rules state is one example: its features say how it was decided, its
label whether it equals the readers' figure. Cross-validation holds out whole feed hosts (five
folds), so the calibration printed is on outlets the model never saw. The threshold below which a
figure is shown as uncertain is set beforehand, not tuned: 2/3, i.e. a figure is marked when the
model gives it at least one chance in three of being wrong (a desk checks such a figure before
using it).
The model is then fitted on all of dev and written to ``bot/data/figure_confidence.json``; the
sealed split is only scored with ``--report-test``, after that. Needs the ``[eval]`` extra
(scikit-learn); the bot itself only reads the saved weights.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.core.casualties import decide, read_figures
from bot.core.figure_confidence import FEATURES, ConfidenceModel, training_rows
from bot.core.figures import Category
from eval.casualties.labelled import DEFAULT_CORPUS, load

MODEL_PATH = Path(__file__).resolve().parents[2] / "bot" / "data" / "figure_confidence.json"
FOLDS = 5
C = 1.0
LOW = 0.667
BINS = (0.0, 0.3, 0.5, 0.7, 0.85, 1.0001)


@dataclass(frozen=True, slots=True)
class Example:
    x: dict[str, float]
    right: bool
    host: str


def examples(split: str, corpus: Path) -> list[Example]:
    out = []
    for it in load(split, corpus):
        reading = read_figures(it.title, it.description)
        rows = training_rows(reading, decide(reading), it.labels, list(Category))
        out.extend(Example(x, right, it.host) for x, right in rows)
    return out


def fit(train: Sequence[Example]) -> ConfidenceModel:
    from sklearn.linear_model import LogisticRegression

    names = [f for f in FEATURES if f != "bias"]
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit([[e.x.get(f, 0.0) for f in names] for e in train], [e.right for e in train])
    weights = {f: float(w) for f, w in zip(names, model.coef_[0], strict=True)}
    weights["bias"] = float(model.intercept_[0])
    return ConfidenceModel(weights={k: round(v, 5) for k, v in weights.items()}, low=LOW)


def report(name: str, probs: Sequence[float], rights: Sequence[bool], out: TextIO) -> dict[str, Any]:
    n = len(probs)
    brier = sum((p - r) ** 2 for p, r in zip(probs, rights, strict=True)) / n
    base = sum(rights) / n
    marked = [r for p, r in zip(probs, rights, strict=True) if p < LOW]
    plain = [r for p, r in zip(probs, rights, strict=True) if p >= LOW]
    out.write(f"\n{name}: {n} headline figures, {base:.3f} of them right; Brier {brier:.3f}")
    out.write(f" (stating every figure with the base rate: {base * (1 - base):.3f});")
    out.write(f" AUC {_auc(probs, rights):.3f}\n")
    out.write(f"  marked uncertain (p < {LOW}): {len(marked)} ({len(marked) / n:.1%}), ")
    out.write(f"right {_share(marked)}; stated plainly: {len(plain)}, right {_share(plain)}\n")
    out.write("  reliability: ")
    bins = []
    for lo, hi in itertools.pairwise(BINS):
        inside = [(p, r) for p, r in zip(probs, rights, strict=True) if lo <= p < hi]
        if inside:
            mean_p = sum(p for p, _ in inside) / len(inside)
            hit = sum(r for _, r in inside) / len(inside)
            bins.append({"from": lo, "to": min(hi, 1.0), "n": len(inside), "mean_p": mean_p, "right": hit})
            out.write(f"[{lo:.2f}, {min(hi, 1.0):.2f}) n={len(inside)} p̄={mean_p:.2f} right={hit:.2f}  ")
    out.write("\n")
    return {
        "figures": n,
        "right": base,
        "brier": brier,
        "auc": _auc(probs, rights),
        "marked": len(marked),
        "marked_right": _rate(marked),
        "plain_right": _rate(plain),
        "bins": bins,
    }


def _auc(probs: Sequence[float], rights: Sequence[bool]) -> float:
    """The chance that a right figure gets a higher confidence than a wrong one."""
    pos = [p for p, r in zip(probs, rights, strict=True) if r]
    neg = [p for p, r in zip(probs, rights, strict=True) if not r]
    if not pos or not neg:
        return math.nan
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def _rate(rs: Sequence[bool]) -> float | None:
    return sum(rs) / len(rs) if rs else None


def _share(rs: Sequence[bool]) -> str:
    rate = _rate(rs)
    return "—" if rate is None else f"{rate:.3f}"


def cross_validate(dev: Sequence[Example], out: TextIO) -> dict[str, Any]:
    hosts = sorted({e.host for e in dev}, key=lambda h: (hash_of(h), h))
    fold_of = {h: i % FOLDS for i, h in enumerate(hosts)}
    probs: list[float] = [math.nan] * len(dev)
    for fold in range(FOLDS):
        model = fit([e for e in dev if fold_of[e.host] != fold])
        for i, e in enumerate(dev):
            if fold_of[e.host] == fold:
                probs[i] = model.probability(e.x)
    return report("dev, out of fold (hosts held out)", probs, [e.right for e in dev], out)


def hash_of(text: str) -> int:
    """A stable order of hosts for the folds (``hash`` is salted per process)."""
    return sum((i + 1) * ord(ch) for i, ch in enumerate(text)) % 9973


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report-test", action="store_true", help="score the packaged model on the sealed split"
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the fitted weights")
    args = parser.parse_args(argv)
    if args.report_test:
        out.write("(sealed split: reported, never tuned on)\n")
        model = ConfidenceModel.from_dict(json.loads(MODEL_PATH.read_text(encoding="utf-8")))
        test = examples("test", args.corpus)
        return report("test (sealed)", [model.probability(e.x) for e in test], [e.right for e in test], out)
    dev = examples("dev", args.corpus)
    result = cross_validate(dev, out)
    model = fit(dev)
    args.out.write_text(
        json.dumps(
            {
                "about": "figure confidence (bot/core/figure_confidence.py), fitted on the #18 dev split by "
                "python -m eval.casualties.train_confidence",
                "low": model.low,
                "weights": dict(sorted(model.weights.items())),
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    out.write(f"\nfitted on all {len(dev)} dev figures; written to {args.out}\n")
    return result


if __name__ == "__main__":
    main()
