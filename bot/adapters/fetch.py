"""Fetching feed bodies over HTTP, politely and defensively (aiohttp).

Only bytes come out of here; parsing is ``bot.core.feed_parsing``'s job. The fetcher sends
conditional requests, caps what it will read, time and redirects, limits how hard it hits one host,
and turns every failure into one ``FetchError`` whose reason an admin can act on.

"Nothing new" is an answer, not an error: HTTP 304 gives ``NotModified``; a 200 whose body hashes
the same as last time gives ``Fetched(unchanged=True)`` so the caller can skip parsing.

What a server says about the next poll comes back raw for the core to judge
(``bot.core.feed_health``): ``Cache-Control`` on a 200/304, ``Retry-After`` and the status on a
``FetchError``, and ``moved_to`` when every redirect hop was permanent (301/308).

A host's slot (``per_host``) is held at most ``slot_hold`` seconds: a request that hangs longer runs
on (to its own timeouts) but no longer counts, so two hung feeds cannot stall the host's others.

With a ``guard`` (an ``SsrfPolicy``), every connection, redirect hops included, goes through
``bot.adapters.ssrf.GuardedResolver`` and a refused address ends as ``UnsafeUrlError``. Without one
(config-file feeds, which are trusted) nothing is filtered.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
from dataclasses import dataclass, field
from http import HTTPStatus
from importlib import metadata
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.adapters.ssrf import GuardedResolver, RefusedAddress, SsrfPolicy, check_url_form
from bot.adapters.turns import turn
from bot.errors import FetchError, UnsafeUrlError

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


def user_agent(contact: str | None = None) -> str:
    """The User-Agent every request carries, so publishers can see who polls them, why, and
    (with the config's ``contact``) whom to write to."""
    try:
        version = metadata.version("sitrep")
    except metadata.PackageNotFoundError:
        version = "dev"  # running from a checkout that was never pip-installed
    reach = f"; +{contact}" if contact else ""
    return f"Sitrep/{version} (conflict-news monitor{reach})"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for one ``Fetcher``. Timeouts are seconds; ``per_host`` counts simultaneous requests."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2
    slot_hold: float = 5.0
    """Seconds a request counts against ``per_host``; past it the slot goes to the host's next feed."""
    chunk_bytes: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class Validators:
    """What we remember about the last body of a feed, to ask "anything new?" next time."""

    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 2xx response. ``unchanged`` means the body is byte-identical to the last one."""

    feed_id: str
    url: str
    status: int
    content_type: str | None
    body: bytes = field(repr=False)
    validators: Validators
    unchanged: bool
    cache_control: str | None = None
    moved_to: str | None = None
    """The final URL when every redirect on the way was permanent (301/308): the feed has moved."""


@dataclass(frozen=True, slots=True)
class NotModified:
    """HTTP 304: the server says nothing changed. ``validators`` are the ones to keep using."""

    feed_id: str
    url: str
    validators: Validators
    cache_control: str | None = None
    moved_to: str | None = None
    """The final URL when every redirect on the way was permanent (301/308): the feed has moved."""


PERMANENT_REDIRECTS = frozenset({301, 308})


class Fetcher:
    """Fetches feeds through one shared ``aiohttp.ClientSession``; use as ``async with Fetcher():``.

    ``guard`` turns on the SSRF guard for untrusted URLs; ``resolver`` replaces aiohttp's DNS
    resolver (tests map names to chosen addresses with it) and is left for the caller to close.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        agent: str | None = None,
        guard: SsrfPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.guard = guard
        self._agent = agent or user_agent()
        self._resolver = resolver
        self._guarded: GuardedResolver | None = None
        self._session: aiohttp.ClientSession | None = None
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        p = self.policy
        connector: aiohttp.TCPConnector | None = None
        if self.guard is not None:
            self._guarded = GuardedResolver(self.guard, self._resolver)
            connector = aiohttp.TCPConnector(resolver=self._guarded, socket_factory=self._guarded.open_socket)
        elif self._resolver is not None:
            connector = aiohttp.TCPConnector(resolver=self._resolver)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=p.total_timeout, sock_connect=p.connect_timeout, sock_read=p.read_timeout
            ),
            # Accept-Encoding is left to aiohttp: gzip/deflate always, br/zstd when their
            # decoders are installed, so we never ask for an encoding we cannot undo.
            headers={"User-Agent": self._agent, "Accept": ACCEPT},
            raise_for_status=False,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._guarded is not None:
            await self._guarded.close()
            self._guarded = None

    async def fetch(self, feed_id: str, url: str, validators: Validators) -> Fetched | NotModified:
        """GET ``url`` conditionally; raise ``FetchError`` with a specific reason on any failure."""
        if self._session is None:
            raise RuntimeError("Fetcher used outside 'async with'")
        if self.guard is not None:
            check_url_form(url, self.guard, feed_id=feed_id)  # scheme and literal IPs, with clear reasons
        try:
            host = _host_key(URL(url))
        except ValueError as e:
            raise FetchError(feed_id, f"invalid URL {url!r}") from e
        async with self._slot(host):
            return await self._fetch(self._session, feed_id, url, validators)

    def _slot(self, host: str) -> contextlib.AbstractAsyncContextManager[None]:
        """One of the host's ``per_host`` slots, given back when the request ends or after
        ``slot_hold`` seconds, whichever is first (``bot.adapters.turns``)."""
        slot = self._host_slots.get(host)
        if slot is None:
            slot = self._host_slots[host] = asyncio.Semaphore(self.policy.per_host)
        return turn(slot, hold=self.policy.slot_hold)

    async def _fetch(
        self, session: aiohttp.ClientSession, feed_id: str, url: str, validators: Validators
    ) -> Fetched | NotModified:
        p = self.policy
        headers: dict[str, str] = {}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        reading_body = False
        try:
            # aiohttp gives up when it *receives* redirect number max_redirects; we allow that many.
            async with session.get(url, headers=headers, max_redirects=p.max_redirects + 1) as resp:
                final_url = str(resp.url)
                cache_control = resp.headers.get("Cache-Control")
                moved_to = _moved_to(resp, url)
                if resp.status == HTTPStatus.NOT_MODIFIED:
                    return NotModified(
                        feed_id=feed_id,
                        url=final_url,
                        validators=Validators(
                            etag=resp.headers.get("ETag") or validators.etag,
                            last_modified=resp.headers.get("Last-Modified") or validators.last_modified,
                            body_sha256=validators.body_sha256,
                        ),
                        cache_control=cache_control,
                        moved_to=moved_to,
                    )
                if not 200 <= resp.status < 300:
                    raise FetchError(
                        feed_id,
                        f"HTTP {resp.status} {resp.reason or ''}".rstrip(),
                        status=resp.status,
                        retry_after=resp.headers.get("Retry-After"),
                    )
                if resp.content_length is not None and resp.content_length > p.max_body_bytes:
                    raise FetchError(feed_id, _too_large(p.max_body_bytes))
                reading_body = True
                body = await _read_capped(resp, feed_id, p)
                content_type = resp.headers.get("Content-Type")
                etag = resp.headers.get("ETag")
                last_modified = resp.headers.get("Last-Modified")
        except FetchError:
            raise
        except aiohttp.TooManyRedirects as e:
            raise FetchError(feed_id, f"too many redirects (>{p.max_redirects})") from e
        except aiohttp.ConnectionTimeoutError as e:
            raise FetchError(feed_id, f"timed out after {p.connect_timeout:g} s connecting") from e
        except aiohttp.SocketTimeoutError as e:
            phase = "reading body" if reading_body else "waiting for response"
            raise FetchError(feed_id, f"timed out after {p.read_timeout:g} s {phase}") from e
        except TimeoutError as e:
            raise FetchError(feed_id, f"timed out after {p.total_timeout:g} s (total time limit)") from e
        except aiohttp.ClientConnectorError as e:
            if isinstance(e.os_error, RefusedAddress):
                raise UnsafeUrlError(feed_id, e.os_error.reason) from e
            raise FetchError(feed_id, _describe_client_error(e)) from e
        except aiohttp.ClientError as e:
            raise FetchError(feed_id, _describe_client_error(e)) from e
        except ValueError as e:  # yarl rejects some URLs only when the request is built
            raise FetchError(feed_id, f"invalid URL {url!r}: {e}") from e

        digest = hashlib.sha256(body).hexdigest()
        return Fetched(
            feed_id=feed_id,
            url=final_url,
            status=resp.status,
            content_type=content_type,
            body=body,
            validators=Validators(etag=etag, last_modified=last_modified, body_sha256=digest),
            unchanged=digest == validators.body_sha256,
            cache_control=cache_control,
            moved_to=moved_to,
        )


