"""Matching feed text against watchlists (pure core).

Result types are defined here; the ``Matcher`` builds one index for a set of watchlists and
answers ``match(title, summary)`` with one ``Match`` per watchlist that the text satisfies.

How it matches, and why:

* Every term (region names and the gazetteer places inside each region, keywords, exclusions)
  is stored once as a tuple of normalised tokens: one-word terms in a dict keyed by the word,
  longer ones keyed by their first two words. The text is tokenised once and walked once; each
  position costs a few dict lookups however many terms exist (``bench/bench_match.py``).
* Word boundaries are token boundaries: "Gaza" never matches inside "Gazaland" or "Gazans"
  ("Gazans" is a name of the Gaza Strip in its own right, from the gazetteer, like "Sudanese").
* Place names (regions, aliases, gazetteer places) must be capitalised somewhere in the text
  ("Harem", not "harem"), a name that opens with a compass word in that word ("East London", the
  South African city, not "east London"); scripts without case (Arabic) always pass. Keywords ignore
  case.
* Keywords, exclusions: light stemming (``normalize.stem``) so "airstrike" meets "air strikes",
  "air-strike" and "airstrikes"; "displaced" meets "displacement". A one-word term also meets two
  text words written apart ("air strike") when the second supplies at least two letters of it (so
  "are a" is not "areas"), and a two-word term the same words written together.
* Fuzzy matching is only for transliterations of region/place names ("Saraqeb", "Maarat al
  Nouman"): only capitalised, unknown, non-common words of 5+ letters are candidates, compared
  after a transliteration skeleton (e/i, o/u, doubled letters, al-/el-/ad-…) with the same first
  letter and ``fuzz.ratio`` >= ``fuzzy_threshold``. A word the gazetteer knows as any place's name is
  never a candidate: it is that place.
* "civilian" in "civilian rule" is not the keyword "civilians" (``bot.core.keyword_sense``).
* Rules combine region and keyword hits; any exclusion hit vetoes its watchlist. Muting and
  thresholds are not decided here.
* Admin aliases match in any case; an alias written all in lower case ("rebel-held areas") is
  descriptive and counts only beside a name of the region or its country.
* An item that is not an event report (an opinion section link, a headline labelled "Analysis", a
  yes/no-question headline: ``bot.core.genre``) matches nothing; ``screen`` says which watchlists
  it would have matched and why it did not, for the admin.
* Optionally (``relevance=``, off by default) a learned, region-agnostic scorer
  (``bot.core.relevance``) withholds matches that do not read as an event report from the place.
  Measured honestly it removes about as many true matches as false ones (``eval/matching/RESULTS.md``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import TypeVar

from rapidfuzz import fuzz, process

from bot.core.gazetteer import Gazetteer, NameUse, Need, RegionExpansion
from bot.core.genre import genre_veto
from bot.core.keyword_sense import political_sense
from bot.core.name_sense import not_the_place
from bot.core.normalize import Memo, Token, normalize, stem, tokenize, words
from bot.core.relevance import RelevanceModel, relevance_veto
from bot.core.watchlists import Rule, Watchlist

_K = TypeVar("_K")


class HitKind(StrEnum):
    REGION = "region"
    KEYWORD = "keyword"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class Hit:
    """One watch term found in the text.

    ``term`` is the watchlist's term it stands for (the region name "Idlib" or the keyword
    "airstrike"); ``surface`` is what the text actually said ("Saraqib", "Idleb", "air strikes");
    ``place`` is the most specific place named when it is a gazetteer place inside the region
    (e.g. "Saraqib"), else None. ``start``/``end`` index the matched text (title + "\n" + summary).
    """

    kind: HitKind
    term: str
    surface: str
    start: int
    end: int
    fuzzy: bool = False
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    watchlist: str
    regions: tuple[Hit, ...]
    keywords: tuple[Hit, ...]
    title_end: int | None = None
    """Where the title ends in the matched text (hits before it are in the headline); None: unknown."""

    @property
    def terms(self) -> tuple[str, ...]:
        """Distinct surface terms that hit, in order of appearance, for display in the alert."""
        seen: dict[str, None] = {}
        for hit in sorted((*self.regions, *self.keywords), key=lambda h: h.start):
            seen.setdefault(hit.surface, None)
        return tuple(seen)

    @property
    def place(self) -> str | None:
        """The watched region the text hit first ("Idlib" for a Saraqib story)."""
        if not self.regions:
            return None
        return min(self.regions, key=lambda h: h.start).term

    @property
    def where(self) -> str | None:
        """The place an alert headline names: a place inside the region with its region ("Saraqib,
        Idlib"), else the region itself.

        A desk reading "Idlib — 4 killed" still has to open the story to learn which town was hit.
        The headline decides: a place it names wins; when it names only the region, the region
        stands, because a place deeper in the text is often not where it happened ("strikes across
        Gaza ... the wounded were taken to al-Shifa hospital"). A headline naming no watched place
        takes the first place inside the region the text names.
        """
        ordered = sorted(self.regions, key=lambda h: h.start)
        end = self.title_end
        headline = [h for h in ordered if end is not None and h.start < end] or ordered
        for hit in headline:
            if hit.place and normalize(hit.place) != normalize(hit.term):
                return f"{hit.place}, {hit.term}"
        return headline[0].term if headline else None


@dataclass(frozen=True, slots=True)
class Veto:
    """A match the text would have made, withheld because the item is not an event report."""

    match: Match
    reason: str

    @property
    def watchlist(self) -> str:
        return self.match.watchlist


@dataclass(frozen=True, slots=True)
class Survey:
    """How one item stands with one watchlist, whatever its rule says: the hits (regions and watch
    words), whether the rule holds, and what an exclusion, the item's form or the relevance model
    hold against it. The tier decision (``bot.core.tiers``) reads this; nothing is vetoed here."""

    match: Match
    rule_met: bool
    excluded: str | None = None
    """The exclusion term that hit (the admin's "never alert on this"), or None."""
    genre: str | None = None
    doubt: str | None = None
    """Why the relevance model (when configured) doubts the item reports an event here."""

    @property
    def watchlist(self) -> str:
        return self.match.watchlist


@dataclass(frozen=True, slots=True)
class _Term:
    """What one indexed token sequence stands for in one watchlist."""

    watchlist: int
    kind: HitKind
    term: str
    place: str | None = None
    caseless: bool = False
    """An admin alias: matches in any case ("the rebel-held northwest")."""
    needs_context: bool = False
    """A descriptive alias (written all in lower case): counts only beside a name of the region or its
    country ("rebel-held areas" is Idlib in a Syria story, not in a Yemen one)."""
    context: int = -1
    """A place name other places share (``Gazetteer.name_uses``): counts only when one of the names
    of context set ``context`` is in the item; -1: counts on its own."""
    historic: bool = False
    """A historic name of the place ("Zhdanov"): never a hit right after a title or a given name."""
    unless: int = -1
    """A context set that, named without ``unless_own``, makes the name a namesake's elsewhere."""
    unless_own: int = -1


_Entry = tuple[tuple[str, ...], tuple[_Term, ...]]
_Raw = tuple[_Term, int, int, bool]
"""A hit before it becomes a ``Hit``: (term, start, end, fuzzy). Most never need to."""
_ARTICLES = frozenset("al el an ad ar as ash at az ed en er es esh et ez ech".split())
_SKELETON_PAIRS = (
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ei", "i"),
    ("ey", "i"),
    ("ay", "i"),
    ("ai", "i"),
    ("dzh", "j"),
    ("dj", "j"),
    ("ch", "sh"),
    ("gh", "g"),
    ("dh", "d"),
    ("q", "k"),
    ("e", "i"),
    ("o", "u"),
    ("y", "i"),
)
_STEM_MEMO_LIMIT = 200_000
_FUZZY_MIN_POPULATION = 5_000
"""Places smaller than this are matched by their exact spellings only (0 is unknown: geonames lists
admin seats without a figure, Maarat al-Numan among them)."""
_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف")


def skeleton(tokens: Sequence[str]) -> str:
    """A transliteration-insensitive form of a Latin name for fuzzy comparison.

    "Saraqeb" and "Saraqib" both become "sarakib"; "Khan Sheikhoun" and "Khan Shaykhun"
    "khan shikhun"; "el-Noman" and "al-Numan" "al numan".
    """
    out = []
    for i, tok in enumerate(tokens):
        if tok in _ARTICLES and i + 1 < len(tokens):
            out.append("al")
            continue
        for a, b in _SKELETON_PAIRS:
            tok = tok.replace(a, b)
        collapsed = [c for j, c in enumerate(tok) if j == 0 or c != tok[j - 1]]
        out.append("".join(collapsed))
    return " ".join(out)


# "East London" is a city in South Africa; "east London" is London's east. A name that opens with a
# compass word only counts with that word capitalised.
_COMPASS = frozenset(
    "north south east west northern southern eastern western central upper lower north-east north-west "
    "south-east south-west northeast northwest southeast southwest".split()
)


def _capitalised(text: str, tokens: Sequence[Token], i: int, n: int) -> bool:
    """Whether a multi-word name written at ``tokens[i:i+n]`` reads as a proper name: not all in lower
    case, and not opening with a lower-case compass word ("east London")."""
    if tokens[i].norm in _COMPASS:
        return not text[tokens[i].start].islower()
    return not all(text[tokens[j].start].islower() for j in range(i, i + n))


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


class _Contexts:
    """The context sets shared place names need, numbered: each set's names as token sequences."""

    def __init__(self) -> None:
        self.ids: dict[frozenset[tuple[str, ...]], int] = {}
        self.of: dict[tuple[str, ...], set[int]] = defaultdict(set)
        # Every village in a province shares the province's context: tokenise it once.
        self._memo: dict[tuple[str, ...], int] = {}

    def id_of(self, use: NameUse) -> int:
        """The id of the context set ``use`` needs (-1: none), registering it once."""
        if use.need is Need.ALONE:
            return -1
        return self.id_of_names(use.context)

    def id_of_names(self, names: tuple[str, ...]) -> int:
        """The id of the set of ``names``, registering it once."""
        found = self._memo.get(names)
        if found is None:
            seqs = frozenset(w for w in (words(n) for n in names) if w)
            found = self.ids.get(seqs)
            if found is None:
                found = self.ids[seqs] = len(self.ids)
                for seq in seqs:
                    self.of[seq].add(found)
            self._memo[names] = found
        return found


class Matcher:
    """Matches text against a fixed set of watchlists. Build once per watchlist change."""

    def __init__(
        self,
        watchlists: Sequence[Watchlist],
        gazetteer: Gazetteer,
        *,
        fuzzy_threshold: float = 90.0,
        fuzzy_min_length: int = 7,
        relevance: RelevanceModel | None = None,
    ) -> None:
        self._watchlists = tuple(watchlists)
        self._relevance = relevance
        self._common = gazetteer.common_words
        # A word the gazetteer knows as a place is that place, not a misspelling of one here:
        # "Melbourne" must not reach a US watch as a transliteration of Millburn, New Jersey.
        self._known = gazetteer.one_word_names
        self._fuzzy_threshold = fuzzy_threshold
        self._fuzzy_min = fuzzy_min_length
        self._stems: dict[str, str] = {}
        names: dict[tuple[str, ...], dict[tuple[int, str], _Term]] = defaultdict(dict)
        terms: dict[tuple[str, ...], dict[tuple[int, HitKind, str], _Term]] = defaultdict(dict)
        fuzzy: dict[int, dict[str, dict[str, _Term]]] = defaultdict(lambda: defaultdict(dict))
        context: dict[tuple[str, ...], set[int]] = defaultdict(set)
        blockers: dict[tuple[str, ...], set[int]] = defaultdict(set)
        # Context sets of shared place names: the names (as token sequences) that make one count.
        contexts = _Contexts()
        for phrase in gazetteer.not_places:
            blockers[tuple(phrase.split())].update(range(len(self._watchlists)))
        # A country's watch spells the same village names several times over (its names, its
        # context, its rivals): once each, 0.18 s of the 0.7 s a Ukraine watch took to build.
        spelled, normal = Memo(words), Memo(normalize)
        for wi, wl in enumerate(self._watchlists):
            for region in wl.regions:
                expansion = gazetteer.expand(region.name, region.aliases)
                for seq in _foreign_names_containing(gazetteer, expansion, spelled):
                    blockers[seq].add(wi)
                country = (
                    gazetteer.places.get(expansion.resolved.country or "") if expansion.resolved else None
                )
                for spelling in (*expansion.names, *(country.names if country else ())):
                    if spelled(spelling):
                        context[spelled(spelling)].add(wi)
                own = spelled(region.name)
                aliases = {spelled(a): a for a in region.aliases if spelled(a) and spelled(a) != own}
                for seq, alias in aliases.items():
                    # Admins write aliases as phrases, often descriptive and lower case: the capital
                    # rule that keeps "harem" out of gazetteer names does not apply to them.
                    names[seq].setdefault(
                        (wi, region.name),
                        _Term(wi, HitKind.REGION, region.name, None, True, alias == alias.lower()),
                    )
                # A historic name of the region itself ("Stalino" for Donetsk, "Zhdanov" for Mariupol)
                # counts only beside one of its current names or its country's.
                old_names = gazetteer.historic_names(expansion)
                current = [n for n in expansion.names if n not in old_names]
                if country is not None and country.key != (
                    expansion.resolved.key if expansion.resolved else ""
                ):
                    current.extend(country.names)
                for seq_name in expansion.names:
                    seq = spelled(seq_name)
                    if not seq:
                        continue
                    own_term = _Term(wi, HitKind.REGION, region.name)
                    if seq_name in old_names and expansion.resolved is not None:
                        use = NameUse(expansion.resolved, seq_name, Need.REGION, "", tuple(current), True)
                        own_term = _Term(
                            wi,
                            HitKind.REGION,
                            region.name,
                            context=contexts.id_of(use),
                            historic=True,
                        )
                    # The region's own name wins over a place inside it with the same spelling.
                    names[seq].setdefault((wi, region.name), own_term)
                for use in gazetteer.name_uses(expansion):
                    seq = spelled(use.name)
                    if not seq:
                        continue
                    term = _Term(
                        wi,
                        HitKind.REGION,
                        region.name,
                        use.place.name,
                        context=contexts.id_of(use),
                        # Any name but the place's own may be a surname ("Zhdanov" for Zhdanivka).
                        historic=use.historic or normal(use.name) != normal(use.place.name),
                        unless=contexts.id_of_names(use.unless) if use.unless else -1,
                        unless_own=contexts.id_of_names(use.context) if use.unless else -1,
                    )
                    slot = names[seq]
                    held = slot.get((wi, region.name))
                    # Of two places inside the region that share a name, the one it means on its
                    # own wins (places come biggest first).
                    if held is None or (held.context >= 0 and term.context < 0 and not held.caseless):
                        slot[(wi, region.name)] = term
                # Fuzzy targets are the curated main names only: geonames alternates are too loose, and
                # admin aliases are exact phrases ("northwest Syria" must not catch "northeastern Syria").
                targets: list[tuple[str, str | None]] = [(region.name, None)]
                # Only names that survived the gazetteer's filters: a denied "Vladimir" must not
                # come back as a fuzzy spelling of the town.
                # Villages are left out: a fuzzy spelling of one is likelier another word.
                targets.extend(
                    (p.name, p.name)
                    for p in expansion.places
                    if p.name in p.names and not 0 < p.population < _FUZZY_MIN_POPULATION
                )
                for spelling, place_name in targets:
                    seq = spelled(spelling)
                    key = skeleton(seq)
                    if seq and key.isascii() and len(key.replace(" ", "")) >= fuzzy_min_length:
                        fuzzy[wi][key].setdefault(
                            region.name, _Term(wi, HitKind.REGION, region.name, place_name)
                        )
            for kind, items in ((HitKind.KEYWORD, wl.keywords), (HitKind.EXCLUDE, wl.exclude)):
                for item in items:
                    seq = tuple(stem(w) for w in words(item))
                    if not seq:
                        continue
                    term = _Term(wi, kind, item)
                    terms[seq].setdefault((wi, kind, item), term)
                    if len(seq) > 1:
                        terms[(stem("".join(words(item))),)].setdefault((wi, kind, item), term)
        self._names, self._names2 = _split_index(names)
        self._terms, self._terms2 = _split_index(terms)
        # Two words written apart ("air strike") can only stem to a one-word term ("airstrik") that
        # starts with the first word followed by the second word's first letter; knowing those pairs
        # spares stemming every pair of words in the text.
        self._join_pairs = frozenset((key[:n], key[n]) for key in self._terms for n in range(1, len(key) - 1))
        # Fuzzy lookups are per watchlist so one desk's names can never shadow another's.
        self._fuzzy_exact = {
            wi: {k: tuple(v.values()) for k, v in keys.items()} for wi, keys in fuzzy.items()
        }
        self._context = _by_first_token(context)
        self._place_context = _by_first_token(contexts.of)
        self._blockers = _by_first_token(blockers)
        # Every word a region hit (exact, or fuzzy once corroborated) must start with; see survey.
        self._all_regional = all(w.regions for w in self._watchlists)
        self._region_words = frozenset(self._names) | {seq[0] for seq in context if len(seq) == 1}
        self._region_pairs = frozenset(self._names2) | {seq[:2] for seq in context if len(seq) > 1}
        self._fuzzy_buckets: dict[int, dict[tuple[str, int], list[str]]] = {}
        for wi, keys in self._fuzzy_exact.items():
            by_bucket: dict[tuple[str, int], list[str]] = defaultdict(list)
            for key in keys:
                by_bucket[(key[0], key.count(" ") + 1)].append(key)
            self._fuzzy_buckets[wi] = dict(by_bucket)

    def _stem(self, word: str) -> str:
        """``stem`` with a per-matcher memo: news vocabulary repeats, stemming is the hot path."""
        found = self._stems.get(word)
        if found is None:
            if len(self._stems) >= _STEM_MEMO_LIMIT:
                self._stems.clear()
            found = self._stems[word] = stem(word)
        return found

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._watchlists

    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]:
        """One ``Match`` per watchlist whose rule the text satisfies, in watchlist order.

        ``link`` (optional) lets the section of the site count: an opinion column matches nothing.
        """
        return self.screen(title, summary, link=link)[0]

    def screen(self, title: str, summary: str, *, link: str | None = None) -> tuple[list[Match], list[Veto]]:
        """The matches, and the matches withheld because the item is not an event report (why)."""
        found = self._match_text(title, summary)
        if not found:
            return found, []
        reason = genre_veto(title, link)
        if reason is not None:
            return [], [Veto(m, reason) for m in found]
        if self._relevance is None:
            return found, []
        kept: list[Match] = []
        vetoed: list[Veto] = []
        for m in found:
            why = relevance_veto(
                self._relevance,
                title,
                summary,
                [(h.start, h.end) for h in m.regions],
                [(h.start, h.end) for h in m.keywords],
                link=link,
            )
            if why is None:
                kept.append(m)
            else:
                vetoed.append(Veto(m, why))
        return kept, vetoed

    def survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]:
        """Every watchlist whose region (or, for watchlists without regions, a watch word) the item
        names, with what a tier decision needs to know. Unlike ``match``, nothing is left out for
        its rule, its form or the relevance model: those become the survey's fields."""
        if self._all_regional and not self._may_name_a_region(f"{title}\n{summary}"):
            return []
        return self._survey(title, summary, link=link)

    def _may_name_a_region(self, text: str) -> bool:
        """False when no word of ``text`` is a one-word region name, alias or context name and no two
        words start a longer one, so there can be no region hit, exact or fuzzy (fuzzy ones need a
        corroborating exact name). The words and pairs are the keys ``_exact`` and ``_mentioned``
        look up, so nothing they would find is missed.

        Most items name no watched region; this set lookup spares them tokens, stems and the
        keyword scan, which ``survey`` would do only to find nothing (three fifths of triage).
        Arabic words are let through: a clitic ("بإدلب", "in Idlib") hides the name's first word.
        """
        found = normalize(text).split()
        # Set operations, so the scan of the words runs in C.
        if not self._region_words.isdisjoint(found) or not self._region_pairs.isdisjoint(pairwise(found)):
            return True
        return not text.isascii() and any(_is_arabic(w) for w in found)

    def _survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]:
        text = f"{title}\n{summary}"
        hits = self._hits(title, summary)
        if hits is None:
            return []
        genre = genre_veto(title, link)
        out: list[Survey] = []
        for _, match, rule_met, excluded in self._collect(text, hits, title_end=len(title)):
            doubt = None
            if self._relevance is not None and rule_met:
                doubt = relevance_veto(
                    self._relevance,
                    title,
                    summary,
                    [(h.start, h.end) for h in match.regions],
                    [(h.start, h.end) for h in match.keywords],
                    link=link,
                )
            out.append(Survey(match, rule_met, excluded, genre, doubt))
        return out

    def _match_text(self, title: str, summary: str) -> list[Match]:
        hits = self._hits(title, summary)
        if hits is None:
            return []
        return self._decide(f"{title}\n{summary}", hits, title_end=len(title))

    def _hits(self, title: str, summary: str) -> dict[int, list[_Raw]] | None:
        text = f"{title}\n{summary}"
        tokens = tokenize(text)
        if not tokens:
            return None
        hits: dict[int, list[_Raw]] = defaultdict(list)
        covered = self._exact(text, tokens, hits)
        if any(r[0].context >= 0 or r[0].unless >= 0 for found in hits.values() for r in found):
            # A name other places share counts only beside its province's or country's name; a name
            # that counts on its own yields to a smaller namesake whose province alone is named.
            present = self._present_contexts(text, tokens)
            for wi, found in hits.items():
                hits[wi] = [
                    r
                    for r in found
                    if (r[0].context < 0 or r[0].context in present)
                    and not (r[0].unless in present and r[0].unless_own not in present)
                ]
        descriptive = any(r[0].needs_context for found in hits.values() for r in found)
        if self._fuzzy_exact or descriptive:
            # A fuzzy spelling or a descriptive alias only counts in a text that also names the region
            # or its country: on its own, "Darroch" is far likelier a person than a town, and
            # "rebel-held areas" may be in Yemen.
            corroborated = self._mentioned(text, tokens) | {
                wi
                for wi, found in hits.items()
                if any(r[0].kind is HitKind.REGION and not r[0].needs_context for r in found)
            }
            if descriptive:
                for wi, found in hits.items():
                    if wi not in corroborated:
                        hits[wi] = [r for r in found if not r[0].needs_context]
            if corroborated and self._fuzzy_exact:
                self._fuzzy(tokens, text, covered, hits, corroborated)
        return hits

    def _exact(self, text: str, tokens: list[Token], hits: dict[int, list[_Raw]]) -> dict[int, set[int]]:
        """Exact hits into ``hits``; returns, per watchlist, the token positions its names cover."""
        norms = [t.norm for t in tokens]
        stems = [self._stem(n) for n in norms]
        count = len(tokens)
        covered: dict[int, set[int]] = defaultdict(set)
        blocked: dict[int, list[tuple[int, int]]] = defaultdict(list)

        def emit(i: int, n: int, found: tuple[_Term, ...]) -> None:
            start, end = tokens[i].start, tokens[i + n - 1].end
            for t in found:
                hits[t.watchlist].append((t, start, end, False))

        for i in range(count):
            word = norms[i]
            nxt = norms[i + 1] if i + 1 < count else ""
            found = self._names.get(word)
            if found is None and _is_arabic(word):
                found = self._arabic_names(word)
            if found is not None and text[tokens[i].start].islower():
                found = tuple(t for t in found if t.caseless) or None
            if found is not None:
                emit(i, 1, found)
                for t in found:
                    covered[t.watchlist].add(i)
            for seq, found in self._names2.get((word, nxt), ()):
                n = len(seq)
                if n > 2 and tuple(norms[i : i + n]) != seq:
                    continue
                if not _capitalised(text, tokens, i, n):
                    found = tuple(t for t in found if t.caseless)
                    if not found:
                        continue
                emit(i, n, found)
                for t in found:
                    covered[t.watchlist].update(range(i, i + n))
            found = self._terms.get(stems[i])
            if found is not None:
                emit(i, 1, found)
            if nxt:
                for seq, found in self._terms2.get((stems[i], stems[i + 1]), ()):
                    n = len(seq)
                    if n == 2 or tuple(stems[i : i + n]) == seq:
                        emit(i, n, found)
                if (word, nxt[0]) in self._join_pairs:
                    found = self._terms.get(self._stem(word + nxt))
                    if found is not None:
                        emit(i, 2, found)
            for seq, ids in self._blockers.get(word, ()):
                if tuple(norms[i : i + len(seq)]) == seq:
                    span = (tokens[i].start, tokens[i + len(seq) - 1].end)
                    for wi in ids:
                        blocked[wi].append(span)
                        # Nor is any word of it a fuzzy spelling of a place ("Xi Jinping").
                        covered[wi].update(range(i, i + len(seq)))
        for wi, spans in blocked.items():
            # "Sudan" inside "South Sudan" names another country, "Sabha" inside "Lok Sabha" a
            # parliament: not hits.
            if wi in hits:
                hits[wi] = [
                    r
                    for r in hits[wi]
                    if r[0].kind is not HitKind.REGION or not any(a <= r[1] and r[2] <= b for a, b in spans)
                ]
        return covered

    def _arabic_names(self, word: str) -> tuple[_Term, ...] | None:
        """Arabic writes "and", "in", "to", "the" onto the word: "بإدلب" is "in Idlib"."""
        for clitic in _ARABIC_CLITICS:
            if word.startswith(clitic) and len(word) - len(clitic) >= 3:
                found = self._names.get(word[len(clitic) :])
                if found is not None:
                    return found
        return None

    def _present_contexts(self, text: str, tokens: list[Token]) -> set[int]:
        """The context sets (of shared place names) that the text names, capitalised."""
        norms = [t.norm for t in tokens]
        out: set[int] = set()
        for i, word in enumerate(norms):
            for seq, ids in self._place_context.get(word, ()):
                if tuple(norms[i : i + len(seq)]) == seq and not text[tokens[i].start].islower():
                    out |= ids
        return out

    def _mentioned(self, text: str, tokens: list[Token]) -> set[int]:
        """Watchlists whose region or its country is named (exactly, capitalised) in the text."""
        norms = [t.norm for t in tokens]
        out: set[int] = set()
        for i, word in enumerate(norms):
            for seq, ids in self._context.get(word, ()):
                if tuple(norms[i : i + len(seq)]) == seq and not text[tokens[i].start].islower():
                    out |= ids
        return out

    def _fuzzy(
        self,
        tokens: list[Token],
        text: str,
        covered: dict[int, set[int]],
        hits: dict[int, list[_Raw]],
        corroborated: set[int],
    ) -> None:
        norms = [t.norm for t in tokens]
        candidates = [
            i
            for i, word in enumerate(norms)
            if word.isascii()
            and text[tokens[i].start].isupper()
            and word not in self._common
            and word not in self._known
        ]
        for wi in sorted(corroborated):
            if wi not in self._fuzzy_exact or not candidates:
                continue
            taken = covered.get(wi, set())
            after = 0
            for i in candidates:
                if i < after or i in taken:
                    continue
                for n in (3, 2, 1):
                    window = norms[i : i + n]
                    if len(window) < n or any(j in taken for j in range(i, i + n)):
                        continue
                    found = self._fuzzy_lookup(wi, window)
                    if found is not None:
                        start, end = tokens[i].start, tokens[i + n - 1].end
                        hits[wi].extend((t, start, end, True) for t in found)
                        after = i + n
                        break

    def _fuzzy_lookup(self, wi: int, window: Sequence[str]) -> tuple[_Term, ...] | None:
        key = skeleton(window)
        if len(key.replace(" ", "")) < self._fuzzy_min:
            return None
        exact = self._fuzzy_exact[wi].get(key)
        if exact is not None:
            return exact
        bucket = self._fuzzy_buckets[wi].get((key[0], len(window)))
        if not bucket:
            return None
        best = process.extractOne(key, bucket, scorer=fuzz.ratio, score_cutoff=self._fuzzy_threshold)
        if best is None or abs(len(best[0]) - len(key)) > 2:
            return None
        # Every word must be a variant of its counterpart ("Khan issues" is not "Khan Younis").
        if any(fuzz.ratio(a, b) < 85 for a, b in zip(key.split(), best[0].split(), strict=True)):
            return None
        return self._fuzzy_exact[wi][best[0]]

    def _decide(self, text: str, hits: dict[int, list[_Raw]], *, title_end: int) -> list[Match]:
        out: list[Match] = []
        for wi in sorted(hits):
            raw = [r for r in hits[wi] if not _non_event_sense(text, r) and not _not_the_place(text, r)]
            kinds = {r[0].kind for r in raw}
            wl = self._watchlists[wi]
            # Decide on the kinds present first: most texts hit a keyword and nothing else, and
            # dropping nested hits never removes the last hit of a kind.
            if HitKind.EXCLUDE in kinds or not _satisfies(
                wl.rule, HitKind.REGION in kinds, HitKind.KEYWORD in kinds
            ):
                continue
            out.append(_build_match(wl.name, text, raw, title_end))
        return out

    def _collect(
        self, text: str, hits: dict[int, list[_Raw]], *, title_end: int
    ) -> list[tuple[int, Match, bool, str | None]]:
        """Per watchlist with any hit: its match, whether its rule holds, the exclusion that hit."""
        out = []
        for wi in sorted(hits):
            wl = self._watchlists[wi]
            # Most texts hit only a watch word: a watchlist with regions has nothing to say of them.
            if wl.regions and not any(r[0].kind is HitKind.REGION for r in hits[wi]):
                continue
            raw = [r for r in hits[wi] if not _non_event_sense(text, r) and not _not_the_place(text, r)]
            kinds = {r[0].kind for r in raw}
            if not raw or (not wl.regions and HitKind.KEYWORD not in kinds):
                continue
            excluded = next((r[0].term for r in raw if r[0].kind is HitKind.EXCLUDE), None)
            met = excluded is None and _satisfies(wl.rule, HitKind.REGION in kinds, HitKind.KEYWORD in kinds)
            out.append((wi, _build_match(wl.name, text, raw, title_end), met, excluded))
        return out


