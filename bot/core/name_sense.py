"""Is a place name in a text the place, or something named after it? Context rules (pure core).

A watch on Donetsk must not fire on "Shakhtar Donetsk beat Barcelona", a watch on Darfur not on
"a Darfuri activist spoke at COP28", a watch on Mariupol not on a reporter surnamed Zhdanov (the
city's Soviet-era name). The phrases no rule can guess (club, party and movement names) are listed
in ``bot/data/name_senses.json`` and never hit; these rules catch the open-ended rest, from the words
right around the name:

* **a club**: "FC", "SC", "FK"... right before or after the name ("FC Dnipro", "Donetsk FC");
* **a person's origin**: the name or its demonym right before a word for a person it describes
  ("Darfuri activist", "Gaza-born poet", "Sudanese-American") or after "of ... origin/descent";
* **a comparison**: "another Gaza.", "a second Aleppo", "Gaza-style", "the next Mariupol" (the name
  ends the phrase: "another Gaza hospital" is in Gaza);
* **a person** (historic names only, which are surnames as often as places): the name right after a
  given name or a title ("reporter Zhdanov", "Mr Zhdanov"), or right before "said", "says", "told".

Each rule returns the reason, for ``/watch test`` and the tests; None means the hit stands.
"""

from __future__ import annotations

import re

_CLUB_WORDS = r"(?:FC|F\.C\.|SC|AFC|CF|FK|SK|Rovers|Wanderers|football club)"
_CLUB_AFTER = re.compile(rf"^[\s'’]*(?:s\s+)?{_CLUB_WORDS}\b")
_CLUB_BEFORE = re.compile(r"\b(?:FC|F\.C\.|SC|AFC|CF|FK|SK)\s*$")
_PERSON_NOUNS = (
    "activist|activists|artist|artists|writer|writers|poet|poets|novelist|author|singer|singers|musician|"
    "musicians|rapper|actor|actors|actress|filmmaker|film-maker|footballer|footballers|player|"
    "players|striker|midfielder|defender|goalkeeper|athlete|athletes|runner|boxer|chef|designer|"
    "comedian|painter|playwright|composer|dancer|diaspora|emigre|émigré|expat|expats|businessman|"
    "businesswoman|entrepreneur|influencer|blogger|scholar|academic"
)
_ORIGIN_AFTER = re.compile(
    rf"^(?:-born|-American|-British|-Canadian|-Australian|-French|-German|-Dutch|-Swedish|"
    rf"\s+(?:born\s+)?(?:{_PERSON_NOUNS})\b)",
    re.IGNORECASE,
)
_ORIGIN_BEFORE = re.compile(r"\bof\s+$", re.IGNORECASE)
_ORIGIN_TAIL = re.compile(r"^\s+(?:origin|descent|heritage|extraction|parentage)\b", re.IGNORECASE)
_COMPARISON_BEFORE = re.compile(
    r"\b(?:another|a\s+second|a\s+new|the\s+next|a\s+future|an?\s+other|turn(?:ed|ing|s)?\s+into\s+(?:a|an)?|"
    r"compared\s+(?:to|with)|comparisons?\s+(?:to|with)|reminiscent\s+of|akin\s+to)\s+$",
    re.IGNORECASE,
)
_COMPARISON_AFTER = re.compile(r"^-(?:style|like|type)\b", re.IGNORECASE)
# "another Gaza." is a comparison, "another Gaza hospital" is Gaza: the name must end the phrase.
_PHRASE_ENDS = re.compile(r"^(?:\s*(?:[.,;:!?\"”’')]|$)|\s+(?:in|on|for|at|of|with|is|was|would|will)\b)")
_TITLES = frozenset(
    "mr mrs ms miss dr prof professor reporter correspondent journalist editor columnist writer author "
    "minister general colonel captain lieutenant sergeant president senator governor mayor judge coach "
    "manager striker player defender actor singer director spokesman spokeswoman spokesperson ambassador "
    "commander officer mp deputy chairman chief sir lord lady father".split()
)
_FUNCTION_WORDS = frozenset(
    "in at on from near to the and of for by with into outside around across toward towards over under "
    "inside through via past beyond behind between west east north south northern southern eastern "
    "western central greater old new upper lower as after before since while when where why how what "
    "shelling strikes strike attack attacks battle fighting troops forces".split()
)
_SPEECH_AFTER = re.compile(r"^[\s,]*(?:said|says|told|wrote|added|explained|tweeted|posted)\b", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([A-Za-zÀ-ÿ.'’-]+)\s+$")


def club_sense(text: str, start: int, end: int) -> str | None:
    """The name is part of a club's name ("Donetsk FC", "FC Dnipro")."""
    if _CLUB_AFTER.match(text[end : end + 30]) or _CLUB_BEFORE.search(text[max(0, start - 8) : start]):
        return "a club's name"
    return None


def origin_sense(text: str, start: int, end: int) -> str | None:
    """The name says where a person comes from ("a Darfuri activist", "of Sudanese descent")."""
    if _ORIGIN_AFTER.match(text[end : end + 40]):
        return "a person's origin"
    if _ORIGIN_BEFORE.search(text[max(0, start - 4) : start]) and _ORIGIN_TAIL.match(text[end : end + 20]):
        return "a person's origin"
    return None


def comparison_sense(text: str, start: int, end: int) -> str | None:
    """The place is a comparison ("another Gaza", "Aleppo-style sieges")."""
    if _COMPARISON_AFTER.match(text[end : end + 8]):
        return "a comparison"
    if _COMPARISON_BEFORE.search(text[max(0, start - 30) : start]) and _PHRASE_ENDS.match(
        text[end : end + 12]
    ):
        return "a comparison"
    return None


def person_sense(text: str, start: int, end: int) -> str | None:
    """The name is a person's (for historic names that are also surnames): right after a title or a
    capitalised given name in running text, or right before "said"."""
    if _SPEECH_AFTER.match(text[end : end + 20]):
        return "a person's name (speaking)"
    before = _WORD_BEFORE.search(text[max(0, start - 30) : start])
    if before is None:
        return None
    word = before.group(1).strip(".'’")
    if word.lower() in _TITLES:
        return f"a person's name (after {word!r})"
    # A capitalised word right before it that is no function word ("In", "Near"): a given name,
    # unless it opens a sentence inside the text.
    head = text[: start - len(before.group(0))].rstrip()
    if (
        word[:1].isupper()
        and word[1:].islower()
        and len(word) > 1
        and word.lower() not in _FUNCTION_WORDS
        and (not head or head[-1] not in ".!?\n:")
    ):
        return f"a person's name (after {word!r})"
    return None


def not_the_place(text: str, start: int, end: int, *, historic: bool = False) -> str | None:
    """Why the name at ``text[start:end]`` is not the place, or None."""
    return (
        club_sense(text, start, end)
        or origin_sense(text, start, end)
        or comparison_sense(text, start, end)
        or (person_sense(text, start, end) if historic else None)
    )


__all__ = ["club_sense", "comparison_sense", "not_the_place", "origin_sense", "person_sense"]
