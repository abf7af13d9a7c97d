"""Text normalisation and tokenisation shared by watchlist matching and story clustering.

Feed text spells the same place many ways: "Ma'arrat al-Nu'man", "Maarat al Numan", "MAʿARRAT
AL-NUʿMAN", "إدلب" and "ادلب". Matching compares normalised word tokens, never raw strings, and
every token keeps the character offsets of the original text it came from so a hit can point at
what the article actually said.

The rules: case-folded; accents removed (NFKD, combining marks dropped); apostrophes, backticks
and the Arabic transliteration marks ʿ ʾ vanish inside a word ("Ma'arrat" -> "maarrat"); a
possessive "'s" ends the word ("Syria's" -> "syria"); hyphens and dashes separate words; Arabic
script is kept with alef/ya/ta-marbuta variants unified and tashkeel/tatweel dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

_T = TypeVar("_T")

_APOSTROPHES = frozenset("'`´‘’‛ʼʻʽʿʾ′＇")
_DASHES = frozenset("-‐‑‒–—―−﹘﹣－")
# Invisible characters that must not split a word (soft hyphen, zero-width joiners, tatweel).
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\u0640")
_ARABIC = {
    "ٱ": "ا",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ئ": "ي",
    "ؤ": "و",
    "ة": "ه",
    "ک": "ك",
}
# A word is a run of letters/digits; an apostrophe joins two runs ("ma'arrat") and a trailing
# possessive "'s" is left out of the word.
_TOKEN = re.compile(r"([^\W_]+(?:'(?!s(?![^\W_]))[^\W_]+)*)(?:'s(?![^\W_]))?", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word and where it sits in the original text (``text[start:end]``)."""

    norm: str
    start: int
    end: int


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """The normalised form of one character: '' to drop it, "'" for a joiner, ' ' for a break."""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return " "
    if ch in _INVISIBLE:
        return ""
    if ch in _ARABIC:
        return _ARABIC[ch]
    out = []
    # Compatibility forms can decompose to capitals ("𝕊" -> "S"), so fold case after NFKD too.
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold()):
        if unicodedata.combining(c):
            continue
        if c in _APOSTROPHES:
            out.append("'")
        elif c in _DASHES:
            out.append(" ")
        elif c in _INVISIBLE:
            continue
        else:
            out.append(_ARABIC.get(c, c))
    return "".join(out)


def _folded(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, unless it is a 1:1 map, the original index of each of its chars."""
    if text.isascii():
        return text.lower().replace("`", "'").replace("-", " "), None
    # Most non-ASCII text (curly quotes, accents) folds one character to one: str.translate does
    # that in C, and the offsets are then the identity. The loop below is for the rest.
    table = {ord(ch): _fold_char(ch) for ch in set(text)}
    if all(len(f) == 1 for f in table.values()):
        return text.translate(table), None
    return _folded_each(text)


def _folded_each(text: str) -> tuple[str, list[int]]:
    """``_folded`` one character at a time, keeping each output character's original index."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        if folded:
            chars.append(folded)
            origin.extend([i] * len(folded))
    return "".join(chars), origin


def tokenize(text: str) -> list[Token]:
    """Normalised word tokens of ``text`` with offsets into the original string."""
    folded, origin = _folded(text)
    tokens: list[Token] = []
    for m in _TOKEN.finditer(folded):
        word = m.group(1)
        start, end = m.span(1)
        if "'" in word:
            word = word.replace("'", "")
        if origin is None:
            tokens.append(Token(word, start, end))
        else:
            tokens.append(Token(word, origin[start], origin[end - 1] + 1))
    return tokens


def normalize(text: str) -> str:
    """The normalised words joined by single spaces ("Ma'arrat al-Nu'man" -> "maarrat al numan")."""
    folded, _ = _folded(text)
    # findall gives each word (the one group); no word is only apostrophes, so removing them from
    # the joined string is removing them from each word.
    return " ".join(_TOKEN.findall(folded)).replace("'", "")


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``."""
    return tuple(t.norm for t in tokenize(text))


# Longest first: the first suffix that applies wins. (suffix, replacement, shortest stem kept)
_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("ments", "", 4),
    ("ment", "", 4),
    ("ings", "", 3),
    ("ing", "", 3),
    ("ies", "y", 3),
    ("ied", "y", 3),
    ("sses", "ss", 2),
    ("shes", "sh", 2),
    ("ches", "ch", 2),
    ("xes", "x", 2),
    ("ed", "", 3),
    ("s", "", 3),
)


def stem(word: str) -> str:
    """A light, predictable English stem so inflections meet: "airstrikes"/"airstrike" -> "airstrik",
    "displaced"/"displacement"/"displacing" -> "displac", "killed"/"kills" -> "kill".

    Deliberately crude (no dictionary): it only has to map a keyword and the inflected forms of
    the same word onto one string. Words of 3 letters or fewer, and non-Latin words, stay as they are;
    a final "e" goes only from words longer than 4 letters so "aide" never becomes "aid".
    """
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    for suffix, repl, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: len(word) - len(suffix)] + repl
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


class Memo(Generic[_T]):
    """A function of a string with its results kept for the length of one computation (a matcher
    build, one ``Gazetteer.name_uses``), where the same names come back thousands of times."""

    __slots__ = ("_done", "_fn")

    def __init__(self, fn: Callable[[str], _T]) -> None:
        self._fn = fn
        self._done: dict[str, _T] = {}

    def __call__(self, text: str) -> _T:
        try:
            return self._done[text]
        except KeyError:
            found = self._done[text] = self._fn(text)
            return found
