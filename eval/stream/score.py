"""Score replayed alert streams against the labelled crisis windows.

    .venv/bin/python -m eval.stream.replay                     # replay the development windows first
    .venv/bin/python -m eval.stream.score                      # their scores, one row per window
    .venv/bin/python -m eval.stream.score gaza-hospital --details   # what went wrong, post by post
    .venv/bin/python -m eval.stream.score --sealed             # every window, sealed ones included

The targets (issues #15 and #16) are printed beside the figures. ``--details`` is refused for sealed
windows: they are only ever reported, never read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from eval.stream.replay import DEFAULT_OUT, chosen_windows
from eval.stream.scoring import StreamScore, score_stream
from eval.stream.windows import LabelError, Window, load_labels

TARGETS = {
    "push_precision": (">=", 0.90),
    "on_time_recall": (">=", 0.90),
    "duplicate_rate": ("<=", 0.05),
    "wrong_merge_rate": ("<=", 0.03),
    "figures_right": (">=", 0.90),
}


def read_replay(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: not a JSON line ({e.msg}); was stdout mixed with logs?") from e
    return rows


def score_window(w: Window, replays: Path, *, details: bool = False) -> StreamScore:
    labels = load_labels(w)
    published: dict[str, datetime] = {
        link: label.published for link, label in labels.items.items() if label.published is not None
    }
    path = replays / f"{w.name}.jsonl"
    if not path.exists():
        raise SystemExit(f"no replay of {w.name} at {path}: run python -m eval.stream.replay {w.name}")
    return score_stream(read_replay(path), labels, published, details=details)


def _meets(name: str, s: StreamScore) -> str:
    op, target = TARGETS[name]
    value = getattr(s, name).value
    if value is None:
        return ""
    ok = value >= target if op == ">=" else value <= target
    return "" if ok else " ✗"


def print_table(scores: Sequence[tuple[Window, StreamScore]], out: TextIO) -> None:
    head = (
        "| window | sealed | posts/day | push precision | on-time recall | duplicates | wrong merges "
        "| figures right | digest coverage |"
    )
    out.write(head + "\n")
    out.write("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for w, s in scores:
        out.write(
            f"| {w.name} | {'yes' if w.sealed else ''} | {s.posts_per_day:.1f} "
            f"| {s.push_precision}{_meets('push_precision', s)} "
            f"| {s.on_time_recall}{_meets('on_time_recall', s)} "
            f"| {s.duplicate_rate}{_meets('duplicate_rate', s)} "
            f"| {s.wrong_merge_rate}{_meets('wrong_merge_rate', s)} "
            f"| {s.figures_right}{_meets('figures_right', s)} "
            f"| {s.digest_coverage} |\n"
        )
    targets = ", ".join(f"{k.replace('_', ' ')} {op} {v}" for k, (op, v) in TARGETS.items())
    out.write(f"\nTargets: {targets}. ✗ marks a figure that misses its target.\n")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    import sys

    out = out or sys.stdout
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("windows", nargs="*")
    parser.add_argument("--sealed", action="store_true", help="include the sealed windows (to report)")
    parser.add_argument("--replays", type=Path, default=DEFAULT_OUT, help="folder of <window>.jsonl replays")
    parser.add_argument("--json", action="store_true", help="one JSON object per window")
    parser.add_argument("--details", action="store_true", help="list every miss (development windows only)")
    args = parser.parse_args(argv)
    windows = chosen_windows(args.windows, sealed=args.sealed)
    if args.details and any(w.sealed for w in windows):
        raise SystemExit("--details reads the labels item by item: not for sealed windows")
    try:
        scores = [(w, score_window(w, args.replays, details=args.details)) for w in windows]
    except LabelError as e:
        raise SystemExit(f"bad labels: {e}") from e
    if args.json:
        for _, s in scores:
            out.write(json.dumps(s.as_dict()) + "\n")
    else:
        print_table(scores, out)
    if args.details:
        for w, s in scores:
            out.write(f"\n## {w.name}\n")
            for what, lines in s.details.items():
                out.write(f"\n{what} ({len(lines)}):\n")
                for line in lines:
                    out.write(f"  {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
