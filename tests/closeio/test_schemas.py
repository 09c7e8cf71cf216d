"""The streams' schemas hold everything Close documents, and nothing is lost silently.

The simulator serves fakes of each resource's full documented schema (the committed
`resources/closeio.json`, derived from Close's OpenAPI) plus keys no spec documents; a tap
schema narrower than Close's documentation fails here.
"""

from __future__ import annotations

import json
import typing as t
from importlib import resources

import pytest
from suite_sandbox import SandboxServer
from suite_sandbox.closeio import make_simulator
from suite_sandbox.closeio.records import ACTIVITY_TYPES, TASK_TYPES
from suite_sandbox.fake import UNDOCUMENTED_KEYS
from tap_common.schemas import FREE_OBJECT, schema_problems

from tests.closeio.helpers import catalog, search_bodies, sync

RESOURCES = json.loads(resources.files("suite_sandbox").joinpath("resources", "closeio.json").read_text())

#: Stream -> the Close resources it syncs (as named in resources/closeio.json).
STREAM_RESOURCES: dict[str, list[str]] = {
    "leads": ["lead"],
    "contacts": ["contact"],
    "opportunities": ["opportunity"],
    "activities": [f"activity.{kind}" for kind in ACTIVITY_TYPES],
    "lead_activities": [f"activity.{kind}" for kind in ACTIVITY_TYPES],
    "tasks": [f"task.{kind}" for kind in TASK_TYPES],
    "event_log": ["event"],
    "users": ["user"],
    "roles": ["role"],
    "groups": ["group"],
    "custom_fields": ["custom_field"],
    "contact_custom_fields": ["custom_field"],
    "opportunity_custom_fields": ["custom_field"],
    "activity_custom_fields": ["custom_field"],
    "shared_custom_fields": ["custom_field"],
    "custom_object_custom_fields": ["custom_field"],
    "custom_activity_types": ["custom_activity_type"],
    "custom_object_types": ["custom_object_type"],
    "custom_objects": ["custom_object"],
    "pipelines": ["pipeline"],
    "opportunity_statuses": ["opportunity_status"],
    "lead_statuses": ["lead_status"],
    "email_templates": ["email_template"],
    "sms_templates": ["sms_template"],
    "sequences": ["sequence"],
    "sequence_subscriptions": ["sequence_subscription"],
    "smart_views": ["saved_search"],
    "connected_accounts": ["connected_account"],
    "send_as": ["send_as"],
    "dialer_sessions": ["dialer"],
    "integration_links": ["integration_link"],
    "outcomes": ["outcome"],
    "phone_numbers": ["phone_number"],
    "email_bulk_actions": ["email_bulk_action"],
    "edit_bulk_actions": ["edit_bulk_action"],
    "delete_bulk_actions": ["delete_bulk_action"],
    "sequence_subscription_bulk_actions": ["sequence_subscription_bulk_action"],
}

#: Documented properties a stream deliberately does not declare, and why.
EXCLUDED: dict[tuple[str, str], str] = {
    # Close's deprecated name-keyed copy of the custom.cf_* values ("using the `custom` field
    # dict ... is deprecated"): each custom field is its own typed column (custom_<name>).
    ("leads", "custom"): "deprecated duplicate of the custom.cf_* values",
}


@pytest.fixture(scope="module")
def discovered() -> t.Iterator[dict[str, dict]]:
    with SandboxServer(make_simulator(records=10)) as server:
        found = catalog(server.url, STREAM_RESOURCES)
    yield {entry["tap_stream_id"]: entry for entry in found["streams"]}


def test_every_stream_is_mapped_to_the_resources_it_syncs(discovered):
    assert set(discovered) == set(STREAM_RESOURCES)


@pytest.mark.parametrize("stream", sorted(STREAM_RESOURCES))
def test_the_schema_follows_the_suite_conventions(discovered, stream):
    entry = discovered[stream]
    assert schema_problems(entry["schema"], key_properties=entry["key_properties"]) == []


def _paths(schema: dict, prefix: str = "") -> t.Iterator[str]:
    for name, spec in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        yield path
        yield from _paths(spec, f"{path}.")
        items = spec.get("items")
        if isinstance(items, dict):
            yield from _paths(items, f"{path}[].")


@pytest.mark.parametrize("stream", sorted(STREAM_RESOURCES))
def test_every_documented_property_is_declared_or_excluded_with_a_reason(discovered, stream):
    declared = set(_paths(discovered[stream]["schema"]))
    missing = sorted(
        path
        for resource in STREAM_RESOURCES[stream]
        for path in _paths(RESOURCES[resource])
        if path not in declared
        and not any(path == ex or path.startswith(f"{ex}.") for s, ex in EXCLUDED if s == stream)
    )
    assert missing == [], f"{stream}: documented but neither declared nor excluded: {missing}"


def test_free_form_objects_have_no_properties_so_flattening_keeps_them_whole(discovered, serve, tmp_path):
    event = discovered["event_log"]["schema"]["properties"]
    for name in ("data", "meta", "previous_data"):
        assert event[name] == {
            **FREE_OBJECT,
            **({"description": event[name]["description"]} if "description" in event[name] else {}),
        }
    simulator = make_simulator(records=30)
    url = serve(simulator).url
    run = sync(url, tmp_path, streams=["event_log"], flattening_enabled=True, flattening_max_depth=3)
    assert run.returncode == 0, run.stderr
    properties = run.schemas()["event_log"]["schema"]["properties"]
    assert {"data", "meta", "previous_data"} <= set(properties)
    assert not any(name.startswith(("data__", "meta__")) for name in properties)
    assert any(r["data"] for r in run.records("event_log"))


