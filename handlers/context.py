"""What listeners may call: the store and the current rules, passed in by run.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.store import Store
from bot.engine import Engine


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    engine: Engine
