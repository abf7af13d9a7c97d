"""Casualty figures of one news item: who was killed, wounded, displaced or went missing, and how many.

``extract_casualties(title, description)`` reads the counts next to casualty words, decides whether
each belongs to the reported event or is background ("the war that has killed 380,000 since 2011"),
and picks one headline figure per category following ``../shared/eval/GUIDELINES.md``: a toll or
its update beats other figures, disjoint groups are summed, subsets are not added, a singular victim
counts as 1, explicit negation is 0, hypothetical figures are dropped. Most items hold no casualty
word at all; a substring prefilter lets them exit in microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace

from bot.core import casualty_cues as cues
from bot.core.figures import Casualties, Category, Figure, Headline, Scope
from bot.core.numbers import Quantity, find_quantities

_WEAK = "weak"
_DIGIT = re.compile(r"\d")
# Where a hedge ("may", "could") stops applying: a new clause.
_CLAUSE_BREAK = re.compile(
    r"[;:—]|,\s(?=\w+ing\b)|,\s+(?:and|but|while|whereas)\s"
)  # internal scope marker: background unless the event has no figure of its own


@dataclass(frozen=True, slots=True)
class Candidate:
    figure: Figure
    weak: bool = False


def might_mention_casualties(text: str) -> bool:
    """Cheap prefilter: False means the text certainly holds no casualty figure."""
    return _has_any(f" {text.lower()}", cues.TRIGGER_STEMS)


def _has_any(low: str, words: tuple[str, ...]) -> bool:
    # a plain loop: measurably cheaper than any() over a generator on this hot path
    for w in words:  # noqa: SIM110
        if w in low:
            return True
    return False


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` (the title is one)."""
    start = 0
    for m in cues.SENTENCE_BREAK.finditer(text):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(text):
        yield start, len(text)


def _singular_quantities(sentence: str) -> list[Quantity]:
    """'…and a Ugandan national were killed': a singular joined to a list counts 1."""
    if " and a" not in sentence:
        return []
    return [
        Quantity(value=1, qualifier=None, start=m.start("q"), end=m.end("q"), text=m.group("q"))
        for m in cues.SINGLE_AND.finditer(sentence)
    ]


def _group_from(words: str) -> str | None:
    for token in reversed(words.split()):
        group = _group_noun(token)
        if group is not None:
            return group
    return None


def _group_noun(token: str) -> str | None:
    """The display form of a group noun ("civilians", "Palestinians", "ISIS"), else None."""
    bare = token.strip("'’.,\"“”")
    word = bare.lower()
    if word in cues.GROUP_NOUNS and word not in cues.DEMONYMS:
        return word
    if word in cues.DEMONYMS or (bare[:1].isupper() and word.endswith(("ans", "is", "ese"))):
        return bare if bare.isupper() else bare.capitalize()
    return None


def _group_after(after: str) -> str | None:
    """The noun a count quantifies, attached to it: "30 civilians", "dozens of people", "five aid workers".

    Only words right after the count, with no punctuation or clause word between, can name its group:
    in "wounding 30, aid workers said" or "wounding dozens, police said" nobody names the wounded.
    """
    m = cues.ATTACHED_WORDS.match(after)
    if m is None:
        return None
    words: list[str] = m.group("words").split()
    for i, token in enumerate(words):
        if token.lower() in cues.PHRASE_STOP:
            return None
        group = _group_noun(token)
        if group is None:
            continue
        # "police officers", "family members": the second noun is the head
        if i + 1 < len(words) and (head := _group_noun(words[i + 1])) is not None:
            i, group = i + 1, head
        if i + 1 < len(words) and words[i + 1].lower() in cues.REPORTING_VERBS:
            return None  # "… 30 aid workers said": the subject of the report, not a count's noun
        modifier = words[i - 1].strip("'’.,") if i > 0 else ""
        low = modifier.lower()
        if low in cues.GROUP_MODIFIERS or (low in cues.GROUP_NOUNS and group in cues.HEAD_NOUNS):
            group = f"{modifier if modifier.isupper() else low} {group}"  # "UN peacekeepers"
        if group == "members":
            return _members_of(after)
        # "three of her family" are family members; "one family" fleeing is a household
        return "family members" if group == "family" and m.group("of") else group
    return None


