"""The SDK's standard tap tests, run in-process against a module-level sandbox (both modes)."""

from __future__ import annotations

import atexit

from singer_sdk.testing import get_tap_test_class
from suite_sandbox import SandboxServer
from suite_sandbox.five9 import demo_config, make_simulator
from tap_five9.tap import TapFive9

from tests.five9.test_reports_mode import FAST_LIMITS

_server = SandboxServer(
    make_simulator(records=40, agent_count=2, limits=FAST_LIMITS, report_delay=0.01)
).start()
atexit.register(_server.stop)
_fast = {"max_requests_per_minute": 60000, "retry_backoff_seconds": 0.01}

TestTapFive9Reports = get_tap_test_class(TapFive9, config={**demo_config(_server.url), **_fast})
TestTapFive9Rest = get_tap_test_class(
    TapFive9,
    config={**demo_config(_server.url), **_fast, "api_mode": "rest", "api_url": _server.url + "/v1"},
)
