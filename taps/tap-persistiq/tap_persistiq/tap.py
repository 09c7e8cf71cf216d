"""PersistIQ tap: users, leads (incremental), campaigns and campaign leads, lead statuses,
lead fields, events and do-not-contact domains."""

from __future__ import annotations

import typing as t
from importlib.metadata import version

from singer_sdk import typing as th
from tap_common.auth import APIKeyAuthenticator
from tap_common.tap import SuiteTap, common_properties
from typing_extensions import override

from tap_persistiq.account import EventsStream, UsersStream
from tap_persistiq.campaigns import CampaignLeadsStream, CampaignsStream
from tap_persistiq.client import PersistIQStream
from tap_persistiq.leads import DncDomainsStream, LeadFieldsStream, LeadsStream, LeadStatusesStream

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

STREAM_TYPES: list[type[PersistIQStream]] = [
    UsersStream,
    LeadsStream,
    CampaignsStream,
    CampaignLeadsStream,
    LeadStatusesStream,
    LeadFieldsStream,
    EventsStream,
    DncDomainsStream,
]


class TapPersistIQ(SuiteTap):
    """Singer tap for the PersistIQ v1 API."""

    name = "tap-persistiq"
    credential_settings = "api_key"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            description="Company API key (PersistIQ Settings > Integrations > API Key), sent as `x-api-key`.",
        ),
        *common_properties(
            api_url=PersistIQStream.default_api_url,
            # PersistIQ documents 100 requests per minute per key.
            max_requests_per_minute=100,
            user_agent=f"tap-persistiq/{version('singer-suite-tap-persistiq')} (Singer tap built with the Meltano Singer SDK)",
        ),
    ).to_dict()

    @override
    def build_authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="x-api-key", value=self.config["api_key"], location="header")

    @override
    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapPersistIQ.cli()
