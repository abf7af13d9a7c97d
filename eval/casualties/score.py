"""Score a casualty extractor on the #18 labelled set, per split, with the error classes counted.

    python -m eval.casualties.score                 # the dev split
    python -m eval.casualties.score --split test    # the sealed split: to REPORT, never to tune on

Every run prints the dev-to-test gap when both are scored (``--split both``). The error classes are
those of #18, read from the labellers' ``traits`` of each item the extractor got wrong (an item can
show several).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.core.casualties import extract_casualties
from bot.core.figures import Category
from bot.core.scoring import CATEGORIES, Report, Scored, score
from eval.casualties.labelled import DEFAULT_CORPUS, LabelledItem, load

Extractor = Callable[[str, str], dict[str, int | None]]


def rules(title: str, description: str) -> dict[str, int | None]:
    got = extract_casualties(title, description)
    return {c: got.value(Category(c)) for c in CATEGORIES}


def evaluate(items: Sequence[LabelledItem], extract: Extractor) -> tuple[Report, Counter[str]]:
    scored, classes = [], Counter[str]()
    for item in items:
        predicted = extract(item.title, item.description)
        expected = {c: item.labels.get(c) for c in CATEGORIES}
        scored.append(Scored(item.link, item.title, predicted, expected))
        if any(predicted[c] != expected[c] for c in ("killed", "wounded")):
            classes.update(item.traits or ("no_trait",))
    return score(scored), classes


def print_split(name: str, report: Report, classes: Counter[str], out: TextIO) -> None:
    out.write(f"\n{name}: {report.items} items\n")
    out.write(f"{'category':<22}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}\n")
    for cat, s in [*report.categories.items(), ("micro killed+wounded", report.micro)]:
        out.write(f"{cat:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>8.3f}{s.labels:>9}\n")
    if classes:
        out.write("items with a wrong killed/wounded figure, by trait: ")
        out.write(", ".join(f"{k} {v}" for k, v in classes.most_common()) + "\n")


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="dev")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for split in ("dev", "test") if args.split == "both" else (args.split,):
        if split == "test":
            out.write("\n(sealed split: reported, never tuned on)\n")
        report, classes = evaluate(load(split, args.corpus), rules)
        print_split(split, report, classes, out)
        results[split] = {**report.as_dict(), "error_classes": dict(classes)}
        results[split].pop("misses")
    if len(results) == 2:
        gap = results["dev"]["micro_killed_wounded"]["f1"] - results["test"]["micro_killed_wounded"]["f1"]
        out.write(f"\ndev-to-test gap, killed+wounded micro F1: {gap:+.3f}\n")
        results["gap"] = round(gap, 4)
    if args.json:
        out.write(json.dumps(results) + "\n")
    return results


if __name__ == "__main__":
    main()
