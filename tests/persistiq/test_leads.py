"""Leads: the bookmark without an update time, paging over a set that changes, reruns that resume."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from suite_sandbox.persistiq import LEAD_ORDERS, demo_config, make_simulator
from tap_common.checkpoint import RESUME_KEY

from tests.conftest import run_tap
from tests.persistiq.helpers import START_DATE, TAP, catalog, fast


@pytest.fixture
def persistiq(serve):
    """A simulator with 1,050 leads (11 pages) and no rate budget in the way."""
    simulator = make_simulator(records=1050, rate_limit_per_minute=None)
    server = serve(simulator)
    return simulator, fast(demo_config(server.url))


def edit_before_requests(simulator, count: int, rows, *, skip: int = 0) -> None:
    """Edit one lead of `rows` just before each of the next `count` leads requests (after `skip`)."""
    for _ in range(skip):
        simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: None)
    pending = iter(rows)
    for _ in range(count):
        simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: simulator.update_leads([next(pending)]))


def test_paging_past_page_ten_reads_every_page_once_with_the_same_filter(persistiq, tmp_path):
    simulator, config = persistiq
    config = {**config, "start_date": START_DATE}
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads"]))
    assert run.returncode == 0, run.stderr
    ids = [r["id"] for r in run.records("leads")]
    assert ids == simulator.lead_ids() and len(set(ids)) == 1050
    requests = simulator.requests_to(r"^/v1/leads$")
    pages = [r.param("page") for r in requests if r.param("updated_after") == "2023-01-01T00:00:00+00:00"]
    # The old peer bug took next_page[-1] as the page number: page 10 became page 0/1.
    assert pages == [str(n) for n in range(1, 12)]
    # next_page (an absolute URL with only `page`) is not followed blindly: the filter stays,
    # and the two counts of changed leads (after page 10, after page 11) ask for recent ones.
    counts = [r for r in requests if r.param("updated_after") != "2023-01-01T00:00:00+00:00"]
    assert len(counts) == 2 and [r.param("page") for r in counts] == ["1", "1"]
    for request in counts:
        asked = datetime.fromisoformat(request.param("updated_after")).timestamp()
        assert request.received_at - 5 <= asked <= request.received_at


def test_a_sync_that_fits_one_page_costs_one_request(serve, tmp_path):
    simulator = make_simulator(records=80, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url))
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads"]))
    assert run.returncode == 0, run.stderr
    assert len(run.records("leads")) == 80
    assert len(simulator.requests_to(r"^/v1/leads$")) == 1


def test_the_second_run_asks_only_for_leads_updated_since_the_bookmark(persistiq, tmp_path):
    simulator, config = persistiq
    leads_only = catalog(config, ["leads"])
    # While run 1 reads page 2, lead 3 (already read on page 1) is edited in PersistIQ.
    edit_before_requests(simulator, 1, [3], skip=1)
    before = time.time()
    first = run_tap(TAP, config, tmp_path / "one", catalog=leads_only)
    assert first.returncode == 0, first.stderr
    assert {r["id"] for r in first.records("leads")} == set(simulator.lead_ids())
    bookmark = first.last_state["bookmarks"]["leads"]
    assert bookmark["replication_key"] == "sync_bookmark"
    assert RESUME_KEY not in bookmark
    # The sync's start minus the 5-minute safety margin, also stamped on every record.
    stamped = datetime.fromisoformat(bookmark["replication_key_value"]).timestamp()
    assert before - 300 - 2 <= stamped <= before - 300 + 5
    assert {r["sync_bookmark"] for r in first.records("leads")} == {bookmark["replication_key_value"]}
    versions = [r for r in first.records("leads") if r["id"] == "l_0000003"]

    # Between the runs, two more leads change.
    simulator.update_leads([500, 1049])
    simulator.requests.clear()
    second = run_tap(TAP, config, tmp_path / "two", catalog=leads_only, state=first.last_state)
    assert second.returncode == 0, second.stderr
    requests = simulator.requests_to(r"^/v1/leads$")
    assert [r.param("updated_after") for r in requests] == [bookmark["replication_key_value"]]
    leads = second.records("leads")
    # The lead edited during run 1 is not lost; nothing untouched is read again.
    assert sorted(r["id"] for r in leads) == ["l_0000003", "l_0000500", "l_0001049"]
    new_version = next(r for r in leads if r["id"] == "l_0000003")
    assert new_version["sent_count"] == versions[0]["sent_count"] + 1
    # Never backwards (the two runs may start within the same second, the bookmark's precision).
    assert (
        second.last_state["bookmarks"]["leads"]["replication_key_value"] >= bookmark["replication_key_value"]
    )


def test_start_date_is_the_first_updated_after(persistiq, tmp_path):
    simulator, config = persistiq
    config = {**config, "start_date": "2024-01-03T00:00:00Z"}
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads"]))
    assert run.returncode == 0, run.stderr
    since = simulator.leads.start.replace(day=3)
    assert [r["id"] for r in run.records("leads")] == simulator.lead_ids(since)
    assert 0 < len(run.records("leads")) < 1050
    assert simulator.requests_to(r"^/v1/leads$")[0].param("updated_after") == "2024-01-03T00:00:00+00:00"


@pytest.mark.parametrize("order", LEAD_ORDERS)
def test_leads_edited_between_page_requests_lose_no_other_lead(order, serve, tmp_path):
    # "updated" (the simulator's default): an edited lead moves to the end, every later one a
    # place back, so without the counts each edit below skips the first lead of the next page.
    simulator = make_simulator(records=1050, lead_order=order, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url))
    leads_only = catalog(config, ["leads"])
    edited = [1, 2, 3, 4, 5, 6, 7, 8, 9]  # all on page 1, edited before pages 2 to 10
    edit_before_requests(simulator, len(edited), edited, skip=1)
    run = run_tap(TAP, config, tmp_path / "one", catalog=leads_only)
    assert run.returncode == 0, run.stderr
    ids = {r["id"] for r in run.records("leads")}
    assert ids == set(simulator.lead_ids()), sorted(set(simulator.lead_ids()) - ids)
    # Each edited lead arrives in its edited version too (read again in this run).
    for row in edited:
        versions = [r["sent_count"] for r in run.records("leads") if r["id"] == simulator.lead_id(row)]
        assert simulator.leads.row(row)["sent_count"] in versions
    assert RESUME_KEY not in run.last_state["bookmarks"]["leads"]


def test_leads_that_keep_changing_cannot_stall_the_read(serve, tmp_path):
    simulator = make_simulator(records=1050, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url))
    leads_only = catalog(config, ["leads"])
    # An edit before every request of the run, all over the table.
    edit_before_requests(simulator, 10_000, ((k * 37) % 1050 for k in range(10_000)))
    run = run_tap(TAP, config, tmp_path / "one", catalog=leads_only, timeout=120)
    assert run.returncode == 0, run.stderr
    ids = {r["id"] for r in run.records("leads")}
    changed = {simulator.lead_id(i) for i in simulator.leads._touched}
    # Every lead not edited meanwhile arrives; an edited one in this run or the next (the
    # bookmark is this run's start).
    assert set(simulator.lead_ids()) - changed <= ids
    requests = len(simulator.requests_to(r"^/v1/leads$"))
    assert requests <= 3 * 11 + 5, requests
    second = run_tap(TAP, config, tmp_path / "two", catalog=leads_only, state=run.last_state)
    assert ids | {r["id"] for r in second.records("leads")} == set(simulator.lead_ids())


def test_reruns_after_failures_resume_where_the_last_one_stopped(serve, tmp_path):
    # Every 7th leads request fails, and no request is retried: each run gets six answers.
    simulator = make_simulator(
        records=3000, rate_limit_per_minute=None, fault_rate=1 / 7, fault_path=r"^/v1/leads$"
    )
    config = fast(demo_config(serve(simulator).url), max_retries=0)
    leads_only = catalog(config, ["leads"])
    delivered: set[str] = set()
    stamps: set[str] = set()
    state = None
    for attempt in range(15):
        run = run_tap(TAP, config, tmp_path / str(attempt), catalog=leads_only, state=state)
        ids = {r["id"] for r in run.records("leads")}
        assert ids - delivered, f"run {attempt} delivered nothing new"
        delivered |= ids
        stamps |= {r["sync_bookmark"] for r in run.records("leads")}
        if run.returncode == 0:
            break
        assert run.failed_streams == ["leads"]
        state = run.last_state
        assert state["bookmarks"]["leads"][RESUME_KEY]["token"] > 1
    else:
        pytest.fail("15 reruns did not complete the leads")
    assert delivered == set(simulator.lead_ids())
    assert attempt <= 8, attempt
    # One read, resumed: page 1 of the query asked once, one bookmark (the first run's start).
    main = [
        r
        for r in simulator.requests_to(r"^/v1/leads$")
        if r.param("updated_after") == "2023-01-01T00:00:00+00:00"
    ]
    assert [r.param("page") for r in main].count("1") == 1
    assert len(stamps) == 1
    assert run.last_state["bookmarks"]["leads"]["replication_key_value"] == stamps.pop()
    assert RESUME_KEY not in run.last_state["bookmarks"]["leads"]


def test_a_rerun_goes_back_as_far_as_leads_moved_while_it_waited(serve, tmp_path):
    simulator = make_simulator(records=3000, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url), max_retries=0)
    leads_only = catalog(config, ["leads"])
    # Pages 1-10, a count (nothing changed), pages 11-15; page 16 fails.
    for _ in range(16):
        simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: None)
    error = {"status": "error", "error": {"reason": "api_error", "message": "Internal server error"}}
    simulator.inject("status", status=500, path=r"^/v1/leads$", body=error)
    first = run_tap(TAP, config, tmp_path / "one", catalog=leads_only)
    assert first.returncode == 1 and first.failed_streams == ["leads"]
    assert len({r["id"] for r in first.records("leads")}) == 1500
    saved = first.last_state["bookmarks"]["leads"][RESUME_KEY]
    assert (saved["token"], saved["known"]) == (16, 11)
    # Before the rerun, 150 leads already read are edited: each moves to the end, and every
    # later lead a place back (150 places: a plain resume at page 16 would skip 150 leads).
    simulator.update_leads(range(150))
    simulator.requests.clear()
    second = run_tap(TAP, config, tmp_path / "two", catalog=leads_only, state=first.last_state)
    assert second.returncode == 0, second.stderr
    got = {r["id"] for r in first.records("leads")} | {r["id"] for r in second.records("leads")}
    assert got == set(simulator.lead_ids())
    requests = simulator.requests_to(r"^/v1/leads$")
    # First the leads changed since the last count (two pages of 150), then back from page 11
    # by 150 places: page 9, read carefully (each page, then the one before it again).
    assert [(r.param("updated_after"), r.param("page")) for r in requests[:2]] == [
        (saved["changed_since"], "1"),
        (saved["changed_since"], "2"),
    ]
    assert [r.param("page") for r in requests[2:8]] == ["9", "8", "10", "9", "11", "10"]


def test_an_interrupted_leads_sync_keeps_the_previous_bookmark(persistiq, tmp_path):
    simulator, config = persistiq
    previous = "2023-06-01T00:00:00+00:00"
    state = {"bookmarks": {"leads": {"replication_key": "sync_bookmark", "replication_key_value": previous}}}
    for _ in range(3):  # pages 1-3 succeed, page 4 fails for good
        simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: None)
    error = {"status": "error", "error": {"reason": "bad_params", "message": "updated_after is invalid"}}
    simulator.inject("status", status=400, path=r"^/v1/leads$", body=error)
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads"]), state=state)
    assert run.returncode != 0
    assert len(run.records("leads")) == 300
    assert "bad_params: updated_after is invalid" in run.cause_lines[-1]
    # The new bookmark is promoted only after the last page: a rerun starts where this one did,
    # at the page it reached.
    leads_state = run.last_state["bookmarks"]["leads"]
    assert leads_state["replication_key_value"] == previous
    assert leads_state[RESUME_KEY]["token"] == 4
