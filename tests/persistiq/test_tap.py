"""tap-persistiq against the PersistIQ simulator, over real HTTP, through the installed executable."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter, defaultdict

import pytest
from suite_sandbox.persistiq import API_KEY, demo_config, make_simulator

from tests.conftest import run_tap, tap_executable
from tests.persistiq.helpers import TAP, catalog, fast


@pytest.fixture
def persistiq(serve):
    """A simulator with 1,050 leads (11 pages) and no rate budget in the way."""
    simulator = make_simulator(records=1050, rate_limit_per_minute=None)
    server = serve(simulator)
    return simulator, fast(demo_config(server.url))


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
    served = simulator.leads.row(0)
    assert first["data"] == served["data"]
    assert {k: first[k] for k in ("id", "status", "owner_id", "sent_count", "last_sent_at")} == {
        k: served[k] for k in ("id", "status", "owner_id", "sent_count", "last_sent_at")
    }
    # 2,100 events at a fixed 500 per page: five pages, each once.
    assert [r.param("page") for r in simulator.requests_to(r"^/v1/events$")] == ["1", "2", "3", "4", "5"]
    # 11 pages of leads, one count of the leads changed meanwhile after page 10 and one
    # after the last page: 13 requests.
    assert len(simulator.requests_to(r"^/v1/leads$")) == 13


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
    headers = {"X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    simulator.inject(
        "status", status=429, path=r"^/v1/leads$", body=body, headers=headers if reset_in == "headers" else {}
    )
    started = time.monotonic()
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads"]))
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


def test_settings_are_documented_and_the_key_is_secret():
    about = subprocess.run(
        [tap_executable(TAP), "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    assert properties["api_key"]["secret"] is True
    assert properties["api_url"]["default"] == "https://api.persistiq.com/v1"
    assert properties["max_requests_per_minute"]["default"] == 100
    assert properties["follow_rate_limit_header"]["default"] is True
    assert properties["user_agent"]["default"].startswith("tap-persistiq/")
    assert all(spec.get("description") for spec in properties.values())
