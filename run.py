"""Sitrep's one entry point and composition root: parse the command line, build the adapters
around the core, and run the requested mode.

    python run.py                 # Slack (Socket Mode or HTTP) with tokens; demo mode without
    python run.py demo [--once] [--corpus PATH] [--since DATE] [--until DATE]
    python run.py poll --once     # one poll of the configured feeds
    python run.py check           # validate config and environment, then exit
    python run.py extract [FILE]  # casualty figures as JSON
    python run.py eval FILE       # score the extractor on a labelled file
    python run.py backtest --corpus PATH --watchlist NAME [--since D] [--until D] [--json]
    python run.py watch show NAME # what a watchlist expands to
    python run.py export [--output PATH]  # the database's feeds and watchlists as a config file
    python run.py feedback [--output PATH] [--since D] [--watchlist NAME]  # desk marks as labels
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.adapters.sink import AlertSink
from bot.adapters.store import FeedSpec, Store, sqlite_file
from bot.core.gazetteer import Gazetteer
from bot.core.watchlist_validation import validate_watchlist
from bot.errors import CommandError, ConfigError, SitrepError
from config.settings import SAMPLES_DIR, Settings, load_settings

if TYPE_CHECKING:
    from bot.adapters.metrics import Metrics
    from bot.adapters.reader import ReaderClient
    from bot.demo import Replay, ReplayClock
    from bot.engine import Engine, OnDelivered
    from bot.scheduler import Poller

log = logging.getLogger("sitrep")


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- logging ---------------------------------------------------------------------------------


LOG_FORMATS = ("text", "json")


class RedactSecrets(logging.Filter):
    """Replace any secret value that reaches a log record with a marker: in the message, and in the
    traceback and stack text (an exception's message can quote a URL or a header)."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def _redact(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(s in message for s in self._secrets):
                record.msg, record.args = self._redact(message), None
            if record.exc_info and not record.exc_text:
                # Formatters reuse exc_text once set, so every format prints the redacted one.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self._redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the exception's
    traceback (``exception``) or the stack (``stack``) when the record has one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, environ: Mapping[str, str], log_format: str = "text") -> None:
    """Log to stderr at ``level``, as text or (``json``) one JSON object per line, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(
        RedactSecrets(
            [
                environ.get(k, "")
                for k in (
                    "SLACK_BOT_TOKEN",
                    "SLACK_APP_TOKEN",
                    "SLACK_SIGNING_SECRET",
                    "SITREP_READER_API_KEY",
                )
            ]
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "aiohttp.access", "alembic", "slack_sdk", "sitrep.bolt"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


# -- composition -----------------------------------------------------------------------------


@dataclass
class Runtime:
    settings: Settings
    store: Store
    engine: object  # bot.engine.Engine; typed loosely to keep imports lazy for fast CLI commands
    poller: object
    metrics: Metrics


def feed_specs(settings: Settings) -> list[FeedSpec]:
    return [FeedSpec(id=f.feed_id, url=f.url, name=f.name, interval=f.interval) for f in settings.file.feeds]


@contextlib.asynccontextmanager
async def runtime(
    settings: Settings,
    *,
    sink: AlertSink,
    feeds: Sequence[FeedSpec],
    database_url: str,
    clock: Callable[[], datetime] = utcnow,
    gazetteer: Gazetteer | None = None,
    on_delivered: OnDelivered | None = None,
) -> AsyncIterator[Runtime]:
    """Store, engine, poller and the process's metrics around ``settings``. ``gazetteer`` is built
    here unless given (it takes seconds and never changes, so a process that starts several runtimes
    may build it once)."""
    from bot.adapters.fetch import Fetcher, user_agent
    from bot.adapters.figure_model import load_confidence_model
    from bot.adapters.metrics import Metrics
    from bot.adapters.parse_pool import feed_parser
    from bot.core.figure_confidence import confident_extractor
    from bot.core.incidents.places import PlaceHints
    from bot.core.incidents.same_event import EventPolicy
    from bot.core.matching import Matcher
    from bot.engine import Engine, EngineRules
    from bot.geo import load_gazetteer
    from bot.scheduler import Poller

    gazetteer = gazetteer or load_gazetteer()
    store = await Store.open(database_url, gazetteer=gazetteer)  # it places incidents for /incidents
    try:
        # Before anything is written: a second poller on one SQLite file stops here, and on
        # PostgreSQL this process learns whether it leads polling or stands by.
        lease = await store.take_lease()
        if not lease.is_leader:
            log.info("another process leads polling on this database; this one drains and answers")
        await store.sync_feeds(feeds)
        await store.sync_watchlists(settings.watchlists, now=clock())
        watchlists = tuple(await store.watchlists())
        for warning in watchlist_warnings(settings, gazetteer):
            log.warning("%s", warning)
        rules = EngineRules(
            watchlists=watchlists,
            matcher=Matcher(watchlists, gazetteer),
            gazetteer=gazetteer,
            places=PlaceHints.from_gazetteer(gazetteer, watchlists),
        )
        agent = user_agent(settings.file.contact)
        parser = feed_parser()
        async with (
            contextlib.aclosing(parser),
            Fetcher(agent=agent) as fetcher,
            Fetcher(agent=agent, guard=settings.file.fetch.policy) as guarded,
            reader_client(settings) as reader,
        ):
            engine = Engine(
                store=store,
                fetcher=fetcher,
                untrusted_fetcher=guarded,
                sink=sink,
                rules=rules,
                clock=clock,
                cluster_policy=EventPolicy(window=timedelta(hours=settings.file.incident_window_hours)),
                max_item_age=timedelta(hours=settings.file.max_item_age_hours),
                build_matcher=lambda chosen: Matcher(chosen, gazetteer),
                reader=reader,
                on_delivered=on_delivered,
                pause_after=settings.file.feed_pause_after,
                admin_channel=settings.file.admin_channel,
                extract=confident_extractor(load_confidence_model()),
                parser=parser,
            )
            metrics = Metrics(outbox_counts=store.outbox_counts, leading=lambda: lease.is_leader)
            poller = Poller(engine, store, observer=metrics, lease=lease)
            yield Runtime(settings, store, engine, poller, metrics)
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def reader_client(settings: Settings) -> AsyncIterator[ReaderClient | None]:
    """The ``[reader]`` client when the config names an endpoint, else None (no reader)."""
    config = settings.file.reader
    if config is None:
        yield None
        return
    from bot.adapters.reader import ReaderClient, ReaderSettings

    log.info("reader: every match is checked by %s at %s", config.model, config.url)
    async with ReaderClient(
        ReaderSettings(
            url=config.url,
            model=config.model,
            api_key=settings.secrets.reader_api_key,
            timeout=config.timeout_seconds,
            max_concurrency=config.max_concurrency,
        )
    ) as client:
        yield client


def slack_sink(settings: Settings) -> AlertSink:
    from bot.adapters.slack_sink import SlackSink, make_web_client

    assert settings.secrets.slack_bot_token
    return SlackSink(make_web_client(settings.secrets.slack_bot_token, settings.slack_api_url))


HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


def health_check(store: Store, running: Callable[[], bool], leading: Callable[[], bool]) -> HealthCheck:
    """The /healthz body for a process whose scheduler runs while ``running()`` says so, and
    which leads polling while ``leading()`` does."""
    from bot.core.health import FeedHealth, health_report
    from bot.errors import StoreError

    async def health() -> dict[str, Any]:
        try:
            feeds = [
                FeedHealth(
                    f.last_polled is not None, f.consecutive_failures > 0, paused=f.paused_at is not None
                )
                for f in await store.feeds()
            ]
            outbox = await store.outbox_counts()
        except StoreError as e:
            return health_report(
                scheduler_running=running(),
                feeds=None,
                outbox=None,
                database_error=str(e),
                leader=leading(),
            )
        return health_report(scheduler_running=running(), feeds=feeds, outbox=outbox, leader=leading())

    return health


@contextlib.asynccontextmanager
async def ops_listener(metrics: Metrics, health: HealthCheck, port: int | None) -> AsyncIterator[None]:
    """GET /metrics and GET /healthz on ``port`` (``METRICS_PORT``) for the block; nothing if None."""
    if port is None:
        yield
        return
    from aiohttp import web

    from bot.adapters.metrics import ops_application

    runner = web.AppRunner(ops_application(metrics, health), access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, "0.0.0.0", port).start()
        except OSError as e:
            raise ConfigError(f"cannot listen on METRICS_PORT {port}: {e.strerror or e}") from e
        log.info("GET /metrics and GET /healthz on port %d", port)
        yield
    finally:
        await runner.cleanup()


class Stopper:
    """SIGINT and SIGTERM for one long-running command: the first asks it to stop cleanly, any
    later one is noted and ignored so it cannot cut the clean-up short.

    A command waiting in ``wait()`` returns from it and shuts down in order; a command still starting
    up or replaying is cancelled where it is, and its ``finally`` blocks close what it opened. (A
    second Ctrl+C used to cancel the database's close and print its traceback.) Queued messages stay
    in the outbox either way: it is a table, written in the same transaction as the items."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._event: asyncio.Event | None = None
        self._task: asyncio.Task[Any] | None = None
        self._waiting = False

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._task = asyncio.current_task()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows' event loop
                loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self.received is not None:
            log.warning("%s: already stopping", name)
            return
        self.received = sig
        log.warning("%s: stopping (queued messages stay in the outbox)", name)
        assert self._event is not None
        self._event.set()
        if not self._waiting and self._task is not None:
            self._task.cancel()

    async def wait(self) -> None:
        """Until SIGINT or SIGTERM."""
        assert self._event is not None, "install() first"
        self._waiting = True
        await self._event.wait()

    @property
    def exit_code(self) -> int | None:
        """130 after SIGINT (the shell's code for Ctrl+C), 0 after SIGTERM (a requested stop that
        went cleanly), None with no signal."""
        if self.received is None:
            return None
        return 130 if self.received == signal.SIGINT else 0


def run_until_stopped(command: Callable[[Stopper], Coroutine[Any, Any, int]]) -> int:
    """``asyncio.run`` a long-running command under a ``Stopper``."""
    stopper = Stopper()

    async def main() -> int:
        stopper.install()
        try:
            return await command(stopper)
        except asyncio.CancelledError:
            if stopper.received is None:
                raise
            return 0

    code = asyncio.run(main())
    return stopper.exit_code if stopper.exit_code is not None else code


# -- commands --------------------------------------------------------------------------------


async def cmd_demo(
    settings: Settings,
    args: argparse.Namespace,
    out: TextIO,
    environ: Mapping[str, str],
    stop: Stopper,
) -> int:
    from bot.adapters.feed_server import FeedServer
    from bot.adapters.terminal_sink import TerminalSink
    from bot.corpus import CorpusStats
    from bot.demo import Replay, ReplayClock, describe_feeds, load_corpus, load_samples
    from bot.engine import Engine
    from bot.replay_log import JsonMessageLog, SilentSink
    from bot.scheduler import Poller

    # With --json, stdout carries the message log and nothing else; people read stderr.
    log_out, out = (out, sys.stderr) if args.json else (None, out)
    sink: AlertSink = SilentSink() if args.json else TerminalSink(out)
    # The demo's feeds are throw-away local servers: written into a production database they would
    # become trusted config feeds that the real bot then polls and exports. It never touches one.
    if environ.get("DATABASE_URL"):
        print(
            "DATABASE_URL is set; the demo leaves that database alone and uses a throw-away one."
            " Set the SLACK_ variables (README, Run modes) to run the bot on it.",
            file=out,
        )
    tmp = tempfile.mkdtemp(prefix="sitrep-demo-")
    database_url = f"sqlite+aiosqlite:///{tmp}/demo.db"
    try:
        if args.corpus:
            print(f"Reading {args.corpus} …", file=out, flush=True)
            stats = CorpusStats()
            sources = load_corpus(
                Path(args.corpus), since=args.since, until=args.until, per_feed=args.per_feed, stats=stats
            )
            if stats.malformed:
                print(f"({stats.malformed} malformed corpus lines skipped)", file=out)
        else:
            sources = load_samples(SAMPLES_DIR, now=utcnow())
        if not any(f.items for f in sources):
            print("Nothing to replay: no items in that window.", file=out)
            return 1
        async with FeedServer() as server:
            replay = Replay(server, sources)
            print(
                f"Sitrep demo — no Slack tokens, so alerts are rendered here.\n"
                f"Replaying {len(sources)} feeds ({describe_feeds(replay.specs)[:300]})"
                f" from {server.url('/')}\n"
                f"Watchlists: {', '.join(w.name for w in settings.watchlists)}\n",
                file=out,
                flush=True,
            )
            clock = ReplayClock()
            async with runtime(
                settings,
                sink=sink,
                feeds=replay.specs,
                database_url=database_url,
                clock=clock,
                on_delivered=JsonMessageLog(log_out) if log_out is not None else None,
            ) as rt:
                poller, engine = rt.poller, rt.engine
                assert isinstance(poller, Poller) and isinstance(engine, Engine)
                # The replay loop is the scheduler until the poller starts: healthy while it runs.
                health = health_check(
                    rt.store, lambda: poller.running or stop.received is None, lambda: poller.leading
                )
                async with ops_listener(rt.metrics, health, settings.metrics_port):
                    try:
                        return await _replay(replay, clock, poller, engine, args, out, stop)
                    finally:
                        await poller.stop()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


async def _replay(
    replay: Replay,
    clock: ReplayClock,
    poller: Poller,
    engine: Engine,
    args: argparse.Namespace,
    out: TextIO,
    stop: Stopper,
) -> int:
    """The demo's replay of ``replay`` through ``engine``, then (without --once) live polling of
    the demo feeds until stopped."""
    from bot.core.digests.schedule import next_digest

    results = []
    moment = None
    for moment in replay.clock(timedelta(hours=args.step_hours)):
        replay.reveal(moment)
        clock.now = moment
        results += await poller.poll_all()
        await engine.run_digests()
        await poller.drain()
        if not args.once:
            await asyncio.sleep(args.pause)  # pace the replay for a human watching
    if moment is not None:
        # The window's last items wait for the next scheduled digest: deliver it too.
        closing = [t for w in engine.rules.watchlists if (t := next_digest(w, moment)) is not None]
        if closing:
            clock.now = max(closing)
            await engine.run_digests()
            await poller.drain()
    _print_summary(results, out)
    if args.once:
        return 0
    await poller.start()
    print("Replay done; still polling the demo feeds. Press Ctrl+C to stop.", file=out, flush=True)
    await stop.wait()
    return 0


def _print_summary(results: Sequence[object], out: TextIO) -> None:
    from bot.engine import PollResult

    polls = [r for r in results if isinstance(r, PollResult)]
    items = sum(r.new_items for r in polls)
    alerts = sum(r.alerts for r in polls)
    errors = [r for r in polls if r.error]
    feeds = len({r.feed_id for r in polls})
    print(
        f"\nReplay: {feeds} feeds, {items} items, {alerts} Slack messages, {len(errors)} feed errors.",
        file=out,
    )
    for r in errors:
        print(f"  {r.describe()}", file=out)


async def cmd_poll(
    settings: Settings, args: argparse.Namespace, out: TextIO, environ: Mapping[str, str]
) -> int:
    from bot.adapters.terminal_sink import TerminalSink
    from bot.scheduler import Poller

    sink = slack_sink(settings) if settings.secrets.slack_bot_token else TerminalSink(out)
    async with runtime(
        settings, sink=sink, feeds=feed_specs(settings), database_url=settings.database_url
    ) as rt:
        poller = rt.poller
        assert isinstance(poller, Poller)
        if not poller.leading:
            print(
                "Another Sitrep process leads polling on this database; not polling (it polls on "
                "its own schedule). Only queued messages were sent.",
                file=out,
            )
            await poller.drain()
            return 1
        results = await poller.poll_all()
        await poller.drain()
        for r in results:
            print(r.describe(), file=out)
        return 1 if results and all(r.error for r in results) else 0


async def cmd_serve(settings: Settings, out: TextIO, stop: Stopper) -> int:
    """Connect to Slack (Socket Mode or HTTP) and poll on schedule until stopped."""
    from aiohttp import web
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.adapters.slack_errors import token_refusal
    from bot.adapters.slack_sink import SlackSink, make_web_client
    from bot.engine import Engine
    from bot.scheduler import Poller
    from bot.slack_app import build_app, http_application
    from handlers.context import Services

    token = settings.secrets.slack_bot_token
    assert token
    client = make_web_client(token, settings.slack_api_url)
    try:
        auth = await client.auth_test()
    except SlackApiError as e:  # Slack answered: say what it said (invalid_auth, account_inactive…)
        raise ConfigError(token_refusal(e, settings.slack_api_url)) from e
    except Exception as e:  # any other failure here means we cannot talk to Slack at all
        raise ConfigError(
            f"Slack auth.test failed at {settings.slack_api_url}: {e.__class__.__name__}"
        ) from e
    log.info("connected to Slack as %s in %s", auth.get("user"), auth.get("team"))
    async with runtime(
        settings, sink=SlackSink(client), feeds=feed_specs(settings), database_url=settings.database_url
    ) as rt:
        assert isinstance(rt.engine, Engine) and isinstance(rt.poller, Poller)
        services = Services(
            store=rt.store,
            engine=rt.engine,
            admins=frozenset(settings.file.admins),
            admin_channel=settings.file.admin_channel,
            fetch_policy=settings.file.fetch.policy,
            on_feed_added=rt.poller.schedule,
            on_requeued=rt.poller.deliver_soon,
        )
        mode = settings.mode
        app = build_app(
            client=client,
            signing_secret=settings.secrets.slack_signing_secret,
            services=services,
            verify_requests=mode == "http",
        )
        poller = rt.poller
        health = health_check(rt.store, lambda: poller.running, lambda: poller.leading)
        # METRICS_PORT: a private listener; HTTP mode serves both paths on PORT with Slack's anyway.
        ops_port = settings.metrics_port if settings.metrics_port != settings.port or mode != "http" else None
        async with ops_listener(rt.metrics, health, ops_port):
            await poller.start()
            try:
                if mode == "socket":
                    handler = AsyncSocketModeHandler(app, settings.secrets.slack_app_token)
                    await handler.connect_async()  # type: ignore[no-untyped-call]
                    log.info("Socket Mode connected")
                    try:
                        await stop.wait()
                    finally:
                        await handler.close_async()  # type: ignore[no-untyped-call]
                else:
                    web_app = http_application(
                        app,
                        health,
                        replay_guard=rt.store.replay_guard(),
                        signing_secret=settings.secrets.slack_signing_secret,
                    )
                    web_app.router.add_get("/metrics", rt.metrics.handle)
                    runner = web.AppRunner(web_app)
                    await runner.setup()
                    try:
                        await web.TCPSite(runner, "0.0.0.0", settings.port).start()
                        log.info(
                            "HTTP mode: POST /slack/events, GET /healthz and GET /metrics on port %d",
                            settings.port,
                        )
                        await stop.wait()
                    finally:
                        await runner.cleanup()
            finally:
                await poller.stop()
    return 0


def watchlist_warnings(settings: Settings, gazetteer: Gazetteer) -> list[str]:
    """What is valid but probably not meant: a region the gazetteer does not know, no feeds…"""
    warnings = [
        f"watchlist {w.name!r} {field}: {message}"
        for w in settings.watchlists
        for field, message in validate_watchlist(w, gazetteer)
    ]
    if not settings.file.feeds:
        warnings.append(f"{settings.config_path}: no [[feeds]]: nothing will be polled")
    if not settings.file.watchlists:
        warnings.append(f"{settings.config_path}: no [[watchlists]]: nothing will alert")
    return warnings


def cmd_check(settings: Settings, out: TextIO) -> int:
    """Check everything a start would need and report every problem, not only the first: the
    config, the Slack variables and token (``auth.test``), the database, the reader. Exit 1 on any."""
    from bot.geo import load_gazetteer

    s = settings
    problems: list[str] = []
    print(
        f"config: {s.config_path} OK — {len(s.file.feeds)} feeds, {len(s.file.watchlists)} watchlists",
        file=out,
    )
    for warning in watchlist_warnings(s, load_gazetteer()):
        print(f"warning: {warning}", file=out)
    try:
        mode: str | None = s.mode
        print(f"mode: {mode} (tokens: {s.secrets!r})", file=out)
    except ConfigError as e:
        mode = None
        problems.append(str(e))
    problems += asyncio.run(_check_services(s, mode, out))
    for p in problems:
        print(f"PROBLEM: {p}", file=out)
    print("check: OK" if not problems else f"check: {len(problems)} problem(s)", file=out)
    return 1 if problems else 0


async def _check_services(s: Settings, mode: str | None, out: TextIO) -> list[str]:
    import aiohttp
    from slack_sdk.errors import SlackApiError
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.adapters.slack_errors import token_refusal
    from bot.adapters.slack_sink import make_web_client

    problems: list[str] = []
    shown = _safe_url(s.database_url)
    sqlite = sqlite_file(s.database_url)
    if sqlite is not None and not sqlite.exists():
        # Connecting would create the file; say what a start will do instead.
        print(f"database: {shown} (does not exist yet; created at the first start)", file=out)
    else:
        engine = create_async_engine(s.database_url)
        try:
            async with asyncio.timeout(10), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            print(f"database: {shown} OK", file=out)
        except Exception as e:  # any failure to connect is the problem to report
            problems.append(f"database {shown} does not answer ({type(e).__name__}: {str(e)[:200]})")
        finally:
            await engine.dispose()
    print(f"Slack API: {s.slack_api_url}", file=out)
    if mode in ("socket", "http") and s.secrets.slack_bot_token:
        client = make_web_client(s.secrets.slack_bot_token, s.slack_api_url, timeout=10, max_retries=0)
        try:
            auth = await client.auth_test()
            print(f"Slack token: OK (bot {auth.get('user')} in {auth.get('team')})", file=out)
        except SlackApiError as e:
            problems.append(token_refusal(e, s.slack_api_url))
        except Exception as e:  # cannot reach Slack at all
            problems.append(f"Slack at {s.slack_api_url} does not answer ({type(e).__name__})")
    reader = s.file.reader
    if reader is None:
        print("reader: off (no [reader] in the config; matches alert on the matcher's word alone)", file=out)
    else:
        key = "set" if s.secrets.reader_api_key else "unset"
        print(f"reader: {reader.model} at {reader.url} (SITREP_READER_API_KEY {key})", file=out)
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(reader.url) as resp:
                await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            problems.append(f"the reader at {reader.url} does not answer ({type(e).__name__})")
    return problems


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_extract(args: argparse.Namespace, out: TextIO) -> int:
    from bot.adapters.figure_model import load_confidence_model
    from bot.core.figure_confidence import confident_extractor
    from bot.evaluation import run_extract

    extract = confident_extractor(load_confidence_model())
    text = None
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise CommandError(f"cannot read {args.file}: {e.strerror}") from e
    bad_lines = run_extract(text, sys.stdin, out, extract=extract)
    return 1 if bad_lines else 0


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from bot.evaluation import run_eval

    path = Path(args.file)
    if not path.exists():
        raise CommandError(f"no such file: {path}")
    run_eval(path, out, misses=not args.no_misses)
    return 0


def cmd_backtest(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from bot.backtest import run_backtest
    from bot.geo import load_gazetteer

    run_backtest(
        Path(args.corpus),
        settings.watchlists,
        load_gazetteer(),
        watchlist_name=args.watchlist,
        since=args.since,
        until=args.until,
        out=out,
        as_json=args.json,
        progress=sys.stderr.isatty(),
        err=sys.stderr,
    )
    return 0


def cmd_watch(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from bot.core.gazetteer import describe_expansion
    from bot.geo import load_gazetteer

    wl = {w.name: w for w in settings.watchlists}
    if args.action == "show":
        if args.name not in wl:
            raise CommandError(f"no watchlist {args.name!r} (have: {', '.join(sorted(wl))})")
        print(describe_expansion(load_gazetteer(), wl[args.name]), file=out)
        if wl[args.name].scope:
            print(f"  scope (told to the reader): {wl[args.name].scope}", file=out)
    elif args.action == "list":
        for w in wl.values():
            regions = ", ".join(r.name for r in w.regions)
            print(f"{w.name}: {regions} / {', '.join(w.keywords)} → {', '.join(w.channels)}", file=out)
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Write the feeds and watchlists the bot would run on (the database's, after the config
    file's seed) as a config file: to stdout, or atomically to ``--output``."""
    import tomllib

    from bot.adapters.store import StoredWatchlist
    from bot.export import differences, export_toml
    from config.settings import parse_file_config

    async def read_state(now: datetime) -> tuple[list[FeedSpec], list[StoredWatchlist]]:
        store = await open_store(settings)
        try:
            # The same seed a start applies, so the export is the state the bot would run on.
            await store.sync_feeds(feed_specs(settings))
            await store.sync_watchlists(settings.watchlists, now=now)
            return [f.spec for f in await store.feeds()], await store.stored_watchlists()
        finally:
            await store.close()

    now = utcnow()
    feeds, stored = asyncio.run(read_state(now))
    try:
        base = tomllib.loads(settings.config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{settings.config_path}: cannot read it again to copy its settings: {e}") from e
    text = export_toml(
        base, feeds, stored, now=now, source=settings.database_url, config_path=str(settings.config_path)
    )
    # Never hand out a config the bot would refuse at its next start; say what would not survive.
    try:
        loaded = parse_file_config(tomllib.loads(text), source="the exported config")
    except ConfigError as e:
        raise ConfigError(f"not exported, the bot could not start on it: {e}") from e
    for problem in differences(
        feeds,
        [s.watchlist for s in stored],
        loaded_feeds=[FeedSpec(f.feed_id, f.url, f.name, f.interval) for f in loaded.feeds],
        loaded_watchlists=[w.to_watchlist() for w in loaded.watchlists],
    ):
        print(f"sitrep: warning: {problem}", file=sys.stderr)
    if args.output is None:
        out.write(text)
        return 0
    target = Path(args.output)
    write_atomically(target, text)
    print(f"exported {len(feeds)} feeds and {len(stored)} watchlists to {target}", file=out)
    return 0


def write_atomically(target: Path, text: str) -> None:
    """Write beside the target and rename over it: a failure never leaves half a file."""
    tmp: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as fh:
            tmp = Path(fh.name)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(target.stat().st_mode & 0o7777 if target.exists() else 0o644)
        tmp.replace(target)
    except BaseException as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise CommandError(f"cannot write {target}: {e.strerror or e}") from e
        raise


async def open_store(settings: Settings) -> Store:
    """The database for a one-shot command, with errors a person can act on."""
    from bot.errors import StoreError

    try:
        return await Store.open(settings.database_url)
    except StoreError as e:
        # Driver errors add a "(Background on this error …)" line; the first says what is wrong.
        raise StoreError(str(e).splitlines()[0]) from e
    except OSError as e:  # e.g. the SQLite file's directory cannot be created
        raise StoreError(f"cannot open database {_safe_url(settings.database_url)}: {e.strerror}") from e


def cmd_feedback(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Incidents the desk marked "not relevant" in Slack, as matching labels (JSON Lines): to
    stdout, or atomically to ``--output``."""
    from bot.adapters.feedback import MarkedIncident
    from bot.feedback_export import feedback_labels

    since = datetime.combine(args.since, datetime.min.time(), tzinfo=UTC) if args.since else None

    async def read_marks() -> list[MarkedIncident]:
        store = await open_store(settings)
        try:
            return await store.feedback.marked(since=since, watchlist=args.watchlist)
        finally:
            await store.close()

    result = feedback_labels(asyncio.run(read_marks()))
    if result.without_link:
        print(
            f"sitrep: warning: {result.without_link} marked incidents have no link and were left out "
            "(a label is keyed by the item's link)",
            file=sys.stderr,
        )
    if args.output is None:
        out.write(result.text)
        return 0
    target = Path(args.output)
    write_atomically(target, result.text)
    print(f"wrote {result.labels} labels to {target}", file=out)
    return 0


# -- CLI -------------------------------------------------------------------------------------


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from e


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sitrep", description="Sitrep: conflict-news alerts for Slack.")
    p.add_argument(
        "--config", metavar="PATH", help="config file (default: $SITREP_CONFIG or config/sitrep.toml)"
    )
    p.add_argument("--verbose", "-v", action="store_true", help="log at DEBUG level")
    p.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        help="log lines on stderr as text, or one JSON object each (default: $SITREP_LOG_FORMAT or text)",
    )
    # "--config PATH" works after the command too ("backtest --config PATH ..."), as users write it;
    # SUPPRESS keeps a subcommand that was not given it from erasing the one given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")
    common.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help="text or json")
    sub = p.add_subparsers(dest="command")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    command("run", help="connect to Slack with tokens, or run the demo without (the default)")
    d = command("demo", help="replay bundled sample feeds (or a corpus) and render alerts here")
    d.add_argument("--once", action="store_true", help="one pass, then exit")
    d.add_argument(
        "--corpus",
        metavar="PATH",
        help="replay a JSON Lines corpus (e.g. ../shared/corpus/news2023.jsonl.gz)",
    )
    d.add_argument("--since", type=_date, help="corpus window start (YYYY-MM-DD)")
    d.add_argument("--until", type=_date, help="corpus window end (YYYY-MM-DD, inclusive)")
    d.add_argument(
        "--per-feed", type=int, default=300, help="newest items served per corpus feed (default 300)"
    )
    d.add_argument("--step-hours", type=float, default=3.0, help="replay clock step in hours (default 3)")
    d.add_argument("--pause", type=float, default=0.5, help="seconds between replay steps without --once")
    d.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per Slack message sent, and nothing else, on stdout (progress: stderr)",
    )
    pl = command("poll", help="poll the configured feeds")
    pl.add_argument("--once", action="store_true", required=True, help="one poll of every feed, then exit")
    command("check", help="validate configuration and environment, then exit")
    ex = command("extract", help="casualty figures as JSON (a text file, or JSON Lines on stdin)")
    ex.add_argument("file", nargs="?", help="text file: first line title, the rest description")
    ev = command("eval", help="score the casualty extractor on a labelled JSON Lines file")
    ev.add_argument("file")
    ev.add_argument("--no-misses", action="store_true", help="print only the table")
    bt = command("backtest", help="what a watchlist would have alerted on in a corpus")
    bt.add_argument("--corpus", required=True, metavar="PATH")
    bt.add_argument("--watchlist", metavar="NAME", help="one watchlist (default: all)")
    bt.add_argument("--since", type=_date)
    bt.add_argument("--until", type=_date)
    bt.add_argument("--json", action="store_true", help="one JSON object per matching item")
    w = command("watch", help="inspect watchlists")
    w.add_argument("action", choices=["show", "list"])
    w.add_argument("name", nargs="?")
    xp = command("export", help="write the database's feeds and watchlists as a config file")
    xp.add_argument("--output", "-o", metavar="PATH", help="write here atomically (default: stdout)")
    fb = command("feedback", help="alerts the desk marked 'not relevant' in Slack, as matching labels")
    fb.add_argument("--output", "-o", metavar="PATH", help="write here atomically (default: stdout)")
    fb.add_argument("--since", type=_date, help="marks made on or after this day (YYYY-MM-DD)")
    fb.add_argument("--watchlist", metavar="NAME", help="one watchlist (default: all)")
    return p


def main(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None, out: TextIO | None = None
) -> int:
    env = os.environ if environ is None else environ
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    log_format = args.log_format or env.get("SITREP_LOG_FORMAT") or "text"
    if log_format not in LOG_FORMATS:
        print(f"sitrep: SITREP_LOG_FORMAT must be text or json (got {log_format!r})", file=sys.stderr)
        return 2
    setup_logging("WARNING", env, log_format)  # until the config says otherwise: config warnings too
    try:
        if command == "extract":
            return cmd_extract(args, out)
        if command == "eval":
            return cmd_eval(args, out)
        settings = load_settings(args.config, env)
        level = "DEBUG" if args.verbose else settings.file.log_level
        if command == "demo" or (command == "run" and settings.mode == "demo"):
            level = "DEBUG" if args.verbose else "WARNING"
        setup_logging(level, env, log_format)
        if command == "check":
            return cmd_check(settings, out)
        if command == "backtest":
            return cmd_backtest(settings, args, out)
        if command == "watch":
            if args.action == "show" and not args.name:
                raise CommandError("usage: watch show NAME")
            return cmd_watch(settings, args, out)
        if command == "poll":
            return run_until_stopped(lambda _: cmd_poll(settings, args, out, env))
        if command == "export":
            return cmd_export(settings, args, out)
        if command == "feedback":
            return cmd_feedback(settings, args, out)
        if command == "demo" or settings.mode == "demo":
            if command == "run":
                args = build_parser().parse_args(["demo"])
            demo_args = args
            return run_until_stopped(lambda stop: cmd_demo(settings, demo_args, out, env, stop))
        return run_until_stopped(lambda stop: cmd_serve(settings, out, stop))
    except SitrepError as e:
        if log_format == "json":
            log.error("%s", e)  # a log collector reading JSON lines must not meet a bare one
        else:
            print(f"sitrep: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
