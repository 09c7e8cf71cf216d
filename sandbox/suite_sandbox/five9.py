"""Five9 simulator: the seed's REST facade and the real SOAP report API, on one data set.

- REST (seed only): `GET /v1/call_log` and `GET /v1/agent_login_logout` with `start`/`end`
  (ISO, [start, end)), `limit`/`offset`, records under `records`, HTTP Basic, 60 requests
  per minute answered with 429 + Retry-After beyond that.
- SOAP (real): `/wsadmin/v13/AdminWebService` (WSDL at `?wsdl`), runReport ->
  isReportRunning (long-polls up to `timeout` s) -> getReportResultCsv. Reports take
  `report_delay` seconds, CSV times are Pacific (`Mon, 05 Aug 2024 14:03:12`), rows come
  unsorted, a result is silently cut at `row_cap` rows (50,000 on Five9), per-operation
  limits per calendar minute answer OperationsLimitExceededFault, and faults are SOAP 1.1
  (HTTP 500, `detail` element named after the fault).

Both views serve the same rows, so a REST sync and a report sync must emit equal records.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import random
import threading
import time
import typing as t
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.server import Request, Response, Simulator

if t.TYPE_CHECKING:
    import re

USERNAME = "sandbox-admin@example.com"
PASSWORD = "five9-sandbox-password"
PACIFIC = ZoneInfo("America/Los_Angeles")
SOAP_PATH = "/wsadmin/v13/AdminWebService"
WSDL_FILE = Path(__file__).parent / "five9_wsdl" / "AdminWebService.wsdl"
NS = "http://service.admin.ws.five9.com/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

DEMO_START = datetime(2024, 3, 9, tzinfo=timezone.utc)  # spans the 2024-03-10 DST change
DEMO_SPAN = timedelta(hours=60)
CALL_REPORT = ("Call Log Reports", "Call Log")
LOGIN_REPORT = ("Agent Reports", "Agent Login-Logout")

# Report columns as Five9 names them, and the JSON (seed REST) field of each.
CALL_COLUMNS = [
    "CALL ID",
    "TIMESTAMP",
    "CAMPAIGN",
    "CALL TYPE",
    "AGENT",
    "AGENT NAME",
    "DISPOSITION",
    "ANI",
    "CUSTOMER NAME",
    "DNIS",
    "CALL TIME",
    "BILL TIME (ROUNDED)",
    "COST",
    "IVR TIME",
    "QUEUE WAIT TIME",
    "RING TIME",
    "TALK TIME",
    "HOLD TIME",
    "PARK TIME",
    "AFTER CALL WORK TIME",
    "TRANSFERS",
    "CONFERENCES",
    "HOLDS",
    "ABANDONED",
    "RECORDINGS",
]
LOGIN_COLUMNS = [
    "AGENT",
    "DATE",
    "AGENT FIRST NAME",
    "AGENT LAST NAME",
    "LOGIN TIMESTAMP",
    "LOGOUT TIMESTAMP",
    "LOGIN TIME",
]
DATETIME_FIELDS = {"timestamp", "login_timestamp", "logout_timestamp"}

# Five9's documented per-minute limits per operation type.
DEFAULT_LIMITS = {"ReportRun": 16, "ReportResult": 20, "Query": 450}
OPERATION_TYPES = {
    "runReport": "ReportRun",
    "getReportResultCsv": "ReportResult",
    "isReportRunning": "Query",
}

CAMPAIGNS = ["Inbound Sales", "Support", "Outbound Renewals", "Collections"]
DISPOSITIONS = ["Sale", "No Sale", "Callback", "Voicemail", "Resolved"]
FIRST = ["Jane", "Omar", "Li", "Ana", "Sam", "Priya", "Ken", "Zoe", "Ivan", "Nia"]
LAST = ["Doe", "Haddad", "Wei", "Silva", "Berg", "Rao", "Sato", "Moss", "Petrov", "Obi"]


def field_name(column: str) -> str:
    """`BILL TIME (ROUNDED)` -> `bill_time_rounded` (what the tap does too)."""
    return "_".join("".join(c if c.isalnum() else " " for c in column.lower()).split())


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def pacific(ts: datetime) -> str:
    """A Five9 report datetime: Pacific wall-clock time, no offset (DST fold is lost)."""
    return ts.astimezone(PACIFIC).strftime("%a, %d %b %Y %H:%M:%S")


def agents(count: int) -> list[dict]:
    return [
        {
            "username": f"{FIRST[k % 10].lower()}.{LAST[k % 10].lower()}{k // 10 or ''}@acme.example",
            "first": FIRST[k % 10],
            "last": LAST[k % 10],
        }
        for k in range(count)
    ]


class Five9Simulator(Simulator):
    """Five9 with `calls` (Call Log) and `logins` (Agent Login-Logout) tables."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        agent_count: int = 5,
        start: datetime = DEMO_START,
        step: timedelta | None = None,
        report_delay: float = 0.05,
        row_cap: int = 50_000,
        limits: dict[str, int] | None = None,
        rest_requests_per_minute: int = 60,
        delay_for: t.Callable[[dict], float] | None = None,
    ) -> None:
        super().__init__()
        self.rate_limit_per_minute = rest_requests_per_minute
        self.agents = agents(agent_count)
        self.report_delay = report_delay
        #: Per-run delay (gets the run's report, start, end, users), overriding report_delay.
        self.delay_for = delay_for
        #: Most SOAP calls seen in progress at once (Five9 refuses concurrent calls of one user).
        self.max_concurrent_soap = 0
        self._active_soap = 0
        self.row_cap = row_cap
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        # By default the calls fill DEMO_SPAN whatever their number (demo_config's range).
        step = step or DEMO_SPAN / max(records, 1)
        self.calls = VirtualTable("call_log", records, self._make_call, seed=seed, start=start, step=step)
        # About one login session per agent per ~3 hours of calls, over the same span.
        self.logins = VirtualTable(
            "agent_login_logout",
            max(records // 4, 1),
            self._make_login,
            seed=seed,
            start=start,
            step=step * 4,
        )
        self.report_runs: list[dict] = []  # every runReport as Five9 accepted it
        self._runs: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._counters: dict[tuple[str, int], int] = {}
        self._counter_lock = threading.Lock()
        self._operation_faults: dict[str, list[Response]] = {}
        self.route("GET", r"/v1/call_log", self._rest_calls)
        self.route("GET", r"/v1/agent_login_logout", self._rest_logins)
        self.route("GET", SOAP_PATH, self._wsdl)
        self.route("POST", SOAP_PATH, self._soap)

    # -- data -------------------------------------------------------------------------

    def _make_call(self, i: int, rng: random.Random, ts: datetime) -> dict:
        abandoned = rng.random() < 0.1
        agent = None if abandoned else rng.choice(self.agents)
        talk = 0 if abandoned else rng.randint(20, 1800)
        ivr, queue, ring = rng.randint(0, 60), rng.randint(0, 300), 0 if abandoned else rng.randint(1, 30)
        hold, acw = rng.choice([0, 0, rng.randint(5, 120)]), 0 if abandoned else rng.randint(0, 90)
        call_time = ivr + queue + ring + talk + hold
        return {
            "call_id": str(300000000000 + i),
            "timestamp": iso(ts),
            "campaign": rng.choice(CAMPAIGNS),
            "call_type": rng.choice(["Inbound", "Outbound", "Manual"]),
            "agent": agent["username"] if agent else None,
            "agent_name": f"{agent['first']} {agent['last']}" if agent else None,
            "disposition": "Abandon" if abandoned else rng.choice(DISPOSITIONS),
            "ani": f"555{rng.randint(1000000, 9999999)}",
            "customer_name": rng.choice([None, f"{rng.choice(FIRST)} {rng.choice(LAST)}"]),
            "dnis": "8005550100",
            "call_time": hms(call_time),
            "bill_time_rounded": hms(-(-call_time // 60) * 60),
            "cost": round(call_time / 60 * 0.01, 2),
            "ivr_time": hms(ivr),
            "queue_wait_time": hms(queue),
            "ring_time": hms(ring),
            "talk_time": hms(talk),
            "hold_time": hms(hold),
            "park_time": hms(0),
            "after_call_work_time": hms(acw),
            "transfers": rng.choice([0, 0, 0, 1]),
            "conferences": rng.choice([0, 0, 0, 0, 1]),
            "holds": 1 if hold else 0,
            "abandoned": 1 if abandoned else 0,
            "recordings": rng.choice([None, 0, 1]),
        }

    def _make_login(self, i: int, rng: random.Random, ts: datetime) -> dict:
        agent = self.agents[i % len(self.agents)]
        seconds = rng.randint(1800, 9 * 3600)
        return {
            "agent": agent["username"],
            "date": ts.astimezone(PACIFIC).date().isoformat(),
            "agent_first_name": agent["first"],
            "agent_last_name": agent["last"],
            "login_timestamp": iso(ts),
            "logout_timestamp": iso(ts + timedelta(seconds=seconds)),
            "login_time": hms(seconds),
        }

    def _agent_filter(
        self, table: VirtualTable, names: t.Collection[str] | None
    ) -> t.Callable[[int], bool] | None:
        if not names:
            return None
        wanted = set(names)
        return lambda i: table.row(i)["agent"] in wanted

    # -- helpers for tests ------------------------------------------------------------

    def expected_calls(self, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        """The call_log records a sync of [since, until) must emit (tap output shape)."""
        return self.calls.select(since, until).page()

    def expected_logins(
        self,
        agents: t.Collection[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict]:
        return self.logins.select(since, until, where=self._agent_filter(self.logins, agents)).page()

    def agents_with_calls(self, since: datetime | None = None, until: datetime | None = None) -> set[str]:
        return {r["agent"] for r in self.expected_calls(since, until) if r["agent"]}

    def inject_fault(self, operation: str, name: str, message: str, *, times: int = 1, **fields: str) -> None:
        """Answer the next `times` calls of one SOAP operation with a Five9 fault."""
        self._operation_faults.setdefault(operation, []).extend(
            [fault("soap:Server", message, name, fields)] * times
        )

    # -- auth -------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return header == f"Basic {expected}"

    def rate_limit_key(self, request: Request) -> str | None:
        # The 60/min budget is the seed's REST contract; SOAP has per-operation counters.
        if request.path.startswith("/v1/"):
            return request.headers.get("authorization", "anonymous")
        return None

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response(
            429,
            {"error": "Too Many Requests", "message": "Rate limit of 60 requests per minute exceeded"},
            {"Retry-After": str(max(1, round(retry_after)))},
        )

    # -- REST (seed) ------------------------------------------------------------------

    def _rest_page(
        self, request: Request, table: VirtualTable, where: t.Callable[[int], bool] | None
    ) -> Response:
        if not self._authorized(request):
            return Response(
                401,
                {"error": "Unauthorized", "message": "Bad credentials"},
                {"WWW-Authenticate": 'Basic realm="Five9"'},
            )
        try:
            since = parse_time(request.param("start")) if request.param("start") else None
            until = parse_time(request.param("end")) if request.param("end") else None
            limit = int(request.param("limit", "100"))
            offset = int(request.param("offset", "0"))
        except ValueError as exc:
            return Response(400, {"error": "Bad Request", "message": str(exc)})
        if not 1 <= limit <= 1000 or offset < 0:
            return Response(400, {"error": "Bad Request", "message": "limit must be 1..1000 and offset >= 0"})
        return Response(200, {"records": table.select(since, until, where=where).page(offset, limit)})

    def _rest_calls(self, request: Request, _match: re.Match[str]) -> Response:
        return self._rest_page(request, self.calls, None)

    def _rest_logins(self, request: Request, _match: re.Match[str]) -> Response:
        agent = request.param("agent")
        return self._rest_page(
            request, self.logins, self._agent_filter(self.logins, [agent] if agent else None)
        )

    # -- SOAP (real) ------------------------------------------------------------------

    def _wsdl(self, request: Request, _match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        if "wsdl" not in request.query:
            return Response(405, "Use POST for SOAP calls or ?wsdl for the WSDL", content_type="text/plain")
        return Response(200, WSDL_FILE.read_bytes(), content_type="text/xml;charset=UTF-8")

    @staticmethod
    def _soap_call(request: Request) -> ET.Element | None:
        """The operation element of a SOAP request's body (None if it is not SOAP)."""
        try:
            # Local test server parsing its own client's requests.
            body = ET.fromstring(request.body).find(f"{{{SOAP_ENV}}}Body")  # noqa: S314
        except ET.ParseError:
            return None
        return body[0] if body is not None and len(body) else None

    def soap_requests(self, operation: str) -> list[Request]:
        """Every request that called one SOAP operation (faulted ones too), in arrival order."""
        return [
            r
            for r in list(self.requests)
            if r.method == "POST"
            and (call := self._soap_call(r)) is not None
            and call.tag.rsplit("}", 1)[-1] == operation
        ]

    def _soap(self, request: Request, _match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        call = self._soap_call(request)
        if call is None:
            return fault("soap:Client", "Malformed SOAP request", "IncorrectArgumentFault")
        operation = call.tag.rsplit("}", 1)[-1]
        handler = {
            "runReport": self._run_report,
            "isReportRunning": self._is_report_running,
            "getReportResultCsv": self._report_csv,
            "getCallCountersState": self._counters_state,
        }.get(operation)
        if handler is None:
            return fault(
                "soap:Client",
                f"Operation {operation} is not supported by the sandbox",
                "IncorrectArgumentFault",
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

    def operations_per_minute(self, kind: str) -> dict[int, int]:
        """Accepted calls of one operation type (e.g. ReportRun) per calendar minute (epoch // 60)."""
        with self._counter_lock:
            return {minute: used for (counted, minute), used in self._counters.items() if counted == kind}

    def _count(self, operation: str) -> Response | None:
        """Five9 counts calls per operation type per calendar minute."""
        kind = OPERATION_TYPES.get(operation)
        if kind is None:
            return None
        minute = int(time.time() // 60)
        with self._counter_lock:
            used = self._counters.get((kind, minute), 0)
            if used >= self.limits[kind]:
                limit = self.limits[kind]
                self.rate_limited += 1
                return fault(
                    "soap:Server",
                    f"Operations limit exceeded: {limit} {kind} operations per minute",
                    "OperationsLimitExceededFault",
                    {"limit": str(limit), "operationType": kind},
                )
            self._counters[(kind, minute)] = used + 1
        return None

    def _run_report(self, call: ET.Element) -> Response:
        folder, report = _text(call, "folderName"), _text(call, "reportName")
        table = {CALL_REPORT: self.calls, LOGIN_REPORT: self.logins}.get((folder or "", report or ""))
        if table is None:
            return fault(
                "soap:Server",
                f"Report '{report}' not found in folder '{folder}'",
                "ReportNotFoundFault",
                {"folder": folder or "", "reportName": report or ""},
            )
        criteria = _child(call, "criteria")
        time_criteria = _child(criteria, "time") if criteria is not None else None
        try:
            start = _soap_time(_text(time_criteria, "start"))
            end = _soap_time(_text(time_criteria, "end"))
        except ValueError:
            return fault(
                "soap:Server",
                "Invalid date range: start and end are required xs:dateTime values",
                "InvalidDateRangeFault",
            )
        if start >= end:
            return fault(
                "soap:Server",
                "Invalid date range: start must be before end",
                "InvalidDateRangeFault",
                {"start": start.isoformat(), "end": end.isoformat()},
            )
        users: list[str] = []
        for objects in _children(criteria, "reportObjects") if criteria is not None else []:
            if _text(objects, "objectType") == "User":
                users += [n.text or "" for n in _children(objects, "objectNames")]
        identifier = f"{next(self._ids):08d}-sandbox-report"
        run = {
            "id": identifier,
            "report": report,
            "start": start,
            "end": end,
            "users": users,
            "at": time.monotonic(),
        }
        delay = self.delay_for(run) if self.delay_for else self.report_delay
        self.report_runs.append(dict(run))
        self._runs[identifier] = {**run, "table": table, "ready_at": time.monotonic() + delay}
        return envelope("runReportResponse", f"<return>{identifier}</return>")

    def _is_report_running(self, call: ET.Element) -> Response:
        run = self._runs.get(_text(call, "identifier") or "")
        if run is None:
            return fault("soap:Server", "Report identifier not found", "IncorrectArgumentFault")
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
            return fault("soap:Server", "Report identifier not found", "IncorrectArgumentFault")
        if time.monotonic() < run["ready_at"]:
            return fault("soap:Server", "Report result is not ready yet", "ResultIsNotReadyFault")
        table: VirtualTable = run["table"]
        selection = table.select(run["start"], run["end"], where=self._agent_filter(table, run["users"]))
        indices = selection.indices(0, self.row_cap)  # Five9 truncates silently at the cap
        random.Random(run["id"]).shuffle(indices)  # report rows are not reliably sorted
        columns = CALL_COLUMNS if table is self.calls else LOGIN_COLUMNS
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in table.rows(indices):
            writer.writerow([csv_value(field_name(c), row[field_name(c)]) for c in columns])
        return envelope("getReportResultCsvResponse", f"<return>{escape(out.getvalue())}</return>")

    def _counters_state(self, _call: ET.Element) -> Response:
        minute = int(time.time() // 60)
        states = "".join(
            f"<callCounterStates><limit>{limit}</limit><operationType>{kind}</operationType>"
            f"<value>{self._counters.get((kind, minute), 0)}</value></callCounterStates>"
            for kind, limit in self.limits.items()
        )
        return envelope("getCallCountersStateResponse", f"<return>{states}<timeout>60</timeout></return>")


def csv_value(name: str, value: t.Any) -> str:
    if value is None:
        return ""
    if name in DATETIME_FIELDS:
        return pacific(parse_time(value))
    if name == "date":
        return datetime.fromisoformat(value).strftime("%a, %d %b %Y")
    return str(value)


def envelope(element: str, inner: str) -> Response:
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
        f'<ns2:{element} xmlns:ns2="{NS}">{inner}</ns2:{element}>'
        "</soap:Body></soap:Envelope>"
    )
    return Response(200, body, content_type="text/xml;charset=UTF-8")


def fault(code: str, message: str, name: str, fields: dict[str, str] | None = None) -> Response:
    """A SOAP 1.1 fault as Five9 sends it: HTTP 500, detail element named after the fault."""
    details = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (fields or {}).items())
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><soap:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        f'<detail><ns2:{name} xmlns:ns2="{NS}"><message>{escape(message)}</message>{details}</ns2:{name}></detail>'
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    return Response(500, body, content_type="text/xml;charset=UTF-8")


def _unauthorized() -> Response:
    return Response(
        401,
        "<html><body><h1>HTTP Status 401 - Bad credentials</h1></body></html>",
        {"WWW-Authenticate": 'Basic realm="Five9"'},
        content_type="text/html",
    )


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


def _soap_time(value: str | None) -> datetime:
    """xs:dateTime; without an offset Five9 reads it as Pacific time."""
    if not value:
        raise ValueError(value)
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PACIFIC)


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> Five9Simulator:
    """Options: agent_count, start, step, report_delay, delay_for, row_cap, limits, rest_requests_per_minute."""
    return Five9Simulator(records, seed, **options)


def demo_config(url: str) -> dict:
    """A working tap config (reports mode, the default) against a sandbox at `url`."""
    return {
        "username": USERNAME,
        "password": PASSWORD,
        "start_date": iso(DEMO_START),
        "end_date": iso(DEMO_START + DEMO_SPAN),
        "window_hours": 72,
        "api_url": url,
    }
