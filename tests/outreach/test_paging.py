"""Paging against the real Outreach API's habits: records out of order, epoch Retry-After,
gateway 502s on large pages, next-page links to other hosts, reruns after a failure."""

from __future__ import annotations

import time

from suite_sandbox import Simulator
from suite_sandbox.outreach import make_simulator

from tests.conftest import run_tap
from tests.outreach.helpers import TAP
from tests.outreach.helpers import ids as _ids


def _fail_after(sim, path: str, pages: int, *, status: int = 500) -> None:
    """Answer `pages` requests to `path` normally, then fail every one after them."""
    sim.inject("hook", hook=lambda: None, path=path, times=pages)
    sim.inject("status", path=path, status=status, body={"errors": [{"id": "internalError"}]}, times=10_000)


def _sizes(sim, collection: str) -> list[int]:
    return [int(r.param("page[size]")) for r in sim.api_requests(collection)]


def test_pages_out_of_order_lose_nothing_and_a_rerun_from_the_failed_run_state_loses_nothing(only, tmp_path):
    sim = make_simulator(records=60, disorder_every=2)
    cfg, catalog = only(["prospects", "calls"], sim, page_size=5, max_retries=1)
    _fail_after(sim, r"/prospects$", 6)  # the 7th page fails, right after a reversed one
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)

    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert "Unsorted data" not in first.stderr
    assert sim.disordered_pages >= 3
    got = first.records("prospects")
    stamps = [r["updatedAt"] for r in got]
    assert stamps != sorted(stamps), "the simulator served records out of order"
    assert len(got) == 30 and len(set(_ids(got))) == 30
    assert first.failed_streams == ["prospects"]
    assert sorted(_ids(first.records("calls"))) == sim.ids("calls"), "the stream after it still ran"
    bookmark = first.last_state["bookmarks"]["prospects"]["replication_key_value"]
    assert bookmark <= max(stamps)

    sim.faults.clear()
    asked = len(sim.api_requests("prospects"))
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sim.api_requests("prospects")[asked].param("filter[updatedAt]") == f"{bookmark}..inf"
    assert set(_ids(got)) | set(_ids(second.records("prospects"))) == set(sim.ids("prospects"))
    final = second.last_state["bookmarks"]["prospects"]["replication_key_value"]
    assert final == max(r["updatedAt"] for r in second.records("prospects")), "completed: the highest value"


def test_an_epoch_retry_after_is_waited_as_the_time_it_names(only, tmp_path):
    sim = make_simulator(records=10)
    cfg, catalog = only("calls", sim, page_size=5)
    refusal = sim.inject_rate_limit(5.0, path=r"/calls$")
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    assert _ids(run.records("calls")) == sim.ids("calls")
    refused, retried = sim.api_requests("calls")[:2]
    epoch = int(refusal.headers["Retry-After"])
    assert epoch > time.time() - 60, "Retry-After is an epoch timestamp"
    asked = epoch - refused.received_at
    waited = retried.received_at - refused.received_at
    assert asked >= 1.0
    assert asked - 0.5 <= waited < asked + 3, (asked, waited)  # not decades, not the cap
    assert "waiting the maximum" not in run.stderr
    assert "rateLimitExceeded" in run.stderr


def test_a_429_without_headers_waits_until_the_time_its_message_names(only, tmp_path):
    sim = make_simulator(records=10)
    cfg, catalog = only("calls", sim, page_size=5)
    body = sim.rate_limited_response(6.0).body  # "... please try again at <timestamp>."
    sim.inject("status", path=r"/calls$", status=429, body=body)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    refused, retried = sim.api_requests("calls")[:2]
    waited = retried.received_at - refused.received_at
    assert 0.5 <= waited < 12, waited  # not the 60 s kept for a 429 that names no time at all


