"""The benchmark's request attribution and minimum: pure functions, checked on hand-made requests."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from endpoints import SETUP, UNATTRIBUTED, attribute, minimum
from suite_sandbox.server import Request
from sync import StreamRow, bound


def request(method: str, path: str, query: dict | None = None, body: bytes = b"") -> Request:
    return Request(method, path, {k: [v] for k, v in (query or {}).items()}, {}, body)


def test_streams_sharing_a_path_are_told_apart_by_query_or_body() -> None:
    by_lead = request("GET", "/api/v1/activity/", {"lead_id": "lead_1,lead_2", "_skip": "0"})
    org_wide = request("GET", "/api/v1/activity/", {"date_created__gte": "2024-01-01", "_skip": "0"})
    contacts = request(
        "POST",
        "/api/v1/data/search/",
        body=b'{"query": {"type": "and", "queries": [{"type": "object_type", "object_type": "contact"}]}}',
    )
    assert attribute("closeio", by_lead)[0] == "lead_activities"
    assert attribute("closeio", org_wide)[0] == "activities"
    assert attribute("closeio", contacts)[0] == "contacts"
    assert attribute("outreach", request("GET", "/api/v2/sequenceSteps"))[0] == "sequence_steps"
    assert attribute("outreach", request("POST", "/oauth/token"))[0] == SETUP
    assert attribute("persistiq", request("GET", "/v1/campaigns/c_00001/leads"))[0] == "campaign_leads"
    assert attribute("persistiq", request("GET", "/v1/nothing_like_it"))[0] == UNATTRIBUTED


def test_five9_report_calls_belong_to_the_report_they_ran() -> None:
    class Simulator:
        report_runs = [{"id": "00000001-sandbox-report", "report": "Agent Login-Logout"}]

    run = request(
        "POST", "/wsadmin/v13/AdminWebService", body=b"<ser:runReport><reportName>Call Log</reportName>"
    )
    poll = request(
        "POST",
        "/wsadmin/v13/AdminWebService",
        body=b"<ser:isReportRunning><identifier>00000001-sandbox-report</identifier>",
    )
    counters = request("POST", "/wsadmin/v13/AdminWebService", body=b"<ser:getCallCountersState/>")
    assert attribute("five9", run, Simulator())[0] == "call_log"
    assert attribute("five9", poll, Simulator())[0] == "agent_login_logout"
    assert attribute("five9", counters, Simulator())[0] == SETUP


def test_minimum_counts_pages_parents_windows_and_calls() -> None:
    _, leads = attribute("persistiq", request("GET", "/v1/leads"))
    _, campaign_leads = attribute("persistiq", request("GET", "/v1/campaigns/c_1/leads"))
    assert leads is not None and campaign_leads is not None
    assert minimum(leads, 0) == 1 and minimum(leads, 100) == 1 and minimum(leads, 101) == 2
    # three campaigns: 250 leads (3 pages), 1 lead (1 page), and one with none (still asked once)
    assert minimum(campaign_leads, 251, parents=3, by_parent={"c_1": 250, "c_2": 1}) == 5
    _, search = attribute(
        "liveperson", request("POST", "/messaging_history/api/account/1/conversations/search")
    )
    assert search is not None
    assert minimum(search, 150, span=timedelta(days=200)) == 3  # three 92-day windows beat two pages
    _, report = attribute(
        "five9", request("POST", "/wsadmin/v13/AdminWebService", body=b"<runReport><reportName>Call Log<")
    )
    assert report is not None and minimum(report, 60_000) == 6  # two 50,000-row reports, three calls each


def test_bound_is_the_slower_of_rate_and_latency() -> None:
    rows = [StreamRow("leads", 20_000, 210, 200), StreamRow("users", 10, 1, 1)]
    seconds, kind = bound("persistiq", rows, 0.15)
    assert kind == "rate" and seconds == pytest.approx(201 / (100 / 60))
    # Five9: one call at a time; 3 reports fit in one calendar minute of runReport's 16
    seconds, kind = bound(
        "five9", [StreamRow("call_log", 36_000, 90, 3), StreamRow("agent_login_logout", 9_000, 90, 3)], 0.15
    )
    assert kind == "latency" and seconds == pytest.approx(6 * 0.15)
