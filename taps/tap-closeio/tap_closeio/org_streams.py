"""Organisation data: users, custom field definitions, pipelines, statuses, the event log."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from singer_sdk import typing as th
from tap_common.pagination import BodyCursorPaginator

from tap_closeio.client import CloseStream, close_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

ANY_OBJECT = th.ObjectType(additional_properties=True)
# Close keeps 30 days of events; merged or late events can appear for ~5 minutes.
EVENT_RETENTION = timedelta(days=30)
EVENT_SETTLE = timedelta(minutes=5)


class UsersStream(CloseStream):
    name = "users"
    path = "/user/"
    primary_keys = ("id",)
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("email", th.StringType),
        th.Property("first_name", th.StringType),
        th.Property("last_name", th.StringType),
        th.Property("image", th.StringType),
        th.Property("organizations", th.ArrayType(th.StringType)),
        th.Property("date_created", th.DateTimeType),
        th.Property("date_updated", th.DateTimeType),
    ).to_dict()


CUSTOM_FIELD_SCHEMA = th.PropertiesList(
    th.Property("id", th.StringType, required=True),
    th.Property("name", th.StringType),
    th.Property(
        "type", th.StringType, description="text, number, date, datetime, choices, user, contact, ..."
    ),
    th.Property("description", th.StringType),
    th.Property("choices", th.ArrayType(th.StringType)),
    th.Property("accepts_multiple_values", th.BooleanType),
    th.Property("editable_with_roles", th.ArrayType(th.StringType)),
    th.Property("organization_id", th.StringType),
    th.Property("date_created", th.DateTimeType),
    th.Property("date_updated", th.DateTimeType),
).to_dict()


class CustomFieldsStream(CloseStream):
    """`/custom_field/lead/`: lead custom field definitions (the seed's `custom_fields`)."""

    name = "custom_fields"
    path = "/custom_field/lead/"
    primary_keys = ("id",)
    schema = CUSTOM_FIELD_SCHEMA


class ContactCustomFieldsStream(CustomFieldsStream):
    name = "contact_custom_fields"
    path = "/custom_field/contact/"


class PipelinesStream(CloseStream):
    name = "pipelines"
    path = "/pipeline/"
    primary_keys = ("id",)
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("name", th.StringType),
        th.Property("organization_id", th.StringType),
        th.Property(
            "statuses",
            th.ArrayType(
                th.ObjectType(
                    th.Property("id", th.StringType),
                    th.Property("label", th.StringType),
                    th.Property("type", th.StringType),
                    additional_properties=True,
                )
            ),
        ),
    ).to_dict()


class LeadStatusesStream(CloseStream):
    name = "lead_statuses"
    path = "/status/lead/"
    primary_keys = ("id",)
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("label", th.StringType),
        th.Property("organization_id", th.StringType),
    ).to_dict()


class EventLogStream(CloseStream):
    """`/event/`: cursor-paged, newest first, 30 days kept.

    The order is newest first, so the stream is unsorted for the SDK: the bookmark (the
    newest `date_updated` seen) is only saved when the sync completes. Each run reads
    `[bookmark, now - 5 min)`: events of the last 5 minutes can still be merged or arrive
    late, so they are left for the next run (the bookmark never passes now - 5 min).
    """

    name = "event_log"
    path = "/event/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    is_sorted = False
    page_size = 50  # Close's cap for the event log
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("date_created", th.DateTimeType),
        th.Property("date_updated", th.DateTimeType),
        th.Property("organization_id", th.StringType),
        th.Property("user_id", th.StringType),
        th.Property("request_id", th.StringType),
        th.Property("api_key_id", th.StringType),
        th.Property("object_type", th.StringType),
        th.Property("object_id", th.StringType),
        th.Property("lead_id", th.StringType),
        th.Property("action", th.StringType),
        th.Property("changed_fields", th.ArrayType(th.StringType)),
        th.Property("meta", ANY_OBJECT),
        th.Property("data", ANY_OBJECT),
        th.Property("previous_data", ANY_OBJECT),
    ).to_dict()

    def get_new_paginator(self) -> BodyCursorPaginator:  # type: ignore[override]
        return BodyCursorPaginator("cursor_next")

    def _range(self, context: Context | None) -> tuple[datetime, datetime]:
        now = datetime.now(timezone.utc)
        since = self.get_starting_timestamp(context) or now - EVENT_RETENTION
        # Asking for more than Close keeps returns nothing older anyway.
        return max(since, now - EVENT_RETENTION), now - EVENT_SETTLE

    def get_records(self, context: Context | None) -> Iterable[dict]:
        self._since, self._until = self._range(context)
        if self._since < self._until:
            yield from super().get_records(context)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        if next_page_token:
            # A cursor carries the date range; other filters (none here) would be repeated.
            return {"_cursor": next_page_token, "_limit": self.page_size}
        return {
            "date_updated__gte": close_time(self._since),
            "date_updated__lt": close_time(self._until),
            "_limit": self.page_size,
        }
