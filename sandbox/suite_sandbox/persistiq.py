"""PersistIQ API simulator (see /work/shared/api/persistiq.md).

What it reproduces of the real API:
- `x-api-key` header auth; a missing or wrong key gets the real 401 body
  `{"status": "error", "error": {"reason": "unauthorized", "message": "Failed to find api key: ..."}}`
  (the message echoes the key it was given, so tests can check the tap redacts it);
- list envelopes `{"status": "success", "errors": [], "has_more", "next_page", "<key>": [...]}`
  with fixed page sizes (100; events 500) and `next_page` an absolute URL carrying only `page`
  (whether the real one keeps filters is unconfirmed, so a tap must not rely on it);
- lead filters `updated_after` / `created_after` (exclusive) over an internal update time that
  is NOT part of the lead record, as on the real API; leads listed in creation order;
- events `start_at` / `end_at` (inclusive), `campaigns/{id}/leads`, unpaged lead statuses/fields;
- 100 requests per minute per key with `X-RateLimit-Limit/Remaining/Reset` (epoch) headers and
  the real 429 body ("... Limit will be reseted at <epoch>."); an `x-request-id` on every answer.
"""

from __future__ import annotations

import re
import time
import typing as t
import uuid
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.server import Request, Response, Simulator

if t.TYPE_CHECKING:
    import random

API_KEY = "piq-sandbox-key-7f3c2a"
PAGE_SIZE = 100
EVENTS_PAGE_SIZE = 500
LEAD_STATUSES = ("active", "replied", "bounced", "optedout", "finished", "paused")
CUSTOM_FIELDS = ("industry_segment", "deal_size")


def _error(status: int, reason: str, message: str) -> Response:
    return Response(status, {"status": "error", "error": {"reason": reason, "message": message}})


