"""An event's signature: what happened, where, and the names that set it apart.

Two reports are of one event when they tell the same occurrence — not when they share the words
every report of a war shares ("Gaza", "Israeli", "killed"). A report's signature keeps what tells
occurrences apart:

* **kind** — the headline's event (``bot.core.headline``): a strike, fighting, a quake, an aid convoy…
* **place** — the most specific place the headline's main clause names inside the watched region
  ("Khan Younis", "south Gaza"), else one its title or first sentence names, else the region itself;
* **facilities** — the site hit or concerned: the hospital, the school, the dam, the convoy;
* **names** — proper names of the story that are not places of the region (al-Ahli, Kakhovka, Nofal):
  words the headline capitalises mid-sentence, or the description does;
* **tokens** — the headline's content words, for comparing wording.

Pure: the match (with its gazetteer hits) and the headline reading come in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.core.headline import HeadlineReading
from bot.core.headline.cues import EVENT_CUES
from bot.core.headline.reading import main_clause
from bot.core.incidents.places import PlaceHints
from bot.core.matching import Hit, Match
from bot.core.normalize import normalize

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER_WORDS = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve twenty".split(),
        "1 2 3 4 5 6 7 8 9 10 11 12 20".split(),
        strict=True,
    )
)
_STOP = frozenset(
    """a an the and or but of in on at to for from by with as is are was were be been has have had
    it its this that these those after before over under into than then there their they he she his
    her we our you your not no said says say will would could may might also more most some any
    who which what when where while about against amid during since new latest live update updates news
    report reports reported according people least other others two one day week wednesday
    thursday friday saturday sunday monday tuesday watch video photos""".split()
    # Words every report of every strike shares say nothing about *which* strike it is.
    + """kill kills killed killing dead death deaths die died dying wound wounds wounded wounding
    injure injures injured injuring injuries strike strikes struck airstrike airstrikes air raid raids
    attack attacks attacked hit hits bomb bombs bombing bombed shell shells shelling shelled civilian
    civilians province city town village near area areas region north south east west northern
    southern eastern western local official officials monitor medics rescuers war""".split()
)
_FACILITY_WORDS = (
    r"(?:hospitals?|clinics?|schools?|markets?|marketplaces?|mosques?|churches|church|refugee camps?|camps?|"
    r"bakery|bakeries|dams?|bridges?|power (?:plants?|stations?)|nuclear plant|airports?|air ?base|"
    r"palace|embassy|embassies|bases?|convoys?|crossings?|checkpoints?|ports?|train station|station|"
    r"universit(?:y|ies)|apartment (?:block|building)s?|residential (?:block|building)s?|tower|caf[eé]s?|"
    r"restaurants?|pizzeria|hotels?|prisons?|factor(?:y|ies)|refiner(?:y|ies)|warehouses?|studio|"
    r"headquarters|parliament|stadium|zoo|village|farm|"
    # Who was hit, when the headline singles them out: a commander killed is not the war's toll.
    r"commanders?|ambassadors?|envoys?|journalists?|reporters?|aid workers?|peacekeepers?|diplomats?)"
)
_FACILITY = re.compile(rf"\b({_FACILITY_WORDS})\b", re.IGNORECASE)
_FACILITY_FORMS = {
    "hospitals": "hospital", "clinics": "clinic", "schools": "school", "markets": "market",
    "marketplace": "market", "marketplaces": "market", "mosques": "mosque", "churches": "church",
    "camps": "camp", "refugee camp": "camp", "refugee camps": "camp", "bakeries": "bakery",
    "shelters": "shelter", "dams": "dam", "bridges": "bridge", "power plants": "power plant",
    "power station": "power plant", "power stations": "power plant", "airports": "airport",
    "airbase": "base", "air base": "base", "bases": "base", "embassies": "embassy", "convoys": "convoy",
    "crossings": "crossing", "checkpoints": "checkpoint", "ports": "port", "train station": "station",
    "universities": "university", "restaurants": "restaurant", "cafes": "cafe", "café": "cafe",
    "cafés": "cafe", "pizzeria": "restaurant", "hotels": "hotel", "prisons": "prison",
    "factories": "factory", "refineries": "refinery", "warehouses": "warehouse",
    "commanders": "commander", "ambassadors": "ambassador", "envoys": "envoy", "journalists": "journalist",
    "reporters": "journalist", "reporter": "journalist", "aid workers": "aid worker",
    "peacekeepers": "peacekeeper", "diplomats": "diplomat",
}  # fmt: skip
_COMPASS = {
    "north": "north", "northern": "north", "south": "south", "southern": "south", "east": "east",
    "eastern": "east", "west": "west", "western": "west", "central": "central",
    "northeast": "north-east", "north-east": "north-east", "northeastern": "north-east",
    "northwest": "north-west", "north-west": "north-west", "northwestern": "north-west",
    "southeast": "south-east", "south-east": "south-east", "southeastern": "south-east",
    "southwest": "south-west", "south-west": "south-west", "southwestern": "south-west",
}  # fmt: skip
# Capitalised words that are not names: months, titles, headline labels.
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december
    mr mrs ms dr prof gen president minister prime secretary chief general king queen prince sheikh
    breaking exclusive analysis opinion update live watch video photos pictures breaking first""".split()
)


