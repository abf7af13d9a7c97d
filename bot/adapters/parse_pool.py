"""Feed bodies parsed in worker processes, so parsing runs beside triage instead of under its lock.

A round of 1,000 feeds brings 50,000 items. Parsing them is pure CPU work (``parse_feed``, about
3 s of it), and in a thread of the bot's own process it competes with everything else for the one
interpreter lock: the second core sits idle while the first does it all. A worker process parses
while the main process downloads and surveys what is already parsed. It also keeps a hostile body
that costs seconds of CPU off the event loop's interpreter altogether.

* ``ThreadParser`` is the old way (a thread of this process), for one-core machines and
  ``SITREP_PARSE_WORKERS=0``.
* ``ProcessParser`` runs ``python -m bot.adapters.parse_worker`` children, started on first use (a
  round of 304s never starts one), talking over their stdin and stdout. Not ``multiprocessing``:
  its ``spawn`` re-imports the parent's main script in every child (all of ``run.py``'s imports,
  and a script without a ``__main__`` guard starts processes without end), and ``fork`` would copy
  the locks of the bot's threads into the child in whatever state they were.
* A worker that dies (killed for memory, a crash in the XML library) fails every parse waiting on
  it. Each of those bodies is tried once more on a fresh worker; a body that kills a second worker
  is reported as that feed's parse error, and the other feeds are unaffected.
* The answer is the frozen ``ParsedFeed`` with its items' story keys (``ReadBody``), or the reason
  the body is not a feed (``FeedError``'s constructor does not pickle, so the reason travels as a
  string and the error is raised here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from bot.adapters.parse_worker import HEADER, READY, BodyToRead, ReadBody, frame, read_body
from bot.errors import ConfigError, ParseError, SitrepError

log = logging.getLogger(__name__)

WORKERS_ENV = "SITREP_PARSE_WORKERS"
_STOP_SECONDS = 5.0
_START_SECONDS = 30.0
_IN_FLIGHT = 4
"""Parses sent to each worker at a time: enough that it never waits for the next body."""
_ROOT = Path(__file__).resolve().parents[2]
"""The directory that holds the ``bot`` package, for the worker's import path."""


class FeedParser(Protocol):
    """Parses one fetched body and keys its items' stories; raises ``ParseError`` when it is not a
    feed."""

    async def parse(self, got: BodyToRead) -> ReadBody: ...

    async def aclose(self) -> None: ...


class ThreadParser:
    """``read_body`` in a worker thread of this process."""

    async def parse(self, got: BodyToRead) -> ReadBody:
        return await asyncio.to_thread(read_body, got)

    async def aclose(self) -> None:
        return None


class WorkerDied(SitrepError):
    """The worker process exited (or was killed) before answering; ``parse`` turns it into a retry,
    then into the feed's ``ParseError``."""


class WorkerDidNotStart(SitrepError):
    """The worker process exited, or said nothing, before it was ready to parse."""


WORKER_COMMAND = (sys.executable, "-m", "bot.adapters.parse_worker")