def _members_of(after: str) -> str | None:
    """ "seven members of one family" → "family members"; bare "members" says nothing to a desk."""
    m = cues.MEMBERS_OF.search(after)
    if m is None:
        return None
    if m.group("kin") is not None:
        return "family members"  # "members of the reporter's family"
    if m.group("name") is not None:
        return f"{m.group('name')} members"
    body: str = m.group("body").split()[-1].lower()
    return "family members" if body in ("family", "families", "household") else f"{body} members"


def _names_things(after: str) -> bool:
    """'10 homes', 'millions of dead fish': the count is not of people."""
    for word in cues.WORD.findall(after, 0, 60)[:4]:
        w = word.lower()
        if w in cues.NON_PERSON:
            return True
        if w in cues.ENDS_NOUN_PHRASE:
            return False
    return False


def _classify(sentence: str, q: Quantity) -> tuple[Category, str | None, bool] | None:
    """Category, group and whether it is stated as a toll, for one count in one sentence."""
    before = sentence[max(0, q.start - 90) : q.start]
    after = cues.INSERTED_SUBSET.sub(r"\1", sentence[q.end : q.end + 140], count=1)
    after = cues.INSERTED_AGES.sub(r"\1", after, count=1)
    part = cues.SUBSET_AFTER.match(after)
    if part is not None:
        after = after[part.end() :]  # "two of whom later died": what happened to the part
    if cues.PARENT_OF.search(before[-30:]) and _group_after(after) is None:
        return None  # "grandmother of six children killed" still counts the children
    m = cues.AFTER.match(after)
    if m is not None:
        cat = next(Category(name) for name in ("killed", "wounded", "displaced", "missing") if m.group(name))
        attributive = (m.group("killed") or "").lower() == "dead" and any(
            w.lower() in cues.NON_PERSON for w in cues.WORD.findall(after, m.end(), m.end() + 30)[:1]
        )
        # only the words before the verb name what was counted: "people fled their homes" counts people
        if attributive or _names_things(after[: m.start(cat.value)]):
            return None
        if (m.group("wounded") or "").lower() in ("injuries", "wounds") and cues.INJURIES_OF_ONE.search(
            before
        ):
            return None
        if (m.group("displaced") or "").lower().startswith("fle") and cues.ESCAPERS.search(m.group(0)):
            return None  # "three gunmen fled": a getaway, not people driven from their homes
        if (m.group("killed") or "").lower().startswith("di") and cues.OBITUARY.search(sentence):
            return None  # "…, 90, has died": an obituary's age next to its verb
        if m.group("killed") and m.group("killed").lower() == "to death" and cues.SENTENCED.search(before):
            return None
        return cat, _group_after(m.group("group")) or _group_after(after[: m.end()]), False
    group = _group_after(after)
    if cues.LEFT_HOMELESS.search(before[-20:]) and cues.HOMELESS_TAIL.match(after):
        return Category.DISPLACED, group, False
    if "toll" in before.lower() and cues.BEFORE_TOLL.search(before) is not None:
        return None if _names_things(after) else (Category.KILLED, group, True)
    if cues.ALONGSIDE.search(before[-40:]) and not _names_things(after):
        return Category.KILLED, group, False  # "killed alongside his three sons"
    b = cues.BEFORE.search(before[-50:])
    if b is None:
        # "killed a woman and three boys": look through the listed singulars to the verb
        listed = _listed_singulars(before)
        if listed is not None:
            b = cues.BEFORE.search(before[max(0, listed.start() - 50) : listed.start()])
    if b is None or _names_things(after):
        return None
    if b.group("lost") is not None:
        return (Category.KILLED, group or "family members", False) if cues.FAMILY_TAIL.match(after) else None
    if b.group("displaced") is not None:
        verb = b.group("displaced").split()[0].lower()
        if verb.startswith(("forc", "driv", "sen", "prompt", "caus")) and not cues.FORCED_TAIL.match(after):
            return None
        return Category.DISPLACED, group, False
    if b.group("wounded") is not None:
        return Category.WOUNDED, group, False
    verb = b.group("killed").split()[0].lower()
    if verb in ("recovered", "beat", "burned", "burnt", "stoned", "hacked") and not re.match(
        r"^\s+(?:[\w'’-]+\s+){0,3}?(?:bodies|to\s+death)", after
    ):
        return None
    return Category.KILLED, group, False


