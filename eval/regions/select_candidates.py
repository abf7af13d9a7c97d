"""Reproducible candidate selection for the region evaluation sets (issue #19).

Independent of the matcher, so that its recall can be measured: for each region the corpus is pooled
by broad name lists written by us (every spelling we know, small towns included, the region's own
names and the confusers that only look like it), and the candidates are sampled from three pools
(fixed seed, so the same corpus always yields the same list):

* ``listed`` — items naming a place of the region or the region itself;
* ``confuser`` — items naming only a confuser (a club, a person's origin, the country's capital or its
  politics, camps across the border), none of the region's places;
* ``country`` — conflict items from the same country (or, for the border area, the two countries)
  that name no listed place and no confuser: what a matcher with gaps might miss, or should ignore.

Each pool is sampled spread over the months of 2023 (an equal share per month, the rest at random), and
the candidates are then put in one seeded random order, so that labelling any prefix of the list labels
a random, stratified subset. The text is printed for a person to read; it is never written into the
repository. Run from the repository root::

    .venv/bin/python -m eval.regions.select_candidates donetsk                 # pool sizes
    .venv/bin/python -m eval.regions.select_candidates donetsk --show --start 0 --count 50
    .venv/bin/python -m eval.regions.select_candidates donetsk --links
"""

from __future__ import annotations

import argparse
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.text import html_to_text
from bot.match_evaluation import DEFAULT_CORPUS, corpus_lines

SEED = 19
_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Candidate:
    pool: str
    link: str
    date: str
    feed: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """The name lists of one region; ``sizes`` is how many candidates each pool gives."""

    listed: re.Pattern[str]
    confuser: re.Pattern[str]
    country: re.Pattern[str]
    sizes: dict[str, int]


def _names(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), _I)


# Conflict words for the "country" pool: an item about the country that a conflict desk could want.
_CONFLICT = _names(
    r"\bkill",
    r"\bdead\b",
    r"\bdeath",
    r"wounded",
    r"injur",
    r"attack",
    r"strike",
    r"shell",
    r"missile",
    r"rocket",
    r"drone",
    r"fight",
    r"clash",
    r"offensive",
    r"troops",
    r"front",
    r"war\b",
    r"bomb",
    r"displac",
    r"refugee",
    r"fled",
    r"flee",
    r"ceasefire",
    r"truce",
    r"humanitarian",
    r"\baid\b",
    r"evacuat",
    r"militia",
    r"paramilitar",
    r"army",
)

_DONETSK = _names(
    r"donetsk",
    r"donbas",
    r"donbass",
    r"bakhmut",
    r"artemivsk",
    r"artyomovsk",
    r"avdiivka",
    r"avdeevka",
    r"avdiyivka",
    r"chasiv yar",
    r"chasov yar",
    r"siversk",
    r"seversk",
    r"vuhledar",
    r"ugledar",
    r"mar.?inka",
    r"pokrovsk",
    r"krasnoarmiisk",
    r"krasnoarmeysk",
    r"kramatorsk",
    r"sloviansk",
    r"slavyansk",
    r"kostiantynivka",
    r"konstantinovka",
    r"toretsk",
    r"dzerzhynsk",
    r"soledar",
    r"krasnohorivka",
    r"krasnogorovka",
    r"urozhaine",
    r"urozhaynoye",
    r"novomykhailivka",
    r"mariupol",
    r"horlivka",
    r"gorlovka",
    r"makiivka",
    r"makeyevka",
    r"\blyman\b",
    r"\bliman\b",
    r"klishchiivka",
    r"kurdiumivka",
    r"opytne",
    r"vodiane",
    r"pervomaiske",
    r"staromaiorske",
    r"blahodatne",
    r"neskuchne",
    r"velyka novosilka",
    r"vuhlehirsk",
    r"debaltseve",
    r"yasynuvata",
    r"druzhkivka",
    r"selydove",
    r"myrnohrad",
    r"dobropillia",
    r"kurakhove",
    r"bilohorivka",
    r"yenakiieve",
    r"khartsyzk",
    r"shakhtarsk",
    r"torez\b",
    r"volnovakha",
    r"svyatohirsk",
    r"sviatohirsk",
    r"ivanivske",
    r"andriivka",
    r"berkhivka",
    r"paraskoviivka",
    r"orikhovo-vasylivka",
    r"stepove",
    r"sieverne",
    r"tonenke",
    r"novokalynove",
    r"ocheretyne",
    r"prechystivka",
    r"zhdanov\b",
    r"\bDPR\b",
    r"\bDNR\b",
    r"pushilin",
    r"azovstal",
    r"olenivka",
    r"yelenovka",
    r"krasnyi lyman",
    r"mykolaivka",
    r"rozivka",
    r"novobakhmutivka",
)
_DONETSK_CONFUSER = _names(
    r"shakhtar",
    r"luhansk",
    r"lugansk",
    r"zaporizhzhia",
    r"zaporozhye",
    r"kherson",
    r"kharkiv",
    r"kupiansk",
    r"kreminna",
    r"svatove",
    r"robotyne",
    r"tokmak",
    r"dnipro",
    r"engels\b",
)
_UKRAINE = _names(r"ukrain", r"\bkyiv\b", r"\bkiev\b", r"zelensky", r"russian (forces|troops|army)")

