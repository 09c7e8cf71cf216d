"""What Outreach's data really looks like: back-dated events, soft deletes, steps changing
without their sequence, opportunity stages, polymorphic relationships."""

from __future__ import annotations

from suite_sandbox.outreach import make_simulator

from tests.conftest import run_tap
from tests.outreach.helpers import TAP
from tests.outreach.helpers import ids as _ids


def test_an_event_logged_back_dated_after_a_run_is_synced_by_the_next_run(only, tmp_path):
    sim = make_simulator(records=20)
    cfg, catalog = only("events", sim, page_size=8)
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    events = first.records("events")
    assert any(e["eventAt"] < e["createdAt"] for e in events), (
        "eventAt is writable: some events are back-dated"
    )
    bookmark = first.last_state["bookmarks"]["events"]["replication_key_value"]
    assert bookmark == max(e["createdAt"] for e in events)

    # An integration logs an event that happened long before the last run.
    [late] = sim.create("events", eventAt="2023-06-01T00:00:00.000Z")
    asked = len(sim.api_requests("events"))
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr[-2000:]
    request = sim.api_requests("events")[asked]
    assert request.param("filter[createdAt]") == f"{bookmark}..inf"
    assert request.param("sort") == "createdAt"
    assert not [k for k in request.query if "eventAt" in k]
    assert late in _ids(second.records("events"))


def test_a_bookmark_on_event_at_from_an_older_version_is_not_reused_for_created_at(only, tmp_path):
    sim = make_simulator(records=6)
    cfg, catalog = only("events", sim)
    state = {
        "bookmarks": {
            "events": {"replication_key": "eventAt", "replication_key_value": "2030-01-01T00:00:00.000Z"}
        }
    }
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog, state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    # Back-dated events may lie behind an eventAt bookmark: read again from start_date.
    assert sim.api_requests("events")[0].param("filter[createdAt]") == "2024-01-01T00:00:00.000Z..inf"
    assert sorted(_ids(run.records("events"))) == sim.ids("events")


def test_soft_deleted_records_come_with_trashed_at(only, tmp_path):
    sim = make_simulator(records=30)
    cfg, catalog = only(["prospects", "opportunities"], sim)
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    prospects = first.records("prospects")
    trashed = [p for p in prospects if p["trashedAt"]]
    assert trashed and len(trashed) < len(prospects)
    assert all(p["trashedAt"] <= p["updatedAt"] for p in trashed)
    assert "trashedAt" in first.schemas()["opportunities"]["schema"]["properties"]

    alive = next(p["id"] for p in prospects if not p["trashedAt"])
    sim.trash("prospects", [alive])
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr[-2000:]
    [again] = [p for p in second.records("prospects") if p["id"] == alive]
    assert again["trashedAt"] == again["updatedAt"]


def test_sequence_steps_are_one_flat_incremental_query_that_keeps_each_steps_sequence(only, tmp_path):
    sim = make_simulator(records=60)
    cfg, catalog = only("sequence_steps", sim, page_size=4)
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr[-2000:]
    steps = first.records("sequence_steps")
    assert sorted(_ids(steps)) == sim.ids("sequenceSteps")
    for step in steps:
        served = sim.resource_object("sequenceSteps", step["id"])["relationships"]["sequence"]["data"]
        assert step["sequence_id"] == served["id"]
    assert not sim.api_requests("sequences"), "sequences are not read to find their steps"
    requests = sim.api_requests("sequenceSteps")
    assert len(requests) == len(steps) // 4 + 1
    assert not [k for r in requests for k in r.query if k.startswith("filter[sequence]")]

    changed = steps[3]["id"]  # its sequence stays as it was
    sim.touch("sequenceSteps", [changed])
    asked = len(sim.api_requests("sequenceSteps"))
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(sim.api_requests("sequenceSteps")) - asked == 1
    # The step at the bookmark (inclusive range) and the changed one.
    assert _ids(second.records("sequence_steps")) == [steps[-1]["id"], changed]


def test_opportunity_stage_ids_point_at_opportunity_stages(only, tmp_path):
    sim = make_simulator(records=40)
    cfg, catalog = only(["opportunities", "opportunity_stages", "stages"], sim)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    stage_ids = set(_ids(run.records("opportunity_stages")))
    linked = [o for o in run.records("opportunities") if o["stage_id"] is not None]
    assert linked
    for opportunity in linked:
        served = sim.resource_object("opportunities", opportunity["id"])["relationships"]["stage"]["data"]
        assert served["type"] == "opportunityStage"
        assert opportunity["stage_id"] in stage_ids


def test_polymorphic_relationships_keep_the_type_of_what_they_point_at(only, tmp_path):
    sim = make_simulator(records=40)
    cfg, catalog = only(["tasks", "favorites"], sim)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    kinds = set()
    for task in run.records("tasks"):
        served = sim.resource_object("tasks", task["id"])["relationships"]["subject"]["data"]
        assert (task["subject_id"], task["subject_type"]) == (
            (served["id"], served["type"]) if served else (None, None)
        )
        kinds.add(task["subject_type"])
    assert {"account", "opportunity", "prospect"} & kinds and len(kinds - {None}) >= 2
    assert all("target_type" in f for f in run.records("favorites"))
    assert all("owner_type" not in t for t in run.records("tasks")), "one target type: no _type column"


def test_a_per_sequence_state_from_an_older_version_reads_every_step_once(only, tmp_path):
    sim = make_simulator(records=40)
    cfg, catalog = only("sequence_steps", sim)
    old = {
        "context": {"sequence_id": 1},
        "replication_key": "updatedAt",
        "replication_key_value": "2030-01-01T00:00:00.000Z",
    }
    state = {"bookmarks": {"sequence_steps": {"partitions": [old]}}}
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog, state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.api_requests("sequenceSteps")[0].param("filter[updatedAt]") == "2024-01-01T00:00:00.000Z..inf"
    assert sorted(_ids(run.records("sequence_steps"))) == sim.ids("sequenceSteps")
