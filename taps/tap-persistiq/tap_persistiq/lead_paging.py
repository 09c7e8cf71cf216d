"""Reading every lead of a query that pages by number over a set that changes meanwhile.

The OpenAPI documents no order for `GET /leads`, only `page` over a fixed page size of 100.
An edit may move a lead anywhere in the answer (an index on the update time that
`updated_after` filters on moves it to the end). A lead that moves out of the pages already
read makes every later lead one place earlier: the next page starts one lead late and that
lead is never seen (it is not newer than the bookmark, so the next sync skips it too).

How the tap makes sure of every lead:

- Quiet rounds. It reads `CHECK_EVERY_PAGES` pages, then asks for the leads changed since
  the round began (`updated_after=<server time>`, from the answers' `Date` header minus
  `SERVER_CLOCK_MARGIN`) and emits them. Nothing new: no lead moved, the round is sound.
- Careful rounds. Something changed: a lead the round skipped is now at most one place per
  change before where the round began. The tap goes back that far and reads on in careful
  order: after each page, the page before it again, so a lead that slipped back across a
  page boundary is found on that page. This needs no proof of quiet, so leads that keep
  changing cannot stall the read; after `CHECK_EVERY_PAGES` pages past the round that found
  the change, quiet rounds resume.
- Cost: a quiet read of N pages costs N + N / `CHECK_EVERY_PAGES` requests (one request when
  the answer fits one page); a careful stretch about two requests a page.

Reruns. After each page the state holds the position (`resume_page`: the next page, the
page from which unread leads are known to follow, when changes were last counted, the
pending bookmark) with a digest of the query. A rerun with the same query first reads the
leads changed since: none, it goes on at the next page; some, it goes back as many places
from the known point and reads carefully. Another query starts at page 1.

Limits: PersistIQ lists no deleted leads, so a deletion moves the later leads back unseen.
More than `MAX_CHANGED_PAGES` pages of changes in one round (a bulk update, or an API that
ignores `updated_after`) are not followed: the read goes on to the end and the bookmark stays
where it was, so the next sync reads the same leads again.
"""

from __future__ import annotations

import email.utils
import typing as t
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

import msgspec
from tap_common.checkpoint import RESUME_KEY
from tap_common.pagination import HasMorePageNumberPaginator
from typing_extensions import override

if t.TYPE_CHECKING:
    from collections.abc import Generator

    import requests
    from singer_sdk.helpers.types import Context

#: Subtracted from an answer's `Date` (whole seconds) to count the changes after it: covers
#: the second's truncation and the skew between PersistIQ's web and database clocks.
SERVER_CLOCK_MARGIN = timedelta(seconds=1)
#: Used instead of the `Date` header when an answer has none.
LOCAL_CLOCK_MARGIN = timedelta(minutes=5)
#: PersistIQ's fixed page size for leads (no size parameter exists).
PAGE_SIZE = 100
#: Pages read between two counts of the leads changed meanwhile.
CHECK_EVERY_PAGES = 10
#: Pages of changed leads one count follows at most.
MAX_CHANGED_PAGES = 10

#: Changed leads of one count: id -> the record as it came.
Snapshot = dict[str, bytes]


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def server_time(response: requests.Response) -> datetime | None:
    """When PersistIQ answered, from the `Date` header (None without a readable one)."""
    try:
        when = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass
