"""Five9: stream schemas, simulator resources and the project's WSDL, from Five9's own evidence.

Five9 publishes no schema of its report columns, so the columns come from the reviewable table
below (`CALL_LOG`, `AGENT_LOGIN_LOGOUT`: each column as Five9 prints it, its type, and the
evidence for it, `EVIDENCE`). Everything about the SOAP API comes from the real v13 WSDL
(`five9-config-webservices-v13.wsdl`): the operations the tap calls, their faults, the
`apiOperationType` values Five9 counts limits by, and the types of `getCallCountersState`.

Written (never a copy of a spec file):
- `taps/tap-five9/tap_five9/schemas/<stream>.json`: the streams' JSON Schemas (`_sdc_extra` included);
- `taps/tap-five9/tap_five9/schemas/reports.json`: per report, its folder/name, column -> field,
  and the documented columns deliberately not declared (`EXCLUDED`, with why);
- `taps/tap-five9/tap_five9/schemas/soap.json`: operations -> faults, `apiOperationType` values;
- `sandbox/suite_sandbox/resources/five9.json`: what the simulator prints (columns as Five9 names
  them, with their print form), and the WSDL types of the limits call;
- `sandbox/suite_sandbox/five9_wsdl/AdminWebService.wsdl`: the real WSDL trimmed to the operations
  above with their messages, types and faults (XML, so it is written here; see `write_wsdl`).
"""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

from lxml import etree

from specs.openapi import stream_schema

REPO = Path(__file__).resolve().parents[2]
WSDL_NAME = "five9-config-webservices-v13.wsdl"
WSDL_OUT = Path("sandbox/suite_sandbox/five9_wsdl/AdminWebService.wsdl")
NS = {
    "wsdl": "http://schemas.xmlsoap.org/wsdl/",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
}
TNS = "http://service.admin.ws.five9.com/"
#: Where the WSDL Five9 serves imports swaref.xsd from (the spec copy was repointed by its author).
SWAREF_LOCATION = "http://ws-i.org/profiles/basic/1.1/swaref.xsd"
SWAREF_NAMESPACE = "http://ws-i.org/profiles/basic/1.1/xsd"

#: The operations the tap calls (report runs and the domain's limits).
OPERATIONS = ("runReport", "isReportRunning", "getReportResultCsv", "getCallCountersState")
#: WSDL types the simulator and the tap read (the limits call's answer).
LIMIT_TYPES = ("limitTimeoutState", "callCounterState", "apiOperationType")

# -- evidence ---------------------------------------------------------------------------

EVIDENCE = {
    "export": (
        "Call Log rows of a live domain quoted in public code (a Five9 call dashboard's mock of "
        "getReportResult output): all 25 standard columns, TIMESTAMP 'Thu, 27 Oct 2016 14:51:34', "
        "AGENT '[None]', CAMPAIGN '[Deleted]', COST 0.0036, durations 00:00:03, blank RING TIME, "
        "TRANSFERS, CONFERENCES, HOLDS, ABANDONED and RECORDINGS"
    ),
    "live-rows": (
        "Call Log rows from real domains (shared/api/five9.md corrections): RECORDINGS '09:00:25(0:43)', "
        "several such segments separated by spaces; AGENT '[None]' on agentless legs; the legs of a "
        "third-party transfer share one CALL ID, the second leg's CALL TYPE is '3rd party transfer'"
    ),
    "peers": (
        "the same column sets in the production taps Matatika/tap-five9 and Pathlight/tap-five9 "
        "(schemas/call_log.json, schemas/agent_login_logout.json)"
    ),
    "samples": (
        "Five9DeveloperProgram Configuration Web Services samples, examples/reporting/README.md: report "
        "date-times are in the data centre's time zone"
    ),
    "reference": (
        "Five9 Configuration Web Services reference (as scraped in Cloverhound/five9-cli): CSV dates "
        "'Mon, 05 Aug 2024', durations HH:MM:SS, flags 1/0, column names always English"
    ),
}


class Column(t.NamedTuple):
    """One report column as Five9 prints it."""

    name: str  # the CSV header, exactly
    type: str  # JSON type of the tap's field
    #: How Five9 prints it (the simulator prints it so): id, datetime, date, duration, money,
    #: count, flag, text, phone, agent, call-type, recordings.
    prints: str
    evidence: tuple[str, ...]
    description: str


