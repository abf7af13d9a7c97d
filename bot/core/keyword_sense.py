"""Keyword hits whose word is used in a sense that names no event (pure core).

Keywords are matched by their stems, so the watch word "civilians" also meets "civilian" — as it
should in "a civilian was killed", but not in "civilian rule" or "a civilian-led transition", which
are politics. Across the whole shared corpus that sense alone made six alerts for the three
evaluation watchlists, all of them political news (``eval/matching/RESULTS.md``).
"""

from __future__ import annotations

import re

_GOVERNMENT = re.compile(
    r"^[\s-]*(?:rule|government|govt|transition|administration|authorit(?:y|ies)|cabinet|leaders?|"
    r"leadership|led|politicians?|parties|premier|prime minister|component|bloc|coalition|handover)\b",
    re.IGNORECASE,
)


def political_sense(text: str, start: int, end: int) -> bool:
    """Whether the keyword hit ``text[start:end]`` is "civilian" as in "civilian rule"."""
    if not text[start:end].lower().startswith("civilian"):
        return False
    return bool(_GOVERNMENT.match(text[end : end + 30]))
