"""The Outreach base stream: JSON:API collections paged by `links.next`."""

from __future__ import annotations

import typing as t
from datetime import timezone

from singer_sdk.streams.rest import HTTPRequest
from tap_common.client import SuiteStream
from tap_common.pagination import JSONAPILinksPaginator

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import PageContext

JSONAPI_MEDIA_TYPE = "application/vnd.api+json"


class OutreachStream(SuiteStream):
    """A JSON:API collection, incremental on `updatedAt` unless a stream says otherwise."""

    default_api_url = "https://api.outreach.io/api/v2"
    records_key = "data"
    primary_keys = ("id",)
    replication_key: str | None = "updatedAt"
    # The API sorts by the replication key on request, so the bookmark may advance
    # per page and an interrupted sync resumes where it stopped.
    is_sorted = True

    @property
    def http_headers(self) -> dict:
        headers = dict(super().http_headers)
        # Outreach documents this content type on every request (415 without it).
        headers["Content-Type"] = JSONAPI_MEDIA_TYPE
        headers["Accept"] = JSONAPI_MEDIA_TYPE
        if user_agent := self.config.get("user_agent"):
            headers["User-Agent"] = user_agent
        return headers

    def get_new_paginator(self) -> JSONAPILinksPaginator:
        return JSONAPILinksPaginator()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        if page.next_page_token is not None:
            # `links.next` already carries every parameter plus `page[after]`: follow it as is.
            return HTTPRequest(
                url=page.next_page_token.geturl(), method=self.http_method, headers=self.http_headers
            )
        return super().get_http_request(page=page)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {
            "page[size]": self.config.get("page_size", 1000),
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
        params.update(self.extra_url_params(context))
        return params

    def extra_url_params(self, context: Context | None) -> dict[str, t.Any]:
        """Stream-specific filters (e.g. a parent's id)."""
        return {}

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Flatten a JSON:API resource: `id`, its attributes and its relationship ids.

        A to-one relationship becomes `<name>_id` (None when its data is null), a to-many
        one with data becomes `<name>_ids`; links-only or meta-only relationships carry
        no ids and are left out.
        """
        record = {"id": row.get("id"), **(row.get("attributes") or {})}
        for name, relationship in (row.get("relationships") or {}).items():
            if not isinstance(relationship, dict) or "data" not in relationship:
                continue
            data = relationship["data"]
            if isinstance(data, list):
                record[f"{name}_ids"] = [item.get("id") for item in data if isinstance(item, dict)]
            else:
                record[f"{name}_id"] = data.get("id") if isinstance(data, dict) else None
        return record
