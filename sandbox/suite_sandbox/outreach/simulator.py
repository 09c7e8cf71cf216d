"""The Outreach REST API v2 simulator: OAuth token endpoint plus every JSON:API list resource.

Records come from Outreach's own OpenAPI (see `records.py`), queries follow its paging,
sorting and filtering rules (see `collections.py`), tokens its token rules (`oauth.py`).
Every API answer carries `X-RateLimit-Limit/Remaining/Reset` (reset in epoch seconds); a
429 `rateLimitExceeded` also carries `Retry-After`, which Outreach sets to the same epoch
value (`retry_after_epoch`; False sends delta seconds). `Content-Type:
application/vnd.api+json` is required (415 otherwise).

Behaviour of the real API that tests switch on (all off by default):
- `disorder_every=N`: every Nth page of a time-sorted query comes back in reverse order
  (Outreach sometimes returns records out of order within one query);
- `fail_pages_above(size, ...)`: pages larger than `size` end in a gateway 502 (or a
  response slower than the client waits), as Outreach's gateway does with big pages;
- `next_link_base`: `links.next` names another host;
- `denied_scopes`: collections the app has no `<collection>.read` scope for (403);
- the token endpoint's minting window and re-authorization (`oauth.TokenEndpoint`).
"""

from __future__ import annotations

import threading
import time
import typing as t
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from suite_sandbox.data import iso
from suite_sandbox.outreach.collections import QueryError, next_cursor, parse_query, select_page
from suite_sandbox.outreach.oauth import TokenEndpoint
from suite_sandbox.outreach.records import RESOURCES, make_table, order_field, table_sizes
from suite_sandbox.server import Fault, Request, Response, Simulator

if t.TYPE_CHECKING:
    import re

    from suite_sandbox.data import VirtualTable
    from suite_sandbox.outreach.records import RecordMaker

JSONAPI = "application/vnd.api+json"
HOURLY_LIMIT = 10_000


def jsonapi_error(status: int, ident: str, title: str, detail: str, parameter: str | None = None) -> Response:
    error: dict[str, t.Any] = {"id": ident, "title": title, "detail": detail}
    if parameter:
        error["source"] = {"parameter": parameter}
    return Response(status, {"errors": [error]}, content_type=JSONAPI)


@dataclass
class PageFault:
    """Pages larger than `above` records fail: a 502 from the gateway, or (`delay`) an
    answer slower than the client's timeout. `times`: how many (None: always)."""

    above: int
    times: int | None = None
    delay: float = 0.0
    served: int = 0


