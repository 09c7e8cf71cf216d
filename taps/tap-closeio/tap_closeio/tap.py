"""tap-closeio: the Close CRM (close.com) REST API."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import typing as th
from singer_sdk.authenticators import BasicAuthenticator
from tap_common.tap import SuiteTap, common_properties

from tap_closeio import schemas
from tap_closeio.activity_streams import ActivitiesStream, LeadActivitiesStream
from tap_closeio.client import DEFAULT_API_URL
from tap_closeio.crm_streams import (
    ContactsStream,
    CustomObjectsStream,
    LeadsStream,
    OpportunitiesStream,
    TasksStream,
)
from tap_closeio.custom_fields import CustomFieldMap
from tap_closeio.event_streams import EventLogStream
from tap_closeio.org_streams import (
    FULL_TABLE_STREAMS,
    CustomActivityTypeDefinitions,
    CustomFieldSchema,
    CustomObjectTypeDefinitions,
)

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

# Close's documented example limit is 20 requests/second per API key.
DEFAULT_MAX_REQUESTS_PER_MINUTE = 1200


class TapCloseIO(SuiteTap):
    """Singer tap for Close."""

    name = "tap-closeio"
    credential_settings = "api_key"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            description="Close API key (Settings > Developer > API Keys); sent as the HTTP Basic username.",
        ),
        *common_properties(api_url=DEFAULT_API_URL, max_requests_per_minute=DEFAULT_MAX_REQUESTS_PER_MINUTE),
        th.Property(
            "lookback_minutes",
            th.IntegerType,
            description=(
                "Activities only: minutes before the bookmark to read again, to catch activities "
                "edited after they were synced (Close filters activities by creation date only)."
            ),
        ),
        th.Property(
            "date_window_days",
            th.IntegerType,
            default=15,
            description="Activities are read in date_created windows of this many days.",
        ),
    ).to_dict()

    def build_authenticator(self) -> BasicAuthenticator:
        # Close API keys are the Basic username with an empty password.
        return BasicAuthenticator(username=str(self.config["api_key"]), password="")

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        errors = super().config_errors(config)
        lookback = config.get("lookback_minutes")
        if lookback is not None and (not isinstance(lookback, int) or lookback < 0):
            errors.append("setting 'lookback_minutes' must be a whole number >= 0")
        window = config.get("date_window_days")
        if window is not None and (not isinstance(window, int) or window < 1):
            errors.append("setting 'date_window_days' must be a whole number >= 1")
        return errors

    # -- custom fields (read once per run, discovery and sync alike) ------------------------

    def _custom_field_map(self, definitions: t.Callable[[], t.Iterable[dict]], schema: str) -> CustomFieldMap:
        with self.failing_clearly(write_state=False):
            reserved = schemas.load(schema)["properties"]
            return CustomFieldMap(list(definitions()), reserved=reserved)

    def _schema_fields(self, object_type: str) -> t.Callable[[], t.Iterable[dict]]:
        return lambda: CustomFieldSchema(tap=self, object_type=object_type).request_records(None)

    @cached_property
    def lead_custom_fields(self) -> CustomFieldMap:
        return self._custom_field_map(self._schema_fields("lead"), "lead")

    @cached_property
    def contact_custom_fields(self) -> CustomFieldMap:
        return self._custom_field_map(self._schema_fields("contact"), "contact")

    @cached_property
    def opportunity_custom_fields(self) -> CustomFieldMap:
        return self._custom_field_map(self._schema_fields("opportunity"), "opportunity")

    @cached_property
    def custom_activity_types(self) -> list[dict]:
        """Read once a run: they type the activities' custom fields, and are a stream."""
        return list(CustomActivityTypeDefinitions(tap=self).request_records(None))

    @cached_property
    def custom_object_types(self) -> list[dict]:
        """Read once a run: they type the custom objects' fields, and are a stream."""
        return list(CustomObjectTypeDefinitions(tap=self).request_records(None))

    @cached_property
    def activity_custom_fields(self) -> CustomFieldMap:
        """Every custom activity type's fields (one activity schema holds all types)."""

        def fields() -> t.Iterable[dict]:
            for activity_type in self.custom_activity_types:
                yield from activity_type.get("fields") or ()

        return self._custom_field_map(fields, "activity")

    @cached_property
    def custom_object_custom_fields(self) -> CustomFieldMap:
        """Every custom object type's fields (one custom_objects schema holds all types)."""

        def fields() -> t.Iterable[dict]:
            for object_type in self.custom_object_types:
                yield from object_type.get("fields") or ()

        return self._custom_field_map(fields, "custom_object")

    def discover_streams(self) -> list[Stream]:
        leads = LeadsStream.build(
            self,
            self.lead_custom_fields,
            contacts=self.contact_custom_fields,
            opportunities=self.opportunity_custom_fields,
        )
        return [
            leads,
            LeadActivitiesStream.build(self, self.activity_custom_fields),
            ContactsStream.build(self, self.contact_custom_fields),
            OpportunitiesStream.build(self, self.opportunity_custom_fields),
            ActivitiesStream.build(self, self.activity_custom_fields),
            CustomObjectsStream.build(self, self.custom_object_custom_fields),
            TasksStream(tap=self),
            EventLogStream(tap=self),
            *(stream_type(tap=self) for stream_type in FULL_TABLE_STREAMS),
        ]


if __name__ == "__main__":
    TapCloseIO.cli()
