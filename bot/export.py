"""Write the database's feeds and watchlists back out as a Sitrep config file (``run.py export``).

Changes made from Slack live in the database; the config file only seeds it. Exporting turns the
running state into a file that can become the new config: the loaded file's other settings are
copied unchanged, ``[[feeds]]`` and ``[[watchlists]]`` are the database's. Everything here is
pure: the caller reads the store and the file, and decides where the text goes.

All values are written by ``tomli_w``, so quoting and escaping of hostile names, keywords and URLs
is never ours to get right. ``tomli_w`` cannot write comments, so the header comment is prepended
here, with control characters escaped so that nothing in a path or URL can end the comment early.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import tomli_w
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.adapters.store import FeedSpec, StoredWatchlist
from bot.core.watchlist_validation import watchlist_to_dict
from bot.core.watchlists import Watchlist

SECTIONS = ("feeds", "watchlists")
"""The top-level keys the database owns; everything else is copied from the config file."""


def export_toml(
    base: Mapping[str, Any],
    feeds: Sequence[FeedSpec],
    watchlists: Sequence[StoredWatchlist],
    *,
    now: datetime,
    source: str,
    config_path: str = "the config file",
) -> str:
    """A complete config file: header comment, ``base``'s settings, then the feeds and watchlists.

    ``base`` is the config file as ``tomllib`` read it (its own ``feeds`` and ``watchlists`` are
    ignored); ``source`` is the database URL, shown in the header with its password hidden.
    """
    header = [
        f"Sitrep configuration exported at {now.isoformat(timespec='seconds')}",
        f"from the database {hide_password(source)}.",
        f"Feeds and watchlists are the database's; other settings copied from {config_path}",
        "(its comments are not carried over).",
    ]
    parts = ["".join(f"# {comment_safe(line)}\n" for line in header)]
    settings = {k: v for k, v in base.items() if k not in SECTIONS}
    if settings:
        parts.append(tomli_w.dumps(settings))
    # A feed is all scalars, so tomli_w would write short ones as an inline array; a table per
    # feed reads like the README's config. The body has no tables, so it is only `key = value`
    # lines and the header above it cannot be misplaced.
    parts.extend("[[feeds]]\n" + tomli_w.dumps(feed_to_dict(f)) for f in feeds)
    if watchlists:
        # Every valid watchlist has a non-empty list, so tomli_w writes them as [[watchlists]]
        # tables itself (with [[watchlists.regions]] when it needs to).
        parts.append(tomli_w.dumps({"watchlists": [watchlist_to_toml(s.watchlist) for s in watchlists]}))
    return "\n".join(parts)


def feed_to_dict(spec: FeedSpec) -> dict[str, Any]:
    """A feed as a ``[[feeds]]`` table; the id is explicit so it never changes with the name."""
    return {"id": spec.id, "url": spec.url, "name": spec.name, "interval": spec.interval}


def watchlist_to_toml(watchlist: Watchlist) -> dict[str, Any]:
    """``watchlist_to_dict`` for people: defaults left out, one channel as ``channel``, and
    ``muted_until`` as a TOML datetime rather than a string."""
    plain = watchlist_to_dict(watchlist)
    out: dict[str, Any] = {"name": plain["name"]}
    channels = plain["channels"]
    if len(channels) == 1:
        out["channel"] = channels[0]
    else:
        out["channels"] = channels
    for key in ("regions", "keywords", "exclude"):
        if plain[key]:
            out[key] = plain[key]
    out["rule"] = plain["rule"]  # explicit: what the watchlist alerts on should not need the docs
    for key in ("min_killed", "min_wounded", "min_displaced", "min_missing"):
        if key in plain:
            out[key] = plain[key]
    if not plain["thresholds_any"]:
        out["thresholds_any"] = False
    if plain["muted"]:
        out["muted"] = True
    if watchlist.muted_until is not None:
        out["muted_until"] = watchlist.muted_until
    if watchlist.scope is not None:
        out["scope"] = watchlist.scope
    for key in ("digest", "timezone", "quiet_hours", "max_posts_per_hour"):
        if key in plain:  # watchlist_to_dict writes these only when set
            out[key] = plain[key]
    return out


def differences(
    feeds: Sequence[FeedSpec],
    watchlists: Sequence[Watchlist],
    *,
    loaded_feeds: Sequence[FeedSpec],
    loaded_watchlists: Sequence[Watchlist],
) -> list[str]:
    """What the exported file gives back differently from what was exported, one line each
    (the config loader trims whitespace, for one); empty when it reads back identically."""
    problems: list[str] = []
    want_feeds = {f.id: feed_to_dict(f) for f in feeds}
    got_feeds = {f.id: feed_to_dict(f) for f in loaded_feeds}
    for feed_id in sorted(want_feeds.keys() | got_feeds.keys()):
        want, got = want_feeds.get(feed_id), got_feeds.get(feed_id)
        if want != got:
            problems.append(f"feed {feed_id!r} reads back as {_changed(want, got)}")
    want_lists = {w.name: w for w in watchlists}
    got_lists = {w.name: w for w in loaded_watchlists}
    for name in sorted(want_lists.keys() | got_lists.keys()):
        want_w, got_w = want_lists.get(name), got_lists.get(name)
        if want_w != got_w:
            problems.append(f"watchlist {name!r} reads back as {_changed(_plain(want_w), _plain(got_w))}")
    return problems


def _plain(watchlist: Watchlist | None) -> dict[str, Any] | None:
    return None if watchlist is None else watchlist_to_dict(watchlist)


def _changed(want: Mapping[str, Any] | None, got: Mapping[str, Any] | None) -> str:
    if got is None:
        return "missing"
    if want is None:
        return "an extra entry"
    keys = [k for k in dict.fromkeys([*want, *got]) if want.get(k) != got.get(k)]
    return "different " + ", ".join(keys)


def hide_password(url: str) -> str:
    """A database URL safe to show: the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Not a URL SQLAlchemy can read, so we cannot tell where a password would be.
        return "(a database URL that could not be parsed)"


def comment_safe(text: str) -> str:
    """``text`` for one comment line: control and line/paragraph-separator characters escaped,
    so a newline in a path cannot start a TOML line of its own (and TOML forbids the rest)."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in _UNSAFE else c for c in text
    )


_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, invisible formatting (bidi), separators
