"""zeep's transport for Five9: credentials only to the configured host, every request through
the suite's wait policy, the WSDL cached per version, schema imports never fetched elsewhere.

- The Basic credentials are attached per request, only to the configured Five9 origin (never
  `session.auth`, which would follow zeep to any host the WSDL names).
- The WSDL Five9 serves imports `http://ws-i.org/profiles/basic/1.1/swaref.xsd`; that type is
  served from a local copy, and any other import from another host is refused (one clear error
  naming it) instead of fetched: nothing, credentials least of all, goes to a third party, and a
  third-party outage cannot fail the run.
- The WSDL is cached per host and API version (`$XDG_CACHE_HOME/tap-five9`, a day at most), so a
  run fetches it at most once a day.
- Every HTTP request (WSDL and SOAP calls) goes through `WaitPolicy.call`: 429, 5xx that are not
  a Five9 fault, retriable faults (ServerFault, ServiceUnavailableFault), connection faults,
  timeouts and unreadable bodies are retried as the API asks (`Retry-After`), bounded.
"""

from __future__ import annotations

import os
import re
import time
import typing as t
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse
from xml.parsers import expat

import requests
from lxml import etree
from tap_common.errors import CredentialsRefused, TapError
from zeep.transports import Transport

from tap_five9.report_csv import read_csv_answer

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable

    from tap_common.retry import WaitPolicy

    from tap_five9.report_csv import ReportCsv

#: Schemas the Five9 WSDL imports from third-party hosts, served from the package instead.
LOCAL_SCHEMAS = {
    "http://ws-i.org/profiles/basic/1.1/swaref.xsd": "swaref.xsd",
    "https://ws-i.org/profiles/basic/1.1/swaref.xsd": "swaref.xsd",
}
WSDL_MAX_AGE_SECONDS = 24 * 3600
#: Five9 faults worth another try (the server's own transient failures).
RETRIABLE_FAULTS = frozenset({"ServerFault", "ServiceUnavailableFault"})
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def origin(url: str) -> str:
    """scheme://host:port, the scheme's default port spelled out."""
    parsed = urlparse(url)
    port = parsed.port or {"https": 443, "http": 80}.get(parsed.scheme)
    return f"{parsed.scheme}://{(parsed.hostname or '').lower()}:{port}"


class OriginBoundAuth(requests.auth.HTTPBasicAuth):
    """HTTP Basic credentials attached only to requests for one origin (also after redirects)."""

    def __init__(self, allowed_origin: str, username: str, password: str) -> None:
        super().__init__(username, password)
        self.allowed_origin = allowed_origin

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if origin(str(request.url)) == self.allowed_origin:
            return super().__call__(request)
        request.headers.pop("Authorization", None)
        return request


def soap_fault(body: bytes | None) -> tuple[str, str] | None:
    """(fault name, Five9's text) of a SOAP fault body; None when the body holds none."""
    if not body or b"Fault" not in body:
        return None
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError:
        return None
    fault = root.find(f"{{{_SOAP_ENV}}}Body/{{{_SOAP_ENV}}}Fault")
    if fault is None:
        return None
    detail = fault.find("detail")
    name = etree.QName(detail[0]).localname if detail is not None and len(detail) else ""
    text = " ".join((fault.findtext("faultstring") or "").split())
    return name or (fault.findtext("faultcode") or "Fault").rpartition(":")[2], text


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tap-five9"


