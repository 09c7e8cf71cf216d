"""Outreach: the tap's stream schemas and the simulator's resource schemas, from Outreach's OpenAPI.

Outreach's own OpenAPI 3 document (`outreach-openapi.json`, served at
`api.outreach.io/api/v2/schema/openapi.json`) describes each list endpoint's answer as
`data[]` of `<type>Response`: a JSON:API resource whose `attributes` and `relationships`
are the component schemas `<type>` and `<type>Relationships`. What a field allows is said
in its description with badges: readonly, writeonly, filterable, sortable.

What this writes (never a copy of the spec):
- `sandbox/suite_sandbox/resources/outreach.json`: every list resource of the spec as the
  API documents it (nullable only where the spec says so; descriptions left out), with the
  badges as `readOnly`/`writeOnly`/`x-filterable`/`x-sortable` and each relationship's
  target types as an enum, for the simulator (`suite_sandbox.fake`);
- `taps/tap-outreach/tap_outreach/schemas/<stream>.json`: one schema per synced stream, the
  flattened record: `id`, every attribute, and per relationship that carries data
  `<name>_id` (to-one), `<name>_type` (to-one that may point at several types) or
  `<name>_ids` (to-many); every property nullable (`id` excepted), `_sdc_extra` added.

Left out of the stream schemas, by rule (the tests name each case in a commented table):
- write-only attributes (`mailboxes.password`, ...): the API never returns them;
- attributes or relationships marked `x-internal: true` (none in this spec): internal to
  Outreach, without a stable contract; if the API sends one, it lands in `_sdc_extra`;
- relationships documented with `links` only, or with no shape at all: they carry no ids.
"""

from __future__ import annotations

import copy
import json
import re
import typing as t
from pathlib import Path

from specs.openapi import Converter, clean_description, stream_schema

SPEC = "outreach-openapi.json"
TAP_SCHEMAS = "taps/tap-outreach/tap_outreach/schemas"
RESOURCES = "sandbox/suite_sandbox/resources/outreach.json"
KEY_PROPERTIES = ("id",)

#: Synced stream -> its collection (the list endpoint's path without the slash).
STREAMS: dict[str, str] = {
    "accounts": "accounts",
    "account_notes": "accountNotes",
    "calls": "calls",
    "call_dispositions": "callDispositions",
    "call_purposes": "callPurposes",
    "content_categories": "contentCategories",
    "content_category_memberships": "contentCategoryMemberships",
    "content_category_ownerships": "contentCategoryOwnerships",
    "duties": "duties",
    "email_addresses": "emailAddresses",
    "events": "events",
    "favorites": "favorites",
    "mail_aliases": "mailAliases",
    "mailboxes": "mailboxes",
    "mailings": "mailings",
    "opportunities": "opportunities",
    "opportunity_prospect_roles": "opportunityProspectRoles",
    "opportunity_stages": "opportunityStages",
    "personas": "personas",
    "phone_numbers": "phoneNumbers",
    "products": "products",
    "profiles": "profiles",
    "prospect_notes": "prospectNotes",
    "prospects": "prospects",
    "purchases": "purchases",
    "roles": "roles",
    "rulesets": "rulesets",
    "sequences": "sequences",
    "sequence_states": "sequenceStates",
    "sequence_steps": "sequenceSteps",
    "sequence_templates": "sequenceTemplates",
    "snippets": "snippets",
    "stages": "stages",
    "task_dispositions": "taskDispositions",
    "task_priorities": "taskPriorities",
    "task_purposes": "taskPurposes",
    "tasks": "tasks",
    "teams": "teams",
    "templates": "templates",
    "users": "users",
}

#: What the spec says in prose and not in the schema: `prospects.contactHistogram` items are
#: "[inboundCount, outboundCount]" per month (the schema gives only a made-up format).
CONTACT_HISTOGRAM_ITEM = {"type": "array", "items": {"type": "integer"}}

_BADGE = re.compile(r"badges/(\w+)\.svg")


def badges(spec: t.Mapping[str, t.Any]) -> set[str]:
    """The badges in a field's description: readonly, writeonly, filterable, sortable."""
    return set(_BADGE.findall(spec.get("description") or ""))


def list_collections(document: dict[str, t.Any]) -> dict[str, str]:
    """Collection (path without the slash) -> its resource's component name, for every list endpoint."""
    collections: dict[str, str] = {}
    for path, operations in document["paths"].items():
        if path.count("/") != 1 or "get" not in operations:
            continue
        answer = operations["get"]["responses"]["200"]["content"]["application/vnd.api+json"]
        ref = answer["schema"]["properties"]["data"]["items"]["$ref"]
        collections[path[1:]] = ref.rsplit("/", 1)[-1].removesuffix("Response")
    return collections


def _attributes(document: dict[str, t.Any], type_name: str) -> dict[str, dict[str, t.Any]]:
    schemas = document["components"]["schemas"]
    attributes = copy.deepcopy(schemas[type_name].get("properties") or {})
    if "contactHistogram" in attributes:
        attributes["contactHistogram"]["items"] = copy.deepcopy(CONTACT_HISTOGRAM_ITEM)
    return attributes


def _relationships(document: dict[str, t.Any], type_name: str) -> dict[str, dict[str, t.Any]]:
    schema = document["components"]["schemas"].get(f"{type_name}Relationships") or {}
    return schema.get("properties") or {}


