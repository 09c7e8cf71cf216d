"""Events (incremental), the paged company lists, and one failing endpoint among many."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from suite_sandbox.persistiq import demo_config, make_simulator

from tests.conftest import run_tap
from tests.persistiq.helpers import TAP, catalog, fast


def test_events_start_at_start_date_then_at_their_bookmark(serve, tmp_path):
    simulator = make_simulator(records=500, events=1200, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url), start_date="2024-01-02T00:00:00Z")
    events_only = catalog(config, ["events"])
    first = run_tap(TAP, config, tmp_path / "one", catalog=events_only)
    assert first.returncode == 0, first.stderr
    since = simulator.events.start + timedelta(days=1)
    expected = [f"evt_{i:07d}" for i in simulator.events.select(since).indices()]
    assert [r["id"] for r in first.records("events")] == expected
    assert simulator.requests_to(r"^/v1/events$")[0].param("start_at") == "2024-01-02T00:00:00+00:00"
    bookmark = first.last_state["bookmarks"]["events"]
    newest = max(r["created_at"] for r in first.records("events"))
    assert bookmark == {"replication_key": "created_at", "replication_key_value": newest}

    # 40 new events; the second run asks from the bookmark (minus the 5-minute look-back).
    simulator.events.append(40)
    simulator.requests.clear()
    second = run_tap(TAP, config, tmp_path / "two", catalog=events_only, state=first.last_state)
    assert second.returncode == 0, second.stderr
    asked = simulator.requests_to(r"^/v1/events$")
    start_at = datetime.fromisoformat(asked[0].param("start_at"))
    assert start_at == datetime.fromisoformat(newest.replace("Z", "+00:00")) - timedelta(minutes=5)
    ids = [r["id"] for r in second.records("events")]
    # Only the look-back's 2 events (one every 3 minutes) come again, then the 40 new ones.
    assert ids[-40:] == [f"evt_{i:07d}" for i in range(1200, 1240)]
    assert len(ids) == 40 + 2 and len(asked) == 1
    assert second.last_state["bookmarks"]["events"]["replication_key_value"] > newest


@pytest.mark.parametrize(
    ("stream", "option", "count"),
    [("lead_statuses", "lead_statuses", 150), ("lead_fields", "custom_fields", 120)],
)
def test_lead_statuses_and_lead_fields_are_paged(stream, option, count, serve, tmp_path):
    simulator = make_simulator(records=10, rate_limit_per_minute=None, **{option: count})
    config = fast(demo_config(serve(simulator).url))
    selected = catalog(config, [stream])
    simulator.requests.clear()
    run = run_tap(TAP, config, tmp_path, catalog=selected)
    assert run.returncode == 0, run.stderr
    listed = simulator.statuses if stream == "lead_statuses" else simulator.fields
    assert [r["id"] for r in run.records(stream)] == [r["id"] for r in listed]
    assert len(listed) > 100
    assert [r.param("page") for r in simulator.requests_to(rf"^/v1/{stream}$")] == ["1", "2"]


@pytest.mark.parametrize("broken", ["users", "lead_fields", "leads"])
def test_an_endpoint_that_always_fails_stops_only_its_stream(broken, serve, tmp_path):
    simulator = make_simulator(records=250, campaigns=2, events=100, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url), max_retries=1)
    error = {"status": "error", "error": {"reason": "api_error", "message": "Internal server error"}}
    simulator.inject("status", status=500, path=rf"^/v1/{broken}$", body=error, times=10**6)
    run = run_tap(TAP, config, tmp_path)
    assert run.returncode == 1
    assert run.failed_streams == [broken]
    assert len(run.cause_lines) == 1
    assert run.cause_lines[0].split("|")[-1].strip().startswith(f"{broken}: gave up after 1 retries")
    assert f"GET /v1/{broken} returned 500" in run.cause_lines[0]
    assert "Traceback" not in run.stderr
    counts = Counter(m["stream"] for m in run.messages if m["type"] == "RECORD")
    expected = {
        "users": simulator.users.n,
        "leads": simulator.leads.n,
        "campaigns": simulator.campaigns.n,
        "campaign_leads": sum(len(v) for v in simulator.campaign_leads_by_campaign().values()),
        "lead_statuses": len(simulator.statuses),
        "lead_fields": len(simulator.fields),
        "events": simulator.events.n,
        "dnc_domains": simulator.dnc_domains.n,
    }
    del expected[broken]
    assert counts == expected
    if broken == "lead_fields":
        # Discovery could not read the custom fields: they arrive in _sdc_extra, nothing is lost.
        assert "could not read the company's lead fields" in run.stderr
        assert all("data.deal_size" in r["_sdc_extra"] for r in run.records("leads"))
