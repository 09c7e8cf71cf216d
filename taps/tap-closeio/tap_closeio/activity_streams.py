"""Activities: org-wide in `date_created` windows, and per batch of changed leads.

Every activity type (Call, Email, EmailThread, Note, SMS, Meeting, custom activities, status
changes, ...) comes from `/activity/`; the schema is the union of every type's documented
fields, and custom activities' `custom.cf_*` values become named properties.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from tap_closeio.client import CloseKeysetStream
from tap_closeio.crm_streams import LeadsStream, TypedCustomFields
from tap_closeio.event_streams import DeletionsMixin

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

#: Close's event-log object types of activities (developer.close.com, list of event types).
ACTIVITY_OBJECT_TYPES = (
    "activity.call",
    "activity.email",
    "activity.email_thread",
    "activity.note",
    "activity.sms",
    "activity.whatsapp_message",
    "activity.meeting",
    "activity.custom_activity",
    "activity.form_submission",
    "activity.task_completed",
    "status_change.lead",
    "status_change.opportunity",
)


class _ActivityStream(TypedCustomFields, CloseKeysetStream):
    path = "/activity/"
    primary_keys = ("id",)
    replication_key = "date_created"
    schema_name = "activity"

    def start_time(self, context: Context | None) -> datetime | None:
        """The bookmark, minus `lookback_minutes`: an edited activity keeps its `date_created`."""
        start = self.get_starting_timestamp(context)
        minutes = int(self.config.get("lookback_minutes") or 0)
        return start - timedelta(minutes=minutes) if start is not None and minutes else start


class ActivitiesStream(DeletionsMixin, _ActivityStream):
    """`/activity/`: every activity, in `date_created` windows (Close's advice for big accounts)."""

    name = "activities"
    is_sorted = True
    deleted_object_types = ACTIVITY_OBJECT_TYPES

    def date_windows(self, context: Context | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        start = self.start_time(context)
        if start is None:
            yield None, None
            return
        window = timedelta(days=int(self.config.get("date_window_days") or 15))
        end = datetime.now(timezone.utc)
        while start < end:
            yield start, min(start + window, end)
            start += window

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start, bookmarked = self.get_starting_timestamp(context), self.had_bookmark(context)
        yield from super().get_records(context)
        yield from self.deleted_records(start, bookmarked=bookmarked)


class LeadActivitiesStream(_ActivityStream):
    """`/activity/?lead_id=<25 ids>`: the activities of the leads the leads stream syncs.

    One request (and its pages) per 25 leads, not one per lead. One bookmark for the
    stream, not one per lead: per-lead bookmarks would grow the state with every lead ever
    synced. Which leads are revisited is decided by the leads bookmark (an activity updates
    its lead's date_updated); for those, activities created since the newest one seen last
    run (minus the lookback) are read.
    """

    name = "lead_activities"
    parent_stream_type = LeadsStream
    soft_deletes = False  # the activities stream carries them
    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()
    # Leads come in date_updated order, so activities across leads are not date_created-sorted.
    is_sorted = False

    def date_windows(self, context: Context | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        yield self.start_time(context), None

    def extra_params(self, context: Context | None) -> dict[str, t.Any]:
        return {"lead_id": context["lead_ids"]} if context else {}
