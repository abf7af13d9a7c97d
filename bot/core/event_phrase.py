"""What happened, in a few words, for the alert headline: "in regime airstrikes".

Wire headlines usually lead with the cause — "Regime airstrikes kill 9 civilians in Syria's
Idlib", "Shelling near Maarat al-Numan wounds six civilians" — so the words before the casualty
verb name the event. We take them only when they are short and name an attack or disaster; any
doubt returns None and the headline simply shows place and figures.
"""

from __future__ import annotations

import re

_VERB = re.compile(
    r"^(?P<cause>[^,:;|?!\"“”]{3,70}?)\s+"
    r"(?:kills?|killed|killing|wounds?|wounded|injures?|injured|hits?|leaves?|left|claims?)\b",
    re.IGNORECASE,
)
_EVENT_NOUN = re.compile(
    r"\b(?:air ?strikes?|air raids?|strikes?|raids?|shelling|bombardment|bombings?|bombs?|blasts?|"
    r"explosions?|attacks?|drones?|missiles?|rockets?|artillery|clashes|fighting|gunfire|ambush|"
    r"earthquake|quake|floods?|landslide|storms?|fire|collapse|crash)\b",
    re.IGNORECASE,
)
# A clause boundary or a reporting verb inside the candidate means the words are not one noun phrase
# ("Biden says strike kills…", "Truce collapses as airstrike kills…").
_NOT_A_PHRASE = re.compile(
    r"\b(?:says?|said|claims?|warns?|tells?|told|vows?|denies|blames?|accuses?|as|after|while|when|"
    r"that|who|which|amid|despite|because|if)\b",
    re.IGNORECASE,
)
_MAX_WORDS = 7
# A headline's first word is capitalised by style; these common words are lowered again so the
# phrase reads naturally after "in". Proper nouns ("Israeli", "Russian") stay as they are.
_COMMON_FIRST = frozenset(
    """government regime air airstrike airstrikes strike strikes raid raids shelling bombardment
    bombing bombings bomb car suicide roadside drone drones missile missiles rocket rockets
    artillery explosion explosions blast blasts attack attacks gunmen militants fighting clashes
    earthquake quake floods flood landslide storm fire crash heavy overnight""".split()
)
_LEADING_LABEL = re.compile(r"^[^:]{2,30}:\s+")  # "Sudan: RSF raid on village…"


def event_phrase(title: str) -> str | None:
    """'regime airstrikes' for 'Regime airstrikes kill 9 civilians in Syria's Idlib', else None."""
    text = _LEADING_LABEL.sub("", title.strip())
    m = _VERB.match(text)
    if m is None:
        return None
    cause = m.group("cause").strip()
    words = cause.split()
    if not (1 <= len(words) <= _MAX_WORDS) or not _EVENT_NOUN.search(cause) or _NOT_A_PHRASE.search(cause):
        return None
    if any(ch.isdigit() for ch in cause):  # "9 killed in …" put the figure first: no cause here
        return None
    if words[0].lower() in _COMMON_FIRST:
        words[0] = words[0].lower()
    return " ".join(words)
