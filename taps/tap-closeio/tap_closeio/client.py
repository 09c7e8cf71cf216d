"""Close base streams: `rate_reset` waits, retried deleted-document 404s, keyset offset paging."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import BaseAPIPaginator
from tap_common.client import SuiteStream
from tap_common.errors import TapError, api_error_text, http_error_message
from tap_common.pagination import HasMoreOffsetPaginator, parsed_body, response_json

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


class SkipCapReached(FatalAPIError):
    """The API refused a `_skip` above the resource's `max_skip` (a 400)."""


class CloseStream(SuiteStream):
    """Base of every Close stream: records under `data`, Basic auth from the tap."""

    default_api_url = DEFAULT_API_URL
    records_key = "data"
    #: `_limit` asked for: the largest the resource accepts (over it Close answers 400).
    page_size: t.ClassVar[int] = 100
    #: Whether the endpoint documents `_skip`/`_limit` (others are asked once, unpaged,
    #: and followed with `_skip` only if they answer `has_more: true`).
    paged: t.ClassVar[bool] = True
    #: Close allows ~20 requests a second; one request at a time reaches half of that at
    #: typical latency, so a full-table query's next pages are asked for while one is in flight.
    pages_in_flight = 3
    # Bookmarks of sorted streams go out every 1,000 records, so a rerun after a failure
    # starts at most that far back (the SDK's default is 10,000).
    STATE_MSG_FREQUENCY = 1000

    def get_new_paginator(self) -> BaseAPIPaginator:
        return HasMoreOffsetPaginator(page_size=self.page_size)

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        if self.replication_key and not latest_record.get(self.replication_key):
            return  # a record without its timestamp cannot move the bookmark (nor crash the run)
        super()._increment_stream_state(latest_record, context=context)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        if not self.paged and not next_page_token:
            return {}
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
        status = response.status_code
        if status == HTTPStatus.BAD_REQUEST and "max_skip" in api_error_text(response):
            self.rate_limiter.observe(response.headers)
            msg = f"{http_error_message(self.name, response)} (more records share one value than one query may page through)"
            raise SkipCapReached(msg)
        if status == HTTPStatus.NOT_FOUND and "document has been deleted" in api_error_text(response).lower():
            # Seen on real accounts while paging: an object of the page was deleted as the
            # page was built. Asking for the page again answers without it.
            self.rate_limiter.observe(response.headers)
            raise RetriableAPIError(http_error_message(self.name, response), response)
        super().validate_response(response)


class FullTableStream(CloseStream):
    """A list endpoint read whole on every run (no date filter to be incremental on)."""

    primary_keys = ("id",)
    #: Query parameters every request sends (a filter that widens Close's default).
    fixed_params: t.ClassVar[dict[str, t.Any]] = {}

    def get_new_paginator(self) -> BaseAPIPaginator:
        return EndOnMissingHasMore(page_size=self.page_size)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {**self.fixed_params, **super().get_url_params(context, next_page_token)}


class EndOnMissingHasMore(HasMoreOffsetPaginator):
    """`has_more` pages; a body without the flag is the only page (an unpaged endpoint)."""

    def has_more(self, response: requests.Response) -> bool:
        body = response_json(response)
        return "has_more" in body and super().has_more(response)


class KeysetPaginator(BaseAPIPaginator["str | None"]):
    """Each next page starts at the last value received: `<key>__gte=<value>&_skip=<n>`.

    Token `"<value>|<n>"`: `n` records at exactly `<value>` were already received (they sort
    first in the next query and are skipped). An offset page can shift when a record before
    it changes or disappears between requests (a record edited mid-sync moves to the end of
    a `date_updated` order and the next page starts one record later); a page asked for
    from the last value seen cannot. The skip stays small, so `max_skip` is never reached
    unless more records share one value than it allows.
    """

    def __init__(self, key: str, page_size: int) -> None:
        super().__init__(None)
        self.key = key
        self.page_size = page_size

    @staticmethod
    def split(token: str | None) -> tuple[str | None, int]:
        if not token:
            return None, 0
        value, _, skip = token.rpartition("|")
        return value, int(skip or 0)

    def get_next(self, response: requests.Response) -> str | None:
        body = response_json(response)
        records = body.get("data")
        if not isinstance(records, list):
            msg = f"{response.request.path_url.split('?')[0]} response has no 'data' list"
            raise TapError(msg)
        more = bool(body["has_more"]) if "has_more" in body else len(records) >= self.page_size
        if not more or not records:
            return None
        last = records[-1].get(self.key) if isinstance(records[-1], dict) else None
        if not last:
            msg = f"a record of {response.request.path_url.split('?')[0]} has no {self.key}"
            raise TapError(msg)
        at_last = sum(1 for r in records if isinstance(r, dict) and _same_time(r.get(self.key), last))
        previous, skipped = self.split(self.current_value)
        if previous is not None and _same_time(previous, last):
            # The whole page shares the value the query started at.
            return f"{last}|{skipped + len(records)}"
        return f"{last}|{at_last}"


def _same_time(a: t.Any, b: t.Any) -> bool:
    try:
        return parse_close_time(a) == parse_close_time(b)
    except (TypeError, ValueError):
        return a == b


class CloseKeysetStream(CloseStream):
    """A query filtered and sorted ascending on `keyset_key`, paged by `KeysetPaginator`.

    Subclasses say how the range is cut (`date_windows`) and what else is filtered on. The
    records at a page boundary that arrive twice are dropped by id.
    """

    #: The sort and paging column (defaults to the replication key).
    keyset_key: t.ClassVar[str | None] = None
    #: Offset pages depend on the last record of the page before: one request at a time.
    pages_in_flight = 1

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._window: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def sort_key(self) -> str:
        return t.cast("str", self.keyset_key or self.replication_key)

    def get_new_paginator(self) -> KeysetPaginator:  # type: ignore[override]
        return KeysetPaginator(self.sort_key, self.page_size)

    def date_windows(self, context: Context | None) -> Iterable[tuple[datetime | None, datetime | None]]:
        """The `[since, until)` ranges of `sort_key` to read, in order."""
        yield None, None

    def extra_params(self, context: Context | None) -> dict[str, t.Any]:
        return {}

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        key = self.sort_key
        since, until = self._window
        value, skip = KeysetPaginator.split(next_page_token)
        params: dict[str, t.Any] = {**self.extra_params(context), "_order_by": key}
        if value is not None:
            params[f"{key}__gte"] = value
        elif since is not None:
            params[f"{key}__gte"] = close_time(since)
        if until is not None:
            params[f"{key}__lt"] = close_time(until)
        return {**params, "_skip": skip, "_limit": self.page_size}

    def get_records(self, context: Context | None) -> Iterable[dict]:
        key = self.sort_key
        for window in self.date_windows(context):
            self._window = window
            boundary: datetime | None = None
            boundary_ids: set[str] = set()
            for record in self.request_records(context):
                value = record.get(key)
                if value:
                    when = parse_close_time(value)
                    if boundary is None or when > boundary:
                        boundary, boundary_ids = when, set()
                    if record.get("id") in boundary_ids:
                        continue  # received on the page before, at the same value
                    boundary_ids.add(record.get("id"))
                yield record


class CustomFieldsMixin:
    """Turns `custom.cf_*` keys into the named, typed properties of the stream's schema."""

    custom_field_map: CustomFieldMap | None = None

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        row = super().post_process(row, context)  # type: ignore[misc]
        if row is not None and self.custom_field_map is not None:
            row = {**self.custom_field_map.apply(row), **self.custom_field_map.unknown(row)}
        return row