def test_a_gateway_failing_on_large_pages_gets_smaller_pages_and_every_record_once(only, tmp_path):
    sim = make_simulator(records=60)
    cfg, catalog = only("prospects", sim, page_size=8)
    sim.fail_pages_above(3)  # always: the gateway cannot serve more than 3 records a page
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    assert _ids(run.records("prospects")) == sim.ids("prospects")
    sizes = _sizes(sim, "prospects")
    # After 10 pages at 2 it tries 4 again (one 502), then goes on at 2.
    assert sizes[:14] == [8, 4] + [2] * 10 + [4, 2]
    assert "failed (502) at page[size]=8; asking for 4 records a page" in run.stderr


def test_the_page_size_grows_back_once_the_gateway_recovers(only, tmp_path):
    sim = make_simulator(records=120)
    cfg, catalog = only("prospects", sim, page_size=8)
    sim.fail_pages_above(3, times=2)  # two bad gateway answers, then it recovers
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    assert _ids(run.records("prospects")) == sim.ids("prospects")
    sizes = _sizes(sim, "prospects")
    assert sizes[:12] == [8, 4] + [2] * 10
    assert sizes[12:22] == [4] * 10
    assert set(sizes[22:]) == {8}
    # Pages follow links.next: the cursor went on where the smaller page ended.
    assert all(r.param("page[after]") for r in sim.api_requests("prospects")[3:])


def test_a_page_that_times_out_is_asked_again_smaller(only, tmp_path):
    sim = make_simulator(records=12)
    cfg, catalog = only("calls", sim, page_size=8, request_timeout=1)
    sim.fail_pages_above(4, times=1, delay=1.6)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr[-2000:]
    assert _ids(run.records("calls")) == sim.ids("calls")
    assert _sizes(sim, "calls")[:2] == [8, 4]


def test_a_next_link_to_another_host_is_not_followed_with_the_token(serve, only, tmp_path):
    recorder = Simulator()  # another local server: it records whatever reaches it
    other = serve(recorder)
    elsewhere = f"http://localhost:{other.port}"
    sim = make_simulator(records=12, next_link_base=elsewhere)
    cfg, catalog = only(["prospects", "calls"], sim, page_size=5)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert recorder.requests == [], "nothing, and no bearer token, went to the other host"
    assert sorted(run.failed_streams) == ["calls", "prospects"]
    line = next(line for line in run.cause_lines if "prospects:" in line)
    assert f"prospects: the API pointed the next request at {elsewhere}" in line
    assert "credentials are only sent to the configured API" in line
    assert _ids(run.records("prospects")) == sim.ids("prospects")[:5], "the first page is delivered"


def test_a_full_table_stream_resumes_from_its_last_page_after_a_failure(only, tmp_path):
    sim = make_simulator(records=40)
    cfg, catalog = only("sequence_templates", sim, page_size=4, max_retries=1)
    total = sim.ids("sequenceTemplates")
    _fail_after(sim, r"/sequenceTemplates$", 3)
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert len(first.records("sequence_templates")) == 12
    resume = first.last_state["bookmarks"]["sequence_templates"]["resume_page"]
    assert "page%5Bafter%5D=" in resume["token"] or "page[after]=" in resume["token"]

    sim.faults.clear()
    asked = len(sim.api_requests("sequenceTemplates"))
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sim.api_requests("sequenceTemplates")[asked].param("page[after]"), "no restart from page 1"
    again = _ids(second.records("sequence_templates"))
    assert len(again) < len(total)
    assert set(_ids(first.records("sequence_templates"))) | set(again) == set(total)
    assert "resume_page" not in second.last_state["bookmarks"]["sequence_templates"]


def test_a_slow_api_is_not_hammered_while_pages_shrink(only, tmp_path):
    # The retries of a failing page are still bounded by max_retries.
    sim = make_simulator(records=20)
    cfg, catalog = only("calls", sim, page_size=8, max_retries=2)
    sim.fail_pages_above(0)  # every page fails, whatever its size
    started = time.monotonic()
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert _sizes(sim, "calls") == [8, 4, 2]
    assert "gave up after 2 retries" in run.cause_lines[0] and "502" in run.cause_lines[0]
    assert time.monotonic() - started < 60
