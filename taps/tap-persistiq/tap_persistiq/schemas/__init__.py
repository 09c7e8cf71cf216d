"""Stream schemas derived from PersistIQ's OpenAPI by `scripts/specs/persistiq.py` (do not edit
the JSON files by hand: regenerate them with `scripts/generate_schemas.py persistiq`).

A lead's `data` holds its lead fields: the built-in ones (declared in the JSON files) and the
company's custom ones, which `GET /v1/lead_fields` lists and the tap declares at discovery
(`with_lead_fields`) as nullable strings. A catalog keeps what was discovered, so a sync run
with a catalog reads no lead fields; a custom field added in PersistIQ after discovery arrives
in `_sdc_extra` (`"data.<name>"`) until the next discovery.
"""

from __future__ import annotations

import typing as t

from tap_common.schemas import SchemaFiles, with_properties

if t.TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["lead_field_property", "load", "with_lead_fields", "with_properties"]

load = SchemaFiles(__name__).load


def lead_field_property(name: str) -> dict[str, t.Any]:
    return {
        "type": ["string", "null"],
        "description": f"Lead field '{name}' of this company (GET /v1/lead_fields).",
    }


def with_lead_fields(lead: dict[str, t.Any], names: Iterable[str]) -> dict[str, t.Any]:
    """A lead object schema (`lead`, changed in place) whose `data` also declares `names`."""
    data = lead["properties"]["data"]
    declared = data.setdefault("properties", {})
    for name in names:
        if name and name not in declared:
            declared[name] = lead_field_property(name)
    return lead
