"""Alembic migrations for Sitrep's database; run programmatically by ``bot.adapters.store``."""
