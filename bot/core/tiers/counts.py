"""Tier counts as desks and admins read them: "last 24 h: 3 pinged · 40 for the digest · 12 dropped"."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.tiers.decide import Tier

_WORDS = {Tier.PUSH: "pinged", Tier.DIGEST: "for the digest", Tier.DROP: "dropped"}


def tier_summary(counts: Mapping[str, int], period: str) -> str:
    """One watchlist's counts (tier value -> items) over ``period`` ("24 h")."""
    parts = [f"{counts.get(t.value, 0):,} {_WORDS[t]}" for t in Tier]
    return f"{period}: " + " · ".join(parts)


def tier_totals(per_watchlist: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """The counts of several watchlists added up."""
    out: dict[str, int] = {}
    for counts in per_watchlist.values():
        for tier, n in counts.items():
            out[tier] = out.get(tier, 0) + n
    return out


def schedule_summary(
    digest: tuple[str, ...], timezone: str, quiet_hours: str | None, limit: int | None
) -> str:
    """'digest at 07:00, 19:00 (Europe/London) · quiet hours 22:00-07:00 · at most 6 alerts an hour'."""
    parts = [f"digest at {', '.join(digest)} ({timezone})" if digest else "no scheduled digest"]
    if quiet_hours:
        parts.append(f"quiet hours {quiet_hours} (only severe events ping)")
    if limit is not None:
        parts.append(f"at most {limit} alert{'s' if limit != 1 else ''} an hour")
    return " · ".join(parts)
