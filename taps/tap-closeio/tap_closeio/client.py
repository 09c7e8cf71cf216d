"""Close base streams: `rate_reset` waits, offset paging, and date windows past the skip cap."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError
from tap_common.client import SuiteStream
from tap_common.errors import TapError, api_error_text, http_error_message
from tap_common.pagination import HasMoreOffsetPaginator, parsed_body

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context

    from tap_closeio.custom_fields import CustomFieldMap

DEFAULT_API_URL = "https://api.close.com/api/v1"


def parse_close_time(value: str) -> datetime:
    """Close writes `2021-07-13T11:39:05.012000+00:00`; a value without offset is UTC."""
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def close_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()


class SkipCapReached(Exception):
    """The API refused a `_skip` above the resource's `max_skip` (a 400)."""


class CloseStream(SuiteStream):
    """Base of every Close stream: records under `data`, GET, Basic auth from the tap."""

    default_api_url = DEFAULT_API_URL
    records_key = "data"
    #: Largest `_limit` the resource accepts (over it Close answers 400).
    page_size: t.ClassVar[int] = 100
    #: Close allows ~20 requests a second; one request at a time reaches half of that at
    #: typical latency, so a query's next pages are asked for while one is in flight.
    pages_in_flight = 3

    def get_new_paginator(self) -> HasMoreOffsetPaginator:
        return HasMoreOffsetPaginator(page_size=self.page_size)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"_skip": next_page_token or 0, "_limit": self.page_size}

    def retry_after(self, response: requests.Response) -> float | None:
        """Close's 429 body says how long to wait: `{"error": {"rate_reset": 1.52}}`."""
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            try:
                error = parsed_body(response).get("error")
                reset = float(error["rate_reset"])  # type: ignore[index]
            except (TapError, AttributeError, KeyError, TypeError, ValueError):
                reset = None
            if reset is not None:
                return max(reset, 0.0)
        return super().retry_after(response)

    def validate_response(self, response: requests.Response) -> None:
        if response.status_code == HTTPStatus.BAD_REQUEST and "max_skip" in api_error_text(response):
            self.rate_limiter.observe(response.headers)
            raise SkipCapReached(http_error_message(self.name, response))
        super().validate_response(response)


class CloseIncrementalStream(CloseStream):
    """An offset-paged stream filtered and sorted ascending on its replication key.

    Close caps `_skip` (250,000 on big resources), so one query cannot page through more
    records than that. When the API refuses a skip, the query restarts at the timestamp of
    the last record received (`<key>__gte`, `_skip=0`); the records at that boundary
    timestamp are received again and dropped by id. Subclasses may also cut the range into
    fixed date windows (`window`), as Close advises for activities.
    """

    is_sorted = True
    #: Length of one date window (`<key>__gte` .. `<key>__lt`); None: one open-ended range.
    window: timedelta | None = None

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._since: datetime | None = None
        self._until: datetime | None = None

    # -- the range the next request asks for -----------------------------------------

    def start_time(self, context: Context | None) -> datetime | None:
        """Where this sync starts: the bookmark (or start_date)."""
        return self.get_starting_timestamp(context)

    def filter_floor(self, when: datetime) -> datetime:
        """The value sent for `when` (a filter with coarser precision rounds down)."""
        return when

    def date_params(self, since: datetime | None, until: datetime | None) -> dict[str, t.Any]:
        key = t.cast("str", self.replication_key)
        params: dict[str, t.Any] = {"_order_by": key}
        if since is not None:
            params[f"{key}__gte"] = close_time(since)
        if until is not None:
            params[f"{key}__lt"] = close_time(until)
        return params

    def extra_params(self, context: Context | None) -> dict[str, t.Any]:
        return {}

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            **self.extra_params(context),
            **self.date_params(self._since, self._until),
            **super().get_url_params(context, next_page_token),
        }

    # -- records ----------------------------------------------------------------------

    def _windows(self, start: datetime | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        if self.window is None or start is None:
            yield start, None
            return
        end = datetime.now(timezone.utc)
        while start < end:
            yield start, min(start + self.window, end)
            start += self.window

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start = self.start_time(context)
        key = t.cast("str", self.replication_key)
        for since, until in self._windows(start):
            floor = self.filter_floor(since) if since else None
            boundary: datetime | None = None  # filter value a restart would send
            boundary_ids: set[str] = set()
            while True:
                self._since, self._until = floor, until
                try:
                    for record in self.request_records(context):
                        when = parse_close_time(record[key])
                        # A coarse filter (minutes) re-reads records older than the bookmark.
                        if start is not None and when < start:
                            continue
                        edge = self.filter_floor(when)
                        if boundary is None or edge > boundary:
                            boundary, boundary_ids = edge, set()
                        if record["id"] in boundary_ids:
                            continue  # received before the restart at this boundary
                        boundary_ids.add(record["id"])
                        yield record
                    break
                except SkipCapReached as exc:
                    if boundary is None or (floor is not None and boundary <= floor):
                        msg = f"{exc} (more records share one {key} than one query may page through)"
                        raise FatalAPIError(msg) from None
                    self.logger.info(
                        "%s: skip cap reached; continuing from %s >= %s", self.name, key, close_time(boundary)
                    )
                    floor = boundary


class CustomFieldsMixin:
    """Turns `custom.cf_*` keys into the named, typed properties of the stream's schema."""

    custom_field_map: CustomFieldMap | None = None

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        if self.custom_field_map is not None:
            row = self.custom_field_map.apply(row)
        return row