@dataclass(frozen=True, slots=True)
class EventSignature:
    kind: str | None
    """The ``EventKind`` value of the headline's event, or None when it names none."""
    place: str | None
    """For display: "Khan Younis, Gaza", "south Gaza", "Gaza"."""
    place_key: str
    """The most specific place, normalised; the region's own name when nothing more specific."""
    specific: bool
    """The place is inside the region (a town, a quarter), not the region as a whole."""
    facilities: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    ordinal: str | None = None
    """"second" in "second aid convoy crosses": the first and the second are two events."""
    context_sites: frozenset[str] = frozenset()
    """Sites the first sentence names and the headline does not: evidence when two reports share
    them, never a reason to keep two apart (a first sentence names more places than its event's)."""

    @property
    def anchors(self) -> frozenset[str]:
        return self.facilities | self.names

    @property
    def town(self) -> bool:
        """A named place inside the region (not the region, nor a compass part of it: "south Gaza")."""
        return self.specific and self.place_key.split(" ", 1)[0] not in _COMPASS.values()


def content_tokens(*texts: str) -> frozenset[str]:
    """Lower-case, accent-free content words with a crude plural strip; number words as digits."""
    out: set[str] = set()
    for text in texts:
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        for raw in _WORD.findall(folded.replace(",", "")):
            word = _NUMBER_WORDS.get(raw, raw)
            if word in _STOP or (len(word) < 3 and not word.isdigit()):
                continue
            if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            out.add(word)
    return frozenset(out)


def facilities(text: str) -> frozenset[str]:
    out = set()
    for m in _FACILITY.finditer(text):
        word = m.group(1).lower()
        out.add(_FACILITY_FORMS.get(word, word))
    return frozenset(out)


def _compass_before(text: str, hit: Hit) -> str | None:
    before = text[max(0, hit.start - 12) : hit.start].split()
    if before:
        return _COMPASS.get(before[-1].lower().strip("-"))
    return None


_CAPITAL = re.compile(r"\bcapital\b", re.IGNORECASE)
# "The second aid convoy", "the third batch of hostages": an ordinal of an act, not of a day.
_ORDINAL = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\s+"
    r"(?:[\w.'’-]+\s+){0,2}?(?:convoys?|aid|batch|group|release|hostages?|prisoners?|exchange|swap|"
    r"shipments?|flights?|trucks?|lorries|evacuations?|round)\b",
    re.IGNORECASE,
)
# A site's own name: the capitalised words right before the site ("Nova Kakhovka dam", "al-Ahli
# hospital", "Bab al-Hawa crossing"). Place names count here: the Kakhovka dam is one dam.
_NAMED_SITE = re.compile(rf"((?:[A-Z][\w'’-]*\s+|al-\s*|el-\s*){{1,3}})(?i:{_FACILITY_WORDS})\b")
_NOT_SITE_NAMES = frozenset(
    "major critical key vital strategic main only largest big new old the a its".split()
)


def _place(
    title: str, text: str, match: Match, main_span: tuple[int, int], hints: PlaceHints
) -> tuple[str | None, str, bool]:
    """(display, key, specific) of the most specific place, preferring the headline's main clause."""
    title_end = match.title_end if match.title_end is not None else len(title)
    # "Sudanese army" names who, not where: a demonym places nothing.
    hits = sorted((h for h in match.regions if not _demonym(h)), key=lambda h: h.start)
    in_main = [h for h in hits if main_span[0] <= h.start < main_span[1]]
    in_title = [h for h in hits if h.start < title_end]
    main_text = title[main_span[0] : main_span[1]]
    if _CAPITAL.search(main_text) and not any(h.place for h in in_main):
        # "Sudanese capital" names the capital too.
        every = sorted(match.regions, key=lambda h: h.start)
        for h in [x for x in every if main_span[0] <= x.start < main_span[1]] or every[:2]:
            capital = hints.capital_of(h.term)
            if capital:  # "Fighting erupts in Sudan's capital" happens in Khartoum
                return f"{capital}, {h.term}", normalize(capital), True
    for group in (in_main, in_title, hits[:3]):
        for h in group:
            if h.place and normalize(h.place) != normalize(h.term):
                return f"{h.place}, {h.term}", normalize(h.place), True
        for h in group:
            compass = _compass_before(text, h)
            if compass:
                return f"{compass} {h.term}", f"{compass} {normalize(h.term)}", True
        if group:
            return group[0].term, normalize(group[0].term), False
    region = match.place or ""
    return region or None, normalize(region), False


