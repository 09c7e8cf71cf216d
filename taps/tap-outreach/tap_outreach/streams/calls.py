"""Calls and the lookups they point at (a foreign key, not a parent-child)."""

from __future__ import annotations

from tap_outreach.client import OutreachStream
from tap_outreach.schemas import boolean, datetime, integer, resource, string


class CallsStream(OutreachStream):
    name = "calls"
    path = "/calls"
    schema = resource(
        string("direction", "outcome", "note", "state", "recordingUrl", "from", "to", "sequenceAction"),
        datetime("dialedAt", "answeredAt", "completedAt", "returnedAt"),
        to_one=(
            "callDisposition",
            "callPurpose",
            "prospect",
            "user",
            "sequence",
            "sequenceState",
            "sequenceStep",
            "opportunity",
            "task",
        ),
    )


class CallDispositionsStream(OutreachStream):
    name = "call_dispositions"
    path = "/callDispositions"
    schema = resource(
        string("name", "outcome"), integer("order"), boolean("defaultForOutboundCall"), to_one=("creator",)
    )


class CallPurposesStream(OutreachStream):
    name = "call_purposes"
    path = "/callPurposes"
    schema = resource(
        string("name"), integer("order"), boolean("defaultForOutboundCall"), to_one=("creator",)
    )
