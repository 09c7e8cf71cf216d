"""Streams read from Five9 reports (the real API): one report run per time window.

A report has no paging: it returns every row of its time range, silently cut at the row
cap. So the sync walks the range in windows (the first `window_hours` long, each next one
doubled while results stay small, up to `max_window_hours`), splits a window in halves
whenever its result reaches the cap, and bookmarks the end of each finished window
(rows inside one report are not sorted, so a per-row bookmark would not be safe). A rerun
starts `lookback_hours` before the bookmark: Five9 adds rows to a window after it was read
(a call appears when it ends, listed at the time it started).

Both reports are run for the whole domain, one run per window: the login report is not tied
to the agents seen in calls (agents who log in and take no call have logins too).
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from singer_sdk import Stream
from tap_common.checkpoint import DeclaredPartitions
from tap_common.conform import CompiledConformance
from tap_common.errors import TapError

from tap_five9 import schemas

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context

    from tap_five9.soap import ReportClient
    from tap_five9.tap import TapFive9

REPORT_TIME_FORMAT = "%a, %d %b %Y %H:%M:%S"
REPORT_DATE_FORMAT = "%a, %d %b %Y"
ONE_SECOND = timedelta(seconds=1)
#: How Five9 prints "no value": an empty cell, a dash, or `[None]` (e.g. AGENT of an agentless leg).
NULL_CELLS = frozenset({"", "-", "[None]"})
DEFAULT_LOOKBACK_HOURS = 2
#: State key of the report an interrupted run started: a rerun reads its result again.
PENDING_KEY = "pending_report"
#: State key of when the bookmarked window was read (what the lookback counts from).
READ_AT_KEY = "window_read_at"


def field_name(column: str) -> str:
    """`BILL TIME (ROUNDED)` -> `bill_time_rounded`."""
    return "_".join("".join(c if c.isalnum() else " " for c in column.lower()).split())


def _utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def iso_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in (start, end) where `zone` changes its offset (DST starts or ends)."""
    changes = []
    day = start
    while day < end:
        nxt = min(day + timedelta(days=1), end)
        lo, hi = day, nxt
        if lo.astimezone(zone).utcoffset() != (hi - ONE_SECOND).astimezone(zone).utcoffset():
            while hi - lo > ONE_SECOND:  # bisect to the second the offset changes
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            if start < hi < end:
                changes.append(hi)
        day = nxt
    return changes


def report_windows(
    start: datetime, end: datetime, hours: float, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) in windows of `hours`, also cut where the report time zone changes offset.

    The cut makes local times exact: in the hour repeated when DST ends, a wall-clock
    time read from a report matches two instants, but only one of them lies in a
    window that does not cross the change.
    """
    cuts = offset_changes(zone, start, end)
    step = timedelta(hours=hours)
    lo = start
    while lo < end:
        hi = min(lo + step, end)
        for cut in cuts:
            if lo < cut < hi:
                hi = cut
                break
        yield lo, hi
        lo = hi


def local_to_utc(
    text: str, zone: ZoneInfo, lo: datetime | None = None, hi: datetime | None = None
) -> datetime:
    """A report's wall-clock time as UTC; of two candidate instants (DST fold), the one in [lo, hi)."""
    naive = datetime.strptime(text.strip(), REPORT_TIME_FORMAT)
    candidates = sorted({naive.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc) for fold in (0, 1)})
    for candidate in candidates:
        if (lo is None or candidate >= lo) and (hi is None or candidate < hi):
            return candidate
    return candidates[0]


