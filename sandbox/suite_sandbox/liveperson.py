"""LivePerson (Conversational Cloud) simulator: CSDS, account config, messaging history.

Follows /work/shared/api/liveperson.md:
- CSDS domain lookup (no auth) names the service hosts; here every service lives on this
  server, so each `baseURI` is the `Host` the request came to (`127.0.0.1:<port>`).
- Auth: OAuth 1.0a HMAC-SHA1 header signatures are verified (method, URL and query string;
  JSON bodies are not signed, as RFC 5849 says), or a Bearer token from the Sentinel
  client-credentials endpoint. Bad signatures and unknown tokens get 401.
- Account config (users, skills, agentGroups, campaigns): one GET, a bare JSON array,
  `v` required, `include_deleted` defaults to false.
- Conversations search: POST with `start {from, to}` (epoch ms, required, inclusive, rounded
  outward to 10 minutes, at most 3 months), `latestSkillIds` filter, offset/limit (max 100),
  `sort=start:asc|desc`, `source` required, `_metadata.count` and `_metadata.next.href`.
- 429s carry no headers (LivePerson documents none).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import secrets
import time
import typing as t
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urlencode

from suite_sandbox.data import VirtualTable
from suite_sandbox.server import Request, Response, Simulator

ACCOUNT_ID = "41234567"
APP_KEY = "sandbox-lp-app-key-7f3a"
APP_SECRET = "sandbox-lp-app-secret-91bc"
ACCESS_TOKEN = "sandbox-lp-access-token-5d20"
ACCESS_TOKEN_SECRET = "sandbox-lp-token-secret-c4e8"
CLIENT_ID = "sandbox-lp-client-id"
CLIENT_SECRET = "sandbox-lp-client-secret-0a6f"

UNASSIGNED_SKILL_ID = -1
SERVICES = (
    "accountConfigReadOnly",
    "accountConfigReadWrite",
    "msgHist",
    "sentinel",
    "agentVep",
    "engHistDomain",
)
MAX_RANGE = timedelta(days=92)  # "3 months"
RETENTION = timedelta(days=395)  # 13 months
ROUNDING_MS = 10 * 60 * 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
OAUTH_TIMESTAMP_SKEW = 600
RESERVE_STEPS = 10

_CONFIG = r"/api/account/(?P<acct>[^/]+)/configuration"


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _escape(value: str) -> str:
    return quote(value, safe="~")


def _lp_time(ts: datetime) -> str:
    """LivePerson's own string format, e.g. `2016-08-29 14:30:24.565+0000`."""
    return ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


