"""The event log (newest first, 30 days, cursor pages) and deletions read from it."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from suite_sandbox.closeio import make_simulator

from tests.closeio.helpers import ids, sync, ts


@pytest.fixture
def close(serve):
    simulator = make_simulator(records=200)
    return simulator, serve(simulator).url


def _bookmark(stream: str, when: datetime) -> dict:
    return {
        "bookmarks": {stream: {"replication_key": "date_updated", "replication_key_value": when.isoformat()}}
    }


def test_the_event_log_reads_one_day_slices_newest_first_within_retention(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"events": 3000})  # ~85 events a day
    url = serve(simulator).url
    run = sync(
        url,
        tmp_path,
        streams=["event_log"],
        state=_bookmark("event_log", datetime(2020, 1, 1, tzinfo=timezone.utc)),
    )
    assert run.returncode == 0, run.stderr
    calls = simulator.requests_to(r"/event/$")
    firsts = [r for r in calls if r.param("_cursor") is None]
    now = datetime.now(timezone.utc)
    # An old bookmark starts at the retention limit; the last 5 minutes are left for next time.
    assert abs(ts(firsts[0].param("date_updated__gte")) - (now - timedelta(days=30))) < timedelta(minutes=2)
    assert len(firsts) == 30  # one-day slices, oldest first
    for earlier, later in itertools.pairwise(firsts):
        assert earlier.param("date_updated__lt") == later.param("date_updated__gte")
    assert ts(firsts[-1].param("date_updated__lt")) <= now - timedelta(minutes=5)
    assert all(r.param("_limit") == "50" for r in calls)
    cursors = [r for r in calls if r.param("_cursor")]
    assert cursors and all(r.param("date_updated__gte") is None for r in cursors)
    assert sorted(ids(run, "event_log")) == sorted(simulator.retained_event_ids())
    mark = run.last_state["bookmarks"]["event_log"]["replication_key_value"]
    assert mark == firsts[-1].param("date_updated__lt")  # the end of the range read


def test_cursor_pages_are_read_only_down_to_the_bookmark(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"events": 5000})  # ~140 events a day
    url = serve(simulator).url
    since = datetime.now(timezone.utc) - timedelta(hours=30)
    run = sync(url, tmp_path, streams=["event_log"], state=_bookmark("event_log", since))
    assert run.returncode == 0, run.stderr
    got = run.records("event_log")
    assert got and all(ts(r["date_updated"]) >= since for r in got)
    expected = [
        i
        for i in simulator.retained_event_ids()
        if ts(simulator.events.row(int(i[3:]))["date_updated"]) >= since
    ]
    assert sorted(ids(run, "event_log")) == sorted(expected)
    # Close's cursor would go on to the 30-day floor (~80 more pages); the tap stops at the
    # page reaching below each slice's start.
    per_slice = [r for r in simulator.requests_to(r"/event/$") if r.param("_cursor") is None]
    assert len(per_slice) == 2
    assert len(simulator.requests_to(r"/event/$")) <= len(got) // 50 + 2 * 2


def test_a_rerun_after_a_failure_resumes_at_the_last_event_slice_read(close, tmp_path):
    simulator, url = close
    state = _bookmark("event_log", datetime.now(timezone.utc) - timedelta(days=10))
    # The 6th request and every one after it fail: some slices are read, then the stream fails.
    for _ in range(5):
        simulator.inject("hook", path=r"/event/$", hook=lambda: None)
    simulator.inject("status", status=503, path=r"/event/$", times=1000)
    failed = sync(url, tmp_path / "1", streams=["event_log"], state=state, max_retries=0)
    assert failed.returncode == 1
    mark = failed.last_state["bookmarks"]["event_log"]["replication_key_value"]
    assert ts(mark) > ts(state["bookmarks"]["event_log"]["replication_key_value"])

    simulator.faults.clear()
    simulator.requests.clear()
    rerun = sync(url, tmp_path / "2", streams=["event_log"], state=failed.last_state)
    assert rerun.returncode == 0, rerun.stderr
    assert simulator.requests_to(r"/event/$")[0].param("date_updated__gte") == mark
    since = ts(state["bookmarks"]["event_log"]["replication_key_value"])
    expected = {
        i
        for i in simulator.retained_event_ids()
        if ts(simulator.events.row(int(i[3:]))["date_updated"]) >= since
    }
    assert set(ids(failed, "event_log")) | set(ids(rerun, "event_log")) == expected


def test_deletions_in_the_event_log_arrive_as_soft_deletes_on_the_next_run(close, tmp_path):
    simulator, url = close
    streams = ["leads", "contacts", "opportunities", "tasks", "activities"]
    first = sync(url, tmp_path / "1", streams=streams)
    assert first.returncode == 0, first.stderr
    # A first sync asks for no deletions: nothing downstream to delete.
    assert not [r for r in simulator.requests_to(r"/event/$") if r.param("action") == "deleted"]

    before = {
        "leads": simulator.leads.row(3),
        "contacts": simulator.contacts.row(2),
        "opportunities": simulator.opportunities.row(1),
        "tasks": simulator.tasks.row(3),
        "activities": simulator.activities.row(2),  # a Note
    }
    simulator.delete(simulator.leads, [3])
    simulator.delete(simulator.contacts, [2])
    simulator.delete(simulator.opportunities, [1])
    simulator.delete(simulator.tasks, [3])
    simulator.delete(simulator.activities, [2])
    simulator.requests.clear()
    second = sync(url, tmp_path / "2", streams=streams, state=first.last_state)
    assert second.returncode == 0, second.stderr

    for stream, row in before.items():
        deleted = [r for r in second.records(stream) if r.get("_sdc_deleted_at")]
        assert [r["id"] for r in deleted] == [row["id"]], stream
        assert deleted[0].get("lead_id") == row.get("lead_id")  # the object's last data
        assert "_sdc_deleted_at" in second.schemas()[stream]["schema"]["properties"]
        kept = [r for r in second.records(stream) if not r.get("_sdc_deleted_at")]
        assert row["id"] not in [r["id"] for r in kept]
    asked = {(r.param("object_type"), r.param("action")) for r in simulator.requests_to(r"/event/$")}
    assert {("lead", "deleted"), ("contact", "deleted"), ("opportunity", "deleted")} <= asked
    assert ("task.lead", "deleted") in asked and ("activity.note", "deleted") in asked
    # A deletion does not move a bookmark past records not read yet.
    for stream in ("leads", "opportunities", "activities"):
        key = first.last_state["bookmarks"][stream]["replication_key"]
        newest = max(ts(r[key]) for r in second.records(stream) if not r.get("_sdc_deleted_at"))
        assert ts(second.last_state["bookmarks"][stream]["replication_key_value"]) == newest, stream
