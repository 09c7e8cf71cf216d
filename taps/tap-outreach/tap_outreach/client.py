"""The Outreach base stream: JSON:API collections paged by `links.next`."""

from __future__ import annotations

import re
import typing as t
from datetime import datetime, timezone
from functools import cached_property
from http import HTTPStatus
from pathlib import Path

from singer_sdk import SchemaDirectory, StreamSchema
from tap_common.client import SuiteStream
from tap_common.pagination import JSONAPILinksPaginator

from tap_outreach.page_size import PageSizer

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
MAX_PAGE_SIZE = 1000
#: Schemas generated from Outreach's OpenAPI by scripts/specs/outreach.py.
SCHEMAS = SchemaDirectory(Path(__file__).parent / "schemas")
_TRY_AGAIN_AT = re.compile(r"try again at (\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)")


class OutreachStream(SuiteStream):
    """A JSON:API collection, incremental on `updatedAt` unless a stream says otherwise."""

    default_api_url = "https://api.outreach.io/api/v2"
    records_key = "data"
    primary_keys = ("id",)
    replication_key: str | None = "updatedAt"
    schema = StreamSchema(SCHEMAS)
    # The API sorts by the replication key on request, so the bookmark may advance
    # per page and an interrupted sync resumes where it stopped.
    is_sorted = True
    page_sizer: PageSizer

    @property
    def http_headers(self) -> dict:
        headers = dict(super().http_headers)
        # Outreach documents this content type on every request (415 without it).
        headers["Content-Type"] = JSONAPI_MEDIA_TYPE
        headers["Accept"] = JSONAPI_MEDIA_TYPE
        if user_agent := self.config.get("user_agent"):
            headers["User-Agent"] = user_agent
        return headers

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size") or MAX_PAGE_SIZE)

    def get_new_paginator(self) -> JSONAPILinksPaginator:
        # One query starts: its page size starts at the configured one.
        self.page_sizer = PageSizer(self.page_size, stream=self.name, logger=self.logger)
        return JSONAPILinksPaginator()

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """Send one page request at the query's current page size (see `PageSizer`).

        The next-page token stays the `links.next` URL the API gave; only its `page[size]`
        is changed while the gateway fails at the configured size.
        """
        sizer = self.page_sizer
        sizer.apply(prepared_request)
        try:
            response = super()._request(prepared_request, context)
        except Exception as exc:
            sizer.failed(exc, prepared_request)
            raise
        sizer.succeeded()
        return response

    def retry_after(self, response: requests.Response) -> float | None:
        """The wait the API asks for: its headers, else the time its 429 body names
        ("... please try again at <timestamp>")."""
        asked = super().retry_after(response)
        if asked is not None or response.status_code != HTTPStatus.TOO_MANY_REQUESTS:
            return asked
        match = _TRY_AGAIN_AT.search(response.text or "")
        if not match:
            return None
        try:
            when = datetime.fromisoformat(match[1].replace("Z", "+00:00"))
        except ValueError:
            return None
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {
            "page[size]": self.page_size,
            # Counting is costly for the API and unused here.
            "count": "false",
        }
        if self.replication_key:
            if start := self.get_starting_timestamp(context):
                stamp = (
                    start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{start.microsecond // 1000:03d}Z"
                )
                # The `..` range is inclusive: records at the bookmark come again (same id, same row).
                params[f"filter[{self.replication_key}]"] = f"{stamp}..inf"
            params["sort"] = self.replication_key
        return params

    @cached_property
    def _typed_relationships(self) -> frozenset[str]:
        """Relationships that may point at several types: their `<name>_type` is kept."""
        properties = self.schema.get("properties") or {}
        return frozenset(name.removesuffix("_type") for name in properties if name.endswith("_type"))

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Flatten a JSON:API resource: `id`, its attributes and its relationship ids.

        A to-one relationship becomes `<name>_id` (None when its data is null), plus
        `<name>_type` where it may point at several types (a task's `subject`); a to-many
        one with data becomes `<name>_ids`. Links-only or meta-only relationships carry no
        ids and are left out.
        """
        record = {"id": row.get("id"), **(row.get("attributes") or {})}
        typed = self._typed_relationships
        for name, relationship in (row.get("relationships") or {}).items():
            if not isinstance(relationship, dict) or "data" not in relationship:
                continue
            data = relationship["data"]
            if isinstance(data, list):
                record[f"{name}_ids"] = [item.get("id") for item in data if isinstance(item, dict)]
                continue
            reference = data if isinstance(data, dict) else {}
            record[f"{name}_id"] = reference.get("id")
            if name in typed:
                record[f"{name}_type"] = reference.get("type")
        return record
