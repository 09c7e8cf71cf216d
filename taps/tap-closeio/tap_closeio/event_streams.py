"""The event log: the `event_log` stream, and deletions read from it as soft deletes.

Close keeps 30 days of events, newest first, paged by `cursor_next` -> `_cursor`. A cursor
means "events before this one": it does not keep the first page's `date_updated` lower
bound, so pages are read only down to that bound and what lies below it is dropped.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from tap_common.pagination import BodyCursorPaginator, response_json

from tap_closeio import schemas
from tap_closeio.client import CloseStream, close_time, parse_close_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

# Close keeps 30 days of events; merged or late events can appear for ~5 minutes.
EVENT_RETENTION = timedelta(days=30)
EVENT_SETTLE = timedelta(minutes=5)
#: The event log's range is read in slices of this length, oldest first; the bookmark moves
#: to each slice's end once the slice is read, so a rerun after a failure resumes there.
EVENT_SLICE = timedelta(days=1)
EVENT_PAGE_SIZE = 50  # Close's cap (and default) for the event log


class PagesDownTo(BodyCursorPaginator):
    """`cursor_next` pages, newest first, ending at the first page reaching below `since`."""

    def __init__(self, since: datetime) -> None:
        super().__init__("cursor_next")
        self.since = since

    def get_next(self, response: requests.Response) -> str | None:
        records = response_json(response).get("data") or []
        if any(_older(record, self.since) for record in records):
            return None
        return super().get_next(response)


def _older(record: t.Any, since: datetime) -> bool:
    value = record.get("date_updated") if isinstance(record, dict) else None
    return bool(value) and parse_close_time(value) < since


class EventPages(CloseStream):
    """Events in `[since, until)`: the first page filtered by date, then cursor pages."""

    path = "/event/"
    primary_keys = ("id",)
    page_size = EVENT_PAGE_SIZE
    pages_in_flight = 1
    resumable_pages = False
    #: Filters Close wants repeated on every cursor page (all but `date_updated`).
    filters: t.ClassVar[dict[str, str]] = {}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._since = datetime.now(timezone.utc) - EVENT_RETENTION
        self._until: datetime | None = None

    def get_new_paginator(self) -> PagesDownTo:  # type: ignore[override]
        return PagesDownTo(self._since)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        if next_page_token:
            return {**self.filters, "_cursor": next_page_token, "_limit": self.page_size}
        params = {**self.filters, "date_updated__gte": close_time(self._since), "_limit": self.page_size}
        if self._until is not None:
            params["date_updated__lt"] = close_time(self._until)
        return params

    def events(self, since: datetime, until: datetime | None) -> Iterable[dict]:
        self._since, self._until = since, until
        for event in self.request_records(None):
            if not _older(event, since) and (until is None or _older(event, until)):
                yield event


class EventLogStream(EventPages):
    """`/event/`: every event in `[bookmark, now - 5 min)`, one-day slices, oldest slice first.

    Within a slice events come newest first (unsorted for the SDK). When a slice is read,
    the bookmark moves to its end and a STATE goes out; at the end of the run it is the end
    of the range (events of the last 5 minutes can still be merged or arrive late, so they
    are left for the next run).
    """

    name = "event_log"
    replication_key = "date_updated"
    is_sorted = False
    schema = schemas.load("event")
    #: The end of the last slice read this run.
    _read_up_to: datetime | None = None

    def _range(self, context: Context | None) -> tuple[datetime, datetime]:
        now = datetime.now(timezone.utc)
        since = self.get_starting_timestamp(context) or now - EVENT_RETENTION
        # Asking for more than Close keeps returns nothing older anyway.
        return max(since, now - EVENT_RETENTION), now - EVENT_SETTLE

    def get_records(self, context: Context | None) -> Iterable[dict]:
        since, until = self._range(context)
        while since < until:
            end = min(since + EVENT_SLICE, until)
            yield from self.events(since, end)
            self._slice_read(context, end)
            since = end

    def _slice_read(self, context: Context | None, end: datetime) -> None:
        self._read_up_to = end
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = close_time(end)
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _finalize_state(self, state: dict | None = None) -> None:
        super()._finalize_state(state)
        if state is not None and self._read_up_to is not None:
            current = state.get("replication_key_value")
            if current is None or parse_close_time(current) < self._read_up_to:
                state["replication_key_value"] = close_time(self._read_up_to)


class DeletionEvents(EventPages):
    """`/event/?object_type=<type>&action=deleted` (a documented filter combination)."""

    name = "deletion_events"
    schema = schemas.load("event")

    def __init__(self, tap: Tap, object_type: str) -> None:
        super().__init__(tap=tap)
        self.filters = {"object_type": object_type, "action": "deleted"}


class DeletionsMixin:
    """Objects the event log reports deleted, emitted as soft deletes (`_sdc_deleted_at`).

    On a run that starts from a bookmark, after the stream's own records: for each of the
    stream's event-log object types, the deletions since that bookmark (at most Close's 30
    days). Each becomes a record with the object's last data (`previous_data`, visible to
    admins), its `id`, and `_sdc_deleted_at` = the event's `date_updated`. Its replication
    value is the object's own (or the run's starting bookmark), so a deletion never moves the
    bookmark past records not read yet.
    """

    #: Close's event-log `object_type`s of this stream's objects.
    deleted_object_types: t.ClassVar[tuple[str, ...]] = ()

    def had_bookmark(self, context: Context | None) -> bool:
        """Whether this run starts from a bookmark (call before any record is written)."""
        state = t.cast("t.Any", self).get_context_state(context)
        return state.get("replication_key_value") is not None

    def deleted_records(self, start: datetime | None, *, bookmarked: bool = True) -> Iterable[dict]:
        if start is None or not bookmarked:
            return  # a first sync: nothing downstream to mark deleted
        stream = t.cast("t.Any", self)
        since = max(start, datetime.now(timezone.utc) - EVENT_RETENTION)
        key = stream.replication_key
        for object_type in self.deleted_object_types:
            pages = DeletionEvents(stream._tap, object_type)
            for event in pages.events(since, None):
                previous = event.get("previous_data")
                row = dict(previous) if isinstance(previous, dict) else {}
                row["id"] = event.get("object_id") or row.get("id")
                if not row["id"]:
                    continue
                row["_sdc_deleted_at"] = event.get("date_updated")
                if not row.get(key):
                    row[key] = close_time(start)
                yield row


def deletable(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """A stream schema with `_sdc_deleted_at`."""
    return schemas.with_properties(schema, {"_sdc_deleted_at": schemas.DELETED_AT})