class ReportStream(DeclaredPartitions, CompiledConformance, Stream):
    """A stream filled from one Five9 report, run window by window for the whole domain."""

    #: The column whose time places a row in a report window.
    window_column: t.ClassVar[str]
    is_sorted = False  # report rows are not reliably sorted; bookmarks are per window

    @property
    def tap(self) -> TapFive9:
        return t.cast("TapFive9", self._tap)

    @property
    def report(self) -> dict[str, t.Any]:
        """Folder, name, key and columns of this stream's report (schemas/reports.json)."""
        return schemas.REPORTS[self.name]

    @property
    def client(self) -> ReportClient:
        return self.tap.report_client

    @cached_property
    def zone(self) -> ZoneInfo:
        return self.tap.report_zone

    # -- range ------------------------------------------------------------------------

    def _bookmark_value(self) -> datetime | None:
        state = self.get_context_state(None)
        value = state.get("replication_key_value")
        if value is None:
            # State of versions that synced logins per agent: resume at the earliest agent.
            values = [p.get("replication_key_value") for p in state.get("partitions") or []]
            value = min((v for v in values if v), default=None)
        return _utc(str(value)) if value else None

    def sync_range(self) -> tuple[datetime, datetime]:
        """[start, end) of this run: from the bookmark, else start_date; up to end_date or the
        run's start.

        Five9 lists a call when it ends, so a window read less than `lookback_hours` after its
        end may have gained rows since: the run starts `lookback_hours` before the time the last
        window was read, if that is before the bookmark (never before start_date). A window read
        long after its end (a backfill) was complete when read and is not read again."""
        start_date = self.config.get("start_date")
        if not start_date:
            msg = f"{self.name}: set start_date (reports are run from a start time)"
            raise TapError(msg)
        earliest = _utc(str(start_date))
        bookmark = self._bookmark_value()
        if bookmark is None:
            return earliest, self.tap.sync_end
        read_at = self.get_context_state(None).get(READ_AT_KEY)
        lookback = timedelta(hours=float(self.config.get("lookback_hours", DEFAULT_LOOKBACK_HOURS)))
        recent = (_utc(str(read_at)) if read_at else bookmark) - lookback
        start = bookmark if recent >= bookmark else max(recent, min(earliest, bookmark))
        return start, self.tap.sync_end

    def windows(self) -> list[tuple[datetime, datetime]]:
        """This run's report windows if every result stays small (the doubling in full): the
        plan the limits are checked against. `get_records` follows the real results."""
        start, end = self.sync_range()
        windows, hours, lo = [], self._first_window_hours(), start
        while lo < end:
            hi = self._window_end(lo, end, hours)
            windows.append((lo, hi))
            hours, lo = self._grown(hours), hi
        return windows

    def _first_window_hours(self) -> float:
        return float(self.config.get("window_hours", 24))

    def _grown(self, hours: float) -> float:
        return min(
            hours * 2, max(float(self.config.get("max_window_hours", 744)), self._first_window_hours())
        )

    def _window_end(self, lo: datetime, end: datetime, hours: float) -> datetime:
        """The end of the window from `lo`: `hours` later, cut at a UTC-offset change, and cut
        at a report an interrupted run started (its identifier is in state), which is read
        again as its own window so its result needs no new runReport."""
        hi = next(report_windows(lo, end, hours, self.zone))[1]
        pending = self._pending()
        if pending is not None and pending[2] <= end:
            if lo == pending[1]:
                return pending[2]
            if lo < pending[1] < hi:
                return pending[1]
        return hi

    def _pending(self) -> tuple[str, datetime, datetime] | None:
        saved = self.get_context_state(None).get(PENDING_KEY)
        try:
            return str(saved["identifier"]), _utc(saved["start"]), _utc(saved["end"])
        except (TypeError, KeyError, ValueError):
            return None

    def _started(self, start: datetime, end: datetime) -> t.Callable[[str], None]:
        def keep(identifier: str) -> None:
            state = self.get_context_state(None)
            state[PENDING_KEY] = {"identifier": identifier, "start": iso_utc(start), "end": iso_utc(end)}
            self.state_manager.is_flushed = False
            self._write_state_message()

        return keep

    def get_records(self, context: Context | None) -> Iterable[dict]:
        """Window by window; each window's size follows the results: a window that reached
        the row cap was split (the next one starts at its smallest part's size), one whose
        results stayed under a quarter of the cap lets the next one double, so a quiet domain
        costs a few runReports where fixed windows would cost one a day."""
        start, end = self.sync_range()
        cap = int(self.config.get("report_row_limit", 50_000))
        hours, lo = self._first_window_hours(), start
        while lo < end:
            hi = self._window_end(lo, end, hours)
            largest, leaf_start, smallest = 0, lo, hi - lo
            for leaf_end, rows in self._run(lo, hi):
                count = 0
                for record in rows:
                    count += 1
                    yield record
                # Reached only once every row of the leaf is written: a crash after this
                # point loses nothing, a crash before it reruns this window.
                self._bookmark(leaf_end)
                largest, smallest = max(largest, count), min(smallest, leaf_end - leaf_start)
                leaf_start = leaf_end
            if smallest < hi - lo:
                hours = max(smallest.total_seconds() / 3600, 1 / 3600)
            elif largest < cap / 4 and hi - lo >= timedelta(hours=hours) - ONE_SECOND:
                hours = self._grown(hours)
            lo = hi

    def _run(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, Iterator[dict]]]:
        cap = int(self.config.get("report_row_limit", 50_000))
        report = self.report
        pending = self._pending()
        resume = pending[0] if pending is not None and pending[1:] == (start, end) else None
        result = self.client.run_report(
            self.name,
            report["folder"],
            report["report"],
            start,
            end,
            started=self._started(start, end),
            resume=resume,
        )
        # Records are built lazily from the spooled CSV: a window costs bounded memory.
        # Lines bound the row count from above (a quoted field may hold a newline); only a
        # window near the cap is counted exactly.
        rows = result.newlines
        if rows >= cap:
            rows = result.count_rows()
        if rows >= cap:
            result.close()
            if end - start <= ONE_SECOND:
                msg = f"{self.name}: {rows} rows in the one-second window at {iso_utc(start)} reach report_row_limit {cap}; cannot split further"
                raise TapError(msg)
            middle = (start + (end - start) / 2).replace(microsecond=0)
            self.logger.info(
                "%s: %s .. %s hit the %d-row report cap; splitting it at %s",
                self.name,
                iso_utc(start),
                iso_utc(end),
                cap,
                iso_utc(middle),
            )
            yield from self._run(start, middle)
            yield from self._run(middle, end)
            return
        reader = result.rows()
        plan = self._column_plan(next(reader, []), start, end)
        records = (
            self.typed(plan, row, start, end, number)
            for number, row in enumerate((row for row in reader if row), start=1)  # blank lines are no rows
        )
        yield end, records

    # -- rows -------------------------------------------------------------------------

    def _column_plan(
        self, header: list[str], start: datetime, end: datetime
    ) -> list[tuple[int, str, str, str]]:
        """(column index, field, kind, column) for each report column, worked out once per
        report; the window column first, so other times can be placed relative to it.
        Columns the schema does not declare keep their text (it lands in `_sdc_extra`)."""
        declared = self.report["columns"]
        properties = self.schema["properties"]
        plan = []
        for index, raw in enumerate(header):
            column = (raw or "").strip()
            name = declared.get(column) or field_name(column)
            spec = properties.get(name)
            if not name:
                continue
            if spec is None:
                kind = "extra"
            elif spec.get("format") == "date-time":
                kind = "window" if name == self.window_column else "date-time"
            elif spec.get("format") == "date":
                kind = "date"
            elif "integer" in spec.get("type", []):
                kind = "integer"
            elif "number" in spec.get("type", []):
                kind = "number"
            else:
                kind = "string"
            plan.append((index, name, kind, column))
        if not any(kind == "window" for _, _, kind, _ in plan):
            window = next(c for c, f in declared.items() if f == self.window_column)
            msg = (
                f"{self.name}: the report '{self.report['folder']}/{self.report['report']}' for "
                f"{iso_utc(start)} .. {iso_utc(end)} has no {window} column (its columns: {', '.join(header)})"
            )
            raise TapError(msg)
        plan.sort(key=lambda column: column[2] != "window")
        return plan

    @cached_property
    def _unparsed_columns(self) -> set[str]:
        return set()

    def typed(
        self,
        plan: list[tuple[int, str, str, str]],
        row: list[str],
        start: datetime,
        end: datetime,
        number: int = 0,
    ) -> dict:
        """A CSV row as a record: snake_case names, Five9's nulls -> null, typed by the schema.

        A value that does not parse as its column's type stays text (conformance moves it to
        `_sdc_extra`), with one WARNING per column; a key or window column that does not parse
        is an error naming the column and row."""
        record: dict[str, t.Any] = {}
        zone = self.zone
        anchor: datetime | None = None  # the row's window time, once read
        for index, name, kind, column in plan:
            value = row[index].strip() if index < len(row) else ""
            if value in NULL_CELLS:
                if kind != "extra":
                    record[name] = None
                continue
            try:
                if kind == "window":
                    anchor = local_to_utc(value, zone, start, end)
                    record[name] = iso_utc(anchor)
                elif kind == "date-time":
                    # e.g. a logout in the repeated DST hour: the instant after the login.
                    record[name] = iso_utc(local_to_utc(value, zone, anchor))
                elif kind == "date":
                    record[name] = datetime.strptime(value, REPORT_DATE_FORMAT).date().isoformat()
                elif kind == "integer":
                    record[name] = int(value.replace(",", ""))
                elif kind == "number":
                    record[name] = float(value.replace(",", "").lstrip("$"))
                else:
                    record[name] = value
            except ValueError:
                where = f"row {number} of the report for {iso_utc(start)} .. {iso_utc(end)}"
                if kind == "window" or name in self.primary_keys:
                    msg = f"{self.name}: column {column} of {where} is {value!r}, not a {kind} value as Five9 prints it"
                    raise TapError(msg) from None
                if column not in self._unparsed_columns:
                    self._unparsed_columns.add(column)
                    self.logger.warning(
                        "%s: column %s of %s is %r, not %s; kept as text in _sdc_extra",
                        self.name,
                        column,
                        where,
                        value,
                        kind,
                    )
                record[name] = value
        return record

    # -- state ------------------------------------------------------------------------

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        # Bookmarks advance per finished window (_bookmark), never per unsorted row.
        return

    def _bookmark(self, window_end: datetime) -> None:
        state = self.get_context_state(None)
        state.pop("partitions", None)  # per-agent bookmarks of earlier versions
        state.pop(PENDING_KEY, None)  # that window's rows are all written
        value = iso_utc(window_end)
        # A lookback re-reads windows before the bookmark: it never moves back.
        if (old := state.get("replication_key_value")) and _utc(str(old)) > window_end:
            value = str(old)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value
        state[READ_AT_KEY] = iso_utc(datetime.now(timezone.utc))
        self.state_manager.is_flushed = False
        self._write_state_message()


class CallLogReportStream(ReportStream):
    """Call Log report: one row per call leg (the legs of a transfer share a CALL ID)."""

    name = "call_log"
    primary_keys = tuple(schemas.REPORTS["call_log"]["key_properties"])
    replication_key = "timestamp"
    schema = schemas.CALL_LOG
    window_column = "timestamp"


class AgentLoginLogoutReportStream(ReportStream):
    """Agent Login-Logout report: one row per login session, every agent of the domain."""

    name = "agent_login_logout"
    primary_keys = tuple(schemas.REPORTS["agent_login_logout"]["key_properties"])
    replication_key = "login_timestamp"
    schema = schemas.AGENT_LOGIN_LOGOUT
    window_column = "login_timestamp"
