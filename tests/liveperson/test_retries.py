"""Retries follow LivePerson's policy (5, 10, 15 s on 5xx) and every request path honours Retry-After."""

from __future__ import annotations

import itertools

from tests.liveperson.helpers import SEARCH, config, run

UNAVAILABLE = {"code": 503, "message": "Service Unavailable"}


def _gaps(requests: list) -> list[float]:
    return [b.received_at - a.received_at for a, b in itertools.pairwise(requests)]


def test_5xx_pauses_follow_the_retry_policy_scaled_by_retry_backoff_seconds(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    sim.inject("status", status=503, body=UNAVAILABLE, path="le-users/users", times=3)
    # 0.1 scales the policy's 5, 10, 15 s to 0.5, 1, 1.5 s (each plus up to 10% jitter).
    result = run(config(server.url, retry_backoff_seconds=0.1), tmp_path, ["users"])
    assert result.returncode == 0, result.stderr
    gaps = _gaps(sim.requests_to("le-users/users"))
    assert len(gaps) == 3
    for gap, pause in zip(gaps, (0.5, 1.0, 1.5), strict=True):
        assert pause <= gap < pause * 1.1 + 0.4, gaps


def test_retries_stop_after_the_policys_three_with_one_clear_line(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    sim.inject("status", status=503, body=UNAVAILABLE, path=SEARCH, times=100)
    result = run(config(server.url), tmp_path, ["messaging_interactions"])
    assert result.returncode == 1
    assert len(sim.requests_to(SEARCH)) == 4  # the first try and 3 retries (max_retries default)
    (line,) = result.cause_lines
    assert "gave up after 3 retries" in line and "503" in line and "Service Unavailable" in line


def test_retry_after_is_honoured_on_the_domain_api_request(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    sim.inject(
        "status", status=503, headers={"Retry-After": "2"}, body=UNAVAILABLE, path=r"baseURI\.json$", times=1
    )
    result = run(config(server.url), tmp_path, ["skills"])
    assert result.returncode == 0, result.stderr
    (gap,) = _gaps(sim.requests_to(r"baseURI\.json$"))
    assert 2.0 <= gap < 3.0  # asked 2 s; the schedule alone would wait 0.05 s
    assert "Domain API (CSDS) GET" in result.stderr and "retrying in 2." in result.stderr


def test_retry_after_is_honoured_on_the_token_request(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    sim.inject(
        "status",
        status=429,
        headers={"Retry-After": "2"},
        body={"error": "too_many_requests"},
        path=r"/app/token$",
        times=1,
    )
    result = run(config(server.url, oauth2=True), tmp_path, ["skills"])
    assert result.returncode == 0, result.stderr
    (gap,) = _gaps(sim.requests_to(r"/app/token$"))
    assert 2.0 <= gap < 3.0
    assert len(result.records("skills")) == sim.skills.n
