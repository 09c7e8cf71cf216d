"""Waits as the API asks, and reruns: a failed report window is where the rerun starts, and one
report failing for good does not keep the other from being delivered."""

from __future__ import annotations

from tests.conftest import run_tap
from tests.five9.test_reports_mode import at, call_runs, config, login_key, simulator

SOAP = r"/wsadmin/v13/AdminWebService$"


def test_a_soap_call_answered_503_retry_after_2_is_retried_after_2_seconds(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.inject("hook", hook=lambda: None, path=SOAP, method="POST", times=2)  # limits call, first runReport
    sim.inject(
        "status", path=SOAP, method="POST", status=503, headers={"Retry-After": "2"}, body="<html>busy</html>"
    )
    run = run_tap(
        "tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z", retry_backoff_seconds=0.01), tmp_path
    )
    assert run.returncode == 0, run.stderr

    posts = sim.requests_to(SOAP, method="POST")
    refused, retried = posts[2], posts[3]
    assert retried.received_at - refused.received_at >= 2.0, "retried sooner than Retry-After asked"
    assert retried.body == refused.body  # the same call, again
    assert "retrying in 2." in run.stderr and "status 503" in run.stderr


def test_a_rerun_after_a_failed_window_starts_at_that_window(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.fail_report_runs("Call Log", "ServerFault", "Report engine unavailable", after=2)
    first = run_tap("tap-five9", config(server.url, max_retries=1), tmp_path / "1")
    assert first.returncode == 1 and first.failed_streams == ["call_log"]
    assert "gave up after 1 retries: call_log: runReport" in first.cause_lines[0]
    # Two windows (the second ends where Pacific time moves to DST) were read and bookmarked.
    bookmark = first.last_state["bookmarks"]["call_log"]["replication_key_value"]
    assert bookmark == "2024-03-10T10:00:00Z"

    sim.fail_report_runs("Call Log", "ServerFault", "Report engine unavailable", after=10**6)
    runs_before = len(call_runs(sim))
    second = run_tap(
        "tap-five9", config(server.url, lookback_hours=0), tmp_path / "2", state=first.last_state
    )
    assert second.returncode == 0, second.stderr
    assert call_runs(sim)[runs_before]["start"] == at(bookmark)
    delivered = {
        r["call_id"] + r["timestamp"] + r["call_type"]
        for r in first.records("call_log") + second.records("call_log")
    }
    assert len(delivered) == 200


def test_the_login_report_is_delivered_when_the_call_log_fails_for_good(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.missing_reports.add("Call Log")
    for attempt in ("1", "2"):
        run = run_tap("tap-five9", config(server.url), tmp_path / attempt)
        assert run.returncode == 1
        assert run.failed_streams == ["call_log"]
        assert "ReportNotFoundFault" in run.cause_lines[0]
        logins = run.records("agent_login_logout")
        expected = sim.expected_logins(at("2024-03-09T00:00:00Z"), at("2024-03-11T12:00:00Z"))
        assert sorted(logins, key=login_key) == sorted(expected, key=login_key)
        assert (
            run.last_state["bookmarks"]["agent_login_logout"]["replication_key_value"]
            == "2024-03-11T12:00:00Z"
        )
        assert "call_log" not in run.last_state["bookmarks"] or not run.last_state["bookmarks"][
            "call_log"
        ].get("replication_key_value")


def test_state_of_the_per_agent_login_version_resumes_at_its_earliest_agent(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    state = {
        "bookmarks": {
            "agent_login_logout": {
                "partitions": [
                    {"context": {"agent": "jane.doe@acme.example"}, **bookmark("2024-03-10T12:00:00Z")},
                    {"context": {"agent": "omar.haddad@acme.example"}, **bookmark("2024-03-10T06:00:00Z")},
                ]
            }
        }
    }
    run = run_tap("tap-five9", config(server.url, lookback_hours=0), tmp_path, state=state)
    assert run.returncode == 0, run.stderr
    login_runs = [r for r in sim.report_runs if r["report"] == "Agent Login-Logout"]
    assert login_runs[0]["start"] == at("2024-03-10T06:00:00Z")
    logins = run.records("agent_login_logout")  # once, not once per old partition
    assert sorted(logins, key=login_key) == sorted(
        sim.expected_logins(at("2024-03-10T06:00:00Z"), at("2024-03-11T12:00:00Z")), key=login_key
    )
    logins_state = run.last_state["bookmarks"]["agent_login_logout"]
    assert (
        logins_state["replication_key_value"] == "2024-03-11T12:00:00Z" and "partitions" not in logins_state
    )


def bookmark(value: str) -> dict:
    return {"replication_key": "login_timestamp", "replication_key_value": value}


def test_a_rerun_reads_the_report_an_interrupted_run_started_without_running_it_again(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.inject_fault("getReportResultCsv", "ServerFault", "Result store unavailable")
    first = run_tap("tap-five9", config(server.url, window_hours=72, max_retries=0), tmp_path / "1")
    assert first.returncode == 1 and first.failed_streams == ["call_log"]
    pending = first.last_state["bookmarks"]["call_log"]["pending_report"]
    # The first window ends where Pacific time moves to DST.
    assert pending["start"] == "2024-03-09T00:00:00Z" and pending["end"] == "2024-03-10T10:00:00Z"
    assert len(call_runs(sim)) == 1

    second = run_tap("tap-five9", config(server.url, window_hours=72), tmp_path / "2", state=first.last_state)
    assert second.returncode == 0, second.stderr
    # Only the second window is run: the first one's result is read from its identifier.
    assert [r["start"] for r in call_runs(sim)] == [at("2024-03-09T00:00:00Z"), at("2024-03-10T10:00:00Z")]
    assert any(pending["identifier"].encode() in r.body for r in sim.soap_requests("getReportResultCsv")[-3:])
    assert len(second.records("call_log")) == 200
    assert "pending_report" not in second.last_state["bookmarks"]["call_log"]
