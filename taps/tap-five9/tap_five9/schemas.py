"""Stream schemas and report facts, generated from Five9's evidence by scripts/specs/five9.py.

- `schemas/<stream>.json`: each stream's JSON Schema (with `_sdc_extra`);
- `schemas/reports.json`: each report's folder, name, key, column -> field, and the documented
  columns deliberately not declared;
- `schemas/soap.json`: the faults each SOAP operation the tap calls may answer (from the WSDL)
  and the WSDL's `apiOperationType` values (what Five9 counts limits by).

Durations stay `HH:MM:SS` strings, as Five9 prints them (a duration can pass 24 h, so it is not
a time of day); RECORDINGS stays text (`09:00:25(0:43) 09:02:10(1:05)`).
"""

from __future__ import annotations

import typing as t

from tap_common.schemas import SchemaFiles

_FILES = SchemaFiles("tap_five9", "schemas")

CALL_LOG: dict[str, t.Any] = _FILES.load("call_log")
AGENT_LOGIN_LOGOUT: dict[str, t.Any] = _FILES.load("agent_login_logout")
#: stream -> {"folder", "report", "key_properties", "columns": {column: field}, "excluded"}
REPORTS: dict[str, dict[str, t.Any]] = _FILES.read("reports.json")
#: {"operations": {operation: {"faults": [...]}}, "apiOperationType": [...]}
SOAP: dict[str, t.Any] = _FILES.read("soap.json")
