"""Outreach's OAuth token endpoint (`POST /oauth/token`, form-encoded refresh grant).

What it reproduces (developers.outreach.io, "token availability"; production connectors):
- access tokens live `expires_in` seconds (2 hours);
- each exchange returns a new refresh token (`rotate`); the old ones stay valid, up to
  `max_active_refresh_tokens` per user and app (100), the oldest being revoked beyond that;
- at most one access token per user and app per `mint_window_seconds` (60 on the real API;
  0 turns the limit off): a refresh within the window is refused with 429, without a
  `Retry-After` unless `mint_retry_after` is set;
- `reauthorize()`: the user authorizes the app again (e.g. after revoking it): every
  earlier refresh token is revoked and a new one is handed out.
"""

from __future__ import annotations

import secrets
import threading
import time
import typing as t
from collections import OrderedDict

from suite_sandbox.server import Response

if t.TYPE_CHECKING:
    import re

    from suite_sandbox.server import Request

CLIENT_ID = "sandbox-outreach-client"
CLIENT_SECRET = "sandbox-outreach-client-secret"
REFRESH_TOKEN = "sandbox-outreach-refresh-token-0"
REDIRECT_URI = "https://localhost/oauth/callback"
MAX_ACTIVE_REFRESH_TOKENS = 100


def oauth_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


class TokenEndpoint:
    """Refresh tokens, access tokens and the minting limit of one user and app."""

    def __init__(
        self,
        *,
        scopes: t.Iterable[str],
        expires_in: int = 7200,
        rotate: bool = True,
        max_active_refresh_tokens: int = MAX_ACTIVE_REFRESH_TOKENS,
        mint_window_seconds: float = 0.0,
        mint_retry_after: bool = False,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        refresh_token: str = REFRESH_TOKEN,
    ) -> None:
        self.scopes = list(scopes)
        self.expires_in = expires_in
        self.rotate = rotate
        self.max_active_refresh_tokens = max_active_refresh_tokens
        self.mint_window_seconds = mint_window_seconds
        self.mint_retry_after = mint_retry_after
        self.client_id = client_id
        self.client_secret = client_secret
        #: Valid refresh tokens, oldest first.
        self.refresh_tokens: OrderedDict[str, None] = OrderedDict({refresh_token: None})
        self.retired_refresh_tokens: set[str] = set()
        self.access_tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.issued_access_tokens: list[str] = []
        self.refreshes = 0
        self.throttled = 0
        self._last_mint: float | None = None
        self.lock = threading.Lock()

    def reauthorize(self) -> str:
        """The user authorizes the app again: earlier refresh tokens stop working."""
        with self.lock:
            self.retired_refresh_tokens.update(self.refresh_tokens)
            token = f"sandbox-outreach-refresh-token-reauthorized-{secrets.token_hex(6)}"
            self.refresh_tokens = OrderedDict({token: None})
            return token

    def minted_elsewhere(self) -> None:
        """Another client of the same user and app got an access token just now."""
        with self.lock:
            self._last_mint = time.monotonic()

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.retired_refresh_tokens.update(self.refresh_tokens)
            self.refresh_tokens.clear()

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def access_token_valid(self, token: str) -> bool:
        with self.lock:
            expiry = self.access_tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def secrets(self) -> set[str]:
        return {
            self.client_secret,
            *self.issued_access_tokens,
            *self.refresh_tokens,
            *self.retired_refresh_tokens,
        }

    def handle(self, request: Request, match: re.Match[str]) -> Response:
        form = request.form()
        if form.get("grant_type") != "refresh_token":
            return oauth_error(
                400, "unsupported_grant_type", "The authorization grant type is not supported."
            )
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return oauth_error(401, "invalid_client", "Client authentication failed due to unknown client.")
        with self.lock:
            old = form.get("refresh_token", "")
            if old not in self.refresh_tokens:
                return oauth_error(
                    400,
                    "invalid_grant",
                    "The provided authorization grant is invalid, expired, revoked, does not match "
                    "the redirection URI used in the authorization request, or was issued to another client.",
                )
            now = time.monotonic()
            if self.mint_window_seconds and self._last_mint is not None:
                wait = self._last_mint + self.mint_window_seconds - now
                if wait > 0:
                    self.throttled += 1
                    response = oauth_error(
                        429,
                        "rate_limit_exceeded",
                        "Only one access token per user and application may be created per minute.",
                    )
                    if self.mint_retry_after:
                        response.headers["Retry-After"] = str(max(1, round(wait)))
                    return response
            self._last_mint = now
            self.refreshes += 1
            access = f"sandbox-access-{self.refreshes}-{secrets.token_hex(8)}"
            self.access_tokens[access] = now + self.expires_in
            self.issued_access_tokens.append(access)
            new = old
            if self.rotate:
                new = f"sandbox-outreach-refresh-token-{self.refreshes}-{secrets.token_hex(6)}"
                self.refresh_tokens[new] = None
                while len(self.refresh_tokens) > self.max_active_refresh_tokens:
                    oldest, _ = self.refresh_tokens.popitem(last=False)
                    self.retired_refresh_tokens.add(oldest)
        return Response(
            200,
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "refresh_token": new,
                "scope": " ".join(self.scopes),
                "created_at": int(time.time()),
            },
        )
