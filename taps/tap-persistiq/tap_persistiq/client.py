"""The base stream of every PersistIQ stream: the envelope, `page` paging and PersistIQ's errors."""

from __future__ import annotations

import re
import time
import typing as t

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from tap_common.client import SuiteStream
from tap_common.pagination import HasMorePageNumberPaginator, response_json
from typing_extensions import override

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

# "... Limit will be reseted at 1700000000." in the body of a 429.
_RESET_IN_MESSAGE = re.compile(r"reseted at (\d{9,})")
# Wait this long on a 429 that names no reset (the limit is per minute).
_DEFAULT_429_WAIT = 60.0


class PersistIQStream(SuiteStream):
    """A PersistIQ list endpoint: `{"status", "has_more", "next_page", "<records_key>": [...]}`.

    Every list is paged by `page` (1-based, fixed page size) with `has_more` / `next_page`
    (the OpenAPI gives every list this envelope, lead statuses and lead fields included).
    """

    default_api_url = "https://api.persistiq.com/v1"
    primary_keys = ("id",)

    @property
    @override
    def http_headers(self) -> dict:
        return {**super().http_headers, "Accept": "application/json"}

    @override
    def get_new_paginator(self) -> HasMorePageNumberPaginator:
        # `next_page` is an absolute URL that may drop our filters, so every request is
        # rebuilt here with the same filters and the page number read from that URL.
        return HasMorePageNumberPaginator(start_value=1)

    def filter_params(self, context: Context | None) -> dict[str, t.Any]:
        """The stream's filters, sent unchanged with every page."""
        return {}

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any | None) -> dict[str, t.Any]:
        return {**self.filter_params(context), "page": next_page_token or 1}

    @override
    def retry_after(self, response: requests.Response) -> float | None:
        wait = super().retry_after(response)
        if wait is not None or response.status_code != 429:
            return wait
        # No usable header: the reset epoch is also in the error message.
        try:
            message = str(response_json(response).get("error", {}).get("message", ""))
        except Exception:
            message = ""
        if match := _RESET_IN_MESSAGE.search(message):
            return max(int(match.group(1)) - time.time(), 0.0)
        return _DEFAULT_429_WAIT

    @override
    def validate_response(self, response: requests.Response) -> None:
        # PersistIQ support asks for the x-request-id of a failed call: name it in errors.
        request_id = response.headers.get("x-request-id")
        try:
            super().validate_response(response)
        except FatalAPIError as exc:
            if not request_id:
                raise
            raise type(exc)(f"{exc} (x-request-id {request_id})") from None
        except RetriableAPIError as exc:
            if not request_id:
                raise
            raise RetriableAPIError(f"{exc} (x-request-id {request_id})", exc.response) from None
