"""Rate limits, refused keys and bad answers: waits Close asks for, one clear line otherwise."""

from __future__ import annotations

import re

import pytest
import requests
from suite_sandbox.closeio import API_KEY, make_simulator

from tests.closeio.helpers import TAP, config_for, ids, sync
from tests.conftest import run_tap


@pytest.fixture
def close(serve):
    simulator = make_simulator(records=60)
    return simulator, serve(simulator).url


def test_a_429_waits_the_rate_reset_from_its_body_and_the_sync_completes(close, tmp_path):
    simulator, url = close
    simulator.throttle("/user/", rate_reset=1.2)
    run = sync(url, tmp_path, streams=["users"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "users") == simulator.ids(simulator.users)
    waits = [float(w) for w in re.findall(r"users: retrying in ([0-9.]+) s", run.stderr)]
    # rate_reset (1.2 s, +10% jitter at most), not the header's rounded 2 s nor the 0.01 s backoff.
    assert len(waits) == 1
    assert 1.2 <= waits[0] <= 1.35
    assert len(simulator.requests_to(r"/user/$")) == 2


def test_a_429_on_the_search_api_waits_and_the_walk_goes_on(close, tmp_path):
    simulator, url = close
    simulator.throttle("/data/search/", rate_reset=0.5)
    run = sync(url, tmp_path, streams=["leads"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "leads") == simulator.ids(simulator.leads)
    assert re.search(r"leads: retrying in 0\.[5-6]\d* s", run.stderr)


def test_the_per_endpoint_budget_answers_429_with_rate_reset(serve, tmp_path):
    simulator = make_simulator(records=10, rate_limit_per_minute=3)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["users"], max_retries=0)
    assert run.returncode == 0, run.stderr
    answered = simulator.requests_to(r"/user/$")
    assert len(answered) == 1
    # The budget is per endpoint group: /user/ gets spent, /pipeline/ is untouched.
    auth = (API_KEY, "")
    for _ in range(2):
        requests.get(f"{url}/api/v1/user/", auth=auth, timeout=5)
    spent = requests.get(f"{url}/api/v1/user/", auth=auth, timeout=5)
    assert spent.status_code == 429
    assert spent.json()["error"]["rate_reset"] > 0
    assert "remaining=0" in spent.headers["RateLimit"]
    fresh = requests.get(f"{url}/api/v1/pipeline/", auth=auth, timeout=5)
    assert fresh.status_code == 200
    assert re.fullmatch(r"limit=3, remaining=2, reset=\d+", fresh.headers["RateLimit"])


def test_a_wrong_api_key_fails_with_one_clear_line_and_no_key_in_the_output(close, tmp_path):
    _, url = close
    wrong = "api_wrong_key_0123456789abcdef"
    run = run_tap(TAP, config_for(url, api_key=wrong), tmp_path)
    assert run.returncode != 0
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert "401" in line
    assert "api_key" in line
    assert "invalid" in line
    assert wrong not in run.output()
    assert API_KEY not in run.output()
    assert "Traceback" not in run.stderr


def test_a_search_answer_of_the_wrong_shape_fails_the_stream_clearly(close, tmp_path):
    simulator, url = close
    simulator.inject("status", status=200, path=r"/data/search/$", times=5, body={"cursor": None})
    run = sync(url, tmp_path, streams=["leads", "users"])
    assert run.returncode == 1
    assert run.failed_streams == ["leads"]
    assert "data" in run.cause_lines[0] and "Traceback" not in run.stderr
