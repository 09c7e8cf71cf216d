"""Paging that survives what real accounts do: edits and deletions between page requests,
the skip cap, deleted-document 404s, the search API's cursor expiry and walk limit."""

from __future__ import annotations

import requests
from suite_sandbox.closeio import API_KEY, make_simulator

from tests.closeio.helpers import ids, search_bodies, search_since, sync, ts

AUTH = (API_KEY, "")


def test_an_offset_page_shifts_when_a_record_is_edited_between_two_requests(serve):
    """What the simulator reproduces: `_skip` paging on date_updated loses a record."""
    simulator = make_simulator(records=20, counts={"opportunities": 600})
    url = serve(simulator).url
    simulator.edit_between_pages(r"/v1/opportunity/$", simulator.opportunities, [10])
    seen = []
    for skip in (0, 250, 500):
        params = {"_order_by": "date_updated", "_skip": skip, "_limit": 250}
        page = requests.get(f"{url}/api/v1/opportunity/", params=params, auth=AUTH, timeout=5).json()
        seen += [r["id"] for r in page["data"]]
    assert "oppo_0000000250" not in seen  # shifted onto page 1 after page 1 was read


def test_a_record_edited_between_page_requests_shifts_no_page_of_the_tap(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"opportunities": 600})
    url = serve(simulator).url
    simulator.edit_between_pages(r"/v1/opportunity/$", simulator.opportunities, [10, 11])
    run = sync(url, tmp_path, streams=["opportunities"])
    assert run.returncode == 0, run.stderr

    got = ids(run, "opportunities")
    assert set(got) == {f"oppo_{i:010d}" for i in range(600)}
    # The edited ones arrive again, in their new place (their newer date_updated), last.
    assert got[-2:] == ["oppo_0000000010", "oppo_0000000011"]
    pages = simulator.requests_to(r"/v1/opportunity/$")
    last_seen = [r["date_updated"] for r in run.records("opportunities")]
    # Each next page starts at the last value received (keyset), with a small skip.
    for page in pages[1:]:
        assert page.param("date_updated__gte") in last_seen
        assert int(page.param("_skip")) <= 2


def test_records_deleted_between_page_requests_shift_no_page(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"activities": 450, "tasks": 2500})
    url = serve(simulator).url
    # Deleted after the first page was answered: with `_skip` paging, page 2 would start two
    # records late (a pure offset reader loses activities 100-101 and tasks 1000-1001).
    for path, table, rows in (
        (r"/v1/activity/$", simulator.activities, [3, 4]),
        (r"/task/$", simulator.tasks, [6, 8]),
    ):
        simulator.inject("hook", path=path, times=1, hook=lambda: None)
        simulator.inject("hook", path=path, times=1, hook=lambda t=table, r=rows: simulator.delete(t, r))
    run = sync(url, tmp_path, streams=["activities", "tasks"], date_window_days=400)
    assert run.returncode == 0, run.stderr

    everything = {f"acti_{i:010d}" for i in range(450)}
    assert set(ids(run, "activities")) == everything  # 3 and 4 were read before they went
    assert len(simulator.requests_to(r"/v1/activity/$")) >= 5
    assert set(ids(run, "tasks")) == {f"task_{i:010d}" for i in range(2500)}
    assert simulator.deleted["activities"] == {3, 4} and simulator.deleted["tasks"] == {6, 8}


def test_more_records_than_max_skip_arrive_exactly_once_without_skipping_past_it(serve, tmp_path):
    # The real cap is 250,000; the sandbox scales it down to 2,500 with the same 400 answer.
    simulator = make_simulator(records=20, counts={"activities": 6000, "opportunities": 3000}, max_skip=2500)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["activities", "opportunities"], date_window_days=400)
    assert run.returncode == 0, run.stderr

    assert ids(run, "activities") == simulator.ids(simulator.activities)
    assert len(set(ids(run, "activities"))) == 6000
    assert ids(run, "opportunities") == simulator.ids(simulator.opportunities)
    for path in (r"/v1/activity/$", r"/v1/opportunity/$"):
        assert max(int(r.param("_skip")) for r in simulator.requests_to(path)) <= 1


