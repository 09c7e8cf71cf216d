"""The account: its users, its activity events and its company-wide lists (lead statuses,
lead fields, do-not-contact domains)."""

from __future__ import annotations

import typing as t
from datetime import timedelta, timezone

from typing_extensions import override

from tap_persistiq import schemas
from tap_persistiq.client import PersistIQStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: Read again before the events bookmark: an event committed a little after a later one
#: (a slow transaction) must not fall behind it. Re-read events are duplicates by `id`.
EVENTS_LOOKBACK = timedelta(minutes=5)


class UsersStream(PersistIQStream):
    """`GET /users`: full table (no filter exists)."""

    name = "users"
    path = "/users"
    records_key = "users"
    schema = schemas.load("users")


class EventsStream(PersistIQStream):
    """`GET /events?start_at=...` (500 per page): incremental on `created_at`.

    The first sync starts at `start_date`; each later one at its bookmark minus
    `EVENTS_LOOKBACK`. The OpenAPI names no order, so the stream is unsorted: the bookmark
    (the highest `created_at` read) is saved when the stream completes, and an interrupted
    run resumes at the page it reached while the query is the same (tap_common.checkpoint).
    The OpenAPI's event is `{id, event_type, data, created_at}`, the reference's
    `{id, kind, event_at, user_id, user, campaign, lead, params, diff}`: both are declared;
    an event that only carries `event_at` gets it as `created_at` too, so it is bookmarked.
    """

    name = "events"
    path = "/events"
    records_key = "events"
    replication_key = "created_at"
    is_sorted = False
    schema = schemas.load("events")

    @override
    def filter_params(self, context: Context | None) -> dict[str, t.Any]:
        start = self.get_starting_timestamp(context)
        if start is None:
            return {}
        if self.get_context_state(context).get("replication_key_value") is not None:
            start -= EVENTS_LOOKBACK
        return {"start_at": start.astimezone(timezone.utc).isoformat(timespec="seconds")}

    @override
    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        if row.get("created_at") is None and row.get("event_at") is not None:
            row["created_at"] = row["event_at"]
        return row


class LeadStatusesStream(PersistIQStream):
    """`GET /lead_statuses`: full table, paged like every list."""

    name = "lead_statuses"
    path = "/lead_statuses"
    records_key = "lead_statuses"
    schema = schemas.load("lead_statuses")


class LeadFieldsStream(PersistIQStream):
    """`GET /lead_fields`: the company's lead fields (`name` is the key in a lead's `data`)."""

    name = "lead_fields"
    path = "/lead_fields"
    records_key = "lead_fields"
    schema = schemas.load("lead_fields")


class DncDomainsStream(PersistIQStream):
    """`GET /dnc_domains`: do-not-contact domains, full table."""

    name = "dnc_domains"
    path = "/dnc_domains"
    records_key = "dnc_domains"
    schema = schemas.load("dnc_domains")
