"""Simulator of the Close REST API (api.close.com/api/v1), as /work/shared/api/closeio.md describes it.

- Auth: HTTP Basic with the API key as username and an empty password; anything else is
  401 `{"error": ...}`.
- Offset paging `_skip`/`_limit` with `has_more`; a `_limit` above the resource's cap and a
  `_skip` above `max_skip` are 400s with Close's own wording.
- Filters: leads only through the search `query` (`date_updated>="<minute>" sort:date_updated`);
  activities `date_created__*` + `lead_id` + `_order_by` (newest first by default); tasks and
  opportunities `date_updated__*` + `_order_by`; contacts `lead_id`; unknown parameters are 400.
- Event log `/event/`: newest first, `_limit` cap 50, `cursor_next` -> `_cursor`, 30-day
  retention; a cursor request must repeat the same non-date filters.
- Rate limits per endpoint group and key: `RateLimit: limit=, remaining=, reset=` on every
  answer, 429 `{"error": {"rate_reset": <float>, ...}}` when spent (`throttle()` forces one).
"""

from __future__ import annotations

import base64
import json
import math
import re
import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.server import Request, Response, Simulator

API_KEY = "api_sandbox_close_4f1c2e9a7b"
PREFIX = "/api/v1"
MAX_SKIP = 250_000
# Page-size caps as peers observe them (leads 200, events 50, others 100 here).
PAGE_CAPS = {"lead": 200, "event": 50}
DEFAULT_PAGE_CAP = 100
ORG_ID = "orga_sandbox0001"
EVENT_RETENTION = timedelta(days=30)

#: Lead custom fields: (id, name, type, accepts_multiple_values, choices)
LEAD_CUSTOM_FIELDS = [
    ("cf_AnnRev01", "Annual Revenue", "number", False, []),
    ("cf_Renew02", "Renewal Date", "date", False, []),
    ("cf_Demo03", "Last Demo At", "datetime", False, []),
    ("cf_Source04", "Lead Source", "choices", False, ["Web", "Referral", "Event", "Cold call"]),
    ("cf_Interest05", "Product Interest", "choices", True, ["Core", "Analytics", "Voice", "SMS"]),
    ("cf_Owner06", "Account Owner", "user", False, []),
    ("cf_Notes07", "Notes (short)", "text", False, []),
]
CONTACT_CUSTOM_FIELDS = [
    ("cf_Level11", "Job Level", "choices", False, ["IC", "Manager", "Director", "VP", "C-level"]),
    ("cf_Bday12", "Birthday", "date", False, []),
    ("cf_Score13", "Engagement Score", "number", False, []),
]
ACTIVITY_TYPES = ("Call", "Email", "Note", "SMS", "Meeting")
LEAD_STATUSES = ["Potential", "Bad Fit", "Qualified", "Customer"]
PIPELINES = ["Sales", "Renewals"]


def _close_time(ts: datetime) -> str:
    return iso(ts, micros=True)


def lead_id(i: int) -> str:
    return f"lead_{i:010d}"


def lead_index(value: str) -> int | None:
    match = re.fullmatch(r"lead_(\d{10})", value)
    return int(match.group(1)) if match else None


def user_id(i: int) -> str:
    return f"user_{i:06d}"


