"""Five9 Configuration Web Services (SOAP) report runs, through zeep.

One client per tap run. It sends one request at a time (Five9 denies concurrent requests of
one user), paces each operation type to the domain's limits per minute, hour and day (read
once from getCallCountersState after the first report, see `limits`), waits for the period's reset on
OperationsLimitExceededFault, and turns every other failure into one line naming the
operation, the fault and Five9's own words. HTTP-level retries happen in the transport.
"""

from __future__ import annotations

import math
import threading
import time
import typing as t
from urllib.parse import urlencode, urlparse

from lxml.etree import XMLSyntaxError
from tap_common.errors import TapError
from tap_common.retry import TRANSIENT_EXCEPTIONS, is_transient_status
from zeep import Client, Settings
from zeep.exceptions import Fault, TransportError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError

from tap_five9.limits import OPERATION_TYPES, OperationBudget, budgets_from_counters
from tap_five9.report_csv import ReportCsv
from tap_five9.transport import RETRIABLE_FAULTS, Five9Transport, csv_of, one_line

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tap_common.rate_limit import RateLimiter
    from tap_common.retry import WaitPolicy

SOAP_PATH = "/wsadmin/v13/AdminWebService"
BINDING = "{http://service.admin.ws.five9.com/}WsAdminServiceSoapBinding"
#: Five9 asks clients to poll isReportRunning no more than every 5 seconds.
POLL_SECONDS = 5.0
LIMIT_FAULT = "OperationsLimitExceededFault"
#: What a user should know about faults that are not about the request itself.
FAULT_ADVICE = {
    "UserAlreadyLoggedInFault": (
        "Five9 allows one session per user at a time and another client (or another run of "
        "this tap) is using this user now: give the tap its own Five9 user, or run it when the "
        "other client is done"
    ),
    "SessionClosedFault": (
        "Five9 closed this user's session (another login with the same user, or an "
        "administrator, ended it): rerun, nothing synced so far is lost"
    ),
    "AdminSessionClosedFault": (
        "Five9 closed this user's session (another login with the same user, or an "
        "administrator, ended it): rerun, nothing synced so far is lost"
    ),
    "AccessDisallowedFault": "the domain or user may not use the Web Services API (ask Five9 support)",
}