class OutreachSimulator(Simulator):
    """The Outreach API: OAuth token endpoint plus JSON:API collections."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        expires_in: int = 7200,
        rotate: bool = True,
        max_active_refresh_tokens: int = 100,
        mint_window_seconds: float = 0.0,
        mint_retry_after: bool = False,
        require_content_type: bool = True,
        rate_limit_per_minute: int | None = HOURLY_LIMIT // 60,
        retry_after_epoch: bool = True,
        denied_scopes: t.Iterable[str] = (),
        disorder_every: int | None = None,
        next_link_base: str | None = None,
        **token_options: t.Any,
    ) -> None:
        super().__init__()
        self.records = records
        self.seed = seed
        self.require_content_type = require_content_type
        self.rate_limit_per_minute = rate_limit_per_minute
        self.retry_after_epoch = retry_after_epoch
        self.denied_scopes = set(denied_scopes)
        self.disorder_every = disorder_every
        self.next_link_base = next_link_base
        self.page_faults: list[PageFault] = []
        self.disordered_pages = 0
        self.oauth = TokenEndpoint(
            scopes=[f"{collection}.read" for collection in RESOURCES],
            expires_in=expires_in,
            rotate=rotate,
            max_active_refresh_tokens=max_active_refresh_tokens,
            mint_window_seconds=mint_window_seconds,
            mint_retry_after=mint_retry_after,
            **token_options,
        )
        self.sizes = table_sizes(records)
        self.tables: dict[str, VirtualTable] = {}
        self.makers: dict[str, RecordMaker] = {}
        for collection in RESOURCES:
            self.tables[collection], self.makers[collection] = make_table(collection, self.sizes, seed)
        self._api_calls = 0
        self._expire_at_call: int | None = None
        self._sorted_pages = 0
        self._lock_calls = threading.Lock()
        self.route("POST", r"/oauth/token", self.oauth.handle)
        self.route("GET", r"/api/v2/(?P<path>[A-Za-z]+)", self._collection)
        self.route("GET", r"/api/v2/(?P<path>[A-Za-z]+)/(?P<id>\d+)", self._single)

    # -- OAuth state, as attributes tests read ------------------------------------------

    @property
    def client_id(self) -> str:
        return self.oauth.client_id

    @property
    def client_secret(self) -> str:
        return self.oauth.client_secret

    @property
    def refresh_tokens(self) -> set[str]:
        return set(self.oauth.refresh_tokens)

    @property
    def retired_refresh_tokens(self) -> set[str]:
        return self.oauth.retired_refresh_tokens

    @property
    def issued_access_tokens(self) -> list[str]:
        return self.oauth.issued_access_tokens

    def secrets(self) -> set[str]:
        """Every credential value the API issued or accepted (none may appear in tap output)."""
        return self.oauth.secrets()

    def expire_access_tokens(self) -> None:
        """Fault: every access token issued so far stops working now."""
        self.oauth.expire_access_tokens()

    def expire_tokens_after(self, api_calls: int) -> None:
        """Fault: expire all access tokens once `api_calls` API requests were answered."""
        self._expire_at_call = self._api_calls + api_calls

    # -- data, as tests see it ----------------------------------------------------------

    def table(self, collection: str) -> VirtualTable:
        return self.tables[collection]

    def ids(self, collection: str, where: t.Callable[[dict], bool] | None = None) -> list[int]:
        """Every id a full sync of the collection must return (`where` sees the resource object)."""
        table = self.tables[collection]
        return [i + 1 for i in range(table.n) if where is None or where(table.row(i))]

    def touch(self, collection: str, ids: t.Iterable[int]) -> None:
        """Update records (by id) so they sort after everything else."""
        self.tables[collection].touch([i - 1 for i in ids])

    def create(self, collection: str, count: int = 1, **attributes: t.Any) -> list[int]:
        """New records after every existing one (ids returned), with `attributes` set."""
        rows = self.tables[collection].append(count)
        for i in rows:
            self.makers[collection].overrides[i] = dict(attributes)
        return [i + 1 for i in rows]

    def trash(self, collection: str, ids: t.Iterable[int]) -> None:
        """Soft-delete records: `trashedAt` is set and they count as updated."""
        ids = list(ids)
        self.touch(collection, ids)
        table, maker = self.tables[collection], self.makers[collection]
        for ident in ids:
            when = iso(table.timestamp(ident - 1), millis=True)
            maker.overrides[ident - 1] = {**maker.overrides.get(ident - 1, {}), "trashedAt": when}

    def resource_object(self, collection: str, ident: int, host: str = "127.0.0.1") -> dict:
        """The JSON:API object the API serves for one record."""
        table = self.tables[collection]
        row = table.row(ident - 1)
        return {
            "type": self.makers[collection].type,
            "id": ident,
            "attributes": row["attributes"],
            "relationships": row["relationships"],
            "links": {"self": f"http://{host}/api/v2/{collection}/{ident}"},
        }

    def token_requests(self) -> list[Request]:
        return self.requests_to(r"^/oauth/token$", "POST")

    def api_requests(self, collection: str) -> list[Request]:
        """Requests to one collection (e.g. "prospects"), in order."""
        return self.requests_to(rf"^/api/v2/{collection}$", "GET")

    # -- faults -------------------------------------------------------------------------

    def fail_pages_above(self, size: int, *, times: int | None = None, delay: float = 0.0) -> PageFault:
        """Fault: requests for more than `size` records a page fail (502, or `delay` s late)."""
        fault = PageFault(size, times, delay)
        self.page_faults.append(fault)
        return fault

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

    def inject_rate_limit(self, seconds: float, path: str = "", times: int = 1) -> Fault:
        """Fault: the next request(s) meet the API's 429, with its headers (epoch `Retry-After`)."""
        refusal = self.rate_limited_response(seconds)
        headers = {**self.rate_limit_headers(0, seconds), **refusal.headers}
        return self.inject(
            "status", path=path or r"^/api/", status=429, body=refusal.body, headers=headers, times=times
        )

    # -- rate limit -----------------------------------------------------------------------

    def rate_limit_key(self, request: Request) -> str | None:
        # The real budget is per user (the token owner), not per token.
        return None if request.path == "/oauth/token" else "user"

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit_per_minute or HOURLY_LIMIT),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(time.time() + reset) + 1),
        }

    def rate_limited_response(self, retry_after: float) -> Response:
        at = iso(datetime.fromtimestamp(time.time() + retry_after).astimezone())
        response = jsonapi_error(
            429,
            "rateLimitExceeded",
            "Rate Limit Exceeded",
            f"You have exceeded your permitted rate limit of {self.rate_limit_per_minute}; please try again at {at}.",
        )
        # Outreach aliases X-RateLimit-Reset (epoch seconds) as Retry-After.
        response.headers["Retry-After"] = (
            str(int(time.time() + retry_after) + 1)
            if self.retry_after_epoch
            else str(max(1, round(retry_after)))
        )
        return response

    def not_found(self, request: Request) -> Response:
        return jsonapi_error(
            404, "resourceNotFound", "Resource Not Found", f"Could not find '{request.path}'."
        )

    # -- collections ------------------------------------------------------------------------

    def _authorized(self, request: Request) -> Response | None:
        with self._lock_calls:
            self._api_calls += 1
            if self._expire_at_call is not None and self._api_calls > self._expire_at_call:
                self.oauth.expire_access_tokens()
                self._expire_at_call = None
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if not self.oauth.access_token_valid(token):
            return jsonapi_error(
                401, "unauthorized", "Unauthorized", "The access token is missing, expired or revoked."
            )
        if self.require_content_type and not request.headers.get("content-type", "").startswith(JSONAPI):
            return jsonapi_error(
                415,
                "unsupportedMediaType",
                "Unsupported Media Type",
                f"Requests must use the '{JSONAPI}' content type.",
            )
        return None

    def _single(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._authorized(request):
            return denied
        collection, ident = match["path"], int(match["id"])
        if collection not in self.tables or not 1 <= ident <= self.tables[collection].n:
            return self.not_found(request)
        return Response(200, {"data": self._render(collection, ident, request)}, content_type=JSONAPI)

    def _collection(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._authorized(request):
            return denied
        collection = match["path"]
        if collection not in self.tables:
            return self.not_found(request)
        if collection in self.denied_scopes:
            return jsonapi_error(
                403,
                "unauthorizedOauthScope",
                "Unauthorized OAuth Scope",
                f"Your OAuth token does not have the '{collection}.read' scope.",
            )
        try:
            query = parse_query(collection, request)
        except QueryError as exc:
            return jsonapi_error(400, exc.ident, exc.title, exc.detail, exc.parameter)
        if failed := self._page_fault(query.size):
            return failed
        table = self.tables[collection]
        page, more = select_page(table, query)
        objects = [self._render(collection, i + 1, request) for i in page]
        if query.by_time and self.disorder_every:
            self._sorted_pages += 1
            if self._sorted_pages % self.disorder_every == 0 and len(objects) > 1:
                objects.reverse()
                self.disordered_pages += 1
        host = request.headers.get("host", "127.0.0.1")
        base = f"{self.next_link_base or f'http://{host}'}{request.path}"
        params = {k: v[-1] for k, v in request.query.items() if k != "page[after]"}
        links: dict[str, str] = {"first": f"http://{host}{request.path}?{urlencode(params)}"}
        if more and page:
            params["page[after]"] = next_cursor(table, query, page[-1])
            links["next"] = f"{base}?{urlencode(params)}"
        body: dict[str, t.Any] = {"data": objects, "links": links}
        if request.param("count", "true") != "false":
            body["meta"] = {"count": len(table.select()), "count_truncated": False}
        return Response(200, body, content_type=JSONAPI)

    def _page_fault(self, size: int) -> Response | None:
        for fault in self.page_faults:
            if size > fault.above and (fault.times is None or fault.served < fault.times):
                fault.served += 1
                if fault.delay:
                    time.sleep(fault.delay)
                    return None
                return Response(
                    502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
                )
        return None

    def _render(self, collection: str, ident: int, request: Request) -> dict:
        return self.resource_object(collection, ident, request.headers.get("host", "127.0.0.1"))


__all__ = ["JSONAPI", "OutreachSimulator", "jsonapi_error", "order_field"]
