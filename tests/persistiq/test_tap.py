"""tap-persistiq against the PersistIQ simulator, over real HTTP, through the installed executable."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter, defaultdict

import pytest
from suite_sandbox.persistiq import API_KEY, demo_config, make_simulator
from tap_persistiq.tap import TapPersistIQ

from tests.conftest import run_tap, select_streams, tap_executable

TAP = "tap-persistiq"
START_DATE = "2023-01-01T00:00:00Z"


def fast(config: dict, **extra: object) -> dict:
    return {**config, "max_requests_per_minute": 100_000, "retry_backoff_seconds": 0.01, **extra}


@pytest.fixture
def persistiq(serve):
    """A simulator with 1,050 leads (11 pages) and no rate budget in the way."""
    simulator = make_simulator(records=1050, rate_limit_per_minute=None)
    server = serve(simulator)
    return simulator, fast(demo_config(server.url))


def leads_only(config: dict, tmp_path) -> dict:
    # Built in-process: conftest's `discover` cannot parse the pretty-printed catalog.
    return select_streams(TapPersistIQ(config=config).catalog_dict, ["leads"])


def test_a_full_sync_returns_what_the_api_holds(persistiq, tmp_path):
    simulator, config = persistiq
    run = run_tap(TAP, config, tmp_path)
    assert run.returncode == 0, run.stderr
    counts = Counter(m["stream"] for m in run.messages if m["type"] == "RECORD")
    assert counts == {
        "users": simulator.users.n,
        "leads": simulator.leads.n,
        "campaigns": simulator.campaigns.n,
        "campaign_leads": sum(len(v) for v in simulator.campaign_leads_by_campaign().values()),
        "lead_statuses": len(simulator.statuses),
        "lead_fields": len(simulator.fields),
        "events": simulator.events.n,
        "dnc_domains": simulator.dnc_domains.n,
    }
    assert [r["id"] for r in run.records("leads")] == simulator.lead_ids()
    first = run.records("leads")[0]
    assert {k: v for k, v in first.items() if k != "sync_bookmark"} == simulator.leads.row(0)
    # 2,100 events at a fixed 500 per page: five pages, each once.
    assert [r.param("page") for r in simulator.requests_to(r"^/v1/events$")] == ["1", "2", "3", "4", "5"]
    # Unpaged lists are asked once, without a page number.
    assert [r.query for r in simulator.requests_to(r"^/v1/lead_statuses$")] == [{}]


def test_campaign_leads_are_read_per_campaign(persistiq, tmp_path):
    simulator, config = persistiq
    run = run_tap(TAP, config, tmp_path)
    assert run.returncode == 0, run.stderr
    got: dict[str, list[str]] = defaultdict(list)
    for record in run.records("campaign_leads"):
        got[record["campaign_id"]].append(record["id"])
    assert dict(got) == simulator.campaign_leads_by_campaign()
    # 1,050 leads over 5 groups: 210 per campaign, so 3 pages for each campaign.
    for campaign_id in got:
        pages = [r.param("page") for r in simulator.requests_to(rf"^/v1/campaigns/{campaign_id}/leads$")]
        assert pages == ["1", "2", "3"]
    assert run.last_state["bookmarks"]["campaign_leads"] == {}


def test_paging_past_page_ten_reads_every_page_once_with_the_same_filter(persistiq, tmp_path):
    simulator, config = persistiq
    config = {**config, "start_date": START_DATE}
    run = run_tap(TAP, config, tmp_path, catalog=leads_only(config, tmp_path))
    assert run.returncode == 0, run.stderr
    ids = [r["id"] for r in run.records("leads")]
    assert ids == simulator.lead_ids() and len(set(ids)) == 1050
    requests = simulator.requests_to(r"^/v1/leads$")
    # The old peer bug took next_page[-1] as the page number: page 10 became page 0/1.
    assert [r.param("page") for r in requests] == [str(n) for n in range(1, 12)]
    # next_page (an absolute URL with only `page`) is not followed blindly: the filter stays.
    assert {r.param("updated_after") for r in requests} == {"2023-01-01T00:00:00+00:00"}


def test_the_second_run_asks_only_for_leads_updated_since_the_bookmark(persistiq, tmp_path):
    simulator, config = persistiq
    catalog = leads_only(config, tmp_path)
    # While run 1 reads page 2, lead 3 (already read on page 1) is edited in PersistIQ.
    simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: None)
    simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: simulator.update_leads([3]))
    before = time.time()
    first = run_tap(TAP, config, tmp_path / "one", catalog=catalog)
    assert first.returncode == 0, first.stderr
    assert len(first.records("leads")) == 1050
    bookmark = first.last_state["bookmarks"]["leads"]
    assert bookmark["replication_key"] == "sync_bookmark"
    # The sync's start minus the 5-minute safety margin, also stamped on every record.
    from datetime import datetime

    stamped = datetime.fromisoformat(bookmark["replication_key_value"]).timestamp()
    assert before - 300 - 2 <= stamped <= before - 300 + 5
    assert {r["sync_bookmark"] for r in first.records("leads")} == {bookmark["replication_key_value"]}
    old_version = next(r for r in first.records("leads") if r["id"] == "l_0000003")

    # Between the runs, two more leads change.
    simulator.update_leads([500, 1049])
    simulator.requests.clear()
    second = run_tap(TAP, config, tmp_path / "two", catalog=catalog, state=first.last_state)
    assert second.returncode == 0, second.stderr
    requests = simulator.requests_to(r"^/v1/leads$")
    assert [r.param("updated_after") for r in requests] == [bookmark["replication_key_value"]]
    leads = second.records("leads")
    # The lead edited during run 1 is not lost; nothing untouched is read again.
    assert sorted(r["id"] for r in leads) == ["l_0000003", "l_0000500", "l_0001049"]
    new_version = next(r for r in leads if r["id"] == "l_0000003")
    assert new_version["sent_count"] == old_version["sent_count"] + 1
    # Never backwards (the two runs may start within the same second, the bookmark's precision).
    assert (
        second.last_state["bookmarks"]["leads"]["replication_key_value"] >= bookmark["replication_key_value"]
    )


def test_start_date_is_the_first_updated_after_and_events_start_at(persistiq, tmp_path):
    simulator, config = persistiq
    run = run_tap(TAP, {**config, "start_date": "2024-01-03T00:00:00Z"}, tmp_path)
    assert run.returncode == 0, run.stderr
    since = simulator.leads.start.replace(day=3)
    assert [r["id"] for r in run.records("leads")] == simulator.lead_ids(since)
    assert 0 < len(run.records("leads")) < 1050
    assert simulator.requests_to(r"^/v1/events$")[0].param("start_at") == "2024-01-03T00:00:00Z"
    assert all(r["event_at"] >= "2024-01-03T00:00:00Z" for r in run.records("events"))


@pytest.mark.parametrize("reset_in", ["headers", "body"])
def test_429_waits_for_the_reset_and_the_sync_completes(persistiq, tmp_path, reset_in):
    simulator, config = persistiq
    reset = int(time.time()) + 2
    body = {
        "status": "error",
        "error": {
            "reason": "too_many_requests",
            "message": f"You performed more than 100 requests per minute. Limit will be reseted at {reset}.",
        },
    }
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    simulator.inject(
        "status", status=429, path=r"^/v1/leads$", body=body, headers=headers if reset_in == "headers" else {}
    )
    started = time.monotonic()
    run = run_tap(TAP, config, tmp_path, catalog=leads_only(config, tmp_path))
    assert run.returncode == 0, run.stderr
    assert len(run.records("leads")) == 1050
    assert time.monotonic() - started >= 1.0  # waited for the reset, not the 0.01 s backoff
    assert "too_many_requests" in run.stderr
    assert [r.param("page") for r in simulator.requests_to(r"^/v1/leads$")][:2] == ["1", "1"]


def test_5xx_is_retried_and_the_sync_completes(persistiq, tmp_path):
    simulator, config = persistiq
    error = {"status": "error", "error": {"reason": "api_error", "message": "Internal server error"}}
    simulator.inject("status", status=500, path=r"^/v1/campaigns/c_00001/leads$", body=error, times=2)
    simulator.inject("status", status=503, path=r"^/v1/users$", body=error)
    run = run_tap(TAP, config, tmp_path)
    assert run.returncode == 0, run.stderr
    assert len(run.records("campaign_leads")) == 840
    assert len({r["id"] for r in run.records("campaign_leads")}) == 840
    assert len(run.records("users")) == simulator.users.n
    assert "retrying" in run.stderr


def test_a_wrong_api_key_fails_with_one_clear_line_and_no_key_in_output(persistiq, tmp_path):
    simulator, config = persistiq
    wrong = "wrong-key-5b1d9e0c77"
    run = run_tap(TAP, {**config, "api_key": wrong}, tmp_path)
    assert run.returncode != 0
    assert len(run.error_lines) >= 1
    line = run.cause_lines[-1]
    assert "401" in line and "unauthorized" in line and "api_key" in line and "x-request-id" in line
    # The API echoes the key it was given; the tap must not repeat it.
    assert wrong not in run.output()
    assert API_KEY not in run.output()
    assert simulator.requests[0].headers["x-api-key"] == wrong


def test_the_simulator_enforces_the_documented_budget(serve):
    import requests

    simulator = make_simulator(records=10, rate_limit_per_minute=2)
    server = serve(simulator)
    url = f"{server.url}/v1/users"
    answers = [requests.get(url, headers={"x-api-key": API_KEY}, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "1"
    assert answers[2].json()["error"]["reason"] == "too_many_requests"
    assert int(answers[2].headers["X-RateLimit-Reset"]) > time.time()
    assert all(a.headers.get("x-request-id") for a in answers)
    denied = requests.get(url, headers={"x-api-key": "nope-nope"}, timeout=5)
    assert denied.status_code == 401
    assert denied.json() == {
        "status": "error",
        "error": {"reason": "unauthorized", "message": "Failed to find api key: nope-nope"},
    }
    assert (
        json.loads(requests.get(url, headers={"x-api-key": API_KEY}, timeout=5).text)["error"]["reason"]
        == "too_many_requests"
    )


def test_settings_are_documented_and_the_key_is_secret():
    about = subprocess.run(
        [tap_executable(TAP), "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    assert properties["api_key"]["secret"] is True
    assert properties["api_url"]["default"] == "https://api.persistiq.com/v1"
    assert properties["max_requests_per_minute"]["default"] == 100
    assert properties["user_agent"]["default"].startswith("tap-persistiq/")
    assert all(spec.get("description") for spec in properties.values())


def test_an_interrupted_leads_sync_keeps_the_previous_bookmark(persistiq, tmp_path):
    simulator, config = persistiq
    previous = "2023-06-01T00:00:00+00:00"
    state = {"bookmarks": {"leads": {"replication_key": "sync_bookmark", "replication_key_value": previous}}}
    for _ in range(3):  # pages 1-3 succeed, page 4 fails for good
        simulator.inject("hook", path=r"^/v1/leads$", hook=lambda: None)
    error = {"status": "error", "error": {"reason": "bad_params", "message": "updated_after is invalid"}}
    simulator.inject("status", status=400, path=r"^/v1/leads$", body=error)
    run = run_tap(TAP, config, tmp_path, catalog=leads_only(config, tmp_path), state=state)
    assert run.returncode != 0
    assert len(run.records("leads")) == 300
    assert "bad_params: updated_after is invalid" in run.cause_lines[-1]
    # The new bookmark is promoted only after the last page: a rerun starts where this one did.
    assert run.last_state["bookmarks"]["leads"]["replication_key_value"] == previous
