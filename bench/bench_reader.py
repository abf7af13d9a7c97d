"""Benchmark: how much later an alert goes out with the reader on, side by side in one run.

The reader asks a model about every match of a poll round before triage, so the round's alerts wait
for the slowest answer. The tests' fake chat-completions server stands in for the model, answering after a
fixed delay (what a model takes per request), and the real ``ReaderClient`` asks it about a round of
N matches at several concurrency settings. Also timed: an endpoint that never answers (the round
costs one timeout, not one per match) and the client's own overhead with an instant server.

    .venv/bin/python bench/bench_reader.py [--delay 0.5] [--matches 10 40]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.reader import ReaderClient, ReaderSettings
from bot.core.reader import ReaderQuestion, Verdict
from tests.fakes.reader_api import FakeReaderApi  # the tests' stand-in for a model, with a set latency


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


async def timed_round(
    server: FakeReaderApi, n: int, concurrency: int, per_request: float, *, answers: bool, salt: str
) -> float:
    settings = ReaderSettings(url=server.url, model="bench", timeout=per_request, max_concurrency=concurrency)
    async with ReaderClient(settings) as client:
        started = time.perf_counter()
        got = await client.ask_all(questions(n, salt))
        elapsed = time.perf_counter() - started
    expected = Verdict.RELEVANT if answers else Verdict.UNKNOWN
    assert all(a.verdict is expected for a in got), got[:2]
    return elapsed


async def main(delay: float, sizes: list[int]) -> None:
    server = await FakeReaderApi().start()
    try:
        print(f"model stand-in answers each request after {delay * 1000:.0f} ms\n")
        print(f"{'matches in the round':>21} {'concurrency':>12} {'round (ms)':>11} {'answers/s':>10}")
        for n in sizes:
            for concurrency in (1, 4, 8):
                server.delay = delay
                seconds = await timed_round(
                    server, n, concurrency, per_request=30, answers=True, salt=f"{n}-{concurrency}"
                )
                print(f"{n:>21} {concurrency:>12} {seconds * 1000:>11.0f} {n / seconds:>10.1f}")
        server.delay = 0.0
        n = max(sizes)
        seconds = await timed_round(server, n, 8, per_request=30, answers=True, salt="instant")
        print(f"\nclient overhead, instant server: {seconds / n * 1000:.2f} ms per match ({n} matches)")
        server.hold_answers()
        seconds = await timed_round(server, n, 4, per_request=2, answers=False, salt="dead")
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
