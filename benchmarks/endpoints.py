"""Each API's endpoints: the documented maximum page size, and which stream a request belongs to.

One table for all five APIs (`ENDPOINTS`). A row names the stream that reads the endpoint,
the request it answers (method, path regex, and for shared paths a regex on the query string
or body), the most records one request may return (`page`; None = the endpoint is not paged,
one request returns everything) with where that number comes from, and what else bounds the
requests a sync needs:

- `parent`: the API lists these records only per parent (a path or required filter naming the
  parent), so every parent costs at least one request; `(parent stream, record field naming it)`;
- `window`: the longest time range one query may cover (LivePerson's search caps), so a sync
  of a longer span needs at least that many queries;
- `calls`: requests per page (a Five9 report is runReport, isReportRunning and
  getReportResultCsv: three SOAP calls per 50,000-row result);
- `sequential`: a page can only be asked for with the previous page's answer (cursor or
  next-link paging), so its pages cost one round trip each in the wall-time bound.

The numbers were copied from the vendor references named in `source` (the specs under
/work/shared are reference data and are never read at run time). Requests no row matches are
counted as "unattributed" and listed, so a stream added to a tap shows up instead of
vanishing from the totals.
"""

from __future__ import annotations

import math
import re
import typing as t
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote

if t.TYPE_CHECKING:
    from suite_sandbox.server import Request

#: Requests that are not a stream's data: credentials, host discovery, schema reads.
SETUP = "(setup)"
UNATTRIBUTED = "(unattributed)"


@dataclass(frozen=True)
class Endpoint:
    stream: str
    method: str
    path: str
    page: int | None
    source: str
    #: Regex searched in the decoded query string and body (for streams sharing a path).
    match: str = ""
    parent: tuple[str, str] | None = None
    window: timedelta | None = None
    calls: int = 1
    sequential: bool = False


def _rows(
    api_prefix: str, method: str, page: int | None, source: str, pairs: dict[str, str], **kw: t.Any
) -> list[Endpoint]:
    """Endpoints that differ only in stream and path."""
    return [Endpoint(s, method, api_prefix + p, page, source, **kw) for s, p in pairs.items()]


