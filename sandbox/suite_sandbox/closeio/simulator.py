"""Simulator of the Close REST API (api.close.com/api/v1), built from Close's OpenAPI.

- Auth: HTTP Basic with the API key as username and an empty password; anything else is
  401 `{"error": ...}`.
- Records: fakes of each resource's documented schema (see `records.py`), with ids,
  timestamps, foreign keys and custom field values set by the simulator.
- Offset paging `_skip`/`_limit` with `has_more`; a `_limit` above the resource's cap and a
  `_skip` above `max_skip` are 400s with Close's own wording. Endpoints whose reference
  documents no `_skip` answer `{"data": [...]}` in one page.
- Leads and contacts: `POST /data/search/` (`search.py`). `GET /lead/` still answers, but
  its deprecated `query` parameter (2022-02) is ignored, as a retired feature would be: the
  answer is unfiltered and in Close's default order, newest first.
- Activities: every documented type, filtered on `date_created` (`__gte/__gt/__lt/__lte`),
  `lead_id` (one or comma-separated ids), `_order_by` `date_created`/`-date_created`.
- Tasks: eight types; without `_type` only `lead` tasks (Close's default), `_type=all` or
  `_type__in` for others; `_order_by` only `date`/`date_created` (documented; others 400).
- Opportunities: `date_updated__*`/`date_created__*`, `_order_by` from the documented list.
- Event log (`events.py`); deletions (`delete`) remove the object and log a `deleted` event.
- Faults of real accounts: `delete_document_during_paging` (404 "Empty query: Document
  has been deleted"), `edit_between_pages` (records edited between two page requests).
- Rate limits per endpoint group and key: `RateLimit: limit=, remaining=, reset=` on every
  answer, 429 `{"error": {"rate_reset": <float>, ...}}` when spent (`throttle()` forces one).
"""

from __future__ import annotations

import base64
import bisect
import math
import re
import threading
import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.closeio import events as event_log
from suite_sandbox.closeio import org
from suite_sandbox.closeio.crm import CrmEndpoints
from suite_sandbox.closeio.records import (
    ACTIVITY_EVENT_TYPES,
    ACTIVITY_TYPES,
    CONTACT_CUSTOM_FIELDS,
    CUSTOM_ACTIVITY_TYPES,
    CUSTOM_OBJECT_TYPES,
    LEAD_CUSTOM_FIELDS,
    LEAD_STATUSES,
    OPPORTUNITY_CUSTOM_FIELDS,
    OPPORTUNITY_STATUSES,
    ORG_ID,
    PIPELINES,
    TASK_OBJECTS,
    TASK_TYPES,
    Templates,
    activity_type_fields,
    close_time,
    custom_values,
    lead_id,
    shared_fields_for,
    user_id,
)
from suite_sandbox.closeio.search import search
from suite_sandbox.data import VirtualTable, parse_time
from suite_sandbox.server import Request, Response, Simulator

API_KEY = "api_sandbox_close_4f1c2e9a7b"
PREFIX = "/api/v1"
MAX_SKIP = 250_000
#: `_limit` caps as peers page these resources in production; others: the default, 100.
PAGE_CAPS = {
    "lead": 200,
    "opportunity": 250,
    "task": 1000,
    "user": 1000,
    "custom_field": 1000,
    "sequence": 1000,
}
DELETED_DOCUMENT = "Empty query: Document has been deleted"
ID_PREFIXES = {
    "leads": "lead",
    "contacts": "cont",
    "opportunities": "oppo",
    "activities": "acti",
    "tasks": "task",
    "users": "user",
    "custom_objects": "custobj",
}


