"""The schemas say what PersistIQ documents, and nothing the API sends is lost on the way."""

from __future__ import annotations

import json

import pytest
from suite_sandbox.fake import UNDOCUMENTED_KEYS, load_resources
from suite_sandbox.persistiq import demo_config, make_simulator
from tap_common.schemas import EXTRA_COLUMN, schema_problems

from tests.conftest import run_tap
from tests.persistiq.helpers import LISTS, TAP, catalog, extra_paths, fast, key_paths, served

#: Documented properties a stream does not declare, each with the reason. Nothing today: an
#: entry here is a decision, written down, never a silent gap.
NOT_DECLARED: dict[tuple[str, str], str] = {}

#: Properties the tap adds to what PersistIQ sends.
ADDED_BY_THE_TAP = {("leads", "sync_bookmark"): "the leads bookmark (PersistIQ returns no update time)"}


@pytest.fixture(scope="module")
def discovered(request):
    from suite_sandbox import SandboxServer

    with SandboxServer(make_simulator(records=10, rate_limit_per_minute=None)) as server:
        yield {e["tap_stream_id"]: e for e in catalog(fast(demo_config(server.url)))["streams"]}


def _types(spec: dict) -> set[str]:
    kind = spec.get("type")
    kinds = {kind} if isinstance(kind, str) else set(kind or ())
    return kinds - {"null"}


def _documented(schema: dict, prefix: str = "") -> dict[str, dict]:
    """Property path -> its schema, through nested objects and array items."""
    found: dict[str, dict] = {}
    for name, spec in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        found[path] = spec
        found.update(_documented(spec, path))
        if isinstance(spec.get("items"), dict):
            found.update(_documented(spec["items"], f"{path}[]"))
    return found


def test_every_documented_property_of_a_synced_resource_is_declared_with_its_type(discovered):
    resources = load_resources("persistiq")
    assert set(resources) == set(discovered), "a synced stream without a documented resource, or the reverse"
    missing, mistyped = [], []
    for stream, resource in resources.items():
        declared = _documented(discovered[stream]["schema"])
        for path, spec in _documented(resource).items():
            if (stream, path) in NOT_DECLARED:
                continue
            if path not in declared:
                missing.append(f"{stream}.{path}")
                continue
            have = declared[path]
            if (_types(spec) and _types(have) != _types(spec)) or spec.get("format") != have.get("format"):
                mistyped.append(f"{stream}.{path}: documented {spec}, declared {have}")
    assert missing == []
    assert mistyped == []


def test_every_stream_follows_the_schema_conventions(discovered):
    for stream, entry in discovered.items():
        assert schema_problems(entry["schema"], key_properties=entry["key_properties"]) == [], stream
        assert EXTRA_COLUMN in entry["schema"]["properties"]
    # Free-form objects carry no `properties` key, so flattening keeps them as one JSON column.
    events = discovered["events"]["schema"]["properties"]
    for name in ("data", "params", "diff", "campaign", "lead"):
        assert events[name] == {"type": ["object", "null"]}, name
    assert events["created_at"]["format"] == "date-time"
    leads = discovered["leads"]["schema"]["properties"]
    assert leads["bounced"]["type"] == ["boolean", "null"]
    assert leads["sent_count"]["type"] == ["integer", "null"]
    assert leads["last_sent_at"]["format"] == "date-time"


def test_the_companys_lead_fields_are_discovered_as_typed_data_properties(serve, tmp_path):
    simulator = make_simulator(records=30, custom_fields=4, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url))
    streams = {e["tap_stream_id"]: e["schema"] for e in catalog(config)["streams"]}
    for data in (
        streams["leads"]["properties"]["data"],
        streams["campaign_leads"]["properties"]["lead"]["properties"]["data"],
    ):
        for name in ("industry_segment", "deal_size", "custom_2", "custom_3", "email", "snippet4"):
            assert data["properties"][name]["type"] == ["string", "null"], name

    leads_only = catalog(config, ["leads"])
    simulator.requests.clear()
    run = run_tap(TAP, config, tmp_path, catalog=leads_only)
    assert run.returncode == 0, run.stderr
    lead = run.records("leads")[0]
    assert set(simulator.custom_field_names) <= set(lead["data"])
    assert not any(path.startswith("data.") for path in lead.get(EXTRA_COLUMN) or {})
    # With a catalog, the catalog's schema is synced: no lead fields are read for it.
    assert simulator.requests_to(r"^/v1/lead_fields$") == []


