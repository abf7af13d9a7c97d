"""Reproducible selection of the items to label for the matching evaluation set.

For each watchlist the candidates are drawn from three pools of the shared corpus (fixed seed, so the
same corpus always yields the same list):

* ``region`` — items naming the region or a place inside it under any spelling (deliberately broad
  regexes, much broader than any watchlist, so the matcher's misses are in the set);
* ``hard`` — hard negatives: the same country elsewhere or the same themes next door (Syria without
  Idlib; Israel, the West Bank, Lebanon; South Sudan, Chad, Ethiopia);
* ``random`` — items matching neither, to check the matcher stays quiet on ordinary news.

The text is printed for a human to read and label; it is never written into the repo. Run from the
repository root::

    .venv/bin/python -m eval.matching.select_candidates idlib --show --start 0 --count 50
    .venv/bin/python -m eval.matching.select_candidates gaza --links
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.text import html_to_text
from bot.match_evaluation import DEFAULT_CORPUS, corpus_lines

SEED = 2023
_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Candidate:
    pool: str
    link: str
    date: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Pool:
    """``size`` None takes the whole pool."""

    name: str
    accepts: Callable[[str, str], bool]
    size: int | None


_IDLIB = re.compile(
    r"idli?b|idleb|saraqi?b|ma.?arr?at al|jisr al|sarmada|\bharem\b|\bharim\b|afrin|bab al-hawa|salqin|"
    r"atareb|\bazaz\b|jandaris|jindires|north-?west(ern)? syria|syria.s north-?west|rebel-held|"
    r"opposition-held|hayat tahrir|\bHTS\b|white helmets",
    _I,
)
_SYRIA_OR_QUAKE = re.compile(r"\bsyria|\bassad\b|damascus|aleppo|(turk(ey|iye).*(earthquake|quake))", _I)
_GAZA = re.compile(
    r"gaza|rafah|khan y[ou]nis|jabalia|jabaliya|deir al-balah|nuseirat|al-shifa|beit hanoun|bureij|"
    r"maghazi|\bhamas\b",
    _I,
)
_ISRAEL_NEIGHBOURS = re.compile(
    r"israel|west bank|jenin|nablus|hebron|palestin|hezbollah|lebanon|houthi|netanyahu|jerusalem", _I
)
_SUDAN = re.compile(
    r"sudan|khartoum|omdurman|darfur|el fasher|al-fashir|geneina|\bRSF\b|rapid support|kordofan|"
    r"\bbahri\b|wad madani|\bburhan\b|hemedti|dagalo",
    _I,
)
_SUDAN_NEIGHBOURS = re.compile(
    r"\bchad\b|ethiopia|eritrea|tigray|libya|central african|\bniger\b|somalia|paramilitary|ceasefire|"
    r"refugee",
    _I,
)
_ALL_REGIONS = (_IDLIB, _GAZA, _SUDAN)


def _in(regex: re.Pattern[str]) -> Callable[[str, str], bool]:
    return lambda text, _date: bool(regex.search(text))


def _none_of(*regexes: re.Pattern[str]) -> Callable[[str, str], bool]:
    return lambda text, _date: not any(r.search(text) for r in regexes)


POOLS: dict[str, tuple[Pool, ...]] = {
    "idlib": (
        Pool("region", _in(_IDLIB), None),
        Pool("hard", lambda t, d: bool(_SYRIA_OR_QUAKE.search(t)) and not _IDLIB.search(t), 140),
        Pool("random", _none_of(*_ALL_REGIONS, _SYRIA_OR_QUAKE), 50),
    ),
    "gaza": (
        Pool("region-war", lambda t, d: bool(_GAZA.search(t)) and d >= "2023-10-07", 170),
        Pool("region-early", lambda t, d: bool(_GAZA.search(t)) and d < "2023-10-07", 50),
        Pool("hard", lambda t, d: bool(_ISRAEL_NEIGHBOURS.search(t)) and not _GAZA.search(t), 60),
        Pool("random", _none_of(*_ALL_REGIONS, _ISRAEL_NEIGHBOURS), 30),
    ),
    "sudan": (
        Pool("region", _in(_SUDAN), 220),
        Pool("hard", lambda t, d: bool(_SUDAN_NEIGHBOURS.search(t)) and not _SUDAN.search(t), 60),
        Pool("random", _none_of(*_ALL_REGIONS, _SUDAN_NEIGHBOURS), 30),
    ),
}


REGION_PATTERNS = {"idlib": _IDLIB, "gaza": _GAZA, "sudan": _SUDAN}


def _later_mentions(text: str, shown: int, regex: re.Pattern[str], width: int = 110) -> list[str]:
    """Context of region mentions past the shown prefix: a labeller must see what the matcher sees."""
    return [
        " ".join(text[max(0, m.start() - width) : m.end() + width].split())
        for m in regex.finditer(text, shown)
    ][:4]


def select(corpus_path: Path, watchlist: str, seed: int = SEED) -> list[Candidate]:
    """The candidates of one watchlist, ordered by date then link. An item joins its first pool only."""
    pools = POOLS[watchlist]
    members: dict[str, list[Candidate]] = {p.name: [] for p in pools}
    seen: set[str] = set()
    for obj in corpus_lines(corpus_path):
        link = str(obj.get("link") or "")
        if not link or link in seen:
            continue
        seen.add(link)
        title = html_to_text(str(obj.get("title") or ""))
        description = html_to_text(str(obj.get("description") or ""))
        date = str(obj.get("date_published") or "")[:10]
        text = f"{title}\n{description}"
        for pool in pools:
            if pool.accepts(text, date):
                members[pool.name].append(Candidate(pool.name, link, date, title, description))
                break
    chosen: list[Candidate] = []
    for pool in pools:
        found = members[pool.name]
        if pool.size is None or len(found) <= pool.size:
            chosen.extend(found)
        else:
            chosen.extend(random.Random(f"{seed}:{watchlist}:{pool.name}").sample(found, pool.size))
    return sorted(chosen, key=lambda c: (c.date, c.link))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Select candidates for the matching evaluation set.")
    parser.add_argument("watchlist", choices=sorted(POOLS))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seed", type=int, default=SEED)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--links", action="store_true", help="print only the links, one per line")
    mode.add_argument("--show", action="store_true", help="print title and description to read")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=300, help="description characters shown")
    args = parser.parse_args(argv)
    candidates = select(args.corpus, args.watchlist, args.seed)
    window = candidates[args.start : args.start + args.count]
    if args.show:
        for n, c in enumerate(window, args.start):
            print(f"[{n}] {c.date} {c.pool} {c.link}\n  T: {c.title}\n  D: {c.description[: args.chars]}")
            for snippet in _later_mentions(c.description, args.chars, REGION_PATTERNS[args.watchlist]):
                print(f"  +: ...{snippet}...")
    elif args.links:
        for c in window:
            print(c.link)
    else:
        by_pool: dict[str, int] = {}
        for c in candidates:
            by_pool[c.pool] = by_pool.get(c.pool, 0) + 1
        print(f"{args.watchlist}: {len(candidates)} candidates {by_pool}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