def _moved_to(resp: aiohttp.ClientResponse, asked: str) -> str | None:
    # A 302/307 anywhere on the way is "for now": only an all-permanent chain is a move.
    if not resp.history or any(h.status not in PERMANENT_REDIRECTS for h in resp.history):
        return None
    final = str(resp.url)
    return final if final != asked else None


async def _read_capped(resp: aiohttp.ClientResponse, feed_id: str, policy: FetchPolicy) -> bytes:
    # Content-Length can be absent or lie, and gzip can expand; count what actually arrives.
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(policy.chunk_bytes):
        size += len(chunk)
        if size > policy.max_body_bytes:
            resp.close()  # drop the connection rather than drain an endless body
            raise FetchError(feed_id, _too_large(policy.max_body_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def _host_key(url: URL) -> str:
    if not url.is_absolute() or url.scheme not in ("http", "https"):
        raise ValueError("not an absolute http(s) URL")
    return f"{(url.host or '').lower()}:{url.port}"


def _too_large(limit: int) -> str:
    return f"body larger than {_human_bytes(limit)}"


def _human_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def _describe_client_error(e: aiohttp.ClientError) -> str:
    if isinstance(e, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed for {e.host}"
    if isinstance(e, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate rejected for {e.host}"
    if isinstance(e, aiohttp.ClientSSLError):
        return f"TLS error: {e}"
    if isinstance(e, aiohttp.ClientConnectorError):
        if e.os_error.errno == errno.ECONNREFUSED:
            return "connection refused"
        return f"cannot connect to {e.host}:{e.port}: {e.os_error.strerror or e.os_error}"
    if isinstance(e, aiohttp.ServerDisconnectedError):
        return "server closed the connection before the response was complete"
    if isinstance(e, aiohttp.ClientPayloadError):
        return f"corrupt or truncated body: {e}"
    if isinstance(e, aiohttp.InvalidURL):
        return f"invalid URL {e.url}"
    if isinstance(e, aiohttp.ClientResponseError):
        return f"bad HTTP response: {e.message}"
    return f"HTTP client error: {type(e).__name__}: {e}"
