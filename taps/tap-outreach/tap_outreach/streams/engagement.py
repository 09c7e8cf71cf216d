"""Sequences and their steps and states, mail, content and events."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_outreach.client import OutreachStream
from tap_outreach.schemas import TAGS, boolean, datetime, integer, resource, string

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class SequencesStream(OutreachStream):
    name = "sequences"
    path = "/sequences"
    schema = resource(
        string("name", "description", "sequenceType", "shareType"),
        boolean("enabled", "locked"),
        integer("sequenceStepCount", "durationInDays"),
        datetime("enabledAt", "lastUsedAt"),
        TAGS,
        to_one=("owner", "creator", "updater"),
    )

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        return {"sequence_id": record["id"]}


class SequenceStepsStream(OutreachStream):
    """Steps of each synced sequence (`filter[sequence][id]`), bookmarked per sequence."""

    name = "sequence_steps"
    path = "/sequenceSteps"
    parent_stream_type = SequencesStream
    # A step can change while its sequence does not: with this stream selected the SDK
    # reads every sequence (few per account) so each one's steps are checked, still only
    # those updated since that sequence's bookmark.
    ignore_parent_replication_key = True
    schema = resource(
        string("stepType", "displayName", "taskNote"),
        integer("order", "interval", "deliverCount", "openCount", "clickCount", "replyCount"),
        to_one=("sequence", "creator", "updater", "taskPriority"),
    )

    def extra_url_params(self, context: Context | None) -> dict[str, t.Any]:
        return {"filter[sequence][id]": context["sequence_id"]} if context else {}

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        record = super().post_process(row, context)
        if record is not None and context and record.get("sequence_id") is None:
            record["sequence_id"] = context["sequence_id"]
        return record


class SequenceStatesStream(OutreachStream):
    name = "sequence_states"
    path = "/sequenceStates"
    schema = resource(
        string("state", "errorReason", "pauseReason"),
        integer(
            "deliverCount",
            "openCount",
            "clickCount",
            "replyCount",
            "bounceCount",
            "failureCount",
            "negativeReplyCount",
            "neutralReplyCount",
            "positiveReplyCount",
            "optOutCount",
            "scheduleCount",
        ),
        datetime("activeAt", "callCompletedAt", "repliedAt", "stateChangedAt"),
        to_one=("prospect", "sequence", "sequenceStep", "mailbox", "account", "opportunity", "creator"),
    )


class SequenceTemplatesStream(OutreachStream):
    """Full table: the API does not flag any sequenceTemplate field as filterable."""

    name = "sequence_templates"
    path = "/sequenceTemplates"
    replication_key = None
    is_sorted = False
    schema = resource(boolean("isReply"), to_one=("sequenceStep", "template", "creator", "updater"))


class MailingsStream(OutreachStream):
    name = "mailings"
    path = "/mailings"
    schema = resource(
        string("subject", "mailingType", "state", "bodyText", "errorReason", "messageId"),
        integer("openCount", "clickCount"),
        datetime("deliveredAt", "openedAt", "clickedAt", "repliedAt", "bouncedAt", "scheduledAt"),
        to_one=(
            "prospect",
            "mailbox",
            "sequence",
            "sequenceState",
            "sequenceStep",
            "template",
            "task",
            "opportunity",
        ),
    )


class MailboxesStream(OutreachStream):
    name = "mailboxes"
    path = "/mailboxes"
    schema = resource(
        string("email", "emailProvider", "senderName", "username"),
        boolean("sendDisabled", "senderNotificationsExcluded"),
        integer("maxEmailsPerDay"),
        to_one=("user", "creator", "updater"),
    )


class TemplatesStream(OutreachStream):
    name = "templates"
    path = "/templates"
    schema = resource(
        string("name", "subject", "bodyText", "shareType"),
        boolean("archived"),
        integer("openCount", "clickCount", "deliverCount", "replyCount"),
        TAGS,
        to_one=("owner", "creator", "updater"),
    )


class SnippetsStream(OutreachStream):
    name = "snippets"
    path = "/snippets"
    schema = resource(string("name", "bodyText", "shareType"), TAGS, to_one=("owner", "creator", "updater"))


class ContentCategoriesStream(OutreachStream):
    name = "content_categories"
    path = "/contentCategories"
    schema = resource(
        string("name", "color"),
        boolean("allowSequences", "allowSnippets", "allowTemplates"),
        to_one=("creator",),
    )


class EventsStream(OutreachStream):
    """Events have no `updatedAt`: they are written once, at `eventAt`."""

    name = "events"
    path = "/events"
    replication_key = "eventAt"
    schema = resource(
        string("name", "body", "externalUrl", "requestCity", "requestDevice"),
        datetime("eventAt", "createdAt"),
        th.Property("payload", th.ObjectType(additional_properties=True)),
        to_one=("prospect", "user", "mailing", "account", "opportunity", "task", "call"),
        timestamps=False,
    )
