"""Reading a headline the way a desk editor skims it: what form is it, and what does it report?

A channel a desk keeps unmuted pings for reports of events — "Israel bombs homes in southern Gaza,
kills more than 70", "Gaza authorities say hundreds killed in air raid on hospital" — and leaves for
later everything that uses the same words to do something else: a leader reacting ("Iran warns of
preemptive action amid Gaza war"), a visit announced, an analysis ("Why violence has erupted in
Sudan"), a question, a briefing, a feature. The difference is in the headline's structure:

* **form** — a question, an explainer, a round-up or an analysis is never an event report; a live
  blog, a video or a photo gallery is judged by what its headline says;
* **the main clause** — the part before "as", "after", "amid"…: an event there is the news; an event
  only after it is background to the main clause (a reaction, usually);
* **attribution** — "X says N killed" reports the killing; "X says the war must stop" is a statement;
* **hedges** — "could", "plans to", "ahead of" report what has not happened.

Pure and conflict-agnostic: the cues (``cues.py``) are the language of headlines, not names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.headline.cues import (
    ANALYSIS,
    ATTRIBUTION,
    CASUALTY_WORDS,
    CONSEQUENCE,
    DIPLOMACY,
    DISASTER_NOUNS,
    EVENT_CUES,
    EVENT_NOUNS,
    EXPLAINER,
    HYPOTHETICAL,
    KICKER,
    LEADING_SUBORDINATE,
    LIVE,
    MEDIA,
    MEDIA_DESCRIPTION,
    ROUNDUP,
    SOURCE_SPEAKERS,
    SPEECH,
    SUBORDINATE,
    TRAILER,
    EventKind,
)


class Form(StrEnum):
    REPORT = "report"
    QUESTION = "question"
    EXPLAINER = "explainer"
    ANALYSIS = "analysis"
    ROUNDUP = "roundup"


@dataclass(frozen=True, slots=True)
class HeadlineReading:
    """What a headline is and reports. ``kinds`` are the events its main clause reports;
    ``background`` the events it names only in a subordinate clause."""

    core: str
    """The headline without its labels ("WATCH:", "Israel-Hamas war:", "| First Thing")."""
    form: Form
    kinds: tuple[EventKind, ...]
    background: tuple[EventKind, ...] = ()
    casualties: bool = False
    """The main clause counts people harmed ("kills more than 70", "hundreds dead")."""
    background_casualties: bool = False
    """The background clause does ("Jordan cancels summit after hundreds killed in hospital blast")."""
    statement: bool = False
    """The main clause is someone speaking, reacting or meeting, and what they say reports no event."""
    hypothetical: bool = False
    live: bool = False
    media: bool = False
    """A video, photo or gallery label."""
    pictures: bool = False
    """The headline describes pictures ("Video shows …"): a report only with a count of people harmed."""
    speaker: str | None = None
    title: str = ""
    """The headline as given."""

    @property
    def reports_event(self) -> bool:
        """The headline itself reports an event (not a reaction to one, a plan or a discussion)."""
        if self.form is not Form.REPORT or self.statement:
            return False
        if self.casualties:
            return True
        return bool(self.kinds) and not self.hypothetical and not self.pictures

    @property
    def kind(self) -> EventKind | None:
        """The headline's main event, by ``EventKind`` precedence."""
        for k in EventKind:
            if k in self.kinds:
                return k
        if self.casualties:
            # "Hundreds dead after earthquake strikes": the background names what killed them.
            for k in EventKind:
                if k in self.background:
                    return k
            return EventKind.CASUALTIES
        return None


