"""PersistIQ API simulator, built from PersistIQ's OpenAPI (`resources/persistiq.json`,
derived by `scripts/specs/persistiq.py`) and its published reference.

What it reproduces of the real API:
- `x-api-key` header auth; a missing or wrong key gets the real 401 body
  `{"status": "error", "error": {"reason": "unauthorized", "message": "Failed to find api key: ..."}}`
  (the message echoes the key it was given, so tests can check the tap redacts it);
- records with every documented field (`suite_sandbox.fake` over the resource schemas), a
  few undocumented keys, a lead's `data` keyed by the company's lead fields (built-in and
  custom, as `/v1/lead_fields` lists them), `bounced`/`optedout` sometimes as strings (the
  reference types them `boolean | string`);
- list envelopes `{"status": "success", "errors": [], "has_more", "next_page", "<key>": [...]}`
  on every list (lead statuses and lead fields included) with fixed page sizes (100; events
  500) and `next_page` an absolute URL carrying only `page`;
- lead filters `updated_after` / `created_after` (exclusive) over an internal update time that
  is NOT part of the lead record. The OpenAPI documents no order; by default leads come
  oldest update first (what an index on that time gives), so an edit moves a lead to the end
  and every later lead one place back, between two page requests too (`lead_order` also
  offers "created" and "newest_first");
- events `start_at` / `end_at` (inclusive), `campaigns/{id}/leads`;
- the budget the live API advertises (`X-RateLimit-Limit: 500`, `X-RateLimit-Remaining` on
  every answer, 401s included; `X-RateLimit-Reset` (epoch) once it is spent) and the
  documented 429 body ("You performed more than N requests per minute. Limit will be
  reseted at <epoch>."); an `x-request-id` on every answer;
- optionally, a share of requests failing with 500 (`fault_rate`, evenly spaced).
"""

from __future__ import annotations

import json
import random
import re
import time
import typing as t
import uuid
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.fake import fake_record, load_resources, with_undocumented
from suite_sandbox.server import Request, Response, Simulator

API_KEY = "piq-sandbox-key-7f3c2a"
PAGE_SIZE = 100
EVENTS_PAGE_SIZE = 500
#: What the live API advertises in X-RateLimit-Limit (the reference documents 100).
ADVERTISED_LIMIT = 500
LEAD_STATUSES = ("active", "replied", "bounced", "optedout", "finished", "paused")
#: The built-in lead fields (apidocs.persistiq.com), listed by /v1/lead_fields with the custom ones.
BUILT_IN_LEAD_FIELDS = tuple(load_resources("persistiq")["leads"]["properties"]["data"]["properties"])
CUSTOM_FIELDS = ("industry_segment", "deal_size")
LEAD_ORDERS = ("updated", "created", "newest_first")
#: Distinct fake records per resource, drawn from per row.
FAKE_VARIANTS = 64


def _error(status: int, reason: str, message: str) -> Response:
    return Response(status, {"status": "error", "error": {"reason": reason, "message": message}})


