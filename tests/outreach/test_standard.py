"""The SDK's standard tap tests, run in-process against a module-level sandbox."""

from __future__ import annotations

import atexit
import tempfile
from pathlib import Path

from singer_sdk.testing import get_tap_test_class
from suite_sandbox import SandboxServer
from suite_sandbox.outreach import make_simulator
from tap_outreach.tap import TapOutreach

from tests.outreach.helpers import fast_config

_server = SandboxServer(make_simulator(records=24)).start()
atexit.register(_server.stop)
# Each in-process tap instance refreshes once; the store hands the rotated token on.
_store = Path(tempfile.mkdtemp(prefix="tap-outreach-")) / "refresh_token.json"

TestTapOutreach = get_tap_test_class(
    TapOutreach,
    config=fast_config(_server.url, page_size=5, refresh_token_store=str(_store)),
)