def _listed_singulars(before: str) -> re.Match[str] | None:
    """'mother, father and ' right before a count (guarded: the full pattern is slow)."""
    if cues.AND_TAIL.search(before[-16:]) is None:
        return None
    return cues.LISTED_SINGULARS.search(before)


def _is_hypothetical(sentence: str, q: Quantity) -> bool:
    window = sentence[max(0, q.start - 60) : q.start]
    clause = _CLAUSE_BREAK.split(window)[-1]
    return cues.HYPOTHETICAL.search(clause) is not None


def _scope(sentence: str, q: Quantity, *, in_title: bool) -> str:
    if cues.HISTORIC_WAR.search(sentence) or cues.EARLIER_EVENT.search(sentence, 0, q.start):
        return Scope.BACKGROUND.value
    if cues.STRONG_BACKGROUND.search(sentence):
        # a running total in the headline is what the item reports ("100 killed so far this year")
        return _WEAK if in_title else Scope.BACKGROUND.value
    if cues.NOT_HARM_BEFORE.search(sentence[max(0, q.start - 40) : q.start]):
        return Scope.BACKGROUND.value
    if cues.WEAK_BACKGROUND.search(sentence):
        return _WEAK
    return Scope.INCIDENT.value


def _backdrop(sentence: str, q: Quantity, title: str) -> bool:
    """A count in a relative clause on an event the title does not tell of: "Biden says … the attack
    that killed about 1,400 …" (``cues.RELATIVE_TOLL``)."""
    rel = cues.RELATIVE_TOLL.search(sentence, max(0, q.start - 70), q.start)
    if rel is None or _has_any(f" {title.lower()}", cues.TRIGGER_STEMS):
        return False
    head = sentence[max(0, rel.start() - 60) : rel.start()]
    kinds = [(m.start(), kind) for kind, pattern in cues.EVENT_KINDS for m in pattern.finditer(head)]
    if not kinds:
        return False
    kind = max(kinds)[1]  # the event noun nearest the clause is its antecedent
    return not any(pattern.search(title) for k, pattern in cues.EVENT_KINDS if k == kind)


