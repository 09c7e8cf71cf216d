"""Service URLs are built from the CSDS hosts with a safe scheme."""

from __future__ import annotations

import pytest
from suite_sandbox import liveperson as lp
from tap_liveperson.tap import TapLivePerson


@pytest.mark.parametrize(
    ("api_url", "host", "expected"),
    [
        ("https://api.liveperson.net", "va.msghist.liveperson.net", "https://va.msghist.liveperson.net"),
        # The sandbox: api_url is local http, so are its service hosts.
        ("http://127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1:8080"),
        # A remote host is never reached over http, even when CSDS itself was local.
        ("http://127.0.0.1:8080", "va.msghist.liveperson.net", "https://va.msghist.liveperson.net"),
        ("https://api.liveperson.net", "127.0.0.1:8080", "https://127.0.0.1:8080"),
    ],
)
def test_service_url_scheme(api_url: str, host: str, expected: str) -> None:
    tap = TapLivePerson(config={**lp.demo_config(api_url)}, validate_config=True)
    # The answer one CSDS lookup would give (cached on the tap for the whole run).
    tap.__dict__["service_hosts"] = {"msgHist": host}
    assert tap.service_url("msgHist") == expected
