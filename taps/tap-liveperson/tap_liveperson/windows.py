"""History searches read in start-time windows, checkpointed window by window.

Messaging Interactions and Engagement History both search by conversation (chat) start
time, `start {from, to}` in epoch ms, both bounds included and rounded outward to 10
minutes, with a cap on the range (3 months, one month) and 13 months of retention. A run
is planned once: the windows from its first start time up to the moment the run began
(`until`), oldest first. The plan is kept in state (`run`) and moves window by window:

- after each window, `run.next` is the next window's start and a STATE message goes out,
  so a rerun after a failure resumes at the window it failed in (and, inside it, at the
  page the library's page checkpoints name);
- when the last window is read, the bookmark (`replication_key_value`) becomes `until`:
  everything up to that moment is delivered. The bookmark is the run's time, not a record
  value, because the record that tells when a conversation last changed does not exist.

Records whose data the API marks partial (`info.isPartial`) are fetched again whole; a
page whose `_metadata.shardsStatusResult.partialResult` is true is retried like a 5xx,
then the run fails naming it: truncated data is never stored as if it were complete.
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from singer_sdk.exceptions import RetriableAPIError
from tap_common.errors import TapError, request_path
from tap_common.pagination import MetadataNextHrefPaginator, response_json

from tap_liveperson.client import LivePersonStream, as_int, is_true

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams.rest import HTTPRequest, PageContext

PAGE_SIZE = 100  # the API's maximum
#: History is kept 13 months; stay a few days inside so a window never starts before it.
RETENTION = timedelta(days=390)
#: Where the plan of an unfinished run is kept in the stream's (or partition's) state.
RUN_KEY = "run"


def now_ms() -> int:
    return int(datetime.now(timezone.utc).timestamp() * 1000)


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def iso(ms_value: int) -> str:
    return datetime.fromtimestamp(ms_value / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


def _valid_run(run: t.Any) -> bool:
    if not isinstance(run, dict):
        return False
    since, until, following = run.get("since"), run.get("until"), run.get("next")
    return (
        (since is None or isinstance(since, int))
        and isinstance(until, int)
        and isinstance(following, int)
        and following <= until
    )


class WindowedSearchStream(LivePersonStream):
    """A POST search read in start-time windows (see the module docstring)."""

    http_method = "POST"
    # The bookmark is set per run, not per record; inside a window the library
    # checkpoints pages (it does so for streams that are not sorted).
    is_sorted = False
    #: The API's own cap on a window, in days.
    max_window_days: t.ClassVar[float] = 89
    #: Where the id of a record is: used to fetch a partial record again.
    id_field: t.ClassVar[str] = ""

    _window: tuple[int, int] = (0, 0)
    _since: int | None = None

    # -- planning ------------------------------------------------------------------------

    def retention_floor(self, now: int) -> int:
        return now - int(RETENTION.total_seconds() * 1000)

    def start_date_ms(self) -> int | None:
        start_date = self.config.get("start_date")
        return ms(parse_time(start_date)) if start_date else None

    def plan_run(self, state: dict, now: int) -> tuple[int | None, int]:
        """(`since`, first window start) of a new run; `since` is the stream's own filter."""
        raise NotImplementedError

    def window_size_ms(self) -> int:
        days = min(float(self.config.get("window_days", 30)), self.max_window_days)
        return int(timedelta(days=days).total_seconds() * 1000)

    def windows(self, run: dict, now: int) -> list[tuple[int, int]]:
        """The windows [from, to] still to read, oldest first."""
        start = max(run["next"], self.retention_floor(now))
        size, until = self.window_size_ms(), run["until"]
        out = []
        while start < until:
            end = min(start + size, until)
            out.append((start, end))
            start = end
        return out

    def _new_run(self, state: dict, now: int) -> dict:
        since, start = self.plan_run(state, now)
        floor = self.retention_floor(now)
        if start < floor:
            self.logger.warning(
                "%s: history is kept 13 months; reading from %s instead of %s",
                self.name,
                iso(floor),
                iso(start),
            )
            start = floor
        return {"since": since, "until": now, "next": min(start, now)}

    # -- state ---------------------------------------------------------------------------

    def _checkpoint(self) -> None:
        self.state_manager.is_flushed = False
        self._write_state_message()

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        """The bookmark does not follow records (see the module docstring)."""

    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        return None

    # -- records -------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> t.Iterable[Record]:
        state = self.get_context_state(context)
        now = now_ms()
        run = state.get(RUN_KEY)
        if _valid_run(run):
            self.logger.info(
                "%s: resuming an unfinished run at the window starting %s", self.name, iso(run["next"])
            )
        else:
            run = self._new_run(state, now)
            state[RUN_KEY] = run
            self._checkpoint()
        windows = self.windows(run, now)
        for number, (start_ms, end_ms) in enumerate(windows):
            self._window, self._since = (start_ms, end_ms), run["since"]
            # The API includes both ends (rounded outward), so neighbouring windows overlap:
            # keep [from, to) of each window, [from, to] of the last.
            stop = end_ms + 1 if number == len(windows) - 1 else end_ms
            for record in self.request_records(context):
                started = as_int((record.get("info") or {}).get("startTimeL"))
                if not (isinstance(started, int) and start_ms <= started < stop):
                    continue
                if is_true((record.get("info") or {}).get("isPartial")):
                    record = self.fetch_whole(record, context)
                yield record
            # Every record of the window is written: a rerun starts at the next one.
            run["next"] = end_ms
            self._checkpoint()
        state.pop(RUN_KEY, None)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = iso(run["until"])
        self.finish_run(state)
        self._checkpoint()

    def finish_run(self, state: dict) -> None:
        """Hook: tidy the state of a completed run."""

    # -- requests ------------------------------------------------------------------------

    def get_new_paginator(self) -> MetadataNextHrefPaginator:
        return MetadataNextHrefPaginator()

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            "offset": 0,
            "limit": PAGE_SIZE,
            "sort": "start:asc",
            "v": self.api_version,
            "source": self.config.get("source"),
        }

    #: The `v` API version (None: not sent).
    api_version: t.ClassVar[int | None] = None

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if page.next_page_token:
            # `_metadata.next.href` is absolute and carries every query parameter.
            request.url = page.next_page_token.geturl()
            request.params = {}
        return request

    def prepare_request_payload(self, context: Context | None, next_page_token: t.Any) -> dict:
        start_ms, end_ms = self._window
        return {"start": {"from": start_ms, "to": end_ms}}

    def validate_response(self, response: requests.Response) -> None:
        super().validate_response(response)
        shards = (response_json(response).get("_metadata") or {}).get("shardsStatusResult") or {}
        if is_true(shards.get("partialResult")):
            method = response.request.method if response.request else "POST"
            msg = (
                f"{self.name}: {method} {request_path(response)} returned a partial result "
                "(_metadata.shardsStatusResult.partialResult: not every shard answered)"
            )
            raise RetriableAPIError(msg, response)

    # -- partial records -----------------------------------------------------------------

    def fetch_body(self, record: Record) -> dict:
        """The body that asks for one record whole."""
        raise NotImplementedError

    #: Path of the request that returns one record whole (None: the search path).
    fetch_path: t.ClassVar[str | None] = None

    def fetch_whole(self, record: Record, context: Context | None) -> Record:
        """`record` as the API returns it alone (its search answer was marked partial)."""
        ident = (record.get("info") or {}).get(self.id_field)
        path = (self.fetch_path or self.path).format(account_id=self.config["account_id"])
        prepared = self.build_prepared_request(
            method="POST",
            url=self.url_base + path,
            params={"v": self.api_version, "source": self.config.get("source")},
            json=self.fetch_body(record),
            headers=self.http_headers,
        )
        response = self.request_decorator(self._request)(prepared, context)
        found = [
            r for r in self.parse_response(response) if (r.get("info") or {}).get(self.id_field) == ident
        ]
        if not found:
            msg = f"{self.name}: POST {path} did not return {self.id_field} {ident}, whose search answer was partial"
            raise TapError(msg)
        if is_true((found[0].get("info") or {}).get("isPartial")):
            msg = (
                f"{self.name}: {self.id_field} {ident} is still partial (info.isPartial) when "
                f"fetched alone with POST {path}; not stored truncated (a rerun tries again)"
            )
            raise TapError(msg)
        return found[0]