def _sentence_candidates(text: str, start: int, end: int, title_end: int, low: str) -> list[Candidate]:
    """Figures of one sentence; ``low`` is that sentence lower-cased with a leading space."""
    sentence = text[start:end]
    if _DIGIT.search(sentence) is None and not _has_any(low, cues.NUMBER_HINTS):
        return []
    quantities = sorted(find_quantities(sentence) + _singular_quantities(sentence), key=lambda q: q.start)
    classified: list[tuple[Quantity, tuple[Category, str | None, bool] | None, bool]] = []
    for q in quantities:
        info = _classify(sentence, q)
        subset = cues.SUBSET_BEFORE.search(sentence[max(0, q.start - 40) : q.start]) is not None
        if not subset and (
            cues.SUBSET_AFTER.match(sentence, q.end) is not None
            or (sentence.endswith(", ", 0, q.start) and cues.APPOSITIVE_PART.match(sentence, q.end))
        ):
            # "ten wounded, two of whom later died" is a new figure of its own category, not a part
            parent = next((c[1] for c in reversed(classified) if c[1] is not None), None)
            subset = parent is not None and (info is None or info[0] is parent[0])
        classified.append((q, info, subset))
    # A count that names a group next to a classified one shares its category ("10 soldiers and 5
    # militants were killed"); a subset inherits its parent's category.
    for i, (q, info, subset) in enumerate(classified):
        if info is not None:
            continue
        if subset and i > 0 and classified[i - 1][1] is not None:
            parent = classified[i - 1][1]
            assert parent is not None
            classified[i] = (q, (parent[0], _group_after(sentence[q.end : q.end + 40]), False), True)
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(classified) or classified[j][1] is None:
                continue
            left, right = (classified[j][0], q) if j < i else (q, classified[j][0])
            between = cues.CHAIN_BETWEEN.match(sentence[left.end : right.start])
            if between is None:
                continue
            if _group_from(between.group("noun")) is None:
                continue
            other = classified[j][1]
            assert other is not None
            classified[i] = (q, (other[0], _group_after(sentence[q.end : q.end + 40]), other[2]), False)
            break

    out: list[Candidate] = []
    pending_sum: Figure | None = None
    for i, (q, info, subset) in enumerate(classified):
        if info is None or _is_hypothetical(sentence, q):
            continue
        category, group, toll = info
        in_title = start < title_end
        scope = _scope(sentence, q, in_title=in_title)
        if not in_title and scope != Scope.BACKGROUND.value and _backdrop(sentence, q, text[:title_end]):
            scope = Scope.BACKGROUND.value
        listed = _listed_singulars(sentence[max(0, q.start - 80) : q.start])
        if listed is not None and not subset:
            # each bare singular noun in the list is one more person of the same event
            q = replace(q, value=q.value + len(cues.PERSON_RE.findall(listed.group(1))))
            group = None  # "a mother and two children": the sum is not all children
        elif category is Category.KILLED and cues.ALONGSIDE.search(sentence, max(0, q.start - 40), q.start):
            q = replace(q, value=q.value + 1)  # "killed alongside his three sons": four dead
            group = None
        figure = Figure(
            category=category,
            value=q.value,
            qualifier=q.qualifier,
            group=group,
            scope=Scope.BACKGROUND if scope == Scope.BACKGROUND.value else Scope.INCIDENT,
            span=(start + q.start, start + q.end),
            text=q.text,
            subset=subset,
            update=toll,
            vague=q.vague,
        )
        out.append(Candidate(figure, weak=scope == _WEAK))
        # Disjoint groups of one event, listed together, add up to the event's total.
        if i > 0 and not subset and pending_sum is not None:
            prev = classified[i - 1][0]
            chained = cues.CHAIN_BETWEEN.match(sentence[prev.end : q.start])
            if (
                chained is not None
                and pending_sum.category is category
                and pending_sum.group != group
                and not pending_sum.subset
            ):
                total = replace(
                    figure,
                    value=pending_sum.value + q.value,
                    qualifier=pending_sum.qualifier or q.qualifier,
                    group=None,
                    span=(pending_sum.span[0], figure.span[1]),
                    text=text[pending_sum.span[0] : figure.span[1]],
                )
                out.append(Candidate(total, weak=scope == _WEAK))
                pending_sum = total
                continue
        pending_sum = figure
    return out


def _pick(figures: list[Figure]) -> Figure | None:
    if not figures:
        return None
    updates = [f for f in figures if f.update]
    pool = updates or [f for f in figures if not f.vague] or figures
    # equal values: the hedged, group-naming mention is the more informative one to display
    return max(pool, key=lambda f: (f.value, f.qualifier is not None, f.group is not None))


