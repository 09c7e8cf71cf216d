"""Schemas declare what the docs document; the simulator serves the docs; nothing is lost on the way."""

from __future__ import annotations

import json
import re
import typing as t

import pytest
from suite_sandbox.fake import UNDOCUMENTED_KEYS, load_resources
from tap_common.schemas import EXTRA_COLUMN, schema_problems

from tests.liveperson.helpers import STREAMS, catalog, config, run

#: stream -> the documented resource its records are (resources/liveperson.json).
RESOURCE_OF = {
    "users": "user",
    "skills": "skill",
    "agent_groups": "agent_group",
    "agent_status": "agent_status",
    "campaigns": "campaign",
    "messaging_interactions": "conversation",
    "engagement_history": "engagement",
    "queue_health": "queue_health_metrics",
    "messaging_queue_health": "messaging_queue_health_metrics",
    "agent_state_distribution": "agent_state",
}

#: Documented fields a stream does not declare. Each entry says why; anything else the docs
#: document and a stream lacks fails the coverage test.
EXCLUDED = {
    # The Conversations table capitalises these; the example body (and the schema) use
    # locationId/locationName. What arrives under the capitalised names lands in _sdc_extra.
    ("messaging_interactions", "campaign.LocationId"),
    ("messaging_interactions", "campaign.LocationName"),
}

#: Fields the tap adds to each record (flattened keys, the partition a metric belongs to).
ADDED = {
    "messaging_interactions": {"conversation_id", "start_time", "skill_id", "latest_event_time"},
    "engagement_history": {"engagement_id", "start_time", "skill_id"},
    "queue_health": {"skill_id", "timestamp", "interval_end"},
    "messaging_queue_health": {"skill_id", "timestamp", "interval_start"},
    "agent_state_distribution": {"agent_id", "timestamp", "interval_end"},
}

_INDEX = re.compile(r"\[\d+\]")


def schema_paths(schema: dict[str, t.Any], prefix: str = "") -> set[str]:
    """Every property path a schema declares (`a.b`, list items as `a[].b`)."""
    out = set()
    for name, spec in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        out.add(path)
        out |= schema_paths(spec, f"{path}.")
        if isinstance(spec.get("items"), dict):
            out |= schema_paths(spec["items"], f"{path}[].")
    return out


def value_paths(value: t.Any, prefix: str = "") -> set[str]:
    """Every key path a JSON value holds."""
    out = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            out |= value_paths(child, path)
    elif isinstance(value, list):
        for item in value:
            out |= value_paths(item, f"{prefix}[]")
    return out


def emitted_paths(record: dict) -> set[str]:
    """The key paths of an emitted record, the ones kept in _sdc_extra at their own path."""
    out = value_paths({k: v for k, v in record.items() if k != EXTRA_COLUMN})
    for path, value in (record.get(EXTRA_COLUMN) or {}).items():
        path = _INDEX.sub("[]", path)
        out |= {path} | value_paths(value, path)
    return out


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict]:
    discovered = catalog(config("http://127.0.0.1:1"), tmp_path_factory.mktemp("discover"), STREAMS)
    return {entry["tap_stream_id"]: entry for entry in discovered["streams"]}


def test_every_stream_schema_follows_the_suite_conventions(schemas) -> None:
    assert set(schemas) == set(STREAMS)
    for name, entry in schemas.items():
        assert schema_problems(entry["schema"], key_properties=entry["key_properties"]) == [], name


def test_every_documented_field_is_declared_or_excluded_with_a_reason(schemas) -> None:
    resources = load_resources("liveperson")
    for stream, resource in RESOURCE_OF.items():
        documented = schema_paths(resources[resource])
        declared = schema_paths(schemas[stream]["schema"])
        missing = {(stream, path) for path in documented - declared}
        assert missing == {e for e in EXCLUDED if e[0] == stream}, stream


def _served(sim: t.Any, stream: str, record: dict) -> dict:
    """The record the simulator served for an emitted one (whole, as the tap fetched it)."""
    if stream in ("users", "skills", "agent_groups", "agent_status", "campaigns"):
        table = {
            "users": sim.users,
            "skills": sim.skills,
            "agent_groups": sim.agent_groups,
            "agent_status": sim.status_reasons,
            "campaigns": sim.campaigns,
        }[stream]
        (row,) = [r for r in table.rows(range(table.n)) if str(r["id"]) == str(record["id"])]
        if stream == "campaigns":  # asked for by name
            (request,) = sim.requests_to("le-campaigns/campaigns")
            row = {k: v for k, v in row.items() if k in request.query["fields"]}
        return row
    if stream == "messaging_interactions":
        return sim.history.row(sim.history.index_of(record["conversation_id"]))
    if stream == "engagement_history":
        return sim.chats.row(sim.chats.index_of(record["engagement_id"]))
    if stream in ("queue_health", "messaging_queue_health"):
        resource = RESOURCE_OF[stream]
        return sim.faker.record(resource, f"{record['skill_id']}:{record['timestamp']}")
    states = sim.operations._agent_states(record["agent_id"], record["timestamp"])
    return next(s for s in states if s["id"] == record["id"])


@pytest.mark.parametrize("stream", STREAMS)
def test_the_keys_the_simulator_serves_are_the_keys_the_tap_emits(stream, serve_lp, tmp_path) -> None:
    sim, server = serve_lp(records=40, users=6)
    result = run(config(server.url), tmp_path, [stream])
    assert result.returncode == 0, result.stderr
    records = result.records(stream)
    assert records
    declared = schema_paths(result.schemas()[stream]["schema"])
    undocumented = 0
    for record in records:
        served = value_paths(_served(sim, stream, record))
        emitted = emitted_paths(record) - ADDED.get(stream, set())
        assert emitted == served, (stream, emitted ^ served)
        extra = record.get(EXTRA_COLUMN) or {}
        # Documented values fit their declared types: only undeclared keys are moved.
        assert not {k for k in extra if _INDEX.sub("[]", k) in declared}
        undocumented += sum(1 for key in extra if key.split(".")[-1] in UNDOCUMENTED_KEYS)
    if stream != "campaigns":  # campaigns answer only the fields asked for
        assert undocumented, "the simulator adds undocumented keys to some records"


def test_with_flattening_every_column_is_declared_and_extra_keys_stay_in_one_json_column(
    serve_lp, tmp_path
) -> None:
    _sim, server = serve_lp(records=30)
    cfg = config(server.url, flattening_enabled=True, flattening_max_depth=10)
    result = run(cfg, tmp_path, ["messaging_interactions", "users"])
    assert result.returncode == 0, result.stderr

    for stream in ("messaging_interactions", "users"):
        declared = set(result.schemas()[stream]["schema"]["properties"])
        assert EXTRA_COLUMN in declared
        for record in result.records(stream):
            # A null object keeps its own key (the SDK's flattening): no value is lost there.
            holding = {key for key, value in record.items() if value is not None}
            assert holding <= declared, holding - declared
        extras = [json.loads(r[EXTRA_COLUMN]) for r in result.records(stream) if r.get(EXTRA_COLUMN)]
        assert extras and all(isinstance(e, dict) for e in extras)
    conversations = result.records("messaging_interactions")
    assert all(r["info__conversationId"] == r["conversation_id"] for r in conversations)
    assert any(
        "campaign.LocationId" in json.loads(r[EXTRA_COLUMN]) for r in conversations if r.get(EXTRA_COLUMN)
    )
