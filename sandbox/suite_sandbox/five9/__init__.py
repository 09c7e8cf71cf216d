"""Five9 simulator: the real SOAP report API and the seed's REST contract, on one data set.

- SOAP (real, see `soap`): `/wsadmin/v13/AdminWebService`, the WSDL generated from Five9's own,
  report runs whose CSV is printed from the committed resources (`rows`): data-centre wall-clock
  times, `[None]` agents, recording segments, transfer legs sharing a CALL ID, an undocumented
  extra column, rows unsorted and silently cut at `row_cap`; limits per operation type per
  minute, hour and day (injectable periods); faults at HTTP 500 or 200.
- REST (seed only, a contract Five9 does not serve): `GET /v1/call_log` and
  `GET /v1/agent_login_logout` with `start`/`end` (ISO, [start, end)), `limit`/`offset`,
  records under `records`, HTTP Basic, 60 requests a minute answered with 429 + Retry-After.

Both views serve the same rows, so a REST sync and a report sync must emit equal records.
Agents: some log in and never take a call (the login report is the domain's, not the callers').
"""

from __future__ import annotations

import base64
import typing as t
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from suite_sandbox.data import VirtualTable, iso, parse_time
from suite_sandbox.five9.rows import CallRows, LoginRows, Report, agents
from suite_sandbox.five9.soap import DEFAULT_LIMITS, SOAP_PATH, SoapReports, fault
from suite_sandbox.server import Request, Response, Simulator

if t.TYPE_CHECKING:
    import re

__all__ = [
    "DEFAULT_LIMITS",
    "PASSWORD",
    "SOAP_PATH",
    "USERNAME",
    "Five9Simulator",
    "demo_config",
    "fault",
    "make_simulator",
]

USERNAME = "sandbox-admin@example.com"
PASSWORD = "five9-sandbox-password"
PACIFIC = ZoneInfo("America/Los_Angeles")
DEMO_START = datetime(2024, 3, 9, tzinfo=timezone.utc)  # spans the 2024-03-10 DST change
DEMO_SPAN = timedelta(hours=60)


