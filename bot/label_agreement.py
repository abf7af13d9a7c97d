"""How far two labellings of the same items agree: is the matching target within what labellers reproduce?

A precision target of 0.95 only means something if two people applying the same guideline to the
same items agree about as often. This compares two label directories (``labels-*.jsonl`` in the
matching evaluation's format, keyed by link and watchlist) over the items both label, per watchlist:
raw agreement, Cohen's kappa, the share each side calls relevant, and every item they disagree on.

    python -m bot.label_agreement eval/matching eval/matching/agreement/dev
    python -m bot.label_agreement eval/matching/precision eval/matching/agreement/sample --json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.errors import ConfigError
from bot.match_evaluation import Label, load_labels


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One item the two labellings judge differently (the same link and watchlist on both sides)."""

    first: Label
    second: Label

    @property
    def link(self) -> str:
        return self.first.link


@dataclass(frozen=True, slots=True)
class Agreement:
    """Confusion counts of two labellings of one watchlist's shared items (first × second)."""

    watchlist: str
    both: int
    first_only: int
    second_only: int
    neither: int
    disagreements: tuple[Disagreement, ...] = ()

    @property
    def items(self) -> int:
        return self.both + self.first_only + self.second_only + self.neither

    @property
    def observed(self) -> float:
        return (self.both + self.neither) / self.items if self.items else 1.0

    @property
    def kappa(self) -> float:
        """Cohen's kappa: agreement beyond what the two sides' base rates give by chance."""
        n = self.items
        if not n:
            return 1.0
        first_yes = (self.both + self.first_only) / n
        second_yes = (self.both + self.second_only) / n
        chance = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
        return 1.0 if chance == 1 else (self.observed - chance) / (1 - chance)

    @property
    def first_relevant(self) -> float:
        return (self.both + self.first_only) / self.items if self.items else 0.0

    @property
    def second_relevant(self) -> float:
        return (self.both + self.second_only) / self.items if self.items else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "both_relevant": self.both,
            "first_only": self.first_only,
            "second_only": self.second_only,
            "neither": self.neither,
            "agreement": round(self.observed, 4),
            "kappa": round(self.kappa, 4),
            "first_relevant_share": round(self.first_relevant, 4),
            "second_relevant_share": round(self.second_relevant, 4),
        }


def compare(first: Sequence[Label], second: Sequence[Label]) -> dict[str, Agreement]:
    """Per watchlist, the agreement over the (link, watchlist) pairs both labellings hold."""
    theirs = {(label.link, label.watchlist): label for label in second}
    counts: dict[str, list[int]] = {}
    disagreements: dict[str, list[Disagreement]] = {}
    for mine in first:
        other = theirs.get((mine.link, mine.watchlist))
        if other is None:
            continue
        cell = counts.setdefault(mine.watchlist, [0, 0, 0, 0])
        cell[(not mine.relevant) * 2 + (not other.relevant)] += 1
        if mine.relevant != other.relevant:
            disagreements.setdefault(mine.watchlist, []).append(Disagreement(mine, other))
    return {
        name: Agreement(
            name,
            both=both,
            first_only=first_only,
            second_only=second_only,
            neither=neither,
            disagreements=tuple(disagreements.get(name, ())),
        )
        for name, (both, first_only, second_only, neither) in sorted(counts.items())
    }


def _report(results: Mapping[str, Agreement], out: TextIO) -> None:
    out.write("watchlist  items  agree  kappa  relevant (first / second)  first-only  second-only\n")
    for a in results.values():
        out.write(
            f"{a.watchlist:<9} {a.items:>6} {a.observed:>6.3f} {a.kappa:>6.3f}"
            f"  {a.first_relevant:>8.3f} / {a.second_relevant:.3f}  {a.first_only:>13} {a.second_only:>12}\n"
        )
    for a in results.values():
        for d in a.disagreements:
            out.write(
                f"\n[{a.watchlist}] {d.link}\n"
                f"  first:  {'relevant' if d.first.relevant else 'not relevant'} — {d.first.note}\n"
                f"  second: {'relevant' if d.second.relevant else 'not relevant'} — {d.second.note}\n"
            )


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="directory of labels-*.jsonl (e.g. eval/matching)")
    parser.add_argument("second", type=Path, help="directory of a second labelling of some of the same items")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    try:
        results = compare(load_labels(args.first), load_labels(args.second))
    except (ConfigError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not results:
        print("error: the two labellings share no (link, watchlist) pair", file=sys.stderr)
        return 2
    if args.json:
        json.dump({name: a.as_dict() for name, a in results.items()}, out, indent=2)
        out.write("\n")
    else:
        _report(results, out)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:
        # The reader (``| head``) stopped early: nothing is lost, so no traceback.
        sys.stderr.close()
        raise SystemExit(0) from None
