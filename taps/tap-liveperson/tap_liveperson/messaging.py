"""Messaging Interactions (conversation history) on the `msgHist` host."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from singer_sdk import typing as th
from tap_common.pagination import MetadataNextHrefPaginator

from tap_liveperson.account_config import SkillsStream
from tap_liveperson.client import LivePersonStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.streams.rest import HTTPRequest, PageContext

PAGE_SIZE = 100  # the API's maximum
#: History is kept 13 months; stay a few days inside so a window never starts before it.
RETENTION = timedelta(days=390)

_TEXT_OBJECT = th.ObjectType(additional_properties=True)

_INFO = th.ObjectType(
    th.Property("conversationId", th.StringType),
    th.Property("brandId", th.StringType),
    th.Property("status", th.StringType),
    th.Property("startTime", th.StringType),
    th.Property("startTimeL", th.IntegerType),
    th.Property("endTime", th.StringType),
    th.Property("endTimeL", th.IntegerType, description="-1 while the conversation is open"),
    th.Property("duration", th.IntegerType),
    th.Property("closeReason", th.StringType),
    th.Property("closeReasonDescription", th.StringType),
    th.Property("firstConversation", th.BooleanType),
    th.Property("device", th.StringType),
    th.Property("browser", th.StringType),
    th.Property("operatingSystem", th.StringType),
    th.Property("latestAgentId", th.StringType),
    th.Property("latestAgentNickname", th.StringType),
    th.Property("latestAgentFullName", th.StringType),
    th.Property("latestAgentLoginName", th.StringType),
    th.Property("latestSkillId", th.IntegerType),
    th.Property("latestSkillName", th.StringType),
    th.Property("latestAgentGroupId", th.IntegerType),
    th.Property("latestAgentGroupName", th.StringType),
    th.Property("latestQueueState", th.StringType),
    th.Property("isPartial", th.BooleanType),
    th.Property("mcs", th.IntegerType),
    th.Property("source", th.StringType),
    th.Property("language", th.StringType),
    additional_properties=True,
)

_MESSAGE = th.ObjectType(
    th.Property("type", th.StringType),
    th.Property("messageData", _TEXT_OBJECT),
    th.Property("messageId", th.StringType),
    th.Property("audience", th.StringType),
    th.Property("seq", th.IntegerType),
    th.Property("dialogId", th.StringType),
    th.Property("participantId", th.StringType),
    th.Property("source", th.StringType),
    th.Property("time", th.StringType),
    th.Property("timeL", th.IntegerType),
    th.Property("device", th.StringType),
    th.Property("sentBy", th.StringType),
    th.Property("contextData", _TEXT_OBJECT),
    additional_properties=True,
)

_AGENT_PARTICIPANT = th.ObjectType(
    th.Property("agentId", th.StringType),
    th.Property("agentLoginName", th.StringType),
    th.Property("agentNickname", th.StringType),
    th.Property("agentFullName", th.StringType),
    th.Property("role", th.StringType),
    th.Property("permission", th.StringType),
    th.Property("time", th.StringType),
    th.Property("timeL", th.IntegerType),
    additional_properties=True,
)

_TRANSFER = th.ObjectType(
    th.Property("timeL", th.IntegerType),
    th.Property("assignedAgentId", th.StringType),
    th.Property("targetSkillId", th.IntegerType),
    th.Property("targetSkillName", th.StringType),
    th.Property("reason", th.StringType),
    th.Property("sourceSkillId", th.IntegerType),
    th.Property("sourceSkillName", th.StringType),
    additional_properties=True,
)

_INTERACTION = th.ObjectType(
    th.Property("assignedAgentId", th.StringType),
    th.Property("agentLoginName", th.StringType),
    th.Property("interactionTime", th.StringType),
    th.Property("interactionTimeL", th.IntegerType),
    th.Property("interactiveSequence", th.IntegerType),
    additional_properties=True,
)


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso_from_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


class MessagingInteractionsStream(LivePersonStream):
    """Conversations, one partition per latest skill, read in start-time windows.

    The search filters on conversation start only (no update time field exists), so each
    run re-reads `lookback_hours` before its bookmark: conversations still open at the
    last run have changed since.
    """

    name = "messaging_interactions"
    service = "msgHist"
    path = "/messaging_history/api/account/{account_id}/conversations/search"
    http_method = "POST"
    parent_stream_type = SkillsStream
    primary_keys = ("conversation_id",)
    replication_key = "start_time"
    records_key = "conversationHistoryRecords"
    # The API sorts by start (`sort=start:asc`), so an interrupted run resumes from its
    # bookmark. Partitions are the context ({skill_id}); a custom state_partitioning_keys
    # would make the SDK treat the stream as unsorted.
    is_sorted = True

    schema = th.PropertiesList(
        th.Property("conversation_id", th.StringType, required=True, description="info.conversationId"),
        th.Property("start_time", th.DateTimeType, required=True, description="info.startTimeL as ISO 8601"),
        th.Property("skill_id", th.IntegerType, description="Partition: latest skill (-1 = Unassigned)"),
        th.Property("info", _INFO),
        th.Property("campaign", _TEXT_OBJECT),
        th.Property("messageRecords", th.ArrayType(_MESSAGE)),
        th.Property("agentParticipants", th.ArrayType(_AGENT_PARTICIPANT)),
        th.Property("consumerParticipants", th.ArrayType(_TEXT_OBJECT)),
        th.Property("transfers", th.ArrayType(_TRANSFER)),
        th.Property("interactions", th.ArrayType(_INTERACTION)),
        th.Property("messageScores", th.ArrayType(_TEXT_OBJECT)),
        th.Property("conversationSurveys", th.ArrayType(_TEXT_OBJECT)),
        th.Property("summary", _TEXT_OBJECT),
        th.Property("sdes", _TEXT_OBJECT),
        th.Property("unAuthSdes", _TEXT_OBJECT),
    ).to_dict()

    _window: tuple[int, int] = (0, 0)

    @property
    def check_sorted(self) -> bool:
        # The look-back re-reads conversations older than the bookmark on purpose.
        return False

    # -- windows ----------------------------------------------------------------------

    def windows(self, context: Context | None) -> list[tuple[int, int]]:
        """Start-time windows [from, to] in epoch ms, oldest first, each ≤ window_days."""
        now = datetime.now(timezone.utc)
        floor = now - RETENTION
        start = self.get_starting_timestamp(context)
        if bookmark := self.get_context_state(context).get("replication_key_value"):
            lookback = timedelta(hours=float(self.config.get("lookback_hours", 24)))
            start = _parse_time(bookmark) - lookback
            if start_date := self.config.get("start_date"):
                start = max(start, _parse_time(start_date))
        if start is None or start < floor:
            if start is not None:
                self.logger.warning(
                    "%s: history is kept 13 months; reading from %s instead of %s",
                    self.name,
                    floor.isoformat(),
                    start.isoformat(),
                )
            start = floor
        size = timedelta(days=float(self.config.get("window_days", 30)))
        windows = []
        while start < now:
            end = min(start + size, now)
            windows.append((_ms(start), _ms(end)))
            start = end
        return windows

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        windows = self.windows(context)
        for number, (start_ms, end_ms) in enumerate(windows):
            self._window = (start_ms, end_ms)
            # The API rounds the range outward to 10 minutes and includes both ends, so
            # neighbouring windows overlap: keep [from, to) here (the last window: [from, to]).
            stop = end_ms + 1 if number == len(windows) - 1 else end_ms
            for record in super().request_records(context):
                started = (record.get("info") or {}).get("startTimeL")
                if isinstance(started, int) and start_ms <= started < stop:
                    yield record

    # -- requests ---------------------------------------------------------------------

    def get_new_paginator(self) -> MetadataNextHrefPaginator:
        return MetadataNextHrefPaginator()

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {
            "offset": 0,
            "limit": PAGE_SIZE,
            "sort": "start:asc",
            "v": 2,
            "source": self.config.get("source"),
        }

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if page.next_page_token:
            # `_metadata.next.href` is absolute and carries every query parameter.
            request.url = page.next_page_token.geturl()
            request.params = {}
        return request

    def prepare_request_payload(self, context: Context | None, next_page_token: t.Any) -> dict:
        start_ms, end_ms = self._window
        skill_id = (context or {}).get("skill_id")
        body: dict[str, t.Any] = {"start": {"from": start_ms, "to": end_ms}}
        if skill_id is not None:
            body["latestSkillIds"] = [skill_id]
        return body

    # -- records ----------------------------------------------------------------------

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        info = row.get("info") or {}
        row["conversation_id"] = info.get("conversationId")
        row["start_time"] = _iso_from_ms(info["startTimeL"])
        row["skill_id"] = (context or {}).get("skill_id", info.get("latestSkillId"))
        return row
