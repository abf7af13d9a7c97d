"""Benchmark: Matcher.match throughput as the number of watch terms grows (10 -> 2,000).

The matcher indexes every term by its first token and walks the text once, so throughput should be
nearly flat in the number of terms; the ratio of per-item time at 2,000 terms vs 10 must stay <= 1.5.
The four desk regions (Idlib, Gaza, Sudan, Ukraine) stay fixed; the extra terms are keywords drawn
from corpus vocabulary outside the timed slice (single words and bigrams of middling frequency,
so they hit about as often as real keywords), spread over the four watchlists.

Also prints the gazetteer build time and the matcher build time. The sizes are timed interleaved in
chunks of items, fastest pass per chunk and size, so a noisy machine does not decide the ratio.

    .venv/bin/python bench/bench_match.py [--items 30000] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.matching import Matcher
from bot.core.normalize import words
from bot.core.text import html_to_text
from bot.core.watchlists import Region, Watchlist
from bot.geo import load_gazetteer

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "news2023.jsonl.gz"
REGIONS = ("Idlib", "Gaza", "Sudan", "Ukraine")
BASE_KEYWORDS = ("airstrike", "killed", "wounded", "displaced", "ceasefire", "shelling")
SIZES = (10, 100, 1_000, 2_000)
CHUNK = 500  # items per interleaved timing chunk


def read_items(path: Path, skip: int, count: int) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i < skip:
                continue
            if len(items) >= count:
                break
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            items.append(
                (html_to_text(str(obj.get("title") or "")), html_to_text(str(obj.get("description") or "")))
            )
    return items


def vocabulary(items: list[tuple[str, str]], need: int) -> list[str]:
    """Words and bigrams of middling frequency: frequent enough to hit, not stopword-common."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for title, summary in items:
        ws = [w for w in words(f"{title} {summary}") if w.isalpha() and len(w) > 3]
        unigrams.update(ws)
        bigrams.update(f"{a} {b}" for a, b in itertools.pairwise(ws))
    ranked = [w for w, _ in unigrams.most_common()[300 : 300 + need]]
    ranked += [b for b, c in bigrams.most_common() if c >= 3][: need // 2]
    return [w for w in ranked if w not in BASE_KEYWORDS][:need]


def watchlists(total_terms: int, vocab: list[str]) -> list[Watchlist]:
    keywords = list(BASE_KEYWORDS) + vocab
    n_keywords = total_terms - len(REGIONS)
    chosen = keywords[:n_keywords]
    return [
        Watchlist(
            name=region.lower(),
            channels=("C0123456789",),
            regions=(Region(region),),
            keywords=tuple(chosen[i :: len(REGIONS)]),
        )
        for i, region in enumerate(REGIONS)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="fastest of N timed passes per chunk and size")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")

    started = time.perf_counter()
    gazetteer = load_gazetteer()
    gazetteer_ms = (time.perf_counter() - started) * 1000
    items = read_items(args.corpus, 0, args.items)
    vocab = vocabulary(read_items(args.corpus, args.items, 20_000), max(SIZES))
    extent = f"{len(gazetteer.places):,} places, {len(gazetteer.by_name):,} names"
    print(f"gazetteer build: {gazetteer_ms:,.0f} ms ({extent})")
    print(f"items: {len(items):,} (first of {args.corpus.name})")

    rows: list[tuple[int, float, float, int]] = []
    matchers: list[tuple[int, Matcher, float]] = []
    for size in SIZES:
        wls = watchlists(size, vocab)
        terms = sum(len(w.regions) + len(w.keywords) + len(w.exclude) for w in wls)
        started = time.perf_counter()
        matcher = Matcher(wls, gazetteer)
        build_ms = (time.perf_counter() - started) * 1000
        matchers.append((terms, matcher, build_ms))
    # Interleave the sizes in chunks of items and keep, per chunk and size, the fastest of the passes:
    # a burst of load on a shared machine then spoils one chunk's pass, not a whole size's figure.
    # CPU time, not the wall clock.
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    best = [0.0] * len(matchers)
    counts = [0] * len(matchers)
    for chunk in chunks:
        fastest = [float("inf")] * len(matchers)
        for attempt in range(args.repeat):
            for n, (_, matcher, _) in enumerate(matchers):
                found = 0
                started = time.process_time()
                for title, summary in chunk:
                    found += len(matcher.match(title, summary))
                fastest[n] = min(fastest[n], time.process_time() - started)
                if attempt == 0:
                    counts[n] += found
        best = [b + f for b, f in zip(best, fastest, strict=True)]
    for n, (terms, _, build_ms) in enumerate(matchers):
        rows.append((terms, len(items) / best[n], build_ms, counts[n]))

    print(f"\n{'terms':>6}  {'items/s':>9}  {'µs/item':>8}  {'matcher build':>13}  {'matches':>8}")
    for terms, rate, build_ms, matches in rows:
        print(f"{terms:>6}  {rate:>9,.0f}  {1e6 / rate:>8.1f}  {build_ms:>10,.0f} ms  {matches:>8,}")
    ratio = rows[0][1] / rows[-1][1]
    verdict = "OK" if ratio <= 1.5 else "TOO SLOW"
    print(f"\ntime per item, {rows[-1][0]:,} terms vs {rows[0][0]:,}: {ratio:.2f}x (limit 1.5x) {verdict}")


if __name__ == "__main__":
    main()