_DARFUR = _names(
    r"darfur",
    r"el.?fasher",
    r"al.?fashir",
    r"el.?fashir",
    r"nyala",
    r"el.?geneina",
    r"al.?geneina",
    r"al.?junaynah",
    r"\bgeneina",
    r"zalingei",
    r"zalingi",
    r"\bkutum\b",
    r"tawila",
    r"kabkabiya",
    r"misterei",
    r"masteri",
    r"ardamata",
    r"ed.?daein",
    r"el.?daein",
    r"al.?daein",
    r"krinding",
    r"kereneik",
    r"krenik",
    r"jebel marra",
    r"jabal marra",
    r"sirba",
    r"\bmellit",
    r"um kadada",
    r"kalma camp",
    r"abu shouk",
    r"zamzam",
    r"\bsortony",
    r"\bkulbus",
    r"foro baranga",
    r"\bmukjar",
    r"garsila",
    r"um dukhun",
    r"el.?tina",
    r"buram\b",
    r"\btabit\b",
    r"\bsaraf omra",
    r"\bkas\b",
    r"masalit",
    r"zaghawa",
    r"janjaweed",
)
_DARFUR_CONFUSER = _names(
    r"darfuri",
    r"\badr[eé]\b",
    r"\badre\b",
    r"farchana",
    r"ourang",
    r"\bchad\b",
    r"kordofan",
    r"el.?obeid",
    r"babanusa",
    r"al.?fula",
    r"south sudan",
    r"kosti\b",
    r"white nile",
)
_SUDAN = _names(r"\bsudan", r"\bRSF\b", r"rapid support", r"\bburhan\b", r"hemedti", r"dagalo")

_KHARTOUM = _names(
    r"khartoum",
    r"khartum",
    r"omdurman",
    r"\bbahri\b",
    r"khartoum north",
    r"kafouri",
    r"kafuri",
    r"\bjabra\b",
    r"\bsoba\b",
    r"shambat",
    r"halfaya",
    r"wadi seidna",
    r"wadi sayyidna",
    r"karari",
    r"al.?jaili",
    r"al.?jaily",
    r"tuti island",
    r"kalakla",
    r"haj yousif",
    r"haj yusuf",
    r"jebel awliya",
    r"jabal awliya",
    r"jebel aulia",
    r"\bshajara\b",
    r"\btri-?city\b",
    r"three cities",
    r"sudan.s capital",
    r"sudanese capital",
    r"capital of sudan",
    r"el.?mogran",
    r"al.?mogran",
    r"\bimtidad",
)
_KHARTOUM_CONFUSER = _names(
    r"wad madani",
    r"gezira",
    r"port sudan",
    r"\bkassala",
    r"atbara",
    r"\bdongola",
    r"wadi halfa",
    r"el.?obeid",
    r"darfur",
    r"kordofan",
    r"jeddah",
    r"sennar",
    r"el.?gedaref",
    r"gedaref",
)

