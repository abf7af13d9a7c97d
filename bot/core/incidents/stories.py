"""Story keys: the same article again, under a new GUID or with a tracking parameter, is not news.

Feeds re-issue items: a new GUID on every poll, ``?utm_source=rss`` one day and ``?traffic_source=rss``
the next, ``http`` then ``https``, the same headline under a second feed of the same outlet. A story
key names the article, not the feed entry: its link without tracking parameters, fragments or a
trailing slash, or — without a link — the outlet and the headline's words. Pure.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.core.normalize import normalize

# Query parameters that say where a click came from, not which article it is.
_TRACKING = re.compile(
    r"^(?:utm_\w+|traffic_source|at_\w+|ns_\w+|ito|cmp|mc_\w+|fbclid|gclid|ocid|rss|ref|ref_src|"
    r"smid|partner|from|src|source|s_\w+|_ga|guccounter|output)$",
    re.IGNORECASE,
)


def canonical_link(link: str) -> str | None:
    """The article's address: lower-case host without "www.", no scheme, tracking parameters,
    fragment or trailing slash. None for something that is not a web link."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    query = (
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
        if parts.query
        else []
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host, path, urlencode(sorted(query)), "")).removeprefix("//")


def story_key(link: str | None, title: str, outlet: str = "") -> str:
    """A short stable key for the article an item is: from its canonical link, else from the
    outlet and the headline's normalised words."""
    canonical = canonical_link(link) if link else None
    basis = f"link:{canonical}" if canonical else f"title:{outlet}:{normalize(title)}"
    return hashlib.sha256(basis.encode()).hexdigest()[:24]