class CloseSimulator(CrmEndpoints, Simulator):
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
        cursor_ttl: float = 30.0,
        search_walk_limit: int = 10_000,
        record_served: bool = False,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.max_skip = max_skip
        self.page_caps = {**PAGE_CAPS, **(page_caps or {})}
        self.rate_limit_per_minute = rate_limit_per_minute
        self.now = now or datetime.now(timezone.utc)
        self.cursor_ttl = cursor_ttl
        self.search_walk_limit = search_walk_limit
        self.templates = Templates(seed)
        counts = {
            "leads": records,
            "contacts": records,
            "activities": records * 3,
            "tasks": max(records // 2, 1),
            "opportunities": max(records // 2, 1),
            "users": max(records // 40, 3),
            "events": records,
            "custom_objects": max(records // 4, 1),
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
        self.custom_objects = VirtualTable(
            "custom_objects",
            counts["custom_objects"],
            self._custom_object,
            seed=seed,
            step=timedelta(minutes=17),
        )
        # Events span the last 35 days (the oldest 5 are past retention), newest 10 minutes ago.
        span = timedelta(days=35) - timedelta(minutes=10)
        self.events = VirtualTable(
            "events",
            counts["events"],
            self._event,
            seed=seed,
            start=self.now - timedelta(days=35),
            step=span / max(counts["events"] - 1, 1),
        )
        #: Events the simulator logs as things happen (deletions), oldest first.
        self.extra_events: list[dict] = []
        self.deleted: dict[str, set[int]] = {name: set() for name in ID_PREFIXES}
        #: Records answered per request path (tests compare them with what a tap emits).
        self.record_served = record_served
        self.served: dict[str, list[dict]] = {}
        #: Keys added to every row of a table, e.g. a custom field created after discovery.
        self.late_fields: dict[str, dict[str, t.Any]] = {}
        self._hooks: list[tuple[re.Pattern[str], list[int], t.Callable[[], None]]] = []
        self._hook_lock = threading.Lock()
        self.org = org.OrgData(self.templates, users=counts["users"])
        self._routes()

    # -- data ---------------------------------------------------------------------------

    def record_id(self, table: VirtualTable, i: int) -> str:
        return f"{ID_PREFIXES[table.name]}_{i:010d}" if table.name != "users" else user_id(i)

    def _user(self, i: int, rng: t.Any, ts: datetime) -> dict:
        first = rng.choice(["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken"])
        last = rng.choice(["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson"])
        row = self.templates.get("user", i)
        row.update(
            id=user_id(i),
            email=f"{first.lower()}.{last.lower()}{i}@example.com",
            first_name=first,
            last_name=last,
            organizations=[ORG_ID],
            date_created=close_time(ts),
            date_updated=close_time(ts),
        )
        return row

    def _custom(self, fields: list, rng: t.Any, ts: datetime, names: bool = False) -> dict:
        values = custom_values(fields, rng, ts, self.users.n)
        if names:  # the deprecated name-keyed copy Close still sends on leads
            by_id = {spec[0]: spec[1] for spec in fields}
            values["custom"] = {by_id[k[len("custom.") :]]: v for k, v in values.items()}
        return values

    def _lead(self, i: int, rng: t.Any, ts: datetime) -> dict:
        name = f"{rng.choice(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'])} {i}"
        status = rng.randrange(len(LEAD_STATUSES))
        contacts = self.contacts.rows(self.children(self.contacts, i))
        row = self.templates.get("lead", i)
        row.update(
            id=lead_id(i),
            name=name,
            display_name=name,
            status_id=f"stat_{status:04d}",
            status_label=LEAD_STATUSES[status],
            organization_id=ORG_ID,
            created_by=user_id(rng.randrange(self.users.n)),
            updated_by=user_id(rng.randrange(self.users.n)),
            date_created=close_time(self.leads.base_time(i) - timedelta(days=1)),
            date_updated=close_time(ts),
            html_url=f"https://app.close.com/lead/{lead_id(i)}/",
            url=f"https://{name.split()[0].lower()}{i}.example.com",
            contacts=contacts,
            contact_ids=[c["id"] for c in contacts],
            opportunities=self.opportunities.rows(self.children(self.opportunities, i)),
            **self._custom([*LEAD_CUSTOM_FIELDS, *shared_fields_for("lead")], rng, ts, names=True),
        )
        row.update(self.late_fields.get("leads", {}))
        return row

    def children(self, table: VirtualTable, lead: int) -> list[int]:
        """Rows of `table` belonging to lead `lead` (row j belongs to lead j % leads)."""
        step = max(self.leads.n, 1)
        return [j for j in range(lead, table.n, step) if j not in self.deleted[table.name]]

    def _contact(self, i: int, rng: t.Any, ts: datetime) -> dict:
        row = self.templates.get("contact", i)
        row.update(
            id=f"cont_{i:010d}",
            name=f"Contact {i}",
            display_name=f"Contact {i}",
            lead_id=lead_id(i % max(self.leads.n, 1)),
            title=rng.choice(["CEO", "CTO", "Buyer", "Engineer"]),
            emails=[{"type": "office", "email": f"contact{i}@example.com", "is_unsubscribed": False}],
            organization_id=ORG_ID,
            date_created=close_time(self.contacts.base_time(i) - timedelta(hours=3)),
            date_updated=close_time(ts),
            **self._custom([*CONTACT_CUSTOM_FIELDS, *shared_fields_for("contact")], rng, ts),
        )
        row.update(self.late_fields.get("contacts", {}))
        return row

    def activity_lead(self, i: int) -> int:
        return (i * 7) % max(self.leads.n, 1)

    def _activity(self, i: int, rng: t.Any, ts: datetime) -> dict:
        kind = ACTIVITY_TYPES[i % len(ACTIVITY_TYPES)]
        created = self.activities.base_time(i)  # activities are filtered by creation time
        row = self.templates.get(f"activity.{kind}", i)
        row.update(
            id=f"acti_{i:010d}",
            _type=kind,
            lead_id=lead_id(self.activity_lead(i)),
            contact_id=f"cont_{self.activity_lead(i):010d}",
            user_id=user_id(rng.randrange(self.users.n)),
            organization_id=ORG_ID,
            date_created=close_time(created),
            date_updated=close_time(max(ts, created)),
            activity_at=close_time(created),
        )
        if kind == "CustomActivity":
            type_id = CUSTOM_ACTIVITY_TYPES[(i // len(ACTIVITY_TYPES)) % len(CUSTOM_ACTIVITY_TYPES)][0]
            row["custom_activity_type_id"] = type_id
            row.update(self._custom(activity_type_fields(type_id), rng, ts))
        row.update(self.late_fields.get("activities", {}))
        return row

    def _custom_object(self, i: int, rng: t.Any, ts: datetime) -> dict:
        type_id, name, fields = CUSTOM_OBJECT_TYPES[i % len(CUSTOM_OBJECT_TYPES)]
        row = self.templates.get("custom_object", i)
        row.update(
            id=f"custobj_{i:010d}",
            custom_object_type_id=type_id,
            lead_id=lead_id(i % max(self.leads.n, 1)),
            name=f"{name} {i}",
            organization_id=ORG_ID,
            date_created=close_time(self.custom_objects.base_time(i)),
            date_updated=close_time(ts),
            **self._custom(fields, rng, ts),
        )
        return row

    def task_type(self, i: int) -> str:
        # Half the tasks of a realistic account are not `lead` tasks.
        return "lead" if i % 2 == 0 else TASK_TYPES[1 + (i // 2) % (len(TASK_TYPES) - 1)]

    def _task(self, i: int, rng: t.Any, ts: datetime) -> dict:
        kind = self.task_type(i)
        created = self.tasks.base_time(i)
        due = created + timedelta(days=rng.randint(1, 30))
        # Close sends a task's date as a date or a date-time.
        date = due.date().isoformat() if rng.random() < 0.5 else close_time(due)
        row = self.templates.get(f"task.{kind}", i)
        row.update(
            id=f"task_{i:010d}",
            _type=kind,
            lead_id=lead_id(i % max(self.leads.n, 1)),
            assigned_to=user_id(rng.randrange(self.users.n)),
            text=f"Follow up #{i}",
            date=date,
            due_date=date,
            is_complete=rng.random() < 0.3,
            object_type=TASK_OBJECTS.get(kind),
            object_id=f"acti_{i:010d}" if kind in TASK_OBJECTS else None,
            organization_id=ORG_ID,
            date_created=close_time(created),
            date_updated=close_time(max(ts, created)),
        )
        return row

    def _opportunity(self, i: int, rng: t.Any, ts: datetime) -> dict:
        status = i % len(OPPORTUNITY_STATUSES)
        row = self.templates.get("opportunity", i)
        row.update(
            id=f"oppo_{i:010d}",
            lead_id=lead_id(i % max(self.leads.n, 1)),
            status_id=f"stat_opp{status}",
            status_label=OPPORTUNITY_STATUSES[status][0],
            status_type=OPPORTUNITY_STATUSES[status][1],
            value=rng.randint(100, 100_000) * 100,
            value_currency="USD",
            value_period=rng.choice(["one_time", "monthly", "annual"]),
            confidence=rng.randint(0, 100),
            pipeline_id=f"pipe_{i % len(PIPELINES):04d}",
            pipeline_name=PIPELINES[i % len(PIPELINES)],
            user_id=user_id(rng.randrange(self.users.n)),
            organization_id=ORG_ID,
            date_created=close_time(self.opportunities.base_time(i)),
            date_updated=close_time(ts),
            **self._custom([*OPPORTUNITY_CUSTOM_FIELDS, *shared_fields_for("opportunity")], rng, ts),
        )
        row.update(self.late_fields.get("opportunities", {}))
        return row

    def _event(self, i: int, rng: t.Any, ts: datetime) -> dict:
        row = self.templates.get("event", i)
        action = event_log.GENERATED_ACTIONS[i % len(event_log.GENERATED_ACTIONS)]
        row.update(
            id=f"ev_{i:010d}",
            date_created=close_time(ts),
            date_updated=close_time(ts),
            organization_id=ORG_ID,
            user_id=user_id(rng.randrange(self.users.n)),
            request_id=f"req_{rng.getrandbits(40):010x}",
            object_type=event_log.GENERATED_OBJECTS[i % len(event_log.GENERATED_OBJECTS)],
            object_id=f"obj_{i:010d}",
            lead_id=lead_id(rng.randrange(max(self.leads.n, 1))),
            action=action,
            changed_fields=["name"] if action == "updated" else [],
        )
        return row

    # -- changes ------------------------------------------------------------------------

    def select(
        self,
        table: VirtualTable,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        inclusive: bool = True,
        where: t.Callable[[int], bool] | None = None,
    ) -> t.Any:
        """`table.select` without the deleted rows."""
        deleted = self.deleted[table.name]
        if deleted:
            test = where
            where = lambda i: i not in deleted and (test is None or test(i))  # noqa: E731
        return table.select(since, until, inclusive=inclusive, where=where)

    def delete(
        self, table: VirtualTable, indices: t.Iterable[int], *, at: datetime | None = None
    ) -> list[str]:
        """Delete rows as a user would: they disappear and the event log says `deleted`."""
        ids = []
        for i in indices:
            row = table.row(i)
            self.deleted[table.name].add(i)
            when = at or datetime.now(timezone.utc) - timedelta(minutes=6)
            if table is self.activities:
                object_type = ACTIVITY_EVENT_TYPES[row["_type"]]
            elif table is self.tasks:
                object_type = f"task.{row['_type']}"
            else:
                object_type = {"leads": "lead", "contacts": "contact", "opportunities": "opportunity"}[
                    table.name
                ]
            event = {
                "id": f"ev_del_{table.name}_{i:010d}",
                "date_created": close_time(when),
                "date_updated": close_time(when),
                "organization_id": ORG_ID,
                "user_id": user_id(0),
                "request_id": f"req_del_{i:010d}",
                "api_key_id": None,
                "oauth_client_id": None,
                "oauth_scope": None,
                "object_type": object_type,
                "object_id": row["id"],
                "lead_id": row.get("lead_id") if table is not self.leads else row["id"],
                "action": "deleted",
                "changed_fields": [],
                "meta": {"request_method": "DELETE"},
                "data": {},
                "previous_data": row,
            }
            bisect.insort(self.extra_events, event, key=lambda e: e["date_updated"])
            ids.append(row["id"])
        return ids

    def edit_between_pages(
        self, path: str, table: VirtualTable, indices: t.Iterable[int], *, after_requests: int = 1
    ) -> None:
        """Edit rows (newer `date_updated`) once `after_requests` requests to `path` were answered."""
        rows = list(indices)
        self._hooks.append((re.compile(path), [after_requests], lambda: table.touch(rows)))

    def delete_document_during_paging(self, path: str, times: int = 1) -> None:
        """Answer the next request(s) to `path` with the 404 real accounts see mid-paging."""
        self.inject("status", status=404, path=path, times=times, body={"error": DELETED_DOCUMENT})

    # -- helpers for tests --------------------------------------------------------------

    def ids(self, table: VirtualTable, since: datetime | None = None) -> list[str]:
        """Ids of rows with timestamp >= since, oldest first (what a sync from `since` returns)."""
        return [self.record_id(table, i) for i in self.select(table, since).indices()]

    def task_ids(self, since: datetime | None = None) -> list[str]:
        """Every task changed since `since`, in date_created order (what `_type=all` pages)."""
        return sorted(self.ids(self.tasks, since))

    def activity_ids_for_lead(self, lead: int) -> list[str]:
        return [f"acti_{i:010d}" for i in range(self.activities.n) if self.activity_lead(i) == lead]

    def retained_event_ids(self) -> list[str]:
        """Events a full sync can see: within retention and older than the tap's 5-minute re-scan."""
        since = datetime.now(timezone.utc) - event_log.EVENT_RETENTION
        return [r["id"] for r in self.events.select(since).page()] + [
            e["id"] for e in self.extra_events if parse_time(e["date_updated"]) >= since
        ]

    def custom_field_definitions(self, kind: str = "lead") -> list[dict]:
        return self.org.custom_fields(kind)

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
        group = re.sub(r"/[a-z]+_[A-Za-z0-9]+(?=/)", "/{id}", request.path)
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
        self._run_hooks(request)
        response = super().dispatch(request)
        if self.record_served and response.status == 200 and isinstance(response.body, dict):
            rows = response.body.get("data", response.body.get("fields"))
            if isinstance(rows, list):
                self.served.setdefault(request.path, []).extend(rows)
        return response

    def _run_hooks(self, request: Request) -> None:
        with self._hook_lock:
            due = []
            for pattern, countdown, action in list(self._hooks):
                if pattern.search(request.path):
                    if countdown[0] <= 0:
                        due.append(action)
                        self._hooks.remove((pattern, countdown, action))
                    countdown[0] -= 1
        for action in due:
            action()

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
        self.route("POST", PREFIX + r"/data/search/", lambda request, _m: search(self, request))
        self.route("GET", PREFIX + r"/activity/", self._list_activities)
        self.route("GET", PREFIX + r"/task/", self._list_tasks)
        self.route("GET", PREFIX + r"/opportunity/", self._list_opportunities)
        self.route("GET", PREFIX + r"/user/", self._list_users)
        self.route("GET", PREFIX + r"/event/", lambda request, _m: event_log.list_events(self, request))
        org.add_routes(self, PREFIX)


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> CloseSimulator:
    return CloseSimulator(records, seed, **options)


def demo_config(url: str) -> dict:
    return {
        "api_key": API_KEY,
        "api_url": f"{url}{PREFIX}",
        "start_date": "2024-01-01T00:00:00Z",
    }
