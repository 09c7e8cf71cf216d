"""The base stream's retries, waits, fatal errors and redaction, over real HTTP."""

from __future__ import annotations

import time

import pytest

from tests.common.toy import API_KEY, ToyAPI, config_for, sync


@pytest.fixture
def api(serve):
    simulator = ToyAPI(records=250)
    server = serve(simulator)
    return simulator, server.url


def test_a_clean_sync_reads_every_record_once(api):
    simulator, url = api
    result = sync(config_for(url))
    assert result.exit_code == 0
    assert [r["id"] for r in result.records] == [f"t_{i}" for i in range(250)]
    assert [r.param("_skip") for r in simulator.requests] == ["0", "100", "200"]


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        ("status", {"status": 503, "times": 2}),
        ("status", {"status": 502}),
        ("reset", {}),
        ("truncate", {}),
        ("garbage", {}),
    ],
)
def test_transient_faults_are_retried_and_the_sync_completes(api, fault, options):
    simulator, url = api
    simulator.inject(fault, path="/things/", **options)
    result = sync(config_for(url))
    assert result.exit_code == 0, result.output
    assert len(result.records) == 250
    assert len({r["id"] for r in result.records}) == 250
    assert "retrying" in result.output


def test_a_slow_response_past_the_timeout_is_retried(api):
    simulator, url = api
    simulator.inject("slow", delay=2.5)
    started = time.monotonic()
    result = sync(config_for(url, request_timeout=1))
    assert result.exit_code == 0, result.output
    assert len(result.records) == 250
    assert time.monotonic() - started < 10
    assert "ReadTimeout" in result.output


def test_429_waits_as_long_as_retry_after_says(api):
    simulator, url = api
    simulator.inject("status", status=429, headers={"Retry-After": "1"}, body={"error": "slow down"})
    started = time.monotonic()
    result = sync(config_for(url))
    assert result.exit_code == 0
    assert time.monotonic() - started >= 1.0
    assert len(result.records) == 250


def test_retries_are_bounded_and_end_in_one_clear_line(api):
    simulator, url = api
    simulator.inject("status", status=500, times=100, body={"error": "database on fire"})
    result = sync(config_for(url, max_retries=2))
    assert result.exit_code == 1
    assert len(simulator.requests) == 3  # the first try and two retries
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR ")]
    assert errors == [
        "ERROR tap-toy things: gave up after 2 retries: GET /things/ returned 500 "
        "Internal Server Error: database on fire",
        "ERROR tap-toy tap-toy: 1 of 1 synced streams failed: things (each named above); the others completed",
    ]


@pytest.mark.parametrize(("status", "text"), [(400, "bad filter"), (403, "no access"), (404, "gone")])
def test_client_errors_are_fatal_at_once_with_the_api_text(api, status, text):
    simulator, url = api
    simulator.inject("status", status=status, body={"error": text})
    result = sync(config_for(url))
    assert result.exit_code == 1
    assert len(simulator.requests) == 1
    assert f"things: GET /things/ returned {status}" in result.output
    assert text in result.output


def test_a_wrong_key_names_the_setting_and_never_shows_the_key(api):
    _simulator, url = api
    wrong_key = "wrong-key-abcdef123456"
    result = sync(config_for(url, api_key=wrong_key))
    assert result.exit_code == 1
    assert "returned 401" in result.output
    assert "check the api_key setting" in result.output
    # The API echoed the key in its error body; the tap masks it everywhere.
    assert wrong_key not in result.output
    assert API_KEY not in sync(config_for(url)).output


def test_an_exhausted_rate_limit_header_pauses_requests_until_the_reset(api):
    simulator, url = api
    simulator.extra_headers = {"RateLimit": "limit=10, remaining=0, reset=1"}
    started = time.monotonic()
    result = sync(config_for(url))
    assert result.exit_code == 0
    assert len(result.records) == 250
    # Three pages, each saying the budget is spent for one more second.
    assert time.monotonic() - started >= 2.0
