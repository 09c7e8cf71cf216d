"""A rerun after a failure resumes near where the failed run stopped, and a value of the wrong
type never fails a load."""

from __future__ import annotations

from suite_sandbox.closeio import make_simulator

from tests.closeio.helpers import ids, sync, ts


def _fail_after(simulator, path: str, answered: int) -> None:
    for _ in range(answered):
        simulator.inject("hook", path=path, hook=lambda: None)
    simulator.inject("status", status=503, path=path, times=1000, body={"error": "down"})


def test_a_full_table_stream_resumes_at_the_last_page_it_wrote(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"users": 2500})  # three pages of 1000
    url = serve(simulator).url
    _fail_after(simulator, r"/user/$", answered=2)
    failed = sync(url, tmp_path / "1", streams=["users"], max_retries=0)
    assert failed.returncode == 1
    assert ids(failed, "users") == simulator.ids(simulator.users)[:2000]
    assert failed.last_state["bookmarks"]["users"]["resume_page"]["token"] == 1000

    simulator.faults.clear()
    simulator.requests.clear()
    rerun = sync(url, tmp_path / "2", streams=["users"], state=failed.last_state)
    assert rerun.returncode == 0, rerun.stderr
    assert simulator.requests_to(r"/user/$")[0].param("_skip") == "1000"  # one page of overlap
    assert set(ids(failed, "users")) | set(ids(rerun, "users")) == set(simulator.ids(simulator.users))
    assert "resume_page" not in rerun.last_state["bookmarks"]["users"]


def test_tasks_resume_at_the_keyset_page_they_stopped_on(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"tasks": 2500})  # three pages of 1000
    url = serve(simulator).url
    _fail_after(simulator, r"/task/$", answered=2)
    failed = sync(url, tmp_path / "1", streams=["tasks"], max_retries=0)
    assert failed.returncode == 1
    token = failed.last_state["bookmarks"]["tasks"]["resume_page"]["token"]
    page_one_last = failed.records("tasks")[999]["date_created"]
    assert ts(token.rpartition("|")[0]) == ts(page_one_last)

    simulator.faults.clear()
    simulator.requests.clear()
    rerun = sync(url, tmp_path / "2", streams=["tasks"], state=failed.last_state)
    assert rerun.returncode == 0, rerun.stderr
    first = simulator.requests_to(r"/task/$")[0]
    assert ts(first.param("date_created__gte")) == ts(page_one_last)
    assert first.param("_type") == "all"
    assert set(ids(failed, "tasks")) | set(ids(rerun, "tasks")) == set(simulator.task_ids())
    assert len(ids(rerun, "tasks")) == 1500  # pages 2 and 3, not the first again


def test_a_sorted_stream_resumes_at_its_bookmark(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"opportunities": 700})  # pages of 250
    url = serve(simulator).url
    _fail_after(simulator, r"/v1/opportunity/$", answered=2)
    failed = sync(url, tmp_path / "1", streams=["opportunities"], max_retries=0)
    assert failed.returncode == 1
    mark = failed.last_state["bookmarks"]["opportunities"]["replication_key_value"]
    assert mark == failed.records("opportunities")[-1]["date_updated"]

    simulator.faults.clear()
    rerun = sync(url, tmp_path / "2", streams=["opportunities"], state=failed.last_state)
    assert rerun.returncode == 0, rerun.stderr
    assert ids(rerun, "opportunities")[0] == ids(failed, "opportunities")[-1]
    assert len(ids(rerun, "opportunities")) == 700 - 500 + 1


def test_a_custom_date_that_is_not_a_date_moves_to_sdc_extra_and_the_load_goes_on(serve, tmp_path):
    simulator = make_simulator(records=20)
    url = serve(simulator).url
    simulator.late_fields["leads"] = {"custom.cf_Renew02": "next week", "custom.cf_AnnRev01": "about 5k"}
    run = sync(url, tmp_path, streams=["leads"])
    assert run.returncode == 0, run.stderr
    for record in run.records("leads"):
        assert record["custom_renewal_date"] is None
        assert record["custom_annual_revenue"] is None
        assert record["_sdc_extra"]["custom_renewal_date"] == "next week"
        assert record["_sdc_extra"]["custom_annual_revenue"] == "about 5k"


def test_a_record_without_its_timestamp_is_emitted_and_does_not_move_the_bookmark(serve, tmp_path):
    simulator = make_simulator(records=20)
    url = serve(simulator).url
    simulator.late_fields["opportunities"] = {"date_updated": None}
    run = sync(url, tmp_path, streams=["opportunities"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "opportunities") == simulator.ids(simulator.opportunities)
    assert "replication_key_value" not in run.last_state["bookmarks"].get("opportunities", {})
    assert "Traceback" not in run.stderr