_LEBANON_BORDER = _names(
    r"south(ern)? lebanon",
    r"lebanon.s south",
    r"israel.?lebanon border",
    r"lebanon.?israel border",
    r"lebanese border",
    r"border with lebanon",
    r"blue line",
    r"northern israel",
    r"israel.s north",
    r"galilee",
    r"kiryat shmona",
    r"qiryat shemona",
    r"metula",
    r"shebaa",
    r"sheba.?a farms",
    r"naqoura",
    r"naqura",
    r"marjayoun",
    r"marjeyoun",
    r"bint jbeil",
    r"bint jbail",
    r"aitaroun",
    r"aita al-?shaab",
    r"ayta ash",
    r"dhayra",
    r"dhaira",
    r"margaliot",
    r"shtula",
    r"shlomi",
    r"nahariya",
    r"rosh hanikra",
    r"kfar giladi",
    r"\bmanara\b",
    r"misgav am",
    r"avivim",
    r"dovev",
    r"\bzar.?it\b",
    r"\bhanita\b",
    r"arab al-?aramshe",
    r"ghajar",
    r"kfarchouba",
    r"kfar shouba",
    r"kfarkela",
    r"kfar kila",
    r"khiam",
    r"nabatieh",
    r"nabatiyeh",
    r"\bhoula\b",
    r"yaroun",
    r"rmeish",
    r"alma al-?shaab",
    r"alma ash-?shaab",
    r"dhahira",
    r"mays al-?jabal",
    r"odaisseh",
    r"adaisseh",
    r"meiss al",
    r"\bblida\b",
    r"aitaa",
    r"marwahin",
    r"labbouneh",
    r"labouneh",
    r"yarine",
    r"litani",
    r"unifil",
    r"mount dov",
    r"har dov",
    r"har do[fv]",
    r"mount hermon",
    r"\bhermon\b",
    r"shtula",
    r"zarit",
    r"yiftah",
    r"malkia",
    r"malkiya",
    r"\byir.?on\b",
    r"kiryat shemona",
    r"\bsafed\b",
    r"tzfat",
    r"rosh pina",
    r"misgav",
)
_LEBANON_CONFUSER = _names(
    r"lebanon",
    r"lebanese",
    r"beirut",
    r"hezbollah",
    r"hizbollah",
    r"nasrallah",
    r"golan",
    r"ain al-?hilweh",
    r"\btyre\b",
    r"\bhula\b",
    r"ein el-?hilweh",
    r"tripoli",
    r"bekaa",
    r"baalbek",
    r"sidon",
    r"saida",
)
_ISRAEL_LEBANON = _names(r"israel", r"\bIDF\b", r"lebanon", r"lebanese")

REGIONS: dict[str, RegionSpec] = {
    "donetsk": RegionSpec(
        _DONETSK, _DONETSK_CONFUSER, _UKRAINE, {"listed": 175, "confuser": 40, "country": 35}
    ),
    "darfur": RegionSpec(_DARFUR, _DARFUR_CONFUSER, _SUDAN, {"listed": 160, "confuser": 45, "country": 45}),
    "khartoum": RegionSpec(
        _KHARTOUM, _KHARTOUM_CONFUSER, _SUDAN, {"listed": 170, "confuser": 40, "country": 40}
    ),
    "lebanon-border": RegionSpec(
        _LEBANON_BORDER, _LEBANON_CONFUSER, _ISRAEL_LEBANON, {"listed": 160, "confuser": 60, "country": 30}
    ),
}


def _pool(spec: RegionSpec, text: str) -> str | None:
    if spec.listed.search(text):
        return "listed"
    if spec.confuser.search(text):
        return "confuser"
    if spec.country.search(text) and _CONFLICT.search(text):
        return "country"
    return None


def _spread(found: list[Candidate], size: int, rng: random.Random) -> list[Candidate]:
    """``size`` of ``found`` with an equal share per month where a month has that many, the rest at
    random among what is left, so no month or feed crowds out the others."""
    if len(found) <= size:
        return list(found)
    by_month: dict[str, list[Candidate]] = defaultdict(list)
    for c in found:
        by_month[c.date[:7]].append(c)
    share = size // (2 * len(by_month)) if by_month else 0
    chosen: list[Candidate] = []
    for month in sorted(by_month):
        items = by_month[month]
        # Within a month, round-robin over feeds so one prolific feed cannot fill the share.
        by_feed: dict[str, list[Candidate]] = defaultdict(list)
        for c in rng.sample(items, len(items)):
            by_feed[c.feed].append(c)
        queues = [by_feed[f] for f in sorted(by_feed)]
        rng.shuffle(queues)
        taken: list[Candidate] = []
        while len(taken) < share and any(queues):
            for q in queues:
                if q and len(taken) < share:
                    taken.append(q.pop())
        chosen.extend(taken)
    picked = {c.link for c in chosen}
    rest = [c for c in found if c.link not in picked]
    chosen.extend(rng.sample(rest, size - len(chosen)))
    return chosen


