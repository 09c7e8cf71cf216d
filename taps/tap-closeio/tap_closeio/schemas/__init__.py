"""Stream schemas derived from Close's OpenAPI by `scripts/specs/closeio.py` (do not edit the
JSON files by hand: regenerate them with `scripts/generate_schemas.py closeio`)."""

from __future__ import annotations

import copy
import json
import typing as t
from functools import cache
from importlib import resources


@cache
def _read(name: str) -> dict[str, t.Any]:
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text())


def load(name: str) -> dict[str, t.Any]:
    """A copy of the committed schema `<name>.json` (callers may add properties to it)."""
    return copy.deepcopy(_read(name))


def with_properties(schema: dict[str, t.Any], extra: dict[str, dict[str, t.Any]]) -> dict[str, t.Any]:
    """`schema` with `extra` properties added before `_sdc_extra` (which stays last)."""
    properties = dict(schema["properties"])
    tail = {k: properties.pop(k) for k in ("_sdc_extra",) if k in properties}
    return {**schema, "properties": {**properties, **extra, **tail}}


#: Soft deletes (Singer convention): when the event log reports the object deleted.
DELETED_AT: dict[str, t.Any] = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "When Close's event log reported this object deleted (a soft delete); null otherwise.",
}