_DEMONYM_ENDINGS = ("ese", "ian", "ians", "i", "is", "an", "ans", "ish")


def _demonym(hit: Hit) -> bool:
    surface, term = normalize(hit.surface), normalize(hit.term)
    return hit.place is None and surface != term and surface.endswith(_DEMONYM_ENDINGS) and " " not in surface


def _names(title: str, summary: str, excluded: frozenset[str], hints: PlaceHints) -> frozenset[str]:
    """Words the story capitalises mid-sentence: in the headline (without its label) when it is
    written in sentence case, and in the first sentences of the description either way. Places
    and their people, acronyms of organisations (RSF, IDF, UN) and event words are not names."""
    core = main_clause(title) or title
    words = re.findall(r"[^\W\d_][\w'’-]*", core)
    content = [w for w in words if len(w) >= 4]
    title_case = len(content) >= 3 and sum(w[0].isupper() for w in content) >= 0.8 * len(content)
    found: set[str] = set()
    if not title_case:
        found.update(w for i, w in enumerate(words) if i > 0 and w[0].isupper())
    lead = summary[:400]
    for m in re.finditer(r"(?<=[a-z,;]\s)([A-Z][\w'’-]+)", lead):
        word = m.group(1)
        if re.search(rf"\b{re.escape(word)}\b", core, re.IGNORECASE):
            found.add(word)
    for run in re.findall(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+", core):
        if hints.is_place_name(normalize(run)):
            found.difference_update(run.split())  # "Tel Aviv" is a place, not two names
    out = set()
    for w in found:
        if w.isupper() and len(w) <= 6:
            continue  # an organisation's acronym names an actor, not a story
        for part in normalize(w).split():
            if len(part) < 3 or part in _NOT_NAMES or part in _STOP or part in excluded:
                continue
            if hints.is_place_word(part) or any(cue.fullmatch(part) for cue in EVENT_CUES.values()):
                continue
            out.add(part)
    return frozenset(out)


def _first_sentence(summary: str) -> str:
    head = summary[:240]
    for mark in (". ", "? ", "! "):
        at = head.find(mark)
        if at > 40:
            return head[: at + 1]
    return head


def site_names(text: str, hints: PlaceHints) -> frozenset[str]:
    """The proper names sites go by in ``text``: "kakhovka" for "the Nova Kakhovka dam"."""
    out = set()
    for m in _NAMED_SITE.finditer(text):
        for part in normalize(m.group(1)).split():
            common = part in _NOT_SITE_NAMES or part in _STOP or part in _NOT_NAMES
            demonym = hints.is_place_word(part) and part not in hints.place_words
            if len(part) >= 3 and not common and not demonym:
                out.add(part)
    return frozenset(out)


def build_signature(
    title: str, summary: str, match: Match, reading: HeadlineReading, hints: PlaceHints | None = None
) -> EventSignature:
    hints = hints or PlaceHints()
    text = f"{title}\n{summary}"
    main = main_clause(title)
    start = title.find(main) if main else -1
    span = (start, start + len(main)) if start >= 0 else (0, len(title))
    place, key, specific = _place(title, text, match, span, hints)
    region_words = frozenset(
        part
        for h in match.regions
        for w in (h.surface, h.term, h.place or "")
        for part in normalize(w).split()
    )
    # A place inside the region is no story name, but it is a site's ("the Nova Kakhovka dam").
    regions_own = frozenset(part for h in match.regions for part in normalize(h.term).split())
    kind = reading.kind
    if kind is not None and kind.value in ("toll", "casualties") and reading.background:
        kind = reading.background[0]  # "toll climbs after the earthquake" is the quake's toll
    ordinal = _ORDINAL.search(main or title)
    return EventSignature(
        kind=kind.value if kind else None,
        place=place,
        place_key=key,
        specific=specific,
        facilities=facilities(title),
        context_sites=facilities(_first_sentence(summary)) - facilities(title),
        names=(_names(title, summary, region_words, hints) - region_words)
        | (site_names(title, hints) - regions_own) - facilities(title),
        tokens=content_tokens(title) - region_words,
        ordinal=ordinal.group(1).lower() if ordinal else None,
    )
