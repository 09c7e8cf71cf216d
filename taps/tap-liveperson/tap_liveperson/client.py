"""Base stream of tap-liveperson: each stream lives on the host of its CSDS service."""

from __future__ import annotations

import typing as t

from tap_common.client import SuiteStream


class LivePersonStream(SuiteStream):
    """A LivePerson API stream; `service` names the CSDS service whose host serves it.

    LivePerson's 429s carry no wait headers, so the library's exponential backoff applies;
    its first wait (`retry_backoff_seconds`, default 1 s) is the retry policy's minimum.
    """

    #: CSDS service name (case sensitive), e.g. "accountConfigReadOnly" or "msgHist".
    service: t.ClassVar[str] = "accountConfigReadOnly"
    records_key = None

    @property
    def url_base(self) -> str:
        # No single base URL exists: the host comes from the Domain API (CSDS).
        return self._tap.service_url(self.service)  # type: ignore[attr-defined]
