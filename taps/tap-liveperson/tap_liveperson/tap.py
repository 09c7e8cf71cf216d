"""tap-liveperson: LivePerson Conversational Cloud configuration, conversations, chats, operations."""

from __future__ import annotations

import re
import typing as t
from functools import cached_property
from urllib.parse import urlparse

import requests
from singer_sdk import typing as th
from tap_common.auth import ClientCredentialsAuthenticator, OAuth1Authenticator
from tap_common.errors import TapError, api_error_text
from tap_common.retry import is_transient_status
from tap_common.tap import SuiteTap, common_properties, is_local_host, number_errors

from tap_liveperson.account_config import (
    AgentGroupsStream,
    AgentStatusStream,
    CampaignsStream,
    SkillsStream,
    UsersStream,
)
from tap_liveperson.engagement_history import EngagementHistoryStream
from tap_liveperson.messaging import MessagingInteractionsStream
from tap_liveperson.operations import (
    AgentStateDistributionStream,
    MessagingQueueHealthStream,
    QueueHealthStream,
)

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

DEFAULT_API_URL = "https://api.liveperson.net"
OAUTH1_SETTINGS = ("app_key", "app_secret", "access_token", "access_token_secret")
OAUTH2_SETTINGS = ("client_id", "client_secret")
# A window must stay inside the API's 3-month limit for any three calendar months.
MAX_WINDOW_DAYS = 89
MAX_SOURCE_LENGTH = 20
#: LivePerson's retry policy for 5xx: "retry 3 times with 5, 10, 15 second pause".
RETRY_SCHEDULE = (5.0, 10.0, 15.0)
#: An AppJWT lives an hour (the docs' example token: exp - iat = 3600); Sentinel's v2
#: answer names no expires_in, so the token is renewed before this.
APP_JWT_SECONDS = 3600


def _common_properties() -> list[th.Property]:
    # LivePerson publishes no quota; its retry policy asks to avoid bursts. Two requests
    # a second read 12,000 conversations a minute and stay polite.
    properties = common_properties(api_url=DEFAULT_API_URL, max_requests_per_minute=120)
    for prop in properties:
        if prop.name == "api_url":
            # Here api_url is only the Domain API (CSDS) host, not the data host.
            prop.description = (
                "Domain API (CSDS) URL; the service hosts are looked up there once per run "
                "(https; http only for localhost)."
            )
        elif prop.name == "max_retries":
            prop.default = len(RETRY_SCHEDULE)
            prop.description = (
                "Retries of a request after 429, 5xx, timeouts or connection faults "
                "(LivePerson's retry policy: 3)."
            )
        elif prop.name == "retry_backoff_seconds":
            prop.description = (
                "Scale of LivePerson's retry pauses: 5, 10, 15 s (then 15 s) times this, "
                "when the API names no wait (1: the policy as published)."
            )
    return properties


