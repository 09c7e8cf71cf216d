"""PersistIQ's budget: documented as 100 a minute, advertised by the API itself (500 live)."""

from __future__ import annotations

import itertools
import statistics
import time

import requests
from suite_sandbox.persistiq import ADVERTISED_LIMIT, API_KEY, demo_config, make_simulator

from tests.conftest import run_tap
from tests.persistiq.helpers import TAP, catalog


def test_the_simulator_advertises_the_live_budget_and_refuses_as_documented(serve):
    assert make_simulator().rate_limit_per_minute == ADVERTISED_LIMIT == 500
    simulator = make_simulator(records=10, rate_limit_per_minute=2)
    url = f"{serve(simulator).url}/v1/users"
    answers = [requests.get(url, headers={"x-api-key": API_KEY}, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["2", "2", "2"]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    # As live: no reset while budget is left; the reference's reset epoch once it is spent.
    assert "X-RateLimit-Reset" not in answers[0].headers
    reset = int(answers[2].headers["X-RateLimit-Reset"])
    assert reset > time.time()
    assert answers[2].json() == {
        "status": "error",
        "error": {
            "reason": "too_many_requests",
            "message": f"You performed more than 2 requests per minute. Limit will be reseted at {reset}.",
        },
    }
    assert all(a.headers.get("x-request-id") for a in answers)
    denied = requests.get(url, headers={"x-api-key": "nope-nope"}, timeout=5)
    assert denied.status_code == 401 and denied.headers["X-RateLimit-Limit"] == "2"
    assert denied.json() == {
        "status": "error",
        "error": {"reason": "unauthorized", "message": "Failed to find api key: nope-nope"},
    }


def _gaps(simulator) -> list[float]:
    times = [r.received_at for r in simulator.requests_to(r"^/v1/leads$")]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def _config(url: str, **settings: object) -> dict:
    # No max_requests_per_minute: the documented 100 a minute (0.6 s apart) until told otherwise.
    return {**demo_config(url), "retry_backoff_seconds": 0.01, **settings}


def test_the_tap_paces_at_the_budget_the_api_advertises(serve, tmp_path):
    simulator = make_simulator(records=700, rate_limit_per_minute=600)
    config = _config(serve(simulator).url)
    leads_only = catalog({**config, "max_requests_per_minute": 100_000}, ["leads"])
    simulator.requests.clear()
    run = run_tap(TAP, config, tmp_path, catalog=leads_only)
    assert run.returncode == 0, run.stderr
    assert len(run.records("leads")) == 700
    gaps = _gaps(simulator)
    assert len(gaps) >= 6
    # 600 a minute is 0.1 s apart: well under the documented pace's 0.6 s.
    assert statistics.median(gaps) < 0.3, gaps
    assert simulator.rate_limited == 0


def test_a_lower_advertised_budget_slows_the_tap_down(serve, tmp_path):
    simulator = make_simulator(records=250, rate_limit_per_minute=60)
    config = _config(serve(simulator).url)
    leads_only = catalog({**config, "max_requests_per_minute": 100_000}, ["leads"])
    time.sleep(1)  # discovery's requests leave the simulator's rolling minute budget room
    simulator.requests.clear()
    run = run_tap(TAP, config, tmp_path, catalog=leads_only)
    assert run.returncode == 0, run.stderr
    assert min(_gaps(simulator)) >= 0.9, _gaps(simulator)
    assert simulator.rate_limited == 0


def test_with_the_header_not_followed_the_budget_is_fixed(serve, tmp_path):
    simulator = make_simulator(records=350, rate_limit_per_minute=600)
    config = _config(serve(simulator).url, max_requests_per_minute=120, follow_rate_limit_header=False)
    leads_only = catalog({**config, "max_requests_per_minute": 100_000}, ["leads"])
    simulator.requests.clear()
    run = run_tap(TAP, config, tmp_path, catalog=leads_only)
    assert run.returncode == 0, run.stderr
    assert min(_gaps(simulator)) >= 0.45, _gaps(simulator)
