"""Stream schemas derived from Close's OpenAPI by `scripts/specs/closeio.py` (do not edit the
JSON files by hand: regenerate them with `scripts/generate_schemas.py closeio`)."""

from __future__ import annotations

import typing as t

from tap_common.schemas import SchemaFiles, with_properties

__all__ = ["DELETED_AT", "load", "with_properties"]

load = SchemaFiles(__name__).load

#: Soft deletes (Singer convention): when the event log reports the object deleted.
DELETED_AT: dict[str, t.Any] = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "When Close's event log reported this object deleted (a soft delete); null otherwise.",
}