def test_a_deleted_document_404_during_paging_is_retried_and_the_sync_completes(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"opportunities": 600})
    url = serve(simulator).url
    # Answered once, then the next page request meets the 404.
    simulator.inject(
        "hook",
        path=r"/v1/opportunity/$",
        times=1,
        hook=lambda: simulator.delete_document_during_paging(r"/v1/opportunity/$"),
    )
    run = sync(url, tmp_path, streams=["opportunities"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "opportunities") == simulator.ids(simulator.opportunities)
    assert "Document has been deleted" in run.stderr  # the retry's warning names it
    pages = [str(sorted(r.query.items())) for r in simulator.requests_to(r"/v1/opportunity/$")]
    assert len(pages) == len(set(pages)) + 1  # one page asked twice


def test_a_deleted_document_404_that_persists_fails_the_stream_with_one_line(serve, tmp_path):
    simulator = make_simulator(records=20)
    url = serve(simulator).url
    simulator.delete_document_during_paging(r"/v1/opportunity/$", times=100)
    run = sync(url, tmp_path, streams=["opportunities", "users"], max_retries=2)
    assert run.returncode == 1
    assert run.failed_streams == ["opportunities"]
    assert len(run.cause_lines) == 1
    assert "404" in run.cause_lines[0] and "Document has been deleted" in run.cause_lines[0]
    assert "Traceback" not in run.stderr
    assert ids(run, "users") == simulator.ids(simulator.users)


def test_leads_and_contacts_come_from_the_search_api_not_the_deprecated_lead_query(serve, tmp_path):
    simulator = make_simulator(records=450)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["leads", "contacts"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "leads") == simulator.ids(simulator.leads)
    assert ids(run, "contacts") == simulator.ids(simulator.contacts)
    assert simulator.requests_to(r"/v1/lead/$") == [] and simulator.requests_to(r"/v1/contact/$") == []
    bodies = search_bodies(simulator, "lead")
    assert len(bodies) == 3  # 450 leads, 200 a page
    assert all(b["_limit"] == 200 for b in bodies)
    assert all(b["sort"][0]["field"]["field_name"] == "date_updated" for b in bodies)
    assert [bool(b.get("cursor")) for b in bodies] == [False, True, True]
    # What a tap using the deprecated `query` would get: Close ignores it (unfiltered, unsorted).
    since = run.records("leads")[-10]["date_updated"]
    answer = requests.get(
        f"{url}/api/v1/lead/",
        params={"query": f'date_updated>="{since[:16]}" sort:date_updated'},
        auth=AUTH,
        timeout=5,
    ).json()
    got = [r["date_updated"] for r in answer["data"]]
    assert answer["has_more"] and got != sorted(got) and min(got) < since


def test_an_expired_search_cursor_restarts_the_walk_at_the_last_value_received(serve, tmp_path):
    # Every cursor is already expired when it comes back (Close: ~30 s; a slow target or a
    # long rate-limit wait between two pages is enough).
    simulator = make_simulator(records=20, counts={"leads": 900}, cursor_ttl=0)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["leads"])
    assert run.returncode == 0, run.stderr

    assert ids(run, "leads") == simulator.ids(simulator.leads)
    bodies = search_bodies(simulator, "lead")
    fresh = [b for b in bodies if not b.get("cursor")]
    assert len(fresh) == 5  # 900 leads, one page of 200 per walk
    starts = [search_since(b) for b in fresh[1:]]
    received = [r["date_updated"] for r in run.records("leads")]
    # Each walk after the first receives the boundary lead again (dropped by id): 199 new.
    assert [ts(received[199 + 199 * n]) for n in range(4)] == [ts(s) for s in starts]
    assert "cursor refused" in run.stderr


def test_a_search_walk_past_its_limit_continues_in_a_new_walk(serve, tmp_path):
    # Close caps one walk at 10,000 objects; the sandbox scales it to 450.
    simulator = make_simulator(records=20, counts={"contacts": 1300}, search_walk_limit=450)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["contacts"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "contacts") == simulator.ids(simulator.contacts)
    fresh = [b for b in search_bodies(simulator, "contact") if not b.get("cursor")]
    assert len(fresh) >= 3
    assert all(ts(search_since(b)) for b in fresh[1:])


def test_a_lead_edited_during_the_search_walk_is_not_lost(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"leads": 700})
    url = serve(simulator).url
    simulator.edit_between_pages(r"/data/search/$", simulator.leads, [5, 250])
    run = sync(url, tmp_path, streams=["leads"])
    assert run.returncode == 0, run.stderr
    got = ids(run, "leads")
    assert set(got) == {f"lead_{i:010d}" for i in range(700)}
    assert got[-2:] == ["lead_0000000005", "lead_0000000250"]


def test_a_search_walk_ends_before_close_s_10000_cap_and_the_next_one_goes_on(serve, tmp_path):
    simulator = make_simulator(records=20, counts={"contacts": 10_300})
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["contacts"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "contacts") == simulator.ids(simulator.contacts)
    bodies = search_bodies(simulator, "contact")
    fresh = [n for n, b in enumerate(bodies) if not b.get("cursor")]
    assert fresh == [0, 49]  # 49 pages of 200 = 9,800, then a new walk: no page past the cap
    assert ts(search_since(bodies[49])) == ts(run.records("contacts")[9799]["date_updated"])
    assert "cursor refused" not in run.stderr