_CLOSE = "/api/v1"
# Close documents only the default `_limit` (100) for its list endpoints (OpenAPI); the caps it
# enforces are unpublished. These are the caps peers page at in production (shared/api/closeio.md
# section 4: leads 200, opportunities 250, users/tasks/custom fields 1000, others 100) and the
# ones the sandbox enforces. The event log's cap is 50 (Close's events reference).
CLOSE_CAPS = "Close API notes §4 (peers' production caps; Close publishes none)"
CLOSE_ONE_PAGE = "Close OpenAPI: no `_skip` documented, one answer"
ENDPOINTS: dict[str, list[Endpoint]] = {
    "closeio": [
        # Advanced Filtering: cursor in the body, `_limit` up to 200 (sandbox; Close's reference
        # names the cursor, its 30 s expiry and 10k objects per walk, not the cap). One search
        # per object type; the body's object_type clause tells the streams apart.
        *[
            Endpoint(
                stream,
                "POST",
                _CLOSE + r"/data/search/",
                200,
                CLOSE_CAPS,
                rf'"type":\s*"object_type",\s*"object_type":\s*"{kind}"',
                sequential=True,
            )
            for stream, kind in (
                ("leads", "lead"),
                ("contacts", "contact"),
                ("custom_objects", "custom_object"),
            )
        ],
        # `lead_id` takes comma-separated ids (OpenAPI), so the activities of many leads page
        # together: the minimum is that of one flat listing.
        Endpoint("lead_activities", "GET", _CLOSE + r"/activity/", 100, CLOSE_CAPS, r"(^|&)lead_id="),
        Endpoint("activities", "GET", _CLOSE + r"/activity/", 100, CLOSE_CAPS),
        Endpoint("opportunities", "GET", _CLOSE + r"/opportunity/", 250, CLOSE_CAPS),
        Endpoint("tasks", "GET", _CLOSE + r"/task/", 1000, CLOSE_CAPS),
        Endpoint("users", "GET", _CLOSE + r"/user/", 1000, CLOSE_CAPS),
        Endpoint(
            "deletion_events",
            "GET",
            _CLOSE + r"/event/",
            50,
            "Close events reference",
            r"action=deleted",
            sequential=True,
        ),
        Endpoint(
            "event_log",
            "GET",
            _CLOSE + r"/event/",
            50,
            "Close events reference (cap 50, cursor)",
            sequential=True,
        ),
        # OpenAPI: at least one of sequence_id, contact_id, lead_id is required.
        Endpoint(
            "sequence_subscriptions",
            "GET",
            _CLOSE + r"/sequence_subscription/",
            100,
            CLOSE_CAPS,
            parent=("sequences", "sequence_id"),
        ),
        Endpoint("sequences", "GET", _CLOSE + r"/sequence/", 1000, CLOSE_CAPS),
        # Read at start-up for the custom fields' types, not a stream.
        Endpoint(SETUP, "GET", _CLOSE + r"/custom_field_schema/\w+/", None, CLOSE_ONE_PAGE),
        *_rows(
            _CLOSE,
            "GET",
            1000,
            CLOSE_CAPS,
            {
                "custom_fields": r"/custom_field/lead/",
                "contact_custom_fields": r"/custom_field/contact/",
                "opportunity_custom_fields": r"/custom_field/opportunity/",
                "activity_custom_fields": r"/custom_field/activity/",
            },
        ),
        *_rows(
            _CLOSE,
            "GET",
            100,
            CLOSE_CAPS,
            {
                "email_templates": r"/email_template/",
                "sms_templates": r"/sms_template/",
                "smart_views": r"/saved_search/",
                "dialer_sessions": r"/dialer/",
                "outcomes": r"/outcome/",
                "phone_numbers": r"/phone_number/",
                "email_bulk_actions": r"/bulk_action/email/",
                "edit_bulk_actions": r"/bulk_action/edit/",
                "delete_bulk_actions": r"/bulk_action/delete/",
                "sequence_subscription_bulk_actions": r"/bulk_action/sequence_subscription/",
            },
        ),
        *_rows(
            _CLOSE,
            "GET",
            None,
            CLOSE_ONE_PAGE,
            {
                "shared_custom_fields": r"/custom_field/shared/",
                "custom_object_custom_fields": r"/custom_field/custom_object_type/",
                "custom_activity_types": r"/custom_activity/",
                "custom_object_types": r"/custom_object_type/",
                "connected_accounts": r"/connected_account/",
                "send_as": r"/send_as/",
                "integration_links": r"/integration_link/",
                "roles": r"/role/",
                "groups": r"/group/",
                "lead_statuses": r"/status/lead/",
                "opportunity_statuses": r"/status/opportunity/",
                "pipelines": r"/pipeline/",
            },
        ),
    ],
    "outreach": [
        Endpoint(SETUP, "POST", r"/oauth/token", None, "OAuth token"),
        # One row for every collection: the stream is the collection's name in snake_case.
        # Cursor paging (`links.next`); 1000 per page is what peers use in production
        # (Airbyte) and the documented cap of the older offset paging (page[limit] <= 1000);
        # Outreach API notes §4.
        Endpoint(
            "*",
            "GET",
            r"/api/v2/(?P<collection>[A-Za-z]+)",
            1000,
            "Outreach API notes §4 (page[size] <= 1000)",
            sequential=True,
        ),
    ],
    "persistiq": [
        # No page-size parameter: 100 per page (500 for events), per PersistIQ's reference.
        Endpoint(
            "campaign_leads",
            "GET",
            r"/v1/campaigns/[^/]+/leads",
            100,
            "PersistIQ reference (fixed 100)",
            parent=("campaigns", "campaign_id"),
        ),
        Endpoint("events", "GET", r"/v1/events", 500, "PersistIQ reference (fixed 500 for events)"),
        *_rows(
            "/v1",
            "GET",
            100,
            "PersistIQ reference (fixed 100; users, statuses, fields: OpenAPI envelope with has_more)",
            {
                s: f"/{s}"
                for s in ("users", "leads", "campaigns", "dnc_domains", "lead_statuses", "lead_fields")
            },
        ),
    ],
    "liveperson": [
        Endpoint(SETUP, "GET", r"/api/account/[^/]+/service/(\w+/)?baseURI\.json", None, "Domain API (CSDS)"),
        Endpoint(SETUP, "POST", r"/sentinel/api/.*", None, "OAuth 2.0 token"),
        # Account config answers one bare array (no paging), per the Users/Skills API pages.
        *_rows(
            "/api/account/[^/]+/configuration",
            "GET",
            None,
            "LivePerson account config API (one array, no paging)",
            {
                "users": r"/le-users/users",
                "skills": r"/le-users/skills",
                "agent_groups": r"/le-users/agentGroups",
                "agent_status": r"/le-agents/status-reasons",
                "campaigns": r"/le-campaigns/campaigns",
            },
        ),
        *_rows(
            "/operations/api/account/[^/]+",
            "GET",
            None,
            "LivePerson Operational Realtime API (one answer per timeframe <= 1440 min)",
            {
                "queue_health": r"/queuehealth",
                "messaging_queue_health": r"/msgqueuehealth",
                "agent_state_distribution": r"/agentactivity",
            },
        ),
        # Messaging Interactions: limit max 100, `start` range at most 3 months (conversations.md).
        Endpoint(
            "messaging_interactions",
            "POST",
            r"/messaging_history/api/account/[^/]+/conversations/search",
            100,
            "Messaging Interactions API (limit <= 100, start range <= 3 months)",
            window=timedelta(days=92),
        ),
        # A partial conversation (info.isPartial) is fetched again by id, one per request.
        Endpoint(
            "messaging_interactions",
            "POST",
            r"/messaging_history/api/account/[^/]+/conversations/conversation/search",
            1,
            "Messaging Interactions: get conversation by id (one conversationId)",
        ),
        # Engagement History: limit max 100, range at most one month.
        Endpoint(
            "engagement_history",
            "POST",
            r"/interaction_history/api/account/[^/]+/interactions/search",
            100,
            "Engagement History API (limit <= 100, range <= 1 month)",
            window=timedelta(days=31),
        ),
    ],
    "five9": [
        Endpoint(SETUP, "GET", r"/wsadmin/v13/AdminWebService", None, "WSDL"),
        Endpoint(
            SETUP,
            "POST",
            r"/wsadmin/v13/AdminWebService",
            None,
            "getCallCountersState",
            r"getCallCountersState",
        ),
        # A report run returns at most 50,000 CSV rows (getReportResultCsv) and costs three calls;
        # the SOAP API allows no concurrent requests per user (Five9 API notes §2-§4).
        *[
            Endpoint(
                stream,
                "POST",
                r"/wsadmin/v13/AdminWebService",
                50_000,
                "Five9 Configuration Web Services (50,000-row CSV)",
                f"@{stream}",
                calls=3,
                sequential=True,
            )
            for stream in ("call_log", "agent_login_logout")
        ],
        # The seed's REST facade (api_mode rest): limit up to 1000 in the sandbox.
        *_rows(
            "/v1",
            "GET",
            1000,
            "seed REST contract (sandbox: limit <= 1000)",
            {"call_log": "/call_log", "agent_login_logout": "/agent_login_logout"},
        ),
    ],
}