class Five9Simulator(SoapReports, Simulator):
    """Five9 with the Call Log and Agent Login-Logout reports."""

    def __init__(
        self,
        records: int = 200,
        seed: int = 1,
        *,
        agent_count: int = 5,
        idle_agents: int | None = None,
        transfer_share: float = 0.25,
        start: datetime = DEMO_START,
        step: timedelta | None = None,
        zone: ZoneInfo = PACIFIC,
        username: str = USERNAME,
        password: str = PASSWORD,
        report_delay: float = 0.05,
        delay_for: t.Callable[[dict], float] | None = None,
        row_cap: int = 50_000,
        limits: t.Mapping[str, t.Any] | None = None,
        used: t.Mapping[str, t.Mapping[int, int]] | None = None,
        fault_status: int = 500,
        schema_import_url: str | None = None,
        rest_requests_per_minute: int = 60,
    ) -> None:
        super().__init__()
        self.rate_limit_per_minute = rest_requests_per_minute
        self.zone, self.username, self.password = zone, username, password
        self.agents = agents(agent_count)
        # Agents who log in and never take a call (one by default, when there are two or more).
        idle = idle_agents if idle_agents is not None else (1 if agent_count > 1 else 0)
        self.call_agents = self.agents[: max(agent_count - idle, 1)]
        self.call_report, self.login_report = Report("call_log"), Report("agent_login_logout")
        # By default the calls fill DEMO_SPAN whatever their number (demo_config's range).
        step = step or DEMO_SPAN / max(records, 1)
        self.call_rows = CallRows(self.call_report, self.call_agents, seed, zone, transfer_share)
        self.calls = VirtualTable("call_log", records, self.call_rows.make, seed=seed, start=start, step=step)
        # About one login session per ~4 calls, over the same span, every agent in turn.
        self.logins = VirtualTable(
            "agent_login_logout",
            max(records // 4, len(self.agents)),
            LoginRows(self.login_report, self.agents, zone).make,
            seed=seed,
            start=start,
            step=step * 4,
        )
        self.tables = {"call_log": self.calls, "agent_login_logout": self.logins}
        self.reports = {
            (self.call_report.folder, self.call_report.name): (self.call_report, self.calls),
            (self.login_report.folder, self.login_report.name): (self.login_report, self.logins),
        }
        #: Rows Five9 has not listed yet (a call is listed when it ends): `hold_back`/`release`.
        self.held_back: dict[str, set[int]] = {"call_log": set(), "agent_login_logout": set()}
        #: Cells printed differently from their row's truth: (stream, row, column) -> text.
        self.cell_overrides: dict[tuple[str, int, str], str] = {}
        self._init_soap(
            limits=limits,
            used=used,
            report_delay=report_delay,
            delay_for=delay_for,
            row_cap=row_cap,
            fault_status=fault_status,
            schema_import_url=schema_import_url,
        )
        self.route("GET", r"/v1/call_log", self._rest_calls)
        self.route("GET", r"/v1/agent_login_logout", self._rest_logins)
        self.route("GET", SOAP_PATH, self._wsdl)
        self.route("POST", SOAP_PATH, self._soap)

    # -- rows -------------------------------------------------------------------------

    def _report(self, stream: str) -> Report:
        return self.call_report if stream == "call_log" else self.login_report

    def visible(
        self, stream: str, start: datetime | None, end: datetime | None, users: t.Sequence[str] = ()
    ) -> list[int]:
        """Rows of [start, end) that Five9 lists now, oldest first (optionally of some agents)."""
        table, held = self.tables[stream], self.held_back[stream]
        wanted = set(users)
        where = None
        if held or wanted:

            def where(i: int) -> bool:
                return i not in held and (not wanted or table.row(i)["AGENT"] in wanted)

        return table.select(start, end, where=where).indices()

    def cells(self, stream: str, i: int) -> list[str]:
        report = self._report(stream)
        cells = report.cells(self.tables[stream].row(i), self.zone)
        if self.cell_overrides:
            for position, column in enumerate(report.header):
                if (stream, i, column) in self.cell_overrides:
                    cells[position] = self.cell_overrides[(stream, i, column)]
        return cells

    # -- helpers for tests ------------------------------------------------------------

    def columns(self, stream: str) -> list[str]:
        """The CSV header the report prints (documented columns, then an undocumented one)."""
        return list(self._report(stream).header)

    def expected(
        self, stream: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict]:
        """The records a sync of [since, until) must emit (tap output shape), oldest first."""
        report, table = self._report(stream), self.tables[stream]
        return [report.expected(table.row(i)) for i in self.visible(stream, since, until)]

    def expected_calls(self, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        return self.expected("call_log", since, until)

    def expected_logins(self, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
        return self.expected("agent_login_logout", since, until)

    def agents_with_calls(self, since: datetime | None = None, until: datetime | None = None) -> set[str]:
        return {r["agent"] for r in self.expected_calls(since, until) if r["agent"]}

    def hold_back(self, stream: str, indices: t.Iterable[int]) -> None:
        """Leave rows out of reports and the facade until `release` (Five9 lists them late)."""
        self.held_back[stream].update(indices)

    def release(self, stream: str) -> None:
        self.held_back[stream].clear()

    # -- auth -------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
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

    # -- REST (the seed's contract) ---------------------------------------------------

    def _rest_page(self, request: Request, stream: str, users: t.Sequence[str] = ()) -> Response:
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
        report, table = self._report(stream), self.tables[stream]
        indices = self.visible(stream, since, until, users)[offset : offset + limit]
        return Response(200, {"records": [report.rest(table.row(i)) for i in indices]})

    def _rest_calls(self, request: Request, _match: re.Match[str]) -> Response:
        return self._rest_page(request, "call_log")

    def _rest_logins(self, request: Request, _match: re.Match[str]) -> Response:
        agent = request.param("agent")
        return self._rest_page(request, "agent_login_logout", [agent] if agent else ())


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> Five9Simulator:
    """Options: agent_count, idle_agents, transfer_share, start, step, zone, username, password, report_delay,
    delay_for, row_cap, limits ({type: {period seconds: limit}}), used, fault_status,
    schema_import_url, rest_requests_per_minute."""
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
