"""Smaller pages while Outreach's gateway fails on big ones; the configured size again after.

Outreach's gateway sometimes gives up on large pages (1000 records) with a 502, or never
answers; asking again at the same size fails again. So, for one query, each 502/504
or read timeout halves the page size of the retry, and after
`GROW_AFTER_PAGES` pages answered at a reduced size the size doubles again, up to the
configured one. The size is rewritten in the request's URL (`links.next` carries the size
of the request it answers); the keyset cursor `page[after]` does not depend on it, so no
record is skipped or repeated.
"""

from __future__ import annotations

import typing as t
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

if t.TYPE_CHECKING:
    import logging

#: Answers of a gateway that gave up on a slow (large) page.
GATEWAY_STATUSES = frozenset({HTTPStatus.BAD_GATEWAY, HTTPStatus.GATEWAY_TIMEOUT})
#: Pages answered at a reduced size before the size doubles again.
GROW_AFTER_PAGES = 10
PAGE_SIZE_PARAMETER = "page[size]"


class PageSizer:
    """The page size of one query."""

    def __init__(self, configured: int, *, stream: str, logger: logging.Logger) -> None:
        self.configured = configured
        self.current = configured
        self.stream = stream
        self.logger = logger
        self._answered_since_change = 0

    def apply(self, prepared: requests.PreparedRequest) -> None:
        """Ask for the current size in `prepared` (whatever size its URL names)."""
        parts = urlsplit(prepared.url or "")
        query = parse_qsl(parts.query, keep_blank_values=True)
        wanted = str(self.current)
        if (PAGE_SIZE_PARAMETER, wanted) in query:
            return
        query = [(k, v) for k, v in query if k != PAGE_SIZE_PARAMETER] + [(PAGE_SIZE_PARAMETER, wanted)]
        prepared.url = urlunsplit(parts._replace(query=urlencode(query)))

    def failed(self, exc: BaseException, prepared: requests.PreparedRequest) -> None:
        """A page request failed: halve the size if the failure looks like a too-large page."""
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        if status in GATEWAY_STATUSES:
            cause = f"{status}"
        elif isinstance(exc, requests.ReadTimeout):
            cause = type(exc).__name__
        else:
            return
        self._answered_since_change = 0
        if self.current <= 1:
            return
        smaller = self.current // 2
        self.logger.warning(
            "%s: %s %s failed (%s) at %s=%d; asking for %d records a page (back up to %d once pages come back)",
            self.stream,
            prepared.method,
            urlsplit(prepared.url or "").path,
            cause,
            PAGE_SIZE_PARAMETER,
            self.current,
            smaller,
            self.configured,
        )
        self.current = smaller

    def succeeded(self) -> None:
        if self.current >= self.configured:
            return
        self._answered_since_change += 1
        if self._answered_since_change >= GROW_AFTER_PAGES:
            self._answered_since_change = 0
            self.current = min(self.configured, self.current * 2)
            self.logger.info("%s: asking for %d records a page again", self.stream, self.current)
