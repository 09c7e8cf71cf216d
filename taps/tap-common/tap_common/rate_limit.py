"""Client-side rate limiting: pace requests before the API has to refuse them.

Two inputs drive the pace:
- a proactive budget (`max_requests_per_minute`), spent evenly with a small burst;
- what the API says about its own budget (`RateLimit`, `X-RateLimit-*`, `Retry-After`),
  which pauses every request until the reset when nothing is left.
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
import typing as t
from collections import deque
from datetime import datetime, timezone

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: Slack on the rolling minute: a request is counted when it arrives, a little after it left.
ROLLING_MINUTE_SLACK_SECONDS = 0.5
# A reset value above this is an epoch timestamp, below it a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000
_RATELIMIT_FIELD = re.compile(r"(\w+)\s*=\s*([0-9.]+)")


class RateLimiter:
    """A token bucket shared by all streams of one tap run (thread-safe).

    Bursts spend saved-up tokens, but never more than `max_requests_per_minute` requests
    go out in any rolling minute: a bucket alone would allow the burst on top of a full
    minute's pace, which an API counting a sliding minute refuses.
    """

    def __init__(
        self,
        max_requests_per_minute: float,
        *,
        burst: int = 1,
        follow_limit_header: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests_per_minute <= 0:
            msg = "max_requests_per_minute must be positive"
            raise ValueError(msg)
        self.requests_per_minute = max_requests_per_minute
        #: Pace at what `X-RateLimit-Limit` advertises (an API whose header counts per minute).
        self.follow_limit_header = follow_limit_header
        self.interval = 60.0 / max_requests_per_minute
        self.burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._last = clock()
        self._paused_until = 0.0
        # Send times of the last minute's worth of requests.
        self._sent: deque[float] = deque(maxlen=max(1, int(max_requests_per_minute)))
        self.requests = 0
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        """Block until one more request fits the budget, then spend it."""
        with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) / self.interval)
                self._last = now
                wait = max(self._paused_until - now, 0.0)
                if not wait and len(self._sent) == self._sent.maxlen:
                    wait = max(self._sent[0] + 60 + ROLLING_MINUTE_SLACK_SECONDS - now, 0.0)
                if not wait and self._tokens >= 1:
                    self._tokens -= 1
                    self._sent.append(now)
                    self.requests += 1
                    return
                if not wait:
                    wait = (1 - self._tokens) * self.interval
                self.waited_seconds += wait
                self._sleep(wait)

    #: The longest pause a header may impose (the tap sets its `max_wait_seconds`).
    max_pause_seconds = 3600.0

    def pause_for(self, seconds: float) -> None:
        """Hold every request for `seconds` (the API said its budget is spent), at most
        `max_pause_seconds`."""
        seconds = min(seconds, self.max_pause_seconds)
        if seconds > 0:
            with self._lock:
                self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pause until the reset when the API reports no requests remaining; follow the
        budget the API advertises, when told to."""
        remaining, reset = remaining_and_reset(headers)
        if remaining is not None and remaining <= 0 and reset is not None:
            self.pause_for(reset)
        if (
            self.follow_limit_header
            and (limit := advertised_limit(headers))
            and limit != self.requests_per_minute
        ):
            self.change_budget(limit)

    def change_budget(self, requests_per_minute: float) -> None:
        """Pace at `requests_per_minute` from now on; requests already sent still count for
        their rolling minute."""
        with self._lock:
            self.requests_per_minute = requests_per_minute
            self.interval = 60.0 / requests_per_minute
            self._sent = deque(self._sent, maxlen=max(1, int(requests_per_minute)))


class CalendarMinuteLimiter:
    """At most `limit` requests per calendar minute: for counters that reset on the minute
    (Five9's per-operation limits), where spreading requests evenly would only slow a run."""

    def __init__(
        self,
        limit: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit <= 0:
            msg = "limit must be positive"
            raise ValueError(msg)
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._minute = -1
        self._count = 0
        self.requests = 0
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self._clock()
                minute = int(now // 60)
                if minute != self._minute:
                    self._minute, self._count = minute, 0
                if self._count < self.limit:
                    self._count += 1
                    self.requests += 1
                    return
                # A little past the boundary, so the server's counter has reset too.
                wait = (minute + 1) * 60 - now + 0.5
                self.waited_seconds += wait
                self._sleep(wait)


def _seconds_until(value: float, now: float | None = None) -> float:
    """A reset given as epoch seconds (or milliseconds) or as a delay, as a delay in seconds."""
    if value > _EPOCH_THRESHOLD * 100:
        value /= 1000.0
    if value > _EPOCH_THRESHOLD:
        return max(value - (now if now is not None else time.time()), 0.0)
    return max(value, 0.0)


def _first_number(value: str) -> float | None:
    # Outreach may send two comma-separated values; the first is the hourly limit.
    match = re.search(r"-?[0-9]+(?:\.[0-9]+)?", value)
    return float(match.group()) if match else None


def remaining_and_reset(headers: Mapping[str, str]) -> tuple[float | None, float | None]:
    """Read the remaining budget and seconds-to-reset from rate-limit headers.

    Understands `RateLimit: limit=100, remaining=50, reset=5` (IETF draft, Close),
    `X-RateLimit-Remaining`/`X-RateLimit-Reset` and `X-Rate-Limit-*` (reset as epoch
    seconds or as a delay).
    """
    remaining: float | None = None
    reset: float | None = None
    if combined := headers.get("RateLimit"):
        fields = dict(_RATELIMIT_FIELD.findall(combined))
        if "remaining" in fields:
            remaining = float(fields["remaining"])
        if "reset" in fields:
            reset = _seconds_until(float(fields["reset"]))
    for prefix in ("X-RateLimit-", "X-Rate-Limit-", "RateLimit-"):
        if remaining is None and (value := headers.get(prefix + "Remaining")):
            remaining = _first_number(value)
        if reset is None and (value := headers.get(prefix + "Reset")):
            number = _first_number(value)
            reset = _seconds_until(number) if number is not None else None
    return remaining, reset


def advertised_limit(headers: Mapping[str, str]) -> float | None:
    """The budget an answer's `X-RateLimit-Limit` advertises, if it names a positive number."""
    value = headers.get("X-RateLimit-Limit")
    number = _first_number(value) if value else None
    return number if number and number > 0 else None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After`: delay seconds, epoch seconds (Outreach aliases
    its `X-RateLimit-Reset` epoch as `Retry-After`), HTTP date or ISO timestamp."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return _seconds_until(float(value))
    except ValueError:
        pass
    when: datetime | None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