class Five9Fault(TapError):
    """A SOAP fault Five9 answered, as one line; `name` is the fault element's name."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class ReportClient:
    """runReport -> isReportRunning -> getReportResultCsv against one Five9 domain."""

    def __init__(
        self,
        config: Mapping[str, t.Any],
        *,
        base_url: str,
        wait_policy: WaitPolicy,
        rate_limiter: RateLimiter | None,
        credential_settings: str,
        zone: ZoneInfo,
        logger: logging.Logger,
        plan: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.config = config
        self.endpoint = base_url.rstrip("/") + SOAP_PATH
        self.wait_policy = wait_policy
        self.rate_limiter = rate_limiter
        self.zone = zone
        self.logger = logger
        self.plan = plan
        self.report_timeout = float(config.get("report_timeout_seconds", 600))
        timeout = float(config.get("request_timeout", 60))
        self.transport = Five9Transport(
            endpoint=self.endpoint,
            username=str(config["username"]),
            password=str(config["password"]),
            user_agent=str(config.get("user_agent") or "tap-five9"),
            timeout=timeout,
            # Long polls hold the answer up to POLL_SECONDS; the read timeout must outlast them.
            operation_timeout=timeout + POLL_SECONDS,
            wait_policy=wait_policy,
            credential_settings=credential_settings,
            logger=logger,
        )
        self._lock = threading.Lock()  # one request at a time
        self._client: t.Any = None
        self._service: t.Any = None
        self.budgets: dict[str, OperationBudget] = {}
        self._limits_read = False

    # -- connection -------------------------------------------------------------------

    def _connect(self, stream: str) -> t.Any:
        if self._service is not None:
            return self._service
        # The username may hold '+', '&' or '@': encoded, so Five9 reads it whole.
        wsdl = f"{self.endpoint}?wsdl&{urlencode({'user': self.config['username']})}"
        self.transport.what = f"{stream}: WSDL (GET {SOAP_PATH})"
        try:
            client = Client(wsdl, transport=self.transport, settings=Settings(xml_huge_tree=True))
        except (XMLSyntaxError, ZeepXMLSyntaxError) as exc:
            msg = f"{stream}: the WSDL at {SOAP_PATH}?wsdl is not readable: {one_line(str(exc))}"
            raise TapError(msg) from None
        self.transport.keep_wsdl()
        self._client = client
        # The WSDL's own address may name another host; always call the configured one.
        self._service = client.create_service(BINDING, self.endpoint)
        # Until the domain's own limits are read (after the first report), Five9's documented ones.
        self.budgets = budgets_from_counters(
            [], zone=self.zone, max_wait_seconds=self.wait_policy.max_wait_seconds
        )
        return self._service

    def _learn_limits(self, stream: str) -> None:
        """Read the domain's limits and what other clients used, once, right after the first
        report: the first rows need no more requests than the report itself (every request
        before them is one more a flaky network can fail), and from the second report on every
        call is paced by the domain's real numbers."""
        if self._limits_read:
            return
        self._limits_read = True
        self.budgets = self._read_limits(stream)
        self._log_plan()

    def _read_limits(self, stream: str) -> dict[str, OperationBudget]:
        max_wait = self.wait_policy.max_wait_seconds
        try:
            states = self._call(stream, "getCallCountersState")
        except TapError as exc:
            if isinstance(exc, Five9Fault) and exc.name in FAULT_ADVICE:
                self._service, self._limits_read = None, False  # the next stream tries afresh
                raise  # e.g. another session of this user: every call would fail the same way
            self.logger.warning("%s: using Five9's documented limits (%s)", stream, exc)
            states = []
        budgets = budgets_from_counters(states, zone=self.zone, max_wait_seconds=max_wait)
        self.logger.info(
            "Five9 limits of this domain: %s",
            "; ".join(f"{kind} {budget.describe()}" for kind, budget in budgets.items()),
        )
        return budgets

    def _log_plan(self) -> None:
        """Say what the run will cost against the report limits, and whether it fits today."""
        if self.plan is None:
            return
        windows = self.plan()
        needed = sum(windows.values())
        budget = self.budgets["ReportRequest"]
        hour, day = budget.left(3600), budget.left(86400)
        parts = ", ".join(f"{stream} {count}" for stream, count in windows.items())
        line = (
            f"plan: about {needed} runReport calls ({parts}; one per report window, more if a window "
            f"hits the row cap); Five9 allows {budget.describe()}, {hour} left this hour, {day} left today"
        )
        if day is not None and needed > day:
            self.logger.warning(
                "%s: more than today's allowance, so the run stops when it is used up; every window "
                "synced by then is kept and a rerun after the daily reset goes on from there",
                line,
            )
        else:
            self.logger.info("%s", line)

    # -- operations -------------------------------------------------------------------

    def run_report(
        self,
        stream: str,
        folder: str,
        report: str,
        start: datetime,
        end: datetime,
        *,
        started: Callable[[str], None] | None = None,
        resume: str | None = None,
    ) -> ReportCsv:
        """Run one report over [start, end) for the whole domain and return its CSV.

        `started` is told the run's identifier as soon as Five9 names it (the stream keeps it in
        state); `resume` is such an identifier from an interrupted run: its result is read without
        running the report again (one runReport saved), unless Five9 no longer knows it."""
        result = None
        if resume:
            try:
                result = self._result(stream, resume, folder, report, start, end)
            except Five9Fault as exc:
                if exc.name != "UnknownIdentifierFault":
                    raise
                self.logger.info("%s: report %s is gone (%s); running it again", stream, resume, exc.name)
        if result is None:
            criteria = {"time": {"start": start, "end": end}}
            identifier = self._call(
                stream, "runReport", folderName=folder, reportName=report, criteria=criteria
            )
            if not identifier:
                raise TapError(f"{stream}: runReport (POST {SOAP_PATH}) answered without a report identifier")
            if started is not None:
                started(identifier)
            result = self._result(stream, identifier, folder, report, start, end)
        try:
            self._learn_limits(stream)
        except BaseException:
            result.close()
            raise
        return result

    def _result(
        self, stream: str, identifier: str, folder: str, report: str, start: datetime, end: datetime
    ) -> ReportCsv:
        """Poll a report run until it is done, then read its CSV."""
        deadline = time.monotonic() + self.report_timeout
        last_poll: float | None = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                msg = (
                    f"{stream}: report '{folder}/{report}' for {start.isoformat()} .. {end.isoformat()} "
                    f"still running after {self.report_timeout:g} s (report_timeout_seconds); "
                    "no later window was synced, rerun to resume from the last bookmark"
                )
                raise TapError(msg)
            # Never a tight loop: at most one poll per POLL_SECONDS, and the server
            # itself holds the answer up to `timeout` seconds while the report runs.
            if last_poll is not None and (pause := last_poll + POLL_SECONDS - time.monotonic()) > 0:
                time.sleep(min(pause, remaining))
            last_poll = time.monotonic()
            timeout = max(1, min(int(POLL_SECONDS), math.ceil(deadline - time.monotonic())))
            running = self._call(stream, "isReportRunning", identifier=identifier, timeout=timeout)
            if not isinstance(running, bool):
                msg = f"{stream}: isReportRunning (POST {SOAP_PATH}) answered without its true/false result"
                raise TapError(msg)
            if running:
                continue
            try:
                return self._call(stream, "getReportResultCsv", identifier=identifier)
            except Five9Fault as exc:
                if exc.name != "ResultIsNotReadyFault":
                    raise
                # Finished by isReportRunning's account, not yet by the result's: poll again.
                self.logger.info(
                    "%s: the result of report %s is not ready yet; polling again", stream, identifier
                )

    def _call(self, stream: str, operation: str, **kwargs: t.Any) -> t.Any:
        service = self._connect(stream)
        where = f"{stream}: {operation} (POST {urlparse(self.endpoint).path})"
        budget = self.budgets.get(OPERATION_TYPES.get(operation, ""))

        def before_send() -> None:
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            if budget is not None:
                budget.acquire(where)

        for attempt in range(self.wait_policy.max_tries):
            with self._lock:
                self.transport.what, self.transport.before_send = where, before_send
                try:
                    return self._send(service, operation, kwargs)
                except Fault as exc:
                    name = fault_name(exc)
                    if name == LIMIT_FAULT and budget is not None and attempt < self.wait_policy.max_retries:
                        # Other clients of the domain spent it: wait for that period's reset.
                        self.logger.warning(
                            "%s failed: %s: %s; waiting for the reset", where, name, one_line(exc.message)
                        )
                        budget.used_up(_limit_of(exc))
                        continue
                    gave_up = (
                        f"gave up after {self.wait_policy.max_retries} retries: "
                        if name in RETRIABLE_FAULTS
                        else ""
                    )
                    raise Five9Fault(gave_up + fault_message(where, name, exc), name) from None
                except TransportError as exc:
                    status = exc.status_code or 0
                    text = one_line(_content_text(exc)) or "(empty body)"
                    gave_up = (
                        f"gave up after {self.wait_policy.max_retries} retries: "
                        if is_transient_status(status)
                        else ""
                    )
                    raise TapError(f"{gave_up}{where} returned {status}: {text}") from None
                except TRANSIENT_EXCEPTIONS as exc:
                    msg = f"gave up after {self.wait_policy.max_retries} retries: {where} failed: {type(exc).__name__}"
                    raise TapError(msg) from None
                except (XMLSyntaxError, ZeepXMLSyntaxError) as exc:
                    raise TapError(f"{where}: Five9's answer is not readable: {one_line(str(exc))}") from None
        raise TapError(f"{where} failed: {LIMIT_FAULT} on every one of {self.wait_policy.max_tries} tries")

    def _send(self, service: t.Any, operation: str, kwargs: dict[str, t.Any]) -> t.Any:
        if operation != "getReportResultCsv":
            return getattr(service, operation)(**kwargs)
        self.transport.read_csv = True
        with self._client.settings(raw_response=True):
            response = service.getReportResultCsv(**kwargs)
        if (result := csv_of(response)) is not None:
            return result
        # A fault or an error page: zeep raises what it raises for every other operation.
        binding = service._binding
        answer = binding.process_reply(self._client, binding.get("getReportResultCsv"), response)
        result = ReportCsv()
        result.write(answer or "")
        return result


def fault_name(exc: Fault) -> str:
    """The fault's type, from its `detail` element (e.g. ReportNotFoundFault)."""
    detail = exc.detail
    if is_soap_fault(exc) and detail is not None and len(detail):
        return str(detail[0].tag).rsplit("}", 1)[-1]
    return str(exc.code or "Fault").rsplit(":", 1)[-1]


def is_soap_fault(exc: Fault) -> bool:
    """False for zeep's "Unknown fault": an XML answer with no soap:Fault (its detail is bytes)."""
    return exc.detail is None or hasattr(exc.detail, "tag")


def fault_message(where: str, name: str, exc: Fault) -> str:
    message = f"{where} failed: {name}: {one_line(exc.message)}"
    if advice := FAULT_ADVICE.get(name):
        message += f" ({advice})"
    return message


def _limit_of(exc: Fault) -> int | None:
    detail = exc.detail
    if detail is None or not hasattr(detail, "iter"):
        return None
    for element in detail.iter():
        if str(element.tag).endswith("limit") and (element.text or "").strip().isdigit():
            return int(element.text.strip())
    return None


def _content_text(exc: TransportError) -> str:
    if isinstance(exc.content, bytes):
        return exc.content.decode(errors="replace")
    return str(exc.content or exc.message)
