"""Close: the tap's stream schemas and the simulator's resource schemas, from Close's OpenAPI.

Close's OpenAPI (`close-openapi.yml`, 152 paths) documents some resources completely
(`Lead`, `Contact`, `Opportunity`, the Call/Email/SMS/WhatsApp/FormSubmission activities,
Smart Views, bulk actions, ...), others only through their create/update bodies (notes,
custom activities, tasks' `UpdateNotification`), and many not at all ("Empty response
body": users, events, tasks' types, meetings, status changes, custom fields, pipelines,
templates, sequences, ...). For those, `DOCUMENTED` (closeio_fields.py) lists the fields Close's reference
pages describe (developer.close.com: tasks, events, custom fields, connected accounts) or that
peers observe in real responses (Airbyte source-close-com's schemas); each group names its
source. Request-body fields that are only written (never returned) are left out.

What this writes (never a copy of the spec):
- `taps/tap-closeio/tap_closeio/schemas/<schema>.json`: one stream schema per file, every
  property nullable, enums named in descriptions, free-form objects without `properties`,
  `_sdc_extra` added (tap_common.schemas conventions);
- `sandbox/suite_sandbox/resources/closeio.json`: each resource's documented schema with its
  enums, for the simulator's fake records (`suite_sandbox.fake`).
"""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

import yaml

from specs.closeio_fields import (
    ACTIVITY_TYPES,
    DESCRIPTIONS,
    DOCUMENTED,
    NOT_DECLARED,
    SCHEMAS,
    SPEC_COMPONENTS,
    TASK_TYPES,
    Code,
)
from specs.openapi import Converter, stream_schema

SPEC = "close-openapi.yml"
TAP_SCHEMAS = "taps/tap-closeio/tap_closeio/schemas"
RESOURCES = "sandbox/suite_sandbox/resources/closeio.json"

#: Create/update body fields that Close only reads (aliases or write forms of returned fields).
WRITE_ONLY = {
    "created_by_id",  # written as created_by_id, returned as created_by
    "custom_fields",  # written as {id: value}, returned as custom.cf_* keys
    "account_id",  # email account to send from; returned as email_account_id
    "followup_date",  # makes Close create an email_followup task; not an email field
}


# -- conversion -----------------------------------------------------------------------------


