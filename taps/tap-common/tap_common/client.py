"""The base REST stream every tap in the suite builds on.

It adds to the SDK's `RESTStream`: the `api_url` override, a proactive rate limiter
shared by the tap's streams, waits taken from the API's own headers, bounded retries of
429/5xx/connection faults/timeouts/unreadable bodies, one retry of a 401 after refreshing
an OAuth token, and one-line fatal errors with no secrets in them.
"""

from __future__ import annotations

import threading
import typing as t
from collections import deque
from concurrent.futures import Future
from datetime import datetime, timezone
from functools import cached_property
from http import HTTPStatus
from urllib.parse import ParseResult, urlparse

import backoff
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import SinglePagePaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_common.checkpoint import DeclaredPartitions, ResumablePages
from tap_common.conform import CompiledConformance
from tap_common.errors import CredentialsRefused, TapError, http_error_message
from tap_common.pagination import HasMoreOffsetPaginator, parsed_body, response_json
from tap_common.rate_limit import RateLimiter
from tap_common.retry import TRANSIENT_EXCEPTIONS, WaitPolicy, asked_wait, jittered

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

DEFAULT_REQUEST_TIMEOUT = 60


def _origin(url: str) -> str:
    """scheme://host:port of a URL, with the scheme's default port spelled out."""
    parsed = urlparse(url)
    port = parsed.port or {"https": 443, "http": 80}.get(parsed.scheme)
    return f"{parsed.scheme}://{parsed.hostname}:{port}".lower()