def _build_match(name: str, text: str, raw: list[_Raw], title_end: int) -> Match:
    found = _outermost([Hit(t.kind, t.term, text[a:b], a, b, fz, t.place) for t, a, b, fz in raw])
    regions = tuple(h for h in found if h.kind is HitKind.REGION)
    keywords = tuple(h for h in found if h.kind is HitKind.KEYWORD)
    return Match(name, regions, keywords, title_end=title_end)


def _split_index(
    table: dict[tuple[str, ...], dict[_K, _Term]],
) -> tuple[dict[str, tuple[_Term, ...]], dict[tuple[str, str], tuple[_Entry, ...]]]:
    """One-word terms by their word; longer ones by their first two words, longest first.

    Keying longer terms by two words keeps every lookup's candidate list short however many
    terms share a first word ("al", "khan", "deir").
    """
    single: dict[str, tuple[_Term, ...]] = {}
    multi: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
    for seq, found in table.items():
        if len(seq) == 1:
            single[seq[0]] = tuple(found.values())
        else:
            multi[(seq[0], seq[1])].append((seq, tuple(found.values())))
    return single, {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in multi.items()}


def _by_first_token(
    table: dict[tuple[str, ...], set[int]],
) -> dict[str, tuple[tuple[tuple[str, ...], frozenset[int]], ...]]:
    index: dict[str, list[tuple[tuple[str, ...], frozenset[int]]]] = defaultdict(list)
    for seq, ids in table.items():
        index[seq[0]].append((seq, frozenset(ids)))
    return {k: tuple(v) for k, v in index.items()}


