"""The Singer SDK's standard tap tests, run in-process against a module-level simulator."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class
from suite_sandbox import SandboxServer
from suite_sandbox.persistiq import demo_config, make_simulator
from tap_persistiq.tap import TapPersistIQ

_server = SandboxServer(
    make_simulator(records=150, campaigns=2, events=40, rate_limit_per_minute=None)
).start()

TestTapPersistIQ = get_tap_test_class(
    TapPersistIQ,
    config={**demo_config(_server.url), "max_requests_per_minute": 100_000, "retry_backoff_seconds": 0.01},
)