class Five9Transport(Transport):
    """The transport of one tap run against one Five9 host."""

    def __init__(
        self,
        *,
        endpoint: str,
        username: str,
        password: str,
        user_agent: str,
        timeout: float,
        operation_timeout: float,
        wait_policy: WaitPolicy,
        credential_settings: str,
        logger: logging.Logger,
    ) -> None:
        session = requests.Session()
        session.trust_env = False  # no netrc credentials for other hosts either
        session.headers["User-Agent"] = user_agent
        super().__init__(session=session, timeout=timeout, operation_timeout=operation_timeout)
        self.endpoint = endpoint
        self.origin = origin(endpoint)
        self.auth = OriginBoundAuth(self.origin, username, password)
        self.wait_policy = wait_policy
        self.credential_settings = credential_settings
        self.logger = logger
        #: What the next request is, for log lines and errors ("call_log: runReport (POST ...)").
        self.what = f"Five9 ({urlparse(endpoint).path})"
        #: Called before every HTTP attempt of a SOAP call (pacing to Five9's limits).
        self.before_send: Callable[[], None] = lambda: None
        #: Parse the next answer as a report's CSV, as it arrives.
        self.read_csv = False
        self._wsdl: tuple[Path, bytes] | None = None

    # -- WSDL and schema imports ----------------------------------------------------------

    def _cache_path(self) -> Path:
        parsed = urlparse(self.endpoint)
        version = parsed.path.strip("/").split("/")[1] if parsed.path.count("/") >= 2 else "default"
        return cache_dir() / f"{parsed.hostname}_{parsed.port or 443}" / version / "AdminWebService.wsdl"

    def load(self, url: str) -> bytes:
        if url in LOCAL_SCHEMAS:
            return resources.files("tap_five9").joinpath("xsd", LOCAL_SCHEMAS[url]).read_bytes()
        if origin(url) != self.origin:
            msg = (
                f"the Five9 WSDL imports {url}, a schema on another host; the tap does not fetch it "
                f"(Five9 credentials go only to {self.origin.rsplit(':', 1)[0]}), so the WSDL cannot "
                "be read: please report this import to the tap's maintainers"
            )
            raise TapError(msg)
        if urlparse(url).path == urlparse(self.endpoint).path:
            path = self._cache_path()
            try:
                if time.time() - path.stat().st_mtime < WSDL_MAX_AGE_SECONDS:
                    return path.read_bytes()
            except OSError:
                pass
            content = self._get(url, what=self.what)
            self._wsdl = (path, content)
            return content
        return self._get(url, what=f"{self.what}: import {urlparse(url).path}")

    def keep_wsdl(self) -> None:
        """The WSDL was read fine: cache it (best effort) for the next runs."""
        if self._wsdl is None:
            return
        path, content = self._wsdl
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(content)
            temporary.replace(path)
        except OSError as exc:
            self.logger.debug("WSDL not cached at %s: %s", path, exc)
        self._wsdl = None

    def _get(self, url: str, *, what: str) -> bytes:
        def send() -> requests.Response:
            response = self.session.get(url, timeout=self.load_timeout, auth=self.auth)
            _ = response.content  # a body cut short is retried like a reset
            return response

        response = self.wait_policy.call(send, what=what, logger=self.logger)
        self._refuse_credentials(response, what)
        if response.status_code != 200:
            raise TapError(f"{what} returned {response.status_code}: {_body_text(response)}")
        return response.content

    # -- SOAP calls -----------------------------------------------------------------------

    def post(self, address: str, message: t.Any, headers: t.Any) -> requests.Response:
        if origin(address) != self.origin:  # create_service always names the configured host
            raise TapError(
                f"refusing to send a SOAP call to {origin(address)}, not the configured Five9 host"
            )
        read_csv, self.read_csv = self.read_csv, False

        def send() -> requests.Response:
            self.before_send()
            response = self.session.post(
                address,
                data=message,
                headers=headers,
                timeout=self.operation_timeout,
                auth=self.auth,
                stream=True,
            )
            response.report_csv = None  # type: ignore[attr-defined]
            try:
                if read_csv and response.status_code == 200:
                    response.report_csv = read_csv_answer(response)  # type: ignore[attr-defined]
                else:
                    _ = response.content
            except expat.ExpatError as exc:
                # A body cut short or not XML: unreadable, retried like a reset.
                raise requests.exceptions.ContentDecodingError(f"unreadable answer: {exc}") from None
            if response.report_csv is None and response.status_code == 200 and not _is_soap(response.content):  # type: ignore[attr-defined]
                raise requests.exceptions.ContentDecodingError("a 200 answer that is not a SOAP envelope")
            return response

        response = self.wait_policy.call(
            send, what=self.what, logger=self.logger, transient=self._transient, describe=self._describe
        )
        self._refuse_credentials(response, self.what)
        return response

    def _transient(self, response: requests.Response) -> bool:
        if getattr(response, "report_csv", None) is not None:
            return False
        fault = soap_fault(response.content)
        if fault is not None:
            return fault[0] in RETRIABLE_FAULTS
        return response.status_code == 429 or response.status_code >= 500

    @staticmethod
    def _describe(response: requests.Response) -> str:
        """A transient answer on the retry line: its SOAP fault, else its status."""
        fault = soap_fault(response.content)
        return f"{fault[0]}: {one_line(fault[1])}" if fault else f"status {response.status_code}"

    def _refuse_credentials(self, response: requests.Response, what: str) -> None:
        if response.status_code in (401, 403):
            msg = (
                f"{what} returned {response.status_code}: {_body_text(response)} "
                f"(check the {self.credential_settings} setting)"
            )
            raise CredentialsRefused(msg)


def _is_soap(body: bytes) -> bool:
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError:
        return False
    return root.tag == f"{{{_SOAP_ENV}}}Envelope"


_TAGS = re.compile(r"<[^>]+>")


def one_line(text: str | None, limit: int = 300) -> str:
    """Text (tags stripped) on one line, at most `limit` characters."""
    text = " ".join(_TAGS.sub(" ", text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _body_text(response: requests.Response) -> str:
    body = response.content.decode("utf-8", errors="replace")
    return one_line(f"{response.reason or ''} {body}".strip()) or "(empty body)"


def csv_of(response: requests.Response) -> ReportCsv | None:
    """The report CSV the transport read from a getReportResultCsv answer, if it held one."""
    return getattr(response, "report_csv", None)