#: Five9 report names -> the stream that runs them.
FIVE9_REPORTS = {"Call Log": "call_log", "Agent Login-Logout": "agent_login_logout"}
_SOAP_OPERATION = re.compile(
    rb"<(?:\w+:)?(runReport|isReportRunning|getReportResultCsv|getCallCountersState)\b"
)
_SOAP_FIELD = re.compile(rb"<(?:\w+:)?(reportName|identifier)>([^<]*)<")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _five9_report(request: Request, simulator: t.Any) -> str:
    """`@<stream>` for a report call, from its report name or its run's identifier."""
    fields = dict(_SOAP_FIELD.findall(request.body))
    if name := fields.get(b"reportName"):
        return "@" + FIVE9_REPORTS.get(name.decode(), name.decode())
    if ident := fields.get(b"identifier"):
        runs = {run["id"]: run["report"] for run in getattr(simulator, "report_runs", [])}
        return "@" + FIVE9_REPORTS.get(runs.get(ident.decode(), ""), "?")
    return ""


def attribute(api: str, request: Request, simulator: t.Any = None) -> tuple[str, Endpoint | None]:
    """The stream a request read (or SETUP / UNATTRIBUTED) and the endpoint row it matched."""
    haystack = unquote("&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs))
    if request.body:
        haystack += "\n" + request.body.decode(errors="replace")
    if api == "five9" and _SOAP_OPERATION.search(request.body):
        haystack += "\n" + _five9_report(request, simulator)
    for endpoint in ENDPOINTS.get(api, []):
        if endpoint.method != request.method:
            continue
        matched = re.fullmatch(endpoint.path, request.path)
        if not matched or (endpoint.match and not re.search(endpoint.match, haystack)):
            continue
        if endpoint.stream == "*":
            return _snake(matched["collection"]), endpoint
        return endpoint.stream, endpoint
    return UNATTRIBUTED, None


def minimum(
    endpoint: Endpoint,
    records: int,
    *,
    parents: int | None = None,
    by_parent: dict[str, int] | None = None,
    span: timedelta | None = None,
) -> int:
    """Fewest requests the API allows for `records` records of one endpoint.

    Per-parent endpoints: every parent at least one request, each page full
    (sum over parents of max(1, ceil(n / page))). Windowed endpoints: at least one query per
    window of the span. Five9 reports: `calls` per 50,000-row result.
    """
    page = endpoint.page
    if endpoint.parent and by_parent is not None:
        per = [max(1, math.ceil(k / page)) if page else 1 for k in by_parent.values()]
        pages = sum(per) + max((parents or 0) - len(by_parent), 0)
    else:
        pages = max(1, math.ceil(records / page)) if page else 1
    if endpoint.window and span:
        pages = max(pages, math.ceil(span / endpoint.window))
    return pages * endpoint.calls
