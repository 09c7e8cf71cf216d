"""One wait policy for every request: what the API asks (delta, date, epoch), capped, bounded."""

from __future__ import annotations

import logging
import time
from email.utils import formatdate

import pytest
import requests
from suite_sandbox import Response, SandboxServer, Simulator
from tap_common.retry import WaitPolicy, asked_wait

from tests.common.toy import ToyAPI, config_for, sync


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        (lambda now: {"Retry-After": "7"}, 7, 7),
        (lambda now: {"Retry-After": str(int(now) + 30)}, 28, 31),  # epoch seconds (Outreach)
        (lambda now: {"Retry-After": str(int(now * 1000) + 30_000)}, 28, 31),  # epoch milliseconds
        (lambda now: {"Retry-After": formatdate(now + 30, usegmt=True)}, 28, 31),  # HTTP date
        (lambda now: {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now) + 20)}, 18, 21),
        (lambda now: {"RateLimit": "limit=100, remaining=0, reset=5"}, 5, 5),
    ],
    ids=["delta", "epoch", "epoch-ms", "http-date", "x-ratelimit-reset", "ratelimit"],
)
def test_every_spelling_of_a_wait_is_read_as_seconds_from_now(headers, low, high):
    asked = asked_wait(429, headers(time.time()))
    assert asked is not None
    assert low <= asked[0] <= high


def test_a_reset_header_only_counts_when_the_budget_is_spent():
    assert asked_wait(200, {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "30"}) is None
    assert asked_wait(200, {}) is None


def test_a_wait_longer_than_the_maximum_is_cut_to_it_with_a_warning(caplog):
    policy = WaitPolicy(max_wait_seconds=120)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "1868048026"  # an epoch in 2029: decades as a delay
    with caplog.at_level(logging.WARNING):
        wait = policy.wait_after(0, response)
    assert wait <= 120
    assert "waiting the maximum of 120 s instead (max_wait_seconds)" in caplog.text


def test_the_apis_own_schedule_and_the_fixed_window_wait_apply_when_no_header_says():
    policy = WaitPolicy(schedule=(5, 10, 15), rate_limited_seconds=60)
    assert [policy.backoff(attempt) for attempt in range(5)] == [5, 10, 15, 15, 15]
    throttled = requests.Response()
    throttled.status_code = 429
    assert policy.wait_after(0, throttled) == 60
    assert WaitPolicy(backoff_seconds=1).backoff(10) == 60  # exponential, capped


class FlakyEndpoint(Simulator):
    """`GET /op` answers 503 with Retry-After: 1 `failures` times, then 200."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.route("GET", r"/op", self.answer)

    def answer(self, request, match):
        if self.failures > 0:
            self.failures -= 1
            return Response(503, {"error": "busy"}, {"Retry-After": "1"})
        return Response(200, {"ok": True})


def test_a_request_outside_any_stream_waits_as_asked_and_is_bounded():
    simulator = FlakyEndpoint(failures=1)
    with SandboxServer(simulator) as server:
        policy = WaitPolicy(max_retries=2)
        started = time.monotonic()
        response = policy.call(lambda: requests.get(f"{server.url}/op", timeout=5), what="op")
        assert response.status_code == 200
        assert time.monotonic() - started >= 1.0  # Retry-After: 1 honoured, not a 0-1 s backoff
        simulator.failures = 100
        response = policy.call(
            lambda: requests.get(f"{server.url}/op", timeout=5), what="op", sleep=lambda s: None
        )
        assert response.status_code == 503
        assert len(simulator.requests_to("/op")) == 2 + 3  # first call: 2 tries; second: 1 + 2 retries


def test_an_epoch_retry_after_on_a_data_request_waits_seconds_not_decades(serve):
    simulator = ToyAPI(records=250)
    url = serve(simulator).url
    simulator.inject(
        "status", status=429, headers={"Retry-After": str(int(time.time()) + 2)}, body={"error": "slow"}
    )
    started = time.monotonic()
    result = sync(config_for(url))
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert len(result.records) == 250
    assert 0.5 <= elapsed < 10
