"""Sales data: leads (and their activities), contacts, opportunities, tasks, activities."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from singer_sdk import typing as th

from tap_closeio.client import CloseIncrementalStream, CloseStream, CustomFieldsMixin

if t.TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_closeio.custom_fields import CustomFieldMap

ANY_OBJECT = th.ObjectType(additional_properties=True)
EMAIL = th.ObjectType(
    th.Property("type", th.StringType), th.Property("email", th.StringType), additional_properties=True
)
PHONE = th.ObjectType(
    th.Property("type", th.StringType), th.Property("phone", th.StringType), additional_properties=True
)

CONTACT_PROPERTIES = [
    th.Property("id", th.StringType, required=True),
    th.Property("lead_id", th.StringType),
    th.Property("name", th.StringType),
    th.Property("title", th.StringType),
    th.Property("emails", th.ArrayType(EMAIL)),
    th.Property("phones", th.ArrayType(PHONE)),
    th.Property("organization_id", th.StringType),
    th.Property("date_created", th.DateTimeType),
    th.Property("date_updated", th.DateTimeType),
]

LEAD_PROPERTIES = [
    th.Property("id", th.StringType, required=True),
    th.Property("name", th.StringType),
    th.Property("display_name", th.StringType),
    th.Property("description", th.StringType),
    th.Property("url", th.StringType),
    th.Property("status_id", th.StringType),
    th.Property("status_label", th.StringType),
    th.Property("organization_id", th.StringType),
    th.Property("created_by", th.StringType),
    th.Property("updated_by", th.StringType),
    th.Property("date_created", th.DateTimeType),
    th.Property("date_updated", th.DateTimeType),
    th.Property("html_url", th.StringType),
    th.Property("contacts", th.ArrayType(th.ObjectType(*CONTACT_PROPERTIES, additional_properties=True))),
    th.Property("opportunities", th.ArrayType(ANY_OBJECT)),
    th.Property("tasks", th.ArrayType(ANY_OBJECT)),
    th.Property(
        "addresses",
        th.ArrayType(
            th.ObjectType(
                th.Property("label", th.StringType),
                th.Property("address_1", th.StringType),
                th.Property("address_2", th.StringType),
                th.Property("city", th.StringType),
                th.Property("state", th.StringType),
                th.Property("zipcode", th.StringType),
                th.Property("country", th.StringType),
                additional_properties=True,
            )
        ),
    ),
]

ACTIVITY_SCHEMA = th.PropertiesList(
    th.Property("id", th.StringType, required=True),
    th.Property("_type", th.StringType, description="Call, Email, Note, SMS, Meeting, ..."),
    th.Property("lead_id", th.StringType),
    th.Property("contact_id", th.StringType),
    th.Property("user_id", th.StringType),
    th.Property("organization_id", th.StringType),
    th.Property("direction", th.StringType),
    th.Property("status", th.StringType),
    th.Property("duration", th.IntegerType),
    th.Property("disposition", th.StringType),
    th.Property("phone", th.StringType),
    th.Property("subject", th.StringType),
    th.Property("note", th.StringType),
    th.Property("date_created", th.DateTimeType),
    th.Property("date_updated", th.DateTimeType),
    th.Property("activity_at", th.DateTimeType),
).to_dict()


class CustomFieldStream(CustomFieldsMixin, CloseStream):
    """A stream whose schema gains the organisation's custom fields at discovery."""

    base_properties: t.ClassVar[list[th.Property]] = []

    @classmethod
    def with_custom_fields(cls, tap: Tap, field_map: CustomFieldMap) -> CustomFieldStream:
        schema = th.PropertiesList(*cls.base_properties, *field_map.properties()).to_dict()
        stream = cls(tap=tap, schema=schema)
        stream.custom_field_map = field_map
        return stream


