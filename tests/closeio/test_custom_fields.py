"""Custom fields of leads, contacts, opportunities and custom activities: named and typed."""

from __future__ import annotations

import pytest
from suite_sandbox.closeio import make_simulator

from tests.closeio.helpers import catalog, config_for, search_bodies, sync
from tests.conftest import run_tap

LEAD_NAMES = {
    "cf_AnnRev01": "custom_annual_revenue",
    "cf_Renew02": "custom_renewal_date",
    "cf_Demo03": "custom_last_demo_at",
    "cf_Source04": "custom_lead_source",
    "cf_Interest05": "custom_product_interest",
    "cf_Owner06": "custom_account_owner",
    "cf_Notes07": "custom_notes_short",
    # shared custom fields, associated with leads (listed by /custom_field_schema/lead/ only)
    "cf_Region21": "custom_region",
    "cf_Tier22": "custom_customer_tier",
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    from suite_sandbox import SandboxServer

    simulator = make_simulator(records=60)
    with SandboxServer(simulator) as server:
        run = sync(
            server.url,
            tmp_path_factory.mktemp("custom"),
            streams=["leads", "contacts", "opportunities", "activities", "custom_objects"],
        )
    assert run.returncode == 0, run.stderr
    return simulator, run


def _custom(record: dict) -> dict:
    return {k: v for k, v in record.items() if k.startswith("custom_") and k != "custom_activity_type_id"}


def test_lead_custom_fields_regular_and_shared_are_named_and_typed(synced):
    simulator, run = synced
    schema = run.schemas()["leads"]["schema"]["properties"]
    assert schema["custom_annual_revenue"]["type"] == ["number", "null"]
    assert schema["custom_renewal_date"]["format"] == "date"
    assert schema["custom_last_demo_at"]["format"] == "date-time"
    assert schema["custom_lead_source"]["type"] == ["string", "null"]
    assert schema["custom_product_interest"]["type"] == ["array", "null"]
    assert schema["custom_product_interest"]["items"]["type"] == ["string", "null"]
    assert schema["custom_region"]["type"] == ["string", "null"]
    assert schema["custom_customer_tier"]["type"] == ["number", "null"]
    for n, record in enumerate(run.records("leads")):
        assert not [k for k in record if k.startswith("custom.") or k == "custom"]
        raw = simulator.leads.row(n)
        expected = {LEAD_NAMES[k[len("custom.") :]]: v for k, v in raw.items() if k.startswith("custom.")}
        assert _custom(record) == expected
    assert any(isinstance(r.get("custom_annual_revenue"), float) for r in run.records("leads"))
    assert any("custom_region" in r for r in run.records("leads"))
    # The search asks for each custom field by id (it returns only what it is asked for).
    fields = search_bodies(simulator, "lead")[0]["_fields"]["lead"]
    assert {f"custom.{cf}" for cf in LEAD_NAMES} <= set(fields)


def test_contacts_and_opportunities_carry_their_own_and_shared_custom_fields(synced):
    simulator, run = synced
    contact = run.schemas()["contacts"]["schema"]["properties"]
    assert contact["custom_engagement_score"]["type"] == ["number", "null"]
    assert contact["custom_job_level"]["type"] == ["string", "null"]
    assert "custom_region" in contact
    assert "custom_customer_tier" not in contact  # shared, but not associated with contacts
    opportunity = run.schemas()["opportunities"]["schema"]["properties"]
    assert opportunity["custom_expected_close"]["format"] == "date"
    assert opportunity["custom_deal_source"]["type"] == ["string", "null"]
    assert "custom_region" in opportunity
    for stream, table in (("contacts", simulator.contacts), ("opportunities", simulator.opportunities)):
        records = run.records(stream)
        assert all(not any(k.startswith("custom.") for k in r) for r in records), stream
        raw_counts = sum(1 for i in range(table.n) for k in table.row(i) if k.startswith("custom."))
        assert sum(len(_custom(r)) for r in records) == raw_counts, stream
    # A lead's embedded contacts and opportunities are named the same way.
    embedded = [c for lead in run.records("leads") for c in lead["contacts"]]
    assert any("custom_job_level" in c for c in embedded)
    assert not any(k.startswith("custom.") for c in embedded for k in c)
    leads_schema = run.schemas()["leads"]["schema"]["properties"]
    assert "custom_job_level" in leads_schema["contacts"]["items"]["properties"]
    assert "custom_deal_source" in leads_schema["opportunities"]["items"]["properties"]


def test_custom_activity_fields_are_named_typed_and_kept_clear_of_built_in_columns(synced):
    _, run = synced
    schema = run.schemas()["activities"]["schema"]["properties"]
    assert schema["custom_rating"]["type"] == ["number", "null"]
    assert schema["custom_demo_notes"]["type"] == ["string", "null"]
    assert schema["custom_stage"]["type"] == ["array", "null"]
    assert schema["custom_customer_tier"]["type"] == ["number", "null"]  # shared with a type
    # "Activity Type Id" would be `custom_activity_type_id`, a built-in activity property.
    assert schema["custom_activity_type_id"]["type"] == ["string", "null"]
    assert "custom_activity_type_id_cf_acttypeid44" in schema
    custom = [r for r in run.records("activities") if r["_type"] == "CustomActivity"]
    assert custom and all(r["custom_activity_type_id"].startswith("actitype_") for r in custom)
    assert any("custom_rating" in r for r in custom)
    assert any("custom_activity_type_id_cf_acttypeid44" in r for r in custom)
    assert not any(k.startswith("custom.") for r in run.records("activities") for k in r)


def test_custom_objects_come_from_the_search_with_their_types_custom_fields(synced):
    simulator, run = synced
    schema = run.schemas()["custom_objects"]["schema"]["properties"]
    assert schema["custom_size"]["type"] == ["number", "null"]
    assert schema["custom_due"]["format"] == "date"
    records = run.records("custom_objects")
    assert [r["id"] for r in records] == simulator.ids(simulator.custom_objects)
    assert all(r["custom_object_type_id"] == "cotype_Proj01" for r in records)
    assert any("custom_size" in r for r in records)
    fields = search_bodies(simulator, "custom_object")[0]["_fields"]["custom_object"]
    assert {"custom.cf_ObjSize61", "custom.cf_ObjDue62", "name", "lead_id"} <= set(fields)


def test_a_custom_field_created_after_discovery_is_kept_in_sdc_extra(serve, tmp_path):
    simulator = make_simulator(records=20)
    url = serve(simulator).url
    saved = catalog(url, ["opportunities"])
    # A field the saved catalog has no column for: its values reach the target in _sdc_extra.
    simulator.late_fields["opportunities"] = {"custom.cf_New99": "new value"}
    run = run_tap("tap-closeio", config_for(url), tmp_path, catalog=saved)
    assert run.returncode == 0, run.stderr
    records = run.records("opportunities")
    assert records and all(r["_sdc_extra"]["custom.cf_New99"] == "new value" for r in records)
    assert "custom.cf_New99" in run.stderr  # the end-of-run warning names it


def test_custom_activity_and_object_types_cost_one_request_each_per_run(serve, tmp_path):
    """The types are read once to type the custom fields; their streams emit those same
    records instead of asking again."""
    import requests
    from suite_sandbox.closeio import API_KEY

    simulator = make_simulator(records=30)
    server = serve(simulator)
    chosen = catalog(server.url, ["custom_activity_types", "custom_object_types", "activities"])
    simulator.requests.clear()  # discovery read them once too: count the sync alone
    run = run_tap("tap-closeio", config_for(server.url), tmp_path, catalog=chosen)
    assert run.returncode == 0, run.stderr
    assert len(simulator.requests_to(r"/custom_activity/$")) == 1
    assert len(simulator.requests_to(r"/custom_object_type/$")) == 1
    served = requests.get(f"{server.url}/api/v1/custom_activity/", auth=(API_KEY, ""), timeout=10).json()[
        "data"
    ]
    assert sorted(r["id"] for r in run.records("custom_activity_types")) == sorted(t["id"] for t in served)
