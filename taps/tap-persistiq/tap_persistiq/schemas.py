"""Schema fragments shared by several PersistIQ streams."""

from __future__ import annotations

from singer_sdk import typing as th

# `data` holds the company's lead fields (see `lead_fields`): the known ones are typed,
# custom ones pass through as extra keys.
LEAD_DATA = th.ObjectType(
    th.Property("email", th.StringType),
    th.Property("first_name", th.StringType),
    th.Property("last_name", th.StringType),
    th.Property("company_name", th.StringType),
    th.Property("title", th.StringType),
    th.Property("phone", th.StringType),
    th.Property("address", th.StringType),
    th.Property("city", th.StringType),
    th.Property("state", th.StringType),
    th.Property("industry", th.StringType),
    th.Property("linkedin", th.StringType),
    th.Property("twitter", th.StringType),
    th.Property("snippet", th.StringType),
    th.Property("snippet2", th.StringType),
    th.Property("snippet3", th.StringType),
    th.Property("snippet4", th.StringType),
    additional_properties=True,
)

LEAD_PROPERTIES = [
    th.Property("id", th.StringType, required=True, description="Lead id (l_...)."),
    th.Property("status", th.StringType),
    th.Property("bounced", th.BooleanType),
    th.Property("optedout", th.BooleanType),
    th.Property("owner_id", th.StringType),
    th.Property("creator_id", th.StringType),
    th.Property("sent_count", th.IntegerType),
    th.Property("replied_count", th.IntegerType),
    th.Property("last_sent_at", th.DateTimeType),
    th.Property("data", LEAD_DATA),
]

LEAD = th.ObjectType(*LEAD_PROPERTIES, additional_properties=True)

USER_REF = th.ObjectType(
    th.Property("id", th.StringType),
    th.Property("name", th.StringType),
    th.Property("email", th.StringType),
)