class CloseSimulator(Simulator):
    """The Close API over generated, updatable data."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        api_key: str = API_KEY,
        counts: dict[str, int] | None = None,
        max_skip: int = MAX_SKIP,
        page_caps: dict[str, int] | None = None,
        rate_limit_per_minute: int | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.max_skip = max_skip
        self.page_caps = {**PAGE_CAPS, **(page_caps or {})}
        self.rate_limit_per_minute = rate_limit_per_minute
        self.now = now or datetime.now(timezone.utc)
        counts = {
            "leads": records,
            "contacts": records,
            "activities": records * 3,
            "tasks": max(records // 2, 1),
            "opportunities": max(records // 2, 1),
            "users": max(records // 40, 3),
            "events": records,
            **(counts or {}),
        }
        self.users = VirtualTable("users", counts["users"], self._user, seed=seed, step=timedelta(days=1))
        self.leads = VirtualTable("leads", counts["leads"], self._lead, seed=seed)
        self.contacts = VirtualTable("contacts", counts["contacts"], self._contact, seed=seed)
        self.activities = VirtualTable("activities", counts["activities"], self._activity, seed=seed)
        self.tasks = VirtualTable("tasks", counts["tasks"], self._task, seed=seed, step=timedelta(minutes=13))
        self.opportunities = VirtualTable(
            "opportunities", counts["opportunities"], self._opportunity, seed=seed, step=timedelta(minutes=11)
        )
        # Events span the last 35 days (the oldest 5 are past retention), newest 10 minutes ago.
        span = timedelta(days=35) - timedelta(minutes=10)
        n_events = counts["events"]
        self.events = VirtualTable(
            "events",
            n_events,
            self._event,
            seed=seed,
            start=self.now - timedelta(days=35),
            step=span / max(n_events - 1, 1),
        )
        self._routes()

    # -- data ---------------------------------------------------------------------------

    def _user(self, i: int, rng: t.Any, ts: datetime) -> dict:
        first = rng.choice(["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken"])
        last = rng.choice(["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson"])
        return {
            "id": user_id(i),
            "email": f"{first.lower()}.{last.lower()}{i}@example.com",
            "first_name": first,
            "last_name": last,
            "image": f"https://example.com/avatars/{i}.png",
            "organizations": [ORG_ID],
            "date_created": _close_time(ts),
            "date_updated": _close_time(ts),
        }

    def _custom_values(self, fields: list, rng: t.Any, ts: datetime) -> dict:
        values: dict[str, t.Any] = {}
        for cf_id, _name, kind, multiple, choices in fields:
            if rng.random() < 0.2:
                continue
            if kind == "number":
                value: t.Any = round(rng.uniform(0, 1_000_000), 2)
            elif kind == "date":
                value = (ts - timedelta(days=rng.randint(0, 900))).date().isoformat()
            elif kind == "datetime":
                value = _close_time(ts - timedelta(hours=rng.randint(1, 2000)))
            elif kind == "choices":
                value = rng.sample(choices, rng.randint(1, 2)) if multiple else rng.choice(choices)
            elif kind == "user":
                value = user_id(rng.randrange(self.users.n))
            else:
                value = rng.choice(["call back in Q3", "prefers email", "budget approved", ""])
            values[f"custom.{cf_id}"] = value
        return values

    def _lead(self, i: int, rng: t.Any, ts: datetime) -> dict:
        name = f"{rng.choice(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'])} {i}"
        status = rng.randrange(len(LEAD_STATUSES))
        created = self.leads.base_time(i) - timedelta(days=1)
        return {
            "id": lead_id(i),
            "name": name,
            "display_name": name,
            "description": rng.choice(["", "Inbound from webinar", "Partner referral"]),
            "url": f"https://{name.split()[0].lower()}{i}.example.com",
            "status_id": f"stat_{status:04d}",
            "status_label": LEAD_STATUSES[status],
            "organization_id": ORG_ID,
            "created_by": user_id(rng.randrange(self.users.n)),
            "updated_by": user_id(rng.randrange(self.users.n)),
            "date_created": _close_time(created),
            "date_updated": _close_time(ts),
            "html_url": f"https://app.close.com/lead/{lead_id(i)}/",
            "contacts": [self._contact_summary(i)],
            "opportunities": [],
            "tasks": [],
            "addresses": [{"label": "business", "city": "Springfield", "country": "US"}],
            **self._custom_values(LEAD_CUSTOM_FIELDS, rng, ts),
        }

    def _contact_summary(self, i: int) -> dict:
        return {"id": f"cont_{i:010d}", "name": f"Contact {i}", "emails": [], "phones": []}

    def _contact(self, i: int, rng: t.Any, ts: datetime) -> dict:
        return {
            **self._contact_summary(i),
            "lead_id": lead_id(i % max(self.leads.n, 1)),
            "title": rng.choice(["CEO", "CTO", "Buyer", "Engineer"]),
            "emails": [{"type": "office", "email": f"contact{i}@example.com"}],
            "phones": [{"type": "office", "phone": f"+1415555{i % 10000:04d}"}],
            "organization_id": ORG_ID,
            "date_created": _close_time(self.contacts.base_time(i) - timedelta(hours=3)),
            "date_updated": _close_time(ts),
            **self._custom_values(CONTACT_CUSTOM_FIELDS, rng, ts),
        }

    def activity_lead(self, i: int) -> int:
        return (i * 7) % max(self.leads.n, 1)

    def _activity(self, i: int, rng: t.Any, ts: datetime) -> dict:
        kind = ACTIVITY_TYPES[i % len(ACTIVITY_TYPES)]
        created = self.activities.base_time(i)  # activities are filtered by creation time
        record = {
            "id": f"acti_{i:010d}",
            "_type": kind,
            "lead_id": lead_id(self.activity_lead(i)),
            "contact_id": f"cont_{self.activity_lead(i):010d}",
            "user_id": user_id(rng.randrange(self.users.n)),
            "organization_id": ORG_ID,
            "date_created": _close_time(created),
            "date_updated": _close_time(ts),
            "activity_at": _close_time(created),
        }
        if kind == "Call":
            record.update(
                direction=rng.choice(["outbound", "inbound"]),
                status="completed",
                duration=rng.randint(0, 1800),
                disposition="answered",
                phone="+14155550100",
            )
        elif kind in ("Email", "SMS"):
            record.update(direction=rng.choice(["outgoing", "incoming"]), subject=f"Hello {i}", status="sent")
        else:
            record.update(note=f"Note {i}")
        return record

    def _task(self, i: int, rng: t.Any, ts: datetime) -> dict:
        due = (self.tasks.base_time(i) + timedelta(days=rng.randint(1, 30))).date().isoformat()
        return {
            "id": f"task_{i:010d}",
            "_type": "lead",
            "lead_id": lead_id(i % max(self.leads.n, 1)),
            "assigned_to": user_id(rng.randrange(self.users.n)),
            "text": f"Follow up #{i}",
            "date": due,
            "due_date": due,
            "is_complete": rng.random() < 0.3,
            "organization_id": ORG_ID,
            "date_created": _close_time(self.tasks.base_time(i)),
            "date_updated": _close_time(ts),
        }

    def _opportunity(self, i: int, rng: t.Any, ts: datetime) -> dict:
        return {
            "id": f"oppo_{i:010d}",
            "lead_id": lead_id(i % max(self.leads.n, 1)),
            "status_id": f"stat_opp{i % 3}",
            "status_type": rng.choice(["active", "won", "lost"]),
            "value": rng.randint(100, 100_000) * 100,
            "value_currency": "USD",
            "value_period": rng.choice(["one_time", "monthly", "annual"]),
            "confidence": rng.randint(0, 100),
            "pipeline_id": f"pipe_{i % len(PIPELINES):04d}",
            "user_id": user_id(rng.randrange(self.users.n)),
            "organization_id": ORG_ID,
            "date_created": _close_time(self.opportunities.base_time(i)),
            "date_updated": _close_time(ts),
        }

    def _event(self, i: int, rng: t.Any, ts: datetime) -> dict:
        action = rng.choice(["created", "updated", "deleted"])
        obj = rng.choice(["lead", "activity.call", "opportunity"])
        return {
            "id": f"ev_{i:010d}",
            "date_created": _close_time(ts),
            "date_updated": _close_time(ts),
            "organization_id": ORG_ID,
            "user_id": user_id(rng.randrange(self.users.n)),
            "request_id": f"req_{rng.getrandbits(40):010x}",
            "api_key_id": None,
            "object_type": obj,
            "object_id": f"obj_{i:010d}",
            "lead_id": lead_id(rng.randrange(max(self.leads.n, 1))),
            "action": action,
            "changed_fields": ["name"] if action == "updated" else [],
            "meta": {"request_path": "/api/v1/lead/", "request_method": "PUT"},
            "data": {"name": f"Object {i}"} if action != "deleted" else {},
            "previous_data": {"name": f"Old {i}"} if action == "updated" else {},
        }

    @staticmethod
    def _custom_field(spec: tuple, i: int) -> dict:
        cf_id, name, kind, multiple, choices = spec
        ts = datetime(2023, 6, 1, tzinfo=timezone.utc) + timedelta(days=i)
        return {
            "id": cf_id,
            "name": name,
            "type": kind,
            "description": f"{name} field",
            "choices": list(choices),
            "accepts_multiple_values": multiple,
            "editable_with_roles": [],
            "organization_id": ORG_ID,
            "date_created": _close_time(ts),
            "date_updated": _close_time(ts),
        }

    # -- helpers for tests --------------------------------------------------------------

    def custom_field_definitions(self, kind: str = "lead") -> list[dict]:
        specs = LEAD_CUSTOM_FIELDS if kind == "lead" else CONTACT_CUSTOM_FIELDS
        return [self._custom_field(spec, i) for i, spec in enumerate(specs)]

    def ids(self, table: VirtualTable, since: datetime | None = None) -> list[str]:
        """Ids of rows with timestamp >= since, oldest first (what a sync from `since` returns)."""
        return [row["id"] for row in table.select(since).page()]

    def activity_ids_for_lead(self, lead: int) -> list[str]:
        return [f"acti_{i:010d}" for i in range(self.activities.n) if self.activity_lead(i) == lead]

    def retained_event_ids(self) -> list[str]:
        """Events a full sync can see: within retention and older than the tap's 5-minute re-scan."""
        since = datetime.now(timezone.utc) - EVENT_RETENTION
        return [row["id"] for row in self.events.select(since).page()]

    def throttle(self, path: str, rate_reset: float = 1.0, times: int = 1) -> None:
        """Answer the next request(s) to `path` with Close's 429 and `rate_reset` seconds."""
        self.inject(
            "status",
            status=429,
            path=path,
            times=times,
            body=self._rate_limit_body(rate_reset),
            headers={"RateLimit": f"limit=100, remaining=0, reset={math.ceil(rate_reset)}"},
        )

    # -- rate limiting ------------------------------------------------------------------

    def rate_limit_key(self, request: Request) -> str | None:
        # Per endpoint group (path with ids dropped + method) and per API key.
        group = re.sub(r"/(lead|acti|cont|task|oppo|user|ev)_[^/]+", "/{id}", request.path)
        return f"{request.headers.get('authorization', '')}|{request.method} {group}"

    @staticmethod
    def _rate_limit_body(rate_reset: float) -> dict:
        return {
            "error": {
                "rate_reset": round(rate_reset, 3),
                "message": "API call count exceeded for this period",
                "rate_limit_type": "key",
            }
        }

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response(429, self._rate_limit_body(retry_after))

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "RateLimit": f"limit={self.rate_limit_per_minute}, remaining={remaining}, reset={math.ceil(reset)}"
        }

    # -- serving ------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response(401, {"error": "The API key you provided is invalid or has been revoked."})
        return super().dispatch(request)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return False
        return decoded == f"{self.api_key}:"

    def _routes(self) -> None:
        self.route("GET", PREFIX + r"/lead/", self._list_leads)
        self.route("GET", PREFIX + r"/contact/", self._list_contacts)
        self.route("GET", PREFIX + r"/activity/", self._list_activities)
        self.route("GET", PREFIX + r"/task/", self._date_filtered(self.tasks, "task", "date_updated"))
        self.route(
            "GET",
            PREFIX + r"/opportunity/",
            self._date_filtered(self.opportunities, "opportunity", "date_updated"),
        )
        self.route("GET", PREFIX + r"/user/", self._full(lambda: self.users.select(), "user"))
        self.route("GET", PREFIX + r"/event/", self._list_events)
        self.route("GET", PREFIX + r"/custom_field/(lead|contact)/", self._list_custom_fields)
        self.route("GET", PREFIX + r"/pipeline/", self._static("pipeline", self._pipelines))
        self.route("GET", PREFIX + r"/status/lead/", self._static("status", self._lead_statuses))

    @staticmethod
    def _error(message: str, status: int = 400) -> Response:
        return Response(status, {"error": message})

    def _check_params(self, request: Request, allowed: set[str]) -> Response | None:
        unknown = sorted(set(request.query) - allowed - {"_skip", "_limit", "_fields"})
        if unknown:
            return self._error(f"Invalid filter parameter(s): {', '.join(unknown)}")
        return None

    def _paged(
        self,
        request: Request,
        resource: str,
        count: int,
        fetch: t.Callable[[int, int], list[dict]],
        extra: dict | None = None,
    ) -> Response:
        """Offset paging with Close's caps; `fetch(offset, limit)` returns the page."""
        cap = self.page_caps.get(resource, DEFAULT_PAGE_CAP)
        try:
            skip = int(request.param("_skip", "0") or 0)
            limit = int(request.param("_limit", "100") or 100)
        except ValueError:
            return self._error("_skip and _limit must be integers")
        if limit > cap or limit < 1:
            return self._error(
                f"The limit you set is larger than the maximum limit for this resource (max_limit = {cap})."
            )
        if skip > self.max_skip:
            return self._error(
                "The skip you set is larger than the maximum skip for this resource "
                f"(max_skip = {self.max_skip}). Please refine your search query."
            )
        rows = fetch(skip, limit)
        if fields := request.param("_fields"):
            wanted = set(fields.split(","))
            rows = [
                {
                    k: v
                    for k, v in row.items()
                    if k in wanted or ("custom" in wanted and k.startswith("custom."))
                }
                for row in rows
            ]
        return Response(200, {"has_more": skip + len(rows) < count, "data": rows, **(extra or {})})

    def _selection_page(
        self, request: Request, resource: str, selection: t.Any, *, newest_first: bool = False
    ) -> Response:
        total = len(selection)

        def fetch(offset: int, limit: int) -> list[dict]:
            if not newest_first:
                return selection.page(offset, limit)
            end = max(total - offset, 0)
            indices = selection.indices(max(end - limit, 0), end - max(end - limit, 0))
            return selection.table.rows(reversed(indices))

        return self._paged(request, resource, total, fetch)

    @staticmethod
    def _date_range(
        request: Request, field: str
    ) -> tuple[datetime | None, bool, datetime | None, Response | None]:
        since, inclusive, until = None, True, None
        try:
            if value := request.param(f"{field}__gte"):
                since = parse_time(value)
            elif value := request.param(f"{field}__gt"):
                since, inclusive = parse_time(value), False
            if value := request.param(f"{field}__lt"):
                until = parse_time(value)
            elif value := request.param(f"{field}__lte"):
                until = parse_time(value) + timedelta(microseconds=1)
        except ValueError as exc:
            return None, True, None, Response(400, {"error": f"Invalid date filter on {field}: {exc}"})
        return since, inclusive, until, None

    def _date_filtered(self, table: VirtualTable, resource: str, field: str) -> t.Callable[..., Response]:
        params = {f"{field}__{op}" for op in ("gte", "gt", "lt", "lte")} | {"_order_by", "lead_id"}

        def handler(request: Request, _match: re.Match) -> Response:
            if error := self._check_params(request, params):
                return error
            since, inclusive, until, error = self._date_range(request, field)
            if error:
                return error
            order = request.param("_order_by", "-date_created")
            if order not in (field, f"-{field}", "date_created", "-date_created"):
                return self._error(f"Invalid _order_by: {order}")
            where = None
            if lead := request.param("lead_id"):
                n = lead_index(lead)
                where = lambda i: self._lead_of(table, i) == n  # noqa: E731
            selection = table.select(since, until, inclusive=inclusive, where=where)
            return self._selection_page(request, resource, selection, newest_first=order.startswith("-"))

        return handler

    def _lead_of(self, table: VirtualTable, i: int) -> int:
        if table is self.activities:
            return self.activity_lead(i)
        return i % max(self.leads.n, 1)

    def _list_activities(self, request: Request, match: re.Match) -> Response:
        return self._date_filtered(self.activities, "activity", "date_created")(request, match)

    _QUERY_SINCE = re.compile(r'date_updated\s*>=\s*"([^"]+)"')

    def _list_leads(self, request: Request, _match: re.Match) -> Response:
        if error := self._check_params(request, {"query"}):
            return error
        since = None
        query = (request.param("query") or "").strip()
        rest = query
        if found := self._QUERY_SINCE.search(query):
            try:
                since = parse_time(found.group(1))
            except ValueError:
                return self._error(f"Invalid date in query: {found.group(1)}")
            rest = rest.replace(found.group(0), "")
        rest = rest.replace("sort:date_updated", "").strip()
        if rest:
            return self._error(f"Unsupported query clause: {rest}")
        # Without a sort clause the order is Close's relevance order; here: newest first.
        newest_first = "sort:date_updated" not in query
        return self._selection_page(request, "lead", self.leads.select(since), newest_first=newest_first)

    def _list_contacts(self, request: Request, _match: re.Match) -> Response:
        if error := self._check_params(request, {"lead_id"}):
            return error
        where = None
        if lead := request.param("lead_id"):
            n = lead_index(lead)
            where = lambda i: i % max(self.leads.n, 1) == n  # noqa: E731
        return self._selection_page(request, "contact", self.contacts.select(where=where))

    def _full(self, selection: t.Callable[[], t.Any], resource: str) -> t.Callable[..., Response]:
        def handler(request: Request, _match: re.Match) -> Response:
            if error := self._check_params(request, set()):
                return error
            return self._selection_page(request, resource, selection())

        return handler

    def _static(self, resource: str, rows: t.Callable[[], list[dict]]) -> t.Callable[..., Response]:
        def handler(request: Request, _match: re.Match) -> Response:
            if error := self._check_params(request, set()):
                return error
            data = rows()
            return self._paged(request, resource, len(data), lambda o, n: data[o : o + n])

        return handler

    def _list_custom_fields(self, request: Request, match: re.Match) -> Response:
        return self._static("custom_field", lambda: self.custom_field_definitions(match.group(1)))(
            request, match
        )

    def _pipelines(self) -> list[dict]:
        return [
            {
                "id": f"pipe_{i:04d}",
                "name": name,
                "organization_id": ORG_ID,
                "statuses": [
                    {"id": f"stat_opp{j}", "label": label, "type": kind}
                    for j, (label, kind) in enumerate(
                        [("Active", "active"), ("Won", "won"), ("Lost", "lost")]
                    )
                ],
            }
            for i, name in enumerate(PIPELINES)
        ]

    def _lead_statuses(self) -> list[dict]:
        return [
            {"id": f"stat_{i:04d}", "label": label, "organization_id": ORG_ID}
            for i, label in enumerate(LEAD_STATUSES)
        ]

    # -- event log ----------------------------------------------------------------------

    _EVENT_FILTERS = ("object_type", "action", "object_id", "lead_id", "user_id", "request_id")

    def _list_events(self, request: Request, _match: re.Match) -> Response:
        date_params = {f"date_updated__{op}" for op in ("gte", "gt", "lt", "lte")}
        if error := self._check_params(request, {"_cursor", *date_params, *self._EVENT_FILTERS}):
            return error
        if request.param("_skip") is not None:
            return self._error("The event log does not support _skip; use _cursor.")
        try:
            limit = int(request.param("_limit", "50") or 50)
        except ValueError:
            return self._error("_limit must be an integer")
        cap = self.page_caps["event"]
        if limit > cap or limit < 1:
            return self._error(
                f"The limit you set is larger than the maximum limit for this resource (max_limit = {cap})."
            )
        filters = {name: request.param(name) for name in self._EVENT_FILTERS if request.param(name)}
        if cursor := request.param("_cursor"):
            try:
                state = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
            except ValueError:
                return self._error("Invalid cursor")
            if state["filters"] != filters:
                return self._error("The cursor does not match this query: repeat the same filters.")
        else:
            since, inclusive, until, error = self._date_range(request, "date_updated")
            if error:
                return error
            oldest = datetime.now(timezone.utc) - EVENT_RETENTION
            if since is None or since < oldest:
                since, inclusive = oldest, True
            state = {
                "since": since.isoformat(),
                "inclusive": inclusive,
                # A cursor walks a fixed snapshot: events newer than the first page are not mixed in.
                "until": (until or datetime.now(timezone.utc)).isoformat(),
                "offset": 0,
                "filters": filters,
            }
        selection = self.events.select(
            datetime.fromisoformat(state["since"]),
            datetime.fromisoformat(state["until"]),
            inclusive=state["inclusive"],
        )
        total, offset = len(selection), state["offset"]
        end = max(total - offset, 0)
        start = max(end - limit, 0)
        rows = selection.table.rows(reversed(selection.indices(start, end - start)))
        next_cursor = None
        if start > 0:
            next_state = {**state, "offset": offset + len(rows)}
            next_cursor = base64.urlsafe_b64encode(json.dumps(next_state).encode()).decode()
        return Response(200, {"data": rows, "cursor_next": next_cursor, "cursor_previous": None})


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> CloseSimulator:
    return CloseSimulator(records, seed, **options)


def demo_config(url: str) -> dict:
    return {
        "api_key": API_KEY,
        "api_url": f"{url}{PREFIX}",
        "start_date": "2024-01-01T00:00:00Z",
    }
