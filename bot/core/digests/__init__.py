"""Digests: when a watchlist's digest is due and what it says (``schedule``, ``compose``)."""
