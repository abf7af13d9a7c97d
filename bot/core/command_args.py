"""Slash-command arguments: a small real parser with limits, never a user-supplied regex.

``/incidents "Maarat al-Numan" since: 7d min: 5 killed`` becomes words ``["Maarat al-Numan"]`` and
options ``{"since": "7d", "min": "5 killed"}``. Quotes group words; ``key:`` starts an option whose
value runs to the next option. Everything is bounded (length, number of words, word length) so a
pasted novel or a crafted string costs nothing, and every problem is a ``CommandError`` whose
message names the bad part.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import CommandError

MAX_CHARS = 500
MAX_WORDS = 30
MAX_WORD_CHARS = 300  # a feed URL is one word
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_OPTION = re.compile(r"^([a-z]{2,12}):(.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CommandArgs:
    words: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)

    @property
    def subcommand(self) -> str | None:
        return self.words[0].lower() if self.words else None

    @property
    def rest(self) -> tuple[str, ...]:
        return self.words[1:]


def _clean(text: str) -> str:
    # Control and format characters (zero-width joiners, bidi overrides) never mean anything in a
    # command; they only make two identical-looking commands differ.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch in " \t")


def parse_args(text: str, *, options: Iterable[str] = ()) -> CommandArgs:
    """Split ``text``; ``options`` names the ``key:`` options this command accepts."""
    allowed = {o.lower() for o in options}
    text = _clean(text or "").strip()
    if len(text) > MAX_CHARS:
        raise CommandError(f"that is {len(text)} characters; a command takes at most {MAX_CHARS}")
    if text.count('"') % 2:
        raise CommandError('a quote is not closed: put "…" around a name with spaces')
    tokens = [next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(text)]
    if len(tokens) > MAX_WORDS:
        raise CommandError(f"that is {len(tokens)} words; a command takes at most {MAX_WORDS}")
    words: list[str] = []
    opts: dict[str, str] = {}
    current: str | None = None
    for token in tokens:
        if len(token) > MAX_WORD_CHARS:
            raise CommandError(f"“{token[:20]}…” is longer than {MAX_WORD_CHARS} characters")
        m = _OPTION.match(token)
        if m and allowed:
            key = m.group(1).lower()
            if key not in allowed:
                raise CommandError(
                    f"unknown option `{key}:` (this command takes {', '.join(sorted(allowed))})"
                )
            if key in opts:
                raise CommandError(f"`{key}:` is given twice")
            current = key
            opts[key] = m.group(2)
            continue
        if current is not None:
            opts[current] = f"{opts[current]} {token}".strip()
        else:
            words.append(token)
    for key, value in opts.items():
        if not value:
            raise CommandError(f"`{key}:` needs a value")
    return CommandArgs(tuple(w for w in words if w), opts)
