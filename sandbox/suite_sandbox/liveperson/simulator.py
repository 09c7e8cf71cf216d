"""LivePerson (Conversational Cloud) simulator: CSDS, Sentinel, account config, history, operations.

Built from the developer-center docs (see `scripts/specs/liveperson_fields.py`):
- the Domain API (CSDS, no auth) names a host per service, each served on its own port
  (`hosts.py`); a service's paths answer 404 on any other host;
- auth: OAuth 1.0a signatures (replayed nonces refused) or Sentinel tokens; only v2 tokens
  open the data APIs (`auth.py`);
- account config (users, skills, agentGroups, status reasons, campaigns): one GET, a bare
  JSON array; `v` required where documented, `include_deleted` defaults to false, Users
  and Skills answer their default field lists unless `select` asks for more;
- conversations search: POST `start {from, to}` (epoch ms, inclusive, rounded outward to 10
  minutes, at most 3 months), `latestUpdateTime {from}`, `latestSkillIds`, offset/limit
  (max 100), `sort`, required `source`, `_metadata.count`/`next.href`/`shardsStatusResult`;
  conversation by id; engagement history (windows of at most a month, ended chats only);
- operational real-time GETs (`operations.py`);
- 429s carry no headers (LivePerson documents none).
"""

from __future__ import annotations

import re
import typing as t
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from suite_sandbox.liveperson.auth import Credentials
from suite_sandbox.liveperson.chats import Chats
from suite_sandbox.liveperson.constants import (
    ACCOUNT_ID,
    DEFAULT_LIMIT,
    MAX_CHAT_RANGE,
    MAX_LIMIT,
    MAX_RANGE,
    MAX_SOURCE_LENGTH,
    RETENTION,
    ROUNDING_MS,
    SERVICES,
    from_ms,
)
from suite_sandbox.liveperson.conversations import Conversations
from suite_sandbox.liveperson.hosts import ServiceHosts
from suite_sandbox.liveperson.operations import Operations
from suite_sandbox.liveperson.records import AccountConfig, Faker
from suite_sandbox.server import Request, Response, Simulator

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from suite_sandbox.data import VirtualTable

Handler = t.Callable[[Request, re.Match[str]], Response]

_ACCT = r"/api/account/(?P<acct>[^/]+)"
_CONFIG = _ACCT + r"/configuration"
_HISTORY = r"/messaging_history/api/account/(?P<acct>[^/]+)/conversations"
#: Fields the Users and Skills APIs answer unless `select` asks for others (their docs).
DEFAULT_SELECT = {"users": ("id", "pid", "deleted", "loginName"), "skills": ("id", "deleted", "name")}


def _bad_request(message: str) -> Response:
    return Response(400, {"code": 400, "message": message})


def _selected(row: dict, select: str | None, default: t.Sequence[str] | None) -> dict:
    """`row` trimmed as a YOGA `select` (a comma list, or `$all`) or the default list asks."""
    if select == "$all" or (select is None and default is None):
        return row
    names = default if select is None else [n.strip() for n in select.split(",")]
    return {k: v for k, v in row.items() if k in names}


