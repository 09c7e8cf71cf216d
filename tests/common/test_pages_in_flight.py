"""Offset pages asked for ahead (`pages_in_flight`), over real HTTP with real latency."""

from __future__ import annotations

import threading
import time
import typing as t

import pytest
from suite_sandbox import Response

from tests.common.toy import Things, ToyAPI, ToyTap, config_for, sync

if t.TYPE_CHECKING:
    from suite_sandbox import Request


class ThingsAhead(Things):
    pages_in_flight = 3


class ToyTapAhead(ToyTap):
    def discover_streams(self) -> list:
        return [ThingsAhead(self)]


class SlowToyAPI(ToyAPI):
    """Each page takes 30 ms inside the handler; counts how many were being served at once."""

    def __init__(self, records: int, failing_skip: str | None = None) -> None:
        super().__init__(records)
        self.failing_skip = failing_skip
        self.serving = 0
        self.most_at_once = 0
        self._count_lock = threading.Lock()

    def list_things(self, request: Request, match: t.Any) -> Response:
        with self._count_lock:
            self.serving += 1
            self.most_at_once = max(self.most_at_once, self.serving)
        try:
            time.sleep(0.03)
            if request.param("_skip") == self.failing_skip:
                return Response(400, {"error": "invalid _skip for this query"})
            return super().list_things(request, match)
        finally:
            with self._count_lock:
                self.serving -= 1


def skips(simulator: ToyAPI) -> list[int]:
    return sorted(int(r.param("_skip")) for r in simulator.requests)


def test_pages_are_requested_three_at_a_time_and_records_keep_their_order(serve):
    simulator = SlowToyAPI(records=1050)
    result = sync(config_for(serve(simulator).url), ToyTapAhead)
    assert result.exit_code == 0
    assert [r["id"] for r in result.records] == [f"t_{i}" for i in range(1050)]
    assert simulator.most_at_once == 3
    # Every page once; past the end, at most the two pages already asked for.
    assert skips(simulator)[:11] == list(range(0, 1100, 100))
    assert len(simulator.requests) <= 13
    assert len(set(skips(simulator))) == len(simulator.requests)


def test_a_query_that_fits_one_page_costs_one_request(serve):
    simulator = SlowToyAPI(records=60)
    result = sync(config_for(serve(simulator).url), ToyTapAhead)
    assert result.exit_code == 0
    assert len(result.records) == 60
    assert skips(simulator) == [0]


@pytest.mark.parametrize("failing_skip", ["100", "300"])
def test_an_error_on_a_page_comes_after_every_record_before_it(serve, failing_skip):
    simulator = SlowToyAPI(records=1000, failing_skip=failing_skip)
    result = sync(config_for(serve(simulator).url), ToyTapAhead)
    assert result.exit_code == 1
    assert [r["id"] for r in result.records] == [f"t_{i}" for i in range(int(failing_skip))]
    assert "invalid _skip for this query" in result.output


# -- read-ahead (sequential paging, the default) ---------------------------------------------

NEXT_PAGE_ASKED = threading.Event()


class ThingsWatchingTheNextPage(Things):
    """Holds its first record until the API has been asked for the second page."""

    next_page_asked_meanwhile: bool | None = None

    def post_process(self, row: dict, context: t.Any = None) -> dict:
        if row["id"] == "t_0":
            type(self).next_page_asked_meanwhile = NEXT_PAGE_ASKED.wait(timeout=10)
        return row


class ToyTapWatching(ToyTap):
    def discover_streams(self) -> list:
        return [ThingsWatchingTheNextPage(self)]


class SignallingToyAPI(ToyAPI):
    def list_things(self, request: Request, match: t.Any) -> Response:
        if request.param("_skip") == "100":
            NEXT_PAGE_ASKED.set()
        return super().list_things(request, match)


def test_the_next_page_is_requested_while_this_pages_records_are_processed(serve):
    NEXT_PAGE_ASKED.clear()
    simulator = SignallingToyAPI(records=250)
    result = sync(config_for(serve(simulator).url), ToyTapWatching)
    assert result.exit_code == 0
    assert ThingsWatchingTheNextPage.next_page_asked_meanwhile is True
    # The same requests, in the same order, as plain paging; records in order.
    assert [r.param("_skip") for r in simulator.requests] == ["0", "100", "200"]
    assert [r["id"] for r in result.records] == [f"t_{i}" for i in range(250)]
