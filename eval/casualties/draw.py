"""Draw the casualty-figure labelling sample (#18) from the shared corpus, and split it.

What it draws, by fixed rules written before any item was labelled:

* English items, one per distinct title, none of them in ``../shared/eval/casualties-dev.jsonl``
  (the set the rules were written against).
* An even spread over the twelve months of 2023, and no feed (by host) above a third of a month's
  share.
* Weighted towards the news a watchlist alerts on, with every error class of #18 represented:
  ``count`` (a conflict or disaster word and a number) 55 %; ``hard`` (cues of the error classes:
  background totals, cumulative tolls, several events, word numbers, single victims, euphemisms,
  disputed or threatened figures, groups, "casualties") 30 %, split evenly over the cues;
  ``general`` (anything else: the extractor must stay silent) 15 %.

The sealed test split is decided by lot before labelling: three months and six feed hosts are drawn
(seed ``SPLIT_SEED``); an item is **test** when its month or its host was drawn, else **dev**. So the
test split holds months and outlets the dev split never shows. The lot is redrawn (same seed
sequence) until test holds 30–45 % of the sample, a rule fixed here.

Writes ``eval/casualties/sample.jsonl`` (link, host, month, stratum, cue, split, batch: no corpus
text) and, outside the repo, the texts the labellers read (``--texts DIR``): one file per batch of
210, and two of 150 items drawn at random (``DOUBLE``) for a second, independent reading.

    python -m eval.casualties.draw --corpus ../shared/corpus/news2023.jsonl.gz --texts /work/labels
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

SAMPLE_SEED = 18_2023
SPLIT_SEED = 18_0001
SIZE = 2100
BATCH = 210
DOUBLE = 300
"""Items read a second time, independently, by a reader who did not label their batch."""
DOUBLE_BATCH = 150
SHARES = {"count": 0.55, "hard": 0.30, "general": 0.15}
HERE = Path(__file__).resolve().parent

_TOLL = re.compile(
    r"\b(kill\w*|dead|deaths?|died|dies|wound\w*|injur\w*|hurt|casualt\w*|bodies|displaced|"
    r"fled|evacuat\w*|homeless|missing|unaccounted|massacre|toll)\b",
    re.I,
)
_CONFLICT = re.compile(
    r"\b(strike|airstrike|air raid|shell\w*|attack\w*|bomb\w*|missile|drone|rocket|militant\w*|"
    r"soldier\w*|troops|army|rebel\w*|war|fighting|clash\w*|gunmen|explosion|blast|"
    r"earthquake|quake|flood\w*|storm|cyclone|hurricane|wildfire|landslide|outbreak|crash|fire)\b",
    re.I,
)
_WORD_NUMBER = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozens?|scores|hundreds|thousands"
)
_NUMBER = re.compile(rf"\b(\d[\d,.]*|{_WORD_NUMBER})\b", re.I)
HARD_CUES: dict[str, re.Pattern[str]] = {
    "background": re.compile(
        r"\b(since (19|20)\d\d|since the start|so far this year|in the war|"
        r"over the past|in recent (months|weeks)|last year|total of)\b",
        re.I,
    ),
    "cumulative": re.compile(
        r"\b(death toll|toll (rises|climbs|reaches|passes|tops)|rises to|"
        r"climbs to|(third|second|fourth) (soldier|person|victim))\b",
        re.I,
    ),
    "multi_event": re.compile(
        r"\b(meanwhile|separately|elsewhere|in another|also killed|"
        r"latest:|live updates|what we know)\b",
        re.I,
    ),
    "word_number": re.compile(
        rf"^\W*({_WORD_NUMBER})\b|\b({_WORD_NUMBER}) (people|civilians|"
        r"soldiers|children|were|have been)\b",
        re.I,
    ),
    "single_victim": re.compile(
        r"\b(a|an|one) (man|woman|boy|girl|teen\w*|child|soldier|"
        r"officer|journalist|worker)\b.{0,40}\b(kill|dies|died|dead|"
        r"shot)|\bshot (and killed|dead)\b|\bone death\b",
        re.I,
    ),
    "euphemism": re.compile(
        r"\b(eliminated|neutrali[sz]ed|lost their lives|perished|"
        r"lost (his|her) life|claimed the lives|fatalities)\b",
        re.I,
    ),
    "disputed": re.compile(
        r"\b(could kill|may have|feared|threaten\w*|denied|disputed|"
        r"dismissed|unverified|claims? (that|to have)|would kill)\b",
        re.I,
    ),
    "groups": re.compile(
        r"\b(and (about|some|at least|more than) \d+|including \d+|"
        r"\d+ (soldiers|police\w*) and \d+)\b",
        re.I,
    ),
    "casualties": re.compile(r"\bcasualties\b", re.I),
}


@dataclass(frozen=True, slots=True)
class Drawn:
    link: str
    host: str
    month: str
    stratum: str
    cue: str
    split: str = ""
    batch: int = 0
    second_batch: int = 0
    """0, or the double-reading batch that reads this item again."""


def host_of(feed: str) -> str:
    host = urlsplit(feed).hostname or feed
    for prefix in ("www.", "feeds.", "rss.", "feeds.a."):
        host = host.removeprefix(prefix)
    return host


def stratum_of(text: str) -> tuple[str, str]:
    """The item's stratum and, for "hard", the first error-class cue it shows."""
    for cue, pattern in HARD_CUES.items():
        if pattern.search(text) and _TOLL.search(text):
            return "hard", cue
    if _TOLL.search(text) and _CONFLICT.search(text) and _NUMBER.search(text):
        return "count", ""
    return "general", ""


