"""Reading headlines: what form an item has and what event, if any, its main clause reports."""

from bot.core.headline.cues import EventKind
from bot.core.headline.reading import Form, HeadlineReading, read_headline

__all__ = ["EventKind", "Form", "HeadlineReading", "read_headline"]
