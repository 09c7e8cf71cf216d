"""Streams read from Five9 reports (the real API): one report run per time window.

A report has no paging: it returns every row of its time range, silently cut at the row
cap. So the sync walks the range in `window_hours` windows, splits a window in halves
whenever its result reaches the cap, and bookmarks the end of each finished window
(rows inside one report are not sorted, so a per-row bookmark would not be safe).
"""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from singer_sdk import Stream
from tap_common.conform import CompiledConformance
from tap_common.errors import TapError

from tap_five9 import schemas

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from singer_sdk.helpers.types import Context

    from tap_five9.soap import ReportClient

REPORT_TIME_FORMAT = "%a, %d %b %Y %H:%M:%S"
REPORT_DATE_FORMAT = "%a, %d %b %Y"
ONE_SECOND = timedelta(seconds=1)


def field_name(column: str) -> str:
    """`BILL TIME (ROUNDED)` -> `bill_time_rounded`."""
    return "_".join("".join(c if c.isalnum() else " " for c in column.lower()).split())


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


class ReportStream(CompiledConformance, Stream):
    """A stream filled from one Five9 report, run window by window."""

    folder_name: t.ClassVar[str]
    report_name: t.ClassVar[str]
    #: The column whose time places a row in a report window.
    window_column: t.ClassVar[str]
    is_sorted = False  # report rows are not reliably sorted; bookmarks are per window

    @property
    def client(self) -> ReportClient:
        return self._tap.report_client  # type: ignore[attr-defined]

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.get("report_time_zone") or "America/Los_Angeles")

    def users(self, context: Context | None) -> list[str] | None:
        """Users to filter the report to (reportObjects); None for all."""
        return None

    def get_records(self, context: Context | None) -> Iterable[dict]:
        start = self.get_starting_timestamp(context)
        if start is None:
            msg = f"{self.name}: set start_date (reports are run from a start time)"
            raise TapError(msg)
        start = start.astimezone(timezone.utc)
        end = self._tap.sync_end  # type: ignore[attr-defined]
        hours = float(self.config.get("window_hours", 24))
        for window_start, window_end in report_windows(start, end, hours, self.zone):
            for leaf_end, rows in self._run(window_start, window_end, context):
                yield from rows
                # Reached only once every row of the window is written: a crash after
                # this point loses nothing, a crash before it reruns this window.
                self._bookmark(context, leaf_end)

    def _run(
        self, start: datetime, end: datetime, context: Context | None
    ) -> Iterator[tuple[datetime, Iterator[dict]]]:
        cap = int(self.config.get("report_row_limit", 50_000))
        result = self.client.run_report(
            self.name, self.folder_name, self.report_name, start, end, self.users(context)
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
            yield from self._run(start, middle, context)
            yield from self._run(middle, end, context)
            return
        reader = result.rows()
        plan = self._column_plan(next(reader, []))
        yield end, (self.typed(plan, row, start, end) for row in reader if row)  # blank lines are no rows

    def _column_plan(self, header: list[str]) -> list[tuple[int, str, str]]:
        """(column index, field, kind) for each report column in the schema, worked out once
        per report; the window column first, so other times can be placed relative to it."""
        properties = self.schema["properties"]
        plan = []
        for index, column in enumerate(header):
            name = field_name(column or "")
            spec = properties.get(name)
            if spec is None:
                continue  # custom report columns outside the schema
            types, fmt = spec.get("type", []), spec.get("format")
            if fmt == "date-time":
                kind = "window" if name == self.window_column else "date-time"
            elif fmt == "date":
                kind = "date"
            elif "integer" in types:
                kind = "integer"
            elif "number" in types:
                kind = "number"
            else:
                kind = "string"
            plan.append((index, name, kind))
        plan.sort(key=lambda column: column[2] != "window")
        return plan

    def typed(self, plan: list[tuple[int, str, str]], row: list[str], start: datetime, end: datetime) -> dict:
        """A CSV row as a record: snake_case names, empty -> null, typed by the schema."""
        record: dict[str, t.Any] = {}
        zone = self.zone
        anchor: datetime | None = None  # the row's window time, once read
        for index, name, kind in plan:
            value = row[index].strip() if index < len(row) else ""
            if value in ("", "-"):
                record[name] = None
            elif kind == "window":
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
        return record

    def _increment_stream_state(self, latest_record: dict, *, context: Context | None = None) -> None:
        # Bookmarks advance per finished window (_bookmark), never per unsorted row.
        return

    def _bookmark(self, context: Context | None, window_end: datetime) -> None:
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = iso_utc(window_end)
        self.state_manager.is_flushed = False
        self._write_state_message()


class CallLogReportStream(ReportStream):
    """Call Log report: one row per call."""

    name = "call_log"
    primary_keys = ("call_id",)
    replication_key = "timestamp"
    schema = schemas.CALL_LOG
    folder_name = "Call Log Reports"
    report_name = "Call Log"
    window_column = "timestamp"

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterable[Context | None]:
        # Many calls share an agent: sync each agent's logins once per run.
        yield from self._tap.new_agent_contexts(record)  # type: ignore[attr-defined]


class AgentLoginLogoutReportStream(ReportStream):
    """Agent Login-Logout report, run per agent seen in call_log."""

    name = "agent_login_logout"
    primary_keys = ("agent", "login_timestamp")
    replication_key = "login_timestamp"
    schema = schemas.AGENT_LOGIN_LOGOUT
    folder_name = "Agent Reports"
    report_name = "Agent Login-Logout"
    window_column = "login_timestamp"
    parent_stream_type = CallLogReportStream
    state_partitioning_keys = ("agent",)

    def users(self, context: Context | None) -> list[str] | None:
        return [context["agent"]] if context else None
