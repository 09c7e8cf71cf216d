"""The specs are the truth: every stream declares what Outreach documents for its resource.

The documented resources are `suite_sandbox/resources/outreach.json` (derived from Outreach's
OpenAPI by scripts/specs/outreach.py); the declared schemas are what the tap discovers.
"""

from __future__ import annotations

import json
import typing as t

import pytest
from suite_sandbox import SandboxServer
from suite_sandbox.fake import load_resources
from suite_sandbox.outreach import make_simulator
from tap_common.schemas import EXTRA_COLUMN, schema_problems

from tests.conftest import TapRun, run_tap
from tests.outreach.helpers import BY_CREATED_AT, FULL_TABLE, PATHS, TAP, fast_config

RESOURCES = load_resources("outreach")

#: List resources of the spec the tap does not sync, and why.
NOT_SYNCED = {
    "auditLogs": "admin-only, licence-dependent, kept 90 days; most accounts answer 403",
    "batches": "bookkeeping of bulk API actions, not sales data",
    "batchItems": "bookkeeping of bulk API actions, not sales data",
    "complianceRequests": "GDPR delete/export requests; admin-only, no filterable time field",
    "kaiaRecordings": "Kaia licence, and a separate per-org budget (3/s, 6,000/day)",
    "recipients": "no filterable time field and one row per mail recipient; mailings.recipients_ids links them",
    "webhooks": "the app's own configuration, including each webhook's secret",
}

#: Documented fields the stream schemas leave out on purpose. (stream, field) -> why.
EXCLUDED: dict[tuple[str, str], str] = {
    # Write-only attributes (writeonly badge): the API never returns them.
    ("account_notes", "opportunityAssociationRule"): "write-only",
    ("prospect_notes", "opportunityAssociationRule"): "write-only",
    ("mailboxes", "password"): "write-only",
    ("mailboxes", "sendgridApiKey"): "write-only",
    ("mailboxes", "smtpPassword"): "write-only",
    ("mailboxes", "validateSend"): "write-only",
    ("mailboxes", "validateSync"): "write-only",
    ("users", "jobRoleByName"): "write-only",
    # Relationships documented without any shape (no data, no links): nothing to keep.
    ("mailings", "bccEntitiesId"): "no shape",
    ("mailings", "ccEntitiesId"): "no shape",
    ("mailings", "prospectsIds"): "no shape",
    ("mailings", "toEntitiesId"): "no shape",
}
#: Relationships documented with `links.related` only: they carry no ids. stream -> names.
LINKS_ONLY: dict[str, tuple[str, ...]] = {
    "accounts": ("batches", "prospects", "purchases", "tasks"),
    "call_dispositions": ("calls",),
    "call_purposes": ("calls",),
    "calls": ("batches",),
    "mailboxes": ("mailAliases", "mailings"),
    "opportunities": ("prospects",),
    "opportunity_stages": ("opportunities",),
    "personas": ("prospects",),
    "products": ("purchases",),
    "prospects": ("batches", "calls", "mailings", "sequenceStates", "tasks"),
    "rulesets": ("sequences",),
    "sequence_states": ("calls", "mailings", "tasks"),
    "sequence_steps": ("calls", "mailings", "tasks"),
    "sequences": ("calls", "mailings", "sequenceStates", "tasks"),
    "stages": ("prospects",),
    "task_dispositions": ("tasks",),
    "task_priorities": ("sequenceSteps", "tasks"),
    "task_purposes": ("tasks",),
    "tasks": ("calls", "mailings"),
    "teams": ("batches",),
    "users": ("batches",),
}
#: Fields earlier versions of the tap declared that Outreach does not have (always null).
NOT_IN_THE_API = {
    "call_dispositions": "defaultForOutboundCall",
    "call_purposes": "defaultForOutboundCall",
    "duties": "name",
    "mailboxes": ("senderName", "senderNotificationsExcluded"),
    "users": "manager_id",
}


def _attributes(stream: str) -> dict[str, dict[str, t.Any]]:
    return RESOURCES[PATHS[stream]]["properties"]["attributes"]["properties"]


