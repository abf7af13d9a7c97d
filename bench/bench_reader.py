"""Benchmark: how much later an alert goes out with the reader on, side by side in one run.

The reader asks a model about every match of a poll round before triage, so the round's alerts wait
for the slowest answer. A local chat-completions server stands in for the model, answering after a
fixed delay (what a model takes per request), and the real ``ReaderClient`` asks it about a round of
N matches at several concurrency settings. Also timed: an endpoint that never answers (the round
costs one timeout, not one per match) and the client's own overhead with an instant server.

    .venv/bin/python bench/bench_reader.py [--delay 0.5] [--matches 10 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.reader import ReaderClient, ReaderSettings
from bot.core.reader import ReaderQuestion, Verdict


class ModelStandIn:
    """Answers RELEVANT after ``delay`` seconds; ``delay`` None never answers."""

    def __init__(self) -> None:
        self.delay: float | None = 0.0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _complete(self, request: web.Request) -> web.Response:
        await request.read()
        if self.delay is None:
            await asyncio.Event().wait()
        await asyncio.sleep(self.delay or 0)
        reply = {"choices": [{"message": {"role": "assistant", "content": "RELEVANT: a strike there"}}]}
        return web.Response(text=json.dumps(reply), content_type="application/json")


def questions(n: int, salt: str) -> list[ReaderQuestion]:
    # Distinct texts, so the client's cache never answers for the server.
    return [
        ReaderQuestion(
            watchlist="gaza",
            regions=("Gaza",),
            themes=("airstrike", "ceasefire", "aid"),
            scope="The Gaza Strip.",
            title=f"Airstrike on Rafah kills {i} ({salt})",
            text="An airstrike on a house in Rafah, in southern Gaza, killed several people. " * 4,
            matched=("Rafah", "airstrike"),
        )
        for i in range(n)
    ]


async def timed_round(server: ModelStandIn, n: int, concurrency: int, per_request: float, salt: str) -> float:
    settings = ReaderSettings(
        url=f"http://127.0.0.1:{server.port}/v1",
        model="bench",
        timeout=per_request,
        max_concurrency=concurrency,
    )
    async with ReaderClient(settings) as client:
        started = time.perf_counter()
        answers = await client.ask_all(questions(n, salt))
        elapsed = time.perf_counter() - started
    expected = Verdict.UNKNOWN if server.delay is None else Verdict.RELEVANT
    assert all(a.verdict is expected for a in answers), answers[:2]
    return elapsed


async def main(delay: float, sizes: list[int]) -> None:
    server = ModelStandIn()
    await server.start()
    try:
        print(f"model stand-in answers each request after {delay * 1000:.0f} ms\n")
        print(f"{'matches in the round':>21} {'concurrency':>12} {'round (ms)':>11} {'answers/s':>10}")
        for n in sizes:
            for concurrency in (1, 4, 8):
                server.delay = delay
                seconds = await timed_round(server, n, concurrency, per_request=30, salt=f"{n}-{concurrency}")
                print(f"{n:>21} {concurrency:>12} {seconds * 1000:>11.0f} {n / seconds:>10.1f}")
        server.delay = 0.0
        n = max(sizes)
        seconds = await timed_round(server, n, 8, per_request=30, salt="instant")
        print(f"\nclient overhead, instant server: {seconds / n * 1000:.2f} ms per match ({n} matches)")
        server.delay = None
        seconds = await timed_round(server, n, 4, per_request=2, salt="dead")
        print(
            f"endpoint that never answers, timeout 2 s: a round of {n} matches took {seconds * 1000:.0f} ms"
        )
        print("without a reader the round waits for nothing: 0 ms")
    finally:
        await server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the stand-in takes per answer")
    parser.add_argument("--matches", type=int, nargs="+", default=[10, 40])
    args = parser.parse_args()
    asyncio.run(main(args.delay, args.matches))
