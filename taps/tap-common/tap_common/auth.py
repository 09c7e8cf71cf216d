"""Authenticators shared by the taps.

HTTP Basic, API-key headers and static Bearer tokens are the SDK's own classes
(`BasicAuthenticator`, `APIKeyAuthenticator`, `BearerTokenAuthenticator`); this module adds
what the SDK lacks: an OAuth2 refresh-token grant that survives expiry and rotation,
OAuth2 client credentials, and OAuth1 request signing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import threading
import time
import typing as t
from datetime import timedelta
from pathlib import Path

import requests
from singer_sdk.authenticators import (
    APIAuthenticatorBase,
    APIKeyAuthenticator,
    BasicAuthenticator,
    BearerTokenAuthenticator,
    OAuthAuthenticator,
)
from singer_sdk.helpers._util import utc_now

from tap_common.errors import TapError, api_error_text
from tap_common.redaction import register_secret
from tap_common.retry import WaitPolicy

__all__ = [
    "APIKeyAuthenticator",
    "BasicAuthenticator",
    "BearerTokenAuthenticator",
    "ClientCredentialsAuthenticator",
    "OAuth1Authenticator",
    "RefreshTokenAuthenticator",
    "RefreshTokenStore",
]

# Refresh this long before the API says the token expires, so a token never dies
# between the check and the request (and never in the middle of a long page).
DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
#: Retries of a token request when the tap passes no wait policy of its own.
TOKEN_REQUEST_RETRIES = 3


class AuthenticationError(TapError):
    """The API refused the credentials themselves."""


class _ExpiringTokenAuthenticator(OAuthAuthenticator):
    """OAuth2 authenticator that refreshes early and can be told its token is dead."""

    credential_name = "client_id/client_secret"

    def __init__(
        self,
        *,
        auth_endpoint: str,
        client_id: str | None,
        client_secret: str | None,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        timeout: float = 60,
        wait_policy: WaitPolicy | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(
            auth_endpoint=auth_endpoint,
            client_id=client_id,
            client_secret=client_secret,
            **kwargs,
        )
        register_secret(client_secret)
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self.wait_policy = wait_policy or WaitPolicy(max_retries=TOKEN_REQUEST_RETRIES)
        self.refresh_count = 0
        self._lock = threading.Lock()

    def is_token_valid(self) -> bool:
        if self.access_token is None or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        expires_at = self.last_refreshed + timedelta(seconds=self.expires_in)
        return utc_now() < expires_at - min(self.refresh_margin, timedelta(seconds=self.expires_in / 2))

    def invalidate_access_token(self) -> None:
        """Forget the access token (the API answered 401), so the next call refreshes."""
        with self._lock:
            self.access_token = None

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            if not self.is_token_valid():
                self.update_access_token()
            request.headers["Authorization"] = f"Bearer {self.access_token}"
        return request

    def update_access_token(self) -> None:
        requested_at = utc_now()
        response = self._post_token_request()
        if response.status_code >= 400:
            msg = (
                f"token request refused ({response.status_code}) for "
                f"{self.credential_name}: {api_error_text(response)}"
            )
            raise AuthenticationError(msg)
        try:
            body = response.json()
            token = body["access_token"]
        except (ValueError, KeyError, TypeError):
            msg = f"token response from {_url_without_query(self.auth_endpoint)} has no access_token"
            raise AuthenticationError(msg) from None
        register_secret(token)
        self.access_token = token
        expires_in = body.get("expires_in") or jwt_seconds_left(token) or self._default_expiration
        self.expires_in = int(expires_in) if expires_in else None
        self.last_refreshed = requested_at
        self.refresh_count += 1
        self.handle_token_response(body)
        self.logger.info("Obtained a new access token (expires in %s s)", self.expires_in)

    def handle_token_response(self, body: dict) -> None:
        """Hook for grants that return more than an access token."""

    def _post_token_request(self) -> requests.Response:
        """POST the grant; a throttled (429, e.g. Outreach's one token a minute) or failing
        (5xx, connection) token endpoint is retried by the run's wait policy."""
        url = _url_without_query(self.auth_endpoint)

        def send() -> requests.Response:
            return requests.post(
                self.auth_endpoint,
                data=self.oauth_request_body,
                headers=self._oauth_headers,
                timeout=self.timeout,
            )

        try:
            return self.wait_policy.call(send, what=f"token request to {url}", logger=self.logger)
        except requests.RequestException as exc:
            msg = f"token request to {url} failed: {type(exc).__name__}"
            raise AuthenticationError(msg) from None


class ClientCredentialsAuthenticator(_ExpiringTokenAuthenticator):
    """OAuth2 client-credentials grant (e.g. LivePerson Sentinel)."""

    @property
    def oauth_request_body(self) -> dict:
        body = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if self.oauth_scopes:
            body["scope"] = self.oauth_scopes
        return body


class RefreshTokenStore:
    """A file holding the newest refresh token, replaced atomically.

    A rotated refresh token is the only key to the account after the old one is
    invalidated, so it is written with `os.replace` (never half-written) and mode 0600.
    Beside it the file keeps a fingerprint (SHA-256) of the configured refresh token it
    was rotated from: a config holding another token was re-authorized since, and wins.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> str | None:
        return self.load_entry()[0]

    def load_entry(self) -> tuple[str | None, str | None]:
        """The stored refresh token and the fingerprint of the configured one it came from."""
        try:
            entry = json.loads(self.path.read_text())
            token, origin = entry.get("refresh_token"), entry.get("configured_token_sha256")
        except FileNotFoundError:
            return None, None
        except (ValueError, AttributeError):
            msg = f"refresh_token_store {self.path} is not a JSON file with a refresh_token"
            raise TapError(msg) from None
        return token or None, origin or None

    def save(self, refresh_token: str, *, configured: str | None = None) -> None:
        entry = {"refresh_token": refresh_token}
        if configured:
            entry["configured_token_sha256"] = token_fingerprint(configured)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(entry, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def token_fingerprint(token: str) -> str:
    """A token's SHA-256, to recognise it without storing it."""
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokenAuthenticator(_ExpiringTokenAuthenticator):
    """OAuth2 refresh-token grant that keeps the newest refresh token.

    Reads the stored token first (a rotated token from an earlier run beats the one in
    the config it was rotated from; a config token the store does not know is newer:
    the app was authorized again), refreshes before expiry, and saves every rotated token
    at once. A refused refresh names which token was refused and where it is kept.
    """

    credential_name = "refresh_token/client_id/client_secret"

    def __init__(
        self,
        *,
        refresh_token: str,
        redirect_uri: str | None = None,
        store: RefreshTokenStore | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.configured_refresh_token = refresh_token
        stored, origin = store.load_entry() if store else (None, None)
        register_secret(refresh_token)
        register_secret(stored)
        if store is not None and stored and origin and origin != token_fingerprint(refresh_token):
            self.logger.info(
                "The refresh_token setting is newer than the token stored in %s (it was not "
                "rotated from it): using the setting",
                store.path,
            )
            stored = None
        self.refresh_token = stored or refresh_token
        self._token_source = (
            f"the rotated refresh token stored in {store.path}"
            if store is not None and stored
            else "the refresh_token setting"
        )
        self.redirect_uri = redirect_uri

    @property
    def oauth_request_body(self) -> dict:
        body = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        if self.redirect_uri:
            body["redirect_uri"] = self.redirect_uri
        return body

    def update_access_token(self) -> None:
        try:
            super().update_access_token()
        except AuthenticationError as exc:
            if self.store is None:
                raise
            # With a store, two tokens are in play: say which one the API refused.
            msg = f"{exc} (the token sent was {self._token_source})"
            raise AuthenticationError(msg) from None

    def handle_token_response(self, body: dict) -> None:
        rotated = body.get("refresh_token")
        if rotated and rotated != self.refresh_token:
            register_secret(rotated)
            self.refresh_token = rotated
            if self.store:
                self.store.save(rotated, configured=self.configured_refresh_token)
                self._token_source = f"the rotated refresh token stored in {self.store.path}"
                self.logger.info("Saved the rotated refresh token to %s", self.store.path)
            else:
                self.logger.warning(
                    "The API rotated the refresh token; set refresh_token_store to keep "
                    "it, or the next run may be refused"
                )


class OAuth1Authenticator(APIAuthenticatorBase):
    """OAuth 1.0a HMAC-SHA1 signing (header style) via requests-oauthlib."""

    def __init__(
        self,
        *,
        client_key: str,
        client_secret: str,
        resource_owner_key: str,
        resource_owner_secret: str,
    ) -> None:
        # Imported here: only LivePerson signs with OAuth1, and the import costs the
        # other taps ~50 ms of start-up.
        from requests_oauthlib import OAuth1

        super().__init__()
        for secret in (client_secret, resource_owner_key, resource_owner_secret):
            register_secret(secret)
        self._oauth1 = OAuth1(
            client_key,
            client_secret=client_secret,
            resource_owner_key=resource_owner_key,
            resource_owner_secret=resource_owner_secret,
            signature_method="HMAC-SHA1",
            signature_type="AUTH_HEADER",
        )

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # A re-sent request must get a fresh nonce and signature, not two headers.
        request.headers.pop("Authorization", None)
        return self._oauth1(request)


def jwt_seconds_left(token: str) -> int | None:
    """Seconds until a JWT access token's `exp` claim, when the token is a JWT that has one
    (a token answer may name no `expires_in`: LivePerson's Sentinel v2 does not)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return max(int(claims["exp"] - time.time()), 0)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _url_without_query(url: str) -> str:
    return url.split("?", 1)[0]
