"""The Singer SDK's standard tap tests, in-process, against a LivePerson sandbox."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class
from suite_sandbox import SandboxServer
from suite_sandbox.liveperson import demo_config, make_simulator
from tap_liveperson.tap import TapLivePerson

_server = SandboxServer(make_simulator(records=30, skills=3, span_days=60)).start()

TestTapLivePerson = get_tap_test_class(
    TapLivePerson,
    config={**demo_config(_server.url), "retry_backoff_seconds": 0.01, "max_requests_per_minute": 100_000},
)
