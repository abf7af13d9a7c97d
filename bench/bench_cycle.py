"""Benchmark: one poll cycle of 1,000 feeds (#20), beside a naive feedparser loop in the same run.

A local feed server (a separate process, so it never competes for this one's event loop) serves
``--feeds`` RSS 2.0 feeds of ``--items`` real corpus items each, with ``--latency`` seconds of delay
on every response and ETag/Last-Modified, so a second round gets 304s. The feeds are spread over
``--hosts`` loopback addresses (127.0.0.2, 127.0.0.3, ...): the fetcher allows 2 requests at once per
host and port, for politeness, and keeping that guarantee means 1,000 feeds on one host would take
at least 1,000 × latency / 2 (25 s) whatever the bot does. Publication dates are rewritten to the last
hours, so every item is fresh and goes through matching, figures and the store.

Measured (medians of ``--repeats``, each cold one on a fresh SQLite database):

* the cold round in process: ``Poller.poll_all`` (fetch, parse, match, figures, store) with the
  real ``Engine``, the default ``config/sitrep.toml`` watchlists and SQLite; then the warm round
  (all 304);
* the scheduler's start-up path: ``Poller.poll_due`` on a fresh database (every feed due at once);
* ``run.py poll --once`` as a subprocess, cold and then warm, with its peak RSS and its parser
  processes' (``VmHWM``, sampled; not ``wait4``'s, which inherits the forked bench's);
* parsing on one core (CPU time): ``parse_feed``, feedparser with its defaults, feedparser with
  sanitising and URI resolution off;
* the baseline: a sequential ``feedparser.parse(url)`` loop over the same URLs (cold), and the same
  loop passing each feed's etag/modified back (warm), run once.

    .venv/bin/python bench/bench_cycle.py [--feeds 1000] [--items 50] [--hosts 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.adapters.feed_server import FeedServer, RssItem, render_rss  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "news2023.jsonl.gz"
CONFIG = ROOT / "config" / "sitrep.toml"


# --- the feed server (runs in its own process: ``--serve``) ------------------------------------------


def feed_bodies(corpus: Path, feeds: int, per_feed: int, now: datetime) -> list[bytes]:
    """``feeds`` RSS bodies of ``per_feed`` distinct corpus items, published in the last hours."""
    from bot.corpus import iter_corpus

    raw = list(islice(iter_corpus(corpus), feeds * per_feed))
    bodies = []
    for f in range(feeds):
        chunk = raw[f * per_feed : (f + 1) * per_feed]
        items = [
            RssItem(
                guid=f"{f}-{j}-{c.link}",
                title=c.title,
                description=c.description,
                link=c.link,
                # Newest first, as feeds list them; all within the default 48 h freshness window.
                published=now - timedelta(minutes=10 * j + f % 10),
            )
            for j, c in enumerate(chunk)
        ]
        bodies.append(render_rss(f"bench feed {f}", f"https://feed{f}.bench.example/", items))
    return bodies


def host_of(feed: int, hosts: int) -> str:
    return f"127.0.0.{2 + feed % hosts}"


async def serve(args: argparse.Namespace) -> None:
    latency = args.latency

    @web.middleware
    async def delay(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        await asyncio.sleep(latency)
        response: web.StreamResponse = await handler(request)
        return response

    bodies = feed_bodies(args.corpus, args.feeds, args.items, datetime.now(UTC))
    servers = [FeedServer(host=host_of(h, args.hosts), middlewares=[delay]) for h in range(args.hosts)]
    for s in servers:
        await s.__aenter__()
    urls = []
    for f, body in enumerate(bodies):
        server = servers[f % args.hosts]
        server.set_feed(f"feed{f}.xml", body)
        urls.append(server.url(f"feed{f}.xml"))
    print(json.dumps({"urls": urls, "bytes": sum(map(len, bodies))}), flush=True)
    # Serve until the parent closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for s in servers:
        await s.__aexit__(None, None, None)


# --- measures ------------------------------------------------------------------------------------------


def feed_config(urls: Sequence[str]) -> str:
    """config/sitrep.toml with its feeds replaced by ``urls``."""
    text = CONFIG.read_text()
    head, _, rest = text.partition("[[feeds]]")
    tail = rest[rest.index("[[watchlists]]") :]
    # Everything between the first feed and the first watchlist is feeds (and comments).
    feeds = "".join(
        f'[[feeds]]\nurl = "{u}"\nname = "Bench {i}"\ninterval = 300\n\n' for i, u in enumerate(urls)
    )
    return head + feeds + tail


Timing = tuple[float, float]  # (wall s, CPU s)


class Clock:
    """Wall and CPU time (this process, all its threads) since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> Timing:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def children_cpu() -> float:
    """CPU seconds of this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class TreePeak:
    """Peak RSS of a process and of each of its descendants, read from /proc every 20 ms until
    stopped. ``VmHWM`` is each process's own high-water mark, so the last reading before a process
    exits is its peak; the sum over processes is an upper bound of the tree's peak (their peaks
    need not coincide)."""

    def __init__(self, pid: int) -> None:
        self._root = pid
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        out, todo = [], [self._root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                continue
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                self.peaks[pid] = max(self.peaks.get(pid, 0.0), int(line.split()[1]) / 1024)
                except OSError:
                    continue

    def stop(self) -> tuple[float, float]:
        """(the root's peak MB, its descendants' peaks summed MB)."""
        self._stop.set()
        self._thread.join()
        root = self.peaks.get(self._root, 0.0)
        return root, sum(v for k, v in self.peaks.items() if k != self._root)


async def in_process(
    urls: Sequence[str], db: str, *, startup_path: bool
) -> tuple[Timing, Timing, int, float]:
    """(cold, warm, new items, CPU s of the parser processes over both rounds) of a ``Poller`` round
    on a fresh database, as ``runtime`` builds it."""
    import run
    from bot.adapters.terminal_sink import TerminalSink
    from config.settings import load_settings

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write(feed_config(urls))
    try:
        settings = load_settings(cfg.name, {"DATABASE_URL": db})
    finally:
        os.unlink(cfg.name)
    workers_before = children_cpu()
    async with run.runtime(
        settings,
        sink=TerminalSink(io.StringIO()),
        feeds=run.feed_specs(settings),
        database_url=db,
    ) as rt:
        from bot.scheduler import Poller

        poller = rt.poller
        assert isinstance(poller, Poller)
        clock = Clock()
        results = await (poller.poll_due() if startup_path else poller.poll_all())
        cold = clock.read()
        errors = [r for r in results if r.error]
        if errors:
            raise SystemExit(f"{len(errors)} feeds failed, e.g. {errors[0].describe()}")
        # The cold round's alerts are being sent in the background; a warm round comes minutes
        # later in production, so it is timed after that drain, not racing it.
        await poller.settled()
        clock = Clock()
        again = await poller.poll_all()
        warm = clock.read()
        if any(r.status != "not modified" for r in again):
            raise SystemExit(f"warm round was not all 304: {[r.status for r in again][:5]}")
    # The parser processes exit with the runtime; their CPU is then counted as this process's children.
    return cold, warm, sum(r.new_items for r in results), children_cpu() - workers_before


def poll_once(config: Path, db: str, cache: str) -> tuple[Timing, float, float]:
    """((wall s, CPU s), peak RSS MB, the parser processes' peak RSS MB summed) of ``run.py poll
    --once`` in a fresh process. CPU includes the parser processes (waited for by it)."""
    env = {**os.environ, "DATABASE_URL": db, "SITREP_CACHE_DIR": cache}
    env.pop("SLACK_BOT_TOKEN", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "poll", "--once", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    peak = TreePeak(proc.pid)
    err = proc.stderr.read()
    own, workers = peak.stop()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"poll --once exited {proc.returncode}: {err.decode()[-2000:]}")
    # Not wait4's ru_maxrss: Linux carries the high-water mark of the forked copy of this (large)
    # bench process over the exec into the child's, so a 420 MB bot read as 720 MB.
    return (seconds, usage.ru_utime + usage.ru_stime), own, workers


def naive(urls: Sequence[str]) -> tuple[Timing, Timing]:
    """(cold, warm) of a sequential ``feedparser.parse(url)`` loop, then the conditional one."""
    clock = Clock()
    first = [feedparser.parse(u) for u in urls]
    cold = clock.read()
    if sum(len(d.entries) for d in first) == 0:
        raise SystemExit("naive loop read no entries")
    clock = Clock()
    second = [
        feedparser.parse(u, etag=d.get("etag"), modified=d.get("modified"))
        for u, d in zip(urls, first, strict=True)
    ]
    warm = clock.read()
    not_modified = sum(1 for d in second if d.get("status") == 304)
    if not_modified != len(urls):
        print(f"  (naive warm loop: only {not_modified} of {len(urls)} answered 304)")
    return cold, warm


def parse_rates(bodies: Sequence[bytes]) -> list[tuple[str, float]]:
    """Items per CPU second for each way of parsing the same bodies."""
    from bot.core.feed_parsing import parse_feed

    now = datetime.now(UTC)

    def ours(body: bytes) -> int:
        return len(parse_feed("f", body, base_url="http://x/", content_type=None, now=now).items)

    def reference(body: bytes) -> int:
        return len(
            parse_feed("f", body, base_url="http://x/", content_type=None, now=now, fast_path=False).items
        )

    def defaults(body: bytes) -> int:
        return len(feedparser.parse(io.BytesIO(body)).entries)

    def lean(body: bytes) -> int:
        return len(
            feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False).entries
        )

    ways: list[tuple[str, Callable[[bytes], int]]] = [("parse_feed (as the bot runs it)", ours)]
    if "fast_path" in inspect.signature(parse_feed).parameters:  # absent before the fast path
        ways.append(("parse_feed, feedparser only", reference))
    ways += [("feedparser defaults", defaults), ("feedparser sanitize/resolve off", lean)]
    out = []
    for name, parse in ways:
        started = time.process_time()
        n = sum(parse(b) for b in bodies)
        out.append((name, n / (time.process_time() - started)))
    return out


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def medians(timings: Sequence[Timing]) -> Timing:
    return median([t[0] for t in timings]), median([t[1] for t in timings])


def show(t: Timing) -> str:
    return f"{t[0]:.2f} s (CPU {t[1]:.2f} s)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=50, help="items per feed")
    ap.add_argument("--hosts", type=int, default=100, help="loopback addresses the feeds are spread over")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds before each response")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--parse-feeds", type=int, default=200, help="feeds parsed for the items/s figures")
    ap.add_argument("--no-naive", action="store_true", help="skip the (slow) naive baseline")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.corpus.is_file():
        print(f"corpus not found: {args.corpus}; skipping")
        return 0
    if not 1 <= args.hosts <= 250:
        ap.error("--hosts must be 1..250")
    if args.serve:
        asyncio.run(serve(args))
        return 0

    print(
        f"{args.feeds} feeds × {args.items} corpus items, {args.latency * 1000:g} ms latency, "
        f"{args.hosts} hosts, medians of {args.repeats}; "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        flush=True,
    )
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        ready = json.loads(server.stdout.readline())
        urls: list[str] = ready["urls"]
        print(f"serving {len(urls)} feeds, {ready['bytes'] / 1e6:.1f} MB of RSS", flush=True)
        rows: list[tuple[str, Timing, str, Timing | None]] = []

        with tempfile.TemporaryDirectory() as tmp:
            cache = str(Path(tmp) / "cache")
            os.environ["SITREP_CACHE_DIR"] = cache  # the in-process runtime loads the gazetteer too
            # Every measure starts as a deployed bot does: with the gazetteer's disk cache written.
            subprocess.run(
                [sys.executable, "-c", "from bot.geo import load_gazetteer; load_gazetteer()"],
                cwd=ROOT,
                check=True,
            )
            colds, warms, parsers = [], [], []
            for r in range(args.repeats):
                cold, warm, new, parser_cpu = asyncio.run(
                    in_process(urls, f"sqlite+aiosqlite:///{tmp}/ip{r}.db", startup_path=False)
                )
                colds.append(cold)
                warms.append(warm)
                parsers.append(parser_cpu)
                print(
                    f"  in process #{r + 1}: cold {show(cold)} ({new} new items), warm {show(warm)}; "
                    f"parser processes' CPU {parser_cpu:.2f} s",
                    flush=True,
                )
            starts = []
            for r in range(args.repeats):
                cold, _, _, _ = asyncio.run(
                    in_process(urls, f"sqlite+aiosqlite:///{tmp}/st{r}.db", startup_path=True)
                )
                starts.append(cold)
                print(f"  start-up path #{r + 1}: {show(cold)}", flush=True)

            config = Path(tmp) / "sitrep.toml"
            config.write_text(feed_config(urls))
            once_cold, once_warm, rss, rss_parsers = [], [], [], []
            for r in range(args.repeats):
                db = f"sqlite+aiosqlite:///{tmp}/once{r}.db"
                timing, peak, workers = poll_once(config, db, cache)
                once_cold.append(timing)
                rss.append(peak)
                rss_parsers.append(workers)
                timing, _, _ = poll_once(config, db, cache)
                once_warm.append(timing)
                print(
                    f"  poll --once #{r + 1}: cold {show(once_cold[-1])} (peak RSS {peak:.0f} MB, "
                    f"parser processes {workers:.0f} MB), warm {show(timing)}",
                    flush=True,
                )

        naive_cold = naive_warm = None
        if not args.no_naive:
            naive_cold, naive_warm = naive(urls)
            print(f"  naive loop: cold {show(naive_cold)}, warm {show(naive_warm)}", flush=True)

        loop, conditional = "naive feedparser.parse(url) loop", "naive conditional loop"
        rows += [
            ("cold round, in process", medians(colds), loop, naive_cold),
            ("cold, scheduler start-up path", medians(starts), loop, naive_cold),
            ("cold, run.py poll --once", medians(once_cold), loop, naive_cold),
            ("warm round (all 304), in process", medians(warms), conditional, naive_warm),
            ("warm, run.py poll --once", medians(once_warm), conditional, naive_warm),
        ]
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    print(
        "\nseconds: wall (CPU of this process and its threads; the feed server's is not counted, nor"
        " for in-process rows the parser processes', given below; for poll --once rows it is)"
    )
    print(f"{'what':<34}{'wall':>7}{'(CPU)':>8}   {'baseline':<34}{'wall':>7}{'(CPU)':>8}{'ratio':>8}")
    for what, (wall, cpu), base, b in rows:
        ratio = f"×{b[0] / wall:.1f}" if b else "—"
        bs = f"{b[0]:>7.2f}{f'({b[1]:.2f})':>8}" if b else f"{'—':>15}"
        print(f"{what:<34}{wall:>7.2f}{f'({cpu:.2f})':>8}   {base:<34}{bs}{ratio:>8}")
    print(f"{'parser processes, cold in process':<34}{median(parsers):>7.2f} s of CPU")
    print(
        f"{'peak RSS, run.py poll --once cold':<34}{median(rss):>6.0f} MB"
        f" + parser processes {median(rss_parsers):.0f} MB = {median(rss) + median(rss_parsers):.0f} MB"
    )

    bodies = feed_bodies(args.corpus, min(args.parse_feeds, args.feeds), args.items, datetime.now(UTC))
    print(f"\nparse, one core, {len(bodies) * args.items} items (CPU time)")
    for name, rate in parse_rates(bodies):
        print(f"{name:<34}{rate:>10,.0f} items/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
