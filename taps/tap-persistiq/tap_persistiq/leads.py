"""Leads: incremental on an update time PersistIQ never returns.

`GET /leads?updated_after=T` filters on a hidden update time, so the bookmark cannot come
from the records. Each lead gets `sync_bookmark` = the start of the read minus
`BOOKMARK_SAFETY_MARGIN`, declared as the replication key: the SDK keeps its usual bookmark
handling (start_date vs state, progress markers while the unsorted read runs, promotion only
once the whole stream is read) and the next sync sends it as `updated_after`. A lead updated
while this sync runs is newer than the read's start, so the next sync reads it again:
nothing is lost at the boundary. When a sync reads no lead, the bookmark stays where it was.

The read itself (page numbers over a set that changes meanwhile, reruns that resume) is
`lead_paging.MovingSetPaging`.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from datetime import datetime, timedelta, timezone

from tap_common.checkpoint import RESUME_KEY
from typing_extensions import override

from tap_persistiq import schemas
from tap_persistiq.client import PersistIQStream
from tap_persistiq.lead_paging import MovingSetPaging, ReadPosition, iso

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.tap_base import Tap

#: Subtracted from the sync's start time to make the next `updated_after`: covers clock
#: skew between PersistIQ's servers and ours and updates committed while a page was
#: being served. A lead re-read because of it is a harmless duplicate (dedupe on `id`).
BOOKMARK_SAFETY_MARGIN = timedelta(minutes=5)

SYNC_BOOKMARK = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": (
        "Added by the tap: start of the sync that read this lead, minus a safety margin "
        "(PersistIQ returns no update time). The newest value wins on dedupe."
    ),
}


def leads_schema(lead_fields: Iterable[str] = ()) -> dict[str, t.Any]:
    """The leads schema, with the company's lead fields in `data`."""
    schema = schemas.with_lead_fields(schemas.load("leads"), lead_fields)
    return schemas.with_properties(schema, {"sync_bookmark": SYNC_BOOKMARK})


class LeadsStream(MovingSetPaging, PersistIQStream):
    """`GET /leads?updated_after=...`: see the module docstring."""

    name = "leads"
    path = "/leads"
    records_key = "leads"
    replication_key = "sync_bookmark"
    # No documented order: the bookmark moves when the whole read is done.
    is_sorted = False
    # The library's page checkpoint would resume at the same page number; leads keep their
    # own position, which also counts the leads that moved meanwhile (lead_paging).
    resumable_pages = False

    @classmethod
    def with_lead_fields(cls, tap: Tap, names: Iterable[str]) -> LeadsStream:
        """The stream with the company's lead fields declared in `data`."""
        return cls(tap=tap, schema=leads_schema(names))

    def __init__(self, tap: Tap, schema: dict | None = None, **kwargs: t.Any) -> None:
        # Built-in lead fields only, unless discovery gave the company's (`with_lead_fields`).
        super().__init__(tap, schema=schema or leads_schema(), **kwargs)
        # Taken before the first request, so every update after it is in the next window.
        self.sync_started_at = datetime.now(timezone.utc)
        self._query: dict[str, t.Any] = {}

    @property
    def next_bookmark(self) -> str:
        if self._position is not None:
            return self._position.bookmark
        return iso(self.sync_started_at - BOOKMARK_SAFETY_MARGIN)

    @override
    def filter_params(self, context: Context | None) -> dict[str, t.Any]:
        # The later of the bookmark and start_date (the SDK compares them).
        if start := self.get_starting_timestamp(context):
            return {"updated_after": iso(start)}
        return {}

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        return {**self._query, "page": next_page_token or 1}

    @override
    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        row["sync_bookmark"] = self.next_bookmark
        return row

    @override
    def request_records(self, context: Context | None) -> Iterable[dict]:
        main = self.filter_params(context)
        digest = hashlib.sha256(json.dumps(main, sort_keys=True).encode()).hexdigest()[:16]
        state = self.get_context_state(context)
        position = ReadPosition.restored(state.get(RESUME_KEY), digest)
        resumed = position is not None
        if position is None:
            state.pop(RESUME_KEY, None)
            position = ReadPosition(digest, 1, 1, None, self.next_bookmark)
        yield from self.read_every_lead(context, main, position, resumed=resumed)
        state.pop(RESUME_KEY, None)

    @override
    def _finalize_state(self, state: dict | None = None) -> None:
        # A read that could not follow every change keeps the previous bookmark.
        if not self._followed_every_change and state is not None:
            state.pop("progress_markers", None)
        super()._finalize_state(state)
