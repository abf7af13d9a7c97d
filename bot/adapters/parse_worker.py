"""The feed parser process: ``python -m bot.adapters.parse_worker``, run by ``ProcessParser``.

It reads requests from stdin and writes answers to stdout, one frame each: a 4-byte big-endian
length, then a pickle. A request is ``(number, feed_id, body, base_url, content_type, now)``; the
answer is ``(number, ParsedFeed)`` or ``(number, reason)`` when the body is not a feed. Both ends are
this program's own code, started by the bot itself (pickle is not used on anything from outside).
It exits when stdin closes.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import BinaryIO

from bot.core.feed_parsing import ParsedFeed, parse_feed
from bot.errors import ParseError

HEADER = struct.Struct(">I")


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
    number, feed_id, body, base_url, content_type, now = pickle.loads(request)
    result: ParsedFeed | str
    try:
        result = parse_feed(feed_id, body, base_url=base_url, content_type=content_type, now=now)
    except ParseError as e:
        result = e.reason
    return pickle.dumps((number, result), protocol=pickle.HIGHEST_PROTOCOL)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    while (request := read_frame(requests)) is not None:
        answers.write(frame(answer(request)))
        answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
