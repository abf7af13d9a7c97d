"""The SSRF guard: refused before any byte is sent, after redirects, for every address and spelling.

Names are resolved by ``FakeResolver``, a test double of aiohttp's resolver interface that maps host
names to addresses we choose, so "feed.example" can point at the real local feed server on 127.0.0.1.
"""

# The imported pytest fixture is "redefined" by every test parameter that receives it.
# ruff: noqa: F811

from __future__ import annotations

import re
import socket

import pytest
from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver

from bot.adapters.fetch import Fetched, Fetcher, Validators
from bot.adapters.ssrf import SsrfPolicy, check_url, classify, parse_allow_entry
from bot.errors import FetchError, UnsafeUrlError
from tests.fakes.dns import FakeResolver
from tests.fakes.feed_server import (
    FakeFeedServer,
    feed_server,  # noqa: F401
)

NO_VALIDATORS = Validators()
PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
NO_POLICY = SsrfPolicy()


def resolver(**names: list[str]) -> FakeResolver:
    """``resolver(feed_example=["127.0.0.1"])`` maps feed.example to 127.0.0.1."""
    return FakeResolver({name.replace("_", "."): [addresses] for name, addresses in names.items()})


def on_host(server: FakeFeedServer, host: str, path: str) -> str:
    return server.url(path).replace("127.0.0.1", host, 1)


async def guarded_fetch(
    server: FakeFeedServer, url: str, policy: SsrfPolicy, names: AbstractResolver
) -> Fetched:
    async with Fetcher(guard=policy, resolver=names) as fetcher:
        result = await fetcher.fetch("slack-feed", url, NO_VALIDATORS)
    assert isinstance(result, Fetched)
    return result


# --- connection-time guard, against the real local feed server -------------------------------------


async def test_name_resolving_to_loopback_is_refused_before_any_request(feed_server: FakeFeedServer) -> None:
    url = on_host(feed_server, "feed.example", "feed.xml")
    with pytest.raises(UnsafeUrlError) as caught:
        await guarded_fetch(feed_server, url, NO_POLICY, resolver(feed_example=["127.0.0.1"]))
    assert caught.value.feed_id == "slack-feed"
    assert caught.value.reason == (
        "refused: feed.example resolves to 127.0.0.1, a loopback address "
        '(allow it with fetch.allow = ["feed.example"] if this is an intranet feed)'
    )
    assert feed_server.requests == []


@pytest.mark.parametrize("allow", [["127.0.0.0/8"], ["feed.example"], ["Feed.Example."]])
async def test_allowed_network_or_host_reaches_the_server(
    feed_server: FakeFeedServer, allow: list[str]
) -> None:
    url = on_host(feed_server, "feed.example", "feed.xml")
    result = await guarded_fetch(
        feed_server, url, SsrfPolicy.parse(allow), resolver(feed_example=["127.0.0.1"])
    )
    assert result.status == 200
    assert [r.path for r in feed_server.requests] == ["/feed.xml"]


async def test_literal_loopback_url_is_refused_when_guarded_and_fetched_when_not(
    feed_server: FakeFeedServer,
) -> None:
    url = feed_server.url("feed.xml")
    with pytest.raises(UnsafeUrlError, match=re.escape("127.0.0.1, a loopback address")):
        await guarded_fetch(feed_server, url, NO_POLICY, resolver())
    assert feed_server.requests == []
    # Config-file feeds are trusted: no guard, today's behaviour.
    async with Fetcher() as fetcher:
        assert isinstance(await fetcher.fetch("config-feed", url, NO_VALIDATORS), Fetched)


async def test_one_private_address_among_public_ones_is_refused(feed_server: FakeFeedServer) -> None:
    names = resolver(news_example=[PUBLIC_V4, PUBLIC_V6, "127.0.0.1"])
    with pytest.raises(UnsafeUrlError, match=re.escape("news.example resolves to 127.0.0.1, a loopback")):
        await check_url("https://news.example/rss", NO_POLICY, names)
    with pytest.raises(UnsafeUrlError, match=re.escape("news.example resolves to 127.0.0.1")):
        await guarded_fetch(feed_server, on_host(feed_server, "news.example", "feed.xml"), NO_POLICY, names)
    assert feed_server.requests == []


