"""Resumable paging: a rerun after a failure continues near the page where the last run stopped.

Streams whose bookmark cannot move mid-stream (full-table streams, and unsorted streams,
whose bookmark only moves when they complete) would otherwise read everything again after
each failure, so with a steady fault rate a large stream never completes. After each page
whose records are all written, the stream's state records the token that asked for that
page (an offset, a page number, a cursor or next-page URL) and a STATE message goes out.
A rerun from that state asks for that page again (one page of overlap: at least once) and
goes on; when the stream completes, the token is removed.

The token is only trusted for the same query: the state keeps a digest of the first
page's request (URL, parameters, body: the filters and the bookmark they start from), and
a rerun whose query differs (another window, a moved bookmark) starts at its first page.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from urllib.parse import ParseResult, urlparse

from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator

RESUME_KEY = "resume_page"


def _encoded(token: t.Any) -> t.Any:
    if isinstance(token, ParseResult):
        return token.geturl()
    if isinstance(token, (int, str)) and not isinstance(token, bool):
        return token
    return None


class ResumablePages:
    """Stream mixin: page tokens checkpointed in state (see the module docstring)."""

    #: Set False for a stream whose page tokens expire or do not survive a new run.
    resumable_pages: t.ClassVar[bool] = True
    _current_query: str | None = None

    def _pages_resumable(self, context: Context | None) -> bool:
        # Top-level streams only: a child's state may be shared by all its parents.
        stream = t.cast("t.Any", self)
        if not self.resumable_pages or stream.parent_stream_type is not None:
            return False
        return stream.replication_method == REPLICATION_FULL_TABLE or not stream.is_sorted

    def _query_digest(self, context: Context | None) -> str:
        """A digest of the query's first request: the same query gives the same digest."""
        stream = t.cast("t.Any", self)
        query = [
            stream.get_url(context),
            stream.get_url_params(context, None),
            stream.prepare_request_payload(context, None),
        ]
        return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def resume_paginator(self, context: Context | None, paginator: BaseAPIPaginator) -> None:
        """Start `paginator` at the page an interrupted run last completed, if it was this query."""
        if not self._pages_resumable(context):
            return
        self._current_query = self._query_digest(context)
        state = t.cast("t.Any", self).get_context_state(context)
        saved = state.get(RESUME_KEY)
        if not isinstance(saved, dict) or saved.get("query") != self._current_query:
            state.pop(RESUME_KEY, None)
            return
        token = saved.get("token")
        if token is None:
            return
        paginator._value = urlparse(token) if isinstance(paginator, BaseHATEOASPaginator) else token
        t.cast("t.Any", self).logger.info(
            "%s: resuming where an interrupted run stopped (page %s)", t.cast("t.Any", self).name, token
        )

    def page_completed(self, context: Context | None, token: t.Any) -> None:
        """Every record of the page asked for with `token` is written: checkpoint it."""
        if not self._pages_resumable(context) or (encoded := _encoded(token)) is None:
            return
        stream = t.cast("t.Any", self)
        stream.get_context_state(context)[RESUME_KEY] = {"token": encoded, "query": self._current_query}
        stream.state_manager.is_flushed = False
        stream._write_state_message()

    def pages_completed(self, context: Context | None) -> None:
        """The query is read to its end: nothing to resume."""
        if self._pages_resumable(context):
            t.cast("t.Any", self).get_context_state(context).pop(RESUME_KEY, None)


class DeclaredPartitions:
    """Stream mixin: a stream is partitioned only when it says so (overrides `partitions`).

    The SDK otherwise takes any `partitions` found in the stream's state for its own, so a
    state an earlier version wrote (per-sequence or per-agent bookmarks) would make an
    unpartitioned stream replay those contexts and filter from one of their bookmarks.
    """

    @property
    def partitions(self) -> list[dict] | None:
        return None