_COUNT = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|a dozen|dozens|scores|hundreds|thousands|tens of thousands|several|many|at least \w+)"
)
_COUNTED_HARM = re.compile(
    rf"\b{_COUNT}\b(?:\s+[\w'’-]+){{0,4}}?\s+(?:were\s+|are\s+|reported\s+|feared\s+|confirmed\s+)?"
    rf"(?:{CASUALTY_WORDS.pattern})|\b(?:kills?|killing|killed|wounds?|wounding|injures?|injuring|leaves?|left)\s+"
    rf"(?:at least\s+|more than\s+|over\s+|nearly\s+|about\s+|around\s+|some\s+|an estimated\s+)?{_COUNT}\b|"
    rf"\bdeath toll\b",
    re.IGNORECASE,
)
_VICTIM = (
    r"(?:commanders?|leaders?|journalists?|doctors?|soldiers?|officers?|child|boy|girl|man|woman|worker|"
    r"reporter|ambassador|envoy|chief|general|official|activist|civilian|policeman)"
)
_SINGLE_VICTIM = re.compile(
    rf"\b{_VICTIM}\b[^,;:]{{0,40}}\b(?:killed|shot dead|dies|died|assaulted|wounded|injured)\b|"
    rf"\b(?:kills?|killed|assassinat\w*|shoots? dead|shot dead)\s+(?:a |an |the |its |his |her |their |one )?"
    rf"(?:[\w'’-]+\s+){{0,3}}{_VICTIM}\b|\bturns? deadly\b",
    re.IGNORECASE,
)
_TOPIC_LABEL = re.compile(
    r"\b(?:war|crisis|conflict|fighting|unrest|attacks?|latest|news|updates?|special|exclusive|breaking|"
    r"explainer|analysis|opinion|watch|video|photos?|live|in pictures)\b",
    re.IGNORECASE,
)
_TRAILING_SPEAKER = re.compile(
    r"^(?P<content>.+?)(?:,|\s[-–—])\s+(?:says?|said|claims?)\s+(?P<who>[^,;:]{1,50})$|"
    r"^(?P<content2>.+?)(?:,|\s[-–—])\s+(?P<who2>[^,;:]{1,50}?)\s+(?:says?|said|claims?|reports?|confirms?)$",
    re.I,
)
_EXPLAINER_AFTER_LABEL = re.compile(r"[:|]\s*['‘\"]?(?:why|how|what|who)\b", re.IGNORECASE)
_TRAILING_SOURCE = re.compile(r"^(?P<content>.+?)\s*:\s+(?P<who>[A-Z][^:]{1,40})$")


def _kinds(text: str) -> tuple[EventKind, ...]:
    return tuple(k for k, cue in EVENT_CUES.items() if cue.search(text))


def _background_kinds(text: str) -> tuple[EventKind, ...]:
    """The events a background clause names: as for a main clause, and a disaster by its noun."""
    found = _kinds(text)
    if EventKind.DISASTER not in found and DISASTER_NOUNS.search(text):
        found = (*found, EventKind.DISASTER)
    return found


def _harm(text: str) -> bool:
    return bool(_COUNTED_HARM.search(text) or _SINGLE_VICTIM.search(text))


def _strip_labels(title: str) -> tuple[str, set[str], str | None]:
    """The headline without leading topic/format labels and trailing tags; the labels' forms; and a
    leading speaker ("Hamas: 71 killed …")."""
    text = " ".join(title.split())
    forms: set[str] = set()
    speaker: str | None = None
    for _ in range(3):  # "Israel-Hamas war live: WATCH: …"
        m = KICKER.match(text)
        if m is None:
            break
        label = m.group(1)
        rest = text[m.end() :]
        if ANALYSIS.search(label) or EXPLAINER.search(label):
            forms.add("analysis")
        if ROUNDUP.search(label):
            forms.add("roundup")
        if LIVE.search(label):
            forms.add("live")
        if MEDIA.search(label):
            forms.add("media")
        if not _TOPIC_LABEL.search(label) and len(label.split()) <= 4 and "?" not in label:
            speaker = label  # "Biden: …", "Hamas: …", "UN envoy: …"
        text = rest
    m = TRAILER.search(text)
    if m is not None and len(text) - len(m.group(0)) > 15:
        tag = m.group(1)
        if ROUNDUP.search(tag):
            forms.add("roundup")
        text = text[: m.start()]
    return text.strip(), forms, speaker


def _form(core: str, forms: set[str]) -> Form:
    stripped = core.strip(" '\"‘’“”")
    if "roundup" in forms or ROUNDUP.search(core):
        return Form.ROUNDUP
    if "analysis" in forms:
        return Form.ANALYSIS
    if stripped.endswith("?"):
        return Form.QUESTION
    if EXPLAINER.search(core):
        return Form.EXPLAINER
    first = stripped.split(maxsplit=1)[0] if stripped else ""
    opens_question = first.lower() in {"why", "how", "what", "who", "whose", "which"}
    if opens_question or _EXPLAINER_AFTER_LABEL.search(core):
        return Form.EXPLAINER
    return Form.REPORT


