"""Deterministic generated data of any size, computed on demand.

A `VirtualTable` holds no rows: row `i` is built from `(seed, name, i)` when asked for,
so a million-row table costs no memory. Its timestamp column rises with `i`
(`start + i * step`), which makes "changed since T, oldest first" a bisection. Rows can be
touched between runs (`touch`): they get a newer timestamp and move to the end of that
order, exactly as an incremental sync expects to see them.
"""

from __future__ import annotations

import bisect
import random
import typing as t
from datetime import datetime, timedelta, timezone

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator

DEFAULT_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


class VirtualTable:
    """Rows `0..n-1` of one generated resource, ordered by their timestamp."""

    def __init__(
        self,
        name: str,
        n: int,
        make: Callable[[int, random.Random, datetime], dict],
        *,
        seed: int = 1,
        start: datetime = DEFAULT_START,
        step: timedelta = timedelta(minutes=7),
    ) -> None:
        self.name = name
        self.n = n
        self.seed = seed
        self.start = start
        self.step = step
        self._make = make
        self._touched: dict[int, datetime] = {}  # row -> newer timestamp
        self._touched_order: list[tuple[datetime, int]] = []  # sorted by timestamp
        self._touched_rows: list[int] = []  # sorted row numbers

    # -- rows -------------------------------------------------------------------------

    def base_time(self, i: int) -> datetime:
        return self.start + i * self.step

    def timestamp(self, i: int) -> datetime:
        return self._touched.get(i) or self.base_time(i)

    def row(self, i: int) -> dict:
        rng = random.Random(f"{self.seed}:{self.name}:{i}")
        return self._make(i, rng, self.timestamp(i))

    def rows(self, indices: t.Iterable[int]) -> list[dict]:
        return [self.row(i) for i in indices]

    @property
    def last_time(self) -> datetime:
        times = [self.base_time(self.n - 1)] if self.n else [self.start]
        if self._touched_order:
            times.append(self._touched_order[-1][0])
        return max(times)

    # -- changes between runs ---------------------------------------------------------

    def touch(self, indices: t.Iterable[int], at: datetime | None = None) -> None:
        """Mark rows as updated at `at` (default: just after the newest timestamp)."""
        when = at or self.last_time + timedelta(seconds=1)
        for i in indices:
            if i in self._touched:
                self._touched_order.remove((self._touched[i], i))
            else:
                bisect.insort(self._touched_rows, i)
            self._touched[i] = when
            bisect.insort(self._touched_order, (when, i))

    def append(self, count: int) -> range:
        """Create `count` new rows after the current last one."""
        first = self.n
        self.n += count
        return range(first, self.n)

    # -- queries ----------------------------------------------------------------------

    def _first_base_at_or_after(self, when: datetime) -> int:
        if when <= self.start:
            return 0
        seconds = (when - self.start).total_seconds()
        i = int(seconds // self.step.total_seconds())
        while i < self.n and self.base_time(i) < when:
            i += 1
        return min(i, self.n)

    def select(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        inclusive: bool = True,
        where: Callable[[int], bool] | None = None,
    ) -> Selection:
        """Rows with `since <= ts` (or `<` when not inclusive) and `ts < until`, oldest first."""
        lo = 0 if since is None else self._first_base_at_or_after(since)
        if since is not None and not inclusive:
            while lo < self.n and self.base_time(lo) <= since:
                lo += 1
        hi = self.n if until is None else self._first_base_at_or_after(until)
        hi = max(hi, lo)
        skipped = self._touched_rows[
            bisect.bisect_left(self._touched_rows, lo) : bisect.bisect_left(self._touched_rows, hi)
        ]

        def after_since(ts: datetime) -> bool:
            return since is None or (ts >= since if inclusive else ts > since)

        moved = [i for ts, i in self._touched_order if after_since(ts) and (until is None or ts < until)]
        return Selection(self, lo, hi, skipped, moved, where)


class Selection:
    """An ordered, sliceable view of a table query (untouched rows, then touched ones)."""

    def __init__(
        self,
        table: VirtualTable,
        lo: int,
        hi: int,
        skipped: list[int],
        moved: list[int],
        where: Callable[[int], bool] | None,
    ) -> None:
        self.table = table
        self._lo, self._hi, self._skipped, self._moved = lo, hi, skipped, moved
        self._where = where
        # A filter needs a materialised index list; ranges stay virtual otherwise.
        self._indices: list[int] | None = None
        if where is not None:
            self._indices = [i for i in self._iter_unfiltered() if where(i)]

    def _iter_unfiltered(self) -> Iterator[int]:
        skipped = set(self._skipped)
        for i in range(self._lo, self._hi):
            if i not in skipped:
                yield i
        yield from self._moved

    def __len__(self) -> int:
        if self._indices is not None:
            return len(self._indices)
        return (self._hi - self._lo - len(self._skipped)) + len(self._moved)

    def indices(self, offset: int = 0, limit: int | None = None) -> list[int]:
        end = len(self) if limit is None else min(len(self), offset + limit)
        if offset >= end:
            return []
        if self._indices is not None:
            return self._indices[offset:end]
        out: list[int] = []
        base_count = self._hi - self._lo - len(self._skipped)
        position = offset
        if position < base_count:
            # Map a position among untouched rows to a row number, hopping over touched ones.
            k = bisect.bisect_right(self._skipped, self._lo + position)
            while True:
                candidate = self._lo + position + k
                k2 = bisect.bisect_right(self._skipped, candidate)
                if k2 == k:
                    break
                k = k2
            i = self._lo + position + k
            skipped = set(self._skipped)
            while position < min(end, base_count):
                if i not in skipped:
                    out.append(i)
                    position += 1
                i += 1
        while position < end:
            out.append(self._moved[position - base_count])
            position += 1
        return out

    def page(self, offset: int = 0, limit: int | None = None) -> list[dict]:
        return self.table.rows(self.indices(offset, limit))


def iso(ts: datetime, *, millis: bool = False, micros: bool = False) -> str:
    """UTC ISO 8601 with Z (or +00:00 when `micros`, as Close writes it)."""
    ts = ts.astimezone(timezone.utc)
    if micros:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    if millis:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 value; a value without offset is UTC.

    A '+' in an unencoded query string arrives as a space, so one is read back as '+'.
    """
    text = value.strip().replace("Z", "+00:00")
    if "T" in text and " " in text:
        text = text.replace(" ", "+", 1)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
