"""PersistIQ: the tap's stream schemas and the simulator's resource schemas, from PersistIQ's OpenAPI.

PersistIQ's own OpenAPI 3.0.1 document (`persistiq-openapi.json`, served by the API at
`/api-docs/v1/swagger.json`) names each list's records key and item schema. Each synced
resource is read from its list endpoint's 200 answer (`paths[...].get` -> `<key>` -> `items`),
so a resource is exactly what that list returns.

The OpenAPI leaves out three things PersistIQ's published reference (apidocs.persistiq.com)
documents; `REFERENCE` adds them, each with its source:
- a lead's `data` object: the built-in lead fields (the OpenAPI has a free-form object; the
  company's custom fields come on top, listed by `/v1/lead_fields`, and are added by the tap
  at discovery);
- the event shape of the reference (`kind`, `event_at`, `user`, `lead`, `campaign`,
  `params`, `diff`), which the OpenAPI's `event_type` / `data` / `created_at` do not cover;
- the timestamp format of `last_sent_at`, `created_at`, `event_at` ("ISO 8601" in the
  reference, plain strings in the OpenAPI).

What this writes (never a copy of the spec):
- `taps/tap-persistiq/tap_persistiq/schemas/<stream>.json`: one stream schema per synced
  stream, every property nullable (keys excepted), free-form objects without `properties`,
  `_sdc_extra` added (tap_common.schemas conventions);
- `sandbox/suite_sandbox/resources/persistiq.json`: each resource as documented (nullable
  only where the spec says so), for the simulator's fake records (`suite_sandbox.fake`).
"""

from __future__ import annotations

import copy
import json
import typing as t
from pathlib import Path

from specs.openapi import Converter, stream_schema

SPEC = "persistiq-openapi.json"
TAP_SCHEMAS = "taps/tap-persistiq/tap_persistiq/schemas"
RESOURCES = "sandbox/suite_sandbox/resources/persistiq.json"

#: Synced stream -> the list endpoint that returns it (the records key is the stream name).
STREAMS: dict[str, str] = {
    "users": "/v1/users",
    "leads": "/v1/leads",
    "campaigns": "/v1/campaigns",
    "campaign_leads": "/v1/campaigns/{campaign_id}/leads",
    "lead_statuses": "/v1/lead_statuses",
    "lead_fields": "/v1/lead_fields",
    "events": "/v1/events",
    "dnc_domains": "/v1/dnc_domains",
}
KEY_PROPERTIES = ("id",)

_STRING = {"type": "string", "nullable": True}
_TIMESTAMP = {"type": "string", "format": "date-time", "nullable": True}
_FREE_OBJECT = {"type": "object", "nullable": True, "additionalProperties": {}}

#: apidocs.persistiq.com, "Leads" (create a lead; the lead sample): the built-in keys of a
#: lead's `data`. Custom lead fields (`/v1/lead_fields`) are added by the tap at discovery.
LEAD_DATA_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company_name",
    "title",
    "phone",
    "address",
    "city",
    "state",
    "industry",
    "linkedin",
    "twitter",
    "snippet",
    "snippet2",
    "snippet3",
    "snippet4",
)

#: apidocs.persistiq.com, "Events" (list events): the reference's event fields.
EVENT_REFERENCE_FIELDS: dict[str, dict[str, t.Any]] = {
    "kind": {"type": "string", "description": "What happened, e.g. lead_created (reference shape)."},
    "event_at": {**_TIMESTAMP, "description": "When it happened (reference shape)."},
    "user_id": {"type": "string"},
    "user": {"$ref": "#/components/schemas/user_type"},
    "campaign": _FREE_OBJECT,
    "lead": _FREE_OBJECT,
    "params": _FREE_OBJECT,
    "diff": _FREE_OBJECT,
}

#: Timestamps the reference documents as ISO 8601 (the OpenAPI types them as plain strings).
TIMESTAMPS = {("leads", "last_sent_at"), ("events", "created_at")}

#: Seen in real responses by peer connectors (Airbyte source-persistiq, NickLeoMartin/
#: tap-persistiq), documented nowhere by PersistIQ.
PEER_OBSERVED: dict[str, dict[str, dict[str, t.Any]]] = {
    "campaigns.stats": {"total_contacted": {"type": "integer", "nullable": True}},
}


def _item_schema(document: dict[str, t.Any], path: str, key: str) -> dict[str, t.Any]:
    """The item schema of the `key` list in the 200 answer to `GET path`."""
    answer = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return copy.deepcopy(answer["properties"][key]["items"])


def _documented(document: dict[str, t.Any], stream: str) -> dict[str, t.Any]:
    """The resource `stream` as PersistIQ documents it, as one OpenAPI schema object."""
    converter = Converter(document)
    schema = converter.merged(_item_schema(document, STREAMS[stream], stream), ())
    assert schema is not None
    properties = schema.setdefault("properties", {})
    for name in list(properties):
        if (stream, name) in TIMESTAMPS:
            properties[name] = {**properties[name], "format": "date-time"}
    if stream == "leads":
        properties["data"] = _lead_data()
    if stream == "campaign_leads":
        properties["lead"] = _documented(document, "leads")
    if stream == "events":
        properties.update(copy.deepcopy(EVENT_REFERENCE_FIELDS))
    for where, extra in PEER_OBSERVED.items():
        owner, _, child = where.partition(".")
        if owner == stream:
            target = converter.merged(properties[child], ()) or {}
            target["properties"] = {**target.get("properties", {}), **extra}
            properties[child] = target
    return schema


def _lead_data() -> dict[str, t.Any]:
    return {
        "type": "object",
        "description": (
            "The lead's fields: the built-in ones below and the company's custom lead fields "
            "(GET /v1/lead_fields lists both)."
        ),
        "properties": {name: dict(_STRING) for name in LEAD_DATA_FIELDS},
    }


class _AsDocumented(Converter):
    """Nullable only where the spec says so: the simulator serves what the API documents."""

    def convert(
        self, schema: dict[str, t.Any], *, seen: tuple[str, ...] = (), nullable: bool = False
    ) -> dict[str, t.Any]:
        return super().convert(schema, seen=seen, nullable=nullable)


def generate(specs: Path) -> dict[str, object]:
    document = json.loads((specs / SPEC).read_text())
    out: dict[str, object] = {}
    resources: dict[str, object] = {}
    for stream in STREAMS:
        documented = _documented(document, stream)
        converted = Converter(document).convert(documented)
        out[f"{TAP_SCHEMAS}/{stream}.json"] = stream_schema(
            converted["properties"], key_properties=KEY_PROPERTIES
        )
        resource = _AsDocumented(document).convert(documented)
        resource["description"] = f"GET {STREAMS[stream]} -> {stream}[]"
        resources[stream] = resource
    out[RESOURCES] = resources
    return out
