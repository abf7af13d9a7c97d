"""The feed parser process: ``python -m bot.adapters.parse_worker``, run by ``ProcessParser``.

It says ``READY`` once its imports are done, then reads requests from stdin and writes answers to
stdout, one frame each: a 4-byte big-endian length, then a pickle. A request is
``(number, BodyToRead)``; the answer is ``(number, ReadBody)``, or ``(number, reason)`` when the body
is not a feed. Both ends are this program's own code, the worker started by the bot itself: the
feed's bytes travel inside the pickle as bytes and are only ever parsed as a feed. It exits when
stdin closes.
"""

from __future__ import annotations

import pickle
import struct
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from bot.core.feed_parsing import ParsedFeed, parse_feed
from bot.core.incidents.stories import story_key
from bot.errors import ParseError

HEADER = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class BodyToRead:
    """One fetched body and what reading it needs: where it came from (``base_url`` resolves its
    links), its declared type, the time of the poll, and the outlet its items' stories are keyed by."""

    feed_id: str
    body: bytes
    base_url: str
    content_type: str | None
    now: datetime
    outlet: str


@dataclass(frozen=True, slots=True)
class ReadBody:
    """A parsed body and each item's story key (``bot.core.incidents.stories``), in item order:
    the key is pure work on the item, so the parser process does it too."""

    feed: ParsedFeed
    stories: tuple[str, ...]


def read_body(got: BodyToRead) -> ReadBody:
    """``parse_feed``, and the items' story keys as published by the outlet."""
    feed = parse_feed(
        got.feed_id, got.body, base_url=got.base_url, content_type=got.content_type, now=got.now
    )
    return ReadBody(feed, tuple(story_key(i.link, i.title, got.outlet) for i in feed.items))


def read_frame(stream: BinaryIO) -> bytes | None:
    """One frame's payload, or None at the end of the stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def answer(request: bytes) -> bytes:
    number, got = pickle.loads(request)
    result: ReadBody | str
    try:
        result = read_body(got)
    except ParseError as e:
        result = e.reason
    return pickle.dumps((number, result), protocol=pickle.HIGHEST_PROTOCOL)


READY = b"ready"
"""The first frame a worker sends, once its imports are done: a worker that dies before it is a
broken installation, not a body it choked on."""


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    answers.write(frame(READY))
    answers.flush()
    while (request := read_frame(requests)) is not None:
        answers.write(frame(answer(request)))
        answers.flush()


if __name__ == "__main__":
    # Through the module's own name: what it pickles must be bot.adapters.parse_worker.ReadBody, which
    # the bot can load, not __main__.ReadBody.
    from bot.adapters import parse_worker

    parse_worker.serve(sys.stdin.buffer, sys.stdout.buffer)
