"""Real report output: recording segments, [None] agents, transfer legs sharing a CALL ID, values
that do not parse, agents who log in without calls, the data centre's time zone, late rows."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tests.conftest import run_tap
from tests.five9.test_reports_mode import at, call_key, call_runs, config, login_key, simulator

START, END = at("2024-03-09T00:00:00Z"), at("2024-03-11T12:00:00Z")


def printed(sim, stream: str, column: str) -> list[str]:
    """What the simulator's report prints in one column, row by row."""
    position = sim.columns(stream).index(column)
    return [sim.cells(stream, i)[position] for i in sim.visible(stream, START, END)]


def test_recordings_segments_arrive_as_five9_prints_them(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    several = [cell for cell in printed(sim, "call_log", "RECORDINGS") if " " in cell]
    assert several and all(
        "(" in segment for segment in several[0].split(" ")
    )  # 09:00:25(0:43) 09:02:10(1:05)
    got = Counter(r["recordings"] for r in run.records("call_log"))
    assert got == Counter(r["recordings"] for r in sim.expected_calls(START, END))
    assert got[several[0]] >= 1 and "Traceback" not in run.stderr


def test_none_agents_are_null_and_start_no_per_agent_report(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    agentless = printed(sim, "call_log", "AGENT").count("[None]")
    assert agentless > 0
    calls = run.records("call_log")
    assert sum(1 for r in calls if r["agent"] is None) == agentless
    assert "[None]" not in {r["agent"] for r in calls} | {r["agent_name"] for r in calls}
    logins_state = run.last_state["bookmarks"]["agent_login_logout"]
    assert "partitions" not in logins_state and "[None]" not in str(run.last_state)
    assert all(r["users"] == [] for r in sim.report_runs)


def test_both_legs_of_a_transfer_are_kept_under_their_own_key(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    calls = run.records("call_log")
    shared = [call_id for call_id, n in Counter(r["call_id"] for r in calls).items() if n > 1]
    assert shared, "the simulator printed no transfer legs"
    legs = [r for r in calls if r["call_id"] == shared[0]]
    assert sorted(r["call_type"] == "3rd party transfer" for r in legs) == [False, True]
    assert legs[0]["agent"] != legs[1]["agent"]
    # Upserting on the key keeps every leg: the key is unique over the real rows.
    assert len({call_key(r) for r in calls}) == len(calls) == 200


def test_a_value_that_does_not_parse_stays_as_text_in_sdc_extra(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    first = sim.visible("call_log", START, at("2024-03-10T00:00:00Z"))
    sim.cell_overrides[("call_log", first[3], "TRANSFERS")] = "n/a"
    sim.cell_overrides[("call_log", first[4], "COST")] = "about 3 cents"
    run = run_tap("tap-five9", config(server.url), tmp_path)

    assert run.returncode == 0, run.stderr
    by_key = {call_key(r): r for r in run.records("call_log")}
    bad_transfers = by_key[call_key(sim.expected("call_log")[first[3]])]
    assert bad_transfers["transfers"] is None and bad_transfers["_sdc_extra"]["transfers"] == "n/a"
    assert by_key[call_key(sim.expected("call_log")[first[4]])]["_sdc_extra"]["cost"] == "about 3 cents"
    assert "call_log: column TRANSFERS of row" in run.stderr and "is 'n/a', not integer" in run.stderr
    assert len(by_key) == 200 and "Traceback" not in run.stderr


def test_a_window_time_that_does_not_parse_is_one_error_naming_column_and_row(serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    sim.cell_overrides[("call_log", 5, "TIMESTAMP")] = "yesterday"
    run = run_tap("tap-five9", config(server.url), tmp_path)

    assert run.returncode == 1
    (line,) = run.cause_lines
    assert "call_log: column TIMESTAMP of row" in line and "of the report for 2024-03-09T00:00:00Z" in line
    assert "is 'yesterday'" in line and "Traceback" not in run.stderr
    assert run.failed_streams == ["call_log"]
    assert run.records("agent_login_logout")  # the other report goes on


def test_logins_of_agents_who_take_no_calls_are_synced(serve, tmp_path):
    sim = simulator(agent_count=6, idle_agents=2)
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    logins = run.records("agent_login_logout")
    idle = {a["username"] for a in sim.agents} - sim.agents_with_calls(START, END)
    assert len(idle) == 2 and idle <= {r["agent"] for r in logins}
    assert sorted(logins, key=login_key) == sorted(sim.expected_logins(START, END), key=login_key)


def test_report_times_follow_the_data_centre_of_the_region(serve, tmp_path):
    """A UK domain prints London time (Five9's samples: LDN BST); region 'uk' reads it so."""
    sim = simulator(zone=ZoneInfo("Europe/London"))
    server = serve(sim)
    uk = run_tap("tap-five9", config(server.url, region="uk"), tmp_path / "uk")
    assert uk.returncode == 0, uk.stderr
    assert sorted(uk.records("call_log"), key=call_key) == sorted(
        sim.expected_calls(START, END), key=call_key
    )

    # Pacific by mistake: every time is 8 hours off (rows even fall outside their windows).
    us = run_tap("tap-five9", config(server.url, region="us"), tmp_path / "us")
    assert {r["timestamp"] for r in us.records("call_log")} != {
        r["timestamp"] for r in uk.records("call_log")
    }

    # report_time_zone still overrides the region's default.
    override = run_tap(
        "tap-five9", config(server.url, region="us", report_time_zone="Europe/London"), tmp_path / "override"
    )
    assert sorted(override.records("call_log"), key=call_key) == sorted(uk.records("call_log"), key=call_key)


def test_rows_five9_lists_late_are_read_by_the_lookback_of_the_next_run(serve, tmp_path):
    """Calls up to now; three of the last hour are listed late (Five9 lists a call when it ends)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    sim = simulator(start=now - timedelta(hours=60))  # 200 calls over the 60 hours before now
    server = serve(sim)
    live = {**config(server.url), "start_date": (now - timedelta(hours=60)).isoformat()}
    live.pop("end_date")  # up to the time of each run
    late = sim.visible("call_log", now - timedelta(hours=1), None)[:3]
    sim.hold_back("call_log", late)
    first = run_tap("tap-five9", live, tmp_path / "1")
    assert first.returncode == 0, first.stderr
    assert len(first.records("call_log")) == 200 - len(late)

    sim.release("call_log")  # Five9 lists them now, in a window already read
    runs_before = len(call_runs(sim))
    second = run_tap("tap-five9", live, tmp_path / "2", state=first.last_state)
    assert second.returncode == 0, second.stderr
    read_at = at(first.last_state["bookmarks"]["call_log"]["window_read_at"])
    assert call_runs(sim)[runs_before]["start"] == read_at - timedelta(hours=2)  # lookback_hours 2
    keys = [call_key(r) for r in second.records("call_log")]
    assert len(keys) == len(set(keys)) and {call_key(sim.expected("call_log")[i]) for i in late} <= set(keys)
    both = {call_key(r) for r in first.records("call_log")} | set(keys)
    assert both == {call_key(r) for r in sim.expected_calls()}

    # Without the lookback the next run starts at the bookmark: rows listed late are never read.
    sim.hold_back("call_log", late)
    again = run_tap("tap-five9", live, tmp_path / "3")
    sim.release("call_log")
    none = run_tap("tap-five9", {**live, "lookback_hours": 0}, tmp_path / "4", state=again.last_state)
    assert none.returncode == 0 and none.records("call_log") == []


def test_a_backfill_window_read_long_after_its_end_is_not_read_again(serve, tmp_path):
    """2024's windows were complete when read in 2026: the next run starts at the bookmark."""
    sim = simulator()
    server = serve(sim)
    first = run_tap("tap-five9", config(server.url, end_date="2024-03-10T00:00:00Z"), tmp_path / "1")
    assert first.returncode == 0, first.stderr
    runs_before = len(call_runs(sim))
    second = run_tap("tap-five9", config(server.url), tmp_path / "2", state=first.last_state)
    assert second.returncode == 0, second.stderr
    assert call_runs(sim)[runs_before]["start"] == at("2024-03-10T00:00:00Z")
