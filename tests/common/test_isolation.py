"""One failing stream never stops the others; refused credentials end the run at once."""

from __future__ import annotations

import json

import pytest
from singer_sdk import typing as th
from tap_common.client import SuiteStream
from tap_common.pagination import HasMoreOffsetPaginator

from tests.common.toy import Things, ToyAPI, ToyTap, config_for, sync


class Gadgets(Things):
    name = "gadgets"
    path = "/gadgets/"


class Parts(SuiteStream):
    """A child of gadgets: `/parts/?gadget=<id>`."""

    name = "parts"
    path = "/parts/"
    primary_keys = ("id",)
    parent_stream_type = Gadgets
    state_partitioning_keys = ()
    schema = th.PropertiesList(
        th.Property("id", th.StringType), th.Property("gadget", th.StringType)
    ).to_dict()

    def get_new_paginator(self) -> HasMoreOffsetPaginator:
        return HasMoreOffsetPaginator(0, 100)

    def get_url_params(self, context, next_page_token):
        return {"_skip": next_page_token or 0, "_limit": 100, "gadget": context["gadget"]}


class GadgetsWithParts(Gadgets):
    def get_child_context(self, record, context):
        return {"gadget": record["id"]}


class PartsOfGadgets(Parts):
    parent_stream_type = GadgetsWithParts


class ThreeStreamTap(ToyTap):
    """gadgets, then things, then widgets (which reads /things/ too): the failing one first."""

    name = "tap-three"

    def discover_streams(self):
        class Widgets(Things):
            name = "widgets"

        return [Gadgets(self), Things(self), Widgets(self)]


class ParentChildTap(ToyTap):
    name = "tap-parent-child"

    def discover_streams(self):
        return [GadgetsWithParts(self), PartsOfGadgets(self), Things(self)]


@pytest.fixture
def api(serve):
    simulator = ToyAPI(records=250)
    simulator.route("GET", r"/gadgets/", simulator.list_things)
    server = serve(simulator)
    return simulator, server.url


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("ERROR ")]


def above_debug(output: str) -> str:
    """The log as a user sees it at the default level (DEBUG records, tracebacks included, dropped)."""
    kept, level = [], None
    for line in output.splitlines():
        first = line.split(" ", 1)[0]
        if first in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            level = first
        if level != "DEBUG":
            kept.append(line)
    return "\n".join(kept)


def test_a_permanently_failing_stream_is_reported_and_the_others_complete(api):
    simulator, url = api
    simulator.inject("status", path="/gadgets/", status=503, times=1000, body={"error": "gadgets are down"})
    result = sync(config_for(url, max_retries=1), tap_class=ThreeStreamTap)
    assert result.exit_code == 1
    # things and widgets (both after the failing stream) are delivered whole.
    assert len([r for r in result.records]) == 500
    assert error_lines(result) == [
        "ERROR tap-three gadgets: gave up after 1 retries: GET /gadgets/ returned 503 "
        "Service Unavailable: gadgets are down",
        "ERROR tap-three tap-three: 1 of 3 synced streams failed: gadgets (each named above); the others completed",
    ]
    assert "Traceback" not in above_debug(result.output)


def test_a_403_on_one_stream_does_not_stop_the_next(api):
    simulator, url = api
    simulator.inject("status", path="/gadgets/", status=403, times=1000, body={"error": "no access"})
    result = sync(config_for(url), tap_class=ThreeStreamTap)
    assert result.exit_code == 1
    assert len(result.records) == 500
    assert (
        "gadgets: GET /gadgets/ returned 403 Forbidden: no access (check the api_key setting)"
        in result.output
    )


def test_refused_credentials_end_the_run_at_once(api):
    simulator, url = api
    result = sync(config_for(url, api_key="wrong-key-0000000000"), tap_class=ThreeStreamTap)
    assert result.exit_code == 1
    assert len(simulator.requests) == 1  # no other stream tries with the same refused key
    (line,) = error_lines(result)
    assert "returned 401" in line and "check the api_key setting" in line


def test_an_unexpected_error_is_one_line_naming_the_stream_never_a_traceback(api):
    _simulator, url = api

    class Broken(Things):
        name = "broken"

        def post_process(self, row, context=None):
            raise KeyError("date_updatd")

    class BrokenTap(ToyTap):
        name = "tap-broken"

        def discover_streams(self):
            return [Broken(self), Things(self)]

    result = sync(config_for(url), tap_class=BrokenTap)
    assert result.exit_code == 1
    assert len(result.records) == 250
    assert error_lines(result)[0] == (
        "ERROR tap-broken broken: unexpected KeyError: 'date_updatd' (a bug in the tap: please report it)"
    )
    assert "Traceback" not in above_debug(result.output)


def test_a_failing_child_fails_its_parent_at_that_parent_and_the_other_streams_go_on(api):
    simulator, url = api
    simulator.route("GET", r"/parts/", simulator.list_things)
    simulator.inject("status", path="/parts/", status=500, times=1000, body={"error": "parts broken"})
    result = sync(config_for(url, max_retries=0), tap_class=ParentChildTap)
    assert result.exit_code == 1
    messages = [json.loads(line) for line in result.output.splitlines() if line.startswith('{"type":')]
    per_stream: dict[str, int] = {}
    for message in messages:
        if message["type"] == "RECORD":
            per_stream[message["stream"]] = per_stream.get(message["stream"], 0) + 1
    # No gadget is written (its children were not read); things are whole.
    assert per_stream == {"things": 250}
    assert error_lines(result)[0].startswith("ERROR tap-parent-child gadgets: ")
    assert "parts: GET /parts/ returned 500" in error_lines(result)[0]
    assert "1 of 2 synced streams failed: gadgets" in error_lines(result)[-1]
    assert messages[-1]["type"] == "STATE", "state is written before the run ends"
