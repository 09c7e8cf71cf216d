"""PersistIQ's request budget: documented as 100 a minute per key, advertised by the API itself.

The reference documents 100 requests a minute per API key; the live API advertises its
real budget on every answer, 401s included (`X-RateLimit-Limit: 500` in 2026). The tap
starts at `max_requests_per_minute` (the documented 100 by default) and, unless
`follow_rate_limit_header` is off, paces at what `X-RateLimit-Limit` says from the first
answer that names it, up or down. `X-RateLimit-Remaining` / `X-RateLimit-Reset` still pause
every request when the window is spent (the library's `RateLimiter.observe`).
"""

from __future__ import annotations

import typing as t
from collections import deque

from tap_common.rate_limit import RateLimiter

if t.TYPE_CHECKING:
    from collections.abc import Mapping

#: apidocs.persistiq.com: "100 requests per minute" per API key.
DOCUMENTED_REQUESTS_PER_MINUTE = 100
LIMIT_HEADER = "X-RateLimit-Limit"


def advertised_limit(headers: Mapping[str, str]) -> float | None:
    """Requests a minute the answer's `X-RateLimit-Limit` advertises, if it names a positive number."""
    raw = headers.get(LIMIT_HEADER)
    try:
        value = float(str(raw).strip()) if raw is not None else None
    except ValueError:
        return None
    return value if value and value > 0 else None


class AdvertisedRateLimiter(RateLimiter):
    """A `RateLimiter` whose budget moves to what the API advertises (see the module docstring)."""

    def __init__(self, requests_per_minute: float, *, follow_header: bool, **kwargs: t.Any) -> None:
        super().__init__(requests_per_minute, **kwargs)
        self.follow_header = follow_header
        self.requests_per_minute = requests_per_minute

    def observe(self, headers: Mapping[str, str]) -> None:
        super().observe(headers)
        if self.follow_header and (limit := advertised_limit(headers)) and limit != self.requests_per_minute:
            self.change_budget(limit)

    def change_budget(self, requests_per_minute: float) -> None:
        """Pace at `requests_per_minute` from now on; requests already sent still count for
        their rolling minute."""
        with self._lock:
            self.requests_per_minute = requests_per_minute
            self.interval = 60.0 / requests_per_minute
            self._sent = deque(self._sent, maxlen=max(1, int(requests_per_minute)))