class PersistIQSimulator(Simulator):
    """The PersistIQ v1 read API over generated data."""

    rate_limit_per_minute: int | None = ADVERTISED_LIMIT

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        users: int = 5,
        campaigns: int = 4,
        events: int | None = None,
        dnc_domains: int = 30,
        lead_statuses: int = len(LEAD_STATUSES),
        custom_fields: int = len(CUSTOM_FIELDS),
        lead_order: str = "updated",
        api_key: str = API_KEY,
        rate_limit_per_minute: int | None = ADVERTISED_LIMIT,
        fault_rate: float = 0.0,
        fault_path: str = "",
    ) -> None:
        super().__init__()
        if lead_order not in LEAD_ORDERS:
            msg = f"lead_order must be one of {LEAD_ORDERS}"
            raise ValueError(msg)
        self.api_key = api_key
        self.rate_limit_per_minute = rate_limit_per_minute
        self.lead_order = lead_order
        self.fault_rate = fault_rate
        self.fault_path = re.compile(fault_path)
        self._fault_candidates = 0
        self.faults_served = 0
        self.resources = load_resources("persistiq")
        self.seed = seed
        self._fake_variants: dict[str, list[str]] = {}
        self.n_users = users
        self.n_campaigns = campaigns
        self.users = VirtualTable("users", users, self._user, seed=seed)
        self.leads = VirtualTable("leads", records, self._lead, seed=seed)
        self.campaigns = VirtualTable("campaigns", campaigns, self._campaign, seed=seed)
        self.events = VirtualTable(
            "events",
            events if events is not None else records * 2,
            self._event,
            seed=seed,
            step=timedelta(minutes=3),
        )
        self.dnc_domains = VirtualTable("dnc_domains", dnc_domains, self._dnc_domain, seed=seed)
        self.status_names = [
            *LEAD_STATUSES,
            *(f"status_{i}" for i in range(len(LEAD_STATUSES), lead_statuses)),
        ][:lead_statuses]
        self.custom_field_names = [
            *CUSTOM_FIELDS,
            *(f"custom_{i}" for i in range(len(CUSTOM_FIELDS), custom_fields)),
        ][:custom_fields]
        rng = random.Random(f"{seed}:lists")
        self.statuses = [self._lead_status(i, name, rng) for i, name in enumerate(self.status_names)]
        field_names = [*BUILT_IN_LEAD_FIELDS, *self.custom_field_names]
        self.fields = [self._lead_field(i, name, rng) for i, name in enumerate(field_names)]
        self.route("GET", r"/v1/users", lambda r, m: self._list(r, "users", self.users, range(self.users.n)))
        self.route("GET", r"/v1/leads", self._list_leads)
        self.route(
            "GET",
            r"/v1/campaigns",
            lambda r, m: self._list(r, "campaigns", self.campaigns, range(self.campaigns.n)),
        )
        self.route("GET", r"/v1/campaigns/(?P<cid>[^/]+)/leads", self._list_campaign_leads)
        self.route("GET", r"/v1/events", self._list_events)
        self.route(
            "GET",
            r"/v1/dnc_domains",
            lambda r, m: self._list(r, "dnc_domains", self.dnc_domains, range(self.dnc_domains.n)),
        )
        self.route(
            "GET", r"/v1/lead_statuses", lambda r, m: self._list_rows(r, "lead_statuses", self.statuses)
        )
        self.route("GET", r"/v1/lead_fields", lambda r, m: self._list_rows(r, "lead_fields", self.fields))

    # -- generated rows: every documented field, then what the simulator controls ----------

    def user_id(self, i: int) -> str:
        return f"u_{i:05d}"

    def lead_id(self, i: int) -> str:
        return f"l_{i:07d}"

    def campaign_id(self, i: int) -> str:
        return f"c_{i:05d}"

    def _fake(self, resource: str, rng: random.Random) -> dict:
        """Every documented field of `resource`, filled: one of `FAKE_VARIANTS` fake records
        (made once; a million rows must not cost a million fakes), picked by `rng`."""
        variants = self._fake_variants.get(resource)
        if variants is None:
            schema = self.resources[resource]
            variants = [
                json.dumps(fake_record(schema, random.Random(f"{self.seed}:{resource}:fake:{k}")))
                for k in range(FAKE_VARIANTS)
            ]
            self._fake_variants[resource] = variants
        return json.loads(variants[rng.randrange(FAKE_VARIANTS)])

    def _user_ref(self, i: int) -> dict:
        return {"id": self.user_id(i), "name": f"User {i}", "email": f"user{i}@acme.test"}

    def _user(self, i: int, rng: random.Random, ts: datetime) -> dict:
        row = self._fake("users", rng)
        row.update(self._user_ref(i))
        row["default_mailbox_id"] = f"mbox_{i:05d}"
        row["mailboxes"] = [
            {
                "id": f"mbox_{i:05d}",
                "email": f"user{i}@acme.test",
                "campaign_ids": [
                    self.campaign_id(c) for c in range(self.n_campaigns) if c % max(self.n_users, 1) == i
                ],
            }
        ]
        return with_undocumented(row, rng)

    def _lead(self, i: int, rng: random.Random, ts: datetime) -> dict:
        row = self._fake("leads", rng)
        sent = rng.randint(0, 6)
        # A lead updated since creation (touched) shows one more email sent.
        touched = ts != self.leads.base_time(i)
        data = dict(row.get("data") or {})
        data.update(
            {
                "email": f"lead{i}@example{i % 17}.test",
                "first_name": f"First{i}",
                "last_name": None if i % 5 == 0 else f"Last{i}",
                "company_name": f"Company {i % 23}",
            }
        )
        for name in self.custom_field_names:
            data[name] = (
                rng.choice(["saas", "retail", "health", None])
                if name == "industry_segment"
                else str(rng.randint(1, 100) * 1000)
            )
        row.update(
            {
                "id": self.lead_id(i),
                "status": self.status_names[rng.randrange(len(self.status_names))]
                if self.status_names
                else None,
                "owner_id": self.user_id(i % max(self.n_users, 1)),
                "creator_id": self.user_id(rng.randrange(max(self.n_users, 1))),
                "sent_count": sent + int(touched),
                "replied_count": rng.randint(0, sent),
                "last_sent_at": iso(ts) if sent or touched else None,
                "data": data,
            }
        )
        if i % 9 == 4:
            # The reference types these `boolean | string`: some leads carry "true"/"false".
            row["bounced"] = "true" if row.get("bounced") else "false"
            row["optedout"] = "true" if row.get("optedout") else "false"
        return with_undocumented(row, rng)

    def _campaign(self, i: int, rng: random.Random, ts: datetime) -> dict:
        row = self._fake("campaigns", rng)
        row.update({"id": self.campaign_id(i), "name": f"Campaign {i}"})
        row["creator"] = self._user_ref(i % max(self.n_users, 1))
        row["stats"] = {**(row.get("stats") or {}), "total_prospects": len(self.campaign_lead_rows(i))}
        return with_undocumented(row, rng)

    def _event(self, i: int, rng: random.Random, ts: datetime) -> dict:
        row = self._fake("events", rng)
        user = i % max(self.n_users, 1)
        lead = rng.randrange(max(self.leads.n, 1))
        # Both documented shapes: the OpenAPI's created_at and the reference's event_at.
        row.update(
            {"id": f"evt_{i:07d}", "created_at": iso(ts), "event_at": iso(ts), "user_id": self.user_id(user)}
        )
        row["user"] = {**(row.get("user") or {}), **self._user_ref(user)}
        row["lead"] = {**(row.get("lead") or {}), "id": self.lead_id(lead)}
        return with_undocumented(row, rng)

    def _dnc_domain(self, i: int, rng: random.Random, ts: datetime) -> dict:
        row = self._fake("dnc_domains", rng)
        row.update({"id": f"dom_{i:05d}", "name": f"blocked{i}.test"})
        return with_undocumented(row, rng)

    def _lead_status(self, i: int, name: str, rng: random.Random) -> dict:
        row = self._fake("lead_statuses", rng)
        row.update({"id": f"lss_{i:04d}", "name": name})
        return with_undocumented(row, rng)

    def _lead_field(self, i: int, name: str, rng: random.Random) -> dict:
        row = self._fake("lead_fields", rng)
        row.update({"id": f"lcf_{i:04d}", "name": name, "label": name.replace("_", " ").title()})
        return with_undocumented(row, rng)

    # -- public helpers for tests -----------------------------------------------------

    def campaign_lead_rows(self, campaign: int) -> list[int]:
        """Lead rows in campaign `campaign`; every (campaigns+1)-th lead is in none."""
        return list(range(campaign, self.leads.n, self.n_campaigns + 1))

    def campaign_leads_by_campaign(self) -> dict[str, list[str]]:
        """Campaign id -> ids of its campaign leads, as a full sync must return them."""
        return {
            self.campaign_id(c): [f"cl_{c:05d}_{i:07d}" for i in self.campaign_lead_rows(c)]
            for c in range(self.campaigns.n)
        }

    def lead_ids(self, since: datetime | None = None) -> list[str]:
        """Ids of the leads `updated_after=since` returns (all leads without `since`), in order."""
        return [self.lead_id(i) for i in self._lead_rows(since, None)]

    def update_leads(self, rows: t.Iterable[int], at: datetime | None = None) -> None:
        """Update leads now (or `at`), as a user editing them in PersistIQ would."""
        self.leads.touch(rows, at or datetime.now(timezone.utc))

    # -- handlers ---------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        if self.fault_rate and self.fault_path.search(request.path) and self._fault_due():
            response = _error(500, "api_error", "Internal server error")
        else:
            response = super().dispatch(request)
        response.headers.setdefault("x-request-id", str(uuid.uuid4()))
        return response

    def _fault_due(self) -> bool:
        """Whether this matching request fails: faults evenly spaced at `fault_rate` (at 1/7,
        the 7th, 14th, ... request), so a test's runs fail the same way every time."""
        with self._lock:
            self._fault_candidates += 1
            k = self._fault_candidates
            due = int(k * self.fault_rate) > int((k - 1) * self.fault_rate)
            self.faults_served += due
        return due

    def not_found(self, request: Request) -> Response:
        return _error(404, "invalid_request_error", f"Not found: {request.path}")

    def rate_limit_key(self, request: Request) -> str | None:
        return request.headers.get("x-api-key", "anonymous")

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
        }
        if remaining <= 0:
            # A live answer with budget left carries no reset; the reference documents it.
            headers["X-RateLimit-Reset"] = str(int(time.time() + reset + 0.999))
        return headers

    def rate_limited_response(self, retry_after: float) -> Response:
        reset = int(time.time() + retry_after + 0.999)
        return _error(
            429,
            "too_many_requests",
            f"You performed more than {self.rate_limit_per_minute} requests per minute. Limit will be reseted at {reset}.",
        )

    def _unauthorized(self, request: Request) -> Response | None:
        given = request.headers.get("x-api-key")
        if given == self.api_key:
            return None
        return _error(401, "unauthorized", f"Failed to find api key: {given or ''}")

    def _page_number(self, request: Request) -> int | Response:
        raw = request.param("page", "1") or "1"
        if not raw.isdigit() or int(raw) < 1:
            return _error(400, "bad_params", f"page must be a positive integer, got {raw!r}")
        return int(raw)

    def _envelope(
        self, request: Request, key: str, rows: list[dict], page: int, total: int, size: int
    ) -> Response:
        has_more = page * size < total
        next_page = None
        if has_more:
            host = request.headers.get("host", "api.persistiq.com")
            next_page = f"http://{host}{request.path}?page={page + 1}"
        return Response(
            200, {"status": "success", "errors": [], "has_more": has_more, "next_page": next_page, key: rows}
        )

    def _list(
        self, request: Request, key: str, table: VirtualTable, rows: t.Sequence[int], size: int = PAGE_SIZE
    ) -> Response:
        if denied := self._unauthorized(request):
            return denied
        page = self._page_number(request)
        if isinstance(page, Response):
            return page
        chosen = rows[(page - 1) * size : page * size]
        return self._envelope(request, key, table.rows(chosen), page, len(rows), size)

    def _list_rows(self, request: Request, key: str, records: list[dict]) -> Response:
        if denied := self._unauthorized(request):
            return denied
        page = self._page_number(request)
        if isinstance(page, Response):
            return page
        chosen = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return self._envelope(request, key, chosen, page, len(records), PAGE_SIZE)

    def _time_param(self, request: Request, name: str) -> datetime | Response | None:
        raw = request.param(name)
        if not raw:
            return None
        try:
            return parse_time(raw)
        except ValueError:
            return _error(400, "bad_params", f"{name} is not a valid ISO 8601 time: {raw!r}")

    def _lead_rows(self, updated_after: datetime | None, created_after: datetime | None) -> t.Sequence[int]:
        # Every page of one query asks for the same rows: work them out once per query and
        # table version, not once per page (which made a large sync quadratic).
        version = (self.leads.n, len(self.leads._touched_order), self.leads.last_time)
        key = (updated_after, created_after, version)
        cached = self._lead_rows_cache
        if cached and cached[0] == key:
            return cached[1]
        rows = self._query_lead_rows(updated_after, created_after)
        self._lead_rows_cache = (key, rows)
        return rows

    _lead_rows_cache: tuple[t.Any, t.Sequence[int]] | None = None

    def _query_lead_rows(
        self, updated_after: datetime | None, created_after: datetime | None
    ) -> t.Sequence[int]:
        # Oldest update first: untouched rows in creation order, then touched ones by touch time.
        selection = self.leads.select(updated_after, inclusive=False)
        rows: t.Sequence[int] = (
            selection.indices() if updated_after is not None or self.leads._touched else range(self.leads.n)
        )
        if created_after is not None:
            rows = [i for i in rows if self.leads.base_time(i) > created_after]
        if self.lead_order == "created":
            rows = sorted(rows)
        elif self.lead_order == "newest_first":
            rows = list(reversed(rows))
        return rows

    def _list_leads(self, request: Request, match: re.Match) -> Response:
        if denied := self._unauthorized(request):
            return denied
        updated_after = self._time_param(request, "updated_after")
        created_after = self._time_param(request, "created_after")
        for value in (updated_after, created_after):
            if isinstance(value, Response):
                return value
        return self._list(request, "leads", self.leads, self._lead_rows(updated_after, created_after))  # type: ignore[arg-type]

    def _list_campaign_leads(self, request: Request, match: re.Match) -> Response:
        if denied := self._unauthorized(request):
            return denied
        cid = match.group("cid")
        number = int(cid[2:]) if re.fullmatch(r"c_\d+", cid) else -1
        if not 0 <= number < self.campaigns.n:
            return _error(404, "invalid_request_error", f"Campaign {cid} not found")
        page = self._page_number(request)
        if isinstance(page, Response):
            return page
        rows = self.campaign_lead_rows(number)
        chosen = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        records = []
        for i in chosen:
            rng = random.Random(f"{self.leads.seed}:campaign_leads:{number}:{i}")
            row = self._fake("campaign_leads", rng)
            row.update(
                {
                    "id": f"cl_{number:05d}_{i:07d}",
                    "campaign_id": cid,
                    "mailbox_id": f"mbox_{number % max(self.n_users, 1):05d}",
                    "lead": self.leads.row(i),
                }
            )
            records.append(with_undocumented(row, rng))
        return self._envelope(request, "campaign_leads", records, page, len(rows), PAGE_SIZE)

    def _list_events(self, request: Request, match: re.Match) -> Response:
        if denied := self._unauthorized(request):
            return denied
        start_at = self._time_param(request, "start_at")
        end_at = self._time_param(request, "end_at")
        for value in (start_at, end_at):
            if isinstance(value, Response):
                return value
        until = end_at + timedelta(microseconds=1) if isinstance(end_at, datetime) else None
        selection = self.events.select(start_at, until, inclusive=True)  # type: ignore[arg-type]
        return self._list(request, "events", self.events, selection.indices(), EVENTS_PAGE_SIZE)


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> PersistIQSimulator:
    return PersistIQSimulator(records, seed, **options)


def demo_config(url: str) -> dict:
    return {"api_key": API_KEY, "api_url": f"{url.rstrip('/')}/v1", "start_date": "2023-01-01T00:00:00Z"}
