"""Tiers: what each matched item deserves in a desk's channel — a ping, a line in the digest, or nothing.

``decide.py`` makes the decision per item and watchlist (with its reasons, for admins);
``severity.py`` scores how grave a pushed event is (quiet hours, and the alert's "why it pinged").
"""

from bot.core.tiers.decide import Placement, Tier, TierDecision, decide_tier, placement, tier_of

__all__ = ["Placement", "Tier", "TierDecision", "decide_tier", "placement", "tier_of"]
