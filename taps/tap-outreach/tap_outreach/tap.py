"""Outreach tap class."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from tap_common.auth import RefreshTokenAuthenticator, RefreshTokenStore
from tap_common.tap import SuiteTap, common_properties, url_errors

from tap_outreach.client import MAX_PAGE_SIZE
from tap_outreach.streams import STREAM_TYPES

if t.TYPE_CHECKING:
    from tap_outreach.client import OutreachStream

HOURLY_LIMIT = 10_000
#: Outreach mints at most one access token per user and app per minute; a throttled token
#: request (429) that names no wait is retried once that minute has passed.
TOKEN_MINT_WINDOW_SECONDS = 60.0


class TapOutreach(SuiteTap):
    """Singer tap for the Outreach REST API v2."""

    name = "tap-outreach"
    credential_settings = "client_id/client_secret/refresh_token"
    # The budget is hourly (10,000 per user), so short bursts above the even pace are fine.
    rate_limit_burst = 10
    rate_limited_wait_seconds = TOKEN_MINT_WINDOW_SECONDS

    config_jsonschema = th.PropertiesList(
        th.Property(
            "client_id", th.StringType, required=True, description="OAuth client id of the Outreach app."
        ),
        th.Property(
            "client_secret",
            th.StringType,
            required=True,
            secret=True,
            description="OAuth client secret of the Outreach app.",
        ),
        th.Property(
            "redirect_uri",
            th.StringType,
            description="Redirect URI registered for the app (sent with each token refresh).",
        ),
        th.Property(
            "refresh_token",
            th.StringType,
            required=True,
            secret=True,
            description=(
                "OAuth refresh token. The token rotated from it and saved in refresh_token_store is used "
                "instead; a new token set here (after authorizing the app again) wins over the stored one."
            ),
        ),
        th.Property(
            "token_url",
            th.StringType,
            default="https://api.outreach.io/oauth/token",
            description="OAuth token endpoint (https; http only for localhost).",
        ),
        th.Property(
            "refresh_token_store",
            th.StringType,
            description=(
                "Path of a JSON file where each rotated refresh token is saved (atomically, mode 0600) "
                "and read first by the next run. Outreach rotates the refresh token on every refresh; "
                "set it for scheduled runs."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=MAX_PAGE_SIZE,
            description=(
                f"Records per page (page[size]), 1 to {MAX_PAGE_SIZE}. While Outreach's gateway fails "
                "on large pages (502/504, timeouts), the tap halves it for that query, then grows it back."
            ),
        ),
        *common_properties(
            api_url="https://api.outreach.io/api/v2",
            max_requests_per_minute=HOURLY_LIMIT / 60,
        ),
    ).to_dict()

    def build_authenticator(self) -> RefreshTokenAuthenticator:
        store_path = self.config.get("refresh_token_store")
        return RefreshTokenAuthenticator(
            auth_endpoint=self.config["token_url"],
            client_id=self.config["client_id"],
            client_secret=self.config["client_secret"],
            refresh_token=self.config["refresh_token"],
            redirect_uri=self.config.get("redirect_uri"),
            store=RefreshTokenStore(store_path) if store_path else None,
            timeout=float(self.config.get("request_timeout") or 60),
            wait_policy=self.wait_policy,
        )

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        errors = super().config_errors(config)
        size = config.get("page_size")
        if size is not None and (not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE):
            errors.append(f"setting 'page_size' must be between 1 and {MAX_PAGE_SIZE}")
        errors += url_errors(config, "token_url")
        return errors

    def discover_streams(self) -> list[OutreachStream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapOutreach.cli()
