"""Feed items as the core sees them: plain, frozen, already normalised to text and UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of one feed, normalised.

    ``id`` is stable across polls: the entry's guid, else its canonical link, else a hash of
    title and date. ``title`` and ``summary`` are plain text (HTML stripped, entities decoded).
    ``published`` is timezone-aware UTC; when the feed gave no usable date it is the first-seen
    time and ``published_estimated`` is True.
    """

    feed_id: str
    id: str
    title: str
    summary: str
    link: str | None
    published: datetime
    published_estimated: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.feed_id, self.id)


@dataclass(frozen=True, slots=True)
class RecordedItem:
    """An item already recorded as seen, as far as story order goes: which article it is (its
    story key, ``bot.core.incidents.stories``) and when it was published."""

    feed_id: str
    id: str
    published: datetime
    story: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.feed_id, self.id)
