"""A toy API and a toy tap used to test the shared library against a real HTTP server.

The toy tap is built only from library pieces, the way the real taps are, so each
library behaviour is exercised over real HTTP without any tap's own code in the way.
"""

from __future__ import annotations

import io
import json
import logging
import typing as t
from contextlib import redirect_stdout
from dataclasses import dataclass

from singer_sdk import typing as th
from suite_sandbox import Response, Simulator, VirtualTable, iso
from tap_common.auth import APIKeyAuthenticator, RefreshTokenAuthenticator, RefreshTokenStore
from tap_common.client import SuiteStream
from tap_common.pagination import HasMoreOffsetPaginator
from tap_common.tap import SuiteTap, common_properties

if t.TYPE_CHECKING:
    from suite_sandbox import Request

API_KEY = "toy-key-0123456789"
CLIENT_ID = "toy-client"
CLIENT_SECRET = "toy-client-secret-0123456789"
REFRESH_TOKEN = "toy-refresh-0123456789"


def make_thing(i: int, rng: t.Any, ts: t.Any) -> dict:
    return {"id": f"t_{i}", "n": rng.randint(0, 9), "date_updated": iso(ts)}


class ToyAPI(Simulator):
    """`GET /things/` with `_skip`/`_limit`/`has_more`, guarded by an `x-api-key` header."""

    def __init__(self, records: int = 250) -> None:
        super().__init__()
        self.things = VirtualTable("things", records, make_thing)
        self.extra_headers: dict[str, str] = {}
        self.route("GET", r"/things/", self.list_things)
        # OAuth2 refresh-token grant with rotation: each refresh invalidates the old token.
        self.route("POST", r"/oauth/token", self.issue_token)
        self.refresh_tokens = {REFRESH_TOKEN}
        self.access_tokens: set[str] = set()
        self.token_lifetime = 7200
        self.rotate = True
        self.issued = 0

    def issue_token(self, request: Request, _match: t.Any) -> Response:
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET) or (
            form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens
        ):
            return Response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid",
                },
            )
        self.issued += 1
        access = f"access-{self.issued}-{'x' * 12}"
        self.access_tokens.add(access)
        body = {"access_token": access, "token_type": "bearer", "expires_in": self.token_lifetime}
        if self.rotate:
            self.refresh_tokens = {f"refresh-{self.issued}-{'y' * 12}"}
            body["refresh_token"] = next(iter(self.refresh_tokens))
        return Response(200, body)

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def _authorized(self, request: Request) -> bool:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        return request.headers.get("x-api-key") == API_KEY or bearer in self.access_tokens

    def list_things(self, request: Request, _match: t.Any) -> Response:
        if not self._authorized(request):
            # Like some real APIs, echo what was sent: the tap must still not print it.
            return Response(401, {"error": f"unknown key {request.headers.get('x-api-key')}"})
        selection = self.things.select()
        skip, limit = int(request.param("_skip", "0")), int(request.param("_limit", "100"))
        body = {"data": selection.page(skip, limit), "has_more": skip + limit < len(selection)}
        return Response(200, body, dict(self.extra_headers))


class Things(SuiteStream):
    name = "things"
    path = "/things/"
    primary_keys = ("id",)
    schema = th.PropertiesList(
        th.Property("id", th.StringType),
        th.Property("n", th.IntegerType),
        th.Property("date_updated", th.DateTimeType),
    ).to_dict()

    def get_new_paginator(self) -> HasMoreOffsetPaginator:
        return HasMoreOffsetPaginator(0, 100)

    def get_url_params(self, context: t.Any, next_page_token: t.Any) -> dict:
        return {"_skip": next_page_token or 0, "_limit": 100}


class ToyTap(SuiteTap):
    name = "tap-toy"
    credential_settings = "api_key"
    config_jsonschema = th.PropertiesList(
        th.Property("api_key", th.StringType, secret=True, description="Toy key."),
        th.Property("client_id", th.StringType, description="OAuth client id."),
        th.Property("client_secret", th.StringType, secret=True, description="OAuth client secret."),
        th.Property("refresh_token", th.StringType, secret=True, description="OAuth refresh token."),
        th.Property(
            "refresh_token_store", th.StringType, description="File keeping the rotated refresh token."
        ),
        *common_properties(api_url="https://toy.example.com", max_requests_per_minute=6000),
    ).to_dict()

    def build_authenticator(self) -> t.Any:
        if self.config.get("refresh_token"):
            store = self.config.get("refresh_token_store")
            return RefreshTokenAuthenticator(
                auth_endpoint=f"{self.config['api_url']}/oauth/token",
                client_id=self.config["client_id"],
                client_secret=self.config["client_secret"],
                refresh_token=self.config["refresh_token"],
                store=RefreshTokenStore(store) if store else None,
            )
        return APIKeyAuthenticator(key="x-api-key", value=self.config["api_key"], location="header")

    def discover_streams(self) -> list[SuiteStream]:
        return [Things(self)]


@dataclass
class SyncResult:
    exit_code: int
    records: list[dict]
    output: str  # stdout and every log line, as a user would see them


def sync(
    config: dict,
    tap_class: type[SuiteTap] | None = None,
    catalog: dict | None = None,
    state: dict | None = None,
) -> SyncResult:
    """Run ToyTap (or `tap_class`) in-process at DEBUG log level, capturing stdout and all logs."""
    log_stream = io.StringIO()
    handler = logging.StreamHandler(log_stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    stdout = io.StringIO()
    exit_code = 0
    try:
        with redirect_stdout(stdout):
            tap = (tap_class or ToyTap)(config=config, catalog=catalog, state=state)
            try:
                tap.sync_all()
            except SystemExit as exc:
                exit_code = int(exc.code or 0)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    records = [
        json.loads(line)["record"]
        for line in stdout.getvalue().splitlines()
        if line.startswith('{"type":"RECORD"')
    ]
    return SyncResult(exit_code, records, stdout.getvalue() + log_stream.getvalue())


def config_for(url: str, **overrides: t.Any) -> dict:
    return {"api_key": API_KEY, "api_url": url, "retry_backoff_seconds": 0.01, **overrides}


def oauth_config_for(url: str, **overrides: t.Any) -> dict:
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "api_url": url,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }
