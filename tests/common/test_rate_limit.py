"""The client-side rate limiter and the parsing of the APIs' rate-limit headers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from tap_common.rate_limit import CalendarMinuteLimiter, RateLimiter, remaining_and_reset, retry_after_seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def sent_at(limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire()
        times.append(clock.now - 1000.0)
    return times


def test_requests_are_spread_evenly_over_the_minute():
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    times = sent_at(limiter, clock, 61)
    # One a second; the 61st also waits until the first has left the rolling minute (+ slack).
    assert times[:60] == pytest.approx(list(range(60)))
    assert times[60] == pytest.approx(60.5)
    assert limiter.requests == 61


def test_a_burst_never_puts_more_than_the_limit_in_any_rolling_minute():
    clock = FakeClock()
    limiter = RateLimiter(60, burst=10, clock=clock, sleep=clock.sleep)
    times = sent_at(limiter, clock, 300)
    assert all(later - earlier >= 60 for earlier, later in zip(times, times[60:], strict=False))
    # ... while still using the budget: 300 requests in about five rolling minutes.
    assert times[-1] == pytest.approx(4 * 60.5 + 50, abs=1.5)


def test_a_burst_is_allowed_then_the_steady_pace_resumes():
    clock = FakeClock()
    limiter = RateLimiter(60, burst=10, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire()
    assert clock.slept == []
    limiter.acquire()
    assert clock.slept == [pytest.approx(1.0)]


def test_the_api_saying_no_budget_left_pauses_everything_until_the_reset():
    clock = FakeClock()
    limiter = RateLimiter(6000, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.observe({"RateLimit": "limit=100, remaining=0, reset=5"})
    limiter.acquire()
    assert sum(clock.slept) == pytest.approx(5.0)


def test_remaining_budget_does_not_pause():
    clock = FakeClock()
    limiter = RateLimiter(6000, clock=clock, sleep=clock.sleep)
    limiter.observe({"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": str(time.time() + 30)})
    limiter.acquire()
    assert clock.slept == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": "limit=100, remaining=50, reset=5"}, (50.0, 5.0)),
        ({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "2.5"}, (0.0, 2.5)),
        ({"X-RateLimit-Remaining": "9999, 19988"}, (9999.0, None)),
        ({}, (None, None)),
    ],
)
def test_rate_limit_headers_are_read_in_each_apis_dialect(headers, expected):
    assert remaining_and_reset(headers) == expected


def test_a_reset_given_as_an_epoch_becomes_seconds_from_now():
    remaining, reset = remaining_and_reset(
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 30)}
    )
    assert remaining == 0
    assert 28 <= reset <= 31


def test_retry_after_as_seconds_http_date_or_iso_timestamp():
    assert retry_after_seconds({"Retry-After": "7"}) == 7
    soon = datetime.now(timezone.utc) + timedelta(seconds=20)
    assert 18 <= retry_after_seconds({"Retry-After": format_datetime(soon, usegmt=True)}) <= 21
    assert 18 <= retry_after_seconds({"Retry-After": soon.isoformat().replace("+00:00", "Z")}) <= 21
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_a_per_minute_counter_is_used_at_once_then_waits_for_the_next_minute():
    clock = FakeClock()
    clock.now = 6000.0 + 50  # 10 s before a minute boundary
    limiter = CalendarMinuteLimiter(16, clock=clock, sleep=clock.sleep)
    for _ in range(16):
        limiter.acquire()
    assert clock.slept == []  # the minute's allowance, without spreading it out
    limiter.acquire()
    assert clock.slept == [pytest.approx(10.5)]  # just past the boundary, counter reset
    minutes = {}
    for _ in range(40):
        limiter.acquire()
        minutes[int(clock.now // 60)] = minutes.get(int(clock.now // 60), 0) + 1
    assert max(minutes.values()) <= 16


def test_a_limiter_told_to_follows_the_budget_the_api_advertises():
    limiter = RateLimiter(100, follow_limit_header=True)
    limiter.observe({"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "499"})
    assert limiter.requests_per_minute == 500 and limiter.interval == 60 / 500
    limiter.observe({"X-RateLimit-Limit": "50"})
    assert limiter.interval == 60 / 50
    fixed = RateLimiter(100)
    fixed.observe({"X-RateLimit-Limit": "500"})
    assert fixed.interval == 60 / 100
