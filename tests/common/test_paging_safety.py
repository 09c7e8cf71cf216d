"""Paging that survives real APIs: records out of order, next links to other hosts, reruns that resume."""

from __future__ import annotations

import json
import typing as t

from singer_sdk import typing as th
from suite_sandbox import Response, Simulator, iso
from tap_common.checkpoint import RESUME_KEY
from tap_common.client import SuiteStream
from tap_common.pagination import HasMoreOffsetPaginator, JSONAPILinksPaginator

from tests.common.toy import ToyAPI, ToyTap, config_for, sync

# -- records out of order ----------------------------------------------------------------------


class Changes(SuiteStream):
    """Sorted ascending on the server (mostly), filtered with `since`."""

    name = "changes"
    path = "/changes/"
    primary_keys = ("id",)
    replication_key = "date_updated"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property("id", th.StringType), th.Property("date_updated", th.DateTimeType)
    ).to_dict()

    def get_new_paginator(self) -> HasMoreOffsetPaginator:
        return HasMoreOffsetPaginator(0, 100)

    def get_url_params(self, context, next_page_token):
        params = {"_skip": next_page_token or 0, "_limit": 100}
        if start := self.get_starting_timestamp(context):
            params["since"] = start.isoformat()
        return params


class ChangesTap(ToyTap):
    name = "tap-changes"

    def discover_streams(self):
        return [Changes(self)]


def shuffled_table(simulator: ToyAPI) -> None:
    """Serve `/changes/` from the toy table with two records swapped inside the first page."""

    def answer(request, match):
        rows = simulator.things.select().page(0, None)
        rows[10], rows[11] = rows[11], rows[10]
        if since := request.param("since"):
            rows = [r for r in rows if r["date_updated"] >= since.replace("+00:00", "Z")]
        skip = int(request.param("_skip", "0"))
        return Response(200, {"data": rows[skip : skip + 100], "has_more": skip + 100 < len(rows)})

    simulator.route("GET", r"/changes/", answer)


def test_records_out_of_order_are_all_kept_and_the_bookmark_is_the_highest(serve):
    simulator = ToyAPI(records=250)
    shuffled_table(simulator)
    result = sync(config_for(serve(simulator).url), tap_class=ChangesTap)
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in result.records) == sorted(f"t_{i}" for i in range(250))
    states = [
        json.loads(line)["value"] for line in result.output.splitlines() if line.startswith('{"type":"STATE"')
    ]
    assert states[-1]["bookmarks"]["changes"]["replication_key_value"] == iso(simulator.things.timestamp(249))
    assert "arrived out of date_updated order" in result.output
    assert "Unsorted data detected" not in result.output


# -- credentials only to the API's own origin ---------------------------------------------------


class Recorder(Simulator):
    """Another host: records what arrives, answers an empty page."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/.*", lambda request, match: Response(200, {"data": [], "links": {}}))


class Linked(SuiteStream):
    name = "linked"
    path = "/linked"
    primary_keys = ("id",)
    schema = th.PropertiesList(th.Property("id", th.StringType)).to_dict()

    def get_new_paginator(self) -> JSONAPILinksPaginator:
        return JSONAPILinksPaginator()


class LinkedTap(ToyTap):
    name = "tap-linked"

    def discover_streams(self):
        return [Linked(self)]


def test_a_next_link_to_another_host_is_refused_and_gets_no_credentials(serve):
    elsewhere = serve(Recorder())
    api = ToyAPI()
    next_url = f"http://localhost:{elsewhere.port}/steal?page=2"
    api.route(
        "GET",
        r"/linked",
        lambda request, match: Response(200, {"data": [{"id": "1"}], "links": {"next": next_url}}),
    )
    result = sync(config_for(serve(api).url), tap_class=LinkedTap)
    assert result.exit_code == 1
    assert elsewhere.simulator.requests == []
    assert f"linked: the API pointed the next request at http://localhost:{elsewhere.port}" in result.output
    assert result.records == [{"id": "1"}]


# -- reruns resume near where the last one stopped ---------------------------------------------


class FailingFromOffset(ToyAPI):
    """`/things/` fails permanently from `_skip >= fail_from` (until cleared)."""

    fail_from: int | None = None

    def list_things(self, request, match):
        if self.fail_from is not None and int(request.param("_skip", "0")) >= self.fail_from:
            return Response(500, {"error": "page unavailable"})
        return super().list_things(request, match)


def run_messages(result) -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in result.output.splitlines() if line.startswith('{"type":')]


def test_a_full_table_rerun_resumes_at_the_page_the_failed_run_last_completed(serve):
    simulator = FailingFromOffset(records=450)
    simulator.fail_from = 300
    url = serve(simulator).url
    first = sync(config_for(url, max_retries=0))
    assert first.exit_code == 1
    assert len(first.records) == 300
    state = [m for m in run_messages(first) if m["type"] == "STATE"][-1]["value"]
    assert state["bookmarks"]["things"][RESUME_KEY]["token"] == 200  # the last page fully written

    simulator.fail_from = None
    simulator.requests.clear()
    second = sync(config_for(url), tap_class=None, catalog=None, state=state)
    assert second.exit_code == 0, second.output
    # It asks for the last completed page again (at least once), then goes on: no restart at 0.
    assert [r.param("_skip") for r in simulator.requests] == ["200", "300", "400"]
    assert {r["id"] for r in first.records + second.records} == {f"t_{i}" for i in range(450)}
    final = [m for m in run_messages(second) if m["type"] == "STATE"][-1]["value"]
    assert RESUME_KEY not in final["bookmarks"]["things"]


def test_a_saved_page_is_ignored_when_the_query_differs(serve):
    simulator = FailingFromOffset(records=250)
    url = serve(simulator).url
    state = {"bookmarks": {"things": {RESUME_KEY: {"token": 200, "query": "another-query"}}}}
    result = sync(config_for(url), state=state)
    assert result.exit_code == 0
    assert [r.param("_skip") for r in simulator.requests] == ["0", "100", "200"]
