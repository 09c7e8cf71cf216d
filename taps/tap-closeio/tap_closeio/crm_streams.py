"""Sales data: leads and contacts (Advanced Filtering), opportunities and tasks (keyset pages)."""

from __future__ import annotations

import typing as t

from tap_closeio import schemas
from tap_closeio.client import CloseKeysetStream, CustomFieldsMixin, close_time
from tap_closeio.event_streams import DeletionsMixin, deletable
from tap_closeio.search import SearchStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_closeio.custom_fields import CustomFieldMap

#: Leads whose activities one `lead_activities` request asks for (`lead_id=a,b,...`): 25
#: ids of ~48 characters keep the URL near Close's advised 2,000 characters. Divides the
#: SDK's state interval, so no STATE passes a lead whose activities were not read.
LEAD_BATCH = 25


class TypedCustomFields(CustomFieldsMixin):
    """A stream whose schema is its committed schema plus the organisation's custom fields."""

    schema_name: t.ClassVar[str] = ""
    #: Whether the stream emits soft deletes (`_sdc_deleted_at`).
    soft_deletes: t.ClassVar[bool] = True

    @classmethod
    def base_schema(cls) -> dict[str, t.Any]:
        schema = schemas.load(cls.schema_name)
        return deletable(schema) if cls.soft_deletes else schema

    @classmethod
    def build(cls, tap: Tap, field_map: CustomFieldMap, **nested: CustomFieldMap) -> t.Any:
        schema = schemas.with_properties(cls.base_schema(), field_map.properties())
        for name, nested_map in nested.items():
            # Embedded objects (a lead's contacts) carry their own type's custom fields.
            items = schema["properties"][name]["items"]
            items["properties"] = {**items["properties"], **nested_map.properties()}
        stream = cls(tap=tap, schema=schema)  # type: ignore[call-arg]
        stream.custom_field_map = field_map
        stream.nested_maps = nested
        return stream

    #: Custom fields of embedded objects, by property (a lead's `contacts`, `opportunities`).
    nested_maps: dict[str, CustomFieldMap] | None = None

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        for name, nested_map in (self.nested_maps or {}).items():
            items = row.get(name)
            if isinstance(items, list):
                row[name] = [
                    {**nested_map.apply(item), **nested_map.unknown(item)} if isinstance(item, dict) else item
                    for item in items
                ]
        return super().post_process(row, context)  # type: ignore[misc]


class _SearchWithDeletes(TypedCustomFields, DeletionsMixin, SearchStream):
    def search_fields(self) -> list[str]:
        if self.custom_field_map is None:
            return super().search_fields()
        named = self.custom_field_map.properties()
        own = [name for name in super().search_fields() if name not in named]
        return [*own, *self.custom_field_map.selectors()]

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start, bookmarked = self.get_starting_timestamp(context), self.had_bookmark(context)
        yield from super().get_records(context)
        yield from self.deleted_records(start, bookmarked=bookmarked)


class LeadsStream(_SearchWithDeletes):
    """Leads changed since the bookmark (`POST /data/search/`, object_type lead)."""

    name = "leads"
    object_type = "lead"
    schema_name = "lead"
    deleted_object_types = ("lead",)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_leads: list[str] = []
        # Bookmark increments of records written while a batch of leads waits for its
        # activities: applied once those are read, so no state passes a lead before them.
        self._held: list[tuple[dict, Context | None]] = []

    # -- lead_activities: one child context per LEAD_BATCH leads --------------------------

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterable[Context | None]:
        if record.get("_sdc_deleted_at"):
            return
        self._pending_leads.append(record["id"])
        if len(self._pending_leads) >= LEAD_BATCH:
            yield self._take_batch()

    def _take_batch(self) -> dict:
        batch, self._pending_leads = self._pending_leads, []
        return {"lead_ids": ",".join(batch)}

    def _flush_children(self) -> None:
        if self._pending_leads and any(c.selected or c.has_selected_descendents for c in self.child_streams):
            self._sync_children(self._take_batch())
        self._pending_leads = []
        held, self._held = self._held, []
        for record, context in held:
            super()._increment_stream_state(record, context=context)

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        if self._pending_leads or self._held:
            self._held.append((latest_record, context))
            return
        super()._increment_stream_state(latest_record, context=context)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        yield from super().get_records(context)
        self._flush_children()

    def _write_state_message(self) -> None:
        # A STATE covers the leads written so far: their activities are read first.
        if self._pending_leads or self._held:
            self._flush_children()
        super()._write_state_message()


class ContactsStream(_SearchWithDeletes):
    """Contacts changed since the bookmark (`POST /data/search/`, object_type contact)."""

    name = "contacts"
    object_type = "contact"
    schema_name = "contact"
    deleted_object_types = ("contact",)


class CustomObjectsStream(_SearchWithDeletes):
    """Custom Object instances changed since the bookmark (`POST /data/search/`, object_type
    custom_object): `/custom_object/` lists one lead's only, so Close points to the search."""

    name = "custom_objects"
    object_type = "custom_object"
    schema_name = "custom_object"
    soft_deletes = False  # no documented event-log object type for them


class _KeysetWithDeletes(DeletionsMixin, CloseKeysetStream):
    def date_windows(self, context: Context | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        yield self.get_starting_timestamp(context), None

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start, bookmarked = self.get_starting_timestamp(context), self.had_bookmark(context)
        yield from super().get_records(context)
        yield from self.deleted_records(start, bookmarked=bookmarked)


class OpportunitiesStream(TypedCustomFields, _KeysetWithDeletes):
    """`/opportunity/?date_updated__gte=...&_order_by=date_updated` (documented sort)."""

    name = "opportunities"
    path = "/opportunity/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    is_sorted = True
    page_size = 250  # as peers page it
    schema_name = "opportunity"
    deleted_object_types = ("opportunity",)


TASK_TYPES = (
    "lead",
    "incoming_email",
    "email_followup",
    "missed_call",
    "answered_detached_call",
    "voicemail",
    "opportunity_due",
    "incoming_sms",
)


class TasksStream(_KeysetWithDeletes):
    """`/task/?_type=all&date_updated__gte=...&_order_by=date_created`.

    Without `_type` Close returns `lead` tasks only. Close documents `date` and
    `date_created` as task sorts (not `date_updated`), so the tasks changed since the
    bookmark are paged in `date_created` order: unsorted for the bookmark, which is the
    newest `date_updated` seen once the stream completes. The page tokens are checkpointed,
    so a rerun after a failure resumes at the page it stopped on.
    """

    name = "tasks"
    path = "/task/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    keyset_key = "date_created"
    is_sorted = False
    page_size = 1000  # as peers page it
    schema = deletable(schemas.load("task"))
    deleted_object_types = tuple(f"task.{kind}" for kind in TASK_TYPES)

    def date_windows(self, context: Context | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        yield None, None  # the keyset runs over date_created from the start

    def extra_params(self, context: Context | None) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"_type": "all"}
        if (start := self.get_starting_timestamp(context)) is not None:
            params["date_updated__gte"] = close_time(start)
        return params
