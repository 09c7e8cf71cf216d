"""tap-closeio against the Close simulator: what a full and an incremental sync return."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from suite_sandbox.closeio import API_KEY, make_simulator
from suite_sandbox.closeio.records import TASK_TYPES

from tests.closeio.helpers import ids, search_bodies, search_since, sync, ts


@pytest.fixture
def close(serve):
    simulator = make_simulator(records=60)
    return simulator, serve(simulator).url


def test_a_full_sync_returns_every_record_of_every_stream_once(close, tmp_path):
    simulator, url = close
    run = sync(url, tmp_path)
    assert run.returncode == 0, run.stderr

    assert ids(run, "leads") == simulator.ids(simulator.leads)
    assert ids(run, "contacts") == simulator.ids(simulator.contacts)
    assert ids(run, "activities") == simulator.ids(simulator.activities)
    assert ids(run, "tasks") == simulator.task_ids()
    assert ids(run, "opportunities") == simulator.ids(simulator.opportunities)
    assert ids(run, "users") == simulator.ids(simulator.users)
    for stream, kind in (
        ("custom_fields", "lead"),
        ("contact_custom_fields", "contact"),
        ("opportunity_custom_fields", "opportunity"),
        ("activity_custom_fields", "activity"),
        ("shared_custom_fields", "shared"),
    ):
        assert ids(run, stream) == [f["id"] for f in simulator.custom_field_definitions(kind)], stream
    assert ids(run, "custom_activity_types") == ["actitype_Demo01", "actitype_Onb02"]
    assert ids(run, "custom_objects") == simulator.ids(simulator.custom_objects)
    assert len(ids(run, "pipelines")) == 2
    assert len(ids(run, "lead_statuses")) == 4
    assert len(ids(run, "opportunity_statuses")) == 3
    assert len(ids(run, "sequence_subscriptions")) == 12  # 4 for each of the 3 sequences
    # Every Smart View type, not only Close's default (lead).
    assert {r["type"] for r in run.records("smart_views")} == {
        "lead", "contact", "opportunity", "call", "email", "sms", "meeting", "note",
    }  # fmt: skip
    # The event log only keeps 30 days: the 35-day-old events are not returned.
    assert sorted(ids(run, "event_log")) == sorted(simulator.retained_event_ids())
    assert len(ids(run, "event_log")) < simulator.events.n

    state = run.last_state["bookmarks"]
    assert state["leads"]["replication_key_value"] == run.records("leads")[-1]["date_updated"]
    assert state["activities"]["replication_key_value"] == run.records("activities")[-1]["date_created"]
    assert state["tasks"]["replication_key_value"] == max(r["date_updated"] for r in run.records("tasks"))


def test_tasks_of_every_type_arrive_in_a_documented_order(close, tmp_path):
    simulator, url = close
    run = sync(url, tmp_path, streams=["tasks"])
    assert run.returncode == 0, run.stderr

    assert {r["_type"] for r in run.records("tasks")} == set(TASK_TYPES)
    sent = simulator.requests_to(r"/task/$")
    assert all(r.param("_type") == "all" for r in sent)
    assert all(r.param("_order_by") == "date_created" for r in sent)
    # Close's default without `_type`: lead tasks only (what the tap used to get).
    auth = (API_KEY, "")
    default = requests.get(f"{url}/api/v1/task/", auth=auth, timeout=5).json()["data"]
    assert {t["_type"] for t in default} == {"lead"}
    assert len(default) < len(run.records("tasks")) * 0.6
    # Tasks' `date` is a date or a date-time, as Close sends it; both load as strings.
    dates = [r["date"] for r in run.records("tasks")]
    assert any(len(d) == 10 for d in dates) and any("T" in d for d in dates)
    assert run.schemas()["tasks"]["schema"]["properties"]["date"]["type"] == ["string", "null"]


def test_the_second_run_asks_only_for_changes_since_the_bookmark(close, tmp_path):
    simulator, url = close
    streams = ["leads", "contacts", "lead_activities", "activities", "tasks", "opportunities"]
    first = sync(url, tmp_path / "1", streams=streams)
    assert first.returncode == 0, first.stderr
    bookmarks = first.last_state["bookmarks"]

    simulator.leads.touch([3, 17])
    simulator.contacts.touch([4])
    simulator.tasks.touch([0, 5])
    simulator.opportunities.touch([2])
    new_activities = simulator.activities.append(4)
    simulator.requests.clear()

    second = sync(url, tmp_path / "2", streams=streams, state=first.last_state)
    assert second.returncode == 0, second.stderr

    # Leads and contacts: the search starts at the bookmark (inclusive: the bookmark row comes
    # again, nothing at that instant is lost), then the changed ones.
    for stream, kind, touched in (("leads", "lead", [3, 17]), ("contacts", "contact", [4])):
        mark = bookmarks[stream]["replication_key_value"]
        assert ts(search_since(search_bodies(simulator, kind)[0])) == ts(mark)
        prefix = "lead" if kind == "lead" else "cont"
        expected = [first.records(stream)[-1]["id"], *(f"{prefix}_{i:010d}" for i in touched)]
        assert ids(second, stream) == expected

    mark = bookmarks["opportunities"]["replication_key_value"]
    sent = simulator.requests_to(r"/v1/opportunity/$")[0]
    assert ts(sent.param("date_updated__gte")) == ts(mark)
    assert sent.param("_order_by") == "date_updated"
    assert ids(second, "opportunities") == [first.records("opportunities")[-1]["id"], "oppo_0000000002"]

    # Tasks: changed since the bookmark, in date_created order.
    sent = simulator.requests_to(r"/task/$")[0]
    assert ts(sent.param("date_updated__gte")) == ts(bookmarks["tasks"]["replication_key_value"])
    last_task = max(first.records("tasks"), key=lambda r: r["date_updated"])["id"]
    assert ids(second, "tasks") == sorted(["task_0000000000", "task_0000000005", last_task])

    activity_mark = bookmarks["activities"]["replication_key_value"]
    org_wide = [r for r in simulator.requests_to(r"/v1/activity/$") if r.param("lead_id") is None]
    assert ts(org_wide[0].param("date_created__gte")) == ts(activity_mark)
    assert ids(second, "activities") == [first.records("activities")[-1]["id"]] + [
        f"acti_{i:010d}" for i in new_activities
    ]
    # Child activities are read only for the leads that changed.
    per_lead = [r.param("lead_id") for r in simulator.requests_to(r"/v1/activity/$") if r.param("lead_id")]
    assert per_lead == [",".join(ids(second, "leads"))]


def test_lead_activities_cost_one_request_per_25_leads(serve, tmp_path):
    simulator = make_simulator(records=60, counts={"leads": 130, "activities": 400})
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["leads", "lead_activities"])
    assert run.returncode == 0, run.stderr

    per_batch = simulator.requests_to(r"/v1/activity/$")
    batches = [r.param("lead_id").split(",") for r in per_batch]
    assert [len(b) for b in batches] == [25, 25, 25, 25, 25, 5]  # 130 leads: 6 requests, not 130
    assert [lead for batch in batches for lead in batch] == ids(run, "leads")
    assert all(r.param("_order_by") == "date_created" for r in per_batch)
    by_lead: dict[str, list[str]] = {}
    for record in run.records("lead_activities"):
        by_lead.setdefault(record["lead_id"], []).append(record["id"])
    for n in range(simulator.leads.n):
        lead = f"lead_{n:010d}"
        assert sorted(by_lead.get(lead, [])) == sorted(simulator.activity_ids_for_lead(n)), lead
    # One stream-level bookmark, not one per lead.
    assert "partitions" not in run.last_state["bookmarks"]["lead_activities"]


def test_no_state_passes_a_lead_whose_activities_were_not_read(serve, tmp_path):
    simulator = make_simulator(records=60, counts={"leads": 60, "activities": 200})
    url = serve(simulator).url
    # The leads' activities cannot be read: the run stops inside the leads stream.
    simulator.inject("status", status=500, path=r"/v1/activity/$", times=1000)
    run = sync(url, tmp_path, streams=["leads", "lead_activities"], max_retries=0)
    assert run.returncode != 0
    assert run.failed_streams == ["leads"]
    mark = run.last_state["bookmarks"].get("leads", {}).get("replication_key_value")
    assert mark is None or ts(mark) < ts(run.records("leads")[0]["date_updated"])


def test_lookback_minutes_re_reads_activities_created_before_the_bookmark(close, tmp_path):
    simulator, url = close
    first = sync(url, tmp_path / "1", streams=["activities"])
    assert first.returncode == 0, first.stderr
    simulator.requests.clear()
    second = sync(url, tmp_path / "2", streams=["activities"], state=first.last_state, lookback_minutes=60)
    assert second.returncode == 0, second.stderr
    mark = ts(first.last_state["bookmarks"]["activities"]["replication_key_value"])
    sent = simulator.requests_to(r"/v1/activity/$")[0]
    assert ts(sent.param("date_created__gte")) == mark - timedelta(minutes=60)
    # The last hour's activities (7 minutes apart) arrive again, by design.
    again = [r for r in second.records("activities") if ts(r["date_created"]) >= mark - timedelta(minutes=60)]
    assert len(again) == len(ids(second, "activities")) == 9
