"""tap-five9 in reports mode (the real API): SOAP report runs against the simulator."""

from __future__ import annotations

import glob
import re
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from suite_sandbox.five9 import PASSWORD, demo_config, make_simulator

from tests.conftest import run_tap

UTC = timezone.utc
FAST_LIMITS = {"ReportRequest": 6000, "RetrieveReport": 6000, "Query": 6000}


def simulator(records: int = 200, **options):
    return make_simulator(
        records,
        limits=options.pop("limits", FAST_LIMITS),
        report_delay=options.pop("report_delay", 0.02),
        **options,
    )


def config(url: str, **overrides) -> dict:
    """A fast config with fixed windows (window_hours, not doubled) unless a test sets
    max_window_hours itself."""
    settings = {
        **demo_config(url),
        "end_date": "2024-03-11T12:00:00Z",
        "window_hours": 24,
        "max_requests_per_minute": 60000,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }
    settings.setdefault("max_window_hours", settings["window_hours"])
    return settings


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fatal_line(run) -> str:
    """The tap's one-line error (the SDK adds only 'An unhandled error occurred while syncing X')."""
    *sdk, line = run.cause_lines
    assert all("An unhandled error occurred while syncing" in other for other in sdk), run.stderr
    assert line.count(" | ") == 3, line  # one line, not a traceback
    return line


def call_runs(sim) -> list[dict]:
    return [r for r in sim.report_runs if r["report"] == "Call Log"]


def call_key(record: dict) -> tuple:
    return (record["call_id"], record["timestamp"], record["call_type"])


def login_key(record: dict) -> tuple:
    return (record["agent"], record["login_timestamp"])


