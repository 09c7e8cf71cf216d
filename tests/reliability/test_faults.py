"""Fault matrix: every tap against its simulator over real HTTP, one fault kind at a time.

A fault within the retry budget must end in a complete sync (every record exactly once,
compared with the simulator); a fault that outlasts it must end in one clear ERROR line
and a non-zero exit after exactly `max_retries` retries. Never exit 0 with records missing.
"""

from __future__ import annotations

import typing as t
from collections import Counter

import pytest

from tests.reliability.cases import FIVE9, OAUTH_TAPS, TAPS, TapCase, assert_exactly_once, fatal_line, sync

ERROR_BODY = {"error": "injected fault"}


def inject(sim: t.Any, case: TapCase, kind: str, *, skip: int = 1, **kwargs: t.Any) -> t.Any:
    """Inject a fault on the stream's record requests, after `skip` of them were answered normally.

    Skipping the first answer puts the fault mid-sync (after records were emitted).
    """
    if skip:
        sim.inject("hook", hook=lambda: None, path=case.path, method=case.method, times=skip)
    return sim.inject(kind, path=case.path, method=case.method, **kwargs)


def bare_429_body(sim: t.Any, case: TapCase) -> t.Any:
    """The API's own 429 body, without its headers.

    PersistIQ names the reset only in its message; a 429 with neither header nor message
    makes the tap wait PersistIQ's whole one-minute window, by design.
    """
    if case is FIVE9:  # SOAP: a 429 is an HTTP-level answer with no SOAP body
        return ERROR_BODY
    return sim.rate_limited_response(1.0).body


# name -> (inject faults, config overrides). Each stays within max_retries=3.
RECOVERABLE: dict[str, t.Callable[[t.Any, TapCase], list]] = {
    "429-storm-with-retry-after": lambda sim, case: [
        inject(sim, case, "status", status=429, headers={"Retry-After": "1"}, body=ERROR_BODY, times=2)
    ],
    "429-storm-without-retry-after": lambda sim, case: [
        inject(sim, case, "status", status=429, body=bare_429_body(sim, case), times=3)
    ],
    "5xx-burst": lambda sim, case: [
        inject(sim, case, "status", status=500, body=ERROR_BODY),
        inject(sim, case, "status", status=502, body="<html>Bad Gateway</html>", skip=0),
        inject(sim, case, "status", status=503, body=ERROR_BODY, skip=0),
    ],
    "connection-reset": lambda sim, case: [inject(sim, case, "reset", times=2)],
    "slow-past-timeout": lambda sim, case: [
        # Five9's SOAP transport allows request_timeout + 5 s (its long polls hold the answer).
        inject(sim, case, "slow", delay=6.6 if case is FIVE9 else 1.6)
    ],
    "truncated-body": lambda sim, case: [inject(sim, case, "truncate", times=2)],
    "non-json-body": lambda sim, case: [inject(sim, case, "garbage", times=2)],
}


@pytest.mark.parametrize("fault", list(RECOVERABLE))
@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_a_transient_fault_is_retried_and_every_record_arrives_once(case, fault, serve, tmp_path):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url, request_timeout=1)
    faults = RECOVERABLE[fault](sim, case)
    run = sync(case, server.url, tmp_path, config)
    assert all(f.times <= 0 for f in faults), "the fault was never served: the case proves nothing"
    assert_exactly_once(case, sim, config, run)
    assert "retrying" in run.stderr


PERSISTENT: dict[str, t.Callable[[t.Any, TapCase], t.Any]] = {
    "5xx-forever": lambda sim, case: inject(sim, case, "status", status=503, body=ERROR_BODY, times=1000),
    "reset-forever": lambda sim, case: inject(sim, case, "reset", times=1000),
    "non-json-forever": lambda sim, case: inject(sim, case, "garbage", times=1000),
}


@pytest.mark.parametrize("fault", list(PERSISTENT))
@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_a_fault_that_outlasts_the_retries_fails_with_one_line_after_bounded_retries(
    case, fault, serve, tmp_path
):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url, max_retries=2)
    if case.token_store:  # refresh tokens rotate: the rerun needs the one the first run got
        config["refresh_token_store"] = str(tmp_path / "refresh-token.json")
    injected = PERSISTENT[fault](sim, case)
    run = sync(case, server.url, tmp_path, config)

    assert run.returncode != 0
    line = fatal_line(run)
    assert case.executable in line and "retries" in line, line
    tries = 1000 - injected.times
    # Close keeps 3 pages in flight: each of them is retried, within the same bound.
    in_flight = 3 if case.name == "closeio" else 1
    assert 3 <= tries <= 3 * in_flight, "expected the first try plus max_retries=2 retries of each request"
    per_request = Counter(
        (r.path, str(sorted(r.query.items())), r.body) for r in sim.requests_to(case.path, case.method)
    )
    assert max(per_request.values()) == 3, per_request
    # What was emitted before the failure is a prefix of the sync, never a silent success.
    got = case.ids(run)
    assert len(got) == len(set(got))
    assert set(got) < set(case.expected(sim, config))

    if fault == "5xx-forever":
        # The state the failed run emitted resumes without loss once the API is back.
        sim.faults.clear()
        rerun = sync(case, server.url, tmp_path / "rerun", config, state=run.last_state)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert set(got) | set(case.ids(rerun)) == set(case.expected(sim, config))


@pytest.mark.parametrize("case", OAUTH_TAPS, ids=[c.name for c in OAUTH_TAPS])
def test_an_access_token_expiring_mid_run_is_refreshed_and_the_sync_completes(case, serve, tmp_path):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url)
    expiry = inject(sim, case, "hook", hook=lambda: case.expire_tokens(sim))
    run = sync(case, server.url, tmp_path, config)
    assert expiry.times <= 0
    assert_exactly_once(case, sim, config, run)
    assert "refreshing it and retrying once" in run.stderr
    from tests.reliability.cases import bearer_tokens

    assert len(bearer_tokens(sim)) >= 2, "a second access token was issued and used"


TOKEN_PATHS = {"outreach": r"/oauth/token$", "liveperson-oauth2": r"/app/token$"}
TOKEN_CASES = [
    pytest.param(OAUTH_TAPS[0], "5xx-then-ok", id="outreach-5xx-then-ok"),
    pytest.param(OAUTH_TAPS[1], "5xx-then-ok", id="liveperson-oauth2-5xx-then-ok"),
    # Token requests follow the run's wait policy (max_retries, retry_backoff_seconds) like
    # every other request: one case is enough to prove the bound.
    pytest.param(OAUTH_TAPS[0], "5xx-forever", id="outreach-5xx-forever"),
]


@pytest.mark.parametrize(("case", "kind"), TOKEN_CASES)
def test_a_token_endpoint_fault_is_retried_or_fails_with_one_line(case, kind, serve, tmp_path):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url, max_retries=2)
    times = 1 if kind == "5xx-then-ok" else 1000
    fault = sim.inject("status", path=TOKEN_PATHS[case.name], status=503, body=ERROR_BODY, times=times)
    run = sync(case, server.url, tmp_path, config)
    if kind == "5xx-then-ok":
        assert fault.times <= 0
        assert_exactly_once(case, sim, config, run)
    else:
        line = fatal_line(run)
        assert case.executable in line and "token request refused (503)" in line, line
        assert 1000 - fault.times == config["max_retries"] + 1
        assert not case.ids(run)
