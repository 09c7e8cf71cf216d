"""LivePerson: resource and stream schemas from the committed field table.

LivePerson has no machine-readable spec, so `generate` ignores the specs folder: the truth
is `liveperson_fields.py`, transcribed from the developer-center pages it names. This
writes

- `sandbox/suite_sandbox/resources/liveperson.json`: each documented response resource as
  JSON Schema (the simulator fakes its records from these);
- `taps/tap-liveperson/tap_liveperson/schemas/<stream>.json`: each stream's schema, the
  resource's fields (less the commented exclusions) plus the fields the tap adds.
"""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

from tap_common.schemas import FREE_OBJECT

from specs import liveperson_fields as fields
from specs.openapi import stream_schema

RESOURCES_PATH = "sandbox/suite_sandbox/resources/liveperson.json"
SCHEMAS_DIR = "taps/tap-liveperson/tap_liveperson/schemas"

_SCALARS = {
    "string": ("string", None),
    "integer": ("integer", None),
    "number": ("number", None),
    "boolean": ("boolean", None),
    "epoch_ms": ("integer", "epoch milliseconds"),
    "lp_time": ("string", "LivePerson time 'yyyy-MM-dd HH:mm:ss.SSS+0000' (UTC)"),
    "account_time": ("string", "'yyyy-MM-dd HH:mm:ss' in the account's time zone"),
}

_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def to_schema(spec: t.Any, note: str | None = None) -> dict[str, t.Any]:
    """One field of the table as JSON Schema (every value nullable, as the API may send null)."""
    if isinstance(spec, tuple):
        return to_schema(spec[0], spec[1])
    if isinstance(spec, dict):
        out: dict[str, t.Any] = {
            "type": ["object", "null"],
            "properties": {name: to_schema(child) for name, child in spec.items()},
        }
    elif isinstance(spec, list):
        out = {"type": ["array", "null"], "items": to_schema(spec[0])}
    elif spec == "json":
        out = dict(FREE_OBJECT)
    else:
        kind, implied = _SCALARS[spec]
        out = {"type": [kind, "null"]}
        note = "; ".join(part for part in (implied, note) if part) or None
    if note:
        out["description"] = note
    return out


def resource_schema(name: str) -> dict[str, t.Any]:
    page_key, table = fields.RESOURCES[name]
    permalink, path = fields.PAGES[page_key]
    source = f"developers.liveperson.com/{permalink}" if path else permalink
    return {
        "type": "object",
        "description": f"{source} ({path})" if path else source,
        "properties": to_schema(table)["properties"],
    }


def _without(properties: dict[str, t.Any], resource: str) -> dict[str, t.Any]:
    """The resource's properties less its excluded paths."""
    properties = copy.deepcopy(properties)
    for excluded_resource, path in fields.EXCLUDED:
        if excluded_resource != resource:
            continue
        *parents, leaf = path.split(".")
        node = properties
        for parent in parents:
            node = node[parent]["properties"]
        del node[leaf]
    return properties


def _integer(description: str) -> dict[str, t.Any]:
    return {"type": ["integer", "null"], "description": description}


def _string(description: str) -> dict[str, t.Any]:
    return {"type": ["string", "null"], "description": description}


def _date_time(description: str) -> dict[str, t.Any]:
    return {**_DATE_TIME, "description": description}


#: stream -> (resource, key properties, fields the tap adds before the resource's own).
STREAMS: dict[str, tuple[str, tuple[str, ...], dict[str, dict[str, t.Any]]]] = {
    "users": ("user", ("id",), {}),
    "skills": ("skill", ("id",), {}),
    "agent_groups": ("agent_group", ("id",), {}),
    "agent_status": ("agent_status", ("id",), {}),
    "campaigns": ("campaign", ("id",), {}),
    "messaging_interactions": (
        "conversation",
        ("conversation_id",),
        {
            "conversation_id": _string("info.conversationId"),
            "start_time": _date_time("info.startTimeL as ISO 8601"),
            "skill_id": _integer("info.latestSkillId (-1 = Unassigned)"),
            "latest_event_time": _date_time(
                "The latest time the record itself carries (start, end, messages, statuses, "
                "transfers, participants, dialogs, summary), as ISO 8601"
            ),
        },
    ),
    "engagement_history": (
        "engagement",
        ("engagement_id",),
        {
            "engagement_id": _string("info.engagementId"),
            "start_time": _date_time("info.startTimeL as ISO 8601"),
            "skill_id": _integer("info.skillId"),
        },
    ),
    "queue_health": (
        "queue_health_metrics",
        ("skill_id", "timestamp"),
        {
            "skill_id": _integer("The skill these metrics are for (a key of skillsMetrics)"),
            "timestamp": _integer("End of the interval, epoch milliseconds"),
            "interval_end": _date_time("timestamp as ISO 8601"),
        },
    ),
    "messaging_queue_health": (
        "messaging_queue_health_metrics",
        ("skill_id", "timestamp"),
        {
            "skill_id": _integer("The skill these metrics are for (a key of skillsMetrics)"),
            "timestamp": _integer("Start of the interval, epoch milliseconds"),
            "interval_start": _date_time("timestamp as ISO 8601"),
        },
    ),
    "agent_state_distribution": (
        "agent_state",
        ("agent_id", "timestamp", "id"),
        {
            "agent_id": _integer("The agent (a key of agentsMetrics.metricsPerAgent)"),
            "timestamp": _integer("End of the interval, epoch milliseconds"),
            "interval_end": _date_time("timestamp as ISO 8601"),
        },
    ),
}


def stream_schemas() -> dict[str, dict[str, t.Any]]:
    out = {}
    for stream, (resource, keys, added) in STREAMS.items():
        properties = {**added, **_without(resource_schema(resource)["properties"], resource)}
        out[stream] = stream_schema(properties, key_properties=keys)
    return out


def generate(specs: Path) -> dict[str, object]:
    files: dict[str, object] = {RESOURCES_PATH: {name: resource_schema(name) for name in fields.RESOURCES}}
    for stream, schema in stream_schemas().items():
        files[f"{SCHEMAS_DIR}/{stream}.json"] = schema
    return files
