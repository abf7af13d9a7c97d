"""The one small error hierarchy of Sitrep.

Every error we raise on purpose is a ``SitrepError``; callers that must keep running (the poller,
the outbox drainer, slash-command handlers) catch it and report its message, which is written for
the person who has to act on it (an admin, a desk user, or whoever reads the log).
"""

from __future__ import annotations


class SitrepError(Exception):
    """Base class for errors Sitrep raises on purpose."""


class ConfigError(SitrepError):
    """The configuration file or the environment is invalid. The message names file, key and problem."""


class FeedError(SitrepError):
    """One feed could not be fetched or parsed. Only that feed is affected."""

    def __init__(self, feed_id: str, reason: str) -> None:
        super().__init__(f"feed {feed_id}: {reason}")
        self.feed_id = feed_id
        self.reason = reason


class FetchError(FeedError):
    """The HTTP side failed: refused, timed out, too large, bad status, too many redirects.

    ``status`` and ``retry_after`` are the error response's status code and raw ``Retry-After``
    header, when there was a response: a 429 or 503 may say when to come back."""

    def __init__(
        self, feed_id: str, reason: str, *, status: int | None = None, retry_after: str | None = None
    ) -> None:
        super().__init__(feed_id, reason)
        self.status = status
        self.retry_after = retry_after


class UnsafeUrlError(FetchError):
    """The SSRF guard refused a feed URL: not http(s), or it leads to an internal address."""


class ParseError(FeedError):
    """The body was fetched but is not a feed we can read."""


class StoreError(SitrepError):
    """The database could not be reached or refused an operation."""


class DeliveryError(SitrepError):
    """Slack refused or could not be reached while delivering an alert.

    ``uncertain``: the request may have reached Slack and been stored (a timeout, a dropped
    connection, a 5xx): before sending it again, the outbox asks Slack whether it is there.
    ``code``: Slack's error code when it gave one (``not_in_channel``…), which decides the fix.
    ``retry_after``: seconds Slack asked to wait (a rate limit that outlasted the client's own
    waits): the message is tried again then, not after an ever longer back-off."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        uncertain: bool = False,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.uncertain = uncertain
        self.code = code
        self.retry_after = retry_after


class CommandError(SitrepError):
    """A slash command or CLI argument is malformed; the message says which part and the usage."""


class AdminLookupError(CommandError):
    """Slack could not say whether a user is an admin (an outage, a rate limit, a reply that is no
    JSON). Nothing was changed; the message tells the user to try again — never "you are no admin"."""
