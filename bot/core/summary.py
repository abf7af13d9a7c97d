"""The one- or two-sentence summary an alert shows under its title.

Feed descriptions often open with a dateline ("BEIRUT -", "KHARTOUM (Reuters) -") and a sentence
that only restates the headline; a desk reading the alert wants what the title does not say. So we
drop the dateline, skip leading sentences that fuzzily repeat the title, and keep the next one or
two sentences, cut on a sentence or word boundary.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, utils

REPEAT_THRESHOLD = 85.0
MIN_NEW_WORDS = 4
_WORD = re.compile(r"[^\W_]+")
_NUMBER_WORDS = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve".split(),
        "1 2 3 4 5 6 7 8 9 10 11 12".split(),
        strict=True,
    )
)
_FUNCTION_WORDS = frozenset(
    """a an the and or but of in on at to for from by with as is are was were be been has have had
    it its this that after before over into than said says kill kills killed killing""".split()
)
ELLIPSIS = "…"

_DATELINE = re.compile(
    r"""^\s*(?:
        [A-Z][A-Z'.\-]+(?:\s+[A-Z][A-Z'.\-]+){0,3}         # BEIRUT, GAZA CITY, PORT-AU-PRINCE
        (?:,\s*[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,3})?    # , Gaza Strip
        (?:\s*\([A-Za-z .\-]{1,30}\))?                       # (Reuters)
      |
        [A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,3}             # Mixed-case place names only count
        (?:,\s*[A-Z][\w'.\-]*(?:\s+[A-Z][\w'.\-]*){0,3})?    # when an agency tag follows,
        \s*\([A-Za-z .\-]{1,30}\)                            # e.g. "Beirut (AFP) -"
    )\s*[-–—]+\s+""",
    re.VERBOSE,
)
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "maj", "cpl", "pvt", "adm",
    "cmdr", "rep", "sen", "gov", "pres", "st", "jr", "sr", "rev", "fr", "hon", "vs", "approx", "est",
    "dept", "govt", "inc", "ltd", "co", "corp", "mt", "ft", "al",
})  # fmt: skip
# Abbreviations only before a number ("Jan. 12", "No. 10"); otherwise "said no." ends a sentence.
_NUMBERED = frozenset({
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos",
    "fig", "art",
})  # fmt: skip
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.)+[A-Za-z]?\.?$")


def strip_dateline(text: str) -> str:
    return _DATELINE.sub("", text, count=1)


def _is_abbreviation(before: str, following: str) -> bool:
    """Does the text before a period end in an abbreviation rather than a sentence?"""
    word = re.split(r"[\s(\"'“‘]", before)[-1]
    if not word:
        return False
    if _INITIALISM.search(word):  # U.S., U.N., J. (an initial)
        return True
    bare = word.rstrip(".").lower()
    return bare in _ABBREVIATIONS or (bare in _NUMBERED and following.isdigit())


def split_sentences(text: str) -> list[str]:
    """Sentences of plain prose; "U.S.", "Jan. 12", "Dr." and "3.6" do not end one."""
    text = " ".join(text.split())
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        following = text[m.end() : m.end() + 1]
        if not following or not (following.isupper() or following.isdigit() or following in "\"'“‘("):
            continue
        punct = text[m.start() : m.end()].rstrip()
        if punct.startswith(".") and _is_abbreviation(text[start : m.start() + 1], following):
            continue
        sentences.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def repeats_title(title: str, sentence: str, *, threshold: float = REPEAT_THRESHOLD) -> bool:
    """True when ``sentence`` tells a reader nothing the title did not.

    Word overlap alone is not enough: a lede usually contains every word of the title *and* the
    place, the wounded and the source, and that is exactly the sentence a desk wants. So a sentence
    repeats the title only when it is close to it as a whole, or adds fewer than
    ``MIN_NEW_WORDS`` content words, most of its words being the title's (numbers written as
    words count as the same number).
    """
    if not title.strip():
        return False
    if fuzz.ratio(title, sentence, processor=utils.default_process) >= threshold:
        return True
    words = _content_words(sentence)
    new = words - _content_words(title)
    return len(new) < MIN_NEW_WORDS and len(new) * 2 <= len(words)


def _content_words(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.casefold()):
        word = _NUMBER_WORDS.get(word, word)
        if word in _FUNCTION_WORDS:
            continue
        out.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return out


def _cut(text: str, max_chars: int) -> str:
    """Cut on a word boundary and end with "…" so the result fits ``max_chars``."""
    if len(text) <= max_chars:
        return text
    if max_chars <= len(ELLIPSIS):
        return ELLIPSIS[:max_chars]
    room = text[: max_chars - len(ELLIPSIS) + 1]
    space = room.rfind(" ")
    cut = room[:space] if space > 0 else room[:-1]
    return cut.rstrip(" ,;:—–-") + ELLIPSIS


def summarise(title: str, summary: str, *, max_chars: int = 280) -> str:
    """One or two sentences of ``summary`` that add to ``title``, at most ``max_chars`` long."""
    if max_chars <= 0:
        return ""
    sentences = split_sentences(strip_dateline(" ".join(summary.split())))
    while sentences and repeats_title(title, sentences[0]):
        sentences.pop(0)
    if not sentences:
        return ""
    first = strip_dateline(sentences[0])
    if len(sentences) > 1:
        both = f"{first} {sentences[1]}"
        if len(both) <= max_chars:
            return both
    return _cut(first, max_chars)
