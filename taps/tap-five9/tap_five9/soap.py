"""Five9 Configuration Web Services (SOAP) report runs, through zeep.

One client per tap run. It sends one request at a time (Five9 denies concurrent
requests of one user), paces each operation type to the domain's per-minute limit
(read once from getCallCountersState, which is itself unlimited), retries transient
faults, waits for the next minute on OperationsLimitExceededFault, and turns every
other failure into one line naming the operation, the fault and Five9's own words.

A report's CSV (up to 50,000 rows in one SOAP answer) is read as a stream and spooled to a
temporary file past a few MB, so a window costs bounded memory whatever its size.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
import threading
import time
import typing as t
from datetime import datetime
from urllib.parse import urlparse
from xml.parsers import expat

import requests
from lxml.etree import XMLSyntaxError
from tap_common.errors import TapError
from tap_common.rate_limit import CalendarMinuteLimiter, RateLimiter
from zeep import Client, Settings
from zeep.exceptions import Fault, TransportError
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError
from zeep.transports import Transport

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Iterator, Mapping

SOAP_PATH = "/wsadmin/v13/AdminWebService"
BINDING = "{http://service.admin.ws.five9.com/}WsAdminServiceSoapBinding"
#: Five9 asks clients to poll isReportRunning no more than every 5 seconds.
POLL_SECONDS = 5.0
#: Documented per-minute limits, used when getCallCountersState gives none.
DEFAULT_LIMITS = {"ReportRun": 16, "ReportResult": 20, "Query": 450}
OPERATION_TYPES = {"runReport": "ReportRun", "getReportResultCsv": "ReportResult", "isReportRunning": "Query"}
RETRIABLE_FAULTS = {"ServerFault", "ServiceUnavailableFault"}
MAX_BACKOFF_SECONDS = 60.0
_TAGS = re.compile(r"<[^>]+>")
#: CSV text kept in memory per report; the rest of a big result goes to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class StreamingTransport(Transport):
    """zeep's transport with response bodies read on demand: most answers are read whole
    as usual, and a report's CSV is parsed as it arrives (see `read_csv_answer`)."""

    def post(self, address: str, message: t.Any, headers: t.Any) -> requests.Response:
        return self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout, stream=True
        )


