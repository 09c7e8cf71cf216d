"""Paginators for the page styles these APIs use, built on the SDK's paginator classes.

Each paginator reads the API's own end signal; a response without the field the API
promises is an error, never a silent last page.
"""

from __future__ import annotations

import typing as t
from urllib.parse import parse_qs, urlparse

import msgspec
from singer_sdk.pagination import (
    BaseHATEOASPaginator,
    JSONPathPaginator,
    OffsetPaginator,
    PageNumberPaginator,
)

from tap_common.errors import TapError

if t.TYPE_CHECKING:
    import requests


def parsed_body(response: requests.Response) -> t.Any:
    """The response body parsed as JSON, once per response (stream and paginator share it)."""
    if "_parsed_json" in response.__dict__:
        return response.__dict__["_parsed_json"]
    try:
        # msgspec parses several times faster than the json/simplejson behind response.json().
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        msg = (
            f"{response.request.method if response.request else 'GET'} "
            f"{urlparse(response.url).path} returned a body that is not JSON "
            f"({len(response.content)} bytes, status {response.status_code})"
        )
        raise TapError(msg) from None
    response.__dict__["_parsed_json"] = body
    return body


def response_json(response: requests.Response) -> dict:
    """The response body as a JSON object, or a clear error naming the request."""
    body = parsed_body(response)
    if not isinstance(body, dict):
        msg = f"{urlparse(response.url).path} returned JSON {type(body).__name__}, expected an object"
        raise TapError(msg)
    return body


def _body_path(body: dict, path: t.Sequence[str]) -> t.Any:
    value: t.Any = body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


class HasMoreOffsetPaginator(OffsetPaginator):
    """`_skip`/`_limit` style: advance by the page size while the body says `has_more`.

    A short page also ends paging, for APIs that omit the flag on the last page.
    """

    def __init__(
        self,
        start_value: int = 0,
        page_size: int = 100,
        *,
        records_key: str = "data",
        has_more_key: str = "has_more",
    ) -> None:
        super().__init__(start_value, page_size)
        self.records_key = records_key
        self.has_more_key = has_more_key

    def has_more(self, response: requests.Response) -> bool:
        body = response_json(response)
        records = body.get(self.records_key)
        if not isinstance(records, list):
            msg = f"{urlparse(response.url).path} response has no '{self.records_key}' list"
            raise TapError(msg)
        if self.has_more_key in body:
            return bool(body[self.has_more_key]) and len(records) > 0
        return len(records) >= self.page_size


class HasMorePageNumberPaginator(PageNumberPaginator):
    """`page=N` style with `has_more` and a `next_page` URL (PersistIQ).

    The next page number is read from `next_page`'s own `page` query value (not guessed),
    so a server that skips or repeats numbers is followed faithfully.
    """

    def __init__(
        self,
        start_value: int = 1,
        *,
        has_more_key: str = "has_more",
        next_page_key: str = "next_page",
    ) -> None:
        super().__init__(start_value)
        self.has_more_key = has_more_key
        self.next_page_key = next_page_key

    def has_more(self, response: requests.Response) -> bool:
        return bool(response_json(response).get(self.has_more_key))

    def get_next(self, response: requests.Response) -> int | None:
        next_page = response_json(response).get(self.next_page_key)
        if isinstance(next_page, int):
            return next_page
        if isinstance(next_page, str) and next_page:
            values = parse_qs(urlparse(next_page).query).get("page")
            if values and values[0].isdigit():
                return int(values[0])
        return self.current_value + 1


class BodyCursorPaginator(JSONPathPaginator):
    """Opaque cursor in the body (`cursor_next`); null or absent ends paging."""

    def __init__(self, cursor_key: str = "cursor_next") -> None:
        super().__init__(f"$.{cursor_key}")
        self.cursor_key = cursor_key

    def get_next(self, response: requests.Response) -> str | None:
        return response_json(response).get(self.cursor_key) or None


class JSONAPILinksPaginator(BaseHATEOASPaginator):
    """JSON:API `links.next` (absolute URL with all params and `page[after]`)."""

    def get_next_url(self, response: requests.Response) -> str | None:
        return _body_path(response_json(response), ("links", "next")) or None


class MetadataNextHrefPaginator(BaseHATEOASPaginator):
    """`_metadata.next.href` (LivePerson): the next page is the same POST at that URL."""

    def get_next_url(self, response: requests.Response) -> str | None:
        return _body_path(response_json(response), ("_metadata", "next", "href")) or None
