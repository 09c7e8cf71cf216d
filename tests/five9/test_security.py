"""Credentials go only to the configured Five9 host: the WSDL's schema imports are never
fetched elsewhere, the WSDL is cached per version, the username is encoded in `?wsdl&user=`."""

from __future__ import annotations

import base64

from suite_sandbox.server import Response, Simulator

from tests.conftest import run_tap
from tests.five9.test_reports_mode import config, simulator

SWAREF = (
    '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://ws-i.org/profiles/basic/1.1/xsd">'
    '<xsd:simpleType name="swaRef"><xsd:restriction base="xsd:anyURI"/></xsd:simpleType></xsd:schema>'
)


class SchemaHost(Simulator):
    """A third-party host serving a schema; it records every request and its headers."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/.*", lambda request, match: Response(200, SWAREF, content_type="text/xml"))


def test_the_wsdls_swaref_import_is_read_from_the_local_copy(serve, tmp_path):
    """Five9's WSDL imports http://ws-i.org/profiles/basic/1.1/swaref.xsd (as the simulator's
    does): the run needs no request to ws-i.org (this machine has no internet either)."""
    sim = simulator()
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.records("call_log")
    assert {r.path for r in sim.requests} == {"/wsadmin/v13/AdminWebService"}


def test_a_schema_import_from_another_host_is_refused_and_gets_no_request(serve, tmp_path):
    third_party = SchemaHost()
    other = serve(third_party)
    sim = simulator(schema_import_url=f"{other.url}/profiles/basic/1.1/swaref.xsd")
    server = serve(sim)
    run = run_tap("tap-five9", config(server.url), tmp_path)

    assert run.returncode != 0
    assert third_party.requests == [], "the tap sent a request (with credentials?) to another host"
    line = run.cause_lines[-1]
    assert f"imports {other.url}/profiles/basic/1.1/swaref.xsd, a schema on another host" in line
    assert "Traceback" not in run.stderr
    # Only the configured host was asked for anything, and only it saw credentials.
    assert all(r.headers.get("authorization", "").startswith("Basic ") for r in sim.requests)


def test_the_wsdl_is_fetched_once_and_cached_per_host_and_version(serve, tmp_path, own_wsdl_cache):
    sim = simulator()
    server = serve(sim)
    for attempt in ("1", "2"):
        run = run_tap("tap-five9", config(server.url, end_date="2024-03-09T06:00:00Z"), tmp_path / attempt)
        assert run.returncode == 0, run.stderr
    assert len(sim.requests_to(r"/wsadmin/v13/AdminWebService$", method="GET")) == 1
    cached = own_wsdl_cache / f"127.0.0.1_{server.port}" / "v13" / "AdminWebService.wsdl"
    assert b"WsAdminService" in cached.read_bytes()
    assert len(sim.soap_requests("runReport")) == 4  # both runs ran their reports


def test_the_username_is_url_encoded_in_the_wsdl_request(serve, tmp_path):
    username = "ops+five9&reports@example.com"
    sim = simulator(username=username)
    server = serve(sim)
    run = run_tap(
        "tap-five9", config(server.url, username=username, end_date="2024-03-09T06:00:00Z"), tmp_path
    )
    assert run.returncode == 0, run.stderr
    wsdl = sim.requests_to(r"/wsadmin/v13/AdminWebService$", method="GET")[0]
    assert wsdl.query == {"wsdl": [""], "user": [username]}
    header = wsdl.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(header).decode() == f"{username}:five9-sandbox-password"


def test_plain_http_to_a_five9_host_is_refused_before_any_request(tmp_path):
    run = run_tap("tap-five9", config("http://api.five9.com"), tmp_path)
    assert run.returncode != 0
    assert "setting 'api_url' must use https" in run.stderr
    assert "five9-sandbox-password" not in run.output()