def test_full_sync_emits_exactly_the_simulators_rows_with_one_login_report_per_window(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr

    start, end = at("2024-03-09T00:00:00Z"), at("2024-03-11T12:00:00Z")
    expected_calls = sim.expected_calls(start, end)
    calls = run.records("call_log")
    assert len(calls) == len(expected_calls) == 200
    assert sorted(calls, key=call_key) == sorted(expected_calls, key=call_key)

    # The login report is the domain's: one run per window, every agent (also those without calls).
    logins = run.records("agent_login_logout")
    expected_logins = sim.expected_logins(start, end)
    assert sorted(logins, key=login_key) == sorted(expected_logins, key=login_key)
    assert {r["agent"] for r in logins} - sim.agents_with_calls(start, end), "no agent without calls"
    login_runs = [r for r in sim.report_runs if r["report"] == "Agent Login-Logout"]
    assert [r["users"] for r in login_runs] == [[]] * len(call_runs(sim))
    assert [(r["start"], r["end"]) for r in login_runs] == [(r["start"], r["end"]) for r in call_runs(sim)]

    # 24 h windows, cut where Pacific time switches to DST (2024-03-10 10:00 UTC).
    assert [(r["start"], r["end"]) for r in call_runs(sim)] == [
        (at("2024-03-09T00:00:00Z"), at("2024-03-10T00:00:00Z")),
        (at("2024-03-10T00:00:00Z"), at("2024-03-10T10:00:00Z")),
        (at("2024-03-10T10:00:00Z"), at("2024-03-11T10:00:00Z")),
        (at("2024-03-11T10:00:00Z"), at("2024-03-11T12:00:00Z")),
    ]
    assert sim.max_concurrent_soap == 1  # one request at a time
    bookmarks = run.last_state["bookmarks"]
    assert bookmarks["call_log"]["replication_key_value"] == "2024-03-11T12:00:00Z"
    assert bookmarks["agent_login_logout"]["replication_key_value"] == "2024-03-11T12:00:00Z"
    assert "partitions" not in bookmarks["agent_login_logout"]


def test_second_run_starts_at_the_bookmark_and_reads_only_new_windows(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    first = run_tap(
        "tap-five9", config(server.url, end_date="2024-03-10T06:00:00Z", lookback_hours=0), tmp_path / "1"
    )
    assert first.returncode == 0, first.stderr
    state = first.last_state
    assert state["bookmarks"]["call_log"]["replication_key_value"] == "2024-03-10T06:00:00Z"
    runs_before = len(sim.report_runs)

    second = run_tap("tap-five9", config(server.url, lookback_hours=0), tmp_path / "2", state=state)
    assert second.returncode == 0, second.stderr
    new_runs = [r for r in sim.report_runs[runs_before:] if r["report"] == "Call Log"]
    assert new_runs[0]["start"] == at("2024-03-10T06:00:00Z")
    assert min(r["start"] for r in sim.report_runs[runs_before:]) == at("2024-03-10T06:00:00Z")

    expected = sim.expected_calls(at("2024-03-10T06:00:00Z"), at("2024-03-11T12:00:00Z"))
    assert sorted(map(call_key, second.records("call_log"))) == sorted(map(call_key, expected))
    both = [call_key(r) for r in first.records("call_log") + second.records("call_log")]
    assert len(both) == len(set(both)) == 200


# 21: a quarter's 20 rows plus the header make 21 lines, so it is counted exactly (and fits).
@pytest.mark.parametrize("cap", [30, 21])
def test_a_window_at_the_row_cap_is_split_until_every_row_fits(serve, tmp_path, cap):
    sim = simulator(row_cap=cap)
    server = serve(sim)
    catalog_free = config(server.url, report_row_limit=cap, end_date="2024-03-10T00:00:00Z")
    run = run_tap("tap-five9", catalog_free, tmp_path)
    assert run.returncode == 0, run.stderr

    calls = [call_key(r) for r in run.records("call_log")]
    expected = sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-10T00:00:00Z"))
    assert len(calls) == len(set(calls)) == len(expected) == 80
    assert set(calls) == {call_key(r) for r in expected}
    windows = [(r["start"], r["end"]) for r in call_runs(sim)]
    # 80 rows in the day (one per 18 min) hit the cap, so do 40 in each half; quarters (20) fit.
    assert windows[0] == (at("2024-03-09T00:00:00Z"), at("2024-03-10T00:00:00Z"))
    assert windows[1] == (at("2024-03-09T00:00:00Z"), at("2024-03-09T12:00:00Z"))
    leaves = [w for w in windows if w[1] - w[0] == timedelta(hours=6)]
    assert leaves == [
        (
            at("2024-03-09T00:00:00Z") + timedelta(hours=6 * k),
            at("2024-03-09T06:00:00Z") + timedelta(hours=6 * k),
        )
        for k in range(4)
    ]
    assert f"hit the {cap}-row report cap" in run.stderr


def test_pacific_times_convert_exactly_across_the_end_of_dst(serve, tmp_path):
    # Calls every 5 minutes through 2024-11-03, when 01:00-02:00 Pacific happens twice.
    sim = simulator(250, start=datetime(2024, 11, 2, 18, tzinfo=UTC), step=timedelta(minutes=5))
    server = serve(sim)
    cfg = config(
        server.url, start_date="2024-11-02T18:00:00Z", end_date="2024-11-03T15:00:00Z", window_hours=6
    )
    run = run_tap("tap-five9", cfg, tmp_path)
    assert run.returncode == 0, run.stderr

    got = sorted(r["timestamp"] for r in run.records("call_log"))
    expected = sorted(r["timestamp"] for r in sim.expected_calls())
    assert got == expected and len(set(got)) == 250
    # The repeated hour: 24 calls whose Pacific wall-clock reads 01:xx, half of them PDT.
    repeated = [ts for ts in got if at("2024-11-03T08:00:00Z") <= at(ts) < at("2024-11-03T10:00:00Z")]
    assert len(repeated) == 24
    assert at("2024-11-03T09:00:00Z") in {r["end"] for r in call_runs(sim)}  # the window cut at the change
    logins = run.records("agent_login_logout")
    assert logins and all(at(r["logout_timestamp"]) > at(r["login_timestamp"]) for r in logins)


def test_report_timeout_fails_clearly_and_keeps_the_bookmark_before_that_window(serve, tmp_path):
    # The second day's report never finishes in time.
    sim = simulator(
        delay_for=lambda run: (
            30.0 if run["report"] == "Call Log" and run["start"] >= at("2024-03-10T00:00:00Z") else 0.01
        )
    )
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url, report_timeout_seconds=1), tmp_path)

    assert run.returncode != 0
    line = fatal_line(run)
    assert "call_log: report 'Call Log Reports/Call Log' for 2024-03-10T00:00:00+00:00" in line
    assert "still running after 1 s (report_timeout_seconds)" in line
    assert "Traceback" not in run.stderr
    assert run.last_state["bookmarks"]["call_log"]["replication_key_value"] == "2024-03-10T00:00:00Z"
    assert {call_key(r) for r in run.records("call_log")} == {
        call_key(r) for r in sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-10T00:00:00Z"))
    }
    assert PASSWORD not in run.output()


