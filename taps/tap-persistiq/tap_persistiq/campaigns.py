"""Campaigns and, per campaign, its leads."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_persistiq import schemas
from tap_persistiq.client import PersistIQStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context, Record
    from singer_sdk.tap_base import Tap


class CampaignsStream(PersistIQStream):
    """`GET /campaigns`: full table (no date filter exists)."""

    name = "campaigns"
    path = "/campaigns"
    records_key = "campaigns"
    schema = schemas.load("campaigns")

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

    def __init__(self, tap: Tap, schema: dict | None = None, **kwargs: t.Any) -> None:
        # Built-in lead fields only, unless discovery gave the company's (`with_lead_fields`).
        super().__init__(tap, schema=schema or schemas.load("campaign_leads"), **kwargs)

    @classmethod
    def with_lead_fields(cls, tap: Tap, names: Iterable[str]) -> CampaignLeadsStream:
        """The stream with the company's lead fields declared in the embedded lead's `data`."""
        schema = schemas.load("campaign_leads")
        schemas.with_lead_fields(schema["properties"]["lead"], names)
        return cls(tap=tap, schema=schema)
