"""Every paginator of the shared library, driven over real HTTP, plus properties of each."""

from __future__ import annotations

import typing as t
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from suite_sandbox import Response, SandboxServer, Simulator
from tap_common.errors import TapError
from tap_common.pagination import (
    BodyCursorPaginator,
    HasMoreOffsetPaginator,
    HasMorePageNumberPaginator,
    JSONAPILinksPaginator,
    MetadataNextHrefPaginator,
)


class Pages(Simulator):
    """The same `total` items served in each page style the suite's APIs use."""

    def __init__(self, total: int, page_size: int) -> None:
        super().__init__()
        self.total, self.size = total, page_size
        self.route("GET", r"/offset", self.offset)
        self.route("GET", r"/pages", self.pages)
        self.route("GET", r"/cursor", self.cursor)
        self.route("GET", r"/jsonapi", self.jsonapi)
        self.route("POST", r"/metadata", self.metadata)

    def items(self, start: int) -> list[dict]:
        return [{"id": i} for i in range(start, min(start + self.size, self.total))]

    def offset(self, request, _match):
        skip = int(request.param("_skip", "0"))
        return Response(200, {"data": self.items(skip), "has_more": skip + self.size < self.total})

    def pages(self, request, _match):
        page = int(request.param("page", "1"))
        start = (page - 1) * self.size
        more = start + self.size < self.total
        base = f"http://{request.headers['host']}/pages"
        return Response(
            200,
            {
                "status": "success",
                "has_more": more,
                "next_page": f"{base}?page={page + 1}" if more else None,
                "leads": self.items(start),
            },
        )

    def cursor(self, request, _match):
        start = int(request.param("_cursor") or 0)
        more = start + self.size < self.total
        return Response(
            200, {"data": self.items(start), "cursor_next": str(start + self.size) if more else None}
        )

    def jsonapi(self, request, _match):
        start = int(request.param("page[after]") or 0)
        more = start + self.size < self.total
        query = {"filter[updatedAt]": request.param("filter[updatedAt]"), "page[after]": start + self.size}
        base = f"http://{request.headers['host']}/jsonapi"
        links = {"next": f"{base}?{urlencode(query)}"} if more else {}
        return Response(200, {"data": self.items(start), "links": links})

    def metadata(self, request, _match):
        start = int(request.param("offset", "0"))
        more = start + self.size < self.total
        base = f"http://{request.headers['host']}/metadata"
        meta = (
            {"count": self.total, "next": {"rel": "next", "href": f"{base}?offset={start + self.size}"}}
            if more
            else {"count": self.total}
        )
        return Response(
            200, {"_metadata": meta, "conversationHistoryRecords": self.items(start), "echo": request.json()}
        )


def walk(
    paginator: t.Any, url: str, records_key: str, request_for: t.Callable[[t.Any], requests.Request]
) -> list[int]:
    """Page like the SDK does: request, read records, advance, until finished."""
    seen: list[int] = []
    session = requests.Session()
    while not paginator.finished:
        response = session.send(request_for(paginator.current_value).prepare(), timeout=5)
        seen += [item["id"] for item in response.json()[records_key]]
        paginator.advance(response)
    return seen


def run_style(style: str, total: int, size: int) -> tuple[list[int], Pages]:
    simulator = Pages(total, size)
    with SandboxServer(simulator) as server:
        url = server.url
        if style == "offset":
            seen = walk(
                HasMoreOffsetPaginator(0, size),
                url,
                "data",
                lambda skip: requests.Request("GET", f"{url}/offset", params={"_skip": skip, "_limit": size}),
            )
        elif style == "pages":
            seen = walk(
                HasMorePageNumberPaginator(1),
                url,
                "leads",
                lambda page: requests.Request(
                    "GET", f"{url}/pages", params={"page": page, "updated_after": "2024-01-01"}
                ),
            )
        elif style == "cursor":
            seen = walk(
                BodyCursorPaginator("cursor_next"),
                url,
                "data",
                lambda cursor: requests.Request(
                    "GET", f"{url}/cursor", params={"_cursor": cursor} if cursor else {}
                ),
            )
        elif style == "jsonapi":
            seen = walk(
                JSONAPILinksPaginator(),
                url,
                "data",
                lambda link: requests.Request(
                    "GET",
                    link.geturl() if link else f"{url}/jsonapi",
                    params=None if link else {"filter[updatedAt]": "2024-01-01..inf"},
                ),
            )
        else:
            seen = walk(
                MetadataNextHrefPaginator(),
                url,
                "conversationHistoryRecords",
                lambda link: requests.Request(
                    "POST",
                    link.geturl() if link else f"{url}/metadata?offset=0",
                    json={"start": {"from": 1, "to": 2}},
                ),
            )
    return seen, simulator


STYLES = ["offset", "pages", "cursor", "jsonapi", "metadata"]


@pytest.mark.parametrize("style", STYLES)
def test_every_item_is_read_once_in_order(style):
    seen, simulator = run_style(style, total=1234, size=100)
    assert seen == list(range(1234))
    assert len(simulator.requests) == 13


def test_page_numbers_come_from_next_page_even_past_page_nine():
    _seen, simulator = run_style("pages", total=1500, size=100)
    assert [r.param("page") for r in simulator.requests] == [str(n) for n in range(1, 16)]
    assert all(r.param("updated_after") == "2024-01-01" for r in simulator.requests)


def test_jsonapi_next_links_are_followed_as_given():
    _seen, simulator = run_style("jsonapi", total=300, size=100)
    assert [r.param("filter[updatedAt]") for r in simulator.requests] == ["2024-01-01..inf"] * 3
    assert [r.param("page[after]") for r in simulator.requests] == [None, "100", "200"]


def test_metadata_next_href_re_posts_the_same_body():
    _seen, simulator = run_style("metadata", total=250, size=100)
    assert [r.json() for r in simulator.requests] == [{"start": {"from": 1, "to": 2}}] * 3
    assert [r.param("offset") for r in simulator.requests] == ["0", "100", "200"]


@settings(max_examples=30, deadline=None)
@given(style=st.sampled_from(STYLES), total=st.integers(0, 400), size=st.integers(1, 120))
def test_any_total_and_page_size_reads_each_item_exactly_once(style, total, size):
    seen, _ = run_style(style, total, size)
    assert seen == list(range(total))


class WrongShape(Simulator):
    def __init__(self, body: t.Any) -> None:
        super().__init__()
        self.route("GET", r"/x", lambda request, match: Response(200, body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"records": []}, "/x response has no 'data' list"),
        ({"data": "oops"}, "/x response has no 'data' list"),
        ([1, 2], "/x returned JSON list, expected an object"),
    ],
)
def test_a_body_of_the_wrong_shape_is_an_error_not_a_last_page(body, message):
    with SandboxServer(WrongShape(body)) as server:
        response = requests.get(f"{server.url}/x", timeout=5)
        with pytest.raises(TapError) as info:
            HasMoreOffsetPaginator(0, 10).advance(response)
    assert str(info.value) == message
