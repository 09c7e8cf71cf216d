"""Leads and the lists that describe them: statuses, fields, do-not-contact domains."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from singer_sdk import typing as th
from typing_extensions import override

from tap_persistiq.client import PersistIQStream
from tap_persistiq.schemas import LEAD_PROPERTIES

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: Subtracted from the sync's start time to make the next `updated_after`: covers clock
#: skew between PersistIQ's servers and ours and updates committed while a page was
#: being served. A lead re-read because of it is a harmless duplicate (dedupe on `id`).
BOOKMARK_SAFETY_MARGIN = timedelta(minutes=5)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


class LeadsStream(PersistIQStream):
    """`GET /leads?updated_after=...`: incremental although leads carry no update time.

    PersistIQ filters on an update time it never returns, so the bookmark cannot come from
    the records. Each lead gets `sync_bookmark` = this sync's start time minus
    `BOOKMARK_SAFETY_MARGIN`, declared as the replication key: the SDK then keeps its usual
    bookmark handling (start_date vs state, progress markers while the unsorted sync runs,
    promotion of the bookmark only once the whole stream is read) and the next sync sends
    it as `updated_after`. A lead updated while this sync runs has an update time after the
    sync's start, so the next sync reads it again: nothing is lost at the boundary.
    When a sync reads no lead, the bookmark stays where it was (the next sync rereads the
    same window; still no loss).
    """

    name = "leads"
    path = "/leads"
    records_key = "leads"
    replication_key = "sync_bookmark"
    # The API returns leads in no update-time order; an interrupted sync restarts from
    # the previous bookmark.
    is_sorted = False

    schema = th.PropertiesList(
        *LEAD_PROPERTIES,
        th.Property(
            "sync_bookmark",
            th.DateTimeType,
            description=(
                "Added by the tap: start of the sync that read this lead, minus a safety "
                "margin (PersistIQ returns no update time). The newest value wins on dedupe."
            ),
        ),
        additional_properties=True,
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # Taken before the first request, so every update after it is in the next window.
        self.sync_started_at = datetime.now(timezone.utc)

    @property
    def next_bookmark(self) -> str:
        return _iso(self.sync_started_at - BOOKMARK_SAFETY_MARGIN)

    @override
    def filter_params(self, context: Context | None) -> dict[str, t.Any]:
        # The later of the bookmark and start_date (the SDK compares them).
        if start := self.get_starting_timestamp(context):
            return {"updated_after": _iso(start)}
        return {}

    @override
    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        row["sync_bookmark"] = self.next_bookmark
        return row


class LeadStatusesStream(PersistIQStream):
    """`GET /lead_statuses` (unpaged; records key `lead_statuses` is unconfirmed)."""

    name = "lead_statuses"
    path = "/lead_statuses"
    records_key = "lead_statuses"
    paged = False
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="Lead status id (lss_...)."),
        th.Property("name", th.StringType),
        additional_properties=True,
    ).to_dict()


class LeadFieldsStream(PersistIQStream):
    """`GET /lead_fields` (unpaged; records key `lead_fields` is unconfirmed)."""

    name = "lead_fields"
    path = "/lead_fields"
    records_key = "lead_fields"
    paged = False
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="Lead field id (lcf_...)."),
        th.Property("label", th.StringType),
        th.Property("name", th.StringType, description="Key of the field in a lead's `data`."),
        additional_properties=True,
    ).to_dict()


class DncDomainsStream(PersistIQStream):
    """`GET /dnc_domains`: do-not-contact domains (records key `dnc_domains` is unconfirmed)."""

    name = "dnc_domains"
    path = "/dnc_domains"
    records_key = "dnc_domains"
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="Domain id (dom_...)."),
        th.Property("name", th.StringType, description="The blocked domain."),
        additional_properties=True,
    ).to_dict()
