"""One host per LivePerson service, as the Domain API (CSDS) names them.

The server a simulator is served on plays `api.liveperson.net` (the Domain API). Each
service (account config, messaging history, Sentinel, ...) gets its own local server on
its own port, started on the first CSDS answer; a request for a service's path on any
other host is answered 404, as a wrong LivePerson host would. `close()` stops them.
"""

from __future__ import annotations

import threading
import typing as t

from suite_sandbox.server import SandboxServer

if t.TYPE_CHECKING:
    from suite_sandbox.server import Request, Simulator

#: Services that share a host (read-only and read-write account config live together).
_SHARED = {"accountConfigReadWrite": "accountConfigReadOnly"}
#: The service servers only need to notice shutdown now and then.
_POLL_SECONDS = 0.5


class ServiceHosts:
    """The `127.0.0.1:<port>` host of each service, served by the same simulator."""

    def __init__(self, simulator: Simulator, services: t.Sequence[str], *, separate: bool = True) -> None:
        self.simulator = simulator
        self.services = tuple(services)
        #: False: every service on the Domain API's own host (a replay that rewrites hosts).
        self.separate = separate
        self.shared_host = ""
        self._servers: dict[str, SandboxServer] = {}
        self._lock = threading.Lock()

    def _start(self) -> None:
        with self._lock:
            if self._servers:
                return
            for service in self.services:
                if service in _SHARED:
                    continue
                server = SandboxServer(self.simulator)
                threading.Thread(
                    target=server._httpd.serve_forever,
                    kwargs={"poll_interval": _POLL_SECONDS},
                    daemon=True,
                    name=f"liveperson-{service}",
                ).start()
                self._servers[service] = server

    def host(self, service: str) -> str:
        """`127.0.0.1:<port>` of a service (its server starts with the first call)."""
        if not self.separate:
            return self.shared_host
        self._start()
        return f"127.0.0.1:{self._servers[_SHARED.get(service, service)].port}"

    def url(self, service: str) -> str:
        return f"http://{self.host(service)}"

    def serves(self, request: Request, service: str) -> bool:
        """Whether `request` came to the host of `service`."""
        if not self.separate:
            return True
        if not self._servers:
            return False
        return request.headers.get("host", "") == self.host(service)

    def close(self) -> None:
        """Stop the service servers (in the background: each notices within half a second)."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            threading.Thread(target=server.stop, daemon=True).start()
