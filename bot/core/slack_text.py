"""Making untrusted feed text safe to put in a Slack message, and reading it back as plain text.

Slack treats ``<...>`` as control sequences (``<!channel>`` pings everyone, ``<https://evil|BBC>``
disguises a link, ``<@U123>`` mentions a user), so every piece of text that came from a feed is
escaped here before it reaches a block. Invisible format characters (zero-width joiners, bidi
overrides) are dropped because they let a title look different from what it says.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_URL_ESCAPES = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", '"': "%22"}
# A pipe inside a link label would be read as a second separator by some clients.
_LABEL_PIPE = "\uff5c"
_PARTIAL_TAIL = re.compile(r"(&[a-z#0-9]{0,6}|<[^>]*)$")
_ANGLE = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def clean(text: str) -> str:
    """Drop invisible format/control characters and collapse all whitespace to single spaces."""
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        if cat in ("Cc", "Zl", "Zp") and not ch.isspace():
            kept.append(" ")
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


def escape(text: str) -> str:
    """Text safe for Slack mrkdwn and plain_text: no mentions, no links, nothing invisible."""
    out = clean(text)
    for raw, entity in _ENTITIES:
        out = out.replace(raw, entity)
    return out


def safe_url(url: str | None) -> str | None:
    """The URL ready to sit inside ``<...|...>``, or None when it is not a plain http(s) URL."""
    if not url:
        return None
    candidate = clean(url)
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in candidate:
        return None
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in candidate)


def link(url: str | None, label: str | None = None) -> str:
    """``<url|label>`` for an http(s) URL; otherwise just the escaped label. Never raises."""
    text = escape(label or "").replace("|", _LABEL_PIPE)
    target = safe_url(url)
    if target is None:
        return text
    if not text:
        text = escape(target).replace("|", _LABEL_PIPE)
    return f"<{target}|{text}>"


def clip(mrkdwn: str, limit: int, *, ellipsis: str = "…") -> str:
    """Shorten already-escaped text to ``limit`` characters without cutting an entity or a link.

    Cuts at a word boundary when one is reasonably close, so "…" never lands mid-word.
    """
    if limit <= 0:
        return ""
    if len(mrkdwn) <= limit:
        return mrkdwn
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    cut = mrkdwn[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    cut = _PARTIAL_TAIL.sub("", cut)
    # Trailing punctuation goes before "…", but a ";" may close an entity and must stay.
    stripped = cut.rstrip(" ,;:—-")
    if _PARTIAL_TAIL.search(stripped):
        stripped = cut.rstrip(" ,:—-")
    return stripped + ellipsis


def to_plain(mrkdwn: str) -> str:
    """What a reader sees: links as "label (url)", dates as their fallback, entities decoded."""

    def angle(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("!date^"):
            return label
        if target.startswith(("!", "@", "#")):
            return label or target
        target = target.replace("%3C", "<").replace("%3E", ">").replace("%7C", "|")
        if not label or label == target:
            return target
        return f"{label} ({target})"

    out = _ANGLE.sub(angle, mrkdwn)
    out = _BOLD.sub(r"\1", out)
    for raw, entity in reversed(_ENTITIES):
        out = out.replace(entity, raw)
    return out.replace(_LABEL_PIPE, "|")