def _relationships(stream: str) -> dict[str, dict[str, t.Any]]:
    return RESOURCES[PATHS[stream]]["properties"]["relationships"]["properties"]


def _relationship_columns(name: str, spec: dict[str, t.Any]) -> set[str]:
    """The columns a documented relationship becomes (none when it carries no ids)."""
    data = (spec.get("properties") or {}).get("data")
    if data is None:
        return set()
    if data.get("type") == "array":
        return {f"{name}_ids"}
    targets = data["properties"]["type"]["enum"]
    return {f"{name}_id", f"{name}_type"} if len(targets) > 1 else {f"{name}_id"}


@pytest.fixture(scope="module")
def declared(catalog) -> dict[str, dict[str, t.Any]]:
    return {entry["tap_stream_id"]: entry["schema"] for entry in catalog["streams"]}


def test_the_tap_syncs_every_list_resource_of_the_spec_or_says_why_not(declared):
    assert set(declared) == set(PATHS)
    assert set(RESOURCES) == set(PATHS.values()) | set(NOT_SYNCED)
    assert not set(PATHS.values()) & set(NOT_SYNCED)


@pytest.mark.parametrize("stream", sorted(PATHS))
def test_every_documented_field_is_declared_or_excluded_with_a_reason(stream, declared):
    properties = declared[stream]["properties"]
    documented: set[str] = set()
    for name in _attributes(stream):
        if (stream, name) not in EXCLUDED:
            documented.add(name)
    for name, spec in _relationships(stream).items():
        columns = _relationship_columns(name, spec)
        if (stream, name) in EXCLUDED or name in LINKS_ONLY.get(stream, ()):
            assert not columns, f"{stream}.{name} carries ids: declare it"
            continue
        assert columns, f"{stream}.{name} carries no ids: add it to LINKS_ONLY or EXCLUDED"
        documented |= columns
    assert sorted(documented - set(properties)) == [], "documented but not declared"
    # Nothing invented: every declared column is documented (id and _sdc_extra aside).
    assert sorted(set(properties) - documented - {"id", EXTRA_COLUMN}) == []
    # The exclusion tables name only what is documented.
    for where, name in [*EXCLUDED, *((s, n) for s, names in LINKS_ONLY.items() for n in names)]:
        if where == stream:
            assert name in _attributes(stream) or name in _relationships(stream), (stream, name)
    gone = NOT_IN_THE_API.get(stream, ())
    for name in (gone,) if isinstance(gone, str) else gone:
        assert name not in properties


@pytest.mark.parametrize("stream", sorted(PATHS))
def test_declared_types_follow_the_spec(stream, declared):
    properties = declared[stream]["properties"]
    assert schema_problems(declared[stream], key_properties=("id",)) == []
    assert properties["id"]["type"] == "integer"
    for name, spec in _attributes(stream).items():
        if name not in properties:
            continue
        ours = properties[name]
        kind = spec.get("type")
        kinds = {kind} if isinstance(kind, str) else set(kind or ())
        assert kinds - {"null"} <= set(ours.get("type", [])), (name, ours)
        assert "null" in ours["type"], name
        assert ours.get("format") == (
            spec.get("format") if spec.get("format") in ("date-time", "date") else None
        )
        if "object" in kinds and not spec.get("properties"):
            assert "properties" not in ours, f"{name}: a free-form object must stay one JSON column"
    for name, spec in _relationships(stream).items():
        for column in _relationship_columns(name, spec) & set(properties):
            expected = {"_ids": ["array", "null"], "_id": ["integer", "null"], "_type": ["string", "null"]}
            assert properties[column]["type"] == expected["_" + column.rsplit("_", 1)[1]], column


