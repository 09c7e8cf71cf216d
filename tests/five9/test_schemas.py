"""Schemas from Five9's evidence: conventions, coverage of documented columns, and the columns
the simulator prints against the keys the tap emits (over HTTP)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from suite_sandbox.fake import load_resources
from suite_sandbox.five9.soap import WSDL_FILE
from tap_common.schemas import EXTRA_COLUMN, schema_problems
from tap_five9 import schemas
from tap_five9.limits import DEFAULT_LIMITS, OPERATION_TYPES
from tap_five9.report_streams import field_name
from tap_five9.soap import FAULT_ADVICE, LIMIT_FAULT
from tap_five9.tap import TapFive9
from tap_five9.transport import RETRIABLE_FAULTS

from tests.conftest import run_tap
from tests.five9.test_reports_mode import config, simulator

STREAMS = ("call_log", "agent_login_logout")
BASE = {"username": "u@example.com", "password": "secret-pass", "start_date": "2024-01-01T00:00:00Z"}
WSDL = "{http://schemas.xmlsoap.org/wsdl/}"


def streams(mode: str) -> dict:
    return TapFive9(config={**BASE, "api_mode": mode}).streams


@pytest.mark.parametrize("mode", ["reports", "rest"])
def test_every_stream_schema_follows_the_suite_conventions(mode):
    found = streams(mode)
    assert list(found) == list(STREAMS)  # the seed's order: calls, then logins
    for stream in found.values():
        assert schema_problems(stream.schema, key_properties=stream.primary_keys) == [], stream.name
        assert EXTRA_COLUMN in stream.schema["properties"]
        assert list(stream.primary_keys) == schemas.REPORTS[stream.name]["key_properties"]


@pytest.mark.parametrize("stream", STREAMS)
def test_every_documented_column_of_a_synced_report_is_declared_or_excluded(stream):
    """Documented: the columns the evidence shows Five9 printing (the simulator's resources).
    A column left out must be in the generator's exclusion table, with its reason."""
    documented = load_resources("five9")[stream]["properties"]
    report = schemas.REPORTS[stream]
    declared = streams("reports")[stream].schema["properties"]
    missing = [
        c for c in documented if report["columns"].get(c) not in declared and c not in report["excluded"]
    ]
    assert missing == [], f"documented {stream} columns neither declared nor excluded: {missing}"
    assert all(reason.strip() for reason in report["excluded"].values())
    assert all(report["columns"][c] == field_name(c) for c in report["columns"])


@pytest.mark.parametrize("stream", STREAMS)
def test_declared_types_are_the_types_five9_prints(stream):
    """RECORDINGS is text (`09:00:25(0:43)`), durations HH:MM:SS text, counts integers."""
    declared = streams("reports")[stream].schema["properties"]
    for column, evidence in load_resources("five9")[stream]["properties"].items():
        spec = declared[field_name(column)]
        kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        assert set(kinds) - {"null"} == set(evidence["type"]) - {"null"}, column
        assert spec.get("format") == evidence.get("format"), column
    if stream == "call_log":
        assert declared["recordings"]["type"] == ["string", "null"]


def test_the_fault_names_and_operation_types_the_tap_uses_are_the_wsdls():
    faults = {op: set(spec["faults"]) for op, spec in schemas.SOAP["operations"].items()}
    kinds = set(schemas.SOAP["apiOperationType"])
    assert set(OPERATION_TYPES.values()) <= kinds and set(DEFAULT_LIMITS) <= kinds
    assert {"ReportRequest", "RetrieveReport"} <= kinds and not {"ReportRun", "ReportResult"} & kinds
    every_fault = set().union(*faults.values())
    assert RETRIABLE_FAULTS | {LIMIT_FAULT} | set(FAULT_ADVICE) <= every_fault
    assert "ResultIsNotReadyFault" in faults["getReportResultCsv"]


def test_the_simulators_wsdl_declares_the_tap_operations_with_their_wsdl_faults():
    root = ET.parse(WSDL_FILE).getroot()  # noqa: S314 - the repository's own generated file
    port = root.find(f"{WSDL}portType")
    operations = {op.get("name"): op for op in port.iter(f"{WSDL}operation")}
    assert set(operations) == set(schemas.SOAP["operations"])
    messages = {m.get("name"): m for m in root.iter(f"{WSDL}message")}
    for name, operation in operations.items():
        declared = {
            messages[f.get("message").split(":")[1]].find(f"{WSDL}part").get("element").split(":")[1]
            for f in operation.iter(f"{WSDL}fault")
        }
        assert declared == set(schemas.SOAP["operations"][name]["faults"])
    imports = [i.get("schemaLocation") for i in root.iter("{http://www.w3.org/2001/XMLSchema}import")]
    assert "http://ws-i.org/profiles/basic/1.1/swaref.xsd" in imports  # as Five9 serves it


@pytest.mark.parametrize("stream", STREAMS)
def test_the_columns_the_simulator_prints_are_the_keys_the_tap_emits(stream, serve, tmp_path):
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)
    assert run.returncode == 0, run.stderr
    records = run.records(stream)
    assert records
    *documented, undocumented = sim.columns(stream)
    fields = {field_name(c) for c in documented}
    # Every documented column arrives under its field in every record, the rest in _sdc_extra.
    assert all(set(r) - {EXTRA_COLUMN} == fields for r in records)
    extras = [r[EXTRA_COLUMN] for r in records if EXTRA_COLUMN in r]
    assert extras and all(set(extra) == {field_name(undocumented)} for extra in extras)
    assert f"{stream}: fields the schema does not declare" in run.stderr
