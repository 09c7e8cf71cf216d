"""Sequences and their steps and states, mail, content and events."""

from __future__ import annotations

from tap_outreach.client import OutreachStream


class SequencesStream(OutreachStream):
    name = "sequences"
    path = "/sequences"


class SequenceStepsStream(OutreachStream):
    """Every sequence's steps from one flat query; `sequence_id` names each step's sequence."""

    name = "sequence_steps"
    path = "/sequenceSteps"


class SequenceStatesStream(OutreachStream):
    name = "sequence_states"
    path = "/sequenceStates"


class SequenceTemplatesStream(OutreachStream):
    """Full table: the API flags no sequenceTemplate field as filterable."""

    name = "sequence_templates"
    path = "/sequenceTemplates"
    replication_key = None
    is_sorted = False


class RulesetsStream(OutreachStream):
    name = "rulesets"
    path = "/rulesets"


class MailingsStream(OutreachStream):
    name = "mailings"
    path = "/mailings"


class MailboxesStream(OutreachStream):
    name = "mailboxes"
    path = "/mailboxes"


class MailAliasesStream(OutreachStream):
    name = "mail_aliases"
    path = "/mailAliases"


class TemplatesStream(OutreachStream):
    name = "templates"
    path = "/templates"


class SnippetsStream(OutreachStream):
    name = "snippets"
    path = "/snippets"


class ContentCategoriesStream(OutreachStream):
    name = "content_categories"
    path = "/contentCategories"


class ContentCategoryMembershipsStream(OutreachStream):
    name = "content_category_memberships"
    path = "/contentCategoryMemberships"


class ContentCategoryOwnershipsStream(OutreachStream):
    name = "content_category_ownerships"
    path = "/contentCategoryOwnerships"


class EventsStream(OutreachStream):
    """Events have no `updatedAt`, and `eventAt` is writable (events are logged back-dated):
    new events are read by `createdAt`, which the API sets and lets us filter and sort on."""

    name = "events"
    path = "/events"
    replication_key = "createdAt"
