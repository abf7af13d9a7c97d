"""Is a feed item an event report at all? Genre cues that veto a watchlist match (pure core).

A watch alerts on reports of events. Opinion columns, analysis programmes, interviews and speculative
"Can the ceasefire stop the fighting?" headlines name the region and use the watch's vocabulary, yet
report nothing a desk could act on. The cues here are about the *form* of the item, not the region,
so they hold for any watch: the section the link sits in, a genre label the headline carries, and a
headline that asks a yes/no question (it asks for an outcome rather than reporting one). One cue is
about the kind of event: a headline about a protest, rally or solidarity action reports no violence,
casualties, displacement or aid unless it also says someone was killed, wounded or shot.

Each cue returns the reason as a short sentence an admin can read ("opinion section (/opinions/)").
Live blogs, picture galleries and video clips are reports and are never vetoed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Path segments of sections that carry comment or analysis rather than reporting.
_SECTIONS = frozenset(
    "opinion opinions commentisfree comment op-ed oped editorial editorials letters podcast podcasts "
    "inside-story".split()
)
_LABELS = (
    "opinion|analysis|comment|editorial|explainer|podcast|letters?|inside story|q&a|interview|obituary|review"
)
# "Opinion: ...", "Analysis | ...", "Q&A: ..." at the start; "... | Letters" at the end.
_LEADING_LABEL = re.compile(rf"^\s*({_LABELS})\s*[:|–—]", re.IGNORECASE)
_TRAILING_LABEL = re.compile(rf"[|–—]\s*({_LABELS})\s*$", re.IGNORECASE)
# A kicker before the question ("Sudan unrest: What are ...?") is not part of it.
_KICKER = re.compile(r"^[^:?]{1,40}:\s+")
_AUXILIARIES = frozenset(
    "can could will would should shall may might must is are was were has have had does do did".split()
)
_MODALS = frozenset("can could will would should".split())
_PROTEST = re.compile(
    r"\b(protest(s|ers?|ors?|ed|ing)?|rall(y|ies|ied)|demonstrat(ion|ions|ors?|ed)|solidarity|activists?)\b",
    re.IGNORECASE,
)
_HARM = re.compile(r"\b(kill\w*|dead|deaths?|died|wound\w*|injur\w*|shot|shoot\w*|clash\w*)\b", re.IGNORECASE)


def section_veto(link: str | None) -> str | None:
    """The reason the link's section is not reporting, or None."""
    if not link:
        return None
    try:
        path = urlsplit(link).path.lower()
    except ValueError:
        return None
    for segment in path.split("/"):
        if segment in _SECTIONS:
            return f"comment/analysis section (/{segment}/)"
    return None


def headline_veto(title: str) -> str | None:
    """The reason the headline marks comment, analysis or speculation, or None."""
    label = _LEADING_LABEL.match(title) or _TRAILING_LABEL.search(title)
    if label:
        return f"headline labelled {label.group(1)!r}"
    protest = _PROTEST.search(title)
    if protest and not _HARM.search(title):
        return f"headline is about a protest or solidarity action ({protest.group(1)!r}), no one harmed"
    question = _KICKER.sub("", title.strip(), count=1)
    if not question.endswith("?"):
        return None
    first, *rest = question.split(maxsplit=3)
    head = first.lower().strip("'\"‘’“”")
    # "Can the ceasefire stop the fighting?" / "Has Darfur become ...?": a yes/no question asks
    # whether something will happen or is so; "How will aid reach ...?" speculates. "Which countries
    # have evacuated ...?" and "What is UNRWA ...?" ask about facts and stay reports.
    if head in _AUXILIARIES:
        return "headline is a yes/no question (analysis, not a report)"
    if any(w.lower() in _MODALS for w in rest[:2]):
        return "headline asks what could happen (analysis, not a report)"
    return None


def genre_veto(title: str, link: str | None = None) -> str | None:
    """Why the item is not an event report, or None when nothing says so."""
    return section_veto(link) or headline_veto(title)
