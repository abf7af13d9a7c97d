"""What listeners may call: the store and the current rules, passed in by run.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.adapters.store import Store
from bot.engine import Engine


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    engine: Engine
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """Time for listeners ("since: 24h" is relative to it); injected by tests."""
