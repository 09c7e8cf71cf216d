"""Close's Advanced Filtering API (`POST /data/search/`): leads and contacts by `date_updated`.

`/lead/`'s `query` parameter was deprecated in 2022 (Close's changelog, 2022-02-14) and is
absent from the current reference; `/contact/` has no date filter at all. The search API
filters and sorts both on `date_updated` and pages by cursor, with two limits:

- a cursor expires about 30 seconds after the page that returned it (a slow target or a
  long rate-limit wait between two pages is enough);
- one walk returns at most 10,000 objects, whatever the cursor says.

Both are handled by slicing on `date_updated`: a walk ends after `WALK_RECORDS` objects
(before the cap) and the next starts at the last `date_updated` received; a refused cursor
(400 naming the `cursor`) does the same. The objects at that value arrive again and are
dropped by id. The search returns only the fields it is asked for (`_fields`): every field
the stream's schema declares, and each custom field by id (`custom.cf_*`).
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError
from tap_common.errors import http_error_message
from tap_common.pagination import BodyCursorPaginator, parsed_body

from tap_closeio.client import CloseStream, close_time, parse_close_time

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context

#: Objects one search walk may return (Close: 10,000), less a page of margin.
WALK_LIMIT = 10_000
SEARCH_PAGE_SIZE = 200  # the search API's `_limit` cap


class CursorRefused(Exception):
    """The search refused a cursor: expired, or past the per-walk cap."""


class WalkPaginator(BodyCursorPaginator):
    """`cursor` pages that end once the walk holds `limit` records (the next walk goes on)."""

    def __init__(self, limit: int) -> None:
        super().__init__("cursor")
        self.limit = limit
        self.received = 0
        self.cut = False

    def get_next(self, response: requests.Response) -> str | None:
        cursor = super().get_next(response)
        records = parsed_body(response).get("data") or []
        self.received += len(records)
        if cursor and self.received + SEARCH_PAGE_SIZE >= self.limit:
            self.cut = True
            return None
        return cursor


def _field(object_type: str, name: str) -> dict[str, t.Any]:
    return {"type": "regular_field", "object_type": object_type, "field_name": name}


class SearchStream(CloseStream):
    """Objects of one type, changed since the bookmark, oldest change first."""

    http_method = "POST"
    path = "/data/search/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    is_sorted = True
    page_size = SEARCH_PAGE_SIZE
    pages_in_flight = 1
    # Cursors expire within seconds: a rerun starts from the bookmark, not from a cursor.
    resumable_pages = False
    #: The search's `object_type` (lead, contact).
    object_type: t.ClassVar[str] = ""
    walk_limit: t.ClassVar[int] = WALK_LIMIT

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._since: datetime | None = None
        self._paginator: WalkPaginator | None = None

    def search_fields(self) -> list[str]:
        """What `_fields` asks for: the schema's own properties (and, in subclasses, custom fields)."""
        return [name for name in self.schema["properties"] if not name.startswith("_sdc_")]

    def get_new_paginator(self) -> WalkPaginator:  # type: ignore[override]
        self._paginator = WalkPaginator(self.walk_limit)
        return self._paginator

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {}

    def prepare_request_payload(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        kind = self.object_type
        queries: list[dict[str, t.Any]] = [{"type": "object_type", "object_type": kind}]
        if self._since is not None:
            queries.append(
                {
                    "type": "field_condition",
                    "field": _field(kind, self.replication_key),
                    "condition": {
                        "type": "moment_range",
                        "on_or_after": {"type": "fixed_utc", "value": close_time(self._since)},
                    },
                }
            )
        body: dict[str, t.Any] = {
            "query": {"type": "and", "queries": queries},
            "sort": [{"direction": "asc", "field": _field(kind, self.replication_key)}],
            "_limit": self.page_size,
            "_fields": {kind: self.search_fields()},
        }
        if next_page_token:
            body["cursor"] = next_page_token
        return body

    def validate_response(self, response: requests.Response) -> None:
        if response.status_code == HTTPStatus.BAD_REQUEST:
            body = parsed_body(response) if response.content else None
            errors = body.get("field-errors") if isinstance(body, dict) else None
            if isinstance(errors, dict) and "cursor" in errors:
                self.rate_limiter.observe(response.headers)
                raise CursorRefused(http_error_message(self.name, response))
        super().validate_response(response)

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        row.pop("__object_type", None)  # the search's type tag: the stream's own type
        return super().post_process(row, context)

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start = self.get_starting_timestamp(context)
        self._since = start
        boundary: datetime | None = None
        boundary_ids: set[str] = set()
        while True:
            received = 0
            try:
                for record in self.request_records(context):
                    value = record.get(self.replication_key)
                    if value:
                        when = parse_close_time(value)
                        if start is not None and when < start:
                            continue
                        if boundary is None or when > boundary:
                            boundary, boundary_ids = when, set()
                        if record.get("id") in boundary_ids:
                            continue  # received in the walk before, at the value this one starts at
                        boundary_ids.add(record.get("id"))
                    received += 1
                    yield record
                refused = None
            except CursorRefused as exc:
                refused = exc
            paginator = self._paginator
            if refused is None and not (paginator and paginator.cut):
                return
            if boundary is None or (received == 0 and boundary == self._since):
                msg = f"{refused or 'the search walk limit was reached'} (no progress from {self._since})"
                raise FatalAPIError(msg) from None
            self.logger.info(
                "%s: %s; the next search starts at %s >= %s",
                self.name,
                "cursor refused"
                if refused
                else f"walk of {paginator.received if paginator else '?'} objects",
                self.replication_key,
                close_time(boundary),
            )
            self._since = boundary
