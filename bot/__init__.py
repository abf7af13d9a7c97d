"""Sitrep engine: the pure core (``bot.core``) and the adapters around it (``bot.adapters``)."""