async def test_dns_rebinding_after_the_check_is_caught_at_connection_time(
    feed_server: FakeFeedServer,
) -> None:
    # Public when the admin adds the feed, loopback when the poller connects.
    names = FakeResolver({"rebind.example": [[PUBLIC_V4], ["127.0.0.1"]]})
    url = on_host(feed_server, "rebind.example", "feed.xml")
    await check_url(url, NO_POLICY, names)
    with pytest.raises(UnsafeUrlError, match=re.escape("rebind.example resolves to 127.0.0.1")):
        await guarded_fetch(feed_server, url, NO_POLICY, names)
    assert names.lookups == ["rebind.example", "rebind.example"]
    assert feed_server.requests == []


@pytest.mark.parametrize(
    ("target", "refused"),
    [
        ("evil.example:{port}", "evil.example resolves to 127.0.0.1, a loopback address"),
        ("127.0.0.2:{port}", "127.0.0.2, a loopback address"),
        ("[::ffff:127.0.0.1]:{port}", "::ffff:7f00:1 (IPv4 127.0.0.1), a loopback address"),
        # The allowed host's own address, but another port: a neighbouring service, not the feed.
        ("127.0.0.1:1", "127.0.0.1, a loopback address"),
    ],
)
async def test_redirect_from_allowed_host_to_internal_address_is_refused(
    feed_server: FakeFeedServer, target: str, refused: str
) -> None:
    names = resolver(intranet_example=["127.0.0.1"], evil_example=["127.0.0.1"])
    policy = SsrfPolicy.parse(["intranet.example"])
    # The fake server redirects to "/" + to; a leading "/" makes that a scheme-relative URL (//host/...).
    to = "/" + target.format(port=feed_server.port) + "/feed.xml"
    url = on_host(feed_server, "intranet.example", f"_/redirect/0?to={to}")
    with pytest.raises(UnsafeUrlError, match=re.escape(refused)):
        await guarded_fetch(feed_server, url, policy, names)
    assert [r.path for r in feed_server.requests] == ["/_/redirect/0"]


async def test_redirects_within_an_allowed_host_are_followed(feed_server: FakeFeedServer) -> None:
    names = resolver(intranet_example=["127.0.0.1"])
    url = on_host(feed_server, "intranet.example", "_/redirect/2?to=feed.xml")
    result = await guarded_fetch(feed_server, url, SsrfPolicy.parse(["intranet.example"]), names)
    assert result.url.endswith("/feed.xml")
    assert len(feed_server.requests) == 4


# --- check_url: schemes, literal and oddly spelled addresses ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ftp.example/feed.xml",
        "gopher://127.0.0.1:6379/_INFO",
        "javascript:alert(1)",
        "//news.example/rss",
        "data:text/xml,<rss/>",
    ],
)
async def test_only_http_and_https_are_accepted(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="only http:// and https:// feed URLs are allowed"):
        await check_url(url, NO_POLICY, resolver())


@pytest.mark.parametrize("url", ["http:///feed.xml", "https://"])
async def test_url_without_host_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError, match="has no host"):
        await check_url(url, NO_POLICY, resolver())


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "127.0.0.1, a loopback address"),
        ("http://user:pw@10.0.0.5/feed", "10.0.0.5, a private address"),
        ("http://192.168.1.1:8080/", "192.168.1.1, a private address"),
        ("http://100.64.3.4/", "100.64.3.4, a shared (carrier-grade NAT) address"),
        ("http://0.0.0.0/", "0.0.0.0, an unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1, a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1, a reserved address"),
        ("http://169.254.10.1/", "169.254.10.1, a link-local address"),
        ("http://[::1]/", "::1, a loopback address"),
        ("http://[::]/", "::, an unspecified address"),
        ("http://[fe80::1]/", "fe80::1, a link-local address"),
        ("http://[fc00::5]/", "fc00::5, a private address"),
        ("http://[ff02::1]/", "ff02::1, a multicast address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 (IPv4 127.0.0.1), a loopback address"),
        ("http://[::ffff:10.0.0.5]/", "::ffff:a00:5 (IPv4 10.0.0.5), a private address"),
        ("http://[64:ff9b::a00:5]/", "64:ff9b::a00:5 (IPv4 10.0.0.5), a private address"),  # NAT64
        ("http://[2002:7f00:1::]/", "2002:7f00:1:: (IPv4 127.0.0.1), a loopback address"),  # 6to4
    ],
)
async def test_literal_internal_addresses_are_refused_without_dns(url: str, reason: str) -> None:
    names = resolver()
    with pytest.raises(UnsafeUrlError) as caught:
        await check_url(url, NO_POLICY, names)
    assert caught.value.reason.startswith(f"refused: {reason} (allow it with fetch.allow = [")
    assert names.lookups == []


