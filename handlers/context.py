"""What listeners may call: the store and the current rules, passed in by run.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp.abc import AbstractResolver

from bot.adapters.ssrf import SsrfPolicy
from bot.adapters.store import FeedState, Store
from bot.engine import Engine


@dataclass(frozen=True, slots=True)
class Services:
    store: Store
    engine: Engine
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """Time for listeners ("since: 24h" is relative to it); injected by tests."""
    admins: frozenset[str] = frozenset()
    """Slack user IDs allowed to make changes (config ``admins``); workspace admins/owners are too."""
    admin_channel: str | None = None
    """Where changes are announced (config ``admin_channel``); None: nowhere."""
    fetch_policy: SsrfPolicy = field(default_factory=SsrfPolicy)
    """Which intranet hosts/networks feeds added from Slack may use (config ``[fetch] allow``)."""
    resolver: AbstractResolver | None = None
    """DNS for the SSRF check of feeds added from Slack; None: the system's (tests inject one)."""
    on_feed_added: Callable[[FeedState], None] | None = None
    """Told about a feed added from Slack so it is polled without a restart (the scheduler)."""
    on_requeued: Callable[[], None] | None = None
    """Told when ``/sitrep retry`` re-queued parked alerts, so they are sent now (the scheduler)."""
