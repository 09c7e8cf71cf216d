"""Messaging Interactions (conversation history) on the `msgHist` host.

A conversation changes after it starts: it is transferred to other skills, gets messages
for days, closes, gets its survey. The first run reads every conversation by start time;
each later run asks, across the whole 13-month retention, for the conversations updated
since the last run began (`latestUpdateTime {from}`, inclusive, rounded down to 10 minutes
by the API), so every change arrives again, whichever window and skill it is in now.

The account is searched once per window. With `partition_by_skill`, each skill (deleted
ones included, plus Unassigned -1) is its own partition with its own bookmark: a search
per skill and window, as the seed's skills -> conversations dependency asked.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta

from tap_liveperson.account_config import UNASSIGNED_SKILL_ID
from tap_liveperson.client import as_int, iso_from_ms
from tap_liveperson.windows import WindowedSearchStream, ms, parse_time

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: The search shows a change about a minute after it happens, and the tap's clock may run
#: ahead of LivePerson's: the next run asks for changes from this long before the bookmark.
UPDATE_MARGIN = timedelta(minutes=15)
#: The replication key of tap versions that bookmarked on start time per skill.
LEGACY_REPLICATION_KEY = "start_time"

#: (list field, time fields) whose epoch-ms values say when the record last saw an event.
_EVENT_TIMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("messageRecords", ("timeL",)),
    ("messageStatuses", ("timeL",)),
    ("transfers", ("timeL",)),
    ("agentParticipants", ("timeL",)),
    ("consumerParticipants", ("timeL", "joinTimeL")),
    ("consumerParticipant", ("timeL", "joinTimeL")),
    ("interactions", ("interactionTimeL",)),
    ("messageScores", ("timeL",)),
    ("messageScore", ("timeL",)),
    ("dialogs", ("startTimeL", "endTimeL")),
)


def latest_event_ms(row: Record) -> int | None:
    """The latest epoch-ms time the conversation record itself carries."""
    info = row.get("info") or {}
    times = [as_int(info.get("startTimeL")), as_int(info.get("endTimeL"))]
    for key, names in _EVENT_TIMES:
        for item in row.get(key) or ():
            if isinstance(item, dict):
                times += [as_int(item.get(name)) for name in names]
    times.append(as_int((row.get("summary") or {}).get("lastUpdatedTime")))
    sessions = (row.get("coBrowseSessions") or {}).get("coBrowseSessionsList") or ()
    times += [as_int(s.get(n)) for s in sessions if isinstance(s, dict) for n in ("startTimeL", "endTimeL")]
    valid = [value for value in times if isinstance(value, int) and value > 0]
    return max(valid, default=None)


class MessagingInteractionsStream(WindowedSearchStream):
    """Conversations, searched by start time; after the first run, by update time too."""

    name = "messaging_interactions"
    service = "msgHist"
    path = "/messaging_history/api/account/{account_id}/conversations/search"
    fetch_path = "/messaging_history/api/account/{account_id}/conversations/conversation/search"
    primary_keys = ("conversation_id",)
    replication_key = "latest_event_time"
    records_key = "conversationHistoryRecords"
    id_field = "conversationId"
    api_version = 2  # v=2 also returns unauthenticated engagement attributes, typed
    max_window_days = 89  # "three months" for any three calendar months

    # -- partitions ----------------------------------------------------------------------

    _skill_partitions: list[dict] | None = None

    @property
    def partitions(self) -> list[dict] | None:
        """Account-wide (None), or one partition per skill with `partition_by_skill`."""
        if not self.config.get("partition_by_skill"):
            return None
        if self._skill_partitions is None:
            skills = self._tap.streams["skills"]
            ids = sorted({as_int(row.get("id")) for row in skills.request_records(None)} - {None})
            # Conversations nobody routed have skill -1, which no skill row carries.
            self._skill_partitions = [{"skill_id": UNASSIGNED_SKILL_ID}] + [{"skill_id": i} for i in ids]
        return self._skill_partitions

    # -- planning ------------------------------------------------------------------------

    def plan_run(self, state: dict, now: int) -> tuple[int | None, int]:
        first = self.start_date_ms() or self.retention_floor(now)
        bookmark = self._bookmark(state)
        if bookmark is None:
            return None, first
        return ms(bookmark - UPDATE_MARGIN), first

    def _bookmark(self, state: dict) -> t.Any:
        """When the last completed run began, if any run completed."""
        value, key = state.get("replication_key_value"), state.get("replication_key")
        if value and key == self.replication_key:
            return parse_time(value)
        # Earlier versions bookmarked the newest start time per skill and re-read
        # `lookback_hours` before it: changes since then are what is still unread.
        legacy = [value] if value and key == LEGACY_REPLICATION_KEY else []
        legacy += [
            p.get("replication_key_value")
            for p in state.get("partitions") or ()
            if p.get("replication_key") == LEGACY_REPLICATION_KEY and p.get("replication_key_value")
        ]
        if not legacy:
            return None
        lookback = timedelta(hours=float(self.config.get("lookback_hours", 24)))
        return min(parse_time(v) for v in legacy) - lookback

    def finish_run(self, state: dict) -> None:
        state.pop("partitions", None)  # per-skill bookmarks of an earlier version, now read

    # -- requests ------------------------------------------------------------------------

    def prepare_request_payload(self, context: Context | None, next_page_token: t.Any) -> dict:
        body = super().prepare_request_payload(context, next_page_token)
        if self._since is not None:
            body["latestUpdateTime"] = {"from": self._since}
        if context and "skill_id" in context:
            body["latestSkillIds"] = [context["skill_id"]]
        return body

    def fetch_body(self, record: Record) -> dict:
        return {"conversationId": (record.get("info") or {}).get("conversationId")}

    # -- records -------------------------------------------------------------------------

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        info = row.get("info") or {}
        started = as_int(info.get("startTimeL"))
        latest = latest_event_ms(row)
        row["conversation_id"] = info.get("conversationId")
        row["start_time"] = iso_from_ms(started) if isinstance(started, int) and started > 0 else None
        row["skill_id"] = as_int(info.get("latestSkillId", (context or {}).get("skill_id")))
        row["latest_event_time"] = iso_from_ms(latest) if latest is not None else None
        return row
