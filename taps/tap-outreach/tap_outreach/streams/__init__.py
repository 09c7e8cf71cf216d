"""The tap's streams, split by domain."""

from __future__ import annotations

from tap_outreach.streams.calls import CallDispositionsStream, CallPurposesStream, CallsStream
from tap_outreach.streams.crm import (
    AccountsStream,
    OpportunitiesStream,
    PersonasStream,
    ProspectsStream,
    StagesStream,
    TasksStream,
)
from tap_outreach.streams.engagement import (
    ContentCategoriesStream,
    EventsStream,
    MailboxesStream,
    MailingsStream,
    SequencesStream,
    SequenceStatesStream,
    SequenceStepsStream,
    SequenceTemplatesStream,
    SnippetsStream,
    TemplatesStream,
)
from tap_outreach.streams.org import DutiesStream, TeamsStream, UsersStream

STREAM_TYPES = (
    AccountsStream,
    CallsStream,
    CallDispositionsStream,
    CallPurposesStream,
    ContentCategoriesStream,
    DutiesStream,
    EventsStream,
    MailboxesStream,
    MailingsStream,
    OpportunitiesStream,
    PersonasStream,
    ProspectsStream,
    SequencesStream,
    SequenceStatesStream,
    SequenceStepsStream,
    SequenceTemplatesStream,
    SnippetsStream,
    StagesStream,
    TasksStream,
    TeamsStream,
    TemplatesStream,
    UsersStream,
)

__all__ = ["STREAM_TYPES"]