class LeadsStream(CustomFieldStream, CloseIncrementalStream):
    """`/lead/`: incremental through the search `query` (the only date filter leads have)."""

    name = "leads"
    path = "/lead/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    page_size = 200
    base_properties = LEAD_PROPERTIES

    def filter_floor(self, when: datetime) -> datetime:
        # The query clause has minute precision: round down, then drop what precedes the bookmark.
        return when.astimezone(timezone.utc).replace(second=0, microsecond=0)

    def date_params(self, since: datetime | None, until: datetime | None) -> dict[str, t.Any]:
        clause = "sort:date_updated"
        if since is not None:
            clause = f'date_updated>="{since.astimezone(timezone.utc):%Y-%m-%dT%H:%M}" {clause}'
        return {"query": clause}

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        return {"lead_id": record["id"]}


class _LookbackMixin:
    """Edited activities keep their `date_created`: re-read `lookback_minutes` before the bookmark."""

    def start_time(self, context: Context | None) -> datetime | None:
        start = self.get_starting_timestamp(context)  # type: ignore[attr-defined]
        minutes = int(self.config.get("lookback_minutes") or 0)  # type: ignore[attr-defined]
        return start - timedelta(minutes=minutes) if start is not None and minutes else start


class LeadActivitiesStream(_LookbackMixin, CloseIncrementalStream):
    """`/activity/?lead_id=`: the activities of each lead the leads stream syncs."""

    name = "lead_activities"
    path = "/activity/"
    primary_keys = ("id",)
    replication_key = "date_created"
    parent_stream_type = LeadsStream
    schema = ACTIVITY_SCHEMA
    # One bookmark for the stream, not one per lead: per-lead bookmarks would grow the state
    # with every lead ever synced. Which leads are revisited is decided by the leads bookmark
    # (an activity updates its lead's date_updated); for those, activities created since the
    # newest one seen last run (minus the lookback) are read.
    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()
    # Leads come in date_updated order, so activities across leads are not date_created-sorted.
    is_sorted = False

    def extra_params(self, context: Context | None) -> dict[str, t.Any]:
        return {"lead_id": context["lead_id"]} if context else {}


class ActivitiesStream(_LookbackMixin, CloseIncrementalStream):
    """`/activity/`: every activity, in `date_created` windows (Close's advice past the skip cap)."""

    name = "activities"
    path = "/activity/"
    primary_keys = ("id",)
    replication_key = "date_created"
    schema = ACTIVITY_SCHEMA
    # The lookback re-reads records older than the bookmark; they still arrive in order.
    check_sorted = False

    @property
    def window(self) -> timedelta:  # type: ignore[override]
        return timedelta(days=int(self.config.get("date_window_days") or 15))


class ContactsStream(CustomFieldStream):
    """`/contact/`: full table (contacts only filter on `lead_id`, not on dates)."""

    name = "contacts"
    path = "/contact/"
    primary_keys = ("id",)
    base_properties = CONTACT_PROPERTIES


class OpportunitiesStream(CloseIncrementalStream):
    name = "opportunities"
    path = "/opportunity/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("lead_id", th.StringType),
        th.Property("status_id", th.StringType),
        th.Property("status_type", th.StringType),
        th.Property("value", th.IntegerType, description="In cents of value_currency"),
        th.Property("value_currency", th.StringType),
        th.Property("value_period", th.StringType),
        th.Property("confidence", th.IntegerType),
        th.Property("pipeline_id", th.StringType),
        th.Property("user_id", th.StringType),
        th.Property("organization_id", th.StringType),
        th.Property("date_created", th.DateTimeType),
        th.Property("date_updated", th.DateTimeType),
    ).to_dict()


class TasksStream(CloseIncrementalStream):
    name = "tasks"
    path = "/task/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("_type", th.StringType),
        th.Property("lead_id", th.StringType),
        th.Property("assigned_to", th.StringType),
        th.Property("text", th.StringType),
        th.Property("date", th.StringType, description="Due date or date-time, as Close sends it"),
        th.Property("due_date", th.StringType),
        th.Property("is_complete", th.BooleanType),
        th.Property("organization_id", th.StringType),
        th.Property("date_created", th.DateTimeType),
        th.Property("date_updated", th.DateTimeType),
    ).to_dict()