class LivePersonSimulator(Simulator):
    """One LivePerson account served on one host."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        skills: int = 6,
        users: int = 12,
        now: datetime | None = None,
        span_days: float = 100,
        rate_limit_per_minute: int | None = None,
        token_ttl: int = 3600,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.account_id = ACCOUNT_ID
        self.rate_limit_per_minute = rate_limit_per_minute
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}  # bearer token -> expiry (epoch s)
        self.tokens_issued = 0
        # Conversations are spread evenly over `span_days` and end RESERVE_STEPS steps
        # before "now", so conversations added between runs still lie in the past.
        self.now = (now or datetime.now(timezone.utc)).replace(second=0, microsecond=0)
        step = timedelta(days=span_days) / max(records, 1)
        self.skills = VirtualTable("skills", skills, self._skill, seed=seed)
        self.users = VirtualTable("users", users, self._user, seed=seed)
        self.agent_groups = VirtualTable("agent_groups", 4, self._agent_group, seed=seed)
        self.campaigns = VirtualTable("campaigns", 3, self._campaign, seed=seed)
        self.conversations = VirtualTable(
            "conversations",
            records,
            self._conversation,
            seed=seed,
            start=self.now - (records + RESERVE_STEPS) * step,
            step=step,
        )
        # Newest conversations are still open; `close()` ends them (an update between runs).
        self.open_conversations: set[int] = set(range(max(records - 3, 0), records))
        self.search_bodies: list[dict] = []

        self.route("GET", r"/api/account/(?P<acct>[^/]+)/service/baseURI\.json", self._csds_all)
        self.route(
            "GET", r"/api/account/(?P<acct>[^/]+)/service/(?P<service>[^/]+)/baseURI\.json", self._csds_one
        )
        self.route("POST", r"/sentinel/api/account/(?P<acct>[^/]+)/app/token", self._token)
        self.route("GET", _CONFIG + r"/le-users/users", self._config(self.users, "6.0"))
        self.route("GET", _CONFIG + r"/le-users/skills", self._config(self.skills, "4.0"))
        self.route("GET", _CONFIG + r"/le-users/agentGroups", self._config(self.agent_groups, "2.0"))
        self.route("GET", _CONFIG + r"/le-campaigns/campaigns", self._config(self.campaigns, "3.4"))
        self.route(
            "POST", r"/messaging_history/api/account/(?P<acct>[^/]+)/conversations/search", self._search
        )

    # -- generated data ---------------------------------------------------------------

    def skill_id(self, k: int) -> int:
        return 1000 + 7 * k

    def all_skill_ids(self) -> list[int]:
        """Every skill id, deleted ones included (what `include_deleted=true` returns)."""
        return [self.skill_id(k) for k in range(self.skills.n)]

    def _skill(self, k: int, rng: random.Random, ts: datetime) -> dict:
        return {
            "id": self.skill_id(k),
            "name": f"Skill {k} {rng.choice(['Billing', 'Sales', 'Support', 'Returns'])}",
            "description": "",
            "deleted": k == self.skills.n - 1,  # the last skill is deleted (still referenced)
            "skillOrder": k + 1,
            "maxWaitTime": rng.choice([60, 120, 300]),
            "canTransfer": rng.random() < 0.8,
            "skillTransferList": [],
            "lobIds": [],
            "dateUpdated": ts.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _user(self, k: int, rng: random.Random, ts: datetime) -> dict:
        skill_ids = sorted(rng.sample(self.all_skill_ids(), k=min(2, self.skills.n)))
        return {
            "id": 2_359_235_900 + k,
            "deleted": k % 7 == 6,
            "loginName": f"agent{k}@example.com",
            "fullName": f"Agent {k}",
            "nickname": f"agent{k}",
            "email": f"agent{k}@example.com",
            "isEnabled": rng.random() < 0.9,
            "maxChats": rng.choice([2, 4, 8]),
            "maxAsyncChats": rng.choice([0, 10]),
            "employeeId": f"E{k:04d}",
            "lobIds": [],
            "lastPwdChangeDate": ts.strftime("%Y-%m-%d %H:%M:%S"),
            "skillIds": skill_ids,
            "profileIds": [3],
            "memberOf": {"agentGroupId": 1 + k % 4, "assignmentDate": ts.strftime("%Y-%m-%d %H:%M:%S")},
            "managerOf": [],
            "userTypeId": 1,
            "isApiUser": k == 0,
            "dateUpdated": ts.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _agent_group(self, k: int, rng: random.Random, ts: datetime) -> dict:
        return {
            "id": 1 + k,
            "name": f"Group {k}",
            "description": "",
            "parentGroupId": None if k == 0 else 1,
            "isEnabled": True,
            "deleted": k == 3,
            "dateUpdated": ts.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _campaign(self, k: int, rng: random.Random, ts: datetime) -> dict:
        return {
            "id": 3_300_000 + k,
            "name": f"Campaign {k}",
            "description": "",
            "startDate": ts.strftime("%Y-%m-%d %H:%M:%S"),
            "expirationDate": None,
            "goalId": 10 + k,
            "lobId": None,
            "status": "Published" if k != 2 else "Unpublished",
            "isDeleted": k == 2,
            "priority": rng.randint(1, 5),
            "engagementIds": [5000 + k, 5100 + k],
        }

    def latest_skill_id(self, i: int) -> int:
        """Each conversation has exactly one latest skill; about one in five is Unassigned."""
        rng = random.Random(f"{self.seed}:latest_skill:{i}")
        unassigned = rng.random() < 0.2
        skill_ids = self.all_skill_ids()
        return UNASSIGNED_SKILL_ID if unassigned or not skill_ids else rng.choice(skill_ids)

    def conversation_id(self, i: int) -> str:
        rng = random.Random(f"{self.seed}:conversation_id:{i}")
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def _conversation(self, i: int, rng: random.Random, ts: datetime) -> dict:
        start_ms = _ms(ts)
        is_open = i in self.open_conversations
        duration = rng.randint(60_000, 3_600_000)
        skill = self.latest_skill_id(i)
        agent = str(2_359_235_900 + rng.randrange(self.users.n))
        messages = [
            {
                "type": "TEXT_PLAIN",
                "messageData": {"msg": {"text": rng.choice(["hi", "I need help", "thanks", "bye"])}},
                "messageId": f"ms::conv:{self.conversation_id(i)}::msg:{seq}",
                "audience": "ALL",
                "seq": seq,
                "dialogId": self.conversation_id(i),
                "participantId": agent if seq % 2 else "consumer-1",
                "source": "APP",
                "time": _lp_time(ts + timedelta(seconds=30 * seq)),
                "timeL": start_ms + 30_000 * seq,
                "device": "DESKTOP",
                "sentBy": "Agent" if seq % 2 else "Consumer",
                "contextData": {"rawMetadata": "[]", "structuredMetadata": []},
            }
            for seq in range(rng.randint(1, 4))
        ]
        return {
            "info": {
                "conversationId": self.conversation_id(i),
                "brandId": self.account_id,
                "status": "OPEN" if is_open else "CLOSE",
                "startTime": _lp_time(ts),
                "startTimeL": start_ms,
                "endTime": "undefined" if is_open else _lp_time(ts + timedelta(milliseconds=duration)),
                "endTimeL": -1 if is_open else start_ms + duration,
                "duration": 0 if is_open else duration,
                "closeReason": None if is_open else rng.choice(["AGENT", "CONSUMER", "SYSTEM"]),
                "closeReasonDescription": None,
                "firstConversation": rng.random() < 0.3,
                "device": "DESKTOP",
                "browser": "CHROME",
                "operatingSystem": "WINDOWS",
                "latestAgentId": agent,
                "latestAgentNickname": f"agent{int(agent) - 2_359_235_900}",
                "latestAgentFullName": f"Agent {int(agent) - 2_359_235_900}",
                "latestSkillId": skill,
                "latestSkillName": "Unassigned"
                if skill == UNASSIGNED_SKILL_ID
                else f"Skill {(skill - 1000) // 7}",
                "latestAgentGroupId": -1 if skill == UNASSIGNED_SKILL_ID else 1 + i % 4,
                "latestAgentGroupName": "Unassigned" if skill == UNASSIGNED_SKILL_ID else f"Group {i % 4}",
                "latestQueueState": "ACTIVE" if is_open else "IN_QUEUE",
                "isPartial": False,
                "mcs": rng.randint(-100, 100),
                "source": "APP",
                "language": "en-US",
            },
            "campaign": {"campaignEngagementId": str(5000 + i % 3), "campaignId": str(3_300_000 + i % 3)},
            "messageRecords": messages,
            "agentParticipants": [
                {
                    "agentId": agent,
                    "agentLoginName": f"agent{int(agent) - 2_359_235_900}@example.com",
                    "role": "ASSIGNED_AGENT",
                    "permission": "ASSIGNED_AGENT",
                    "time": _lp_time(ts),
                    "timeL": start_ms,
                },
            ],
            "consumerParticipants": [
                {
                    "participantId": "consumer-1",
                    "firstName": None,
                    "lastName": None,
                    "avatarURL": None,
                    "time": _lp_time(ts),
                    "timeL": start_ms,
                    "consumerName": "Consumer",
                    "dialogId": self.conversation_id(i),
                },
            ],
            "messageScores": [
                {
                    "messageId": m["messageId"],
                    "mcs": rng.randint(-100, 100),
                    "time": m["time"],
                    "timeL": m["timeL"],
                }
                for m in messages
            ],
            "conversationSurveys": [],
            "summary": {"text": "", "lastUpdatedTime": start_ms},
            "unAuthSdes": {"events": []},
            "transfers": [],
            "interactions": [
                {
                    "assignedAgentId": agent,
                    "agentLoginName": f"agent{int(agent) - 2_359_235_900}@example.com",
                    "interactionTime": _lp_time(ts),
                    "interactionTimeL": start_ms,
                    "interactiveSequence": 1,
                },
            ],
            "sdes": {"events": []},
        }

    # -- helpers for tests ------------------------------------------------------------

    def conversation_indices(self, since: datetime | None = None, skill_id: int | None = None) -> list[int]:
        """Conversations started at or after `since` (all if None), oldest first."""
        where = None if skill_id is None else (lambda i: self.latest_skill_id(i) == skill_id)
        return self.conversations.select(since, where=where).indices()

    def conversation_ids(self, since: datetime | None = None, skill_id: int | None = None) -> list[str]:
        return [self.conversation_id(i) for i in self.conversation_indices(since, skill_id)]

    def close(self, indices: t.Iterable[int]) -> None:
        """End open conversations (their start time, and so their place, stays)."""
        self.open_conversations -= set(indices)

    def add_conversations(self, count: int) -> range:
        """New conversations after the newest one (still before the real clock)."""
        return self.conversations.append(count)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # -- auth -------------------------------------------------------------------------

    def _oauth1_signature_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header[len("OAuth ") :])}
        if (
            params.get("oauth_consumer_key") != APP_KEY
            or params.get("oauth_token") != ACCESS_TOKEN
            or params.get("oauth_signature_method") != "HMAC-SHA1"
            or "oauth_signature" not in params
        ):
            return False
        try:
            if abs(time.time() - int(params.get("oauth_timestamp", "0"))) > OAUTH_TIMESTAMP_SKEW:
                return False
        except ValueError:
            return False
        # RFC 5849 3.4.1: method & base URI & sorted, encoded query + oauth params.
        pairs = [(k, v) for k, values in request.query.items() for v in values]
        pairs += [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        normalized = "&".join(f"{k}={v}" for k, v in sorted((_escape(k), _escape(v)) for k, v in pairs))
        base_uri = f"http://{request.headers.get('host', '').lower()}{request.path}"
        base = "&".join(_escape(part) for part in (request.method.upper(), base_uri, normalized))
        key = f"{_escape(APP_SECRET)}&{_escape(ACCESS_TOKEN_SECRET)}"
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
        return hmac.compare_digest(expected, params["oauth_signature"])

    def _auth_error(self, request: Request, acct: str) -> Response | None:
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            ok = self._oauth1_signature_ok(request)
            reason = "OAuth signature verification failed"
        elif header.startswith("Bearer "):
            expiry = self.tokens.get(header[len("Bearer ") :])
            ok = expiry is not None and expiry > time.time()
            reason = "invalid or expired access token"
        else:
            ok, reason = False, "missing Authorization header"
        if not ok:
            return Response(401, {"code": 401, "message": f"Unauthorized: {reason}"})
        if acct != self.account_id:
            return Response(403, {"code": 403, "message": f"Forbidden: no access to account {acct}"})
        return None

    def rate_limit_key(self, request: Request) -> str | None:
        # The budget belongs to the API key (or token), not to each signed header.
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            match = re.search(r'oauth_consumer_key="([^"]*)"', header)
            return match.group(1) if match else "oauth1"
        return header or None

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response(429, {"code": 429, "message": "Too Many Requests"})

    # -- handlers ---------------------------------------------------------------------

    def _csds_records(self, request: Request, acct: str) -> list[dict]:
        host = request.headers.get("host", "127.0.0.1")
        return [{"service": s, "account": acct, "baseURI": host} for s in SERVICES]

    def _csds_all(self, request: Request, match: re.Match[str]) -> Response:
        if request.param("version") != "1.0":
            return Response(400, {"code": 400, "message": "version parameter must be 1.0"})
        if match["acct"] != self.account_id:
            return Response(404, {"code": 404, "message": f"account {match['acct']} not found"})
        return Response(200, {"baseURIs": self._csds_records(request, match["acct"])})

    def _csds_one(self, request: Request, match: re.Match[str]) -> Response:
        if request.param("version") != "1.0":
            return Response(400, {"code": 400, "message": "version parameter must be 1.0"})
        records = [r for r in self._csds_records(request, match["acct"]) if r["service"] == match["service"]]
        if match["acct"] != self.account_id or not records:
            return Response(404, {"code": 404, "message": "service or account not found"})
        return Response(200, records[0])

    def _token(self, request: Request, match: re.Match[str]) -> Response:
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            return Response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
            )
        if (
            form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or match["acct"] != self.account_id
        ):
            return Response(
                401, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.token_ttl
        self.tokens_issued += 1
        return Response(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl})

    def _config(self, table: VirtualTable, version: str) -> t.Callable[[Request, re.Match[str]], Response]:
        def handler(request: Request, match: re.Match[str]) -> Response:
            if error := self._auth_error(request, match["acct"]):
                return error
            if not request.param("v"):
                return Response(400, {"code": 400, "message": "Missing mandatory parameter: v"})
            rows = table.rows(range(table.n))
            if request.param("include_deleted", "false").lower() != "true":
                rows = [r for r in rows if not (r.get("deleted") or r.get("isDeleted"))]
            return Response(200, rows, {"ac-revision": str(table.n)})

        return handler

    def _bad_request(self, message: str) -> Response:
        return Response(400, {"code": 400, "message": message})

    _selection_cache: tuple[t.Any, t.Any] | None = None

    def _selection(self, since: datetime, until: datetime, wanted: set[int] | None) -> t.Any:
        """The conversations a search matches, worked out once per search (every page of it
        asks the same), not once per page: filtering a window row by row made paging quadratic."""
        table = self.conversations
        key = (
            since,
            until,
            frozenset(wanted) if wanted is not None else None,
            table.n,
            len(table._touched_order),
            table.last_time,
        )
        if self._selection_cache and self._selection_cache[0] == key:
            return self._selection_cache[1]
        where = None if wanted is None else (lambda i: self.latest_skill_id(i) in wanted)
        selection = table.select(since, until, where=where)
        self._selection_cache = (key, selection)
        return selection

    def _search(self, request: Request, match: re.Match[str]) -> Response:
        if error := self._auth_error(request, match["acct"]):
            return error
        source = request.param("source")
        if not source or len(source) > 20:
            return self._bad_request("source query parameter is required (at most 20 characters)")
        try:
            body = request.json()
        except ValueError:
            return self._bad_request("body is not valid JSON")
        if not isinstance(body, dict):
            return self._bad_request("body must be a JSON object")
        self.search_bodies.append(body)
        start = body.get("start")
        if (
            not isinstance(start, dict)
            or not isinstance(start.get("from"), int)
            or not isinstance(start.get("to"), int)
        ):
            return self._bad_request("start.from and start.to (epoch milliseconds) are required")
        if start["to"] < start["from"]:
            return self._bad_request("start.to must not be before start.from")
        if start["to"] - start["from"] > MAX_RANGE.total_seconds() * 1000:
            return self._bad_request("start range may not exceed 3 months")
        # Inclusive on both ends, rounded outward to 10 minutes; nothing beyond retention.
        since = _from_ms(start["from"] // ROUNDING_MS * ROUNDING_MS)
        since = max(since, datetime.now(timezone.utc) - RETENTION)
        until = _from_ms(-(-start["to"] // ROUNDING_MS) * ROUNDING_MS + 1)
        skills = body.get("latestSkillIds")
        wanted = None if skills is None else {int(s) for s in skills}
        selection = self._selection(since, until, wanted)
        try:
            offset = int(request.param("offset", "0") or 0)
            limit = min(int(request.param("limit", str(DEFAULT_LIMIT)) or DEFAULT_LIMIT), MAX_LIMIT)
        except ValueError:
            return self._bad_request("offset and limit must be integers")
        sort = request.param("sort", "start:asc")
        count = len(selection)
        if sort == "start:desc":
            lo = max(count - offset - limit, 0)
            indices = list(reversed(selection.indices(lo, count - offset)))
        else:
            indices = selection.indices(offset, limit)
        host = request.headers.get("host", "127.0.0.1")
        base = f"http://{host}{request.path}"
        params = {k: v[-1] for k, v in request.query.items()}
        metadata: dict[str, t.Any] = {
            "count": count,
            "self": {
                "rel": "self",
                "href": f"{base}?{urlencode({**params, 'offset': offset, 'limit': limit})}",
            },
            "shardsStatusResult": {"partialResult": False},
        }
        if offset + limit < count:
            metadata["next"] = {
                "rel": "next",
                "href": f"{base}?{urlencode({**params, 'offset': offset + limit, 'limit': limit})}",
            }
        if offset > 0:
            metadata["prev"] = {
                "rel": "prev",
                "href": f"{base}?{urlencode({**params, 'offset': max(offset - limit, 0), 'limit': limit})}",
            }
        return Response(
            200, {"_metadata": metadata, "conversationHistoryRecords": self.conversations.rows(indices)}
        )


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> LivePersonSimulator:
    return LivePersonSimulator(records=records, seed=seed, **options)


def demo_config(url: str) -> dict:
    """A working OAuth1 tap config against a simulator served at `url`."""
    return {
        "account_id": ACCOUNT_ID,
        "api_url": url,
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "access_token": ACCESS_TOKEN,
        "access_token_secret": ACCESS_TOKEN_SECRET,
        "start_date": (datetime.now(timezone.utc) - timedelta(days=120)).strftime("%Y-%m-%dT00:00:00Z"),
    }


def demo_config_oauth2(url: str) -> dict:
    """The same config with OAuth 2.0 client credentials instead of OAuth1 keys."""
    config = {
        k: v
        for k, v in demo_config(url).items()
        if k not in ("app_key", "app_secret", "access_token", "access_token_secret")
    }
    return {**config, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
