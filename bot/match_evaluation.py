"""Measuring the watchlist matcher against the hand-labelled set in ``eval/matching/``.

The labels hold only links and judgments; the text comes from the shared corpus, read once. Each
labelled item is run through the real ``Matcher`` and compared with its label, per watchlist: a
match on a relevant item is a true positive, a match on an irrelevant one a false positive, no match
on a relevant one a false negative. Run ``python -m bot.match_evaluation`` to print the report that
``docs/ACCURACY.md`` quotes.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import sys
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO, TypeVar

from bot.adapters.reader import ReaderClient, ReaderSettings
from bot.core.matching import Match, Matcher
from bot.core.reader import ReaderAnswer, ReaderQuestion, Verdict, messages, parse_answer, question_for
from bot.core.relevance import RelevanceModel
from bot.core.text import html_to_text
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import ConfigError
from bot.geo import load_gazetteer, load_relevance_model

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "news2023.jsonl.gz"
DEFAULT_LABELS = REPO / "eval" / "matching"
DEFAULT_CONFIG = DEFAULT_LABELS / "watchlists.toml"


@dataclass(frozen=True, slots=True)
class Label:
    link: str
    watchlist: str
    relevant: bool
    note: str


@dataclass(frozen=True, slots=True)
class LabelledText:
    """A corpus item as the bot would see it: plain-text title and description."""

    link: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Miss:
    """A wrongly matched or missed item; ``why`` says which watch terms the text did (not) hit."""

    link: str
    title: str
    note: str
    why: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """Confusion counts of one watchlist, with the items that went wrong for the report."""

    watchlist: str
    tp: int
    fp: int
    fn: int
    tn: int
    false_positives: tuple[Miss, ...] = field(default=())
    false_negatives: tuple[Miss, ...] = field(default=())

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.tp + self.fp + self.fn + self.tn,
            "relevant": self.tp + self.fn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def read_labels(path: Path) -> list[Label]:
    """The labels of one JSON Lines file; a malformed line is a ConfigError naming file and line."""

    def label(obj: Mapping[str, Any]) -> Label:
        return Label(
            link=_str(obj, "link"),
            watchlist=_str(obj, "watchlist"),
            relevant=_bool(obj, "relevant"),
            note=_str(obj, "note"),
        )

    return list(_records(path, "label", label))


def _records(path: Path, what: str, read: Callable[[Mapping[str, Any]], T]) -> Iterator[T]:
    """Each non-blank line of a JSON Lines file through ``read``; a bad line or an unreadable file
    is a ConfigError naming the file (and the line)."""
    try:
        with path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield read(json.loads(line))
                except (ValueError, TypeError, KeyError) as e:
                    raise ConfigError(f"{path}:{line_no}: bad {what} ({e})") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read {what}s ({e.strerror or e})") from e


OFF_THEME = "off-theme"
"""How a note starts when the item is in the region but outside the themes (``eval/regions``)."""


def is_off_theme(label: Label) -> bool:
    """Not relevant only for its theme: the place test alone would call it relevant."""
    return not label.relevant and label.note.startswith(OFF_THEME)


def load_labels(labels_dir: Path) -> list[Label]:
    """Every ``labels-*.jsonl`` in the directory, in file-name order."""
    files = sorted(labels_dir.glob("labels-*.jsonl"))
    if not files:
        raise ConfigError(f"{labels_dir}: no labels-*.jsonl files")
    return [label for path in files for label in read_labels(path)]


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _bool(obj: Mapping[str, Any], key: str) -> bool:
    value = obj[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} must be true or false")
    return value


def load_watchlists(config_path: Path) -> tuple[Watchlist, ...]:
    """The ``[[watchlists]]`` of a TOML file in the project's config format."""
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{config_path}: cannot read watchlists ({e})") from e
    try:
        return tuple(_watchlist(entry) for entry in data.get("watchlists", []))
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{config_path}: bad watchlist ({e})") from e


def _watchlist(entry: Mapping[str, Any]) -> Watchlist:
    regions = tuple(
        Region(name=r) if isinstance(r, str) else Region(name=r["name"], aliases=tuple(r.get("aliases", ())))
        for r in entry.get("regions", [])
    )
    channels = tuple(
        dict.fromkeys([*([entry["channel"]] if "channel" in entry else []), *entry.get("channels", [])])
    )
    return Watchlist(
        name=entry["name"],
        channels=channels,
        regions=regions,
        keywords=tuple(entry.get("keywords", ())),
        exclude=tuple(entry.get("exclude", ())),
        rule=Rule(entry.get("rule", Rule.REGION_AND_KEYWORD.value)),
        scope=entry.get("scope"),
    )


