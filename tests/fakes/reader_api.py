"""A local fake of an OpenAI-compatible chat-completions endpoint, for the reader's tests.

Real HTTP on an ephemeral port, so the real ``ReaderClient`` (aiohttp) talks to it exactly as it
talks to vLLM or llama.cpp's server. What it answers is a rule the test sets: a function from
the user message to the reply text. It can also misbehave on request (an HTTP status, a body that
is not a chat completion, or an answer held until the client gives up), and it logs every request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from aiohttp import web

from tests.fakes.local_http import serve

Rule = Callable[[str], str]


def relevant_unless(*phrases: str) -> Rule:
    """A rule that answers NOT RELEVANT when the headline contains any of ``phrases``."""

    def rule(user: str) -> str:
        headline = next((line for line in user.splitlines() if line.startswith("Headline: ")), "")
        if any(p.lower() in headline.lower() for p in phrases):
            return "NOT RELEVANT: a statement abroad, not an event in the region"
        return "RELEVANT: reports an event in the region"

    return rule


@dataclass
class FakeReaderApi:
    rule: Rule = field(default=lambda user: "RELEVANT: reports an event in the region")
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    delay: float = 0.0
    """Seconds each answer takes, like a model's latency (it paces the server; tests never wait on it)."""
    _failures: list[tuple[int, bytes]] = field(default_factory=list)
    _hold: bool = False
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _port: int = 0

    async def start(self) -> FakeReaderApi:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner, self._port = await serve(app)
        return self

    async def close(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The API base the reader config takes."""
        return f"http://127.0.0.1:{self._port}/v1"

    def fail_next(self, count: int, *, status: int = 500, body: bytes = b'{"error": "overloaded"}') -> None:
        self._failures += [(status, body)] * count

    def hold_answers(self) -> None:
        """Answer nothing until the test ends: the client's timeout is what ends each request."""
        self._hold = True

    def user_messages(self) -> list[str]:
        return [r["messages"][-1]["content"] for r in self.requests]

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self._hold:
            await self._released.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._failures:
            status, raw = self._failures.pop(0)
            return web.Response(status=status, body=raw, content_type="application/json")
        reply = self.rule(body["messages"][-1]["content"])
        payload = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
            ],
        }
        return web.Response(text=json.dumps(payload), content_type="application/json")


@pytest_asyncio.fixture
async def reader_api() -> AsyncIterator[FakeReaderApi]:
    """A running fake reader endpoint for one test."""
    server = await FakeReaderApi().start()
    try:
        yield server
    finally:
        await server.close()
