"""Outreach REST API v2 simulator (see shared/api/outreach.md).

- OAuth2 token endpoint (`POST /oauth/token`, form-encoded refresh grant) checking
  client id/secret and refresh token; access tokens expire after `expires_in`; with
  `rotate=True` every refresh returns a new refresh token and invalidates the old one.
- Bearer check on every API call (401 JSON:API body for unknown/expired tokens), and
  `expire_access_tokens()` / `expire_tokens_after(n)` to kill tokens mid-sync.
- JSON:API collections under `/api/v2/<type>`: `page[size]` (default 50, max 1000),
  keyset cursor `page[after]` inside an absolute `links.next`, `filter[<time>]=a..b`,
  `filter[<relationship>][id]=1,2`, `sort=<time>|id`, `count=false`.
- `Content-Type: application/vnd.api+json` required (415 otherwise), JSON:API errors,
  `X-RateLimit-Limit/Remaining/Reset` (reset in epoch seconds) on every API answer,
  429 `rateLimitExceeded` with `Retry-After`.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import tempfile
import threading
import time
import typing as t
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlparse

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.server import Request, Response, Simulator

if t.TYPE_CHECKING:
    import re

JSONAPI = "application/vnd.api+json"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
HOURLY_LIMIT = 10_000

CLIENT_ID = "sandbox-outreach-client"
CLIENT_SECRET = "sandbox-outreach-client-secret"
REFRESH_TOKEN = "sandbox-outreach-refresh-token-0"
REDIRECT_URI = "https://localhost/oauth/callback"

Attrs = t.Callable[[int, random.Random, datetime], dict]
Rels = t.Callable[[int, random.Random], dict]


@dataclass
class Resource:
    """One JSON:API collection: its path, type, time field and row makers."""

    path: str
    type: str
    attributes: Attrs
    relationships: Rels = lambda i, rng: {}
    time_field: str | None = "updatedAt"  # filterable/sortable time; None = full table only
    size: t.Callable[[int], int] = lambda records: records
    filterable_relationships: tuple[str, ...] = ()
    table: VirtualTable = field(init=False)


def _one(kind: str, ident: int | None) -> dict:
    return {"data": {"type": kind, "id": ident} if ident else None}


def _many(kind: str, ids: t.Iterable[int]) -> dict:
    return {"data": [{"type": kind, "id": i} for i in ids]}


def _links_only(path: str, key: str, ident: int) -> dict:
    return {"links": {"related": f"/api/v2/{path}?filter[{key}][id]={ident}"}}


def _stamps(ts: datetime, rng: random.Random) -> dict:
    return {
        "createdAt": iso(ts - timedelta(days=rng.randint(0, 30)), millis=True),
        "updatedAt": iso(ts, millis=True),
    }


def _maybe(rng: random.Random, value: t.Any, p: float = 0.8) -> t.Any:
    return value if rng.random() < p else None


def _customs(rng: random.Random, n: int) -> dict:
    # Custom fields exist on every record of these types; most are empty.
    return {
        f"custom{k}": (f"c{k}-{rng.randint(1, 99)}" if rng.random() < 0.3 else None) for k in range(1, n + 1)
    }


WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


class OutreachSimulator(Simulator):
    """The Outreach API: OAuth token endpoint plus JSON:API collections."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        expires_in: int = 7200,
        rotate: bool = True,
        require_content_type: bool = True,
        rate_limit_per_minute: int | None = HOURLY_LIMIT // 60,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str = REFRESH_TOKEN,
        denied_scopes: t.Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.records = records
        self.seed = seed
        self.expires_in = expires_in
        self.rotate = rotate
        self.require_content_type = require_content_type
        self.rate_limit_per_minute = rate_limit_per_minute
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_tokens: set[str] = {refresh_token}
        # Collections (e.g. "calls") the app was not granted `<path>.read` for: 403.
        self.denied_scopes = set(denied_scopes)
        self.retired_refresh_tokens: set[str] = set()
        self.access_tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.issued_access_tokens: list[str] = []
        self.refreshes = 0
        self._api_calls = 0
        self._expire_at_call: int | None = None
        self._token_lock = threading.Lock()
        self.resources = {r.path: r for r in _resources(records)}
        for resource in self.resources.values():
            resource.table = VirtualTable(
                resource.type, resource.size(records), resource.attributes, seed=seed
            )
        self.route("POST", r"/oauth/token", self._token)
        self.route("GET", r"/api/v2/(?P<path>[A-Za-z]+)", self._collection)
        self.route("GET", r"/api/v2/(?P<path>[A-Za-z]+)/(?P<id>\d+)", self._single)

    # -- helpers for tests --------------------------------------------------------------

    def table(self, path: str) -> VirtualTable:
        return self.resources[path].table

    def ids(self, path: str, where: t.Callable[[dict], bool] | None = None) -> list[int]:
        """Every id a full sync of the collection must return."""
        table = self.table(path)
        return [i + 1 for i in range(table.n) if where is None or where(table.row(i))]

    def touch(self, path: str, ids: t.Iterable[int]) -> None:
        """Update records (by id) so they sort after everything else."""
        self.table(path).touch([i - 1 for i in ids])

    def expire_access_tokens(self) -> None:
        """Fault: every access token issued so far stops working now."""
        with self._token_lock:
            self.access_tokens.clear()

    def expire_tokens_after(self, api_calls: int) -> None:
        """Fault: expire all access tokens once `api_calls` API requests were answered."""
        self._expire_at_call = self._api_calls + api_calls

    def inject_maintenance(self, seconds: float = 1.0, path: str = "") -> None:
        """Fault: the next API request meets a 503 with `Retry-After` as an ISO timestamp."""
        until = datetime.now(tz=timezone.utc) + timedelta(seconds=seconds)
        body = {
            "errors": [
                {
                    "id": "scheduledServerMaintenance",
                    "title": "Scheduled Server Maintenance",
                    "detail": f"Outreach is down for maintenance until {iso(until)}.",
                }
            ]
        }
        self.inject(
            "status", path=path or r"^/api/", status=503, body=body, headers={"Retry-After": iso(until)}
        )

    def token_requests(self) -> list[Request]:
        return self.requests_to(r"^/oauth/token$", "POST")

    def api_requests(self, path: str) -> list[Request]:
        """Requests to one collection (e.g. "prospects"), in order."""
        return self.requests_to(rf"^/api/v2/{path}$", "GET")

    def secrets(self) -> set[str]:
        """Every credential value the API issued or accepted (none may appear in tap output)."""
        return {
            self.client_secret,
            *self.issued_access_tokens,
            *self.refresh_tokens,
            *self.retired_refresh_tokens,
        }

    # -- OAuth ----------------------------------------------------------------------------

    def _token(self, request: Request, match: re.Match[str]) -> Response:
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(
                400, "unsupported_grant_type", "The authorization grant type is not supported."
            )
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed due to unknown client.")
        with self._token_lock:
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return _oauth_error(
                    400,
                    "invalid_grant",
                    "The provided authorization grant is invalid, expired, revoked, does not match "
                    "the redirection URI used in the authorization request, or was issued to another client.",
                )
            self.refreshes += 1
            access = f"sandbox-access-{self.refreshes}-{secrets.token_hex(8)}"
            self.access_tokens[access] = time.monotonic() + self.expires_in
            self.issued_access_tokens.append(access)
            new = old
            if self.rotate:
                new = f"sandbox-outreach-refresh-token-{self.refreshes}-{secrets.token_hex(6)}"
                self.refresh_tokens.discard(old)
                self.retired_refresh_tokens.add(old)
                self.refresh_tokens.add(new)
        return Response(
            200,
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "refresh_token": new,
                "scope": " ".join(f"{p}.read" for p in self.resources),
                "created_at": int(time.time()),
            },
        )

    def _authorized(self, request: Request) -> Response | None:
        with self._token_lock:
            self._api_calls += 1
            if self._expire_at_call is not None and self._api_calls > self._expire_at_call:
                self.access_tokens.clear()
                self._expire_at_call = None
            header = request.headers.get("authorization", "")
            token = header[7:] if header.lower().startswith("bearer ") else ""
            expiry = self.access_tokens.get(token)
        if expiry is None or expiry <= time.monotonic():
            return _jsonapi_error(
                401, "unauthorized", "Unauthorized", "The access token is missing, expired or revoked."
            )
        if self.require_content_type and not request.headers.get("content-type", "").startswith(JSONAPI):
            return _jsonapi_error(
                415,
                "unsupportedMediaType",
                "Unsupported Media Type",
                f"Requests must use the '{JSONAPI}' content type.",
            )
        return None

    # -- rate limit -------------------------------------------------------------------------

    def rate_limit_key(self, request: Request) -> str | None:
        # The real budget is per user (the token owner), not per token.
        return None if request.path == "/oauth/token" else "user"

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(time.time() + reset) + 1),
        }

    def rate_limited_response(self, retry_after: float) -> Response:
        at = iso(datetime.fromtimestamp(time.time() + retry_after).astimezone())
        response = _jsonapi_error(
            429,
            "rateLimitExceeded",
            "Rate Limit Exceeded",
            f"You have exceeded your permitted rate limit of {self.rate_limit_per_minute}; please try again at {at}.",
        )
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        return response

    def not_found(self, request: Request) -> Response:
        return _jsonapi_error(
            404, "resourceNotFound", "Resource Not Found", f"Could not find '{request.path}'."
        )

    # -- collections ------------------------------------------------------------------------

    def _single(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._authorized(request):
            return denied
        resource = self.resources.get(match["path"])
        ident = int(match["id"])
        if resource is None or not 1 <= ident <= resource.table.n:
            return self.not_found(request)
        return Response(200, {"data": self._render(resource, ident - 1, request)}, content_type=JSONAPI)

    def _collection(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._authorized(request):
            return denied
        resource = self.resources.get(match["path"])
        if resource is None:
            return self.not_found(request)
        if resource.path in self.denied_scopes:
            return _jsonapi_error(
                403,
                "unauthorizedOauthScope",
                "Unauthorized OAuth Scope",
                f"Your OAuth token does not have the '{resource.path}.read' scope.",
            )
        size_text = request.param("page[size]", str(DEFAULT_PAGE_SIZE)) or ""
        if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
            return _jsonapi_error(
                400,
                "validationError",
                "Validation Error",
                f"page[size] must be between 1 and {MAX_PAGE_SIZE}.",
                "page[size]",
            )
        size = int(size_text)
        sort = request.param("sort") or "id"
        if sort not in ("id", resource.time_field):
            return _jsonapi_error(
                400,
                "badSortParameter",
                "Bad Sort Parameter",
                f"Cannot sort {resource.path} by '{sort}'.",
                "sort",
            )
        since = until = None
        relation_filters: dict[str, set[int]] = {}
        for name in request.query:
            if not name.startswith("filter["):
                continue
            value = request.param(name) or ""
            key = name[len("filter[") :].split("]")[0]
            if name.endswith("][id]") and key in resource.filterable_relationships:
                relation_filters[key] = {int(v) for v in value.split(",") if v.strip().isdigit()}
            elif key == resource.time_field and ".." in value:
                lo, hi = value.split("..", 1)
                try:
                    since = None if lo in ("", "neginf") else parse_time(lo)
                    until = None if hi in ("", "inf") else parse_time(hi)
                except ValueError:
                    return _jsonapi_error(
                        400, "validationError", "Validation Error", f"Invalid range for {name}.", name
                    )
            else:
                return _jsonapi_error(
                    400,
                    "badFilterParameter",
                    "Bad Filter Parameter",
                    f"Cannot filter {resource.path} by '{name}'.",
                    name,
                )

        table = resource.table

        def related(i: int) -> bool:
            rels = resource.relationships(i, _rng(table, i))
            for key, wanted in relation_filters.items():
                data = rels.get(key, {}).get("data")
                if not isinstance(data, dict) or data.get("id") not in wanted:
                    return False
            return True

        where = related if relation_filters else None
        cursor = _decode_cursor(request.param("page[after]"))
        if cursor is None and request.param("page[after]"):
            return _jsonapi_error(
                400, "validationError", "Validation Error", "Invalid page[after] cursor.", "page[after]"
            )
        if sort == "id":
            start = int(cursor["id"]) if cursor else 0
            if since is None and until is None and where is None:
                # Ids are row numbers + 1: an unfiltered id-ordered page is a plain range.
                chosen = list(range(start, min(table.n, start + size + 1)))
            else:
                in_range = table.select(since, until, where=where)
                chosen = sorted(i for i in in_range.indices() if i + 1 > start)[: size + 1]
        else:
            lower = since
            if cursor:
                at = parse_time(cursor["value"])
                lower = at if since is None or at > since else since
            selection = table.select(lower, until, where=where)
            chosen = []
            offset = 0
            while len(chosen) < size + 1 and offset < len(selection):
                for i in selection.indices(offset, size + 1):
                    if cursor and (table.timestamp(i), i + 1) <= (
                        parse_time(cursor["value"]),
                        int(cursor["id"]),
                    ):
                        continue
                    chosen.append(i)
                offset += size + 1
            chosen = chosen[: size + 1]
        page, more = chosen[:size], len(chosen) > size
        base = f"http://{request.headers.get('host', '127.0.0.1')}{request.path}"
        params = {k: v[-1] for k, v in request.query.items() if k != "page[after]"}
        links: dict[str, str | None] = {"first": f"{base}?{urlencode(params)}", "next": None}
        if more and page:
            last = page[-1]
            value = iso(table.timestamp(last), millis=True) if sort != "id" else None
            params["page[after]"] = _encode_cursor(
                {"controller": resource.path, "sort": sort, "value": value, "id": last + 1}
            )
            links["next"] = f"{base}?{urlencode(params)}"
        else:
            del links["next"]
        body: dict[str, t.Any] = {"data": [self._render(resource, i, request) for i in page], "links": links}
        if request.param("count", "true") != "false":
            total = len(table.select(since, until, where=where))
            body["meta"] = {"count": total, "count_truncated": False}
        return Response(200, body, content_type=JSONAPI)

    def resource_object(self, path: str, ident: int) -> dict:
        """The JSON:API object the API serves for one record."""
        return self._render(self.resources[path], ident - 1)

    def _render(self, resource: Resource, i: int, request: Request | None = None) -> dict:
        table = resource.table
        host = request.headers.get("host", "127.0.0.1") if request else "127.0.0.1"
        return {
            "type": resource.type,
            "id": i + 1,
            "attributes": table.row(i),
            "relationships": resource.relationships(i, _rng(table, i)),
            "links": {"self": f"http://{host}/api/v2/{resource.path}/{i + 1}"},
        }


def _rng(table: VirtualTable, i: int) -> random.Random:
    # Relationships get their own deterministic stream, apart from the attributes'.
    return random.Random(f"{table.seed}:{table.name}:rel:{i}")


def _encode_cursor(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def _decode_cursor(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode()))
        int(value["id"])
    except (ValueError, KeyError, TypeError):
        return None
    return value


def _jsonapi_error(
    status: int, ident: str, title: str, detail: str, parameter: str | None = None
) -> Response:
    error: dict[str, t.Any] = {"id": ident, "title": title, "detail": detail}
    if parameter:
        error["source"] = {"parameter": parameter}
    return Response(status, {"errors": [error]}, content_type=JSONAPI)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


# -- the collections ------------------------------------------------------------------------


# Small lookup tables stay small whatever the record count.
def _few(n: int) -> t.Callable[[int], int]:
    return lambda records: max(1, min(records, n))


SEQUENCES = _few(12)
USERS = _few(15)
STAGES = _few(6)


def _resources(records: int) -> list[Resource]:
    """The collections of a simulator with `records` rows in its big tables."""

    def ref(top: t.Callable[[int], int]) -> t.Callable[[random.Random], int]:
        # A to-one relationship points at an existing row of the target table.
        return lambda rng: rng.randint(1, top(records))

    user = ref(USERS)
    sequence = ref(SEQUENCES)
    stage = ref(STAGES)
    prospect = ref(lambda n: n)
    account = ref(lambda n: max(1, n // 2))

    return [
        Resource(
            "accounts",
            "account",
            lambda i, rng, ts: {
                "name": f"Account {i + 1}",
                "domain": f"acct{i + 1}.example.com",
                "industry": _maybe(rng, _word(rng)),
                "numberOfEmployees": _maybe(rng, rng.randint(1, 5000)),
                "locality": _maybe(rng, "Seattle"),
                "named": rng.random() < 0.5,
                "tags": [_word(rng)] if rng.random() < 0.5 else [],
                **_stamps(ts, rng),
                **_customs(rng, 5),
            },
            lambda i, rng: {
                "owner": _one("user", user(rng)),
                "prospects": _links_only("prospects", "account", i + 1),
            },
            size=lambda n: max(1, n // 2),
        ),
        Resource(
            "prospects",
            "prospect",
            lambda i, rng, ts: {
                "firstName": f"First{i + 1}",
                "lastName": _maybe(rng, f"Last{i + 1}"),
                "emails": [f"p{i + 1}@example.com"],
                "title": _maybe(rng, "CTO"),
                "company": _maybe(rng, "Acme"),
                "tags": [],
                "addressCity": _maybe(rng, "Paris"),
                "engagedScore": round(rng.random() * 100, 2),
                **_stamps(ts, rng),
                **_customs(rng, 5),
            },
            lambda i, rng: {
                "account": _one("account", _maybe(rng, account(rng))),
                "owner": _one("user", user(rng)),
                "stage": _one("stage", _maybe(rng, stage(rng), 0.5)),
                "mailings": _links_only("mailings", "prospect", i + 1),
                "sequenceStates": {"meta": {"count": rng.randint(0, 3)}},
            },
            filterable_relationships=("account", "owner"),
        ),
        Resource(
            "sequences",
            "sequence",
            lambda i, rng, ts: {
                "name": f"Sequence {i + 1}",
                "description": _maybe(rng, "Outbound"),
                "enabled": rng.random() < 0.7,
                "sequenceType": rng.choice(["interval", "date"]),
                "sequenceStepCount": rng.randint(1, 8),
                "tags": [],
                **_stamps(ts, rng),
            },
            lambda i, rng: {"owner": _one("user", user(rng)), "creator": _one("user", user(rng))},
            size=SEQUENCES,
        ),
        Resource(
            "sequenceSteps",
            "sequenceStep",
            lambda i, rng, ts: {
                "order": i // SEQUENCES(records) + 1,
                "stepType": rng.choice(["auto_email", "call", "task"]),
                "interval": rng.randint(0, 7) * 86400,
                "displayName": f"Step {i + 1}",
                **_stamps(ts, rng),
            },
            # Steps are spread round-robin over the sequences (a real fan-out per parent).
            lambda i, rng: {
                "sequence": _one("sequence", i % SEQUENCES(records) + 1),
                "creator": _one("user", user(rng)),
            },
            size=lambda n: max(1, n // 4),
            filterable_relationships=("sequence",),
        ),
        Resource(
            "sequenceStates",
            "sequenceState",
            lambda i, rng, ts: {
                "state": rng.choice(["active", "finished", "paused"]),
                "activeAt": _maybe(rng, iso(ts, millis=True)),
                "deliverCount": rng.randint(0, 9),
                "openCount": rng.randint(0, 9),
                "clickCount": rng.randint(0, 3),
                "replyCount": rng.randint(0, 2),
                **_stamps(ts, rng),
            },
            lambda i, rng: {
                "prospect": _one("prospect", prospect(rng)),
                "sequence": _one("sequence", sequence(rng)),
                "sequenceStep": _one("sequenceStep", _maybe(rng, 1)),
                "mailbox": _one("mailbox", 1),
            },
            filterable_relationships=("prospect", "sequence"),
        ),
        Resource(
            "calls",
            "call",
            lambda i, rng, ts: {
                "direction": rng.choice(["inbound", "outbound"]),
                "outcome": rng.choice(["Answered", "Not Answered"]),
                "note": _maybe(rng, "left a voicemail", 0.3),
                "state": "completed",
                "dialedAt": iso(ts, millis=True),
                "answeredAt": _maybe(rng, iso(ts, millis=True)),
                "completedAt": iso(ts, millis=True),
                "recordingUrl": None,
                **_stamps(ts, rng),
            },
            lambda i, rng: {
                "callDisposition": _one("callDisposition", _maybe(rng, rng.randint(1, 5))),
                "callPurpose": _one("callPurpose", _maybe(rng, rng.randint(1, 4))),
                "prospect": _one("prospect", prospect(rng)),
                "user": _one("user", user(rng)),
                "sequence": _one("sequence", _maybe(rng, sequence(rng), 0.4)),
            },
            filterable_relationships=("prospect", "user"),
        ),
        Resource(
            "callDispositions",
            "callDisposition",
            lambda i, rng, ts: {
                "name": f"Disposition {i + 1}",
                "outcome": rng.choice(["Answered", "Not Answered"]),
                "order": i + 1,
                "defaultForOutboundCall": i == 0,
                **_stamps(ts, rng),
            },
            lambda i, rng: {"creator": _one("user", user(rng))},
            size=_few(5),
        ),
        Resource(
            "callPurposes",
            "callPurpose",
            lambda i, rng, ts: {
                "name": f"Purpose {i + 1}",
                "order": i + 1,
                "defaultForOutboundCall": i == 0,
                **_stamps(ts, rng),
            },
            lambda i, rng: {"creator": _one("user", user(rng))},
            size=_few(4),
        ),
        Resource(
            "mailings",
            "mailing",
            lambda i, rng, ts: {
                "subject": f"Hello {i + 1}",
                "mailingType": rng.choice(["sequence", "single"]),
                "state": rng.choice(["delivered", "bounced", "opened"]),
                "deliveredAt": _maybe(rng, iso(ts, millis=True)),
                "openedAt": _maybe(rng, iso(ts, millis=True), 0.4),
                "openCount": rng.randint(0, 5),
                "clickCount": rng.randint(0, 2),
                **_stamps(ts, rng),
            },
            lambda i, rng: {
                "prospect": _one("prospect", prospect(rng)),
                "mailbox": _one("mailbox", 1),
                "sequence": _one("sequence", _maybe(rng, sequence(rng))),
                "template": _one("template", _maybe(rng, 1, 0.3)),
            },
            filterable_relationships=("prospect",),
        ),
        Resource(
            "mailboxes",
            "mailbox",
            lambda i, rng, ts: {
                "email": f"user{i + 1}@example.com",
                "senderNotificationsExcluded": False,
                "sendDisabled": rng.random() < 0.1,
                **_stamps(ts, rng),
            },
            lambda i, rng: {"user": _one("user", i % USERS(records) + 1)},
            size=USERS,
        ),
        Resource(
            "users",
            "user",
            lambda i, rng, ts: {
                "email": f"user{i + 1}@example.com",
                "firstName": f"User{i + 1}",
                "lastName": "Smith",
                "title": _maybe(rng, "AE"),
                "locked": False,
                **_stamps(ts, rng),
            },
            lambda i, rng: {
                "teams": _many("team", sorted({rng.randint(1, 3) for _ in range(rng.randint(0, 2))})),
                "manager": _one("user", _maybe(rng, 1, 0.5)),
            },
            size=USERS,
        ),
        Resource(
            "opportunities",
            "opportunity",
            lambda i, rng, ts: {
                "name": f"Deal {i + 1}",
                "amount": round(rng.random() * 50000, 2),
                "probability": rng.randint(0, 100),
                "closeDate": iso(ts + timedelta(days=30), millis=True),
                "opportunityType": _maybe(rng, "new"),
                **_stamps(ts, rng),
                **_customs(rng, 5),
            },
            lambda i, rng: {
                "account": _one("account", account(rng)),
                "owner": _one("user", user(rng)),
                "stage": _one("opportunityStage", stage(rng)),
                "prospects": _many("prospect", sorted({prospect(rng) for _ in range(rng.randint(0, 3))})),
            },
            size=lambda n: max(1, n // 4),
        ),
        Resource(
            "stages",
            "stage",
            lambda i, rng, ts: {
                "name": f"Stage {i + 1}",
                "order": i + 1,
                "color": rng.choice(["#ff0000", "#00ff00"]),
                **_stamps(ts, rng),
            },
            lambda i, rng: {"creator": _one("user", user(rng))},
            size=STAGES,
        ),
        Resource(
            "tasks",
            "task",
            lambda i, rng, ts: {
                "action": rng.choice(["call", "email", "in_person"]),
                "completed": (done := rng.random() < 0.5),
                "completedAt": iso(ts, millis=True) if done else None,
                "dueAt": iso(ts + timedelta(days=2), millis=True),
                "note": _maybe(rng, "follow up", 0.5),
                "state": "complete" if done else "incomplete",
                "taskType": "manual",
                **_stamps(ts, rng),
            },
            lambda i, rng: {
                "account": _one("account", _maybe(rng, account(rng))),
                "owner": _one("user", user(rng)),
                "prospect": _one("prospect", prospect(rng)),
                "subject": _one("prospect", prospect(rng)),
            },
            filterable_relationships=("prospect", "owner"),
        ),
        Resource(
            "templates",
            "template",
            lambda i, rng, ts: {
                "name": f"Template {i + 1}",
                "subject": f"Re: {i + 1}",
                "bodyText": "Hi {{first_name}}",
                "archived": False,
                "openCount": rng.randint(0, 50),
                "clickCount": rng.randint(0, 9),
                **_stamps(ts, rng),
            },
            lambda i, rng: {"owner": _one("user", user(rng))},
            size=_few(20),
        ),
        Resource(
            "snippets",
            "snippet",
            lambda i, rng, ts: {
                "name": f"Snippet {i + 1}",
                "bodyText": "Thanks!",
                "shareType": rng.choice(["private", "shared"]),
                **_stamps(ts, rng),
            },
            lambda i, rng: {"owner": _one("user", user(rng))},
            size=_few(10),
        ),
        Resource(
            "teams",
            "team",
            lambda i, rng, ts: {"name": f"Team {i + 1}", "color": "blue", **_stamps(ts, rng)},
            lambda i, rng: {"users": _many("user", sorted({user(rng) for _ in range(rng.randint(1, 4))}))},
            size=_few(3),
        ),
        Resource(
            "personas",
            "persona",
            lambda i, rng, ts: {
                "name": f"Persona {i + 1}",
                "description": _maybe(rng, "Buyer"),
                **_stamps(ts, rng),
            },
            size=_few(5),
        ),
        Resource(
            "contentCategories",
            "contentCategory",
            lambda i, rng, ts: {
                "name": f"Category {i + 1}",
                "allowSequences": True,
                "allowSnippets": rng.random() < 0.5,
                "allowTemplates": True,
                **_stamps(ts, rng),
            },
            lambda i, rng: {"creator": _one("user", user(rng))},
            size=_few(5),
        ),
        Resource(
            "events",
            "event",
            lambda i, rng, ts: {
                "name": rng.choice(["prospect_updated", "mailing_opened", "call_completed"]),
                "eventAt": iso(ts, millis=True),
                "createdAt": iso(ts, millis=True),
                "body": None,
                "payload": {"source": "sandbox", "n": i + 1},
            },
            lambda i, rng: {
                "prospect": _one("prospect", prospect(rng)),
                "user": _one("user", _maybe(rng, user(rng))),
                "mailing": _one("mailing", _maybe(rng, 1, 0.3)),
            },
            time_field="eventAt",
        ),
        Resource(
            "duties",
            "duty",
            lambda i, rng, ts: {"name": f"Duty {i + 1}", "symbolicName": f"duty_{i + 1}", "dutyType": "role"},
            time_field=None,
            size=_few(6),
        ),
        Resource(
            "sequenceTemplates",
            "sequenceTemplate",
            lambda i, rng, ts: {"isReply": rng.random() < 0.3, **_stamps(ts, rng)},
            lambda i, rng: {
                "sequenceStep": _one("sequenceStep", rng.randint(1, 5)),
                "template": _one("template", rng.randint(1, 5)),
            },
            time_field=None,
            size=_few(20),
        ),
    ]


# The simulator size relationships refer to (set by make_simulator; one simulator's view).
_SIZE = [200]


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> OutreachSimulator:
    """An Outreach simulator; options: expires_in, rotate, require_content_type, rate_limit_per_minute."""
    return OutreachSimulator(records, seed, **options)


def demo_config(url: str) -> dict:
    """A working tap config for the simulator at `url`.

    The simulator rotates refresh tokens, so the config names a store file (per server
    port, in the temp dir); a stale one from an earlier server on that port is removed,
    since a fresh simulator only knows its seed token.
    """
    store = Path(tempfile.gettempdir()) / f"suite-sandbox-outreach-{urlparse(url).port}-refresh-token.json"
    store.unlink(missing_ok=True)
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "refresh_token": REFRESH_TOKEN,
        "token_url": f"{url}/oauth/token",
        "api_url": f"{url}/api/v2",
        "start_date": "2024-01-01T00:00:00Z",
        "max_requests_per_minute": 6000,
        "refresh_token_store": str(store),
    }