def _singular(title: str, text: str, found: Collection[Category]) -> dict[Category, int]:
    """Counts of 1 (or 0) for categories in which the text gave no number."""
    out: dict[Category, int] = {}
    low = text.lower()
    if Category.KILLED not in found and _has_any(low, cues.KILLED_HINTS):
        named = _named_victims(text)
        if named:
            out[Category.KILLED] = named
        elif _singular_killed(title, text):
            out[Category.KILLED] = 1
    if Category.WOUNDED not in found and (
        (
            _has_any(low, cues.WOUNDED_HINTS)
            and any(_counts_at(text, m.start()) for m in cues.SINGLE_WOUNDED.finditer(text))
        )
        or (
            Category.KILLED not in found
            and Category.KILLED not in out
            and _has_any(low, cues.ATTACKED_HINTS)
            and any(_attacked(text, m) for m in cues.SINGLE_ATTACKED.finditer(text))
        )
    ):
        out[Category.WOUNDED] = 1
    if (
        Category.MISSING not in found
        and Category.KILLED not in out
        and _has_any(low, cues.MISSING_HINTS)
        and cues.SINGLE_MISSING.search(text)
        and not cues.FOUND_ALIVE.search(text)
    ):
        out[Category.MISSING] = 1
    if _has_any(low, cues.ZERO_HINTS):
        if cues.ZERO_BOTH.search(text):
            out.setdefault(Category.KILLED, 0)
            out.setdefault(Category.WOUNDED, 0)
        if cues.ZERO_KILLED.search(text):
            out[Category.KILLED] = 0
        if cues.ZERO_WOUNDED.search(text):
            out[Category.WOUNDED] = 0
    return out


def _attacked(text: str, m: re.Match[str]) -> bool:
    """A stabbing or shooting victim who is a person: "Woman, 30, shot in …" counts, "Mural shot in …"
    (a photograph's caption) does not."""
    who = m.group("who")
    # the person word is checked apart: a big alternation at every word of the text is slow
    return (who is None or cues.PERSON_WORD.match(who) is not None) and _counts_at(text, m.start())


def _named_victims(text: str) -> int:
    """How many people a list of names with ages says died ("Cindy, 35, Kyu, 37, and James, 3, were
    all shot dead" → 3), or 0."""
    if len(cues.AGE_AFTER_NAME.findall(text)) < 2:  # cheap: the full pattern is slow on every text
        return 0
    for m in cues.NAMED_WITH_AGES.finditer(text):
        if _counts_at(text, m.start("list")):
            return len(cues.LISTED_AGE.findall(m.group("list")))
    return 0


def _singular_killed(title: str, text: str) -> bool:
    low = text.lower()
    if _has_any(low, cues.NATURAL_HINTS) and cues.NATURAL_DEATH.search(text) is not None:
        return False
    obituary = (_DIGIT.search(text) is not None or _has_any(low, cues.OBITUARY_HINTS)) and (
        cues.OBITUARY.search(text) is not None
    )
    for guards, pattern in cues.SINGLE_KILLED_RULES:
        if not _has_any(low, guards):
            continue
        for m in pattern.finditer(text):
            # an obituary's "died" is a natural death; violent wording ("shot dead") still counts
            if obituary and m.group(0).lower().startswith(("die", "who")):
                continue
            if _counts_at(text, m.start()):  # the first that counts will do: each check is costly
                return True
    if obituary:
        return False
    t = cues.TITLE_SINGLE_KILLED.search(title)
    if t is None or not _counts_at(title, t.start()):
        return False
    aux = (t.group("aux") or "").lower()
    return not aux.startswith(("were", "are", "have")) and not cues.PLURAL_SUBJECT.search(
        t.group("noun") or ""
    )