class PersistIQSimulator(Simulator):
    """The PersistIQ v1 read API over generated data."""

    rate_limit_per_minute: int | None = 100

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        users: int = 5,
        campaigns: int = 4,
        events: int | None = None,
        dnc_domains: int = 30,
        api_key: str = API_KEY,
        rate_limit_per_minute: int | None = 100,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.rate_limit_per_minute = rate_limit_per_minute
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
        self.statuses = [{"id": f"lss_{i:04d}", "name": name} for i, name in enumerate(LEAD_STATUSES)]
        self.fields = [
            {"id": f"lcf_{i:04d}", "label": name.replace("_", " ").title(), "name": name}
            for i, name in enumerate(CUSTOM_FIELDS)
        ]
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
        self.route("GET", r"/v1/lead_statuses", lambda r, m: self._unpaged(r, "lead_statuses", self.statuses))
        self.route("GET", r"/v1/lead_fields", lambda r, m: self._unpaged(r, "lead_fields", self.fields))

    # -- generated rows ---------------------------------------------------------------

    def user_id(self, i: int) -> str:
        return f"u_{i:05d}"

    def lead_id(self, i: int) -> str:
        return f"l_{i:07d}"

    def campaign_id(self, i: int) -> str:
        return f"c_{i:05d}"

    def _user(self, i: int, rng: random.Random, ts: datetime) -> dict:
        return {
            "id": self.user_id(i),
            "name": f"User {i}",
            "email": f"user{i}@acme.test",
            "activated": rng.random() > 0.1,
            "default_mailbox_id": f"mbox_{i:05d}",
            "salesforce_id": None,
            "mailboxes": [
                {
                    "id": f"mbox_{i:05d}",
                    "email": f"user{i}@acme.test",
                    "campaign_ids": [
                        self.campaign_id(c) for c in range(self.n_campaigns) if c % max(self.n_users, 1) == i
                    ],
                }
            ],
        }

    def _lead(self, i: int, rng: random.Random, ts: datetime) -> dict:
        sent = rng.randint(0, 6)
        # A lead updated since creation (touched) shows one more email sent.
        touched = ts != self.leads.base_time(i)
        return {
            "id": self.lead_id(i),
            "status": rng.choice(LEAD_STATUSES),
            "bounced": rng.random() < 0.05,
            "optedout": rng.random() < 0.05,
            "owner_id": self.user_id(i % max(self.n_users, 1)),
            "creator_id": self.user_id(rng.randrange(max(self.n_users, 1))),
            "sent_count": sent + int(touched),
            "replied_count": rng.randint(0, sent),
            "last_sent_at": iso(ts) if sent or touched else None,
            "data": {
                "email": f"lead{i}@example{i % 17}.test",
                "first_name": f"First{i}",
                "last_name": None if i % 5 == 0 else f"Last{i}",
                "company_name": f"Company {i % 23}",
                "title": rng.choice(["CEO", "CTO", "VP Sales", None]),
                "phone": None,
                "industry_segment": rng.choice(["saas", "retail", "health"]),
                "deal_size": str(rng.randint(1, 100) * 1000),
            },
        }

    def _campaign(self, i: int, rng: random.Random, ts: datetime) -> dict:
        owner = i % max(self.n_users, 1)
        total = len(self.campaign_lead_rows(i))
        contacted = rng.randint(0, total)
        return {
            "id": self.campaign_id(i),
            "name": f"Campaign {i}",
            "creator": {
                "id": self.user_id(owner),
                "name": f"User {owner}",
                "email": f"user{owner}@acme.test",
            },
            "stats": {
                "prospects_contacted": contacted,
                "prospects_reached": contacted,
                "prospects_opened": contacted // 2,
                "prospects_replied": contacted // 4,
                "prospects_bounced": 0,
                "prospects_optedout": 0,
                "total_prospects": total,
            },
        }

    def _event(self, i: int, rng: random.Random, ts: datetime) -> dict:
        kind = rng.choice(["lead_created", "lead_updated", "campaign_lead_added", "email_sent"])
        lead = rng.randrange(max(self.leads.n, 1))
        return {
            "id": f"evt_{i:07d}",
            "kind": kind,
            "event_at": iso(ts),
            "user_id": self.user_id(i % max(self.n_users, 1)),
            "lead": {"id": self.lead_id(lead)},
            "params": {"source": "sandbox"},
        }

    def _dnc_domain(self, i: int, rng: random.Random, ts: datetime) -> dict:
        return {"id": f"dom_{i:05d}", "name": f"blocked{i}.test"}

    # -- public helpers for tests -----------------------------------------------------

    def campaign_lead_rows(self, campaign: int) -> list[int]:
        """Lead rows in campaign `campaign`; every (campaigns+1)-th lead is in none."""
        return [i for i in range(campaign, self.leads.n, self.n_campaigns + 1)]

    def campaign_leads_by_campaign(self) -> dict[str, list[str]]:
        """Campaign id -> ids of its campaign leads, as a full sync must return them."""
        return {
            self.campaign_id(c): [f"cl_{c:05d}_{i:07d}" for i in self.campaign_lead_rows(c)]
            for c in range(self.campaigns.n)
        }

    def lead_ids(self, since: datetime | None = None) -> list[str]:
        """Ids of the leads `updated_after=since` returns (all leads without `since`)."""
        return [self.lead_id(i) for i in self._lead_rows(since, None)]

    def update_leads(self, rows: t.Iterable[int], at: datetime | None = None) -> None:
        """Update leads now (or `at`), as a user editing them in PersistIQ would."""
        self.leads.touch(rows, at or datetime.now(timezone.utc))

    # -- handlers ---------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        response.headers.setdefault("x-request-id", str(uuid.uuid4()))
        return response

    def not_found(self, request: Request) -> Response:
        return _error(404, "invalid_request_error", f"Not found: {request.path}")

    def rate_limit_key(self, request: Request) -> str | None:
        return request.headers.get("x-api-key", "anonymous")

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": str(int(time.time() + reset + 0.999)),
        }

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

    def _unpaged(self, request: Request, key: str, records: list[dict]) -> Response:
        if denied := self._unauthorized(request):
            return denied
        return Response(200, {"status": "success", "errors": [], key: records})

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
        # Listed in creation order, so an update during a sync moves no lead across pages.
        if updated_after is None:
            rows: t.Sequence[int] = range(self.leads.n)
        else:
            rows = sorted(self.leads.select(updated_after, inclusive=False).indices())
        if created_after is not None:
            rows = [i for i in rows if self.leads.base_time(i) > created_after]
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
        records = [
            {
                "id": f"cl_{number:05d}_{i:07d}",
                "campaign_id": cid,
                "mailbox_id": f"mbox_{number % max(self.n_users, 1):05d}",
                "lead": self.leads.row(i),
            }
            for i in chosen
        ]
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
