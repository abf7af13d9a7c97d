"""Reading counts out of news English: "at least nine", "1.2 million", "tens of thousands".

``find_quantities`` returns every span that reads as a *count* (with its hedge normalised for
display) and skips numbers that are something else: ages, years, dates, times, calibres, unit
designations, money, percentages and measurements. The conventions (vague plurals take the lower
bound of the plural, ranges the lower bound, "several"/"many" are no number) are those of
``../shared/eval/GUIDELINES.md``. Pure and regex-only: patterns are compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "both": 2,  # "killing both pilots"
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SHORT_SCALES = {"m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "k": 1_000}
_VAGUE = {
    "dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000,
    "tens of thousands": 20_000, "hundreds of thousands": 200_000, "millions": 2_000_000,
}  # fmt: skip

# The hedge a desk prints, keyed by every way the wires write it.
_QUALIFIERS = {
    "at least": "at least", "a minimum of": "at least", "no fewer than": "at least",
    "no less than": "at least",
    "more than": "more than", "over": "more than", "upwards of": "more than", "in excess of": "more than",
    "above": "more than", "past": "more than", "beyond": "more than",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "just under": "nearly",
    "about": "about", "around": "about", "some": "about", "roughly": "about", "approximately": "about",
    "approx.": "about", "an estimated": "about", "estimated": "about", "circa": "about",
    "up to": "up to", "as many as": "up to",
}  # fmt: skip

_UNIT_WORD = "|".join(sorted(_UNITS, key=len, reverse=True))
_TENS_WORD = "|".join(_TENS)
_WORD_NUM = rf"(?:(?:{_TENS_WORD})(?:[- ](?:{_UNIT_WORD}))?|{_UNIT_WORD})"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s+(?:hundred|thousand|million|billion)|\s?(?:m|mn|bn|k)(?![\w]))"
_SCALE_WORDS = r"(?:\s+(?:hundred|thousand|million|billion))"
_VAGUE_RE = r"(?:tens\s+of\s+thousands|hundreds\s+of\s+thousands|dozens|scores|hundreds|thousands|millions)"
_DOZEN = r"(?:half\s+a\s+dozen|a\s+dozen|(?:" + _WORD_NUM + r"|\d+)\s+dozen)"
_A_SCALE = r"(?:an?\s+(?:hundred|thousand|million))"
_CORE = (
    rf"(?:{_DOZEN}|{_A_SCALE}|{_DIGITS}{_SCALE}?|{_WORD_NUM}{_SCALE_WORDS}?"
    rf"(?:\s+(?:and\s+)?{_WORD_NUM})?|{_VAGUE_RE})"
)
_QUAL_RE = "|".join(re.escape(q) for q in sorted(_QUALIFIERS, key=len, reverse=True))
_RANGE_TAIL = rf"(?:\s*(?:-|–|—|to|or)\s*(?:{_DIGITS}{_SCALE}?|{_WORD_NUM}{_SCALE_WORDS}?)(?![\w]))?"

_QUANTITY = re.compile(
    rf"(?<![\w$£€¥.,/:-])(?:(?P<qual>{_QUAL_RE})\s+)?(?:between\s+)?(?P<num>{_CORE})"
    rf"(?P<range>(?:\s+and\s+(?:{_DIGITS}|{_WORD_NUM})(?![\w]))|{_RANGE_TAIL})(?![\w])(?![.,:]\d)",
    re.IGNORECASE,
)

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# What may follow a number and makes it a measure, an age, a time or a date rather than a count.
_NOT_COUNT_AFTER = re.compile(
    rf"""^(?:
        [-‐]\s?[a-z]                                    # 16-year-old, 155-mm, ten-metre, 6.8-magnitude
      | \s*(?:%|per\s?cent|pc\b|percent)
      | \s*(?:mm|cm|km|kg|mph|kph|km/h|ft|m²|sq|°)\b
      | \s*(?:a\.?m\.?|p\.?m\.?)(?![a-z])
      | \s*[:/]\s?\d                                   # 10:30, 9/11
      | \s+(?:years?|yrs|months?|weeks?|days?|hours?|hrs|minutes?|mins|seconds?|decades?|centuries)\b
      | \s+(?:years?|months?)\s+old
      | \s+(?:miles?|kilomet(?:re|er)s?|met(?:re|er)s?|feet|foot|inch(?:es)?|yards?|acres?|hectares?)\b
      | \s+(?:tonnes?|tons?|pounds?|kilos?|litres?|liters?|gallons?|barrels?|degrees?)\b
      | \s+(?:dollars?|euros?|pounds?|yuan|rupees?|naira|shekels?|rubles?|roubles?|usd|eur|gbp)\b
      | \s+(?:{_MONTHS})\.?\b                         # 7 October
      | \s*(?:st|nd|rd|th)\b
      | \s+(?:magnitude|storey|story)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_NOT_COUNT_BEFORE = re.compile(
    rf"""(?:
        (?:[$£€¥₹]|\b(?:us|a|c|hk|nz)\$|\brs\.?|\busd|\beur|\bgbp)\s?$   # money
      | \b(?:aged?|ages|age\s+of|at\s+age)\s+$
      | \b(?:boy|girl|man|woman|lad|youngster|teenager|pensioner)\s+of\s+$    # "a boy of 17"
      | \b(?:aged?|ages),?\s+\d{{1,3}}\s+(?:and|or|to|-)\s+$                  # aged 18 and 19
      | ,\s\d{{1,3}}\s+and\s+$                                             # "Two men, 25 and 31,"
      | \b(?:{_MONTHS})\.?\s+$                                           # January 12
      | \b(?:day|no\.?|number|page|article|section|chapter|room|flight|route|gate|platform|level|
            category|phase|season|episode|brigade|division|battalion|regiment|corps|unit|block|ward|
            highway|road|street|district|sector|apartment|grade|class|covid|covid-|code|vol\.?|
            resolution|paragraph|rule|clause|item|group|ps|windows|iphone|boeing|airbus|model|
            version|term|top|size|channel|line|bus|terminal|stage|level|tier|round|
            game|match|hole|lap|mark|type|f|su|mig|mh|a|t)[\s-]?$
      | [a-z]-$                                                          # I-95, F-16
      | \d[.,]$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "Dan Smith, 53, was…": a small number between commas right after a word is an age.
_AGE_BEFORE = re.compile(r"[\w)'’],\s$|\(\s?$")
_AGE_AFTER = re.compile(r"^\s?(?:,|\)|$|\s(?:and|who|was|is|has|had|were|are|from|of|in|died|dies|\d)\b|\.)")
_FROM_BEFORE = re.compile(r"\bfrom\s+\Z")
_YEAR = re.compile(r"^(?:1[89]\d\d|20\d\d)$")
_PEOPLE_AFTER = re.compile(
    r"^\s+(?:people|persons|civilians|soldiers|children|migrants|refugees|dead|killed)\b"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """One count in the text. ``vague`` marks vague plurals ("hundreds") read by convention."""

    value: int
    qualifier: str | None
    start: int
    end: int
    text: str
    vague: bool = False


def _word_value(words: str) -> int | None:
    """'twenty-three' → 23, 'three hundred and five' → 305, 'two thousand' → 2000."""
    total, current = 0, 0
    seen = False
    for token in re.split(r"[\s-]+", words.lower()):
        if token in ("", "and", "a", "an"):
            if token in ("a", "an"):
                current, seen = 1, True
            continue
        if token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in ("thousand", "million", "billion"):
            total += max(current, 1) * _SCALES[token]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _core_value(core: str) -> tuple[int, bool] | None:
    """The value of a number core and whether it is a vague plural."""
    text = " ".join(core.lower().split())
    if text in _VAGUE:
        return _VAGUE[text], True
    if text.endswith("dozen"):
        head = text[: -len("dozen")].strip()
        if head in ("a", ""):
            return 12, False
        if head == "half a":
            return 6, False
        n = _word_value(head) if not head.isdigit() else int(head)
        return None if n is None else (n * 12, False)
    m = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)\s?(hundred|thousand|million|billion|m|mn|bn|k)?", text)
    if m:
        digits = m.group(1).replace(",", "")
        scale_word = m.group(2)
        scale = 1
        if scale_word:
            scale = _SCALES.get(scale_word) or _SHORT_SCALES[scale_word]
        value = float(digits) * scale
        if scale == 1 and "." in digits:
            return None  # "3.5" alone is a measurement, not a head count
        return round(value), False
    n = _word_value(text)
    return None if n is None else (n, False)


def parse_number(text: str) -> int | None:
    """The count a short phrase stands for ("at least nine" → 9, "dozens" → 24), else None."""
    q = _QUANTITY.fullmatch(text.strip())
    if q is None:
        return None
    parsed = _core_value(q.group("num"))
    return None if parsed is None else parsed[0]


def normalise_qualifier(raw: str | None) -> str | None:
    return None if raw is None else _QUALIFIERS.get(" ".join(raw.lower().split()))


def _is_count(text: str, start: int, end: int, core: str) -> bool:
    before = text[max(0, start - 24) : start]
    after = text[end : end + 24]
    if _NOT_COUNT_AFTER.match(after) or _NOT_COUNT_BEFORE.search(before):
        return False
    bare = core.replace(",", "")
    if bare.isdigit():
        if _YEAR.match(core) and not _PEOPLE_AFTER.match(after):
            return False
        if int(bare) <= 120 and _AGE_BEFORE.search(before) and _AGE_AFTER.match(after):
            return False
    return True


def find_quantities(text: str) -> list[Quantity]:
    """Every count in ``text``, left to right, with its display qualifier."""
    out: list[Quantity] = []
    pos = 0
    while (m := _QUANTITY.search(text, pos)) is not None:
        pos = m.end()
        core = m.group("num")
        end = m.end()
        rng = m.group("range") or ""
        if rng and (
            _FROM_BEFORE.search(text[max(0, m.start() - 8) : m.start()])
            or (rng.lstrip().startswith("and") and "between" not in m.group(0).lower())
        ):
            # "rose from 9 to 12" is two figures, not a range; "10 and 5" is a list
            end = pos = m.end("num")
        if not _is_count(text, m.start("num"), end, core):
            continue
        parsed = _core_value(core)
        if parsed is None:
            continue
        value, vague = parsed
        out.append(
            Quantity(
                value=value,
                qualifier=normalise_qualifier(m.group("qual")),
                start=m.start(),
                end=end,
                text=text[m.start() : end],
                vague=vague,
            )
        )
    return out
