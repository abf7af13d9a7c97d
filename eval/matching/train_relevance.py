"""Train and honestly evaluate the "is this an event report from the watched place" gate.

Reads the labels in this directory and the item text from ``../shared/corpus`` (never written into the
repo), runs the real ``Matcher`` (with its genre vetoes) over every labelled item, and builds the
features of ``bot.core.relevance`` for each (watchlist, item) pair. The model is L2-regularised
logistic regression trained by full-batch Adagrad, implemented here (no dependency), fixed seed.

It prints, per watchlist, end-to-end precision/recall of matcher + gate (recall counts every relevant
item, including those the matcher itself misses):

* 5-fold cross-validation (folds by link; an item is scored by a model that never saw it);
* leave-one-watchlist-out (train on two watchlists, test on the third) — the best predictor of a
  watchlist an admin creates;
* in-sample (trained and tested on everything) — optimistic, for reference only.

In every case the threshold is chosen on the training part only: inner 5-fold out-of-fold scores of
the training items the matcher matched, lowest threshold that keeps ``--retain`` of the relevant ones.

    .venv/bin/python -m eval.matching.train_relevance                 # tables only
    .venv/bin/python -m eval.matching.train_relevance --write   # also write the weights JSON
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.matching import Match, Matcher
from bot.core.relevance import features
from bot.core.watchlists import Rule
from bot.geo import load_gazetteer
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_CORPUS,
    DEFAULT_LABELS,
    REPO,
    find_items,
    load_labels,
    load_watchlists,
)

SEED = 2023
FOLDS = 5
WEIGHTS_PATH = REPO / "bot" / "data" / "relevance_weights.json"
EVALUATION_REGION_WORDS = ("idlib", "gaza", "sudan", "khartoum", "darfur")
"""Words of the evaluation watchlists' regions: never a feature of a model trained on other conflicts."""


@dataclass(frozen=True, slots=True)
class Example:
    watchlist: str
    link: str
    title: str
    relevant: bool
    matched: bool
    """The matcher (with its genre vetoes) matched it: the gate only ever sees these."""
    in_pool: bool
    """Training population: matched, or (with ``--pool region``) any region hit that was not vetoed."""
    feats: tuple[str, ...]
    source: str = ""
    """"" for the main set; a name (e.g. "sample") for labels from ``--extra``, tallied apart."""

    @property
    def tally_key(self) -> str:
        return f"{self.watchlist} ({self.source})" if self.source else self.watchlist


@dataclass(frozen=True, slots=True)
class Params:
    l2: float = 0.01
    epochs: int = 150
    rate: float = 0.3
    min_count: int = 2
    retain: float = 0.99


_DEFAULTS = Params()


