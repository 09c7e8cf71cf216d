"""Stream schemas derived from PersistIQ's OpenAPI by `scripts/specs/persistiq.py` (do not edit
the JSON files by hand: regenerate them with `scripts/generate_schemas.py persistiq`).

A lead's `data` holds its lead fields: the built-in ones (declared in the JSON files) and the
company's custom ones, which `GET /v1/lead_fields` lists and the tap declares at discovery
(`with_lead_fields`) as nullable strings. A catalog keeps what was discovered, so a sync run
with a catalog reads no lead fields; a custom field added in PersistIQ after discovery arrives
in `_sdc_extra` (`"data.<name>"`) until the next discovery.
"""

from __future__ import annotations

import copy
import json
import typing as t
from functools import cache
from importlib import resources

if t.TYPE_CHECKING:
    from collections.abc import Iterable


@cache
def _read(name: str) -> dict[str, t.Any]:
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text())


def load(name: str) -> dict[str, t.Any]:
    """A copy of the committed schema `<name>.json` (callers may add properties to it)."""
    return copy.deepcopy(_read(name))


def with_properties(schema: dict[str, t.Any], extra: dict[str, dict[str, t.Any]]) -> dict[str, t.Any]:
    """`schema` with `extra` top-level properties added before `_sdc_extra` (which stays last)."""
    properties = dict(schema["properties"])
    tail = {k: properties.pop(k) for k in ("_sdc_extra",) if k in properties}
    return {**schema, "properties": {**properties, **extra, **tail}}


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
