"""The real Five9 API, simulated: SOAP Configuration Web Services (v13) report runs.

`/wsadmin/v13/AdminWebService` serves the project's WSDL (generated from Five9's own, it imports
`http://ws-i.org/profiles/basic/1.1/swaref.xsd` as Five9's does) at `?wsdl`, and answers
runReport -> isReportRunning (long-polls up to `timeout` s) -> getReportResultCsv, and
getCallCountersState. Faults are SOAP 1.1 with a `detail` element named after the fault, only
those the WSDL declares for the operation, at HTTP 500 (or 200, as Five9 also answers).
Operation limits are counted per `apiOperationType` in calendar periods of the data centre's
clock (minute, hour, day by default; any period can be injected) and answered with
OperationsLimitExceededFault.
"""

from __future__ import annotations

import csv
import io
import math
import random
import threading
import time
import typing as t
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from suite_sandbox.fake import load_resources
from suite_sandbox.server import Request, Response

if t.TYPE_CHECKING:
    import re
    from zoneinfo import ZoneInfo

    from suite_sandbox.data import VirtualTable
    from suite_sandbox.five9.rows import Report

SOAP_PATH = "/wsadmin/v13/AdminWebService"
WSDL_FILE = Path(__file__).parent.parent / "five9_wsdl" / "AdminWebService.wsdl"
SWAREF_LOCATION = "http://ws-i.org/profiles/basic/1.1/swaref.xsd"
NS = "http://service.admin.ws.five9.com/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MINUTE, HOUR, DAY = 60, 3600, 86400
#: Five9's documented limits per operation type and period (seconds).
DEFAULT_LIMITS: dict[str, dict[int, int]] = {
    "ReportRequest": {MINUTE: 16, HOUR: 120, DAY: 800},
    "RetrieveReport": {MINUTE: 20, HOUR: 200, DAY: 1000},
    "Query": {MINUTE: 450, HOUR: 15_000, DAY: 172_800},
}
OPERATION_TYPES = {
    "runReport": "ReportRequest",
    "getReportResultCsv": "RetrieveReport",
    "isReportRunning": "Query",
}


def operation_faults() -> dict[str, list[str]]:
    return load_resources("five9")["x-operation-faults"]


def normalized_limits(limits: t.Mapping[str, t.Any] | None) -> dict[str, dict[int, int]]:
    """Limits per kind and period over Five9's defaults. A bare number (the old per-minute
    form) is that many per minute and at least as many per hour and day."""
    out = {kind: dict(periods) for kind, periods in DEFAULT_LIMITS.items()}
    for name, value in (limits or {}).items():
        kind = name
        if kind not in out:
            raise ValueError(f"not an apiOperationType Five9 limits: {name!r}")
        if isinstance(value, int):
            out[kind] = {p: value if p == MINUTE else max(value, d) for p, d in DEFAULT_LIMITS[kind].items()}
        else:
            out[kind].update({int(p): int(n) for p, n in value.items()})
    return out


def envelope(element: str, inner: str) -> Response:
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
        f'<ns2:{element} xmlns:ns2="{NS}">{inner}</ns2:{element}>'
        "</soap:Body></soap:Envelope>"
    )
    return Response(200, body, content_type="text/xml;charset=UTF-8")


def fault(
    code: str, message: str, name: str, fields: dict[str, str] | None = None, status: int = 500
) -> Response:
    """A SOAP 1.1 fault as Five9 sends it: detail element named after the fault."""
    details = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (fields or {}).items())
    detail = (
        f'<detail><ns2:{name} xmlns:ns2="{NS}"><message>{escape(message)}</message>{details}</ns2:{name}></detail>'
        if name
        else ""
    )
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><soap:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(message)}</faultstring>{detail}"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    return Response(status, body, content_type="text/xml;charset=UTF-8")


def unauthorized() -> Response:
    return Response(
        401,
        "<html><body><h1>HTTP Status 401 - Bad credentials</h1></body></html>",
        {"WWW-Authenticate": 'Basic realm="Five9"'},
        content_type="text/html",
    )


