"""Backtest: replay a corpus of past feed items through the matcher and say what each would become.

``run_backtest`` reads JSON Lines (optionally gzipped) in the shared corpus shape, keeps the items in
the date range, and for every item that names a watchlist's region gives its tier (push, digest or
drop, with the reason: ``bot.core.tiers``) and its casualty figures. It prints a table (or JSON Lines
with ``as_json``, each with a ``tier`` and a ``why`` field) and a summary, and returns the summary.
Thresholds, muting, quiet hours and incidents are not applied: the point is to see every item a
watchlist's terms catch and what its tier would be. Malformed lines are counted and skipped.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.core.casualties import extract_casualties
from bot.core.figures import Casualties
from bot.core.gazetteer import Gazetteer
from bot.core.headline import read_headline
from bot.core.matching import Match, Matcher
from bot.core.tiers import Tier, TierDecision, tier_of
from bot.core.watchlists import Watchlist
from bot.corpus import CorpusItem, CorpusStats, iter_corpus
from bot.errors import CommandError

_PROGRESS_EVERY = 5_000
_TITLE_WIDTH = 70


@dataclass(frozen=True, slots=True)
class BacktestSummary:
    scanned: int
    malformed: int
    in_range: int
    matched: int
    """Items that matched at least one watchlist."""
    per_watchlist: Mapping[str, int] = field(default_factory=dict)
    """Items per watchlist whose tier is push or digest (a drop is named but not matched)."""
    per_tier: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Per watchlist, items per tier."""
    per_day: Mapping[date, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: tuple[str, ...] = ()
    """The first few malformed-line reasons, for the operator."""


def run_backtest(
    corpus_path: Path,
    watchlists: Sequence[Watchlist],
    gazetteer: Gazetteer,
    *,
    watchlist_name: str | None = None,
    since: date | None = None,
    until: date | None = None,
    out: TextIO,
    as_json: bool = False,
    progress: bool = False,
    err: TextIO | None = None,
) -> BacktestSummary:
    """Replay ``corpus_path``; print what would have alerted to ``out``; return the counts."""
    chosen = _choose(watchlists, watchlist_name)
    if since is not None and until is not None and since > until:
        raise CommandError(f"--since {since} is after --until {until}")
    matcher = Matcher(chosen, gazetteer)
    stats = CorpusStats()
    status = err if err is not None else sys.stderr
    per_watchlist: Counter[str] = Counter()
    per_tier: dict[str, Counter[str]] = {}
    per_day: Counter[date] = Counter()
    in_range = matched = reported = 0
    started = time.monotonic()
    if not as_json:
        header = (
            f"{'date':<10}  {'watchlist':<12}  {'tier':<6}  {'title':<{_TITLE_WIDTH}}  {'terms':<30}  figures"
        )
        out.write(header + "\n")
    for item in iter_corpus(corpus_path, stats, since=since, until=until):
        in_range += 1
        if progress and stats.lines - reported >= _PROGRESS_EVERY:
            reported = stats.lines
            _progress(status, stats.lines, started)
        surveys = matcher.survey(item.title, item.description, link=item.link or None)
        if not surveys:
            continue
        reading = read_headline(item.title)
        decisions = [(sv, tier_of(sv, reading, item.description)) for sv in surveys]
        for sv, d in decisions:
            per_tier.setdefault(sv.watchlist, Counter())[d.tier.value] += 1
        kept = [(sv, d) for sv, d in decisions if d.tier is not Tier.DROP]
        if kept:
            matched += 1
            per_day[item.published.date()] += 1
            per_watchlist.update(sv.watchlist for sv, _ in kept)
        # The JSON lists drops too, each with its reason; the table shows what a desk would see.
        shown = decisions if as_json else kept
        if not shown:
            continue
        casualties = extract_casualties(item.title, item.description)
        for sv, d in shown:
            write = _json_line if as_json else _table_row
            out.write(write(item, sv.match, casualties, d))
    if progress:
        _progress(status, stats.lines, started)
        status.write("\n")
    summary = BacktestSummary(
        scanned=stats.lines,
        malformed=stats.malformed,
        in_range=in_range,
        matched=matched,
        per_watchlist=dict(per_watchlist),
        per_tier={name: dict(c) for name, c in per_tier.items()},
        per_day=dict(sorted(per_day.items())),
        seconds=time.monotonic() - started,
        errors=tuple(stats.errors),
    )
    if not as_json:
        out.write(format_summary(summary))
    return summary


def _choose(watchlists: Sequence[Watchlist], name: str | None) -> list[Watchlist]:
    if name is None:
        return list(watchlists)
    chosen = [w for w in watchlists if w.name == name]
    if not chosen:
        known = ", ".join(w.name for w in watchlists) or "none configured"
        raise CommandError(f"no watchlist named {name!r} (known: {known})")
    return chosen


def _figures(c: Casualties) -> str:
    return ", ".join(h.describe() for h in c.headlines) or "-"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table_row(item: CorpusItem, m: Match, c: Casualties, d: TierDecision) -> str:
    terms = _clip(", ".join(m.terms), 30)
    title = _clip(item.title, _TITLE_WIDTH)
    day = item.published.date().isoformat()
    row = f"{day:<10}  {m.watchlist:<12}  {d.tier.value:<6}  {title:<{_TITLE_WIDTH}}  {terms:<30}"
    return f"{row}  {_figures(c)}\n{'':<32}why: {_clip(d.why, 120)}\n"


def _json_line(item: CorpusItem, m: Match, c: Casualties, d: TierDecision) -> str:
    record: dict[str, object] = {
        "link": item.link,
        "title": item.title,
        "date": item.published.isoformat(),
        "feed": item.feed,
        "watchlist": m.watchlist,
        "terms": list(m.terms),
        "place": m.place,
        "places": sorted({h.place for h in m.regions if h.place}),
        "fuzzy": [h.surface for h in (*m.regions, *m.keywords) if h.fuzzy],
        "tier": d.tier.value,
        "why": d.why,
        **c.as_dict(),
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def _progress(status: TextIO, lines: int, started: float) -> None:
    elapsed = max(time.monotonic() - started, 1e-9)
    bar = "#" * min(40, lines // 25_000)
    status.write(f"\r[{bar:<40}] {lines:,} items read, {lines / elapsed:,.0f}/s")
    status.flush()


def format_summary(s: BacktestSummary) -> str:
    """The human summary printed after the table."""
    lines = [
        "",
        f"items scanned: {s.scanned:,}   malformed: {s.malformed:,}   in date range: {s.in_range:,}"
        f"   matched: {s.matched:,}   ({s.seconds:.1f}s)",
    ]
    lines.extend(f"  skipped {e}" for e in s.errors[:5])
    if len(s.errors) > 5:
        lines.append(f"  … and {len(s.errors) - 5} more skipped lines")
    for name in sorted(set(s.per_watchlist) | set(s.per_tier)):
        tiers = s.per_tier.get(name, {})
        lines.append(
            f"  {name}: {s.per_watchlist.get(name, 0):,} matches — {tiers.get('push', 0):,} push, "
            f"{tiers.get('digest', 0):,} digest, {tiers.get('drop', 0):,} drop"
        )
    if s.per_day:
        lines.append("per day:")
        lines.extend(
            f"  {day.isoformat()}  {count:>5}  {'▇' * min(count, 60)}" for day, count in s.per_day.items()
        )
    return "\n".join(lines) + "\n"