def _without_null_options(node: t.Any) -> t.Any:
    """`oneOf: [X, {type: null}]` -> X made nullable, and a oneOf of objects -> their allOf.

    The shared converter reads a `{type: null}` option as "any value" and so turns a
    nullable object into an untyped property; Close writes every nullable object that way.
    """
    if isinstance(node, list):
        return [_without_null_options(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_null_options(value) for key, value in node.items()}
    for key in ("oneOf", "anyOf"):
        options = node.get(key)
        if not isinstance(options, list):
            continue
        concrete = [o for o in options if o != {"type": "null"}]
        if len(concrete) < len(options):
            node["nullable"] = True
        if len(concrete) == 1:
            del node[key]
            node = {**concrete[0], **node}
        elif concrete and all("$ref" in o or o.get("type") == "object" for o in concrete):
            # Variants of one object (e.g. a suggested action's details): their fields together.
            del node[key]
            node["allOf"] = concrete
        else:
            node[key] = concrete
    return node


class _ResourceConverter(Converter):
    """The shared conversion, keeping each enum's values for the simulator's fake records."""

    def convert(
        self, schema: dict[str, t.Any], *, seen: tuple[str, ...] = (), nullable: bool = True
    ) -> dict[str, t.Any]:
        out = super().convert(schema, seen=seen, nullable=nullable)
        resolved = self.merged(schema, seen) or {}
        values = [v for v in resolved.get("enum") or () if v is not None]
        if values and "type" in out:
            out["enum"] = values
        return out


_SCALARS: dict[str, dict[str, t.Any]] = {
    "s": {"type": ["string", "null"]},
    "dt": {"type": ["string", "null"], "format": "date-time"},
    "d": {"type": ["string", "null"], "format": "date"},
    "b": {"type": ["boolean", "null"]},
    "i": {"type": ["integer", "null"]},
    "n": {"type": ["number", "null"]},
    "o": {"type": ["object", "null"]},
}


def _from_code(code: Code) -> dict[str, t.Any]:
    if isinstance(code, dict):
        return {"type": ["object", "null"], "properties": {k: _from_code(v) for k, v in code.items()}}
    if isinstance(code, list):
        return {"type": ["array", "null"], "items": _from_code(code[0])}
    if code.startswith("[") and code.endswith("]"):
        return {"type": ["array", "null"], "items": _from_code(code[1:-1])}
    return dict(_SCALARS[code])


def _types(spec: dict[str, t.Any]) -> list[str]:
    kind = spec.get("type")
    return [] if kind is None else [kind] if isinstance(kind, str) else list(kind)


def merge(first: dict[str, t.Any], second: dict[str, t.Any]) -> dict[str, t.Any]:
    """One schema holding what either describes: types united, object fields united."""
    if not first:
        return copy.deepcopy(second)
    if not second:
        return copy.deepcopy(first)
    out = copy.deepcopy(first)
    kinds = _types(first)
    for kind in _types(second):
        if kind not in kinds:
            kinds.append(kind)
    if kinds:
        non_null = [k for k in kinds if k != "null"]
        out["type"] = [*non_null, "null"] if "null" in kinds else non_null
    if first.get("format") != second.get("format"):
        out.pop("format", None)
    if "description" not in out and "description" in second:
        out["description"] = second["description"]
    if values := sorted({*first.get("enum", ()), *second.get("enum", ())}, key=str):
        out["enum"] = values
    if "properties" in second:
        properties = out.setdefault("properties", {})
        for name, spec in second["properties"].items():
            properties[name] = merge(properties.get(name, {}), spec)
    if "items" in second:
        out["items"] = merge(out.get("items", {}), second["items"])
    return out


def resource_schemas(document: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """Every resource's documented schema (with enums), keyed by resource name."""
    converter = _ResourceConverter(_without_null_options(document))
    names = sorted(set(SPEC_COMPONENTS) | set(DOCUMENTED) | {f"task.{k}" for k in TASK_TYPES})
    names = [n for n in names if n != "task"]  # the common task fields join each task type
    resources: dict[str, dict[str, t.Any]] = {}
    for name in names:
        schema: dict[str, t.Any] = {"type": "object", "properties": {}}
        for index, component in enumerate(SPEC_COMPONENTS.get(name, ())):
            converted = converter.convert({"$ref": f"#/components/schemas/{component}"})
            properties = converted.get("properties", {})
            if index:  # a create/update body: only what the resource returns
                properties = {k: v for k, v in properties.items() if k not in WRITE_ONLY}
            schema = merge(schema, {"properties": properties})
        extras = {**(DOCUMENTED["task"] if name.startswith("task.") else {}), **DOCUMENTED.get(name, {})}
        schema = merge(schema, {"properties": {k: _from_code(v) for k, v in extras.items()}})
        for field, text in DESCRIPTIONS.items():
            if field in schema["properties"] and name.startswith("task."):
                schema["properties"][field]["description"] = text
        schema["properties"] = dict(sorted(schema["properties"].items()))
        resources[name] = schema
    for kind in ACTIVITY_TYPES:
        resources[f"activity.{kind}"]["properties"]["_type"]["enum"] = [kind]
    for kind in TASK_TYPES:
        resources[f"task.{kind}"]["properties"]["_type"]["enum"] = [kind]
    return resources


def _without_enums(node: t.Any) -> t.Any:
    if isinstance(node, dict):
        return {k: _without_enums(v) for k, v in node.items() if k != "enum"}
    if isinstance(node, list):
        return [_without_enums(v) for v in node]
    return node


def generate(specs: Path) -> dict[str, object]:
    document = yaml.safe_load((specs / SPEC).read_text())
    resources = resource_schemas(document)
    out: dict[str, object] = {RESOURCES: resources}
    for schema_name, (members, keys) in SCHEMAS.items():
        union: dict[str, t.Any] = {}
        for member in members:
            union = merge(union, resources[member])
        properties = {
            name: spec
            for name, spec in sorted(_without_enums(union)["properties"].items())
            if name not in NOT_DECLARED.get(schema_name, set())
        }
        out[f"{TAP_SCHEMAS}/{schema_name}.json"] = stream_schema(properties, key_properties=keys)
    return out
