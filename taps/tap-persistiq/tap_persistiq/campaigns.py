"""Campaigns and, per campaign, its leads."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_persistiq.client import PersistIQStream
from tap_persistiq.schemas import LEAD, USER_REF

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class CampaignsStream(PersistIQStream):
    """`GET /campaigns`: full table (no filter exists)."""

    name = "campaigns"
    path = "/campaigns"
    records_key = "campaigns"
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="Campaign id (c_...)."),
        th.Property("name", th.StringType),
        th.Property("creator", USER_REF),
        th.Property(
            "stats",
            th.ObjectType(
                th.Property("prospects_contacted", th.IntegerType),
                th.Property("prospects_reached", th.IntegerType),
                th.Property("prospects_opened", th.IntegerType),
                th.Property("prospects_replied", th.IntegerType),
                th.Property("prospects_bounced", th.IntegerType),
                th.Property("prospects_optedout", th.IntegerType),
                th.Property("total_prospects", th.IntegerType),
                th.Property("total_contacted", th.IntegerType),
                additional_properties=True,
            ),
        ),
        additional_properties=True,
    ).to_dict()

    @override
    def get_child_context(self, record: Record, context: Context | None) -> dict:
        return {"campaign_id": record["id"]}


class CampaignLeadsStream(PersistIQStream):
    """`GET /campaigns/{campaign_id}/leads`: membership, mailbox and the embedded lead."""

    name = "campaign_leads"
    path = "/campaigns/{campaign_id}/leads"
    records_key = "campaign_leads"
    parent_stream_type = CampaignsStream
    # Full table per campaign: one state entry for the stream, not one per campaign.
    state_partitioning_keys: t.ClassVar[list[str]] = []
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True, description="Campaign lead id (cl_...)."),
        th.Property("campaign_id", th.StringType, required=True),
        th.Property("mailbox_id", th.StringType),
        th.Property("lead", LEAD),
        additional_properties=True,
    ).to_dict()
