"""The OpenAPI -> stream schema converter keeps the suite's conventions (on an inline spec)."""

from __future__ import annotations

import sys
from pathlib import Path

from tap_common.schemas import schema_problems

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from specs.openapi import Converter, stream_schema

DOCUMENT = {
    "components": {
        "schemas": {
            "Address": {"type": "object", "properties": {"city": {"type": "string"}}},
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "address": {"oneOf": [{"$ref": "#/components/schemas/Address"}, {"type": "null"}]},
                    "count": {"type": "integer", "nullable": True},
                    "updated": {"type": "string", "format": "date-time"},
                    "blob": {"type": "object", "additionalProperties": True},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "self": {"$ref": "#/components/schemas/Thing"},
                },
            },
        }
    }
}


def test_a_nullable_reference_keeps_its_type_and_properties():
    converted = Converter(DOCUMENT).convert({"$ref": "#/components/schemas/Thing"})
    address = converted["properties"]["address"]
    assert address["type"] == ["object", "null"]
    assert address["properties"] == {"city": {"type": ["string", "null"]}}


def test_the_conventions_hold_for_a_converted_resource():
    converted = Converter(DOCUMENT).convert({"$ref": "#/components/schemas/Thing"})
    properties = converted["properties"]
    assert properties["status"] == {"type": ["string", "null"], "description": "One of: open, closed."}
    assert properties["updated"]["format"] == "date-time"
    assert properties["blob"] == {"type": ["object", "null"]}  # free-form: no properties key
    assert properties["self"]["type"] == ["object", "null"]  # a cycle is cut to a JSON object
    schema = stream_schema(properties, key_properties=("id",))
    assert schema["properties"]["id"]["type"] == "string"
    assert schema_problems(schema, key_properties=("id",)) == []