class TapLivePerson(SuiteTap):
    """Singer tap for the LivePerson Conversational Cloud APIs."""

    name = "tap-liveperson"
    retry_schedule = RETRY_SCHEDULE

    config_jsonschema = th.PropertiesList(
        th.Property("account_id", th.StringType, required=True, description="LivePerson account (site) id."),
        th.Property(
            "client_id",
            th.StringType,
            description=(
                "OAuth 2.0 client-credentials app id (recommended: LivePerson ends OAuth1 API keys "
                "on 2026-05-31)."
            ),
        ),
        th.Property(
            "client_secret", th.StringType, secret=True, description="OAuth 2.0 client-credentials secret."
        ),
        th.Property(
            "oauth_scopes",
            th.StringType,
            description=(
                "Space-separated scopes to ask Sentinel for (sent as `scope`); unset: the scopes "
                "the app installation grants."
            ),
        ),
        th.Property(
            "app_key", th.StringType, secret=True, description="OAuth1 API key: app key (consumer key)."
        ),
        th.Property(
            "app_secret",
            th.StringType,
            secret=True,
            description="OAuth1 API key: app secret (consumer secret).",
        ),
        th.Property("access_token", th.StringType, secret=True, description="OAuth1 API key: access token."),
        th.Property(
            "access_token_secret",
            th.StringType,
            secret=True,
            description="OAuth1 API key: access token secret.",
        ),
        th.Property(
            "source",
            th.StringType,
            default="singer_tap_lp",
            description="Caller id sent as the `source` parameter of history searches (at most 20 characters).",
        ),
        th.Property(
            "window_days",
            th.IntegerType,
            default=30,
            description=(
                f"Days of conversation start time per search window (1-{MAX_WINDOW_DAYS}; the API "
                "allows 3 months; chat history windows are also at most 28 days)."
            ),
        ),
        th.Property(
            "partition_by_skill",
            th.BooleanType,
            default=False,
            description=(
                "Search conversations skill by skill (one partition and bookmark per skill, plus "
                "Unassigned -1) instead of the whole account per window: one search per skill and window."
            ),
        ),
        th.Property(
            "lookback_hours",
            th.NumberType,
            default=24,
            description=(
                "Hours of chat start time re-read before the bookmark each run (engagement_history: "
                "chats appear once ended and are enriched later)."
            ),
        ),
        *_common_properties(),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [
            UsersStream(self),
            SkillsStream(self),
            AgentGroupsStream(self),
            AgentStatusStream(self),
            CampaignsStream(self),
            MessagingInteractionsStream(self),
            EngagementHistoryStream(self),
            QueueHealthStream(self),
            MessagingQueueHealthStream(self),
            AgentStateDistributionStream(self),
        ]

    # -- config -----------------------------------------------------------------------

    @property
    def uses_oauth2(self) -> bool:
        return any(self.config.get(name) for name in OAUTH2_SETTINGS)

    @property
    def credential_settings(self) -> str:  # type: ignore[override]
        # Completes the library's "(check the ... setting)" after a 401/403.
        if self.uses_oauth2:
            return "OAuth2 " + "/".join(OAUTH2_SETTINGS)
        return "OAuth1 " + "/".join(OAUTH1_SETTINGS)

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        errors = super().config_errors(config)
        oauth1 = [name for name in OAUTH1_SETTINGS if config.get(name)]
        oauth2 = [name for name in OAUTH2_SETTINGS if config.get(name)]
        if oauth1 and oauth2:
            errors.append(
                "set either the OAuth2 settings (client_id, client_secret) or the OAuth1 settings "
                "(app_key, app_secret, access_token, access_token_secret), not both"
            )
        elif not oauth1 and not oauth2:
            errors.append(
                "no credentials: set client_id and client_secret (OAuth2, recommended) or app_key, "
                "app_secret, access_token and access_token_secret (OAuth1)"
            )
        else:
            group, present = (OAUTH1_SETTINGS, oauth1) if oauth1 else (OAUTH2_SETTINGS, oauth2)
            if missing := [name for name in group if name not in present]:
                kind = "OAuth1" if oauth1 else "OAuth2"
                errors.append(f"{kind} credentials incomplete: missing setting(s) {', '.join(missing)}")
        account = config.get("account_id")
        if account is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", str(account)):
            errors.append(f"setting 'account_id' is not a LivePerson account id: {account!r}")
        window = config.get("window_days")
        if window is not None and not (isinstance(window, int) and 1 <= window <= MAX_WINDOW_DAYS):
            errors.append(
                f"setting 'window_days' must be 1-{MAX_WINDOW_DAYS} (the API allows at most 3 months)"
            )
        errors += number_errors(config, "lookback_hours", minimum=0, what="a number of hours")
        source = config.get("source")
        if source is not None and not (0 < len(str(source)) <= MAX_SOURCE_LENGTH):
            errors.append(f"setting 'source' must be 1-{MAX_SOURCE_LENGTH} characters: {source!r}")
        return errors

    # -- hosts ------------------------------------------------------------------------

    def sync_all(self) -> None:
        # Every stream needs the service hosts: a Domain API failure ends the run at once
        # (one line), instead of failing each stream in turn.
        with self.failing_clearly(write_state=False):
            _ = self.service_hosts
        super().sync_all()

    @cached_property
    def service_hosts(self) -> dict[str, str]:
        """Service name -> host, from one Domain API (CSDS) lookup per run (no auth)."""
        api_url = str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        path = f"/api/account/{self.config['account_id']}/service/baseURI.json"
        what = f"Domain API (CSDS) GET {path}"

        def send() -> requests.Response:
            return requests.get(
                api_url + path,
                params={"version": "1.0"},
                timeout=int(self.config.get("request_timeout", 60)),
                headers={"User-Agent": self.config.get("user_agent") or self.name},
            )

        try:
            response = self.wait_policy.call(send, what=what, logger=self.logger)
        except requests.RequestException as exc:
            msg = f"{what} failed after {self.wait_policy.max_retries} retries: {type(exc).__name__}"
            raise TapError(msg) from None
        if is_transient_status(response.status_code):
            msg = (
                f"{what} failed after {self.wait_policy.max_retries} retries: "
                f"{response.status_code}: {api_error_text(response)}"
            )
            raise TapError(msg)
        if response.status_code >= 400:
            msg = (
                f"{what} returned {response.status_code}: {api_error_text(response)} "
                "(check the account_id and api_url settings)"
            )
            raise TapError(msg)
        try:
            entries = response.json().get("baseURIs") or []
            hosts = {e["service"]: e["baseURI"] for e in entries if isinstance(e, dict)}
        except (ValueError, AttributeError, KeyError, TypeError):
            msg = f"{what} returned an unreadable body"
            raise TapError(msg) from None
        self.logger.info("LivePerson service hosts: %s", hosts)
        return hosts

    def service_url(self, service: str) -> str:
        """`scheme://host` of a CSDS service.

        Real hosts are https; plain http only when api_url itself is http and the host is
        local (the sandbox), never for a remote host.
        """
        host = self.service_hosts.get(service)
        if not host:
            # Only the streams on that service fail (an account without chat, say).
            msg = f"the Domain API (CSDS) names no host for service {service} on this account"
            raise TapError(msg)
        api_scheme = urlparse(str(self.config.get("api_url") or DEFAULT_API_URL)).scheme
        local = is_local_host(urlparse(f"//{host}").hostname)
        scheme = "http" if api_scheme == "http" and local else "https"
        return f"{scheme}://{host}"

    # -- auth -------------------------------------------------------------------------

    def build_authenticator(self) -> t.Any:
        if self.uses_oauth2:
            account = self.config["account_id"]
            # v2: tokens for the data APIs (v1 serves only the Connector API).
            return ClientCredentialsAuthenticator(
                auth_endpoint=f"{self.service_url('sentinel')}/sentinel/api/v2/account/{account}/app/token",
                client_id=self.config["client_id"],
                client_secret=self.config["client_secret"],
                oauth_scopes=self.config.get("oauth_scopes"),
                default_expiration=APP_JWT_SECONDS,
                timeout=int(self.config.get("request_timeout", 60)),
                wait_policy=self.wait_policy,
            )
        return OAuth1Authenticator(
            client_key=self.config["app_key"],
            client_secret=self.config["app_secret"],
            resource_owner_key=self.config["access_token"],
            resource_owner_secret=self.config["access_token_secret"],
        )


if __name__ == "__main__":
    TapLivePerson.cli()
