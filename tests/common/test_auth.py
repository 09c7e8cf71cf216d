"""Every authenticator of the shared library, against a real local HTTP server."""

from __future__ import annotations

import base64
import json
import os
import stat
import time
import typing as t

import pytest
import requests
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature
from suite_sandbox import Response, Simulator
from tap_common.auth import (
    APIKeyAuthenticator,
    AuthenticationError,
    BasicAuthenticator,
    BearerTokenAuthenticator,
    ClientCredentialsAuthenticator,
    OAuth1Authenticator,
    RefreshTokenAuthenticator,
    RefreshTokenStore,
)

from tests.common.toy import CLIENT_SECRET, REFRESH_TOKEN, ToyAPI, oauth_config_for, sync


class EchoAuth(Simulator):
    """Answers with the credentials it received; verifies OAuth1 signatures; issues tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/echo", self.echo)
        self.route("POST", r"/echo", self.echo)
        self.route("GET", r"/oauth1", self.oauth1)
        self.route("POST", r"/token", self.client_credentials)

    def echo(self, request, _match):
        return Response(200, {"headers": request.headers, "query": request.query})

    def oauth1(self, request, _match):
        uri = f"http://{request.headers['host']}{request.path}"
        if request.query:
            uri += "?" + "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
        oauth_request = OAuthRequest(uri, request.method, request.body or None, request.headers)
        # The signature base covers every parameter except the signature itself.
        oauth_request.params = signature.collect_parameters(
            uri_query=oauth_request.uri_query, headers=oauth_request.headers, exclude_oauth_signature=True
        )
        params = dict(
            signature.collect_parameters(headers=oauth_request.headers, exclude_oauth_signature=False)
        )
        oauth_request.signature = params.get("oauth_signature")
        if not signature.verify_hmac_sha1(oauth_request, "app-secret-123456", "token-secret-123456"):
            return Response(401, {"error": "invalid signature"})
        return Response(200, {"ok": True, "consumer_key": params.get("oauth_consumer_key")})

    def client_credentials(self, request, _match):
        form = request.form()
        if form != {
            "grant_type": "client_credentials",
            "client_id": "cid",
            "client_secret": "csecret-123456",
        }:
            return Response(401, {"error": "invalid_client"})
        return Response(200, {"access_token": "cc-token-123456", "token_type": "Bearer", "expires_in": 3600})


@pytest.fixture
def echo(serve):
    return serve(EchoAuth()).url


def test_basic_auth_sends_the_key_as_username_with_an_empty_password(echo):
    auth = BasicAuthenticator(username="close-key", password="")
    headers = requests.get(f"{echo}/echo", auth=auth, timeout=5).json()["headers"]
    assert headers["authorization"] == "Basic " + base64.b64encode(b"close-key:").decode()


def test_api_key_header(echo):
    auth = APIKeyAuthenticator(key="x-api-key", value="piq-key", location="header")
    assert requests.get(f"{echo}/echo", auth=auth, timeout=5).json()["headers"]["x-api-key"] == "piq-key"


def test_bearer_token(echo):
    auth = BearerTokenAuthenticator(token="static-token")
    assert (
        requests.get(f"{echo}/echo", auth=auth, timeout=5).json()["headers"]["authorization"]
        == "Bearer static-token"
    )


def test_oauth1_signature_verifies_on_the_server_and_a_wrong_secret_does_not(echo):
    good = OAuth1Authenticator(
        client_key="app-key",
        client_secret="app-secret-123456",
        resource_owner_key="token-123456",
        resource_owner_secret="token-secret-123456",
    )
    response = requests.get(f"{echo}/oauth1?v=6.0&include_deleted=true", auth=good, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["consumer_key"] == "app-key"
    bad = OAuth1Authenticator(
        client_key="app-key",
        client_secret="wrong-secret-000",
        resource_owner_key="token-123456",
        resource_owner_secret="token-secret-123456",
    )
    assert requests.get(f"{echo}/oauth1?v=6.0", auth=bad, timeout=5).status_code == 401


def test_oauth1_signs_a_resent_request_afresh(echo):
    auth = OAuth1Authenticator(
        client_key="app-key",
        client_secret="app-secret-123456",
        resource_owner_key="token-123456",
        resource_owner_secret="token-secret-123456",
    )
    prepared = requests.Request("GET", f"{echo}/oauth1?v=1").prepare()
    first = auth(prepared).headers["Authorization"]
    second = auth(prepared).headers["Authorization"]
    assert first != second  # new nonce, one header
    assert requests.Session().send(prepared, timeout=5).status_code == 200


def test_client_credentials_grant_gets_and_reuses_a_token(echo, serve):
    auth = ClientCredentialsAuthenticator(
        auth_endpoint=f"{echo}/token", client_id="cid", client_secret="csecret-123456"
    )
    for _ in range(3):
        headers = requests.get(f"{echo}/echo", auth=auth, timeout=5).json()["headers"]
        assert headers["authorization"] == "Bearer cc-token-123456"
    assert auth.refresh_count == 1


def test_refused_client_credentials_name_the_credentials_and_hide_the_secret(echo):
    auth = ClientCredentialsAuthenticator(
        auth_endpoint=f"{echo}/token", client_id="cid", client_secret="wrong-secret-999"
    )
    with pytest.raises(AuthenticationError) as info:
        requests.get(f"{echo}/echo", auth=auth, timeout=5)
    assert str(info.value) == "token request refused (401) for client_id/client_secret: invalid_client"


@pytest.fixture
def toy(serve):
    simulator = ToyAPI(records=250)
    return simulator, serve(simulator).url


def refresh_authenticator(url: str, **kwargs: t.Any) -> RefreshTokenAuthenticator:
    return RefreshTokenAuthenticator(
        auth_endpoint=f"{url}/oauth/token",
        client_id="toy-client",
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
        **kwargs,
    )


def test_refresh_token_grant_refreshes_before_expiry_without_a_401(toy):
    simulator, url = toy
    simulator.token_lifetime = 2  # refreshed once half of it (1 s) is left
    auth = refresh_authenticator(url)
    assert requests.get(f"{url}/things/", auth=auth, timeout=5).status_code == 200
    time.sleep(1.1)
    assert requests.get(f"{url}/things/", auth=auth, timeout=5).status_code == 200
    assert simulator.issued == 2
    assert all(
        r.path != "/things/" or r.headers["authorization"].startswith("Bearer ") for r in simulator.requests
    )


def test_a_401_mid_sync_refreshes_once_and_the_sync_goes_on(toy):
    simulator, url = toy
    simulator.inject("hook", path="/things/", hook=simulator.expire_access_tokens, times=1)
    # The hook fires on the first page: expire tokens after the first token was issued.
    result = sync(oauth_config_for(url))
    assert result.exit_code == 0, result.output
    assert len(result.records) == 250
    assert len({r["id"] for r in result.records}) == 250
    assert simulator.issued == 2
    statuses = [r.path for r in simulator.requests]
    assert statuses.count("/oauth/token") == 2


def test_a_second_401_right_after_refreshing_is_fatal(toy):
    simulator, url = toy
    simulator.inject("status", path="/things/", status=401, times=10, body={"error": "token revoked"})
    result = sync(oauth_config_for(url))
    assert result.exit_code == 1
    assert simulator.issued == 2
    assert "returned 401 Unauthorized: token revoked" in result.output


def test_a_rotated_refresh_token_is_saved_and_read_first_next_run(toy, tmp_path):
    simulator, url = toy
    store = tmp_path / "state" / "outreach-token.json"
    first = sync(oauth_config_for(url, refresh_token_store=str(store)))
    assert first.exit_code == 0
    saved = json.loads(store.read_text())["refresh_token"]
    assert saved in simulator.refresh_tokens
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    # The original refresh token is now invalid; the next run must use the saved one.
    second = sync(oauth_config_for(url, refresh_token_store=str(store)))
    assert second.exit_code == 0, second.output
    assert len(second.records) == 250
    for secret in (CLIENT_SECRET, REFRESH_TOKEN, saved, "access-1-"):
        assert secret not in first.output + second.output


def test_a_refresh_token_set_after_re_authorizing_wins_over_the_stored_one(toy, tmp_path):
    simulator, url = toy
    store = tmp_path / "outreach-token.json"
    first = sync(oauth_config_for(url, refresh_token_store=str(store)))
    assert first.exit_code == 0
    assert "configured_token_sha256" in json.loads(store.read_text())
    # The user authorizes the app again: only the new token works, and it goes in the config.
    simulator.refresh_tokens = {"re-authorized-refresh-token-1"}
    second = sync(
        oauth_config_for(url, refresh_token="re-authorized-refresh-token-1", refresh_token_store=str(store))
    )
    assert second.exit_code == 0, second.output
    assert "The refresh_token setting is newer than the token stored in" in second.output
    assert json.loads(store.read_text())["refresh_token"] in simulator.refresh_tokens
    # The next run uses the token rotated from the new one, not the config's (now used up).
    third = sync(
        oauth_config_for(url, refresh_token="re-authorized-refresh-token-1", refresh_token_store=str(store))
    )
    assert third.exit_code == 0, third.output


def test_a_refused_stored_refresh_token_is_named_with_its_file(toy, tmp_path):
    simulator, url = toy
    store = tmp_path / "outreach-token.json"
    assert sync(oauth_config_for(url, refresh_token_store=str(store))).exit_code == 0
    simulator.refresh_tokens = set()  # access revoked
    result = sync(oauth_config_for(url, refresh_token_store=str(store)))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR tap-toy ")]
    assert errors == [
        "ERROR tap-toy tap-toy: token request refused (400) for refresh_token/client_id/client_secret: "
        f"invalid_grant (the token sent was the rotated refresh token stored in {store})"
    ]


def test_a_refused_refresh_is_one_clear_line_without_the_token(toy):
    simulator, url = toy
    simulator.refresh_tokens = set()
    result = sync(oauth_config_for(url))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR tap-toy ")]
    assert errors == [
        "ERROR tap-toy tap-toy: token request refused (400) for refresh_token/client_id/client_secret: "
        "invalid_grant"
    ]
    assert REFRESH_TOKEN not in result.output
    assert CLIENT_SECRET not in result.output


def test_the_token_store_is_replaced_atomically(tmp_path):
    store = RefreshTokenStore(tmp_path / "token.json")
    assert store.load() is None
    store.save("one")
    store.save("two")
    assert store.load() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"]  # no temp files left behind


def test_a_throttled_token_endpoint_is_retried_after_the_wait_it_asks(toy):
    simulator, url = toy
    simulator.inject(
        "status",
        path="/oauth/token",
        status=429,
        headers={"Retry-After": "1"},
        body={"errors": [{"id": "rateLimitExceeded", "detail": "one token a minute"}]},
    )
    started = time.monotonic()
    result = sync(oauth_config_for(url))
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.0
    assert [r.path for r in simulator.requests].count("/oauth/token") == 2
    assert len(result.records) == 250


def test_a_jwt_access_token_without_expires_in_expires_at_its_exp_claim():
    import base64
    import json as _json
    import time as _time

    from tap_common.auth import jwt_seconds_left

    def jwt(claims: dict) -> str:
        encode = lambda data: base64.urlsafe_b64encode(_json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{encode({'alg': 'RS256'})}.{encode(claims)}.signature"

    assert 3590 <= jwt_seconds_left(jwt({"exp": int(_time.time()) + 3600})) <= 3600
    assert jwt_seconds_left(jwt({"exp": int(_time.time()) - 10})) == 0
    assert jwt_seconds_left(jwt({"sub": "no exp"})) is None
    assert jwt_seconds_left("an-opaque-token") is None
