"""How far two independent readings of a crisis window agree: tiers, events and figures.

    .venv/bin/python -m eval.stream.agreement gaza-hospital      # windows/<name>/ against .../second/

* **tier** — raw agreement and Cohen's kappa over the three tiers;
* **events** — over the items both readings put in an event, pairwise precision and recall of the
  second reading's "same event" pairs against the first's (and their F1): do they group alike?
* **figures** — per category, how often the two give the same value, and micro F1 over killed +
  wounded of the second reading scored against the first (the casualty set's headline measure);
* **the second reading as a stream** — as if it were the bot: each of its push events posted once, at
  its first push report, led by it, its other push items attached, its event toll shown; scored with
  the stream score against the first reading. The level two careful readers reach.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from eval.stream.scoring import StreamScore, score_stream
from eval.stream.windows import CATEGORIES, ItemLabel, LabelError, WindowLabels, load_labels, window


@dataclass(frozen=True, slots=True)
class WindowAgreement:
    window: str
    items: int
    tier_observed: float
    tier_kappa: float
    event_pairs_precision: float
    event_pairs_recall: float
    figures_same: Mapping[str, float]
    killed_wounded_f1: float

    @property
    def event_pairs_f1(self) -> float:
        p, r = self.event_pairs_precision, self.event_pairs_recall
        return 2 * p * r / (p + r) if p + r else 0.0


def kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa for two equal-length sequences of labels."""
    n = len(first)
    if n == 0:
        return 1.0
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    fa, fb = Counter(first), Counter(second)
    expected = sum(fa[k] * fb[k] for k in set(fa) | set(fb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def _pairs(labels: Mapping[str, ItemLabel], links: Sequence[str]) -> set[tuple[str, str]]:
    return {
        (a, b)
        for a, b in itertools.combinations(sorted(links), 2)
        if labels[a].event is not None and labels[a].event == labels[b].event
    }


def compare(first: Mapping[str, ItemLabel], second: Mapping[str, ItemLabel], name: str) -> WindowAgreement:
    shared = sorted(set(first) & set(second))
    tiers_a = [first[k].tier for k in shared]
    tiers_b = [second[k].tier for k in shared]
    in_events = [k for k in shared if first[k].event and second[k].event]
    pa, pb = _pairs(first, in_events), _pairs(second, in_events)
    same = {
        c: sum(first[k].figures.get(c) == second[k].figures.get(c) for k in shared) / len(shared)
        if shared
        else 1.0
        for c in CATEGORIES
    }
    right = predicted = labelled = 0
    for k in shared:
        for c in ("killed", "wounded"):
            a, b = first[k].figures.get(c), second[k].figures.get(c)
            predicted += b is not None
            labelled += a is not None
            right += b is not None and a == b
    f1 = 2 * right / (predicted + labelled) if predicted + labelled else 1.0
    return WindowAgreement(
        window=name,
        items=len(shared),
        tier_observed=sum(a == b for a, b in zip(tiers_a, tiers_b, strict=True)) / len(shared)
        if shared
        else 1.0,
        tier_kappa=kappa(tiers_a, tiers_b),
        event_pairs_precision=len(pa & pb) / len(pb) if pb else 1.0,
        event_pairs_recall=len(pa & pb) / len(pa) if pa else 1.0,
        figures_same=same,
        killed_wounded_f1=f1,
    )


def reading_as_stream(reading: WindowLabels) -> list[dict[str, Any]]:
    """The replay log a bot that decided exactly as ``reading`` would have written."""
    w = reading.window
    by_event: dict[str, list[ItemLabel]] = {}
    dated = [x for x in reading.items.values() if x.published is not None]
    for label in sorted(dated, key=lambda x: (x.published, x.link)):
        if label.tier == "push" and label.event:
            by_event.setdefault(label.event, []).append(label)
    rows = []
    for event, items in by_event.items():
        toll = reading.events[event].toll
        figures = dict(toll) if any(v is not None for v in toll.values()) else None
        for n, label in enumerate(items):
            assert label.published is not None
            rows.append(
                {"kind": "post" if n == 0 else "edit", "channel": "C", "watchlist": w.watchlist,
                 "incident": event, "at": label.published.isoformat(), "text": "", "figures": figures,
                 "links": [label.link]}
            )  # fmt: skip
    return sorted(rows, key=lambda r: str(r["at"]))


def second_as_stream(first: WindowLabels, second: WindowLabels) -> StreamScore:
    published = {k: v.published for k, v in first.items.items() if v.published is not None}
    return score_stream(reading_as_stream(second), first, published)


def tier_confusion(
    first: Mapping[str, ItemLabel], second: Mapping[str, ItemLabel]
) -> dict[tuple[str, str], int]:
    shared = set(first) & set(second)
    return dict(Counter((first[k].tier, second[k].tier) for k in shared))


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("windows", nargs="+")
    args = parser.parse_args(argv)
    out.write(
        "| window | items | tier agreement | tier kappa | same-event pairs P / R / F1 "
        "| figures same (k/w/d/m) | killed+wounded F1 |\n"
    )
    out.write("|---|---:|---:|---:|---:|---:|---:|\n")
    for name in args.windows:
        w = window(name)
        try:
            first_labels = load_labels(w)
            second_labels = load_labels(w, w.folder / "second")
        except (LabelError, OSError) as e:
            raise SystemExit(f"{name}: {e}") from e
        first, second = first_labels.items, second_labels.items
        a = compare(first, second, name)
        figs = "/".join(f"{a.figures_same[c]:.2f}" for c in CATEGORIES)
        out.write(
            f"| {name} | {a.items} | {a.tier_observed:.3f} | {a.tier_kappa:.3f} | "
            f"{a.event_pairs_precision:.2f} / {a.event_pairs_recall:.2f} / {a.event_pairs_f1:.2f} | {figs} | "
            f"{a.killed_wounded_f1:.3f} |\n"
        )
        confusion = tier_confusion(first, second)
        cells = ", ".join(f"{x}→{y} {n}" for (x, y), n in sorted(confusion.items()) if x != y)
        out.write(f"\n  {name} tier disagreements (first→second): {cells or 'none'}\n")
        st = second_as_stream(first_labels, second_labels)
        out.write(
            f"  {name}, the second reading as a stream: push precision {st.push_precision}, on-time recall "
            f"{st.on_time_recall}, duplicates {st.duplicate_rate}, wrong merges {st.wrong_merge_rate}, "
            f"figures right {st.figures_right}\n\n"
        )

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