class ReadPosition:
    """Where a read of one query stands; saved in state after every page."""

    query: str  # digest of the query's filters: the position is only trusted for the same query
    page: int  # the next page to ask for
    known: int  # unread leads of the query follow the start of this page (as of `changed_since`)
    changed_since: str | None  # leads changed after this (server time) are not counted yet
    bookmark: str  # the `sync_bookmark` of this read: the next sync's `updated_after`

    @classmethod
    def restored(cls, saved: t.Any, query: str) -> ReadPosition | None:
        if not isinstance(saved, dict) or saved.get("query") != query:
            return None
        try:
            position = cls(
                query=query,
                page=int(saved["token"]),
                known=int(saved["known"]),
                changed_since=str(saved["changed_since"]),
                bookmark=str(saved["bookmark"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return position if 1 <= position.known <= position.page else None

    def saved(self) -> dict[str, t.Any]:
        fields = asdict(self)
        return {"token": fields.pop("page"), **fields}

    def go_back(self, changed: int) -> None:
        """`changed` leads moved: unread ones may be that many places before the known point."""
        self.page = self.known = max(1, (PAGE_SIZE * (self.known - 1) - changed) // PAGE_SIZE + 1)


class Pages(HasMorePageNumberPaginator):
    """Pages `start`, `start + 1`, ... of one query, at most `limit` of them, noting what the
    API said: the last page read, whether it was the end, when the first one was answered."""

    def __init__(self, start: int, limit: int | None) -> None:
        super().__init__(start)
        self.first_page = start
        self.limit = limit
        self.read = 0
        self.last_page = start
        self.reached_end = False
        self.answered_at: datetime | None = None

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return True  # `advance` reads `has_more`, on an empty page too

    @override
    def advance(self, response: requests.Response) -> None:
        self.last_page = self.current_value
        if self.answered_at is None:
            self.answered_at = server_time(response) or (datetime.now(timezone.utc) - LOCAL_CLOCK_MARGIN)
        self.read += 1
        super().advance(response)
        self.reached_end = self.finished
        if self.limit is not None and self.read >= self.limit:
            self._finished = True


class MovingSetPaging:
    """Stream mixin: `read_every_lead` reads a query as the module docstring says.

    The stream sends `self._query` plus `page` (its `get_url_params`) and counts on
    `page_completed` being called after each page's records are written (SuiteStream's
    paging loop does).
    """

    _query: dict[str, t.Any]
    _position: ReadPosition | None = None
    _forward_pages: Pages | None = None
    #: False when more changed than the read could follow: the bookmark then stays.
    _followed_every_change = True

    def read_every_lead(
        self, context: Context | None, main: dict[str, t.Any], position: ReadPosition, *, resumed: bool
    ) -> Generator[dict, None, None]:
        stream = t.cast("t.Any", self)
        self._position = position
        careful_until = 0  # careful rounds up to this page; 0: quiet rounds
        previous: Snapshot = {}
        if resumed:
            stream.logger.info(
                "%s: resuming an interrupted read at page %d; first the leads changed since %s",
                stream.name,
                position.page,
                position.changed_since,
            )
            changed = yield from self._changed_leads(context)
            if changed is None:
                careful_until = -1
            elif changed:
                resume_at = position.page
                position.go_back(len(changed))
                careful_until = resume_at + CHECK_EVERY_PAGES
            else:
                position.known = position.page
            previous = changed or {}
        first_round = not resumed
        while True:
            if careful_until:
                # -1: more changed than can be followed; read on without counting.
                until = None if careful_until < 0 else careful_until
                reached_end = yield from self._read_carefully(context, main, until)
                if reached_end:
                    return
                careful_until = -1 if careful_until < 0 else 0
                continue
            pages = yield from self._read_forward(context, main)
            if first_round and pages.reached_end and pages.read == 1:
                return  # the whole answer in one page: no page boundary to slip through
            first_round = False
            changed = yield from self._changed_leads(context)
            if changed is None:
                careful_until = -1
            elif all(previous.get(lead_id) == seen for lead_id, seen in changed.items()):
                # Nothing new since the last count (only what it already saw): sound.
                if pages.reached_end:
                    return
                position.known = position.page
            else:
                position.go_back(len(changed))
                careful_until = pages.last_page + CHECK_EVERY_PAGES
            previous = changed or {}
            self._checkpoint(context)

    def _read_forward(self, context: Context | None, main: dict[str, t.Any]) -> Generator[dict, None, Pages]:
        """Up to `CHECK_EVERY_PAGES` pages of the query from the position, in order."""
        position = t.cast("ReadPosition", self._position)
        pages = Pages(position.page, CHECK_EVERY_PAGES)
        self._query, self._forward_pages = main, pages
        try:
            yield from t.cast("t.Any", self)._request_pages_read_ahead(context, pages)
        finally:
            self._forward_pages = None
        position.page = pages.last_page + 1
        self._count_changes_from(pages.answered_at)
        # The last page's records are written too: a rerun need not read it again.
        self._checkpoint(context)
        return pages

    def _read_carefully(
        self, context: Context | None, main: dict[str, t.Any], until: int | None
    ) -> Generator[dict, None, bool]:
        """From the position to page `until` (or the end): each page, then the one before it
        again. Returns whether the end was reached."""
        position = t.cast("ReadPosition", self._position)
        stream = t.cast("t.Any", self)
        self._query = main
        while True:
            page = position.page
            forward = Pages(page, 1)
            yield from stream._request_pages_read_ahead(context, forward)
            answered = forward.answered_at
            if page > 1:
                again = Pages(page - 1, 1)
                yield from stream._request_pages_read_ahead(context, again)
                answered = again.answered_at
            position.page = page + 1
            self._checkpoint(context)
            if forward.reached_end:
                return True
            if until is not None and page >= until:
                # Unread leads follow this page's start: go on from it, counting from now.
                position.page = position.known = page
                position.changed_since = None
                self._count_changes_from(answered)
                return False

    def _changed_leads(self, context: Context | None) -> Generator[dict, None, Snapshot | None]:
        """The leads changed since the position's `changed_since`, emitted; None when there
        are more than `MAX_CHANGED_PAGES` pages of them (the rest is left to the next sync)."""
        position = t.cast("ReadPosition", self._position)
        stream = t.cast("t.Any", self)
        self._query = {"updated_after": position.changed_since}
        pages = Pages(1, MAX_CHANGED_PAGES)
        seen: Snapshot = {}
        for record in stream._request_pages_read_ahead(context, pages):
            seen[str(record.get("id"))] = msgspec.json.encode(record)
            yield record
        position.changed_since = None
        self._count_changes_from(pages.answered_at)
        if pages.read >= MAX_CHANGED_PAGES and not pages.reached_end:
            self._followed_every_change = False
            stream.logger.warning(
                "%s: more than %d leads changed while the read went on; it goes on to the end "
                "without following them, and the bookmark stays where it was, so the next sync "
                "reads these leads again",
                stream.name,
                PAGE_SIZE * MAX_CHANGED_PAGES,
            )
            return None
        return seen

    def _count_changes_from(self, answered_at: datetime | None) -> None:
        """Count later changes from `answered_at` on, unless already counting."""
        position = t.cast("ReadPosition", self._position)
        if position.changed_since is None:
            when = answered_at or (datetime.now(timezone.utc) - LOCAL_CLOCK_MARGIN)
            position.changed_since = iso(when - SERVER_CLOCK_MARGIN)

    def page_completed(self, context: Context | None, token: t.Any) -> None:
        # Every record of this page of a forward round is written: save the position.
        pages = self._forward_pages
        if pages is None or self._position is None:
            return
        self._position.page = int(token) + 1
        self._count_changes_from(pages.answered_at)
        self._checkpoint(context)

    def _checkpoint(self, context: Context | None) -> None:
        if self._position is None or self._position.changed_since is None:
            return
        stream = t.cast("t.Any", self)
        stream.get_context_state(context)[RESUME_KEY] = self._position.saved()
        stream.state_manager.is_flushed = False
        stream._write_state_message()