def build_examples(
    pool: str,
    mask_keywords: bool,
    extra: Sequence[Path] = (),
    *,
    labels_dir: Path = DEFAULT_LABELS,
    config: Path = DEFAULT_CONFIG,
) -> list[Example]:
    """One example per label of ``labels_dir`` (and of each ``extra`` directory, tallied apart), with
    the features of its match under the watchlists of ``config``."""
    labels = load_labels(labels_dir)
    source = {label.link: "" for label in labels}
    for directory in extra:
        more = [label for label in load_labels(directory) if label.link not in source]
        source.update({label.link: directory.name for label in more})
        labels += more
    watchlists = load_watchlists(config)
    items = find_items(DEFAULT_CORPUS, (label.link for label in labels))
    gazetteer = load_gazetteer()
    matcher = Matcher(list(watchlists), gazetteer, relevance=None)
    probe = Matcher([replace(w, rule=Rule.REGION, exclude=()) for w in watchlists], gazetteer, relevance=None)
    out: list[Example] = []
    for label in labels:
        item = items.get(label.link)
        if item is None:
            continue
        found, vetoed = matcher.screen(item.title, item.description, link=label.link)
        real = next((m for m in found if m.watchlist == label.watchlist), None)
        region: Match | None = real
        if region is None and not any(v.watchlist == label.watchlist for v in vetoed):
            region = next(
                (m for m in probe.match(item.title, item.description) if m.watchlist == label.watchlist), None
            )
        in_pool = real is not None or (pool == "region" and region is not None)
        feats: tuple[str, ...] = ()
        if region is not None:
            feats = tuple(
                features(
                    item.title,
                    item.description,
                    [(h.start, h.end) for h in region.regions],
                    [(h.start, h.end) for h in region.keywords] if mask_keywords else (),
                    link=label.link,
                )
            )
        out.append(
            Example(
                label.watchlist,
                label.link,
                item.title,
                label.relevant,
                real is not None,
                in_pool,
                feats,
                source[label.link],
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Model:
    weights: dict[str, float]
    bias: float

    def score(self, feats: Sequence[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def train(examples: Sequence[Example], p: Params) -> Model:
    """L2 logistic regression by full-batch Adagrad over binary features seen ``min_count``+ times."""
    counts = Counter(f for e in examples for f in e.feats)
    index = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= p.min_count))}
    rows = [[index[f] for f in e.feats if f in index] for e in examples]
    ys = [1.0 if e.relevant else 0.0 for e in examples]
    n = len(examples)
    w = [0.0] * len(index)
    g2 = [1e-8] * len(index)
    b = 0.0
    b2 = 1e-8
    for _ in range(p.epochs):
        grad = [p.l2 * wi for wi in w]
        gb = 0.0
        for row, y in zip(rows, ys, strict=True):
            z = b + sum(w[i] for i in row)
            err = (1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - y) / n
            gb += err
            for i in row:
                grad[i] += err
        for i, g in enumerate(grad):
            g2[i] += g * g
            w[i] -= p.rate * g / math.sqrt(g2[i])
        b2 += gb * gb
        b -= p.rate * gb / math.sqrt(b2)
    names = sorted(index, key=index.__getitem__)
    return Model({f: w[i] for i, f in enumerate(names) if abs(w[i]) >= 1e-4}, b)


def folds_by_link(examples: Sequence[Example], k: int, seed: int) -> dict[str, int]:
    links = sorted({e.link for e in examples})
    random.Random(seed).shuffle(links)
    return {link: i % k for i, link in enumerate(links)}


def choose_threshold(train_set: Sequence[Example], p: Params, seed: int) -> float:
    """From inner out-of-fold scores of the matched training items: keep ``retain`` of the relevant."""
    pool = [e for e in train_set if e.in_pool]
    fold = folds_by_link(pool, FOLDS, seed)
    scores: list[float] = []
    for k in range(FOLDS):
        model = train([e for e in pool if fold[e.link] != k], p)
        scores += [model.score(e.feats) for e in pool if fold[e.link] == k and e.matched and e.relevant]
    scores.sort()
    drop = math.floor(len(scores) * (1.0 - p.retain))
    return scores[drop] - 1e-6 if scores else 0.0


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    gated_fp: int = 0
    gated_tp: int = 0

    def add(self, e: Example, passed: bool) -> None:
        hit = e.matched and passed
        if hit and e.relevant:
            self.tp += 1
        elif hit:
            self.fp += 1
        elif e.relevant:
            self.fn += 1
        else:
            self.tn += 1
        if e.matched and not passed:
            if e.relevant:
                self.gated_tp += 1
            else:
                self.gated_fp += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(
    examples: Sequence[Example], split: dict[str, int] | None, p: Params, by_watchlist: bool
) -> tuple[dict[str, Tally], list[float], list[tuple[Example, float]]]:
    """End-to-end tallies per watchlist with the gate; the thresholds used; every gated item."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    thresholds: list[float] = []
    gated: list[tuple[Example, float]] = []
    groups = sorted({e.watchlist for e in examples}) if by_watchlist else list(range(FOLDS))

    def test_of(e: Example, g: object) -> bool:
        if by_watchlist:
            return e.watchlist == g
        return split is not None and split[e.link] == g

    for g in groups:
        train_set = [e for e in examples if not test_of(e, g)]
        model = train([e for e in train_set if e.in_pool], p)
        threshold = choose_threshold(train_set, p, SEED + 1)
        thresholds.append(threshold)
        for e in examples:
            if test_of(e, g):
                s = model.score(e.feats) if e.matched else 1.0
                tallies[e.tally_key].add(e, s >= threshold)
                if e.matched and s < threshold:
                    gated.append((e, s))
    return tallies, thresholds, gated


def in_sample(examples: Sequence[Example], p: Params) -> tuple[dict[str, Tally], float, Model]:
    model = train([e for e in examples if e.in_pool], p)
    threshold = choose_threshold(examples, p, SEED + 1)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for e in examples:
        tallies[e.tally_key].add(e, not e.matched or model.score(e.feats) >= threshold)
    return tallies, threshold, model


def transfer(
    train_set: Sequence[Example], test_set: Sequence[Example], p: Params
) -> tuple[dict[str, Tally], float, Model, list[tuple[Example, float]]]:
    """Trained (and its threshold chosen) on ``train_set`` only; every test item scored by that model."""
    model = train([e for e in train_set if e.in_pool], p)
    threshold = choose_threshold(train_set, p, SEED + 1)
    tallies: dict[str, Tally] = defaultdict(Tally)
    gated: list[tuple[Example, float]] = []
    for e in test_set:
        s = model.score(e.feats) if e.matched else 1.0
        tallies[e.tally_key].add(e, s >= threshold)
        if e.matched and s < threshold:
            gated.append((e, s))
    return tallies, threshold, model, gated


def roc_auc(model: Model, examples: Sequence[Example]) -> dict[str, float]:
    """Per tally key: how often a relevant matched item outscores an irrelevant one (ties count half)."""
    scores: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for e in examples:
        if e.matched:
            scores[e.tally_key][0 if e.relevant else 1].append(model.score(e.feats))
    out: dict[str, float] = {}
    for key, (pos, neg) in scores.items():
        if pos and neg:
            wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
            out[key] = wins / (len(pos) * len(neg))
    return out


def baseline(examples: Sequence[Example]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for e in examples:
        tallies[e.tally_key].add(e, True)
    return tallies


def table(title: str, tallies: dict[str, Tally], base: dict[str, Tally], out: list[str]) -> None:
    out.append(f"\n{title}\n")
    out.append(
        "| watchlist | precision | recall | tp | fp | fn | FPs gated | TPs gated | without gate P / R |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(tallies):
        t, b = tallies[name], base[name]
        out.append(
            f"| {name} | {t.precision:.3f} | {t.recall:.3f} | {t.tp} | {t.fp} | {t.fn} | {t.gated_fp} | "
            f"{t.gated_tp} | {b.precision:.3f} / {b.recall:.3f} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pool", choices=("matched", "region"), default="matched")
    parser.add_argument("--keep-keywords", action="store_true", help="do not mask watch keyword hits")
    parser.add_argument("--l2", type=float, default=_DEFAULTS.l2)
    parser.add_argument("--retain", type=float, default=_DEFAULTS.retain)
    parser.add_argument("--epochs", type=int, default=_DEFAULTS.epochs)
    parser.add_argument("--show-gated", action="store_true", help="list the items the gate withheld")
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="another labels-*.jsonl directory (e.g. eval/matching/precision): trained on, tallied apart",
    )
    parser.add_argument(
        "--transfer",
        type=Path,
        metavar="DIR",
        help="train only on this directory's labels (watchlists in DIR/watchlists.toml, e.g. "
        "eval/matching/transfer) and test on the evaluation sets; --write then writes that model",
    )
    parser.add_argument("--write", action="store_true", help=f"write {WEIGHTS_PATH.relative_to(REPO)}")
    args = parser.parse_args(argv)
    p = Params(l2=args.l2, retain=args.retain, epochs=args.epochs)
    examples = build_examples(args.pool, not args.keep_keywords, args.extra)
    base = baseline(examples)
    if args.transfer is not None:
        return _transfer_main(args, p, examples, base)
    out = [
        f"pool={args.pool} mask_keywords={not args.keep_keywords} l2={p.l2} epochs={p.epochs} "
        f"retain={p.retain}; {sum(e.in_pool for e in examples)} training items, "
        f"{sum(e.matched for e in examples)} matched"
    ]
    split = folds_by_link(examples, FOLDS, SEED)
    cv, cv_t, cv_gated = evaluate(examples, split, p, by_watchlist=False)
    table(f"5-fold CV (thresholds {', '.join(f'{t:.2f}' for t in cv_t)})", cv, base, out)
    lowo, lowo_t, lowo_gated = evaluate(examples, None, p, by_watchlist=True)
    table(f"leave-one-watchlist-out (thresholds {', '.join(f'{t:.2f}' for t in lowo_t)})", lowo, base, out)
    ins, ins_t, model = in_sample(examples, p)
    table(f"in-sample, OPTIMISTIC (threshold {ins_t:.2f})", ins, base, out)
    print("\n".join(out))
    if args.show_gated:
        for name, gated in (("CV", cv_gated), ("LOWO", lowo_gated)):
            print(f"\n{name} gated:")
            for e, s in sorted(gated, key=lambda x: (x[0].watchlist, x[1])):
                print(f"  {e.watchlist:5} {'REL' if e.relevant else 'not'} {s:.3f} {e.title[:90]}")
    if args.write:
        _write(args, p, ins_t, model, trained_on="the evaluation labels (in-sample)")
    return 0


def _transfer_main(
    args: argparse.Namespace, p: Params, examples: list[Example], base: dict[str, Tally]
) -> int:
    train_set = [
        # A title-case headline keeps its names, so an Israel item can teach a weight for the word
        # "Gaza": the model measured on gaza must not carry one.
        replace(e, feats=tuple(f for f in e.feats if not any(w in f for w in EVALUATION_REGION_WORDS)))
        for e in build_examples(
            args.pool,
            not args.keep_keywords,
            labels_dir=args.transfer,
            config=args.transfer / "watchlists.toml",
        )
    ]
    pool = [e for e in train_set if e.in_pool]
    out = [
        f"pool={args.pool} mask_keywords={not args.keep_keywords} l2={p.l2} epochs={p.epochs} "
        f"retain={p.retain}; trained on {len(pool)} transfer items ({sum(e.relevant for e in pool)} "
        f"relevant) of {len({e.watchlist for e in pool})} watchlists; "
        f"tested on {len(examples)} evaluation labels"
    ]
    tallies, threshold, model, gated = transfer(train_set, examples, p)
    table(f"trained on other conflicts only (threshold {threshold:.2f})", tallies, base, out)
    out.append(
        "\nROC AUC of the score on the matched items: "
        + ", ".join(f"{name} {auc:.3f}" for name, auc in sorted(roc_auc(model, examples).items()))
    )
    union = [*examples, *train_set]
    lowo, lowo_t, _ = evaluate(union, None, p, by_watchlist=True)
    table(
        "leave-one-watchlist-out over all "
        f"{len({e.watchlist for e in union})} watchlists (thresholds {min(lowo_t):.2f}-{max(lowo_t):.2f})",
        lowo,
        baseline(union),
        out,
    )
    cv, cv_t, _ = evaluate(union, folds_by_link(union, FOLDS, SEED), p, by_watchlist=False)
    table(
        f"5-fold CV over all labels, other conflicts' included (thresholds {min(cv_t):.2f}-{max(cv_t):.2f})",
        cv,
        baseline(union),
        out,
    )
    print("\n".join(out))
    if args.show_gated:
        print("\ngated:")
        for e, s in sorted(gated, key=lambda x: (x[0].tally_key, x[1])):
            print(f"  {e.tally_key:16} {'REL' if e.relevant else 'not'} {s:.3f} {e.title[:90]}")
    if args.write:
        _write(args, p, threshold, model, trained_on=str(args.transfer))
    return 0


def _write(args: argparse.Namespace, p: Params, threshold: float, model: Model, trained_on: str) -> None:
    data = {
        "about": "bot.core.relevance weights, built by eval/matching/train_relevance.py",
        "trained_on": trained_on,
        "pool": args.pool,
        "l2": p.l2,
        "epochs": p.epochs,
        "retain": p.retain,
        "mask_keywords": not args.keep_keywords,
        "threshold": round(threshold, 4),
        "bias": round(model.bias, 4),
        "weights": {f: round(w, 4) for f, w in sorted(model.weights.items()) if abs(round(w, 4)) > 0},
    }
    WEIGHTS_PATH.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_PATH} ({len(data['weights'])} weights)", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