class ReportCsv:
    """The CSV text of one report result, in memory up to SPOOL_BYTES, on disk past it."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        )
        #: Newlines seen: one per row plus the header, more if quoted fields hold newlines.
        self.newlines = 0

    def write(self, text: str) -> None:
        self._file.write(text)
        self.newlines += text.count("\n")

    def count_rows(self) -> int:
        """Rows after the header, counted exactly (quoted fields may hold newlines)."""
        self._file.seek(0)
        return max(sum(1 for _ in csv.reader(self._file)) - 1, 0)

    def rows(self) -> Iterator[list[str]]:
        """The CSV rows (header first), read once; the text is dropped after the last."""
        try:
            self._file.seek(0)
            yield from csv.reader(self._file)
        finally:
            self.close()

    def close(self) -> None:
        self._file.close()


def read_csv_answer(response: requests.Response) -> ReportCsv | None:
    """Stream a getReportResultCsv answer's `return` text into a ReportCsv.

    None when the body holds no such element (e.g. a SOAP fault answered with 200), so
    the caller can hand the (small) body to zeep for the usual fault handling.
    """
    result = ReportCsv()
    names: list[str] = []
    found = False
    inside = False

    def start(name: str, _attributes: t.Any) -> None:
        nonlocal found, inside
        local = name.rsplit(" ", 1)[-1]
        if local == "return" and names and names[-1] == "getReportResultCsvResponse":
            found = inside = True
        names.append(local)

    def end(_name: str) -> None:
        nonlocal inside
        names.pop()
        inside = False

    def text(data: str) -> None:
        if inside:
            result.write(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK_BYTES
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    received: list[bytes] = []  # kept only until the CSV starts: a fault's whole body
    try:
        for chunk in response.iter_content(_CHUNK_BYTES):
            if not found:
                received.append(chunk)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except BaseException:
        result.close()
        raise
    if not found:
        result.close()
        response._content = b"".join(received)
        return None
    return result


class ReportClient:
    """runReport -> isReportRunning -> getReportResultCsv against one Five9 domain."""

    def __init__(
        self,
        config: Mapping[str, t.Any],
        *,
        base_url: str,
        rate_limiter: RateLimiter | None,
        credential_settings: str,
        logger: logging.Logger,
    ) -> None:
        self.config = config
        self.endpoint = base_url.rstrip("/") + SOAP_PATH
        self.rate_limiter = rate_limiter
        self.credential_settings = credential_settings
        self.logger = logger
        self.max_retries = int(config.get("max_retries", 5))
        self.backoff = float(config.get("retry_backoff_seconds", 1.0))
        self.report_timeout = float(config.get("report_timeout_seconds", 600))
        self._lock = threading.Lock()  # one request at a time
        self._service: t.Any = None
        self._client: t.Any = None
        self._limiters: dict[str, CalendarMinuteLimiter] = {}

    # -- connection -------------------------------------------------------------------

    def _connect(self, stream: str) -> t.Any:
        if self._service is not None:
            return self._service
        session = requests.Session()
        session.auth = (self.config["username"], self.config["password"])
        session.headers["User-Agent"] = self.config.get("user_agent") or "tap-five9"
        timeout = int(self.config.get("request_timeout", 60))
        # Long polls hold the answer up to POLL_SECONDS; the read timeout must outlast them.
        transport = StreamingTransport(
            session=session, timeout=timeout, operation_timeout=timeout + POLL_SECONDS
        )
        wsdl = f"{self.endpoint}?wsdl&user={self.config['username']}"
        client = self._with_retries(
            stream,
            "GET",
            "WSDL",
            lambda: Client(wsdl, transport=transport, settings=Settings(xml_huge_tree=True)),
        )
        self._client = client
        # The WSDL's own address may name another host; always call the configured one.
        self._service = client.create_service(BINDING, self.endpoint)
        # Five9's counters reset on the minute: use each minute's allowance as it comes.
        self._limiters = {
            kind: CalendarMinuteLimiter(limit) for kind, limit in self._minute_limits(stream).items()
        }
        return self._service

    def _minute_limits(self, stream: str) -> dict[str, int]:
        limits = dict(DEFAULT_LIMITS)
        try:
            infos = self._with_retries(
                stream, "POST", "getCallCountersState", self._service.getCallCountersState
            )
        except TapError as exc:
            self.logger.warning("%s: using Five9's documented limits (%s)", stream, exc)
            return limits
        for info in infos or []:
            if getattr(info, "timeout", None) == 60:
                for state in info.callCounterStates or []:
                    if state.operationType in limits and state.limit:
                        limits[state.operationType] = int(state.limit)
        self.logger.info("Five9 per-minute operation limits: %s", limits)
        return limits

    # -- operations -------------------------------------------------------------------

    def run_report(
        self,
        stream: str,
        folder: str,
        report: str,
        start: datetime,
        end: datetime,
        users: list[str] | None = None,
    ) -> ReportCsv:
        """Run one report over [start, end) and return its CSV."""
        criteria: dict[str, t.Any] = {"time": {"start": start, "end": end}}
        if users:
            criteria["reportObjects"] = [{"objectType": "User", "objectNames": users}]
        identifier = self._call(stream, "runReport", folderName=folder, reportName=report, criteria=criteria)
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
            if not self._call(stream, "isReportRunning", identifier=identifier, timeout=timeout):
                break
        return self._call(stream, "getReportResultCsv", identifier=identifier)

    def _call(self, stream: str, operation: str, **kwargs: t.Any) -> t.Any:
        service = self._connect(stream)
        limiter = self._limiters.get(OPERATION_TYPES.get(operation, ""))

        def send() -> t.Any:
            if limiter is not None:
                limiter.acquire()
            if operation == "getReportResultCsv":
                return self._csv_result(service, **kwargs)
            return getattr(service, operation)(**kwargs)

        return self._with_retries(stream, "POST", operation, send)

    def _csv_result(self, service: t.Any, **kwargs: t.Any) -> ReportCsv:
        with self._client.settings(raw_response=True):
            response = service.getReportResultCsv(**kwargs)
        if response.status_code == 200 and (result := read_csv_answer(response)) is not None:
            return result
        # A fault or an error page: zeep raises what it raises for every other operation.
        binding = service._binding
        answer = binding.process_reply(self._client, binding.get("getReportResultCsv"), response)
        result = ReportCsv()
        result.write(answer or "")
        return result

    def _with_retries(self, stream: str, method: str, operation: str, send: t.Callable[[], t.Any]) -> t.Any:
        where = f"{stream}: {operation} ({method} {urlparse(self.endpoint).path})"
        attempt = 0
        while True:
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            try:
                with self._lock:
                    return send()
            except Fault as exc:
                name = fault_name(exc)
                message = f"{where} failed: {name}: {one_line(exc.message)}"
                if name == "OperationsLimitExceededFault":
                    wait = 61 - time.time() % 60  # counters reset at the start of each minute
                elif name in RETRIABLE_FAULTS or not is_soap_fault(exc):
                    # Not a SOAP fault: an HTTP error page (e.g. a proxy's 502) zeep could parse.
                    wait = min(self.backoff * 2**attempt, MAX_BACKOFF_SECONDS)
                else:
                    raise TapError(message) from None
            except (TransportError, requests.HTTPError) as exc:
                status, text = _status_and_text(exc)
                message = f"{where} returned {status}: {text}"
                if status in (401, 403):
                    raise TapError(f"{message} (check the {self.credential_settings} setting)") from None
                if status != 429 and status < 500:
                    raise TapError(message) from None
                wait = min(self.backoff * 2**attempt, MAX_BACKOFF_SECONDS)
            except (requests.RequestException, XMLSyntaxError, ZeepXMLSyntaxError, expat.ExpatError) as exc:
                # Resets, timeouts, truncated bodies (ChunkedEncodingError), non-SOAP 200 bodies.
                message = f"{where} failed: {type(exc).__name__}"
                wait = min(self.backoff * 2**attempt, MAX_BACKOFF_SECONDS)
            if attempt >= self.max_retries:
                raise TapError(f"gave up after {self.max_retries} retries: {message}")
            attempt += 1
            self.logger.warning(
                "%s; retrying in %.1f s (attempt %d of %d)", message, wait, attempt, self.max_retries
            )
            time.sleep(wait)


def fault_name(exc: Fault) -> str:
    """The fault's type, from its `detail` element (e.g. ReportNotFoundFault)."""
    detail = exc.detail
    if is_soap_fault(exc) and detail is not None and len(detail):
        return str(detail[0].tag).rsplit("}", 1)[-1]
    return str(exc.code or "Fault").rsplit(":", 1)[-1]


def is_soap_fault(exc: Fault) -> bool:
    """False for zeep's "Unknown fault": an XML answer with no soap:Fault (its detail is bytes)."""
    return exc.detail is None or hasattr(exc.detail, "tag")


def one_line(text: str | None, limit: int = 300) -> str:
    text = " ".join(_TAGS.sub(" ", text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _status_and_text(exc: TransportError | requests.HTTPError) -> tuple[int, str]:
    if isinstance(exc, requests.HTTPError):
        response = exc.response
        status = response.status_code if response is not None else 0
        body = response.text if response is not None else ""
        reason = response.reason if response is not None else ""
    else:
        status, reason = exc.status_code or 0, ""
        body = (
            exc.content.decode(errors="replace")
            if isinstance(exc.content, bytes)
            else str(exc.content or exc.message)
        )
    return status, one_line(f"{reason} {body}".strip()) or "(empty body)"
