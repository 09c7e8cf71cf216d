"""Base stream of tap-liveperson: each stream lives on the host of its CSDS service."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from pathlib import Path

from singer_sdk import SchemaDirectory, StreamSchema
from tap_common.client import SuiteStream

#: Stream schemas, generated from the documented field table by scripts/generate_schemas.py.
SCHEMAS = SchemaDirectory(Path(__file__).parent / "schemas")


def as_int(value: t.Any) -> t.Any:
    """An id or epoch value as an int; the docs' examples quote some of them."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def is_true(value: t.Any) -> bool:
    """A boolean flag, also when the API quotes it ("true")."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def iso_from_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")


class LivePersonStream(SuiteStream):
    """A LivePerson API stream; `service` names the CSDS service whose host serves it.

    LivePerson's retry policy (5xx: pauses of 5, 10, 15 s) is the tap's wait policy; its
    429s carry no wait headers, so they get the same pauses.
    """

    #: CSDS service name (case sensitive), e.g. "accountConfigReadOnly" or "msgHist".
    service: t.ClassVar[str] = "accountConfigReadOnly"
    records_key = None
    schema = StreamSchema(SCHEMAS)

    @property
    def url_base(self) -> str:
        # No single base URL exists: the host comes from the Domain API (CSDS).
        return self._tap.service_url(self.service)  # type: ignore[attr-defined]
