"""Contract mode: the seed's REST facade (`GET /call_log`, `GET /agent_login_logout`).

Real Five9 has no such endpoints (see the README's "Seed vs real"); this mode exists for servers
that implement the seed's contract. Records have the same shape and keys as in reports mode.
"""

from __future__ import annotations

import typing as t

from tap_common.client import SuiteStream
from tap_common.pagination import HasMoreOffsetPaginator

from tap_five9 import schemas
from tap_five9.report_streams import iso_utc

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

PAGE_SIZE = 100


class Five9RestStream(SuiteStream):
    """`start`/`end` ISO range, `limit`/`offset` paging, records under `records`."""

    records_key = "records"
    # The facade returns each range oldest first, so the bookmark can advance per record.
    is_sorted = True

    @property
    def url_base(self) -> str:
        return self._tap.api_base_url  # type: ignore[attr-defined]

    def get_new_paginator(self) -> HasMoreOffsetPaginator:
        # No has_more flag in the body: a short or empty page is the last one.
        return HasMoreOffsetPaginator(0, PAGE_SIZE, records_key="records")

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {
            "end": iso_utc(self._tap.sync_end),  # type: ignore[attr-defined]
            "limit": PAGE_SIZE,
            "offset": next_page_token or 0,
        }
        if start := self.get_starting_timestamp(context):
            params["start"] = iso_utc(start)
        return params


class CallLogRestStream(Five9RestStream):
    name = "call_log"
    path = "/call_log"
    primary_keys = tuple(schemas.REPORTS["call_log"]["key_properties"])
    replication_key = "timestamp"
    schema = schemas.CALL_LOG


class AgentLoginLogoutRestStream(Five9RestStream):
    """Every agent's logins (the seed's call_log -> agent link names no real relation)."""

    name = "agent_login_logout"
    path = "/agent_login_logout"
    primary_keys = tuple(schemas.REPORTS["agent_login_logout"]["key_properties"])
    replication_key = "login_timestamp"
    schema = schemas.AGENT_LOGIN_LOGOUT
