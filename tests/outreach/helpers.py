"""Shared set-up for the Outreach tests: a small simulator and a fast tap config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from suite_sandbox.outreach import demo_config

from tests.conftest import tap_executable

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from specs.outreach import STREAMS

TAP = "tap-outreach"

#: Collection path in the API for each stream of the tap: the streams the schema generator
#: derives from Outreach's spec (one list, in scripts/specs/outreach.py).
PATHS = STREAMS
#: Streams without a filterable time field: read whole every run.
FULL_TABLE = {"duties", "sequence_templates"}
#: Streams without `updatedAt`: new records are read by `createdAt` (notes, events).
BY_CREATED_AT = {"account_notes", "prospect_notes", "events"}


def ids(records: list[dict]) -> list[int]:
    return [r["id"] for r in records]


def fast_config(url: str, **overrides: object) -> dict:
    """The sandbox's working config, with tiny waits so retries cost milliseconds.

    No refresh-token store unless a test gives one (tests that run twice do).
    """
    config = demo_config(url)
    del config["refresh_token_store"]
    return {
        **config,
        "max_requests_per_minute": 100_000,
        "retry_backoff_seconds": 0.01,
        "max_retries": 3,
        **overrides,
    }


def discover_catalog(config: dict, tmp_path: Path) -> dict:
    """`tap-outreach --discover` (conftest's `discover` chokes on the indented catalog JSON)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [tap_executable(TAP), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
