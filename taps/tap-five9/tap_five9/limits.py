"""Five9's per-domain operation limits: per minute, hour and day, per operation type.

Five9 counts each call by its `apiOperationType` (runReport is a ReportRequest,
getReportResultCsv a RetrieveReport, isReportRunning a Query) in calendar periods that reset
at the start of each minute, hour and day in the data centre's time zone. `getCallCountersState`
(itself not limited) tells the limits of the domain and what was already used in each current
period (other clients of the domain count too). The tap spends each period's allowance as it
comes and waits for the next period when one is used up, but never longer than
`max_wait_seconds`: a day's budget spent is one clear error, the windows synced so far kept.
"""

from __future__ import annotations

import math
import threading
import time
import typing as t
from datetime import datetime, timezone

from tap_common.errors import TapError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from zoneinfo import ZoneInfo

MINUTE, HOUR, DAY = 60, 3600, 86400
#: Five9's documented defaults (used when getCallCountersState names none).
DEFAULT_LIMITS: dict[str, dict[int, int]] = {
    "ReportRequest": {MINUTE: 16, HOUR: 120, DAY: 800},
    "RetrieveReport": {MINUTE: 20, HOUR: 200, DAY: 1000},
    "Query": {MINUTE: 450, HOUR: 15_000, DAY: 172_800},
}
#: The operation type each operation the tap calls is counted as (getCallCountersState: none).
OPERATION_TYPES = {
    "runReport": "ReportRequest",
    "getReportResultCsv": "RetrieveReport",
    "isReportRunning": "Query",
}
#: Past a period's end by this much, so Five9's counter has surely reset too (clocks differ a little).
RESET_SLACK_SECONDS = 1.0


def period_name(seconds: int) -> str:
    return {MINUTE: "minute", HOUR: "hour", DAY: "day"}.get(seconds, f"{seconds} s")


class LimitUsedUp(TapError):
    """A period's allowance is spent and its reset is further away than the run may wait."""


class PeriodCounter:
    """One limit of one operation type: `limit` calls per calendar `period` seconds."""

    def __init__(self, period: int, limit: int, used: int, index: int) -> None:
        self.period, self.limit, self.used, self.index = period, limit, used, index


class OperationBudget:
    """The calls one operation type may still make, in every period Five9 counts (thread-safe)."""

    def __init__(
        self,
        kind: str,
        counters: Iterable[PeriodCounter],
        *,
        zone: ZoneInfo,
        max_wait_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.kind = kind
        self.counters = sorted(counters, key=lambda c: c.period)
        self.zone = zone
        self.max_wait_seconds = max_wait_seconds
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def _offset(self, now: float) -> float:
        offset = datetime.fromtimestamp(now, timezone.utc).astimezone(self.zone).utcoffset()
        return offset.total_seconds() if offset else 0.0

    def index(self, period: int, now: float) -> int:
        """The calendar period `now` falls in (periods start on the data centre's wall clock)."""
        return math.floor((now + self._offset(now)) / period)

    def _period_end(self, counter: PeriodCounter, now: float) -> float:
        return (counter.index + 1) * counter.period - self._offset(now)

    def acquire(self, what: str) -> None:
        """Block until one more call fits every period, then count it."""
        with self._lock:
            while True:
                now = self._clock()
                waits = []
                for counter in self.counters:
                    index = self.index(counter.period, now)
                    if index != counter.index:
                        counter.index, counter.used = index, 0
                    if counter.used >= counter.limit:
                        waits.append((self._period_end(counter, now) - now + RESET_SLACK_SECONDS, counter))
                if not waits:
                    for counter in self.counters:
                        counter.used += 1
                    return
                wait, counter = max(waits, key=lambda w: w[0])
                if wait > self.max_wait_seconds:
                    reset = datetime.fromtimestamp(now + wait, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    msg = (
                        f"{what}: Five9's limit of {counter.limit} {self.kind} calls per "
                        f"{period_name(counter.period)} is used up for this domain; it resets at {reset}, "
                        f"in {wait:.0f} s, more than max_wait_seconds ({self.max_wait_seconds:g} s). "
                        "Everything synced so far is kept: rerun after the reset to go on"
                    )
                    raise LimitUsedUp(msg)
                self.waited_seconds += wait
                self._sleep(wait)

    def used_up(self, limit: int | None) -> None:
        """Five9 answered OperationsLimitExceededFault: the period with that limit (else the
        shortest) is spent, whatever was counted here (other clients of the domain count too)."""
        with self._lock:
            now = self._clock()
            matching = [c for c in self.counters if c.limit == limit] or self.counters[:1]
            for counter in matching:
                counter.index, counter.used = self.index(counter.period, now), counter.limit

    def left(self, period: int) -> int | None:
        """Calls still allowed in the current `period` (None when Five9 counts no such period)."""
        now = self._clock()
        for counter in self.counters:
            if counter.period == period:
                used = counter.used if counter.index == self.index(period, now) else 0
                return max(counter.limit - used, 0)
        return None

    def describe(self) -> str:
        return ", ".join(f"{c.limit}/{period_name(c.period)}" for c in self.counters)


def budgets_from_counters(
    states: Iterable[t.Any],
    *,
    zone: ZoneInfo,
    max_wait_seconds: float,
    clock: Callable[[], float] = time.time,
) -> dict[str, OperationBudget]:
    """Budgets from getCallCountersState's answer (`limitTimeoutState` per period: `timeout`
    seconds, and per operation type its `limit` and the `value` used so far), over the defaults."""
    now = clock()
    found: dict[str, dict[int, tuple[int, int]]] = {}
    for state in states or []:
        period = int(getattr(state, "timeout", 0) or 0)
        if period <= 0:
            continue
        for counter in getattr(state, "callCounterStates", None) or []:
            kind, limit = getattr(counter, "operationType", None), getattr(counter, "limit", None)
            if kind in DEFAULT_LIMITS and limit:
                found.setdefault(kind, {})[period] = (int(limit), int(getattr(counter, "value", 0) or 0))
    budgets = {}
    for kind, defaults in DEFAULT_LIMITS.items():
        periods = found.get(kind) or {period: (limit, 0) for period, limit in defaults.items()}
        budget = OperationBudget(kind, [], zone=zone, max_wait_seconds=max_wait_seconds, clock=clock)
        budget.counters = sorted(
            (PeriodCounter(p, limit, used, budget.index(p, now)) for p, (limit, used) in periods.items()),
            key=lambda c: c.period,
        )
        budgets[kind] = budget
    return budgets