def corpus_lines(corpus_path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if corpus_path.suffix == ".gz" else open
    with opener(corpus_path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                if isinstance(obj, dict):
                    yield obj


def find_items(corpus_path: Path, links: Iterable[str]) -> dict[str, LabelledText]:
    """The wanted items by link, found in one pass; the first occurrence of a link wins."""
    wanted = set(links)
    found: dict[str, LabelledText] = {}
    for obj in corpus_lines(corpus_path):
        link = obj.get("link")
        if link in wanted and link not in found:
            found[link] = LabelledText(
                link=link,
                title=html_to_text(str(obj.get("title") or "")),
                description=html_to_text(str(obj.get("description") or "")),
            )
            if len(found) == len(wanted):
                break
    return found


def score(
    watchlist: str,
    labels: Sequence[Label],
    items: Mapping[str, LabelledText],
    matched: Mapping[str, frozenset[str]],
    why: Mapping[tuple[str, str], str] | None = None,
) -> Score:
    """Confusion counts of one watchlist; ``matched`` maps a link to the watchlists that matched it.

    ``why`` optionally explains an item per (watchlist, link) for the report.
    """
    tp = fp = fn = tn = 0
    fps: list[Miss] = []
    fns: list[Miss] = []
    for label in labels:
        if label.watchlist != watchlist or label.link not in items:
            continue
        hit = watchlist in matched.get(label.link, frozenset())
        miss = Miss(
            label.link, items[label.link].title, label.note, (why or {}).get((watchlist, label.link), "")
        )
        if hit and label.relevant:
            tp += 1
        elif hit:
            fp += 1
            fps.append(miss)
        elif label.relevant:
            fn += 1
            fns.append(miss)
        else:
            tn += 1
    return Score(watchlist, tp, fp, fn, tn, tuple(fps), tuple(fns))


def build_matchers(
    watchlists: Sequence[Watchlist], relevance: RelevanceModel | None = None
) -> tuple[Matcher, Matcher]:
    """The real matcher (with the optional relevance gate), and a probe with rule "any" that shows
    which half of region-and-keyword a miss lacked. Both share one gazetteer, the slow part to build."""
    gazetteer = load_gazetteer()
    probe = [replace(w, rule=Rule.ANY, exclude=()) for w in watchlists]
    return Matcher(list(watchlists), gazetteer, relevance=relevance), Matcher(probe, gazetteer)


Pair = tuple[str, str]
"""(watchlist, link)."""

ReaderStep = Callable[[Mapping[Pair, ReaderQuestion]], Mapping[Pair, ReaderAnswer]]
"""Answers the reader's question for each match; a pair left out is answered ``UNKNOWN``."""


def evaluate_matching(
    corpus_path: Path,
    labels_dir: Path,
    config_path: Path,
    out: TextIO,
    relevance: RelevanceModel | None = None,
    reader: ReaderStep | None = None,
    score_only: Collection[Pair] | None = None,
    rule: Rule | None = None,
    place_only: bool = False,
) -> dict[str, dict[str, Any]]:
    """Score the matcher on every labelled watchlist; print the report to ``out``; return the metrics.

    ``relevance`` turns on the learned event-report gate (``bot.core.relevance``). The packaged weights
    were trained on the transfer labels only (other conflicts), so on the evaluation sets its scores
    are out of sample; on ``eval/matching/transfer`` itself they are in-sample and optimistic.

    ``reader`` is the language-model check (``bot.core.reader``): it is asked about every match,
    exactly as the engine asks it, and a NOT RELEVANT answer withholds that match.

    ``score_only`` limits scoring to those (watchlist, link) labels: a reading of part of a set.
    ``rule`` replaces every watchlist's rule (with a reader, ``region`` lets the model judge the theme).
    ``place_only`` scores the place test alone: a label whose note starts ``off-theme`` (in the region,
    outside the themes; ``eval/regions``) counts as relevant.
    """
    labels = load_labels(labels_dir)
    if place_only:
        labels = [replace(label, relevant=True) if is_off_theme(label) else label for label in labels]
    if score_only is not None:
        keep = set(score_only)
        labels = [label for label in labels if (label.watchlist, label.link) in keep]
        if not labels:
            raise ConfigError(f"{labels_dir}: no label is among the pairs to score")
    watchlists = load_watchlists(config_path)
    if rule is not None:
        watchlists = tuple(replace(w, rule=rule) for w in watchlists)
    names = [w.name for w in watchlists]
    unknown = sorted({label.watchlist for label in labels} - set(names))
    if unknown:
        raise ConfigError(f"labels name watchlists missing from {config_path}: {', '.join(unknown)}")
    items = find_items(corpus_path, (label.link for label in labels))
    matcher, probe = build_matchers(watchlists, relevance)
    by_name = {w.name: w for w in watchlists}
    matched: dict[str, frozenset[str]] = {}
    why: dict[tuple[str, str], str] = {}
    questions: dict[Pair, ReaderQuestion] = {}
    for link, item in items.items():
        found, vetoed = matcher.screen(item.title, item.description, link=link)
        matched[link] = frozenset(m.watchlist for m in found)
        for m in found:
            questions[(m.watchlist, link)] = question_for(
                by_name[m.watchlist], m, item.title, item.description
            )
        for m in probe.match(item.title, item.description):
            why[(m.watchlist, link)] = _explain(m)
        for v in vetoed:
            why[(v.watchlist, link)] = f"{_explain(v.match)}; vetoed: {v.reason}"
    if reader is not None:
        _apply_reader(reader, questions, matched, why, out)
    missing = {label.link for label in labels} - items.keys()
    if missing:
        out.write(f"warning: {len(missing)} labelled links not found in {corpus_path}\n")
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        if not any(label.watchlist == name for label in labels):
            continue
        s = score(name, labels, items, matched, why)
        results[name] = s.as_dict()
        _report(s, out)
    return results


def _apply_reader(
    reader: ReaderStep,
    questions: Mapping[Pair, ReaderQuestion],
    matched: dict[str, frozenset[str]],
    why: dict[Pair, str],
    out: TextIO,
) -> None:
    """Withhold the matches the reader answers NOT RELEVANT, noting its reason for the report."""
    answers = reader(questions)
    counts = dict.fromkeys(Verdict, 0)
    for pair in questions:
        answer = answers.get(pair, ReaderAnswer(Verdict.UNKNOWN, "not answered"))
        counts[answer.verdict] += 1
        name, link = pair
        if answer.withholds:
            matched[link] = matched[link] - {name}
            why[pair] = f"{why.get(pair, '')}; withheld by the reader: {answer.reason}"
        else:
            why[pair] = f"{why.get(pair, '')}; reader: {answer.verdict.value}: {answer.reason}"
    out.write(
        f"reader: {len(questions)} matches asked — {counts[Verdict.RELEVANT]} relevant, "
        f"{counts[Verdict.NOT_RELEVANT]} withheld, {counts[Verdict.UNKNOWN]} without a verdict "
        "(those alert)\n"
    )


def _explain(m: Match) -> str:
    regions = ", ".join(dict.fromkeys(h.surface for h in m.regions)) or "-"
    keywords = ", ".join(dict.fromkeys(h.surface for h in m.keywords)) or "-"
    return f"region: {regions}; keywords: {keywords}"


def _report(s: Score, out: TextIO) -> None:
    m = s.as_dict()
    out.write(
        f"\n== {s.watchlist}: {m['items']} items, {m['relevant']} relevant — "
        f"precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f} "
        f"(tp {s.tp}, fp {s.fp}, fn {s.fn}, tn {s.tn})\n"
    )
    for heading, misses in (("false positives", s.false_positives), ("false negatives", s.false_negatives)):
        if misses:
            out.write(f"  {heading}:\n")
            for miss in misses:
                why = miss.why or "region: -; keywords: -"
                out.write(f"    - {miss.title[:100]}  [{miss.note}]\n      ({why}) {miss.link}\n")


def write_reader_prompts(path: Path) -> ReaderStep:
    """A reader step that answers nothing and writes each question's chat messages to ``path``.

    The file holds corpus text, so it belongs outside the repository; it is how the prompts are
    answered offline by a model reached some other way, into a file for ``--reader-answers``.
    """

    def step(questions: Mapping[Pair, ReaderQuestion]) -> Mapping[Pair, ReaderAnswer]:
        with path.open("w", encoding="utf-8") as fh:
            for (name, link), question in questions.items():
                row = {"watchlist": name, "link": link, "messages": messages(question)}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return {}

    return step


def read_reader_answers(path: Path) -> dict[Pair, ReaderAnswer]:
    """``{"watchlist", "link", "reply"}`` lines: each reply read exactly as the engine reads one."""

    def answer(obj: Mapping[str, Any]) -> tuple[Pair, ReaderAnswer]:
        reply = obj["reply"]
        if not isinstance(reply, str):
            raise ValueError("'reply' must be a string")
        return (_str(obj, "watchlist"), _str(obj, "link")), parse_answer(reply)

    return dict(_records(path, "reader answer", answer))


def ask_endpoint(settings: ReaderSettings) -> ReaderStep:
    """A reader step that asks a live OpenAI-compatible endpoint, as the engine does."""

    def step(questions: Mapping[Pair, ReaderQuestion]) -> Mapping[Pair, ReaderAnswer]:
        async def ask() -> list[ReaderAnswer]:
            async with ReaderClient(settings) as client:
                return await client.ask_all(list(questions.values()))

        return dict(zip(questions, asyncio.run(ask()), strict=True))

    return step


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--json", action="store_true", help="also print the metrics as JSON")
    parser.add_argument(
        "--relevance-gate",
        action="store_true",
        help="apply the learned event-report gate (trained on eval/matching/transfer only: "
        "out of sample on the evaluation sets, in-sample on the transfer set)",
    )
    reader = parser.add_mutually_exclusive_group()
    reader.add_argument(
        "--reader-url",
        metavar="URL",
        help="ask this OpenAI-compatible endpoint (like http://127.0.0.1:11434/v1) about every match, "
        "as the engine's [reader] does; the key comes from SITREP_READER_API_KEY",
    )
    reader.add_argument(
        "--reader-answers",
        type=Path,
        metavar="FILE",
        action="append",
        help='apply the reader replies in FILE ({"watchlist", "link", "reply"} per line); give it '
        "again for more files, a later file's reply to the same match wins",
    )
    reader.add_argument(
        "--reader-prompts",
        type=Path,
        metavar="FILE",
        help="write the reader's chat messages for every match to FILE (corpus text: keep it out of "
        "the repository), to be answered offline into a --reader-answers file",
    )
    parser.add_argument("--reader-model", default="", help="the model name sent with --reader-url")
    parser.add_argument(
        "--only-answered",
        action="store_true",
        help="with --reader-answers: score only the labels the file answers (a reading of part of a set "
        "of matched items, like eval/matching/reader/replies-transfer.jsonl); recall then counts "
        "only what the reader kept of the matcher's true alerts",
    )
    parser.add_argument(
        "--rule",
        choices=[r.value for r in Rule],
        help="evaluate every watchlist with this rule instead of its own",
    )
    parser.add_argument(
        "--place-only",
        action="store_true",
        help='score the place test alone: labels whose note starts "off-theme" (in the region, outside '
        "the themes) count as relevant (eval/regions)",
    )
    args = parser.parse_args(argv)
    relevance = load_relevance_model() if args.relevance_gate else None
    step: ReaderStep | None = None
    only: Collection[Pair] | None = None
    if args.only_answered and not args.reader_answers:
        parser.error("--only-answered needs --reader-answers")
    if args.reader_url:
        if not args.reader_model:
            parser.error("--reader-url needs --reader-model")
        step = ask_endpoint(
            ReaderSettings(
                url=args.reader_url,
                model=args.reader_model,
                api_key=os.environ.get("SITREP_READER_API_KEY") or None,
            )
        )
    elif args.reader_answers:
        answers = {pair: a for path in args.reader_answers for pair, a in read_reader_answers(path).items()}
        step = lambda questions: answers  # noqa: E731 - the file is the reader
        only = answers.keys() if args.only_answered else None
    elif args.reader_prompts:
        step = write_reader_prompts(args.reader_prompts)
    rule = Rule(args.rule) if args.rule else None
    results = evaluate_matching(
        args.corpus, args.labels, args.config, sys.stdout, relevance, step, only, rule, args.place_only
    )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
