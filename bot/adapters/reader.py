"""HTTP client for the reader: one chat-completions request per match, to the deployment's endpoint.

Any OpenAI-compatible server answers it (vLLM, llama.cpp's server, Ollama's ``/v1``, a hosted API):
``POST {url}/chat/completions`` with the messages of ``bot.core.reader.messages``, temperature 0.

The reader is a second opinion, never a gate the alert depends on: a timeout, a refused key, a
server error or a reply that is not a verdict is answered ``UNKNOWN`` with the reason, and the
alert goes out as it would without a reader. After a failure the rest of the batch is not asked,
so a dead endpoint costs one round one timeout, not one timeout per match.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from bot.core.reader import ReaderAnswer, ReaderQuestion, Verdict, messages, parse_answer

log = logging.getLogger(__name__)

_MAX_REPLY_BYTES = 64 * 1024
_MAX_TOKENS = 60


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    url: str
    """The API base, like ``http://127.0.0.1:8080/v1``; ``/chat/completions`` is appended."""
    model: str
    api_key: str | None = None
    timeout: float = 20.0
    max_concurrency: int = 4
    cache_size: int = 5000

    def __repr__(self) -> str:  # the key never reaches a log through a repr
        key = "set" if self.api_key else "None"
        return f"ReaderSettings(url={self.url!r}, model={self.model!r}, api_key={key})"

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"


class _Failed(Exception):
    """One request got no verdict; ``reason`` is for the log. Internal: callers get UNKNOWN."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReaderClient:
    """Asks the configured endpoint; remembers definite answers so a retried round asks nothing."""

    def __init__(self, settings: ReaderSettings, session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self._session = session
        self._own_session = session is None
        self._cache: OrderedDict[tuple[str, str, str], ReaderAnswer] = OrderedDict()
        self._slots = asyncio.Semaphore(max(1, settings.max_concurrency))

    async def __aenter__(self) -> ReaderClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.timeout))
        return self._session

    async def ask(self, question: ReaderQuestion) -> ReaderAnswer:
        """The reader's answer to one question; ``UNKNOWN`` with the reason when there is none."""
        (answer,) = await self.ask_all([question])
        return answer

    async def ask_all(self, questions: Sequence[ReaderQuestion]) -> list[ReaderAnswer]:
        """Answers in the order asked, each distinct question asked once. Never raises for endpoint
        trouble (see the module docstring)."""
        found: dict[tuple[str, str, str], ReaderAnswer] = {}
        todo: dict[tuple[str, str, str], ReaderQuestion] = {}
        for q in questions:
            cached = self._cache.get(q.key)
            if cached is not None:
                found[q.key] = cached
            else:
                todo.setdefault(q.key, q)
        failure: list[str] = []

        async def one(question: ReaderQuestion) -> None:
            async with self._slots:
                if failure:
                    found[question.key] = ReaderAnswer(Verdict.UNKNOWN, f"not asked: {failure[0]}")
                    return
                try:
                    answer = parse_answer(await self._complete(question))
                except _Failed as e:
                    failure.append(e.reason)
                    found[question.key] = ReaderAnswer(Verdict.UNKNOWN, e.reason)
                    return
                found[question.key] = answer
                if answer.verdict is not Verdict.UNKNOWN:
                    self._remember(question, answer)

        await asyncio.gather(*(one(q) for q in todo.values()))
        if failure:
            log.warning(
                "reader at %s: %s; those matches alert unconfirmed", self.settings.endpoint, failure[0]
            )
        return [found[q.key] for q in questions]

    def _remember(self, question: ReaderQuestion, answer: ReaderAnswer) -> None:
        self._cache[question.key] = answer
        self._cache.move_to_end(question.key)
        while len(self._cache) > self.settings.cache_size:
            self._cache.popitem(last=False)

    async def _complete(self, question: ReaderQuestion) -> str:
        body = {
            "model": self.settings.model,
            "messages": messages(question),
            "temperature": 0,
            "max_tokens": _MAX_TOKENS,
        }
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        try:
            async with self._http().post(
                self.settings.endpoint,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
            ) as response:
                raw = await response.content.read(_MAX_REPLY_BYTES + 1)
                if response.status in (401, 403):
                    raise _Failed(f"the endpoint refused the API key (HTTP {response.status})")
                if response.status != 200:
                    raise _Failed(f"the endpoint answered HTTP {response.status}")
        except TimeoutError as e:
            raise _Failed(f"no answer within {self.settings.timeout:g} s") from e
        except aiohttp.ClientError as e:
            raise _Failed(f"cannot reach the endpoint ({type(e).__name__}: {e})") from e
        if len(raw) > _MAX_REPLY_BYTES:
            raise _Failed(f"the reply is over {_MAX_REPLY_BYTES // 1024} KB")
        return _content(raw)


def _content(raw: bytes) -> str:
    """The first choice's message text of a chat-completions reply."""
    try:
        data: Any = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise _Failed(f"the reply is not a chat completion ({type(e).__name__})") from e
    if not isinstance(content, str):
        raise _Failed("the reply's message content is not text")
    return content
