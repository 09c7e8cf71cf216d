"""The Singer SDK's standard tap tests, run in-process against a module-level Close simulator."""

from __future__ import annotations

from singer_sdk.testing import get_tap_test_class
from suite_sandbox import SandboxServer
from suite_sandbox.closeio import demo_config, make_simulator
from tap_closeio.tap import TapCloseIO

_server = SandboxServer(make_simulator(records=20)).start()

TestTapCloseIO = get_tap_test_class(
    TapCloseIO,
    config={
        **demo_config(_server.url),
        "max_requests_per_minute": 100_000,
        "retry_backoff_seconds": 0.01,
        # Fewer, larger activity windows keep the suite fast (the data spans a few days).
        "date_window_days": 400,
    },
)