@pytest.mark.parametrize(
    ("host", "means"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("012.0.0.5", "10.0.0.5"),
        ("3232235777", "192.168.1.1"),
    ],
)
async def test_decimal_octal_and_hex_spellings_are_refused(host: str, means: str) -> None:
    names = resolver()
    with pytest.raises(UnsafeUrlError, match=f"refused: {host} is a non-standard spelling of {means}, a "):
        await check_url(f"http://{host}/feed", NO_POLICY, names)
    assert names.lookups == []


async def test_the_system_resolver_agrees_on_what_the_spellings_mean() -> None:
    # getaddrinfo (no network needed for numbers) maps these forms onto 127.0.0.1, which is why
    # they must be refused even though they do not look like addresses.
    system = ThreadedResolver()
    for host in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1"):
        (answer,) = await system.resolve(host, 80, socket.AF_INET)
        assert answer["host"] == "127.0.0.1"
    with pytest.raises(UnsafeUrlError, match=r"localhost resolves to (127\.0\.0\.1|::1), a loopback address"):
        await check_url("http://localhost/feed", NO_POLICY, system)


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/"])
async def test_metadata_addresses_are_refused_even_when_their_network_is_allowed(url: str) -> None:
    policy = SsrfPolicy.parse(["169.254.0.0/16", "fd00::/8"])
    with pytest.raises(UnsafeUrlError, match="a cloud metadata address \\(never allowed\\)"):
        await check_url(url, policy, resolver())


async def test_metadata_address_behind_an_allowed_name_is_refused() -> None:
    names = resolver(intranet_example=["169.254.169.254"])
    with pytest.raises(
        UnsafeUrlError, match=re.escape("intranet.example resolves to 169.254.169.254, a cloud metadata")
    ):
        await check_url("http://intranet.example/", SsrfPolicy.parse(["intranet.example"]), names)


async def test_public_addresses_pass() -> None:
    names = resolver(news_example=[PUBLIC_V4, PUBLIC_V6])
    await check_url("https://news.example/rss.xml", NO_POLICY, names)
    await check_url(f"http://{PUBLIC_V4}/rss", NO_POLICY, names)
    await check_url(f"http://[{PUBLIC_V6}]:8080/rss", NO_POLICY, names)
    assert names.lookups == ["news.example"]


async def test_allowed_network_lets_literal_intranet_addresses_through() -> None:
    policy = SsrfPolicy.parse(["10.20.0.0/16"])
    await check_url("http://10.20.3.4/feed", policy, resolver())
    await check_url("http://[::ffff:10.20.3.4]/feed", policy, resolver())
    with pytest.raises(UnsafeUrlError, match=re.escape("10.21.0.1, a private address")):
        await check_url("http://10.21.0.1/feed", policy, resolver())


async def test_unknown_host_is_a_plain_fetch_error() -> None:
    with pytest.raises(FetchError, match=re.escape("DNS lookup failed for nowhere.example")) as caught:
        await check_url("https://nowhere.example/", NO_POLICY, resolver())
    assert not isinstance(caught.value, UnsafeUrlError)


# --- policy entries and address classes --------------------------------------------------------------


def test_policy_parses_hosts_and_networks() -> None:
    policy = SsrfPolicy.parse(["Intranet.Example.", "10.20.0.0/16", "192.168.7.9", "fd12:3456::/48"])
    assert policy.allow_hosts == frozenset({"intranet.example"})
    assert [str(n) for n in policy.allow_networks] == ["10.20.0.0/16", "192.168.7.9/32", "fd12:3456::/48"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("", "empty entry"),
        ("http://intranet.example/", "not a host name or network"),
        ("intranet.example:8080", "not a host name or network"),
        ("*.intranet.example", "not a host name or network"),
        ("10.20.1.0/16", "has host bits set"),
        ("10.300.0.0/16", "not a valid IP address or network"),
        ("0.0.0.0/0", "turns the guard off"),
        ("::/0", "turns the guard off"),
        ("169.254.169.254", "can never be allowed"),
        ("0x7f.1", "not a host name or network"),
    ],
)
def test_bad_policy_entries_say_what_is_wrong(entry: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_allow_entry(entry)


def test_classify_public_addresses_as_none() -> None:
    import ipaddress

    for a in (PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"):
        assert classify(ipaddress.ip_address(a)) is None