def read_corpus(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and str(row.get("language", "")).lower().startswith("en"):
                yield row


def draw(corpus: Path, exclude_titles: set[str]) -> tuple[list[Drawn], dict[str, dict[str, str]]]:
    pools: dict[tuple[str, str, str], list[tuple[Drawn, dict[str, str]]]] = defaultdict(list)
    seen: set[str] = set()
    for row in read_corpus(corpus):
        title = " ".join(str(row.get("title") or "").split())
        key = title.lower()
        if not title or key in seen or key in exclude_titles or not row.get("link"):
            continue
        seen.add(key)
        text = f"{title} {row.get('description') or ''}"
        stratum, cue = stratum_of(text)
        month = str(row.get("date_published", ""))[:7]
        if not month.startswith("2023-"):
            continue
        d = Drawn(str(row["link"]), host_of(str(row.get("feed", ""))), month, stratum, cue)
        pools[(month, stratum, cue)].append((d, row))
    rng = random.Random(SAMPLE_SEED)
    months = sorted({m for m, _, _ in pools})
    cues = list(HARD_CUES)
    chosen: list[tuple[Drawn, dict[str, str]]] = []
    for month in months:
        for stratum, share in SHARES.items():
            want = round(SIZE * share / len(months))
            keys = [(month, "hard", c) for c in cues] if stratum == "hard" else [(month, stratum, "")]
            per_key = [want // len(keys) + (1 if i < want % len(keys) else 0) for i in range(len(keys))]
            for key, n in zip(keys, per_key, strict=True):
                chosen += _take(pools.get(key, []), n, rng, cap=max(1, n // 3))
    rng.shuffle(chosen)
    sample = [d for d, _ in chosen]
    texts = {
        d.link: {"title": r.get("title", ""), "description": r.get("description", "")} for d, r in chosen
    }
    return sample, texts


def _take(pool: list[tuple[Drawn, dict[str, str]]], n: int, rng: random.Random, cap: int):  # type: ignore[no-untyped-def]
    """``n`` items of ``pool`` at random, at most ``cap`` per host while others remain."""
    order = pool[:]
    rng.shuffle(order)
    taken, per_host = [], defaultdict(int)
    for d, r in order:
        if len(taken) == n:
            break
        if per_host[d.host] < cap:
            taken.append((d, r))
            per_host[d.host] += 1
    for d, r in order:  # a small pool: fill from any host
        if len(taken) == n:
            break
        if (d, r) not in taken:
            taken.append((d, r))
    return taken


def split(sample: list[Drawn]) -> tuple[list[Drawn], dict[str, list[str]]]:
    rng = random.Random(SPLIT_SEED)
    months = sorted({d.month for d in sample})
    hosts = sorted({d.host for d in sample if sum(x.host == d.host for x in sample) >= 10})
    while True:
        test_months = sorted(rng.sample(months, 3))
        test_hosts = sorted(rng.sample(hosts, 6))
        marked = [
            Drawn(
                **{**asdict(d), "split": "test" if d.month in test_months or d.host in test_hosts else "dev"}
            )
            for d in sample
        ]
        share = sum(d.split == "test" for d in marked) / len(marked)
        if 0.30 <= share <= 0.45:
            return marked, {"months": test_months, "hosts": test_hosts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE.parents[2] / "shared/corpus/news2023.jsonl.gz")
    parser.add_argument("--dev-set", type=Path, default=HERE.parents[2] / "shared/eval/casualties-dev.jsonl")
    parser.add_argument(
        "--texts", type=Path, required=True, help="where the labellers' batches go (not the repo)"
    )
    args = parser.parse_args()
    exclude = {
        " ".join(json.loads(line)["title"].split()).lower() for line in args.dev_set.open(encoding="utf-8")
    }
    sample, texts = draw(args.corpus, exclude)
    sample, lot = split(sample)
    sample = [Drawn(**{**asdict(d), "batch": i // BATCH + 1}) for i, d in enumerate(sample)]
    twice = sorted(random.Random(SAMPLE_SEED + 1).sample(range(len(sample)), DOUBLE))
    for n, i in enumerate(twice):
        sample[i] = Drawn(**{**asdict(sample[i]), "second_batch": n // DOUBLE_BATCH + 1})
    out = HERE / "sample.jsonl"
    out.write_text("".join(json.dumps(asdict(d)) + "\n" for d in sample), encoding="utf-8")
    (HERE / "split.json").write_text(
        json.dumps({"seed": SPLIT_SEED, **lot}, indent=2) + "\n", encoding="utf-8"
    )
    args.texts.mkdir(parents=True, exist_ok=True)
    for b in sorted({d.batch for d in sample}):
        rows = [{"link": d.link, **texts[d.link]} for d in sample if d.batch == b]
        (args.texts / f"batch-{b:02d}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    for b in sorted({d.second_batch for d in sample} - {0}):
        rows = [{"link": d.link, **texts[d.link]} for d in sample if d.second_batch == b]
        (args.texts / f"double-{b:02d}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    counts = defaultdict(int)
    for d in sample:
        counts[(d.split, d.stratum)] += 1
    print(f"{len(sample)} items; test lot: {lot}")
    for k in sorted(counts):
        print(k, counts[k])


if __name__ == "__main__":
    main()