# fmt: off
CALL_LOG = (
    Column("CALL ID", "string", "id", ("export", "live-rows", "peers"), "Digits; the legs of a transferred call share it, so it is not unique alone (key: call_id, timestamp, call_type)."),
    Column("TIMESTAMP", "date-time", "datetime", ("export", "samples"), "Start of this leg, printed in the data centre's time zone; UTC here."),
    Column("CAMPAIGN", "string", "text", ("export", "peers"), "Campaign name; '[Deleted]' for a deleted campaign."),
    Column("CALL TYPE", "string", "call-type", ("export", "live-rows"), "e.g. Inbound, Outbound, Manual, Autodial, '3rd party transfer' (the second leg of a transfer)."),
    Column("AGENT", "string", "agent", ("export", "live-rows", "peers"), "Agent username; Five9's '[None]' (an agentless leg) is null."),
    Column("AGENT NAME", "string", "text", ("export", "peers"), "Agent's full name."),
    Column("DISPOSITION", "string", "text", ("export", "peers"), "Disposition name, e.g. 'No Answer', 'Operator Intercept'."),
    Column("ANI", "string", "phone", ("export", "peers"), "Caller number, kept as text (leading zeros and '+')."),
    Column("CUSTOMER NAME", "string", "text", ("export", "peers"), "Contact name, often blank."),
    Column("DNIS", "string", "phone", ("export", "peers"), "Dialled number, kept as text."),
    Column("CALL TIME", "string", "duration", ("export", "reference"), "HH:MM:SS (a duration can pass 24 h)."),
    Column("BILL TIME (ROUNDED)", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("COST", "number", "money", ("export",), "Cost of the call, e.g. 0.0036."),
    Column("IVR TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("QUEUE WAIT TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("RING TIME", "string", "duration", ("export", "reference"), "HH:MM:SS; blank when the leg never rang an agent."),
    Column("TALK TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("HOLD TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("PARK TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("AFTER CALL WORK TIME", "string", "duration", ("export", "reference"), "HH:MM:SS."),
    Column("TRANSFERS", "integer", "count", ("export", "peers"), "Count; blank (null) when none."),
    Column("CONFERENCES", "integer", "count", ("export", "peers"), "Count; blank (null) when none."),
    Column("HOLDS", "integer", "count", ("export", "peers"), "Count; blank (null) when none."),
    Column("ABANDONED", "integer", "flag", ("export", "reference"), "1 or 0; blank (null) for legs it does not apply to."),
    Column("RECORDINGS", "string", "recordings", ("export", "live-rows"), "Text as Five9 prints it: start time and length of each recording, e.g. '09:00:25(0:43) 09:02:10(1:05)'."),
)

AGENT_LOGIN_LOGOUT = (
    Column("AGENT", "string", "agent", ("peers", "reference"), "Agent username."),
    Column("DATE", "date", "date", ("peers", "reference"), "Calendar day of the login in the data centre's time zone."),
    Column("AGENT FIRST NAME", "string", "text", ("peers",), "Agent's first name."),
    Column("AGENT LAST NAME", "string", "text", ("peers",), "Agent's last name."),
    Column("LOGIN TIMESTAMP", "date-time", "datetime", ("peers", "samples"), "Printed in the data centre's time zone; UTC here."),
    Column("LOGOUT TIMESTAMP", "date-time", "datetime", ("peers", "samples"), "Printed in the data centre's time zone; UTC here; blank while logged in."),
    Column("LOGIN TIME", "string", "duration", ("peers", "reference"), "HH:MM:SS logged in."),
)
# fmt: on

#: Documented columns a stream deliberately does not declare, with why. A column here still
#: reaches `_sdc_extra` (nothing is dropped); the coverage test fails on any documented column
#: that is neither declared nor listed here. Nothing is excluded today.
EXCLUDED: dict[str, dict[str, str]] = {"call_log": {}, "agent_login_logout": {}}


class Report(t.NamedTuple):
    stream: str
    folder: str
    report: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]


REPORTS = (
    Report("call_log", "Call Log Reports", "Call Log", CALL_LOG, ("call_id", "timestamp", "call_type")),
    Report(
        "agent_login_logout",
        "Agent Reports",
        "Agent Login-Logout",
        AGENT_LOGIN_LOGOUT,
        ("agent", "login_timestamp"),
    ),
)


def field_name(column: str) -> str:
    """`BILL TIME (ROUNDED)` -> `bill_time_rounded` (the tap's rule for every column)."""
    return "_".join("".join(c if c.isalnum() else " " for c in column.lower()).split())


def _evidence(column: Column) -> str:
    for key in column.evidence:
        if key not in EVIDENCE:
            raise SystemExit(f"five9: column {column.name!r} cites unknown evidence {key!r}")
    return "; ".join(column.evidence)


def _field_schema(column: Column) -> dict[str, t.Any]:
    if column.type in ("date-time", "date"):
        schema: dict[str, t.Any] = {"type": ["string", "null"], "format": column.type}
    else:
        schema = {"type": [column.type, "null"]}
    schema["description"] = f"{column.name}: {column.description}"
    return schema


def stream_schemas() -> dict[str, dict[str, t.Any]]:
    out = {}
    for report in REPORTS:
        excluded = EXCLUDED[report.stream]
        properties = {field_name(c.name): _field_schema(c) for c in report.columns if c.name not in excluded}
        out[report.stream] = stream_schema(properties, key_properties=report.keys)
    return out


def report_table() -> dict[str, t.Any]:
    """What the tap reads about each report: where it is, column -> field, and exclusions."""
    return {
        r.stream: {
            "folder": r.folder,
            "report": r.report,
            "key_properties": list(r.keys),
            "columns": {c.name: field_name(c.name) for c in r.columns if c.name not in EXCLUDED[r.stream]},
            "excluded": EXCLUDED[r.stream],
        }
        for r in REPORTS
    }


def simulator_resources(wsdl: etree._ElementTree) -> dict[str, t.Any]:
    """The columns as Five9 prints them (CSV order), the limits call's WSDL types, and the
    faults each operation the tap calls may answer."""
    resources: dict[str, t.Any] = {}
    for report in REPORTS:
        resources[report.stream] = {
            "type": "object",
            "description": f"Five9 report '{report.folder}/{report.report}', columns in CSV order.",
            "x-five9-report": [report.folder, report.report],
            "properties": {
                c.name: {
                    **_field_schema(c),
                    "x-five9-prints": c.prints,
                    "x-evidence": _evidence(c),
                }
                for c in report.columns
            },
        }
    schema = wsdl.find("wsdl:types/xs:schema", NS)
    for name in LIMIT_TYPES:
        resources[name] = _json_schema(schema, name)
    # The only faults the simulator may answer each operation with.
    resources["x-operation-faults"] = operation_faults(wsdl)
    return resources


def _json_schema(schema: etree._Element, name: str) -> dict[str, t.Any]:
    """A WSDL complex or simple type as JSON Schema (the few constructs the limit types use)."""
    simple = schema.find(f"xs:simpleType[@name='{name}']", NS)
    if simple is not None:
        values = [e.get("value") for e in simple.iterfind("xs:restriction/xs:enumeration", NS)]
        return {"type": "string", "enum": values, "description": f"WSDL simpleType {name}"}
    complex_type = schema.find(f"xs:complexType[@name='{name}']", NS)
    if complex_type is None:
        raise SystemExit(f"five9: the WSDL has no type {name!r}")
    properties: dict[str, t.Any] = {}
    for element in complex_type.iterfind("xs:sequence/xs:element", NS):
        prefix, _, local = element.get("type", "").partition(":")
        if prefix == "tns":
            simple_ref = schema.find(f"xs:simpleType[@name='{local}']", NS) is not None
            item: dict[str, t.Any] = {"type": "string" if simple_ref else "object", "x-wsdl-type": local}
        else:
            item = {"type": {"long": "integer", "int": "integer", "boolean": "boolean"}.get(local, "string")}
        if element.get("maxOccurs") == "unbounded":
            item = {"type": "array", "items": item}
        properties[element.get("name")] = item
    return {"type": "object", "description": f"WSDL complexType {name}", "properties": properties}


# -- the WSDL ---------------------------------------------------------------------------


def _local(qname: str | None) -> str:
    return (qname or "").rpartition(":")[2]


def operation_faults(wsdl: etree._ElementTree) -> dict[str, list[str]]:
    """Each operation the tap calls -> the fault elements (detail names) the WSDL declares."""
    root = wsdl.getroot()
    messages = {m.get("name"): m for m in root.iterfind("wsdl:message", NS)}
    out = {}
    for operation in OPERATIONS:
        node = root.find(f"wsdl:portType/wsdl:operation[@name='{operation}']", NS)
        if node is None:
            raise SystemExit(f"five9: the WSDL has no operation {operation!r}")
        faults = []
        for fault in node.iterfind("wsdl:fault", NS):
            part = messages[_local(fault.get("message"))].find("wsdl:part", NS)
            faults.append(_local(part.get("element")))
        out[operation] = sorted(faults)
    return out


def soap_facts(wsdl: etree._ElementTree) -> dict[str, t.Any]:
    schema = wsdl.find("wsdl:types/xs:schema", NS)
    kinds = schema.find("xs:simpleType[@name='apiOperationType']", NS)
    return {
        "operations": {name: {"faults": faults} for name, faults in operation_faults(wsdl).items()},
        "apiOperationType": [e.get("value") for e in kinds.iterfind("xs:restriction/xs:enumeration", NS)],
    }


def _type_refs(node: etree._Element) -> set[str]:
    refs = set()
    for element in node.iter():
        for attribute in ("type", "base", "element", "ref"):
            value = element.get(attribute)
            if value and value.startswith("tns:"):
                refs.add(value[4:])
    return refs


def trimmed_wsdl(wsdl: etree._ElementTree) -> bytes:
    """The real WSDL with only OPERATIONS: their messages, elements, types (transitively) and
    faults, the real schema imports (swaref from ws-i.org, as Five9 serves it) and the service."""
    root = copy.deepcopy(wsdl.getroot())
    keep_messages: set[str] = set()
    for tag in ("portType", "binding"):
        parent = root.find(f"wsdl:{tag}", NS)
        for operation in parent.findall("wsdl:operation", NS):
            if operation.get("name") not in OPERATIONS:
                parent.remove(operation)
            elif tag == "portType":
                keep_messages |= {_local(m.get("message")) for m in operation if m.get("message")}
    elements: set[str] = set()
    for message in root.findall("wsdl:message", NS):
        if message.get("name") not in keep_messages:
            root.remove(message)
        else:
            elements |= {_local(p.get("element")) for p in message.iterfind("wsdl:part", NS)}
    schema = root.find("wsdl:types/xs:schema", NS)
    by_name = {(c.tag, c.get("name")): c for c in schema if c.get("name")}
    element_tag, complex_tag, simple_tag = (
        f"{{{NS['xs']}}}{k}" for k in ("element", "complexType", "simpleType")
    )
    keep = {(element_tag, name) for name in elements}
    pending = [by_name[key] for key in keep]
    while pending:
        for ref in _type_refs(pending.pop()):
            for tag in (complex_tag, simple_tag):
                if (tag, ref) in by_name and (tag, ref) not in keep:
                    keep.add((tag, ref))
                    pending.append(by_name[(tag, ref)])
    for child in list(schema):
        if child.get("name") and (child.tag, child.get("name")) not in keep:
            schema.remove(child)
        elif child.tag == f"{{{NS['xs']}}}import" and child.get("namespace") == SWAREF_NAMESPACE:
            child.set("schemaLocation", SWAREF_LOCATION)
    root.insert(
        0,
        etree.Comment(
            " Generated by scripts/specs/five9.py from Five9's Configuration Web Services v13 WSDL: "
            f"only {', '.join(OPERATIONS)}, with their messages, types and faults. Do not edit. "
        ),
    )
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def generate(specs: Path) -> dict[str, object]:
    # Reference data from the vendor, read locally.
    wsdl = etree.parse(str(specs / WSDL_NAME), etree.XMLParser(huge_tree=True, resolve_entities=False))
    out: dict[str, object] = {
        WSDL_OUT: trimmed_wsdl(wsdl),
        **{
            f"taps/tap-five9/tap_five9/schemas/{stream}.json": schema
            for stream, schema in stream_schemas().items()
        },
    }
    out["taps/tap-five9/tap_five9/schemas/reports.json"] = report_table()
    out["taps/tap-five9/tap_five9/schemas/soap.json"] = soap_facts(wsdl)
    out["sandbox/suite_sandbox/resources/five9.json"] = simulator_resources(wsdl)
    return out
