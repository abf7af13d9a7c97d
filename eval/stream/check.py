"""Check a labelling of a window before it is used: the format, and one label per candidate.

    .venv/bin/python -m eval.stream.check gaza-hospital --labels /work/stream/labels/gaza-hospital/a \
        --candidates /work/stream/candidates/gaza-hospital.jsonl

Prints counts only (tiers, events), so it can be run on a sealed window without reading it.
``--install`` then copies the labelling into the repository (``windows/<name>/``, or
``windows/<name>/second/`` with ``--second`` for an independent second reading), adding each item's
publication time from the candidates file.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from eval.stream.windows import LabelError, Window, load_labels, window


def install(w: Window, labels: Path, candidates: Path, *, second: bool) -> Path:
    """Copy a checked labelling into the repository, with each item's publication time."""
    published = {}
    for line in candidates.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            published[row["link"]] = row["published"]
    target = w.folder / "second" if second else w.folder
    target.mkdir(parents=True, exist_ok=True)
    with (target / "labels.jsonl").open("w", encoding="utf-8") as out:
        for line in (labels / "labels.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            row = {"link": obj["link"], "published": published.get(obj["link"])}
            row.update({k: obj.get(k) for k in ("tier", "event", "figures", "note")})
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    shutil.copyfile(labels / "events.jsonl", target / "events.jsonl")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("window")
    parser.add_argument("--labels", type=Path, help="folder with labels.jsonl and events.jsonl")
    parser.add_argument("--candidates", type=Path, help="the candidates file the labellers read")
    parser.add_argument("--install", action="store_true", help="copy into the repository when OK")
    parser.add_argument("--second", action="store_true", help="install as the window's second reading")
    args = parser.parse_args(argv)
    w = window(args.window)
    try:
        labels = load_labels(w, args.labels)
    except (LabelError, OSError) as e:
        print(f"NOT OK: {e}")
        return 1
    problems = []
    if args.candidates is not None:
        links = [
            json.loads(line)["link"]
            for line in args.candidates.read_text(encoding="utf-8").splitlines()
            if line
        ]
        missing = [n for n, link in enumerate(links, 1) if link not in labels.items]
        extra = set(labels.items) - set(links)
        if missing:
            problems.append(f"{len(missing)} candidates have no label (n = {missing[:20]})")
        if extra:
            problems.append(f"{len(extra)} labels are for links that are not candidates")
    unused = set(labels.events) - {i.event for i in labels.items.values()}
    if unused:
        problems.append(f"{len(unused)} events in events.jsonl are used by no item")
    tiers = Counter(i.tier for i in labels.items.values())
    by_tier = ", ".join(f"{t} {tiers[t]}" for t in ("push", "digest", "no"))
    print(f"{w.name}: {len(labels.items)} items ({by_tier}), {len(labels.events)} events")
    for p in problems:
        print(f"NOT OK: {p}")
    if not problems:
        print("OK")
    if args.install and not problems:
        if args.labels is None or args.candidates is None:
            raise SystemExit("--install needs --labels and --candidates")
        print(f"installed in {install(w, args.labels, args.candidates, second=args.second)}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
