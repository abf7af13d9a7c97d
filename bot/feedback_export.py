"""Desk feedback as matching labels (``python run.py feedback``).

Each incident marked "not relevant" in Slack becomes one line in the format of the matching evaluation
set (``eval/matching/README.md``): ``{"link", "watchlist", "relevant": false, "note"}``, plus the title
and who marked it so an admin can review the file before it joins a label set. Such lines can be
scored with ``python -m bot.match_evaluation --labels DIR`` and used as extra training negatives by
``eval/matching/train_relevance.py --extra DIR``. Pure: marks in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.adapters.feedback import MarkedIncident


@dataclass(frozen=True, slots=True)
class LabelFile:
    text: str
    labels: int
    without_link: int
    """Marked incidents whose lead report had no link: a label is keyed by link, so they are left out."""


def feedback_labels(marked: Sequence[MarkedIncident]) -> LabelFile:
    lines = []
    for m in marked:
        if not m.link:
            continue
        who = ", ".join(m.users)
        note = f"marked not relevant in Slack by {who} on {m.first_marked.date().isoformat()}"
        record = {
            "link": m.link,
            "watchlist": m.watchlist,
            "relevant": False,
            "note": note,
            "title": m.title,
            "incident": m.incident_key,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return LabelFile("".join(lines), len(lines), sum(1 for m in marked if not m.link))
