"""Accounts, prospects, opportunities and what classifies them."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_outreach.client import OutreachStream
from tap_outreach.schemas import TAGS, boolean, custom_fields, datetime, integer, number, resource, string

# Outreach numbers custom fields custom1..customN per type; 150 is the largest N
# documented by peers (unconfirmed per type). Unset ones come as null.
CUSTOM_FIELDS = 150


class AccountsStream(OutreachStream):
    name = "accounts"
    path = "/accounts"
    schema = resource(
        string("name", "domain", "industry", "locality", "websiteUrl", "description", "externalSource"),
        integer("numberOfEmployees"),
        boolean("named"),
        TAGS,
        custom_fields(CUSTOM_FIELDS),
        to_one=("owner", "creator", "updater"),
    )


class ProspectsStream(OutreachStream):
    name = "prospects"
    path = "/prospects"
    schema = resource(
        string(
            "firstName",
            "lastName",
            "middleName",
            "title",
            "company",
            "occupation",
            "addressCity",
            "addressCountry",
            "timeZone",
            "linkedInUrl",
        ),
        th.Property("emails", th.ArrayType(th.StringType)),
        number("engagedScore"),
        datetime("engagedAt", "addedAt"),
        TAGS,
        custom_fields(CUSTOM_FIELDS),
        to_one=("account", "owner", "stage", "persona", "creator", "updater"),
    )


class OpportunitiesStream(OutreachStream):
    name = "opportunities"
    path = "/opportunities"
    schema = resource(
        string("name", "description", "opportunityType", "nextStep", "externalCreatedAt"),
        number("amount"),
        integer("probability"),
        datetime("closeDate"),
        TAGS,
        custom_fields(CUSTOM_FIELDS),
        to_one=("account", "owner", "stage", "creator", "updater"),
        to_many=("prospects",),
    )


class StagesStream(OutreachStream):
    name = "stages"
    path = "/stages"
    schema = resource(string("name", "color"), integer("order"), to_one=("creator", "updater"))


class PersonasStream(OutreachStream):
    name = "personas"
    path = "/personas"
    schema = resource(string("name", "description"))


class TasksStream(OutreachStream):
    name = "tasks"
    path = "/tasks"
    schema = resource(
        string("action", "note", "state", "taskType"),
        boolean("completed"),
        datetime("completedAt", "dueAt", "scheduledAt"),
        to_one=(
            "account",
            "owner",
            "prospect",
            "subject",
            "sequence",
            "sequenceState",
            "sequenceStep",
            "taskPriority",
            "creator",
            "completer",
        ),
    )
