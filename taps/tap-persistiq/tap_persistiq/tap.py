"""PersistIQ tap: users, leads (incremental), campaigns and campaign leads, lead statuses,
lead fields, events (incremental) and do-not-contact domains."""

from __future__ import annotations

import typing as t
from importlib.metadata import version

from singer_sdk import typing as th
from tap_common.auth import APIKeyAuthenticator
from tap_common.tap import RUN_ENDING_ERRORS, SuiteTap, common_properties, failure_message
from typing_extensions import override

from tap_persistiq.account import (
    DncDomainsStream,
    EventsStream,
    LeadFieldsStream,
    LeadStatusesStream,
    UsersStream,
)
from tap_persistiq.campaigns import CampaignLeadsStream, CampaignsStream
from tap_persistiq.client import PersistIQStream
from tap_persistiq.leads import LeadsStream

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream


#: apidocs.persistiq.com documents 100 requests a minute per API key; the live API advertises
#: its real budget in `X-RateLimit-Limit` on every answer (500 in 2026), which the pace then
#: follows (`follow_rate_limit_header`), up or down.
DOCUMENTED_REQUESTS_PER_MINUTE = 100


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
            max_requests_per_minute=DOCUMENTED_REQUESTS_PER_MINUTE,
            user_agent=f"tap-persistiq/{version('singer-suite-tap-persistiq')} (Singer tap built with the Meltano Singer SDK)",
        ),
        th.Property(
            "follow_rate_limit_header",
            th.BooleanType,
            default=True,
            description=(
                "Pace at the budget PersistIQ advertises in X-RateLimit-Limit (500 a minute in 2026) "
                "from the first answer that names it; max_requests_per_minute (PersistIQ's documented "
                "100) is the pace until then. Off: max_requests_per_minute is a fixed budget."
            ),
        ),
    ).to_dict()

    @override
    def build_authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="x-api-key", value=self.config["api_key"], location="header")

    @override
    def follows_limit_header(self) -> bool:
        # The live API advertises its real per-minute budget on every answer.
        return self.config.get("follow_rate_limit_header", True) is not False

    @override
    def discover_streams(self) -> list[Stream]:
        lead_fields = self.lead_field_names()
        return [
            UsersStream(tap=self),
            LeadsStream.with_lead_fields(self, lead_fields),
            CampaignsStream(tap=self),
            CampaignLeadsStream.with_lead_fields(self, lead_fields),
            LeadStatusesStream(tap=self),
            LeadFieldsStream(tap=self),
            EventsStream(tap=self),
            DncDomainsStream(tap=self),
        ]

    def lead_field_names(self) -> list[str]:
        """The company's lead fields (`GET /lead_fields`), declared in the leads' `data`.

        Only read when no catalog is given: with one, the fields its leads schema declares
        (discovered earlier) are the ones synced. If they cannot be read, discovery goes on
        with the built-in fields only (custom ones then arrive in `_sdc_extra`), so one
        failing endpoint does not stop every stream; refused credentials end the run.
        """
        if self.input_catalog is not None:
            entry = self.input_catalog.get_stream(LeadsStream.name)
            data = entry.schema.to_dict().get("properties", {}).get("data", {}) if entry else {}
            return list(data.get("properties") or {})
        stream = LeadFieldsStream(tap=self)
        stream.resumable_pages = False  # discovery writes no state
        try:
            return [str(r["name"]) for r in stream.request_records(None) if r.get("name")]
        except Exception as exc:
            if isinstance(exc, RUN_ENDING_ERRORS):
                with self.failing_clearly(write_state=False):
                    raise
            self.logger.warning(
                "lead_fields: could not read the company's lead fields (%s); leads declare the "
                "built-in lead fields only, custom ones arrive in _sdc_extra",
                failure_message(exc, retries=self.config.get("max_retries", 5)),
            )
            return []


if __name__ == "__main__":
    TapPersistIQ.cli()