def test_wrong_password_ends_the_run_at_once_with_one_line_naming_the_settings(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    secret = "not-the-five9-password"
    run = run_tap("tap-five9", config(server.url, password=secret), tmp_path)

    assert run.returncode != 0
    line = fatal_line(run)
    assert "call_log: WSDL (GET /wsadmin/v13/AdminWebService) returned 401" in line
    assert "Bad credentials" in line and "check the username/password setting" in line
    # CredentialsRefused: the login report is not tried with the same refused credentials.
    assert len(sim.requests) == 1
    assert run.failed_streams == []  # not "1 of 2 streams failed": the whole run ended
    assert secret not in run.output()


def test_a_server_fault_is_retried_and_a_missing_report_fails_with_its_fault_name(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.inject_fault("runReport", "ServerFault", "Temporary failure", times=2)
    ok = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path / "ok")
    assert ok.returncode == 0, ok.stderr
    where = "call_log: runReport (POST /wsadmin/v13/AdminWebService)"
    # The retry line names the fault.
    assert re.search(
        rf"{re.escape(where)}: retrying in [\d.]+ s \(attempt 2 of 6\): ServerFault: Temporary failure",
        ok.stderr,
    )
    assert len(ok.records("call_log")) == len(
        sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-09T06:00:00Z"))
    )

    sim.inject_fault(
        "runReport",
        "ReportNotFoundFault",
        "Report 'Call Log' not found in folder 'Call Log Reports'",
        folder="Call Log Reports",
        reportName="Call Log",
    )
    failed = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path / "bad")
    assert failed.returncode != 0
    assert fatal_line(failed).endswith(
        "| call_log: runReport (POST /wsadmin/v13/AdminWebService) failed: "
        "ReportNotFoundFault: Report 'Call Log' not found in folder 'Call Log Reports'"
    )
    assert failed.failed_streams == ["call_log"]
    assert "retrying" not in failed.stderr  # a missing report is not transient


