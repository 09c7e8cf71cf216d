"""Engagement History (legacy chat transcripts) on the `engHistDomain` host.

The search returns ended chats only and filters on start time alone (no update filter),
in windows of at most one month. A chat that starts before a run and ends (or is
enriched with its engagement attributes) after it arrives in a later run: each run starts
`lookback_hours` before the moment the last completed run began.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_liveperson.client import as_int, iso_from_ms
from tap_liveperson.windows import WindowedSearchStream, ms, parse_time

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class EngagementHistoryStream(WindowedSearchStream):
    name = "engagement_history"
    service = "engHistDomain"
    path = "/interaction_history/api/account/{account_id}/interactions/search"
    primary_keys = ("engagement_id",)
    replication_key = "start_time"
    records_key = "interactionHistoryRecords"
    id_field = "engagementId"
    # "The maximum time interval is one month": 28 days fit in any month.
    max_window_days = 28

    def plan_run(self, state: dict, now: int) -> tuple[int | None, int]:
        first = self.start_date_ms() or self.retention_floor(now)
        value = state.get("replication_key_value")
        if value and state.get("replication_key") == self.replication_key:
            lookback = timedelta(hours=float(self.config.get("lookback_hours", 24)))
            first = max(first, ms(parse_time(value) - lookback))
        return None, first

    def fetch_body(self, record: Record) -> dict:
        # "When [engagementId is] used, all time limitations are ignored"; start stays required.
        start_ms, end_ms = self._window
        return {
            "start": {"from": start_ms, "to": end_ms},
            "engagementId": (record.get("info") or {}).get("engagementId"),
        }

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        info = row.get("info") or {}
        started = as_int(info.get("startTimeL"))
        engagement_id = info.get("engagementId")
        row["engagement_id"] = None if engagement_id is None else str(engagement_id)
        row["start_time"] = iso_from_ms(started) if isinstance(started, int) and started > 0 else None
        row["skill_id"] = as_int(info.get("skillId"))
        return row
