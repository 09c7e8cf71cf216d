"""LivePerson authentication: OAuth 1.0a API keys and Sentinel's client-credentials tokens.

- OAuth1: HMAC-SHA1 header signatures over method, URL and query string (JSON bodies are
  not signed, as RFC 5849 says); a stale timestamp or a nonce seen before is refused, as a
  replayed request would be.
- Sentinel v1 (`/sentinel/api/account/{id}/app/token`) issues Connector API tokens, which
  the data APIs refuse; v2 (`/sentinel/api/v2/account/{id}/app/token`) issues tokens for
  the data APIs with the scopes the app installation grants. Both answer like the docs'
  example: `access_token` and `token_type`, no `expires_in` (tokens still expire).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from suite_sandbox.liveperson.constants import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    APP_KEY,
    APP_SECRET,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTOR_SCOPE,
    GRANTED_SCOPES,
    OAUTH_TIMESTAMP_SKEW,
    oauth_escape,
)
from suite_sandbox.server import Request, Response


@dataclass
class Token:
    expires_at: float
    scopes: tuple[str, ...]


@dataclass
class Credentials:
    """What the account accepts, and what it has seen."""

    account_id: str
    token_ttl: int = 3600
    granted_scopes: tuple[str, ...] = GRANTED_SCOPES
    tokens: dict[str, Token] = field(default_factory=dict)
    tokens_issued: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)
    nonces: set[tuple[str, str]] = field(default_factory=set)
    #: False: a replayed signed request is accepted (a benchmark replaying the tap's requests).
    refuse_replays: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- OAuth1 ------------------------------------------------------------------------

    def oauth1_error(self, request: Request) -> str | None:
        """Why an OAuth1-signed request is refused, or None."""
        header = request.headers.get("authorization", "")
        params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header[len("OAuth ") :])}
        if (
            params.get("oauth_consumer_key") != APP_KEY
            or params.get("oauth_token") != ACCESS_TOKEN
            or params.get("oauth_signature_method") != "HMAC-SHA1"
            or "oauth_signature" not in params
        ):
            return "OAuth signature verification failed"
        try:
            if abs(time.time() - int(params.get("oauth_timestamp", "0"))) > OAUTH_TIMESTAMP_SKEW:
                return "OAuth timestamp out of range"
        except ValueError:
            return "OAuth signature verification failed"
        # RFC 5849 3.4.1: method & base URI & sorted, encoded query + oauth params.
        pairs = [(k, v) for k, values in request.query.items() for v in values]
        pairs += [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        normalized = "&".join(
            f"{k}={v}" for k, v in sorted((oauth_escape(k), oauth_escape(v)) for k, v in pairs)
        )
        base_uri = f"http://{request.headers.get('host', '').lower()}{request.path}"
        base = "&".join(oauth_escape(part) for part in (request.method.upper(), base_uri, normalized))
        key = f"{oauth_escape(APP_SECRET)}&{oauth_escape(ACCESS_TOKEN_SECRET)}"
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            return "OAuth signature verification failed"
        nonce = (params.get("oauth_nonce", ""), params.get("oauth_timestamp", ""))
        with self._lock:
            if self.refuse_replays and (not nonce[0] or nonce in self.nonces):
                return "OAuth nonce already used (replayed request)"
            self.nonces.add(nonce)
        return None

    # -- bearer tokens -----------------------------------------------------------------

    def bearer_error(self, request: Request) -> str | None:
        token = self.tokens.get(request.headers.get("authorization", "")[len("Bearer ") :])
        if token is None or token.expires_at <= time.time():
            return "invalid or expired access token"
        if CONNECTOR_SCOPE in token.scopes:
            return f"the token's scope ({CONNECTOR_SCOPE}) is for the Connector API, not this API"
        return None

    def auth_error(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.startswith("OAuth "):
            return self.oauth1_error(request)
        if header.startswith("Bearer "):
            return self.bearer_error(request)
        return "missing Authorization header"

    def issue(self, request: Request, account: str, *, version: int) -> Response:
        """A Sentinel token request (form-encoded client credentials)."""
        form = request.form()
        self.token_requests.append({**form, "version": str(version)})
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
            or account != self.account_id
        ):
            return Response(
                401, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        if version == 1:
            scopes: tuple[str, ...] = (CONNECTOR_SCOPE,)
        else:
            asked = tuple(form.get("scope", "").split()) or self.granted_scopes
            if not_granted := [s for s in asked if s not in self.granted_scopes]:
                return Response(
                    400,
                    {
                        "error": "invalid_scope",
                        "error_description": f"scope not granted: {' '.join(not_granted)}",
                    },
                )
            scopes = asked
        token = secrets.token_urlsafe(24)
        self.tokens[token] = Token(time.time() + self.token_ttl, scopes)
        self.tokens_issued += 1
        return Response(200, {"access_token": token, "token_type": "Bearer"})

    def expire_tokens(self) -> None:
        self.tokens.clear()
