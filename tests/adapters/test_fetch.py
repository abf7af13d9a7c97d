"""Fetcher against a real local HTTP server: validators, compression, limits and failure reasons."""

# The imported pytest fixture is "redefined" by every test parameter that receives it.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import socket

import pytest

from bot.adapters.fetch import Fetched, Fetcher, FetchPolicy, NotModified, Validators, user_agent
from bot.errors import FetchError
from tests.fakes.feed_server import (
    FakeFeedServer,
    feed_server,  # noqa: F401
    small_feed,
)

NO_VALIDATORS = Validators()


async def fetch(
    server: FakeFeedServer, path: str, policy: FetchPolicy | None = None
) -> Fetched | NotModified:
    async with Fetcher(policy) as fetcher:
        return await fetcher.fetch("wire", server.url(path), NO_VALIDATORS)


async def test_200_then_304_round_trip_with_validators(feed_server: FakeFeedServer) -> None:
    async with Fetcher() as fetcher:
        first = await fetcher.fetch("wire", feed_server.url("feed.xml"), NO_VALIDATORS)
        assert isinstance(first, Fetched)
        assert first.status == 200
        assert first.body == small_feed()
        assert first.content_type is not None and first.content_type.startswith("application/rss+xml")
        assert first.validators.etag and first.validators.last_modified and first.validators.body_sha256
        assert not first.unchanged

        second = await fetcher.fetch("wire", feed_server.url("feed.xml"), first.validators)

    assert isinstance(second, NotModified)
    assert second.validators == first.validators
    conditional = feed_server.requests_to("feed.xml")[1].headers
    assert conditional["If-None-Match"] == first.validators.etag
    assert conditional["If-Modified-Since"] == first.validators.last_modified


async def test_identical_body_without_etag_is_unchanged(feed_server: FakeFeedServer) -> None:
    feed_server.set_feed("plain.xml", small_feed(), etag=False)
    async with Fetcher() as fetcher:
        first = await fetcher.fetch("wire", feed_server.url("plain.xml"), NO_VALIDATORS)
        assert isinstance(first, Fetched) and first.validators.etag is None
        # Only the body hash is remembered, so the server has nothing to say 304 about.
        second = await fetcher.fetch(
            "wire", feed_server.url("plain.xml"), Validators(body_sha256=first.validators.body_sha256)
        )
        feed_server.set_feed("plain.xml", small_feed("Another title"), etag=False)
        assert isinstance(second, Fetched) and second.unchanged
        third = await fetcher.fetch("wire", feed_server.url("plain.xml"), second.validators)
    assert isinstance(third, Fetched) and not third.unchanged


async def test_changed_feed_after_304_is_fetched_again(feed_server: FakeFeedServer) -> None:
    async with Fetcher() as fetcher:
        first = await fetcher.fetch("wire", feed_server.url("feed.xml"), NO_VALIDATORS)
        feed_server.set_feed("feed.xml", small_feed("Updated wire"))
        second = await fetcher.fetch("wire", feed_server.url("feed.xml"), first.validators)
    assert isinstance(second, Fetched) and not second.unchanged
    assert b"Updated wire" in second.body
    assert second.validators.etag != first.validators.etag


async def test_gzip_body_is_decompressed(feed_server: FakeFeedServer) -> None:
    result = await fetch(feed_server, "feed.xml")
    assert isinstance(result, Fetched)
    assert result.body == small_feed()
    sent = feed_server.requests_to("feed.xml")[0].headers
    assert "gzip" in sent["Accept-Encoding"]
    assert result.validators.etag is not None and result.validators.etag.endswith('-gz"')


async def test_request_identifies_itself(feed_server: FakeFeedServer) -> None:
    await fetch(feed_server, "feed.xml")
    sent = feed_server.requests_to("feed.xml")[0].headers
    assert sent["User-Agent"] == user_agent()
    assert sent["User-Agent"].startswith("Sitrep/") and "conflict-news monitor" in sent["User-Agent"]
    assert "application/rss+xml" in sent["Accept"]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