def soap_call(request: Request) -> ET.Element | None:
    """The operation element of a SOAP request's body (None if it is not SOAP)."""
    try:
        body = ET.fromstring(request.body).find(f"{{{SOAP_ENV}}}Body")  # noqa: S314 - own client's requests
    except ET.ParseError:
        return None
    return body[0] if body is not None and len(body) else None


def _children(parent: ET.Element | None, name: str) -> list[ET.Element]:
    if parent is None:
        return []
    return [c for c in parent if c.tag.rsplit("}", 1)[-1] == name]


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(parent: ET.Element | None, name: str) -> str | None:
    child = _child(parent, name)
    return child.text if child is not None else None


class SoapReports:
    """The SOAP side of the Five9 simulator (mixed into `Five9Simulator`)."""

    zone: ZoneInfo
    username: str
    reports: dict[tuple[str, str], tuple[Report, VirtualTable]]
    requests: list[Request]
    rate_limited: int

    def _init_soap(
        self,
        *,
        limits: t.Mapping[str, t.Any] | None,
        used: t.Mapping[str, t.Mapping[int, int]] | None,
        report_delay: float,
        delay_for: t.Callable[[dict], float] | None,
        row_cap: int,
        fault_status: int,
        schema_import_url: str | None,
    ) -> None:
        self.limits = normalized_limits(limits)
        self.report_delay = report_delay
        #: Per-run delay (gets the run's report, start, end, users), overriding report_delay.
        self.delay_for = delay_for
        self.row_cap = row_cap
        #: HTTP status of faults (Five9 answers faults with 500, and also with 200).
        self.fault_status = fault_status
        #: Where the served WSDL imports swaref.xsd from (Five9: ws-i.org, a third party).
        self.schema_import_url = schema_import_url
        self.operation_faults = operation_faults()
        #: Most SOAP calls seen in progress at once (Five9 refuses concurrent calls of one user).
        self.max_concurrent_soap = 0
        self._active_soap = 0
        self.report_runs: list[dict] = []  # every runReport as Five9 accepted it
        self.missing_reports: set[str] = set()
        self._failing_runs: dict[str, tuple[int, Response]] = {}
        self._accepted_runs: dict[str, int] = {}
        self._runs: dict[str, dict] = {}
        self._next_id = 0
        self._counters: dict[tuple[str, int, int], int] = {}
        self._counter_lock = threading.Lock()
        self._operation_faults: dict[str, list[Response]] = {}
        now = time.time()
        for kind, periods in (used or {}).items():
            for period, count in periods.items():
                self._counters[(kind, int(period), self.period_index(int(period), now))] = int(count)

    # -- helpers for tests ------------------------------------------------------------

    def inject_fault(
        self,
        operation: str,
        name: str,
        message: str,
        *,
        times: int = 1,
        status: int | None = None,
        **fields: str,
    ) -> None:
        """Answer the next `times` calls of one SOAP operation with a fault its WSDL declares."""
        if name not in self.operation_faults.get(operation, []):
            raise ValueError(f"the WSDL declares no {name} for {operation}")
        response = fault("soap:Server", message, name, fields, status or self.fault_status)
        self._operation_faults.setdefault(operation, []).extend([response] * times)

    def fail_report_runs(self, report: str, name: str, message: str, *, after: int = 0) -> None:
        """Answer every runReport of one report after its first `after` with a fault."""
        if name not in self.operation_faults["runReport"]:
            raise ValueError(f"the WSDL declares no {name} for runReport")
        self._failing_runs[report] = (after, fault("soap:Server", message, name, None, self.fault_status))

    def soap_requests(self, operation: str) -> list[Request]:
        """Every request that called one SOAP operation (faulted ones too), in arrival order."""
        return [
            r
            for r in list(self.requests)
            if r.method == "POST"
            and (call := soap_call(r)) is not None
            and call.tag.rsplit("}", 1)[-1] == operation
        ]

    def period_index(self, period: int, now: float) -> int:
        offset = datetime.fromtimestamp(now, timezone.utc).astimezone(self.zone).utcoffset()
        return math.floor((now + (offset.total_seconds() if offset else 0)) / period)

    def operations_per_period(self, kind: str, period: int) -> dict[int, int]:
        """Accepted calls of one operation type per calendar period (index -> count)."""
        with self._counter_lock:
            return {i: n for (k, p, i), n in self._counters.items() if k == kind and p == period}

    def operations_per_minute(self, kind: str) -> dict[int, int]:
        return self.operations_per_period(kind, MINUTE)

    # -- serving ----------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        raise NotImplementedError

    def _wsdl(self, request: Request, _match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return unauthorized()
        if "wsdl" not in request.query:
            return Response(405, "Use POST for SOAP calls or ?wsdl for the WSDL", content_type="text/plain")
        body = WSDL_FILE.read_bytes()
        if self.schema_import_url:
            body = body.replace(SWAREF_LOCATION.encode(), self.schema_import_url.encode())
        return Response(200, body, content_type="text/xml;charset=UTF-8")

    def _soap(self, request: Request, _match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return unauthorized()
        call = soap_call(request)
        if call is None:
            return fault("soap:Client", "Malformed SOAP request", "", status=self.fault_status)
        operation = call.tag.rsplit("}", 1)[-1]
        handler = {
            "runReport": self._run_report,
            "isReportRunning": self._is_report_running,
            "getReportResultCsv": self._report_csv,
            "getCallCountersState": self._counters_state,
        }.get(operation)
        if handler is None:
            return fault(
                "soap:Client", f"Operation {operation} is not simulated", "", status=self.fault_status
            )
        if (limited := self._count(operation)) is not None:
            return limited
        if queued := self._operation_faults.get(operation):
            return queued.pop(0)
        with self._counter_lock:
            self._active_soap += 1
            self.max_concurrent_soap = max(self.max_concurrent_soap, self._active_soap)
        try:
            return handler(call)
        finally:
            with self._counter_lock:
                self._active_soap -= 1

    def _fault(
        self, operation: str, message: str, name: str, fields: dict[str, str] | None = None
    ) -> Response:
        assert name in self.operation_faults[operation], f"the WSDL declares no {name} for {operation}"
        return fault("soap:Server", message, name, fields, self.fault_status)

    def _count(self, operation: str) -> Response | None:
        """Five9 counts calls per operation type per calendar period."""
        kind = OPERATION_TYPES.get(operation)
        if kind is None:
            return None
        now = time.time()
        with self._counter_lock:
            slots = [
                (period, limit, (kind, period, self.period_index(period, now)))
                for period, limit in self.limits[kind].items()
            ]
            for period, limit, slot in slots:
                if self._counters.get(slot, 0) >= limit:
                    self.rate_limited += 1
                    unit = {MINUTE: "minute", HOUR: "hour", DAY: "day"}.get(period, f"{period} seconds")
                    return self._fault(
                        operation,
                        f"Operations limit exceeded: {limit} {kind} operations per {unit}",
                        "OperationsLimitExceededFault",
                        {"limit": str(limit), "operationType": kind},
                    )
            for _, _, slot in slots:
                self._counters[slot] = self._counters.get(slot, 0) + 1
        return None

    def _run_report(self, call: ET.Element) -> Response:
        folder, name = _text(call, "folderName") or "", _text(call, "reportName") or ""
        found = self.reports.get((folder, name))
        if found is None or name in self.missing_reports:
            return self._fault(
                "runReport",
                f"Report '{name}' not found in folder '{folder}'",
                "ReportNotFoundFault",
                {"folder": folder, "reportName": name},
            )
        if name in self._failing_runs:
            after, failure = self._failing_runs[name]
            if self._accepted_runs.get(name, 0) >= after:
                return failure
            self._accepted_runs[name] = self._accepted_runs.get(name, 0) + 1
        criteria = _child(call, "criteria")
        time_criteria = _child(criteria, "time")
        try:
            start = self._soap_time(_text(time_criteria, "start"))
            end = self._soap_time(_text(time_criteria, "end"))
        except ValueError:
            return self._fault(
                "runReport",
                "criteria.time start and end are required xs:dateTime values",
                "MissedArgumentFault",
            )
        if start >= end:
            return self._fault(
                "runReport", "Invalid date range: start must be before end", "IncorrectArgumentFault"
            )
        users = [
            n.text or ""
            for objects in _children(criteria, "reportObjects")
            if _text(objects, "objectType") == "User"
            for n in _children(objects, "objectNames")
        ]
        with self._counter_lock:
            self._next_id += 1
            identifier = f"{self._next_id:08d}-sandbox-report"
        run = {
            "id": identifier,
            "report": name,
            "start": start,
            "end": end,
            "users": users,
            "at": time.monotonic(),
        }
        delay = self.delay_for(run) if self.delay_for else self.report_delay
        self.report_runs.append(dict(run))
        self._runs[identifier] = {**run, "key": (folder, name), "ready_at": time.monotonic() + delay}
        return envelope("runReportResponse", f"<return>{identifier}</return>")

    def _soap_time(self, value: str | None) -> datetime:
        """xs:dateTime; without an offset Five9 reads it on the data centre's clock."""
        if not value:
            raise ValueError(value)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)

    def _is_report_running(self, call: ET.Element) -> Response:
        run = self._runs.get(_text(call, "identifier") or "")
        if run is None:
            return self._fault("isReportRunning", "Report identifier not found", "UnknownIdentifierFault")
        try:
            timeout = max(int(_text(call, "timeout") or "0"), 0)
        except ValueError:
            timeout = 0
        # Long poll: hold the answer until the report finishes or `timeout` passes.
        remaining = run["ready_at"] - time.monotonic()
        if remaining > 0:
            time.sleep(min(remaining, timeout))
        running = time.monotonic() < run["ready_at"]
        return envelope("isReportRunningResponse", f"<return>{'true' if running else 'false'}</return>")

    def _report_csv(self, call: ET.Element) -> Response:
        run = self._runs.get(_text(call, "identifier") or "")
        if run is None:
            return self._fault("getReportResultCsv", "Report identifier not found", "UnknownIdentifierFault")
        if time.monotonic() < run["ready_at"]:
            return self._fault(
                "getReportResultCsv", "Report result is not ready yet", "ResultIsNotReadyFault"
            )
        report, _ = self.reports[run["key"]]
        indices = self.visible(report.stream, run["start"], run["end"], run["users"])[: self.row_cap]
        random.Random(run["id"]).shuffle(indices)  # report rows are not reliably sorted
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(report.header)
        for i in indices:
            writer.writerow(self.cells(report.stream, i))
        return envelope("getReportResultCsvResponse", f"<return>{escape(out.getvalue())}</return>")

    def visible(self, stream: str, start: datetime, end: datetime, users: t.Sequence[str] = ()) -> list[int]:
        raise NotImplementedError

    def cells(self, stream: str, i: int) -> list[str]:
        raise NotImplementedError

    def _counters_state(self, _call: ET.Element) -> Response:
        """getCallCountersState: per period (`timeout` seconds), each type's limit and use."""
        resources = load_resources("five9")
        counter_fields = list(resources["callCounterState"]["properties"])
        state_fields = list(resources["limitTimeoutState"]["properties"])
        now = time.time()
        states = []
        for period in sorted({p for periods in self.limits.values() for p in periods}):
            counters = ""
            for kind, periods in self.limits.items():
                if period in periods:
                    values = {
                        "limit": str(periods[period]),
                        "operationType": kind,
                        "value": str(self._counters.get((kind, period, self.period_index(period, now)), 0)),
                    }
                    inner = "".join(f"<{f}>{values[f]}</{f}>" for f in counter_fields)
                    counters += f"<{state_fields[0]}>{inner}</{state_fields[0]}>"
            states.append(f"<return>{counters}<{state_fields[1]}>{period}</{state_fields[1]}></return>")
        return envelope("getCallCountersStateResponse", "".join(states))