def _split(core: str) -> tuple[str, str]:
    """(main clause, background clause). A second sentence after ";" is background too."""
    first, semicolon, rest = core.partition(";")
    if semicolon and len(first.split()) >= 3:
        main, sub = _split(first)
        return main, f"{sub} {rest}".strip()
    lead = LEADING_SUBORDINATE.match(core)
    if lead is not None:
        return core[lead.end() :], core[: lead.end()]
    m = SUBORDINATE.search(core)
    if m is None:
        return core, ""
    main, sub = core[: m.start()], core[m.end() :]
    if _QUOTE_ONLY.fullmatch(main.strip()):
        return sub, main  # "'Bodies all around' as air raids hit homes": the quote is colour
    return main, sub


_QUOTE_ONLY = re.compile(r"['‘“\"][^'’”\"]{1,80}['’”\"]")


def main_clause(title: str) -> str:
    """The headline's main clause, without its labels and its background clause."""
    core, _, _ = _strip_labels(title)
    return _split(core)[0].strip()


def read_headline(title: str) -> HeadlineReading:
    core, forms, speaker = _strip_labels(title)
    form = _form(core, forms)
    main, sub = _split(core)
    statement = False
    content = main
    inverted = _inverted_speaker(main)
    if inverted is not None:
        # "… to be returned, says RSF", "More than 180 killed in Sudan fighting: UN envoy".
        speaker, content = inverted
        statement = not _harm(content) and not (SOURCE_SPEAKERS.search(speaker) and _reports(content))
    else:
        said = SPEECH.search(main)
        who = main[: said.start()] if said is not None else ""
        if said is not None and said.start() > 0 and not (_harm(who) or _kinds(who)):
            content = main[said.end() :]
            speaker = who.strip(" ,'\"") or speaker
            # "Hamas says 71 killed", "Ukraine accuses Russia of blowing up the dam": the report is what
            # they say, when it is an event. "Iran warns …", "EU leaders meet …": a statement.
            attributed = ATTRIBUTION.fullmatch(said.group(0)) is not None
            statement = not _reports(content) if attributed else True
        elif DIPLOMACY.search(main) and not _harm(main) and not _kinds(main):
            statement = True  # "Crisis talks underway to halt Sudan violence as …"
        elif _consequence(main):
            statement = True  # "Dam breach gives Russia a new weapon": about an event, not its news
    hypothetical = _hedged(content)
    casualties = _harm(content)
    kinds = _kinds(content)
    if speaker is not None and not statement and not kinds and not casualties:
        statement = True  # "Biden: occupation would be a mistake"
    return HeadlineReading(
        core=core,
        form=form,
        kinds=kinds,
        background=_background_kinds(sub),
        casualties=casualties,
        background_casualties=_harm(sub),
        statement=statement,
        hypothetical=hypothetical and not casualties,
        live="live" in forms or bool(LIVE.search(title[:40])),
        media="media" in forms,
        pictures=bool(MEDIA_DESCRIPTION.search(main)),
        speaker=speaker,
        title=title,
    )


def _hedged(text: str) -> bool:
    return bool(HYPOTHETICAL.search(text))


def _consequence(main: str) -> bool:
    """The main clause names an event as its subject and says what it causes or means."""
    m = CONSEQUENCE.search(main)
    if m is None or _harm(main):
        return False
    subject = main[: m.start()]
    return bool(_background_kinds(subject) or EVENT_NOUNS.search(subject))


def _reports(content: str) -> bool:
    """What someone is quoted saying is itself an event report: people harmed, or an event that
    is not hedged."""
    return _harm(content) or (bool(_kinds(content)) and not _hedged(content))


def _inverted_speaker(main: str) -> tuple[str, str] | None:
    """(speaker, what they say) for a headline that names its source last."""
    m = _TRAILING_SPEAKER.match(main)
    if m is not None:
        who = m.group("who") or m.group("who2")
        content = m.group("content") or m.group("content2")
    else:
        m = _TRAILING_SOURCE.match(main)
        if m is None:
            return None
        who, content = m.group("who"), m.group("content")
    if len(who.split()) > 6:
        return None
    return who.strip(" ,'\""), content


__all__ = ["EventKind", "Form", "HeadlineReading", "read_headline"]