@pytest.mark.parametrize(
    ("code", "reason"), [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found")]
)
async def test_error_status_is_fetch_error(feed_server: FakeFeedServer, code: int, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, f"_/status/{code}")
    assert caught.value.feed_id == "wire"
    assert caught.value.reason == reason
    assert str(caught.value) == f"feed wire: {reason}"


async def test_unconditional_304_is_not_modified(feed_server: FakeFeedServer) -> None:
    result = await fetch(feed_server, "_/status/304")
    assert isinstance(result, NotModified)
    assert result.validators.etag == '"fake"'


async def test_slow_body_times_out_with_read_timeout(feed_server: FakeFeedServer) -> None:
    policy = FetchPolicy(read_timeout=0.2)
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/drip?every=1", policy)
    assert caught.value.reason == "timed out after 0.2 s reading body"
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_slow_headers_time_out(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/slow-headers?s=5", FetchPolicy(read_timeout=0.2))
    assert caught.value.reason == "timed out after 0.2 s waiting for response"


async def test_total_timeout_bounds_a_dripping_body(feed_server: FakeFeedServer) -> None:
    # Each byte arrives within the read timeout, so only the total limit can stop this one.
    policy = FetchPolicy(read_timeout=1.0, total_timeout=0.3)
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/drip?every=0.02", policy)
    assert caught.value.reason == "timed out after 0.3 s (total time limit)"


async def test_endless_body_stops_at_size_cap(feed_server: FakeFeedServer) -> None:
    policy = FetchPolicy(max_body_bytes=64 * 1024, chunk_bytes=8 * 1024)
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/endless", policy)
    assert caught.value.reason == "body larger than 64 KB"


async def test_cap_counts_decompressed_bytes(feed_server: FakeFeedServer) -> None:
    # 1 MB of spaces gzips to about 1 KB: a small download must not become a large body.
    feed_server.set_feed("bomb.xml", b"<rss>" + b" " * (1024 * 1024) + b"</rss>")
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "bomb.xml", FetchPolicy(max_body_bytes=64 * 1024))
    assert caught.value.reason == "body larger than 64 KB"


async def test_declared_length_over_cap_is_refused_before_reading(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/huge?mb=2", FetchPolicy(max_body_bytes=1024 * 1024))
    assert caught.value.reason == "body larger than 1 MB"


def test_default_cap_reads_10_mb() -> None:
    policy = FetchPolicy()
    assert policy.max_body_bytes == 10 * 1024 * 1024
    assert (policy.connect_timeout, policy.read_timeout, policy.total_timeout) == (10, 20, 60)
    assert (policy.max_redirects, policy.per_host) == (5, 2)


async def test_redirect_loop_is_fetch_error(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/loop")
    assert caught.value.reason == "too many redirects (>5)"
    assert len(feed_server.requests_to("_/loop")) == 6  # the first request and five redirects


async def test_redirects_up_to_the_cap_are_followed(feed_server: FakeFeedServer) -> None:
    result = await fetch(feed_server, "_/redirect/4?to=feed.xml")  # five redirects
    assert isinstance(result, Fetched)
    assert result.url == feed_server.url("feed.xml")
    assert result.body == small_feed()


async def test_redirect_cap_is_configurable(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/redirect/2?to=feed.xml", FetchPolicy(max_redirects=2))
    assert caught.value.reason == "too many redirects (>2)"


async def test_zero_redirects_means_none_followed(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError, match=r"too many redirects \(>0\)"):
        await fetch(feed_server, "_/redirect/0?to=feed.xml", FetchPolicy(max_redirects=0))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_connection_refused() -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch("wire", f"http://127.0.0.1:{_closed_port()}/feed.xml", NO_VALIDATORS)
    assert caught.value.reason == "connection refused"
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/feed.xml", "/relative/feed.xml"])
async def test_invalid_url(url: str) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError, match="invalid URL"):
            await fetcher.fetch("wire", url, NO_VALIDATORS)


async def test_per_host_concurrency_cap_is_observed_at_the_server(feed_server: FakeFeedServer) -> None:
    async with Fetcher(FetchPolicy(per_host=2)) as fetcher:
        results = await asyncio.gather(
            *(
                fetcher.fetch(f"wire{i}", feed_server.url(f"_/counted?hold=0.05&n={i}"), NO_VALIDATORS)
                for i in range(6)
            )
        )
    assert all(isinstance(r, Fetched) for r in results)
    assert feed_server.max_active == 2


async def test_per_host_cap_is_per_fetcher(feed_server: FakeFeedServer) -> None:
    async with Fetcher(FetchPolicy(per_host=1)) as one, Fetcher(FetchPolicy(per_host=1)) as other:
        await asyncio.gather(
            *(f.fetch("wire", feed_server.url("_/counted?hold=0.1"), NO_VALIDATORS) for f in (one, other))
        )
    assert feed_server.max_active == 2


async def test_fetch_outside_context_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        await Fetcher().fetch("wire", "http://127.0.0.1/", NO_VALIDATORS)


async def test_two_hung_feeds_do_not_stall_the_hosts_other_feeds(feed_server: FakeFeedServer) -> None:
    # per_host=2 and two requests that never answer: without the slot hold the third feed of the
    # host waits for their timeouts (20–60 s in production). With it, it waits at most slot_hold.
    policy = FetchPolicy(per_host=2, slot_hold=0.2, read_timeout=30, total_timeout=30)
    async with Fetcher(policy) as fetcher:
        hung = [
            asyncio.create_task(fetcher.fetch(f"hung{i}", feed_server.url(f"_/hang?n={i}"), NO_VALIDATORS))
            for i in range(2)
        ]
        await feed_server.wait_hanging(2)
        healthy = await asyncio.wait_for(
            fetcher.fetch("healthy", feed_server.url("feed.xml"), NO_VALIDATORS), timeout=5
        )
        assert isinstance(healthy, Fetched) and healthy.body == small_feed()
        assert not any(t.done() for t in hung) and feed_server.hanging == 2  # still hanging
        feed_server.release_hangs()
        assert all(isinstance(r, Fetched) for r in await asyncio.gather(*hung))


async def test_the_slot_hold_does_not_lift_the_cap_for_quick_requests(feed_server: FakeFeedServer) -> None:
    async with Fetcher(FetchPolicy(per_host=1, slot_hold=5)) as fetcher:
        await asyncio.gather(
            *(
                fetcher.fetch(f"w{i}", feed_server.url(f"_/counted?hold=0.05&n={i}"), NO_VALIDATORS)
                for i in range(4)
            )
        )
    assert feed_server.max_active == 1


@pytest.mark.parametrize("codes", ["301", "308", "301,308", "308,301,301"])
async def test_an_all_permanent_redirect_chain_is_a_move(feed_server: FakeFeedServer, codes: str) -> None:
    result = await fetch(feed_server, f"_/moved/{codes}?to=feed.xml")
    assert isinstance(result, Fetched) and result.moved_to == feed_server.url("feed.xml")


@pytest.mark.parametrize("codes", ["302", "307", "301,302", "307,308"])
async def test_a_temporary_hop_anywhere_is_no_move(feed_server: FakeFeedServer, codes: str) -> None:
    result = await fetch(feed_server, f"_/moved/{codes}?to=feed.xml")
    assert isinstance(result, Fetched) and result.moved_to is None
    assert result.url == feed_server.url("feed.xml")


async def test_a_move_is_reported_on_304_too(feed_server: FakeFeedServer) -> None:
    async with Fetcher() as fetcher:
        first = await fetcher.fetch("wire", feed_server.url("feed.xml"), NO_VALIDATORS)
        second = await fetcher.fetch("wire", feed_server.url("_/moved/301?to=feed.xml"), first.validators)
    assert isinstance(second, NotModified) and second.moved_to == feed_server.url("feed.xml")
    assert (await fetch(feed_server, "feed.xml")).moved_to is None  # no redirect: no move


async def test_a_permanent_redirect_to_an_error_is_an_error_not_a_move(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetch(feed_server, "_/moved/301?to=gone.xml")


async def test_retry_after_and_cache_control_come_back_raw(feed_server: FakeFeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/status/429?retry-after=1.5")
    assert (caught.value.status, caught.value.retry_after) == (429, "1.5")
    with pytest.raises(FetchError) as caught:
        await fetch(feed_server, "_/status/500")
    assert (caught.value.status, caught.value.retry_after) == (500, None)
    cached = await fetch(feed_server, "_/cache?cc=public, max-age=900")
    assert isinstance(cached, Fetched) and cached.cache_control == "public, max-age=900"