def select(corpus_path: Path, region: str, seed: int = SEED) -> list[Candidate]:
    """The candidates of one region in their seeded labelling order. An item joins one pool only."""
    return select_from(corpus_lines(corpus_path), region, seed)


def select_from(objs: Iterable[Mapping[str, Any]], region: str, seed: int = SEED) -> list[Candidate]:
    """``select`` over corpus records in corpus order (any subset that keeps every pooled item)."""
    spec = REGIONS[region]
    members: dict[str, list[Candidate]] = {name: [] for name in spec.sizes}
    seen: set[str] = set()
    for obj in objs:
        link = str(obj.get("link") or "")
        if not link or link in seen:
            continue
        seen.add(link)
        title = html_to_text(str(obj.get("title") or ""))
        description = html_to_text(str(obj.get("description") or ""))
        pool = _pool(spec, f"{title}\n{description}")
        if pool is None:
            continue
        date = str(obj.get("date_published") or "")[:10]
        members[pool].append(Candidate(pool, link, date, str(obj.get("feed") or ""), title, description))
    chosen: list[Candidate] = []
    for name, size in spec.sizes.items():
        found = sorted(members[name], key=lambda c: (c.date, c.link))
        chosen.extend(_spread(found, size, random.Random(f"{seed}:{region}:{name}")))
    chosen.sort(key=lambda c: (c.date, c.link))
    random.Random(f"{seed}:{region}:order").shuffle(chosen)
    return chosen


def pool_sizes(corpus_path: Path, region: str) -> dict[str, int]:
    spec = REGIONS[region]
    counts = dict.fromkeys(spec.sizes, 0)
    seen: set[str] = set()
    for obj in corpus_lines(corpus_path):
        link = str(obj.get("link") or "")
        if not link or link in seen:
            continue
        seen.add(link)
        text = (
            f"{html_to_text(str(obj.get('title') or ''))}\n{html_to_text(str(obj.get('description') or ''))}"
        )
        pool = _pool(spec, text)
        if pool is not None:
            counts[pool] += 1
    return counts


def _later_mentions(text: str, shown: int, spec: RegionSpec, width: int = 100) -> list[str]:
    """Context of listed names past the shown prefix: a labeller must see what the matcher sees."""
    return [
        " ".join(text[max(0, m.start() - width) : m.end() + width].split())
        for m in spec.listed.finditer(text, shown)
    ][:3]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Select candidates for the region evaluation sets.")
    parser.add_argument("region", choices=sorted(REGIONS))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seed", type=int, default=SEED)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--links", action="store_true", help="print only the links, one per line")
    mode.add_argument("--show", action="store_true", help="print title and description to read")
    mode.add_argument("--pools", action="store_true", help="print how large each pool is in the corpus")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=300, help="description characters shown")
    args = parser.parse_args(argv)
    if args.pools:
        print(f"{args.region}: pools in the corpus {pool_sizes(args.corpus, args.region)}")
        return 0
    candidates = select(args.corpus, args.region, args.seed)
    window = candidates[args.start : args.start + args.count]
    if args.show:
        for n, c in enumerate(window, args.start):
            print(f"[{n}] {c.date} {c.pool} {c.link}\n  T: {c.title}\n  D: {c.description[: args.chars]}")
            for snippet in _later_mentions(c.description, args.chars, REGIONS[args.region]):
                print(f"  +: ...{snippet}...")
    elif args.links:
        for c in window:
            print(c.link)
    else:
        by_pool: dict[str, int] = {}
        for c in candidates:
            by_pool[c.pool] = by_pool.get(c.pool, 0) + 1
        print(f"{args.region}: {len(candidates)} candidates {by_pool}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