def _foreign_names_containing(
    gazetteer: Gazetteer, expansion: RegionExpansion, spelled: Callable[[str], tuple[str, ...]] = words
) -> set[tuple[str, ...]]:
    """Names of places outside the region that contain one of its names ("South Sudan")."""
    if expansion.resolved is None:
        return set()
    own = {spelled(n) for n in expansion.names} | {spelled(n) for p in expansion.places for n in p.names}
    inside = {expansion.resolved.key} | {p.key for p in expansion.places}
    out: set[tuple[str, ...]] = set()
    for seq in own:
        if len(seq) != 1:
            continue
        for name in gazetteer.names_containing(seq[0]):
            if name in own:
                continue
            keys = gazetteer.by_name.get(" ".join(name), ())
            if keys and not any(k in inside or gazetteer.twins.get(k) in inside for k in keys):
                out.add(name)
    return out


def _non_event_sense(text: str, raw: _Raw) -> bool:
    """A keyword hit whose word names no event here ("civilian rule")."""
    term, start, end, _ = raw
    return term.kind is HitKind.KEYWORD and political_sense(text, start, end)


def _not_the_place(text: str, raw: _Raw) -> bool:
    """A region hit whose name is a club's, a person's origin, a comparison or (for a historic name)
    a person's name (``bot.core.name_sense``). Admin aliases are phrases written on purpose: they stand."""
    term, start, end, _ = raw
    return (
        term.kind is HitKind.REGION
        and not term.caseless
        and not_the_place(text, start, end, historic=term.historic) is not None
    )


def _satisfies(rule: Rule, region: bool, keyword: bool) -> bool:
    if rule is Rule.REGION_AND_KEYWORD:
        return region and keyword
    if rule is Rule.REGION:
        return region
    if rule is Rule.KEYWORD:
        return keyword
    return region or keyword


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Hits in text order without duplicates or hits nested in a longer hit of the same kind."""
    ordered = sorted(hits, key=lambda h: (h.start, -h.end, h.fuzzy, h.term))
    out: list[Hit] = []
    seen: set[tuple[HitKind, str, int, int]] = set()
    reach: dict[HitKind, int] = {}
    for h in ordered:
        key = (h.kind, h.term, h.start, h.end)
        if key in seen:
            continue
        longest = reach.get(h.kind, -1)
        if h.end <= longest and not any(
            o.kind is h.kind and o.start == h.start and o.end == h.end for o in out
        ):
            continue
        seen.add(key)
        reach[h.kind] = max(longest, h.end)
        out.append(h)
    return out
