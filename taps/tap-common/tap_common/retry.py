"""One wait policy for every request the suite makes: data pages, token grants, discovery
calls (LivePerson's CSDS) and SOAP operations (Five9).

A request that fails transiently (429, 5xx, a connection fault or timeout) is retried at
most `max_retries` times. Each wait is what the API asked for when it said (`Retry-After`
as delta seconds, HTTP date or epoch seconds; `X-RateLimit-Reset`/`RateLimit` reset as
delta or epoch), else the API's own retry schedule (LivePerson: 5, 10, 15 s), else an
exponential backoff from `retry_backoff_seconds`. No wait is longer than `max_wait_seconds`:
a longer one (an epoch read as a delay would be decades) is cut to it with a WARNING.
"""

from __future__ import annotations

import logging
import random
import time
import typing as t
from dataclasses import dataclass
from http import HTTPStatus

import requests

from tap_common.rate_limit import remaining_and_reset, retry_after_seconds

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

#: Exponential backoff when the API names no wait: 1, 2, 4, 8 ... seconds, at most this.
MAX_BACKOFF_SECONDS = 60.0
#: The longest wait any header may impose: Outreach's hourly budget resets within an hour.
DEFAULT_MAX_WAIT_SECONDS = 3600.0
DEFAULT_MAX_RETRIES = 5

#: Failures of the connection itself, retried like a 5xx.
TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def is_transient_status(status: int) -> bool:
    return status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR


def asked_wait(status: int | None, headers: Mapping[str, str]) -> tuple[float, str] | None:
    """The wait an answer asks for, with the header that said so; None when it says nothing.

    `Retry-After` always counts; a reset header counts on a 429, or when it reports no
    requests remaining.
    """
    if (wait := retry_after_seconds(headers)) is not None:
        return wait, f"Retry-After: {headers.get('Retry-After')}"
    remaining, reset = remaining_and_reset(headers)
    if reset is not None and (status == HTTPStatus.TOO_MANY_REQUESTS or remaining == 0):
        return reset, "the rate-limit reset header"
    return None


@dataclass(frozen=True)
class WaitPolicy:
    """How long to wait before each retry, and how many retries; shared by every request path."""

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_seconds: float = 1.0
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS
    #: The API's own retry schedule for 5xx and connection faults (the last value repeats),
    #: in units of `backoff_seconds`.
    schedule: Sequence[float] | None = None
    #: Wait on a 429 that names no wait (an API with a fixed window, e.g. one token a minute).
    rate_limited_seconds: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any], **api_defaults: t.Any) -> WaitPolicy:
        """The policy a tap's settings ask for, over the API's own defaults."""
        return cls(
            max_retries=int(config.get("max_retries", DEFAULT_MAX_RETRIES)),
            backoff_seconds=float(config.get("retry_backoff_seconds", 1.0)),
            max_wait_seconds=float(config.get("max_wait_seconds", DEFAULT_MAX_WAIT_SECONDS)),
            **api_defaults,
        )

    @property
    def max_tries(self) -> int:
        return self.max_retries + 1

    def backoff(self, attempt: int) -> float:
        """The wait before retry number `attempt + 1` when the API asked for none."""
        if self.schedule:
            # The API's schedule, scaled by `retry_backoff_seconds` (1: as published).
            return float(self.schedule[min(attempt, len(self.schedule) - 1)]) * self.backoff_seconds
        return min(self.backoff_seconds * 2.0**attempt, MAX_BACKOFF_SECONDS)

    def capped(self, seconds: float, *, reason: str, logger: logging.Logger | None = None) -> float:
        """`seconds`, or the maximum when it is longer (said in one WARNING line)."""
        if seconds <= self.max_wait_seconds:
            return max(seconds, 0.0)
        (logger or _logger).warning(
            "%s asks for a wait of %.0f s; waiting the maximum of %.0f s instead (max_wait_seconds)",
            reason,
            seconds,
            self.max_wait_seconds,
        )
        return self.max_wait_seconds

    def wait_after(
        self,
        attempt: int,
        response: requests.Response | None,
        *,
        logger: logging.Logger | None = None,
    ) -> float:
        """Seconds to wait after failed try number `attempt` (0-based)."""
        if response is not None:
            if asked := asked_wait(response.status_code, response.headers):
                return self.capped(asked[0], reason=asked[1], logger=logger)
            if response.status_code == HTTPStatus.TOO_MANY_REQUESTS and self.rate_limited_seconds is not None:
                return self.capped(self.rate_limited_seconds, reason="the API's fixed window", logger=logger)
        return self.backoff(attempt)

    def call(
        self,
        send: Callable[[], requests.Response],
        *,
        what: str,
        logger: logging.Logger | None = None,
        transient: Callable[[requests.Response], bool] = lambda r: is_transient_status(r.status_code),
        describe: Callable[[requests.Response], str] = lambda r: f"status {r.status_code}",
        sleep: Callable[[float], None] = time.sleep,
    ) -> requests.Response:
        """Send a request, retrying transient failures; the last answer is returned as it is
        (the caller turns a failure into its own message), the last connection fault raised.
        `describe` names a transient answer on the retry line (e.g. a SOAP fault's name)."""
        log = logger or _logger
        for attempt in range(self.max_tries):
            last_try = attempt == self.max_tries - 1
            try:
                response = send()
            except TRANSIENT_EXCEPTIONS as exc:
                if last_try:
                    raise
                wait, reason = self.backoff(attempt), type(exc).__name__
            else:
                if last_try or not transient(response):
                    return response
                wait, reason = self.wait_after(attempt, response, logger=log), describe(response)
            wait = jittered(wait)
            log.warning(
                "%s: retrying in %.1f s (attempt %d of %d): %s",
                what,
                wait,
                attempt + 1,
                self.max_tries,
                reason,
            )
            sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def jittered(seconds: float) -> float:
    """Never less than asked; spread retries by up to 10%."""
    return seconds * (1 + random.random() / 10)  # noqa: S311


_logger = logging.getLogger("tap_common.retry")
