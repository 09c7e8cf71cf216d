"""A real HTTP server on 127.0.0.1 that hosts one API simulator.

The server does the HTTP plumbing every simulator shares: routing, recording what each
request carried (so tests can assert what the API saw), injected faults, and a per-minute
request budget that answers 429 in the simulated API's own format.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
import typing as t
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

if t.TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class Request:
    """One request as the simulated API received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    #: Wall-clock time (epoch seconds) the request arrived.
    received_at: float = field(default_factory=time.time)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> t.Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int = 200
    body: t.Any = None  # JSON-serialisable, or bytes/str sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


@dataclass
class Fault:
    """A misbehaviour served instead of (or around) the real answer.

    kind: "status" (answer `status` with `headers`/`body`), "reset" (drop the
    connection), "slow" (answer after `delay` seconds), "truncate" (send half the body
    and hang up), "garbage" (200 with a non-JSON body), or "hook" (call `hook`, e.g. to
    expire tokens, then answer normally).
    """

    kind: str
    times: int = 1
    #: Serve the fault on every `every`-th matching request only (a steady fault rate: 4 is
    #: one request in four); `times` counts the faults served.
    every: int = 1
    path: str = ""  # regex searched in the request path; empty matches all
    request_body: str = ""  # regex searched in the request body (e.g. one SOAP operation)
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: t.Any = None
    delay: float = 0.0
    hook: Callable[[], None] | None = None
    method: str | None = None
    _seen: int = 0


class Simulator:
    """Base of the API simulators: routes, faults and the rate budget.

    Subclasses register routes with `route(method, pattern, handler)`; a handler takes
    the `Request` and the regex match and returns a `Response`.
    """

    #: Requests allowed per rolling minute per key (None: unlimited).
    rate_limit_per_minute: int | None = None

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = []
        self.faults: deque[Fault] = deque()
        self.requests: list[Request] = []
        self.latency = 0.0
        self.rate_limited = 0
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    # -- set-up ----------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Callable[..., Response]) -> None:
        self.routes.append((method, re.compile(pattern + r"$"), handler))

    def inject(self, kind: str, **kwargs: t.Any) -> Fault:
        fault = Fault(kind, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def requests_to(self, path_regex: str, method: str | None = None) -> list[Request]:
        pattern = re.compile(path_regex)
        return [
            r
            for r in list(self.requests)
            if pattern.search(r.path) and (method is None or r.method == method)
        ]

    # -- hooks for subclasses ---------------------------------------------------------

    def rate_limit_key(self, request: Request) -> str | None:
        """Who the budget belongs to (an API key, a token); None exempts the request."""
        return request.headers.get("authorization", "anonymous")

    def rate_limited_response(self, retry_after: float) -> Response:
        return Response(429, {"error": "rate limited"}, {"Retry-After": str(max(1, round(retry_after)))})

    def rate_limit_headers(self, remaining: int, reset: float) -> dict[str, str]:
        """Headers reporting the budget on every answer (API-specific)."""
        return {}

    def not_found(self, request: Request) -> Response:
        return Response(404, {"error": f"no route for {request.method} {request.path}"})

    # -- serving ----------------------------------------------------------------------

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    (not fault.path or re.search(fault.path, request.path))
                    and (fault.method is None or fault.method == request.method)
                    and (not fault.request_body or re.search(fault.request_body.encode(), request.body))
                ):
                    fault._seen += 1
                    if fault._seen % fault.every:
                        continue
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _budget(self, request: Request) -> tuple[bool, dict[str, str], float]:
        if self.rate_limit_per_minute is None:
            return True, {}, 0.0
        key = self.rate_limit_key(request)
        if key is None:
            return True, {}, 0.0
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and now - window[0] >= 60:
                window.popleft()
            reset = 60 - (now - window[0]) if window else 60.0
            if len(window) >= self.rate_limit_per_minute:
                self.rate_limited += 1
                return False, self.rate_limit_headers(0, reset), reset
            window.append(now)
            remaining = self.rate_limit_per_minute - len(window)
        return True, self.rate_limit_headers(remaining, reset), reset

    def dispatch(self, request: Request) -> Response:
        allowed, budget_headers, reset = self._budget(request)
        if not allowed:
            response = self.rate_limited_response(reset)
            response.headers = {**budget_headers, **response.headers}
            return response
        for method, pattern, handler in self.routes:
            if method == request.method and (match := pattern.match(request.path)):
                response = handler(request, match)
                break
        else:
            response = self.not_found(request)
        response.headers = {**budget_headers, **response.headers}
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle + delayed ACK add
    # ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server: _SandboxHTTPServer

    def log_message(self, format: str, *args: t.Any) -> None:
        pass  # quiet: tests read the request log instead

    def _serve(self) -> None:
        simulator = self.server.simulator
        parsed = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parsed.path,
            query=parse_qs(parsed.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        simulator.requests.append(request)
        if simulator.latency:
            time.sleep(simulator.latency)
        fault = simulator._take_fault(request)
        if fault and fault.kind == "hook" and fault.hook:
            fault.hook()
            fault = None
        if fault and fault.kind == "reset":
            # SO_LINGER 0 makes close() send RST: the client sees a connection reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault and fault.kind == "status":
            response = Response(
                fault.status,
                fault.body if fault.body is not None else {"error": "injected fault"},
                dict(fault.headers),
            )
        elif fault and fault.kind == "garbage":
            response = Response(200, b"<html><body>Bad Gateway</body></html>", content_type="text/html")
        else:
            try:
                response = simulator.dispatch(request)
            except Exception as exc:
                response = Response(500, {"error": f"simulator error: {type(exc).__name__}: {exc}"})
        body = response.encoded()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if fault and fault.kind == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        # A client that hung up (a killed tap, a timed-out request) is not a simulator error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """Serve a simulator on 127.0.0.1 (a free port by default) in a background thread."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self._httpd = _SandboxHTTPServer((host, port), simulator)
        # A short poll keeps stop() fast (tests start and stop many servers).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
