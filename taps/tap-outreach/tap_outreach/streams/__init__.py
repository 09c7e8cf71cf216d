"""The tap's streams, split by domain."""

from __future__ import annotations

from tap_outreach.streams import calls, crm, engagement, org

#: Every stream class the domain modules declare, by name.
STREAM_TYPES = tuple(
    sorted(
        (
            stream_type
            for module in (calls, crm, engagement, org)
            for stream_type in vars(module).values()
            if isinstance(stream_type, type) and stream_type.__module__ == module.__name__
        ),
        key=lambda stream_type: stream_type.name,
    )
)

__all__ = ["STREAM_TYPES"]
