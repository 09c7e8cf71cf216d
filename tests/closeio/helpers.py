"""Running tap-closeio against the Close simulator (real executable, real HTTP)."""

from __future__ import annotations

import json
import tempfile
import typing as t
from datetime import datetime
from pathlib import Path

from suite_sandbox.closeio import demo_config

from tests.conftest import TapRun, run_tap, select_streams

TAP = "tap-closeio"


def config_for(url: str, **overrides: object) -> dict:
    return {
        **demo_config(url),
        "max_requests_per_minute": 100_000,
        "retry_backoff_seconds": 0.01,
        **overrides,
    }


def ids(run: TapRun, stream: str) -> list[str]:
    return [r["id"] for r in run.records(stream)]


def catalog(url: str, streams: t.Iterable[str], **overrides: object) -> dict:
    """The catalog `tap-closeio --discover` prints, with only `streams` selected."""
    with tempfile.TemporaryDirectory() as workdir:
        run = run_tap(TAP, config_for(url, **overrides), Path(workdir), args=["--discover"])
    assert run.returncode == 0, run.stderr
    return select_streams(json.loads(run.stdout), streams)


def sync(url: str, tmp_path, streams=None, state=None, **overrides) -> TapRun:
    config = config_for(url, **overrides)
    chosen = None if streams is None else catalog(url, streams, **overrides)
    return run_tap(TAP, config, tmp_path, state=state, catalog=chosen)


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def search_bodies(simulator, object_type: str) -> list[dict]:
    """The `/data/search/` request bodies the simulator received for one object type."""
    bodies = [r.json() for r in simulator.requests_to(r"/data/search/$", "POST")]
    return [b for b in bodies if {"type": "object_type", "object_type": object_type} in b["query"]["queries"]]


def search_since(body: dict) -> str | None:
    """The `on_or_after` value of a search body's date_updated condition, if any."""
    for part in body["query"]["queries"]:
        if part.get("type") == "field_condition":
            return part["condition"]["on_or_after"]["value"]
    return None