def test_a_lead_field_added_after_discovery_arrives_in_sdc_extra(serve, tmp_path):
    simulator = make_simulator(records=30, custom_fields=2, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url))
    leads_only = catalog(config, ["leads"])
    simulator.custom_field_names.append("added_later")
    run = run_tap(TAP, config, tmp_path, catalog=leads_only)
    assert run.returncode == 0, run.stderr
    assert all("data.added_later" in r[EXTRA_COLUMN] for r in run.records("leads"))
    assert "data.added_later (30)" in run.stderr


@pytest.mark.parametrize("stream", [*LISTS, "campaign_leads"])
def test_every_key_the_api_serves_arrives_declared_or_in_sdc_extra(stream, serve, tmp_path):
    simulator = make_simulator(
        records=60,
        users=30,
        campaigns=20,
        events=60,
        lead_statuses=40,
        custom_fields=20,
        rate_limit_per_minute=None,
    )
    server = serve(simulator)
    config = fast(demo_config(server.url))
    if stream == "campaign_leads":
        sent = [
            r for c in range(20) for r in served(server.url, f"campaigns/c_{c:05d}/leads", "campaign_leads")
        ]
        run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["campaigns", "campaign_leads"]))
    else:
        sent = served(server.url, LISTS[stream], LISTS[stream])
        run = run_tap(TAP, config, tmp_path, catalog=catalog(config, [stream]))
    assert run.returncode == 0, run.stderr
    emitted = {r["id"]: r for r in run.records(stream)}
    assert set(emitted) == {r["id"] for r in sent}
    added = {path for (name, path) in ADDED_BY_THE_TAP if name == stream}
    moved: set[str] = set()
    for record in sent:
        out = emitted[record["id"]]
        declared = key_paths({k: v for k, v in out.items() if k != EXTRA_COLUMN}) - added
        assert key_paths(record) == declared | extra_paths(out), record["id"]
        moved |= extra_paths(out)
    # Only what no spec documents is in _sdc_extra; every documented field was served.
    assert moved and all(path.rsplit(".", 1)[-1] in UNDOCUMENTED_KEYS for path in moved), moved


def test_booleans_sent_as_strings_keep_their_meaning(serve, tmp_path):
    simulator = make_simulator(records=60, campaigns=2, rate_limit_per_minute=None)
    server = serve(simulator)
    config = fast(demo_config(server.url))
    sent = {r["id"]: r for r in served(server.url, "leads", "leads")}
    as_text = {i: r for i, r in sent.items() if isinstance(r["bounced"], str)}
    assert {r["bounced"] for r in as_text.values()} == {"true", "false"}
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["leads", "campaigns", "campaign_leads"]))
    assert run.returncode == 0, run.stderr
    leads = {r["id"]: r for r in run.records("leads")}
    embedded = {r["lead"]["id"]: r["lead"] for r in run.records("campaign_leads")}
    for lead_id, record in as_text.items():
        for out in filter(None, (leads[lead_id], embedded.get(lead_id))):
            assert out["bounced"] is (record["bounced"] == "true")
            assert out["optedout"] is (record["optedout"] == "true")
            assert "bounced" not in (out.get(EXTRA_COLUMN) or {})


def test_free_form_event_objects_survive_flattening(serve, tmp_path):
    simulator = make_simulator(records=20, events=20, rate_limit_per_minute=None)
    config = fast(demo_config(serve(simulator).url), flattening_enabled=True, flattening_max_depth=3)
    run = run_tap(TAP, config, tmp_path, catalog=catalog(config, ["events", "leads"]))
    assert run.returncode == 0, run.stderr
    columns = run.schemas()["events"]["schema"]["properties"]
    for name in ("data", "params", "diff", "campaign", "lead"):
        assert name in columns, sorted(columns)
    event = run.records("events")[0]
    sent = simulator.events.row(0)
    for name in ("data", "params", "diff"):
        value = event[name]
        assert (json.loads(value) if isinstance(value, str) else value) == sent[name]
    # The company's lead fields are columns of their own once flattened.
    lead_columns = run.schemas()["leads"]["schema"]["properties"]
    assert {"data__industry_segment", "data__deal_size", "data__email"} <= set(lead_columns)