def test_per_operation_limits_from_five9_pace_report_runs(serve, tmp_path):
    # The domain allows 120 runReport calls per minute: at most that many in any calendar minute
    # (Five9's counters reset on the minute), never a fault.
    sim = simulator(limits={**FAST_LIMITS, "ReportRequest": {60: 120}}, agent_count=1)
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T04:00:00Z", window_hours=1), tmp_path)
    assert run.returncode == 0, run.stderr
    starts = sorted(r["at"] for r in sim.report_runs)
    assert len(starts) >= 4
    per_minute = Counter(int(start // 60) for start in starts)
    assert max(per_minute.values()) <= 120
    assert "OperationsLimitExceededFault" not in run.stderr


def test_fractional_settings_from_a_config_file_are_accepted_and_used(serve, tmp_path):
    # The SDK reads a file's 0.5 as Decimal; it must pass the checks and size the windows.
    sim = simulator()
    server = serve(sim)
    run = run_tap(
        "tap-five9",
        config(server.url, end_date="2024-03-09T02:00:00Z", window_hours=0.5, max_requests_per_minute=6000.5),
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert [(r["start"], r["end"] - r["start"]) for r in call_runs(sim)] == [
        (at("2024-03-09T00:00:00Z") + timedelta(minutes=30 * k), timedelta(minutes=30)) for k in range(4)
    ]
    assert sorted(map(call_key, run.records("call_log"))) == sorted(
        map(call_key, sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-09T02:00:00Z")))
    )


def test_a_result_larger_than_the_in_memory_spool_is_read_whole(serve, tmp_path):
    # 20,000 rows in one window: ~6 MB of CSV, past the 4 MB kept in memory (the rest is on disk).
    # A call every 3 s: all 20,000 fall on 2024-03-09, one day-long window.
    sim = simulator(records=20_000, row_cap=50_000, step=timedelta(seconds=3))
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-10T00:00:00Z"), tmp_path)
    assert run.returncode == 0, run.stderr
    assert len(call_runs(sim)) == 1
    calls = run.records("call_log")
    assert len(calls) == 20_000
    expected = {
        call_key(r): r for r in sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-10T00:00:00Z"))
    }
    assert {call_key(r) for r in calls} == set(expected)
    sample = calls[12_345]
    assert sample == expected[call_key(sample)]


def test_an_operations_limit_fault_waits_for_five9s_counters_to_reset_on_the_minute(serve, tmp_path):
    """Another client of the domain used up this minute's runReport budget: Five9 answers
    OperationsLimitExceededFault and its counters reset at the next calendar minute. The tap
    retries just after that minute starts, not sooner (a second fault) and not a back-off
    later. The tap's clock is shifted (libfaketime) to a few seconds before a minute ends,
    so the wait is seconds, not up to a minute."""
    sim = simulator()
    server = serve(sim)
    sim.inject_fault(
        "runReport",
        "OperationsLimitExceededFault",
        "Operations limit exceeded: 16 ReportRequest operations per minute",
        limit="16",
        operationType="ReportRequest",
    )
    offset = int(54 - time.time() % 60)  # the tap starts at second 53-54 of a minute
    run = run_tap(
        "tap-five9",
        config(server.url, end_date="2024-03-09T06:00:00Z"),
        tmp_path,
        env={"LD_PRELOAD": faketime_library(), "FAKETIME": f"{offset:+d}s"},
    )
    assert run.returncode == 0, run.stderr

    warnings = [line for line in run.stderr.splitlines() if "OperationsLimitExceededFault" in line]
    assert len(warnings) == 1, warnings
    assert (
        "call_log: runReport (POST /wsadmin/v13/AdminWebService) failed: OperationsLimitExceededFault"
        in warnings[0]
    )
    refused, retried = sim.soap_requests("runReport")[:2]
    refused_at, retried_at = refused.received_at + offset, retried.received_at + offset  # the tap's clock
    assert int(retried_at // 60) == int(refused_at // 60) + 1, "the retry went out before the counters reset"
    assert 0.9 <= retried_at % 60 < 4, (
        f"retried {retried_at % 60:.1f} s into the minute, expected just after it began"
    )
    assert sorted(map(call_key, run.records("call_log"))) == sorted(
        map(call_key, sim.expected_calls(at("2024-03-09T00:00:00Z"), at("2024-03-09T06:00:00Z")))
    )


def faketime_library() -> str:
    """libfaketime (Debian's faketime package, installed by scripts/install.sh)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    assert found, "libfaketime is missing: run scripts/install.sh (it installs Debian's faketime)"
    return found[0]


def test_windows_double_while_results_stay_small_and_shrink_after_a_split(serve, tmp_path):
    """A quiet domain: 1 h, 2 h, 4 h, 8 h ... windows (fewer runReports than fixed windows);
    a window that reaches the row cap is split, and the next one starts at its part's size."""
    sim = simulator()
    server = serve(sim)
    end = "2024-03-10T00:00:00Z"
    run = run_tap("tap-five9", config(server.url, end_date=end, window_hours=1, max_window_hours=8), tmp_path)
    assert run.returncode == 0, run.stderr
    sizes = [r["end"] - r["start"] for r in call_runs(sim)]
    assert sizes[:4] == [timedelta(hours=h) for h in (1, 2, 4, 8)]
    assert max(sizes) == timedelta(hours=8) and len(sizes) < 24  # fixed 1 h windows: 24 runs
    assert sorted(call_key(r) for r in run.records("call_log")) == sorted(
        call_key(c) for c in sim.expected_calls(at("2024-03-09T00:00:00Z"), at(end))
    )

    # 80 rows a day: a day reaches the cap of 40, so does half a day; quarters (20) fit. The
    # next day then starts at a quarter's size instead of running a whole day again.
    capped = simulator(row_cap=40)
    server = serve(capped)
    run = run_tap(
        "tap-five9",
        config(
            server.url,
            end_date="2024-03-11T00:00:00Z",
            window_hours=24,
            max_window_hours=24,
            report_row_limit=40,
        ),
        tmp_path / "capped",
    )
    assert run.returncode == 0, run.stderr
    second_day = [r for r in call_runs(capped) if r["start"] >= at("2024-03-10T00:00:00Z")]
    assert second_day[0]["end"] - second_day[0]["start"] == timedelta(hours=6)
    assert len(run.records("call_log")) == 160