def test_timestamps_soft_deletes_and_nested_values_are_typed(declared):
    prospects = declared["prospects"]["properties"]
    assert prospects["trashedAt"] == {
        **prospects["trashedAt"],
        "type": ["string", "null"],
        "format": "date-time",
    }
    assert declared["opportunities"]["properties"]["trashedAt"]["format"] == "date-time"
    assert prospects["mobilePhones"]["items"]["type"] == ["string", "null"]
    # "[inboundCount, outboundCount]" per month, as the spec's prose says.
    assert prospects["contactHistogram"]["items"]["items"]["type"] == ["integer", "null"]
    assert declared["events"]["properties"]["payload"] == {
        "type": ["object", "null"],
        "description": declared["events"]["properties"]["payload"]["description"],
    }
    assert declared["tasks"]["properties"]["subject_type"]["type"] == ["string", "null"]
    assert "opportunity_stages" in declared["opportunities"]["properties"]["stage_id"]["description"]


def test_replication_keys_are_what_the_spec_lets_us_filter_and_sort_on(catalog):
    for entry in catalog["streams"]:
        stream = entry["tap_stream_id"]
        key = entry.get("replication_key")
        attributes = _attributes(stream)
        if stream in FULL_TABLE:
            assert key is None
            assert not any(
                spec.get("x-filterable") and spec.get("x-sortable")
                for name, spec in attributes.items()
                if name in ("updatedAt", "createdAt")
            ), stream
            continue
        expected = "createdAt" if stream in BY_CREATED_AT else "updatedAt"
        assert key == expected, stream
        assert attributes[key].get("x-filterable") and attributes[key].get("x-sortable"), stream
        if stream in BY_CREATED_AT:
            assert "updatedAt" not in attributes or not attributes["updatedAt"].get("x-filterable")
            assert attributes["createdAt"].get("readOnly"), (
                "a bookmark on a writable field misses back-dated rows"
            )


# -- over HTTP: what the simulator serves is what the tap emits ------------------------------


@pytest.fixture(scope="module")
def served_and_emitted(tmp_path_factory) -> t.Iterator[tuple[t.Any, TapRun]]:
    sim = make_simulator(records=40, seed=7)
    with SandboxServer(sim) as server:
        yield sim, run_tap(TAP, fast_config(server.url, page_size=25), tmp_path_factory.mktemp("keys"))


def _served_keys(resource: dict[str, t.Any]) -> set[str]:
    keys = {"id", *resource["attributes"]}
    for name, relationship in resource["relationships"].items():
        data = relationship.get("data", ...)
        if data is ...:
            continue
        if isinstance(data, list):
            keys.add(f"{name}_ids")
        else:
            keys.add(f"{name}_id")
    return keys


@pytest.mark.parametrize("stream", sorted(PATHS))
def test_every_key_the_api_serves_arrives_declared_or_in_sdc_extra(stream, served_and_emitted):
    sim, run = served_and_emitted
    assert run.returncode == 0, run.stderr[-2000:]
    records = run.records(stream)
    assert sorted(r["id"] for r in records) == sim.ids(PATHS[stream])
    declared = set(run.schemas()[stream]["schema"]["properties"])
    for record in records:
        served = _served_keys(sim.resource_object(PATHS[stream], record["id"]))
        extra = record.get(EXTRA_COLUMN) or {}
        emitted = {key for key, value in record.items() if key != EXTRA_COLUMN} | set(extra)
        # Polymorphic relationships add their type; nothing served is lost.
        assert served <= emitted, sorted(served - emitted)
        assert emitted - served <= {k for k in declared if k.endswith("_type")}
        assert set(extra) == served - declared, "undeclared keys land in _sdc_extra, declared ones never do"


def test_free_form_objects_survive_flattening_as_one_json_column(only, tmp_path):
    sim = make_simulator(records=10)
    cfg, catalog = only(["events", "users"], sim, flattening_enabled=True, flattening_max_depth=5)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    events = run.schemas()["events"]["schema"]["properties"]
    assert not [name for name in events if name.startswith("payload_")]
    for record in run.records("events"):
        served = sim.resource_object("events", record["id"])["attributes"]["payload"]
        assert (json.loads(record["payload"]) if record["payload"] is not None else None) == served
    assert "duties" in run.schemas()["users"]["schema"]["properties"]