@pytest.fixture(scope="module")
def served_and_emitted(tmp_path_factory):
    simulator = make_simulator(records=60, record_served=True)
    with SandboxServer(simulator) as server:
        run = sync(server.url, tmp_path_factory.mktemp("keys"))
    assert run.returncode == 0, run.stderr
    return simulator, run


#: Stream -> (request path it is read from, search object type if any).
SOURCES = {
    "leads": ("/api/v1/data/search/", "lead"),
    "contacts": ("/api/v1/data/search/", "contact"),
    "custom_objects": ("/api/v1/data/search/", "custom_object"),
    "opportunities": ("/api/v1/opportunity/", None),
    "activities": ("/api/v1/activity/", None),
    "lead_activities": ("/api/v1/activity/", None),
    "tasks": ("/api/v1/task/", None),
    "event_log": ("/api/v1/event/", None),
    "users": ("/api/v1/user/", None),
    "roles": ("/api/v1/role/", None),
    "groups": ("/api/v1/group/", None),
    "custom_fields": ("/api/v1/custom_field/lead/", None),
    "contact_custom_fields": ("/api/v1/custom_field/contact/", None),
    "opportunity_custom_fields": ("/api/v1/custom_field/opportunity/", None),
    "activity_custom_fields": ("/api/v1/custom_field/activity/", None),
    "shared_custom_fields": ("/api/v1/custom_field/shared/", None),
    "custom_object_custom_fields": ("/api/v1/custom_field/custom_object_type/", None),
    "custom_activity_types": ("/api/v1/custom_activity/", None),
    "custom_object_types": ("/api/v1/custom_object_type/", None),
    "pipelines": ("/api/v1/pipeline/", None),
    "opportunity_statuses": ("/api/v1/status/opportunity/", None),
    "lead_statuses": ("/api/v1/status/lead/", None),
    "email_templates": ("/api/v1/email_template/", None),
    "sms_templates": ("/api/v1/sms_template/", None),
    "sequences": ("/api/v1/sequence/", None),
    "sequence_subscriptions": ("/api/v1/sequence_subscription/", None),
    "smart_views": ("/api/v1/saved_search/", None),
    "connected_accounts": ("/api/v1/connected_account/", None),
    "send_as": ("/api/v1/send_as/", None),
    "dialer_sessions": ("/api/v1/dialer/", None),
    "integration_links": ("/api/v1/integration_link/", None),
    "outcomes": ("/api/v1/outcome/", None),
    "phone_numbers": ("/api/v1/phone_number/", None),
    "email_bulk_actions": ("/api/v1/bulk_action/email/", None),
    "edit_bulk_actions": ("/api/v1/bulk_action/edit/", None),
    "delete_bulk_actions": ("/api/v1/bulk_action/delete/", None),
    "sequence_subscription_bulk_actions": ("/api/v1/bulk_action/sequence_subscription/", None),
}


def test_every_stream_is_compared_with_what_the_simulator_served():
    assert set(SOURCES) == set(STREAM_RESOURCES)


@pytest.mark.parametrize("stream", sorted(SOURCES))
def test_every_key_served_arrives_declared_and_undocumented_ones_in_sdc_extra(served_and_emitted, stream):
    simulator, run = served_and_emitted
    path, object_type = SOURCES[stream]
    served = {
        row["id"]: row
        for row in simulator.served[path]
        if object_type is None or row.get("__object_type") == object_type
    }
    records = run.records(stream)
    assert records
    undocumented_seen = 0
    for record in records:
        row = served[record["id"]]
        extra = record.get("_sdc_extra") or {}
        sent = {k for k in row if not k.startswith("custom") and k != "__object_type"}
        undocumented = {k for k in sent if k in UNDOCUMENTED_KEYS}
        emitted = {k for k in record if not k.startswith(("custom_", "_sdc_"))} - {"custom_activity_type_id"}
        assert emitted == sent - undocumented - {"custom_activity_type_id"}, record["id"]
        assert {k for k in extra if "." not in k and "[" not in k} == undocumented, record["id"]
        assert all(extra[k] == row[k] for k in undocumented)
        undocumented_seen += len(undocumented)
    if len(records) >= 20 and stream not in (
        "leads",
        "contacts",
        "custom_objects",
    ):  # search: asked-for fields only
        assert undocumented_seen, f"{stream}: the simulator served no undocumented key to check"


def test_keys_nested_in_a_lead_arrive_declared_or_in_sdc_extra(served_and_emitted):
    simulator, run = served_and_emitted
    served = {row["id"]: row for row in simulator.served["/api/v1/data/search/"]}
    moved = 0
    for record in run.records("leads"):
        for n, contact in enumerate(served[record["id"]]["contacts"]):
            for key in contact:
                if key in UNDOCUMENTED_KEYS:
                    assert record["_sdc_extra"][f"contacts[{n}].{key}"] == contact[key]
                    moved += 1
                elif not key.startswith("custom"):
                    assert key in record["contacts"][n], key
    assert moved


@pytest.mark.parametrize(
    "stream, object_type", [("leads", "lead"), ("contacts", "contact"), ("custom_objects", "custom_object")]
)
def test_the_search_asks_for_every_documented_field(served_and_emitted, stream, object_type):
    """The search returns only the fields it is asked for: a field left out is lost."""
    simulator, _ = served_and_emitted
    asked = set(search_bodies(simulator, object_type)[0]["_fields"][object_type])
    documented = {
        name
        for resource in STREAM_RESOURCES[stream]
        for name in RESOURCES[resource]["properties"]
        if (stream, name) not in EXCLUDED
    }
    assert documented - asked == set()
