"""Five9's operation limits per minute, hour and day (periods injectable in the simulator, so no
test waits for a real hour), and the faults that are about the session, not the request."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_tap
from tests.five9.test_reports_mode import FAST_LIMITS, at, call_key, config, simulator

SHORT = 3  # seconds: a stand-in for Five9's hour, to see a period reset within a test


def test_every_period_five9_counts_is_paced_from_the_domains_own_limits(serve, tmp_path):
    sim = simulator(limits={**FAST_LIMITS, "ReportRequest": {60: 100, SHORT: 2}})
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-10T00:00:00Z", window_hours=6), tmp_path)
    assert run.returncode == 0, run.stderr

    assert "Five9 limits of this domain: ReportRequest 2/3 s, 100/minute, 120/hour, 800/day" in run.stderr
    per_period = sim.operations_per_period("ReportRequest", SHORT)
    assert sum(per_period.values()) == 8 and max(per_period.values()) <= 2
    assert sim.rate_limited == 0 and "OperationsLimitExceededFault" not in run.stderr
    assert "plan: about 8 runReport calls (call_log 4, agent_login_logout 4" in run.stderr


def test_a_days_allowance_used_up_stops_the_run_clearly_and_keeps_what_was_synced(serve, tmp_path):
    # Another client of the domain already ran one report today; 3 a day are allowed.
    sim = simulator(
        limits={**FAST_LIMITS, "ReportRequest": {60: 100, 3600: 100, 86400: 3}},
        used={"ReportRequest": {86400: 1}},
    )
    server = serve(sim)
    run = run_tap(
        "tap-five9", config(server.url, end_date="2024-03-11T00:00:00Z", max_wait_seconds=30), tmp_path
    )

    assert run.returncode == 1
    assert "plan: about 6 runReport calls" in run.stderr and "more than today's allowance" in run.stderr
    assert run.failed_streams == ["call_log", "agent_login_logout"]
    line = run.cause_lines[0]
    assert (
        "call_log: runReport (POST /wsadmin/v13/AdminWebService): Five9's limit of 3 ReportRequest calls per day"
        in line
    )
    assert "is used up for this domain; it resets at" in line and "more than max_wait_seconds (30 s)" in line
    # The tap never overran the limit; the two windows it could read are kept.
    assert sim.rate_limited == 0 and len(sim.soap_requests("runReport")) == 2
    assert run.last_state["bookmarks"]["call_log"]["replication_key_value"] == "2024-03-10T10:00:00Z"
    assert len(run.records("call_log")) == len(
        sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-10T10:00:00Z"))
    )


def test_an_operations_limit_fault_for_a_longer_period_waits_for_that_periods_reset(serve, tmp_path):
    sim = simulator(limits={**FAST_LIMITS, "ReportRequest": {60: 100, SHORT: 50}})
    server = serve(sim)
    sim.inject_fault(
        "runReport",
        "OperationsLimitExceededFault",
        f"Operations limit exceeded: 50 ReportRequest operations per {SHORT} seconds",
        limit="50",
        operationType="ReportRequest",
    )
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path)
    assert run.returncode == 0, run.stderr
    refused, retried = sim.soap_requests("runReport")[:2]
    assert sim.period_index(SHORT, retried.received_at) > sim.period_index(SHORT, refused.received_at)
    assert "failed: OperationsLimitExceededFault" in run.stderr and "waiting for the reset" in run.stderr


def test_a_result_not_ready_yet_is_polled_again_and_then_read(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.inject_fault("getReportResultCsv", "ResultIsNotReadyFault", "Report result is not ready yet")
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(map(call_key, run.records("call_log"))) == sorted(
        map(call_key, sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-09T06:00:00Z")))
    )
    assert len(sim.soap_requests("getReportResultCsv")) == 3  # 2 reports, one asked twice
    assert "not ready yet; polling again" in run.stderr


@pytest.mark.parametrize(
    ("fault", "advice"),
    [
        ("UserAlreadyLoggedInFault", "Five9 allows one session per user at a time"),
        ("AdminSessionClosedFault", "Five9 closed this user's session"),
    ],
)
def test_session_faults_say_what_happened_to_the_session(fault, advice, serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.inject_fault("runReport", fault, "The user is busy", times=10)
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path)
    assert run.returncode == 1
    line = run.cause_lines[0]
    assert (
        f"call_log: runReport (POST /wsadmin/v13/AdminWebService) failed: {fault}: The user is busy ({advice}"
        in line
    )
    assert "Traceback" not in run.stderr and "retrying" not in run.stderr


def test_faults_answered_with_http_200_are_handled_as_with_500(serve, tmp_path):
    sim = simulator(fault_status=200)
    server = serve(sim)
    sim.inject_fault("runReport", "ServerFault", "Temporary failure")
    ok = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path / "ok")
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"retrying in [\d.]+ s \(attempt 1 of \d+\): ServerFault: Temporary failure", ok.stderr)
    assert ok.records("call_log")

    sim.missing_reports.add("Call Log")
    missing = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path / "missing")
    assert missing.returncode == 1
    assert missing.cause_lines[0].endswith(
        "call_log: runReport (POST /wsadmin/v13/AdminWebService) failed: "
        "ReportNotFoundFault: Report 'Call Log' not found in folder 'Call Log Reports'"
    )
