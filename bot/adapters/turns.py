"""Turns that a hung holder cannot keep: a semaphore's slot, given back at the end or after a while.

The fetcher takes one of a host's slots for each request (politeness), and the engine one of the
round's turns for each feed from download to survey (memory). A request that hangs for its whole
timeout must not hold either for that long: the others behind it would wait 20–60 s for nothing
(measured for the host slots). So a turn is given back when its block ends or after ``hold``
seconds, whichever is first; past that the holder carries on without it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def turn(slots: asyncio.Semaphore, *, hold: float) -> AsyncIterator[None]:
    """One of ``slots``, for the block or ``hold`` seconds, whichever ends first."""
    await slots.acquire()
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            slots.release()

    timer = asyncio.get_running_loop().call_later(hold, release)
    try:
        yield
    finally:
        timer.cancel()
        release()