def relationship_shape(spec: t.Mapping[str, t.Any]) -> tuple[str, list[str]]:
    """("one" | "many" | "links" | "none", the target types) of a documented relationship."""
    properties = spec.get("properties") or {}
    data = properties.get("data")
    if data is None:
        return ("links" if "links" in properties else "none"), []
    item = data.get("items", {}) if data.get("type") == "array" else data
    targets = list((item.get("properties") or {}).get("type", {}).get("enum") or [])
    return ("many" if data.get("type") == "array" else "one"), targets


# -- the simulator's resources --------------------------------------------------------------


class _AsDocumented(Converter):
    """Nullable only where the spec says so, no descriptions: what the API serves."""

    def convert(
        self, schema: dict[str, t.Any], *, seen: tuple[str, ...] = (), nullable: bool = False
    ) -> dict[str, t.Any]:
        out = super().convert(schema, seen=seen, nullable=nullable)
        out.pop("description", None)
        return out


def _documented_attribute(converter: Converter, spec: dict[str, t.Any]) -> dict[str, t.Any]:
    out = converter.convert(spec)
    flags = badges(spec)
    if "readonly" in flags:
        out["readOnly"] = True
    if "writeonly" in flags:
        out["writeOnly"] = True
    if "filterable" in flags:
        out["x-filterable"] = True
    if "sortable" in flags:
        out["x-sortable"] = True
    if spec.get("x-internal"):
        out["x-internal"] = True
    return out


def _documented_relationship(spec: dict[str, t.Any]) -> dict[str, t.Any]:
    shape, targets = relationship_shape(spec)
    links = {"type": "object", "properties": {"related": {"type": "string"}}}
    out: dict[str, t.Any] = {"type": "object"}
    if shape == "none":
        return {}
    if shape == "links":
        out["properties"] = {"links": links}
    else:
        reference = {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": targets}, "id": {"type": "integer"}},
        }
        data = (
            {"type": "array", "items": reference}
            if shape == "many"
            else {**reference, "type": ["object", "null"]}
        )
        out["properties"] = {"data": data, "links": links}
    if "filter[" in (spec.get("description") or ""):
        out["x-filterable"] = True
    if spec.get("x-internal"):
        out["x-internal"] = True
    return out


def resource_schemas(document: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """Every list resource as a JSON:API resource object, keyed by collection."""
    converter = _AsDocumented(document)
    out: dict[str, dict[str, t.Any]] = {}
    for collection, type_name in sorted(list_collections(document).items()):
        attributes = {
            name: _documented_attribute(converter, spec)
            for name, spec in sorted(_attributes(document, type_name).items())
        }
        relationships = {
            name: _documented_relationship(spec)
            for name, spec in sorted(_relationships(document, type_name).items())
        }
        out[collection] = {
            "description": f"GET /{collection} -> data[]: JSON:API {type_name} resources",
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": [type_name]},
                "id": {"type": "integer"},
                "attributes": {"type": "object", "properties": attributes},
                "relationships": {"type": "object", "properties": relationships},
            },
        }
    return out


# -- the tap's stream schemas ---------------------------------------------------------------


def _stream_of_type(document: dict[str, t.Any]) -> dict[str, str]:
    """Resource type -> the tap stream syncing it."""
    collections = list_collections(document)
    return {collections[collection]: stream for stream, collection in STREAMS.items()}


def _target_text(targets: list[str], streams: dict[str, str]) -> str:
    named = [f"{target} (stream {streams[target]})" if target in streams else target for target in targets]
    return " or ".join(named)


def _relationship_properties(
    name: str, spec: dict[str, t.Any], streams: dict[str, str]
) -> dict[str, dict[str, t.Any]]:
    shape, targets = relationship_shape(spec)
    if shape in ("links", "none") or spec.get("x-internal"):
        return {}
    about = clean_description(spec.get("description"))
    suffix = f" {about}" if about else ""
    if shape == "many":
        return {
            f"{name}_ids": {
                "type": ["array", "null"],
                "items": {"type": ["integer", "null"]},
                "description": f"Ids of the related {_target_text(targets, streams)} records.{suffix}",
            }
        }
    fields = {
        f"{name}_id": {
            "type": ["integer", "null"],
            "description": f"Id of the related {_target_text(targets, streams)}.{suffix}",
        }
    }
    if len(targets) > 1:
        fields[f"{name}_type"] = {
            "type": ["string", "null"],
            "description": f"Type of the related record ({name}_id). One of: {', '.join(targets)}.",
        }
    return fields


def stream_schemas(document: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    converter = Converter(document)
    collections = list_collections(document)
    streams = _stream_of_type(document)
    out: dict[str, dict[str, t.Any]] = {}
    for stream, collection in STREAMS.items():
        type_name = collections[collection]
        properties: dict[str, dict[str, t.Any]] = {
            "id": {"type": "integer", "description": f"The {type_name}'s id."}
        }
        for name, spec in sorted(_attributes(document, type_name).items()):
            if "writeonly" in badges(spec) or spec.get("x-internal"):
                continue
            properties[name] = converter.convert(spec)
        for name, spec in sorted(_relationships(document, type_name).items()):
            for field, schema in _relationship_properties(name, spec, streams).items():
                if field in properties:
                    msg = f"{stream}: relationship field {field} clashes with an attribute"
                    raise ValueError(msg)
                properties[field] = schema
        out[stream] = stream_schema(properties, key_properties=KEY_PROPERTIES)
    return out


def generate(specs: Path) -> dict[str, object]:
    document = json.loads((specs / SPEC).read_text())
    out: dict[str, object] = {
        f"{TAP_SCHEMAS}/{stream}.json": schema for stream, schema in stream_schemas(document).items()
    }
    out[RESOURCES] = resource_schemas(document)
    return out