class _Worker:
    """One ``parse_worker`` child, with the parses sent to it and not yet answered."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[ReadBody | str]] = {}
        self.alive = True
        self._lock = asyncio.Lock()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, command: Sequence[str]) -> _Worker:
        """A worker that has said it is ready; ``WorkerDidNotStart`` if it never does."""
        path = os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(_START_SECONDS):
                (size,) = HEADER.unpack(await process.stdout.readexactly(HEADER.size))
                ready = await process.stdout.readexactly(size)
        except (asyncio.IncompleteReadError, TimeoutError) as e:
            if process.returncode is None:
                process.kill()
            raise WorkerDidNotStart(f"exit status {await process.wait()}") from e
        if ready != READY:
            process.kill()
            raise WorkerDidNotStart(f"it said {ready[:40]!r} instead of being ready")
        return cls(process)

    async def ask(self, number: int, request: bytes) -> ReadBody | str:
        assert self.process.stdin is not None
        if not self.alive:  # its reader has already failed what was pending; this would wait forever
            raise WorkerDied("exited")
        future: asyncio.Future[ReadBody | str] = asyncio.get_running_loop().create_future()
        self.pending[number] = future
        try:
            async with self._lock:  # one frame at a time on the pipe
                self.process.stdin.write(frame(request))
                await self.process.stdin.drain()
        except (ConnectionError, RuntimeError) as e:
            self.pending.pop(number, None)
            raise WorkerDied(str(e)) from e
        return await future

    async def _read(self) -> None:
        assert self.process.stdout is not None
        out = self.process.stdout
        try:
            while True:
                (size,) = HEADER.unpack(await out.readexactly(HEADER.size))
                number, result = pickle.loads(await out.readexactly(size))
                future = self.pending.pop(number, None)
                if future is not None and not future.done():
                    future.set_result(result)
        except asyncio.CancelledError:
            self._fail("closed")
            raise
        except asyncio.IncompleteReadError:
            self._fail(f"exit status {await self.process.wait()}")
        except Exception as e:  # an answer we cannot read must not leave parses waiting forever
            log.error("feed parser process %d sent an unreadable answer: %r", self.process.pid, e)
            self._fail(f"unreadable answer: {e.__class__.__name__}")
            if self.process.returncode is None:
                self.process.kill()

    def _fail(self, reason: str) -> None:
        self.alive = False
        for future in self.pending.values():
            if not future.done():
                future.set_exception(WorkerDied(reason))
        self.pending.clear()

    async def stop(self) -> None:
        self.alive = False
        if self.process.returncode is None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), _STOP_SECONDS)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


class ProcessParser:
    """``read_body`` in ``workers`` child processes, started on first use."""

    def __init__(
        self,
        workers: int,
        *,
        on_start: Callable[[int], None] | None = None,
        command: Sequence[str] = WORKER_COMMAND,
    ) -> None:
        """``on_start`` hears each worker's process id as it starts. ``command`` runs a worker
        (``python -m bot.adapters.parse_worker`` of this interpreter)."""
        if workers < 1:
            raise ValueError("a process parser needs at least one worker")
        self._command = tuple(command)
        self._fallback: ThreadParser | None = None
        """Set when workers cannot start at all: this process then parses in a thread."""
        self._on_start = on_start
        self._size = workers
        self._slots = asyncio.Semaphore(workers * _IN_FLIGHT)
        self._workers: list[_Worker] = []
        self._starting = asyncio.Lock()
        self._numbers = 0
        self.restarted = 0
        """Workers started again after one died (for tests and logs)."""

    async def parse(self, got: BodyToRead) -> ReadBody:
        if self._fallback is not None:
            return await self._fallback.parse(got)
        self._numbers += 1
        number = self._numbers
        # A round downloads faster than one worker parses: without a bound, every waiting body would
        # be copied into a pickled request at once (a round's worth of bodies twice over).
        async with self._slots:
            request = pickle.dumps((number, got), protocol=pickle.HIGHEST_PROTOCOL)
            return await self._parse(number, got, request)

    async def _parse(self, number: int, got: BodyToRead, request: bytes) -> ReadBody:
        for attempt in (1, 2):
            try:
                worker = await self._worker()
            except WorkerDidNotStart as e:
                if self._fallback is None:
                    log.error(
                        "feed parser processes do not start (%s); parsing in a thread of this process"
                        " instead. Set SITREP_PARSE_WORKERS=0 to say so, or fix the installation.",
                        e,
                    )
                    self._fallback = ThreadParser()
                return await self._fallback.parse(got)
            try:
                answer = await worker.ask(number, request)
            except WorkerDied as e:
                if attempt == 2:
                    raise ParseError(
                        got.feed_id, f"the parser process died twice on this body ({e}); too big or malformed"
                    ) from e
                continue
            if isinstance(answer, str):
                raise ParseError(got.feed_id, answer)
            return answer
        raise AssertionError("unreachable")

    async def _worker(self) -> _Worker:
        """The live worker with the fewest parses waiting, starting workers up to the pool's size."""
        async with self._starting:
            if self._fallback is not None:  # one failed start is enough: the others waited on this lock
                raise WorkerDidNotStart("an earlier start failed")
            dead = [w for w in self._workers if not w.alive]
            for w in dead:
                log.warning(
                    "a feed parser process died (exit status %s); starting another", w.process.returncode
                )
                self._workers.remove(w)
                self.restarted += 1
                await w.stop()
            if len(self._workers) < self._size:
                worker = await _Worker.start(self._command)
                self._workers.append(worker)
                log.debug("feed parser process %d started", worker.process.pid)
                if self._on_start is not None:
                    self._on_start(worker.process.pid)
            return min(self._workers, key=lambda w: len(w.pending))

    def pids(self) -> tuple[int, ...]:
        """The process ids of the running workers (none before the first parse)."""
        return tuple(w.process.pid for w in self._workers if w.alive)

    async def aclose(self) -> None:
        workers, self._workers = self._workers, []
        await asyncio.gather(*(w.stop() for w in workers))


def parse_workers(environ: Mapping[str, str], cpus: int | None) -> int:
    """How many parser processes ``SITREP_PARSE_WORKERS`` asks for; by default one fewer than the
    CPUs (the main process triages on the last one), and none on a one-CPU machine."""
    raw = environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return max(0, (cpus or 1) - 1)
    try:
        workers = int(raw)
    except ValueError as e:
        raise ConfigError(
            f"{WORKERS_ENV} must be a whole number of processes (0: parse in a thread), not {raw!r}"
        ) from e
    if not 0 <= workers <= 64:
        raise ConfigError(f"{WORKERS_ENV} must be between 0 and 64, not {workers}")
    return workers


def feed_parser(environ: Mapping[str, str] | None = None) -> FeedParser:
    """The parser ``SITREP_PARSE_WORKERS`` (or the machine's CPU count) asks for."""
    workers = parse_workers(os.environ if environ is None else environ, os.cpu_count())
    return ProcessParser(workers) if workers else ThreadParser()


__all__ = [
    "WORKERS_ENV",
    "BodyToRead",
    "FeedParser",
    "ProcessParser",
    "ThreadParser",
    "feed_parser",
    "parse_workers",
]
