"""tap-closeio against the Close simulator, over real HTTP, through the installed executable."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from suite_sandbox.closeio import API_KEY, make_simulator
from suite_sandbox.closeio import demo_config as sandbox_config
from tap_closeio.tap import TapCloseIO

from tests.conftest import run_tap, select_streams

TAP = "tap-closeio"


def config_for(url: str, **overrides: object) -> dict:
    return {
        **sandbox_config(url),
        "max_requests_per_minute": 100_000,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }


def ids(run, stream: str) -> list[str]:
    return [r["id"] for r in run.records(stream)]


def sync(url, tmp_path, streams=None, state=None, **overrides):
    config = config_for(url, **overrides)
    catalog = None
    if streams is not None:
        # Discovered in-process: conftest's `discover` cannot parse the indented catalog JSON.
        catalog = select_streams(TapCloseIO(config=config).catalog_dict, streams)
    return run_tap(TAP, config, tmp_path, state=state, catalog=catalog)


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def close(serve):
    simulator = make_simulator(records=60)
    return simulator, serve(simulator).url


def test_a_full_sync_returns_every_record_of_every_stream_once(close, tmp_path):
    simulator, url = close
    run = sync(url, tmp_path)
    assert run.returncode == 0, run.stderr

    assert ids(run, "leads") == simulator.ids(simulator.leads)
    assert ids(run, "activities") == simulator.ids(simulator.activities)
    assert ids(run, "tasks") == simulator.ids(simulator.tasks)
    assert ids(run, "opportunities") == simulator.ids(simulator.opportunities)
    assert ids(run, "contacts") == simulator.ids(simulator.contacts)
    assert ids(run, "users") == simulator.ids(simulator.users)
    assert ids(run, "custom_fields") == [f["id"] for f in simulator.custom_field_definitions("lead")]
    assert ids(run, "contact_custom_fields") == [
        f["id"] for f in simulator.custom_field_definitions("contact")
    ]
    assert len(ids(run, "pipelines")) == 2
    assert len(ids(run, "lead_statuses")) == 4
    # The event log only keeps 30 days: the 35-day-old events are not returned.
    assert sorted(ids(run, "event_log")) == sorted(simulator.retained_event_ids())
    assert len(ids(run, "event_log")) < simulator.events.n

    state = run.last_state["bookmarks"]
    assert state["leads"]["replication_key_value"] == run.records("leads")[-1]["date_updated"]
    assert state["activities"]["replication_key_value"] == run.records("activities")[-1]["date_created"]
    assert state["event_log"]["replication_key_value"] == max(
        r["date_updated"] for r in run.records("event_log")
    )


def test_lead_activities_are_read_per_lead_with_the_lead_id_context(close, tmp_path):
    simulator, url = close
    run = sync(url, tmp_path, streams=["leads", "lead_activities"])
    assert run.returncode == 0, run.stderr

    per_lead = simulator.requests_to(r"/activity/$")
    assert [r.param("lead_id") for r in per_lead] == ids(run, "leads")
    assert all(r.param("_order_by") == "date_created" for r in per_lead)
    by_lead: dict[str, list[str]] = {}
    for record in run.records("lead_activities"):
        by_lead.setdefault(record["lead_id"], []).append(record["id"])
    for n in range(simulator.leads.n):
        lead = f"lead_{n:010d}"
        assert sorted(by_lead.get(lead, [])) == sorted(simulator.activity_ids_for_lead(n)), lead
    # One stream-level bookmark, not one per lead.
    assert "partitions" not in run.last_state["bookmarks"]["lead_activities"]


def test_the_second_run_asks_only_for_changes_since_the_bookmark(close, tmp_path):
    simulator, url = close
    streams = ["leads", "lead_activities", "activities", "tasks", "opportunities"]
    first = sync(url, tmp_path / "1", streams=streams)
    assert first.returncode == 0, first.stderr
    bookmarks = first.last_state["bookmarks"]

    simulator.leads.touch([3, 17])
    simulator.tasks.touch([0, 5])
    simulator.opportunities.touch([2])
    new_activities = simulator.activities.append(4)
    simulator.requests.clear()

    second = sync(url, tmp_path / "2", streams=streams, state=first.last_state)
    assert second.returncode == 0, second.stderr

    # Leads: the query clause starts at the bookmark's minute; only rows changed since arrive
    # (plus the bookmark row itself: filters are inclusive so nothing at that instant is lost).
    lead_mark = bookmarks["leads"]["replication_key_value"]
    first_query = simulator.requests_to(r"/v1/lead/$")[0].param("query")
    assert first_query == f'date_updated>="{lead_mark[:16]}" sort:date_updated'
    last_lead = first.records("leads")[-1]["id"]
    assert ids(second, "leads") == [last_lead, "lead_0000000003", "lead_0000000017"]

    for stream, key, touched in (
        ("tasks", "date_updated", ["task_0000000000", "task_0000000005"]),
        ("opportunities", "date_updated", ["oppo_0000000002"]),
    ):
        mark = bookmarks[stream]["replication_key_value"]
        sent = simulator.requests_to(f"/{stream[:-1] if stream == 'tasks' else 'opportunity'}/$")[0]
        assert ts(sent.param(f"{key}__gte")) == ts(mark)
        assert sent.param("_order_by") == key
        assert ids(second, stream) == [first.records(stream)[-1]["id"], *touched]

    activity_mark = bookmarks["activities"]["replication_key_value"]
    org_wide = [r for r in simulator.requests_to(r"/activity/$") if r.param("lead_id") is None]
    assert ts(org_wide[0].param("date_created__gte")) == ts(activity_mark)
    assert ids(second, "activities") == [first.records("activities")[-1]["id"]] + [
        f"acti_{i:010d}" for i in new_activities
    ]
    # Child activities are read only for the leads that changed.
    per_lead = [r.param("lead_id") for r in simulator.requests_to(r"/activity/$") if r.param("lead_id")]
    assert per_lead == ids(second, "leads")


def test_custom_fields_are_named_and_typed_from_their_definitions(close, tmp_path):
    simulator, url = close
    run = sync(url, tmp_path, streams=["leads", "contacts"])
    assert run.returncode == 0, run.stderr

    lead_schema = run.schemas()["leads"]["schema"]["properties"]
    assert lead_schema["custom_annual_revenue"]["type"] == ["number", "null"]
    assert lead_schema["custom_renewal_date"]["format"] == "date"
    assert lead_schema["custom_last_demo_at"]["format"] == "date-time"
    assert lead_schema["custom_lead_source"]["type"] == ["string", "null"]
    assert lead_schema["custom_product_interest"]["type"] == ["array", "null"]
    assert lead_schema["custom_product_interest"]["items"]["type"] == ["string"]
    assert lead_schema["custom_notes_short"]["type"] == ["string", "null"]
    contact_schema = run.schemas()["contacts"]["schema"]["properties"]
    assert contact_schema["custom_engagement_score"]["type"] == ["number", "null"]
    assert contact_schema["custom_job_level"]["type"] == ["string", "null"]

    names = {
        "cf_AnnRev01": "custom_annual_revenue",
        "cf_Renew02": "custom_renewal_date",
        "cf_Demo03": "custom_last_demo_at",
        "cf_Source04": "custom_lead_source",
        "cf_Interest05": "custom_product_interest",
        "cf_Owner06": "custom_account_owner",
        "cf_Notes07": "custom_notes_short",
    }
    for n, record in enumerate(run.records("leads")):
        assert not [k for k in record if k.startswith("custom.")]
        raw = simulator.leads.row(n)
        expected = {names[k[len("custom.") :]]: v for k, v in raw.items() if k.startswith("custom.")}
        assert {k: v for k, v in record.items() if k.startswith("custom_")} == expected
    assert any(isinstance(r.get("custom_annual_revenue"), float) for r in run.records("leads"))
    assert all(not any(k.startswith("custom.") for k in r) for r in run.records("contacts"))
    assert any("custom_job_level" in r for r in run.records("contacts"))


def test_more_records_than_max_skip_arrive_exactly_once(serve, tmp_path):
    # The real cap is 250,000; the sandbox scales it down to 2,500 with the same 400 answer.
    simulator = make_simulator(records=20, counts={"activities": 6000, "leads": 6000}, max_skip=2500)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["activities", "leads"])
    assert run.returncode == 0, run.stderr

    assert ids(run, "activities") == simulator.ids(simulator.activities)
    assert len(set(ids(run, "activities"))) == 6000
    assert ids(run, "leads") == simulator.ids(simulator.leads)
    assert len(set(ids(run, "leads"))) == 6000
    # The cap was really hit, and the query restarted at the last timestamp received.
    activity_requests = simulator.requests_to(r"/activity/$")
    assert max(int(r.param("_skip")) for r in activity_requests) > 2500
    restarts = [r for r in activity_requests if r.param("_skip") == "0"]
    assert len(restarts) > len({r.param("date_created__lt") for r in activity_requests})
    lead_queries = {r.param("query") for r in simulator.requests_to(r"/v1/lead/$")}
    assert len(lead_queries) >= 3
    assert all(int(r.param("_limit")) == 200 for r in simulator.requests_to(r"/v1/lead/$"))


def test_a_429_waits_the_rate_reset_from_its_body_and_the_sync_completes(close, tmp_path):
    simulator, url = close
    simulator.throttle("/user/", rate_reset=1.2)
    run = sync(url, tmp_path, streams=["users"])
    assert run.returncode == 0, run.stderr
    assert ids(run, "users") == simulator.ids(simulator.users)
    waits = [float(w) for w in re.findall(r"users: retrying in ([0-9.]+) s", run.stderr)]
    # rate_reset (1.2 s, +10% jitter at most), not the header's rounded 2 s nor the 0.01 s backoff.
    assert len(waits) == 1
    assert 1.2 <= waits[0] <= 1.35
    assert len(simulator.requests_to(r"/user/$")) == 2


def test_the_per_endpoint_budget_answers_429_with_rate_reset(serve, tmp_path):
    simulator = make_simulator(records=10, rate_limit_per_minute=3)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["users"], max_retries=0)
    assert run.returncode == 0, run.stderr
    answered = simulator.requests_to(r"/user/$")
    assert len(answered) == 1
    # The budget is per endpoint group: /user/ gets spent, /pipeline/ is untouched.
    auth = (API_KEY, "")
    for _ in range(2):
        requests.get(f"{url}/api/v1/user/", auth=auth, timeout=5)
    spent = requests.get(f"{url}/api/v1/user/", auth=auth, timeout=5)
    assert spent.status_code == 429
    assert spent.json()["error"]["rate_reset"] > 0
    assert "remaining=0" in spent.headers["RateLimit"]
    fresh = requests.get(f"{url}/api/v1/pipeline/", auth=auth, timeout=5)
    assert fresh.status_code == 200
    assert re.fullmatch(r"limit=3, remaining=2, reset=\d+", fresh.headers["RateLimit"])


def test_the_event_log_reads_newest_first_by_cursor_within_retention(close, tmp_path):
    simulator, url = close
    state = {
        "bookmarks": {
            "event_log": {
                "replication_key": "date_updated",
                "replication_key_value": "2020-01-01T00:00:00+00:00",
            }
        }
    }
    run = sync(url, tmp_path, streams=["event_log"], state=state)
    assert run.returncode == 0, run.stderr
    calls = simulator.requests_to(r"/event/$")
    first, rest = calls[0], calls[1:]
    now = datetime.now(timezone.utc)
    # An old bookmark starts at the retention limit; the last 5 minutes are left for next time.
    assert abs(ts(first.param("date_updated__gte")) - (now - timedelta(days=30))) < timedelta(minutes=2)
    assert ts(first.param("date_updated__lt")) <= now - timedelta(minutes=5)
    assert first.param("_limit") == "50"
    assert rest, "expected more than one page"
    assert all(r.param("_cursor") and r.param("date_updated__gte") is None for r in rest)
    records = run.records("event_log")
    assert [r["date_updated"] for r in records] == sorted((r["date_updated"] for r in records), reverse=True)
    assert sorted(ids(run, "event_log")) == sorted(simulator.retained_event_ids())
    mark = run.last_state["bookmarks"]["event_log"]["replication_key_value"]
    assert mark == records[0]["date_updated"]
    assert ts(mark) <= now - timedelta(minutes=5)


def test_a_wrong_api_key_fails_with_one_clear_line_and_no_key_in_the_output(close, tmp_path):
    _, url = close
    wrong = "api_wrong_key_0123456789abcdef"
    run = run_tap(TAP, config_for(url, api_key=wrong), tmp_path)
    assert run.returncode != 0
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert "401" in line
    assert "api_key" in line
    assert "invalid" in line
    assert wrong not in run.output()
    assert API_KEY not in run.output()
    assert "Traceback" not in run.stderr
