"""Agreement between two independent readings of the same items (#18: at least 300 read twice).

The second readings (``labels/double-*.jsonl``) are scored against the first (``labels/batch-*``)
exactly as the extractor is scored against the labels: per category and killed+wounded micro F1
(F1 is symmetric in which reading is taken as the reference). Also prints how often the two
readings agree on every field of the four categories.

    python -m eval.casualties.agreement
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from bot.core.scoring import CATEGORIES, Scored, score
from eval.casualties.labelled import LABELS, read_labels


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> float:
    first = read_labels(LABELS.glob("batch-*.jsonl"))
    second = read_labels(LABELS.glob("double-*.jsonl"))
    both = sorted(second.keys() & first.keys())
    scored = [
        Scored(
            link,
            "",
            {c: second[link]["labels"].get(c) for c in CATEGORIES},
            {c: first[link]["labels"].get(c) for c in CATEGORIES},
        )
        for link in both
    ]
    report = score(scored)
    same = sum(all(s.predicted[c] == s.expected[c] for c in CATEGORIES) for s in scored)
    out.write(f"{len(both)} items read twice, independently\n")
    for cat, s in [*report.categories.items(), ("micro killed+wounded", report.micro)]:
        out.write(f"{cat:<22} F1 {s.f1:.3f}  (first reading non-null {s.labels}, second {s.predictions})\n")
    out.write(f"all four categories identical: {same}/{len(both)}\n")
    return report.micro.f1


if __name__ == "__main__":
    main()