class LivePersonSimulator(Simulator):
    """One LivePerson account, with one host per service."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        skills: int = 6,
        users: int = 12,
        chats: int | None = None,
        now: datetime | None = None,
        span_days: float = 100,
        rate_limit_per_minute: int | None = None,
        token_ttl: int = 3600,
        partial_every: int | None = 23,
        missing_services: t.Sequence[str] = (),
        forbidden: t.Sequence[str] = (),
        separate_hosts: bool = True,
        refuse_replays: bool = True,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.account_id = ACCOUNT_ID
        self.rate_limit_per_minute = rate_limit_per_minute
        self.now = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0)
        self.faker = Faker(seed)
        self.config = AccountConfig(self.faker, skills=skills, users=users)
        self.credentials = Credentials(ACCOUNT_ID, token_ttl=token_ttl, refuse_replays=refuse_replays)
        self.hosts = ServiceHosts(
            self, [s for s in SERVICES if s not in missing_services], separate=separate_hosts
        )
        #: Path regexes answered 403 (an account without that API's permission or feature).
        self.forbidden = tuple(forbidden)
        self.history = Conversations(
            self.faker,
            self.config,
            records=records,
            now=self.now,
            span_days=span_days,
            partial_every=partial_every,
        )
        self.chats = Chats(
            self.faker,
            self.config,
            records=records // 2 if chats is None else chats,
            now=self.now,
            span_days=span_days,
            partial_every=partial_every,
        )
        self.operations = Operations(self.faker, self.config, self.now)
        table = self._table
        self.skills = table("skills", skills, self.config.skill)
        self.users = table("users", users, self.config.user)
        self.agent_groups = table("agent_groups", self.config.group_count, self.config.agent_group)
        self.status_reasons = table(
            "status_reasons", self.config.status_reason_count, self.config.status_reason
        )
        self.campaigns = table("campaigns", self.config.campaign_count, self.config.campaign)
        self.search_bodies: list[dict] = []
        self._routes()

    def _table(self, name: str, n: int, make: Callable[[int, datetime], dict]) -> VirtualTable:
        from suite_sandbox.data import VirtualTable

        return VirtualTable(name, n, lambda k, _rng, ts: make(k, ts), seed=self.seed)

    def _routes(self) -> None:
        on = self._on
        self.route("GET", _ACCT + r"/service/baseURI\.json", self._csds_all)
        self.route("GET", _ACCT + r"/service/(?P<service>[^/]+)/baseURI\.json", self._csds_one)
        self.route("POST", r"/sentinel/api/account/(?P<acct>[^/]+)/app/token", on("sentinel", self._token(1)))
        self.route(
            "POST", r"/sentinel/api/v2/account/(?P<acct>[^/]+)/app/token", on("sentinel", self._token(2))
        )
        config = "accountConfigReadOnly"
        self.route("GET", _CONFIG + r"/le-users/users", on(config, self._config(self.users, "users")))
        self.route("GET", _CONFIG + r"/le-users/skills", on(config, self._config(self.skills, "skills")))
        self.route(
            "GET", _CONFIG + r"/le-users/agentGroups", on(config, self._config(self.agent_groups, "groups"))
        )
        self.route(
            "GET",
            _CONFIG + r"/le-agents/status-reasons",
            on(config, self._config(self.status_reasons, "status", version=False)),
        )
        self.route(
            "GET", _CONFIG + r"/le-campaigns/campaigns", on(config, self._config(self.campaigns, "campaigns"))
        )
        self.route("POST", _HISTORY + r"/search", on("msgHist", self._search))
        self.route("POST", _HISTORY + r"/conversation/search", on("msgHist", self._by_id))
        self.route(
            "POST",
            r"/interaction_history/api/account/(?P<acct>[^/]+)/interactions/search",
            on("engHistDomain", self._chat_search),
        )
        operations = r"/operations/api/account/(?P<acct>[^/]+)"
        reporting = "leDataReporting"
        self.route(
            "GET",
            operations + "/queuehealth",
            on(reporting, lambda r, m: self.operations.queue_health(r, messaging=False)),
        )
        self.route(
            "GET",
            operations + "/msgqueuehealth",
            on(reporting, lambda r, m: self.operations.queue_health(r, messaging=True)),
        )
        self.route(
            "GET",
            operations + "/agentactivity",
            on(reporting, lambda r, m: self.operations.agent_activity(r)),
        )

    # -- helpers for tests ------------------------------------------------------------

    @property
    def conversations(self) -> VirtualTable:
        return self.history.table

    @property
    def open_conversations(self) -> set[int]:
        return {i for i in self.history.open if self.history.is_open(i)}

    @property
    def tokens_issued(self) -> int:
        return self.credentials.tokens_issued

    def all_skill_ids(self) -> list[int]:
        return self.config.skill_ids()

    def latest_skill_id(self, i: int) -> int:
        return self.history.latest_skill_id(i)

    def conversation_id(self, i: int) -> str:
        return self.history.conversation_id(i)

    def conversation_indices(self, since: datetime | None = None, skill_id: int | None = None) -> list[int]:
        return self.history.indices(since, skill_id)

    def conversation_ids(self, since: datetime | None = None, skill_id: int | None = None) -> list[str]:
        return [self.conversation_id(i) for i in self.conversation_indices(since, skill_id)]

    def close(self, indices: t.Iterable[int], at: datetime | None = None) -> None:
        self.history.close(indices, at)

    def transfer(self, i: int, skill_id: int, at: datetime | None = None) -> None:
        self.history.transfer(i, skill_id, at)

    def add_message(self, i: int, at: datetime | None = None) -> None:
        self.history.add_message(i, at)

    def add_conversations(self, count: int) -> range:
        """New conversations after the newest one (still before the real clock)."""
        return self.history.append(count)

    def fail_shards(self, answers: int) -> None:
        """The next `answers` searches report a partial shard result (and miss records)."""
        self.history.partial_answers += answers

    def chat_ids(self, since: datetime | None = None) -> list[str]:
        start = since or self.chats.table.start
        return [self.chats.engagement_id(i) for i in self.chats.ended(start, self.now + timedelta(days=1))]

    def expire_tokens(self) -> None:
        self.credentials.expire_tokens()

    def service_url(self, service: str) -> str:
        """`http://host:port` of a service (as CSDS names it)."""
        return self.hosts.url(service)

    def shutdown(self) -> None:
        """Stop the service hosts (the Domain API server is stopped by whoever started it)."""
        self.hosts.close()

    # -- auth -------------------------------------------------------------------------

    def _on(self, service: str, handler: Handler) -> Handler:
        """`handler` on the host of `service` only, behind its auth."""

        def on_host(request: Request, match: re.Match[str]) -> Response:
            if not self.hosts.serves(request, service):
                return Response(404, {"code": 404, "message": f"{request.path} is not served on this host"})
            if service == "sentinel":
                return handler(request, match)
            if reason := self.credentials.auth_error(request):
                return Response(401, {"code": 401, "message": f"Unauthorized: {reason}"})
            if match["acct"] != self.account_id:
                return Response(
                    403, {"code": 403, "message": f"Forbidden: no access to account {match['acct']}"}
                )
            if any(re.search(pattern, request.path) for pattern in self.forbidden):
                return Response(403, {"code": 403, "message": "Forbidden: not authorized for this API"})
            return handler(request, match)

        return on_host

    def rate_limit_key(self, request: Request) -> str | None:
        # The budget belongs to the API key (or token), not to each signed header.
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            match = re.search(r'oauth_consumer_key="([^"]*)"', header)
            return match.group(1) if match else "oauth1"
        return header or None

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response(429, {"code": 429, "message": "Too Many Requests"})

    def _token(self, version: int) -> Handler:
        return lambda request, match: self.credentials.issue(request, match["acct"], version=version)

    # -- Domain API (CSDS) ------------------------------------------------------------

    def _csds_records(self, request: Request, acct: str) -> list[dict]:
        self.hosts.shared_host = self.hosts.shared_host or request.headers.get("host", "127.0.0.1")
        return [{"service": s, "account": acct, "baseURI": self.hosts.host(s)} for s in self.hosts.services]

    def _csds_all(self, request: Request, match: re.Match[str]) -> Response:
        if request.param("version") != "1.0":
            return _bad_request("version parameter must be 1.0")
        if match["acct"] != self.account_id:
            return Response(404, {"code": 404, "message": f"account {match['acct']} not found"})
        return Response(200, {"baseURIs": self._csds_records(request, match["acct"])})

    def _csds_one(self, request: Request, match: re.Match[str]) -> Response:
        if request.param("version") != "1.0":
            return _bad_request("version parameter must be 1.0")
        records = [r for r in self._csds_records(request, match["acct"]) if r["service"] == match["service"]]
        if match["acct"] != self.account_id or not records:
            return Response(404, {"code": 404, "message": "service or account not found"})
        return Response(200, records[0])

    # -- account config ---------------------------------------------------------------

    def _config(self, table: VirtualTable, kind: str, *, version: bool = True) -> Handler:
        def handler(request: Request, match: re.Match[str]) -> Response:
            if version and not request.param("v"):
                return _bad_request("Missing mandatory parameter: v")
            rows = table.rows(range(table.n))
            if (request.param("include_deleted") or "false").lower() != "true":
                rows = [r for r in rows if not AccountConfig.is_deleted(r)]
            if kind == "campaigns":
                fields = request.query.get("fields")
                rows = [{k: v for k, v in r.items() if k in fields} for r in rows] if fields else rows
            else:
                rows = [_selected(r, request.param("select"), DEFAULT_SELECT.get(kind)) for r in rows]
            return Response(200, rows, {"ac-revision": str(table.n)})

        return handler

    # -- history searches -------------------------------------------------------------

    def _body(self, request: Request) -> dict | Response:
        source = request.param("source")
        if not source or len(source) > MAX_SOURCE_LENGTH:
            return _bad_request("source query parameter is required (at most 20 characters)")
        try:
            body = request.json()
        except ValueError:
            return _bad_request("body is not valid JSON")
        if not isinstance(body, dict):
            return _bad_request("body must be a JSON object")
        return body

    def _range(self, body: dict, limit: timedelta, what: str) -> tuple[datetime, datetime] | Response:
        start = body.get("start")
        if (
            not isinstance(start, dict)
            or not isinstance(start.get("from"), int)
            or not isinstance(start.get("to"), int)
        ):
            return _bad_request("start.from and start.to (epoch milliseconds) are required")
        if start["to"] < start["from"]:
            return _bad_request("start.to must not be before start.from")
        if start["to"] - start["from"] > limit.total_seconds() * 1000:
            return _bad_request(f"start range may not exceed {what}")
        # Inclusive on both ends, rounded outward to 10 minutes; nothing beyond retention.
        since = from_ms(start["from"] // ROUNDING_MS * ROUNDING_MS)
        since = max(since, datetime.now(timezone.utc) - RETENTION)
        return since, from_ms(-(-start["to"] // ROUNDING_MS) * ROUNDING_MS + 1)

    def _page(self, request: Request, count: int) -> tuple[int, int, dict] | Response:
        try:
            offset = int(request.param("offset", "0") or 0)
            limit = min(int(request.param("limit", str(DEFAULT_LIMIT)) or DEFAULT_LIMIT), MAX_LIMIT)
        except ValueError:
            return _bad_request("offset and limit must be integers")
        base = f"http://{request.headers.get('host', '127.0.0.1')}{request.path}"
        params = {k: v[-1] for k, v in request.query.items()}

        def link(rel: str, at: int) -> dict:
            return {"rel": rel, "href": f"{base}?{urlencode({**params, 'offset': at, 'limit': limit})}"}

        metadata: dict[str, t.Any] = {"count": count, "self": link("self", offset)}
        if offset + limit < count:
            metadata["next"] = link("next", offset + limit)
        if offset > 0:
            metadata["prev"] = link("prev", max(offset - limit, 0))
        return offset, limit, metadata

    def _search(self, request: Request, match: re.Match[str]) -> Response:
        body = self._body(request)
        if isinstance(body, Response):
            return body
        self.search_bodies.append(body)
        window = self._range(body, MAX_RANGE, "3 months")
        if isinstance(window, Response):
            return window
        updated = body.get("latestUpdateTime")
        updated_from = None
        if updated is not None:
            if not isinstance(updated, dict) or not isinstance(updated.get("from"), int):
                return _bad_request("latestUpdateTime.from (epoch milliseconds) is required")
            updated_from = updated["from"] // ROUNDING_MS * ROUNDING_MS  # rounded down, inclusive
        skills = body.get("latestSkillIds")
        wanted = None if skills is None else {int(s) for s in skills}
        selection = self.history.select(*window, wanted, updated_from)
        page = self._page(request, len(selection))
        if isinstance(page, Response):
            return page
        offset, limit, metadata = page
        if request.param("sort", "start:asc") == "start:desc":
            count = len(selection)
            indices = list(reversed(selection.indices(max(count - offset - limit, 0), count - offset)))
        else:
            indices = selection.indices(offset, limit)
        records = [self.history.row(i, partial=True) for i in indices]
        partial = self.history.partial_answers > 0
        if partial:
            self.history.partial_answers -= 1
            records = records[: len(records) // 2]  # some shards did not answer
        metadata["shardsStatusResult"] = {"partialResult": partial}
        return Response(200, {"_metadata": metadata, "conversationHistoryRecords": records})

    def _by_id(self, request: Request, match: re.Match[str]) -> Response:
        try:
            body = request.json()
        except ValueError:
            return _bad_request("body is not valid JSON")
        conversation_id = body.get("conversationId") if isinstance(body, dict) else None
        if not isinstance(conversation_id, str):
            return _bad_request("conversationId is required")
        i = self.history.index_of(conversation_id)
        records = [] if i is None else [self.history.row(i)]
        metadata = {"count": len(records), "shardsStatusResult": {"partialResult": False}}
        return Response(200, {"_metadata": metadata, "conversationHistoryRecords": records})

    def _chat_search(self, request: Request, match: re.Match[str]) -> Response:
        body = self._body(request)
        if isinstance(body, Response):
            return body
        self.search_bodies.append(body)
        window = self._range(body, MAX_CHAT_RANGE, "one month")
        if isinstance(window, Response):
            return window
        if body.get("engagementId") is not None:
            # "When used, all time limitations are ignored."
            i = self.chats.index_of(body["engagementId"])
            indices = [] if i is None or i in self.chats.ongoing else [i]
            whole = True
        else:
            indices = self.chats.ended(*window)
            whole = False
        page = self._page(request, len(indices))
        if isinstance(page, Response):
            return page
        offset, limit, metadata = page
        records = [self.chats.row(i, partial=not whole) for i in indices[offset : offset + limit]]
        metadata["shardsStatusResult"] = {"partialResult": False}
        return Response(200, {"_metadata": metadata, "interactionHistoryRecords": records})
