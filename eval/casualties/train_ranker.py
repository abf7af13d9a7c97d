"""Train the figure ranker (``bot.core.figure_ranker``) on the dev split, and measure it honestly.

    python -m eval.casualties.train_ranker            # cross-validation on dev, then fit and save
    python -m eval.casualties.train_ranker --report-test   # the saved model on the sealed split

Cross-validation holds out whole feed hosts (five folds), so each fold's score is on outlets its
model never saw, as the sealed split does with its hosts and months. The thresholds per category
are chosen on the out-of-fold predictions; the saved model is then fitted on all of dev. The
sealed split is only scored with ``--report-test``, after the model is saved, never to choose.
Needs the ``[eval]`` extra (scikit-learn); the bot itself only reads the saved weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.core.casualties import decide, read_figures
from bot.core.figure_ranker import Option, RankerModel, load_model, options, rank
from bot.core.figures import Category
from bot.core.scoring import CATEGORIES, Scored, score
from eval.casualties.labelled import LabelledItem, load

MODEL_PATH = Path(__file__).resolve().parents[2] / "var" / "figure_ranker.json"
"""Where the fitted model goes (not shipped: see bot/core/figure_ranker.py, "Status")."""
FOLDS = 5
C = 0.3


@dataclass(frozen=True, slots=True)
class Prepared:
    item: LabelledItem
    options: list[Option]
    rules: dict[str, int | None]


def prepare(items: Sequence[LabelledItem]) -> list[Prepared]:
    out = []
    for it in items:
        reading = read_figures(it.title, it.description)
        rules = decide(reading)
        out.append(Prepared(it, options(reading, rules), {c: rules.value(Category(c)) for c in CATEGORIES}))
    return out


def vector(o: Option) -> dict[str, float]:
    return dict(o.features)


def fit(prepared: Sequence[Prepared]) -> RankerModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows, ys = [], []
    for p in prepared:
        for o in p.options:
            rows.append(vector(o))
            ys.append(int(p.item.labels.get(o.category.value) == o.value))
    vectorizer = DictVectorizer()
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(vectorizer.fit_transform(rows), ys)
    names = vectorizer.get_feature_names_out()
    weights = {
        str(n): round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-4
    }
    return RankerModel(weights, round(float(model.intercept_[0]), 5))


def best(p: Prepared, model: RankerModel) -> dict[str, tuple[int, float] | None]:
    out: dict[str, tuple[int, float] | None] = {c: None for c in CATEGORIES}
    for o in p.options:
        pr = model.probability(vector(o))
        cur = out[o.category.value]
        if cur is None or pr > cur[1]:
            out[o.category.value] = (o.value, pr)
    return out


def predictions(
    choices: dict[str, tuple[int, float] | None], thresholds: dict[str, float]
) -> dict[str, int | None]:
    return {
        c: (v[0] if v is not None and v[1] >= thresholds.get(c, 0.5) else None) for c, v in choices.items()
    }


def tune_thresholds(
    chosen: Sequence[tuple[Prepared, dict[str, tuple[int, float] | None]]],
) -> dict[str, float]:
    """Per category, the threshold that maximises that category's F1 on out-of-fold choices."""
    thresholds = {}
    for c in CATEGORIES:
        best_t, best_f1 = 0.5, -1.0
        for t in [i / 100 for i in range(5, 96, 5)]:
            same = dict.fromkeys(CATEGORIES, t)
            rows = [
                Scored(p.item.link, "", predictions(ch, same), {k: p.item.labels.get(k) for k in CATEGORIES})
                for p, ch in chosen
            ]
            f1 = score(rows).categories[c].f1
            if f1 > best_f1:
                best_t, best_f1 = t, f1
        thresholds[c] = best_t
    return thresholds


def report(name: str, rows: Sequence[Scored], out: TextIO) -> dict[str, Any]:
    r = score(rows)
    cats = " ".join(f"{c} {s.f1:.3f}({s.labels})" for c, s in r.categories.items())
    out.write(
        f"{name:<28} micro k+w P {r.micro.precision:.3f} R {r.micro.recall:.3f} F1 {r.micro.f1:.3f}  {cats}\n"
    )
    return r.as_dict()


def cross_validate(prepared: Sequence[Prepared], out: TextIO) -> dict[str, float]:
    hosts = sorted({p.item.host for p in prepared})
    folds = [hosts[i::FOLDS] for i in range(FOLDS)]
    chosen: list[tuple[Prepared, dict[str, tuple[int, float] | None]]] = []
    for held in folds:
        train = [p for p in prepared if p.item.host not in held]
        model = fit(train)
        chosen += [(p, best(p, model)) for p in prepared if p.item.host in held]
    thresholds = tune_thresholds(chosen)
    rules = [
        Scored(p.item.link, "", p.rules, {c: p.item.labels.get(c) for c in CATEGORIES}) for p, _ in chosen
    ]
    ranked = [
        Scored(p.item.link, "", predictions(ch, thresholds), {c: p.item.labels.get(c) for c in CATEGORIES})
        for p, ch in chosen
    ]
    out.write(f"dev, {FOLDS}-fold cross-validation by feed host ({len(chosen)} items):\n")
    report("rules alone", rules, out)
    report("ranker (out of fold)", ranked, out)
    out.write(f"thresholds: {thresholds}\n")
    return thresholds


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report-test", action="store_true", help="score the shipped model on the sealed split"
    )
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    if args.report_test:
        model = load_model(MODEL_PATH)
        for split in ("dev", "test"):
            items = load(split)
            truth = [{c: it.labels.get(c) for c in CATEGORIES} for it in items]
            rules = [decide(read_figures(it.title, it.description)) for it in items]
            ranked = [rank(it.title, it.description, model).casualties for it in items]
            if split == "test":
                out.write("(sealed split: reported, never tuned on)\n")
            report(
                f"{split}: rules alone",
                [Scored(it.link, "", r.as_dict(), t) for it, r, t in zip(items, rules, truth, strict=True)],
                out,
            )
            report(
                f"{split}: ranker",
                [Scored(it.link, "", r.as_dict(), t) for it, r, t in zip(items, ranked, truth, strict=True)],
                out,
            )
        return
    prepared = prepare(load("dev"))
    thresholds = cross_validate(prepared, out)
    model = fit(prepared)
    model = RankerModel(
        model.weights, model.bias, thresholds, trained_on=f"eval/casualties dev split, {len(prepared)} items"
    )
    if not args.no_save:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        out.write(f"saved {MODEL_PATH}\n")


if __name__ == "__main__":
    main()