def _counts_at(text: str, pos: int) -> bool:
    """A singular mention counts unless hypothetical or set in a background sentence."""
    window = text[max(0, pos - 40) : pos]
    clause = re.split(r"[.;:—]", window)[-1]
    if cues.HYPOTHETICAL.search(clause) is not None or cues.NEGATED_BEFORE.search(window[-20:]):
        return False
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    ends = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0]
    sentence = text[start : min(ends) if ends else len(text)]
    at = pos - start
    if cues.ANIMAL.search(sentence, max(0, at - 50), at + 30):
        return False
    return not (
        cues.STRONG_BACKGROUND.search(sentence)
        or cues.HISTORIC_WAR.search(sentence)
        or cues.EARLIER_EVENT.search(sentence, 0, at)
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """What the rules found in one item before choosing: every candidate figure, with whether its
    sentence only weakly belongs to the event. ``decide`` is the rules' choice;
    ``bot.core.figure_ranker`` makes a learnt one."""

    title: str
    text: str
    candidates: tuple[Candidate, ...] = ()
    triggered: bool = False
    """The item holds a casualty word at all (most do not); read once, by ``read_figures``."""

    def singular(self, found: Collection[Category]) -> dict[Category, int]:
        """Counts of 1 (or 0) read for the categories not in ``found`` (and zeros for any)."""
        return _singular(self.title, self.text, found)


def read_figures(title: str, description: str) -> Reading:
    """Every candidate casualty figure of one feed item (title and plain-text description)."""
    title = title.strip()
    description = description.strip()
    text = f"{title}\n{description}" if description else title
    low = f" {text.lower()}"
    if not _has_any(low, cues.TRIGGER_STEMS):
        return Reading(title, text)
    candidates: list[Candidate] = []
    for start, end in sentence_spans(text):
        # lower() keeps offsets for all but a few exotic letters; a shifted slice only blurs this check
        sentence_low = " " + low[start + 1 : end + 1]
        if _has_any(sentence_low, cues.TRIGGER_STEMS):
            candidates.extend(_sentence_candidates(text, start, end, len(title), sentence_low))
    return Reading(title, text, tuple(candidates), triggered=True)


def rules_pick(reading: Reading, category: Category) -> Figure | None:
    """The candidate the rules choose for ``category`` (None: no numbered candidate fits)."""
    mine = [c for c in reading.candidates if c.figure.category is category and not c.figure.subset]
    incident = [c.figure for c in mine if c.figure.scope is Scope.INCIDENT and not c.weak]
    weak = [c.figure for c in mine if c.figure.scope is Scope.INCIDENT and c.weak]
    return _pick(incident) or _pick(weak)


def decide(reading: Reading) -> Casualties:
    """The rules' headline figures for a reading."""
    if not reading.triggered:
        return Casualties()
    heads: dict[Category, Headline] = {}
    for category in Category:
        chosen = rules_pick(reading, category)
        if chosen is not None:
            heads[category] = headline_of(chosen)
    for category, value in reading.singular(heads).items():
        if category not in heads or value == 0 == heads[category].value:
            heads[category] = Headline(category=category, value=value)
    return with_headlines(reading, heads)


def headline_of(f: Figure) -> Headline:
    return Headline(category=f.category, value=f.value, qualifier=f.qualifier, group=f.group)


def with_headlines(reading: Reading, heads: Mapping[Category, Headline]) -> Casualties:
    """The item's figures with ``heads`` as its headlines; a weakly placed figure not chosen is
    background."""
    figures = tuple(
        replace(c.figure, scope=Scope.BACKGROUND)
        if c.weak and heads.get(c.figure.category) != headline_of(c.figure)
        else c.figure
        for c in reading.candidates
    )
    return Casualties(
        killed=heads.get(Category.KILLED),
        wounded=heads.get(Category.WOUNDED),
        displaced=heads.get(Category.DISPLACED),
        missing=heads.get(Category.MISSING),
        figures=figures,
    )


def extract_casualties(title: str, description: str) -> Casualties:
    """The casualty figures of one feed item (title and plain-text description), by the rules."""
    return decide(read_figures(title, description))
