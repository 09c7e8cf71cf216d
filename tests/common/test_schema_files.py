"""The shared reader of the taps' committed schema files."""

from __future__ import annotations

from tap_common.schemas import EXTRA_COLUMN, SchemaFiles, with_properties

FILES = SchemaFiles("tap_persistiq.schemas")


def test_load_gives_each_caller_its_own_copy_of_the_committed_schema():
    first = FILES.load("users")
    first["properties"]["added_by_a_caller"] = {"type": ["string", "null"]}
    second = FILES.load("users")
    assert "added_by_a_caller" not in second["properties"]
    assert second["properties"]["id"]["type"] == "string"
    assert second == FILES.read("users.json")


def test_files_in_a_folder_of_a_package_are_read_too():
    reports = SchemaFiles("tap_five9", "schemas").read("reports.json")
    assert set(reports) == {"call_log", "agent_login_logout"}
    assert "call_id" in reports["call_log"]["key_properties"]


def test_added_properties_go_before_sdc_extra_which_stays_last():
    schema = FILES.load("users")
    extended = with_properties(schema, {"sync_bookmark": {"type": ["string", "null"]}})
    names = list(extended["properties"])
    assert names[-2:] == ["sync_bookmark", EXTRA_COLUMN]
    assert set(names) == set(schema["properties"]) | {"sync_bookmark"}
    assert "sync_bookmark" not in schema["properties"]
