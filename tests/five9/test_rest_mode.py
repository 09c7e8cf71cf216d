"""tap-five9 in rest mode: the seed's REST contract against the simulator."""

from __future__ import annotations

from datetime import datetime

from suite_sandbox.five9 import PASSWORD, demo_config, make_simulator

from tests.conftest import run_tap
from tests.five9.test_reports_mode import FAST_LIMITS, call_key, fatal_line, login_key
from tests.five9.test_reports_mode import config as reports_config

END = "2024-03-11T12:00:00Z"


def config(url: str, **overrides) -> dict:
    return {
        **demo_config(url),
        "api_mode": "rest",
        "api_url": url + "/v1",
        "end_date": END,
        "max_requests_per_minute": 60000,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_rest_sync_pages_by_offset_and_matches_the_simulator(serve, tmp_path):
    sim = make_simulator(250)
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr

    start, end = at("2024-03-09T00:00:00Z"), at(END)
    expected = sim.expected_calls(start, end)
    assert run.records("call_log") == expected  # the facade serves oldest first
    pages = sim.requests_to(r"/v1/call_log$")
    assert [(p.param("offset"), p.param("limit")) for p in pages] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]
    assert {(p.param("start"), p.param("end")) for p in pages} == {("2024-03-09T00:00:00Z", END)}
    assert sim.requests_to(r"/v1/call_log$")[0].headers["authorization"].startswith("Basic ")

    # Every agent's logins in one query (the seed's call_id -> agent_id link relates nothing).
    login_requests = sim.requests_to(r"/v1/agent_login_logout$")
    assert {r.param("agent") for r in login_requests} == {None}
    logins = run.records("agent_login_logout")
    assert sorted(logins, key=login_key) == sorted(sim.expected_logins(start, end), key=login_key)
    assert run.last_state["bookmarks"]["call_log"]["replication_key_value"] == expected[-1]["timestamp"]


def test_rest_and_reports_modes_emit_the_same_records(serve, tmp_path):
    sim = make_simulator(200, limits=FAST_LIMITS, report_delay=0.01)
    server = serve(sim)
    rest = run_tap("tap-five9", config(server.url), tmp_path / "rest")
    reports = run_tap("tap-five9", reports_config(server.url), tmp_path / "reports")
    assert rest.returncode == reports.returncode == 0, rest.stderr + reports.stderr
    for stream, key in (("call_log", call_key), ("agent_login_logout", login_key)):
        assert sorted(rest.records(stream), key=key) == sorted(reports.records(stream), key=key)
        assert rest.records(stream)


def test_second_rest_run_asks_only_for_calls_since_the_bookmark(serve, tmp_path):
    sim = make_simulator(200)
    server = serve(sim)
    first = run_tap("tap-five9", config(server.url, end_date="2024-03-10T06:00:00Z"), tmp_path / "1")
    assert first.returncode == 0, first.stderr
    bookmark = first.last_state["bookmarks"]["call_log"]["replication_key_value"]
    seen = len(sim.requests)

    second = run_tap("tap-five9", config(server.url), tmp_path / "2", state=first.last_state)
    assert second.returncode == 0, second.stderr
    calls = [r for r in sim.requests[seen:] if r.path == "/v1/call_log"]
    assert calls[0].param("start") == bookmark
    new = {call_key(r) for r in second.records("call_log")}
    assert new == {call_key(r) for r in sim.expected_calls(at(bookmark), at(END))}


def test_a_429_is_retried_after_the_wait_the_api_names(serve, tmp_path):
    sim = make_simulator(50)
    server = serve(sim)
    sim.inject(
        "status",
        path=r"/v1/call_log",
        status=429,
        headers={"Retry-After": "0"},
        body={"error": "Too Many Requests"},
    )
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    assert len(run.records("call_log")) == 50
    assert "429" in run.stderr


def test_rest_wrong_password_names_the_settings_and_hides_the_password(serve, tmp_path):
    server = serve(make_simulator(20))
    secret = "definitely-wrong-password"
    run = run_tap("tap-five9", config(server.url, password=secret), tmp_path)
    assert run.returncode != 0
    line = fatal_line(run)
    assert "call_log: GET /v1/call_log returned 401" in line
    assert "check the username/password setting" in line
    assert secret not in run.output() and PASSWORD not in run.output()