def _sortable(value: t.Any) -> t.Any:
    """A replication value in a form that compares by time (ISO strings differ in zone
    spelling and precision: '...Z' and '...+00:00', '.5' and '.500')."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return value


class PagingStopped(Exception):
    """A page asked for ahead is no longer wanted (the consumer stopped); not retried."""


def in_background(function: Callable[..., t.Any], *args: t.Any, name: str) -> Future:
    """Run `function` in a daemon thread: a run that fails never waits at exit for the
    retries of requests it no longer needs."""
    future: Future = Future()

    def run() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(function(*args))
            except BaseException as exc:
                future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


class SuiteStream(DeclaredPartitions, ResumablePages, CompiledConformance, RESTStream):
    """Base stream: subclasses declare `name`, `path`, keys, schema and `records_key`."""

    #: The API's documented base URL; the `api_url` setting overrides it.
    default_api_url: t.ClassVar[str] = ""
    #: Key of the record list in the response body; None when the body is the list.
    records_key: t.ClassVar[str | None] = "data"
    extra_retry_statuses: t.ClassVar[t.Sequence[int]] = (HTTPStatus.TOO_MANY_REQUESTS,)

    #: Pages of one query requested at once when the paginator can name the next pages
    #: before the current one arrives (offset paging). The rate limiter still paces every
    #: request; more than one keeps an API's budget busy despite each request's latency.
    pages_in_flight: t.ClassVar[int] = 1
    #: Otherwise, request the next page in a background thread while this page's records
    #: are processed: the same requests in the same order, with the waits overlapped.
    read_ahead: t.ClassVar[bool] = True

    _consecutive_unauthorized = 0

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or self.default_api_url).rstrip("/")

    @property
    def timeout(self) -> int:
        return int(self.config.get("request_timeout") or DEFAULT_REQUEST_TIMEOUT)

    @property
    def rate_limiter(self) -> RateLimiter:
        return self._tap.rate_limiter  # type: ignore[attr-defined]

    @property
    def authenticator(self) -> t.Any:
        # One per tap run: streams share a token (and its refreshes) and a session.
        return self._tap.authenticator  # type: ignore[attr-defined]

    # -- requests ---------------------------------------------------------------------

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if isinstance(page.next_page_token, ParseResult):
            # A next-page link (`links.next`, `_metadata.next.href`) is absolute and carries
            # every query parameter: follow it as it is (the body, if any, stays the same).
            request.url, request.params = page.next_page_token.geturl(), {}
        return request

    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:
        """The SDK's request, refused when it would carry credentials off the API's origin
        (a `links.next` or `_metadata.next.href` naming another host)."""
        url = kwargs.get("url") or (args[1] if len(args) > 1 else None)
        if url and _origin(str(url)) != _origin(self.url_base):
            msg = (
                f"{self.name}: the API pointed the next request at {_origin(str(url))}, "
                f"not at {_origin(self.url_base)}; credentials are only sent to the configured API"
            )
            raise TapError(msg)
        return super().build_prepared_request(*args, **kwargs)

    def request_decorator(self, func: Callable) -> Callable:
        def paced_request(
            prepared_request: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            self.rate_limiter.acquire()
            return func(prepared_request, context)

        # As the SDK's decorator, minus backoff's own log line (backoff_handler logs once).
        return backoff.on_exception(
            self.backoff_wait_generator,
            (RetriableAPIError, *TRANSIENT_EXCEPTIONS),
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(paced_request)

    @property
    def wait_policy(self) -> WaitPolicy:
        return self._tap.wait_policy  # type: ignore[attr-defined]

    def backoff_max_tries(self) -> int:
        return self.wait_policy.max_tries

    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:
        """Wait what the API asks for (Retry-After, reset headers), else the policy's backoff."""
        policy = self.wait_policy

        def waits() -> Generator[float, t.Any, None]:
            attempt = 0
            exception = yield 0.0
            while True:
                response = getattr(exception, "response", None)
                asked = self.retry_after(response) if response is not None else None
                if asked is not None:
                    wait = policy.capped(asked, reason=f"{self.name}: the API's answer", logger=self.logger)
                else:
                    wait = policy.wait_after(attempt, response, logger=self.logger)
                attempt += 1
                exception = yield wait

        return waits()

    def backoff_jitter(self, value: float) -> float:
        return jittered(value)

    def backoff_handler(self, details: t.Mapping[str, t.Any]) -> None:
        exception = details.get("exception")
        reason = (
            str(exception)
            if isinstance(exception, (RetriableAPIError, TapError))
            else type(exception).__name__
        )
        self.logger.warning(
            "%s: retrying in %.1f s (attempt %d of %d): %s",
            self.name,
            details.get("wait", 0.0),
            details.get("tries", 0),
            self.backoff_max_tries(),
            reason,
        )

    def retry_after(self, response: requests.Response) -> float | None:
        """Seconds the API asked us to wait before retrying, if it said."""
        asked = asked_wait(response.status_code, response.headers)
        return asked[0] if asked else None

    def validate_response(self, response: requests.Response) -> None:
        self.rate_limiter.observe(response.headers)
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED and self._refresh_after_unauthorized():
            raise RetriableAPIError(http_error_message(self.name, response), response)
        if status != HTTPStatus.UNAUTHORIZED:
            self._consecutive_unauthorized = 0
        if status in self.extra_retry_statuses or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            if status == HTTPStatus.TOO_MANY_REQUESTS and (wait := self.retry_after(response)):
                self.rate_limiter.pause_for(wait)
            raise RetriableAPIError(http_error_message(self.name, response), response)
        if status >= HTTPStatus.BAD_REQUEST:
            message = http_error_message(self.name, response)
            if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                message += f" (check the {self._tap.credential_settings} setting)"  # type: ignore[attr-defined]
            if status == HTTPStatus.UNAUTHORIZED:
                raise CredentialsRefused(message)
            raise FatalAPIError(message)
        if self.records_key is not None or self.response_is_json:
            self._check_body(response)

    #: Whether successful bodies must be JSON (an unreadable body is retried).
    response_is_json: t.ClassVar[bool] = True

    def _check_body(self, response: requests.Response) -> None:
        try:
            response_json(response) if self.records_key is not None else parsed_body(response)
        except TapError as exc:
            # Truncated or garbled bodies are transient: retry, then fail clearly.
            raise RetriableAPIError(f"{self.name}: {exc}", response) from None

    def _refresh_after_unauthorized(self) -> bool:
        """On a first 401, drop the OAuth token so the retry refreshes it."""
        invalidate = getattr(self.authenticator, "invalidate_access_token", None)
        if invalidate is None or self._consecutive_unauthorized:
            return False
        self._consecutive_unauthorized += 1
        invalidate()
        self.logger.info("%s: access token refused (401); refreshing it and retrying once", self.name)
        return True

    # -- bookmarks --------------------------------------------------------------------

    #: APIs that sort on the server still send the odd record out of order (Outreach does);
    #: the SDK would stop the stream. Records are emitted as they come instead; mid-stream
    #: the bookmark follows the last record written (a rerun re-reads from there), and when
    #: the stream or partition completes it takes the highest value seen.
    @property
    def check_sorted(self) -> bool:  # type: ignore[override]
        # Unsorted streams keep the SDK's comparison: it keeps their highest value.
        return not self.is_sorted

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        super()._increment_stream_state(latest_record, context=context)
        if not (self.is_sorted and self.replication_key):
            return
        value = latest_record.get(self.replication_key)
        if value is None:
            return
        state = self.get_context_state(context)
        highest = self._highest_values.get(id(state))
        if highest is None or _sortable(value) >= _sortable(highest[1]):
            self._highest_values[id(state)] = (state, value)
        elif not self._reported_disorder:
            self._reported_disorder = True
            self.logger.info(
                "%s: a record arrived out of %s order (%s after %s); all records are kept, "
                "and the bookmark takes the highest value when the stream completes",
                self.name,
                self.replication_key,
                value,
                highest[1],
            )

    def _finalize_state(self, state: dict | None = None) -> None:
        if state is not None and (highest := self._highest_values.pop(id(state), None)):
            current = state.get("replication_key_value")
            if current is None or _sortable(highest[1]) > _sortable(current):
                state["replication_key_value"] = highest[1]
        super()._finalize_state(state)

    @cached_property
    def _highest_values(self) -> dict[int, tuple[dict, t.Any]]:
        # id(state dict) -> (that dict, highest replication value written to it this run)
        return {}

    _reported_disorder = False

    # -- records ----------------------------------------------------------------------

    def request_records(self, context: Context | None) -> Iterable[dict]:
        paginator = self.get_new_paginator() or SinglePagePaginator()
        self.resume_paginator(context, paginator)
        if self.pages_in_flight > 1 and isinstance(paginator, HasMoreOffsetPaginator):
            yield from self._request_offset_pages_ahead(context, paginator)
        else:
            yield from self._request_pages_read_ahead(context, paginator)
        self.pages_completed(context)

    def _request_pages_read_ahead(
        self, context: Context | None, paginator: BaseAPIPaginator
    ) -> Iterable[dict]:
        """The SDK's paging loop with each next page requested before this page's records
        are processed: the same requests in the same order (the next page's token comes
        from this answer); what overlaps is the API's response time and the record work.
        An error on a page is raised after every record of the pages before it."""
        stopped = threading.Event()
        decorated_request = self._request_until(stopped)
        Page = tuple[t.Any, requests.PreparedRequest, Future[requests.Response]]

        def ask_for_page() -> Page:
            token = paginator.current_value
            prepared = self._prepare_request(context=context, page=paginator)
            if not self.read_ahead:
                future: Future[requests.Response] = Future()
                future.set_result(decorated_request(prepared, context))
                return token, prepared, future
            return (
                token,
                prepared,
                in_background(decorated_request, prepared, context, name=f"{self.name}-page"),
            )

        try:
            with self.get_http_request_counter() as request_counter:
                request_counter.with_context(context)
                upcoming: Page | None = ask_for_page()
                while upcoming is not None:
                    token, prepared, future = upcoming
                    response = future.result()
                    request_counter.increment()
                    self.update_sync_costs(prepared, response, context)
                    records = self.parse_response(response)
                    if not records and not paginator.continue_if_empty(response):
                        return
                    paginator.advance(response)
                    refused: Exception | None = None
                    try:
                        upcoming = None if paginator.finished else ask_for_page()
                    except TapError as exc:  # the next request cannot be made: after this page
                        upcoming, refused = None, exc
                    yield from records
                    if refused is not None:
                        raise refused
                    if upcoming is not None:
                        self.page_completed(context, token)
        finally:
            # A consumer that stops early stops the page asked for ahead.
            stopped.set()

    def _request_until(
        self, stopped: threading.Event
    ) -> Callable[[requests.PreparedRequest, Context | None], requests.Response]:
        """The decorated (paced, retried) request, giving up before any try once `stopped`."""

        def request_unless_stopped(
            prepared: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            if stopped.is_set():
                raise PagingStopped
            return self._request(prepared, context)

        return self.request_decorator(request_unless_stopped)

    def _request_offset_pages_ahead(
        self, context: Context | None, paginator: HasMoreOffsetPaginator
    ) -> Iterable[dict]:
        """Offset paging with up to `pages_in_flight` requests out; records keep page order.

        The first page goes alone, so a query that fits one page costs one request; after
        it, the pages past the end that were already asked for (at most
        `pages_in_flight - 1` per query) are the price of the overlap. An error on a page
        is raised after every record of the pages before it; the pages after it stop
        retrying (each request's retries stay bounded by `max_retries`).
        """
        stopped = threading.Event()
        decorated_request = self._request_until(stopped)
        in_flight: deque[tuple[int, requests.PreparedRequest, Future[requests.Response]]] = deque()
        next_offset = paginator.current_value

        def ask_for_next_page() -> None:
            nonlocal next_offset
            paginator._value = next_offset
            prepared = self._prepare_request(context=context, page=paginator)
            in_flight.append(
                (
                    next_offset,
                    prepared,
                    in_background(decorated_request, prepared, context, name=f"{self.name}-page"),
                )
            )
            next_offset += paginator._page_size

        try:
            with self.get_http_request_counter() as request_counter:
                request_counter.with_context(context)
                ask_for_next_page()
                while in_flight:
                    offset, prepared, future = in_flight.popleft()
                    response = future.result()
                    request_counter.increment()
                    self.update_sync_costs(prepared, response, context)
                    records = self.parse_response(response)
                    if not paginator.has_more(response):
                        yield from records
                        return
                    while len(in_flight) < self.pages_in_flight:
                        ask_for_next_page()
                    yield from records
                    self.page_completed(context, offset)
        finally:
            # Pages past the end (or past an error) are not waited for.
            stopped.set()

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        if self.records_key is None:
            body = parsed_body(response)
            if not isinstance(body, list):
                msg = f"{self.name}: {response.request.path_url.split('?')[0]} returned {type(body).__name__}, expected a list of records"
                raise TapError(msg)
            return self._objects(body)
        records = response_json(response).get(self.records_key)
        if not isinstance(records, list):
            msg = f"{self.name}: response has no '{self.records_key}' list of records"
            raise TapError(msg)
        return self._objects(records)

    def _objects(self, records: list) -> list[dict]:
        # A list of non-objects would crash post-processing with a traceback.
        for record in records:
            if not isinstance(record, dict):
                msg = f"{self.name}: response holds a record that is JSON {type(record).__name__}, expected an object"
                raise TapError(msg)
        return records
