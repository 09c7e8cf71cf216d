"""Fixtures shared by every test: run a real tap executable against a sandbox server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from suite_sandbox import SandboxServer, Simulator

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tap_executable(name: str) -> str:
    """Path of an installed tap's console script (the same binary users run)."""
    path = BIN / name
    assert path.exists(), f"{name} is not installed in {BIN}: run the README's install command"
    return str(path)


@dataclass
class TapRun:
    """What one run of a tap executable printed, parsed."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict] = field(default_factory=list)

    def records(self, stream: str | None = None) -> list[dict]:
        return [
            m["record"]
            for m in self.messages
            if m.get("type") == "RECORD" and (stream is None or m.get("stream") == stream)
        ]

    def streams(self) -> set[str]:
        return {m["stream"] for m in self.messages if m.get("type") == "RECORD"}

    def schemas(self) -> dict[str, dict]:
        return {m["stream"]: m for m in self.messages if m.get("type") == "SCHEMA"}

    @property
    def states(self) -> list[dict]:
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    @property
    def last_state(self) -> dict:
        return self.states[-1] if self.states else {}

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]

    @property
    def cause_lines(self) -> list[str]:
        """ERROR lines saying what failed (without the run's closing list of failed streams)."""
        return [line for line in self.error_lines if "synced streams failed:" not in line]

    @property
    def failed_streams(self) -> list[str]:
        """The streams the run's closing ERROR line names as failed."""
        for line in self.error_lines:
            if "synced streams failed:" in line:
                names = line.split("synced streams failed:", 1)[1].split("(each named above)")[0]
                return [name.strip() for name in names.split(",") if name.strip()]
        return []

    def output(self) -> str:
        return self.stdout + self.stderr


def run_tap(
    executable: str,
    config: dict,
    tmp_path: Path,
    *,
    state: dict | None = None,
    catalog: dict | None = None,
    args: t.Sequence[str] = (),
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> TapRun:
    """Run `executable --config ... [--state ...] [--catalog ...]` and parse its output."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    command = [tap_executable(executable), "--config", str(config_path), *args]
    if state is not None:
        state_path = tmp_path / "state.json"
        state_path.write_text(json.dumps(state))
        command += ["--state", str(state_path)]
    if catalog is not None:
        catalog_path = tmp_path / "catalog.json"
        catalog_path.write_text(json.dumps(catalog))
        command += ["--catalog", str(catalog_path)]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    messages = []
    for line in completed.stdout.splitlines():
        # Singer messages are one JSON object a line; --discover/--about print pretty JSON.
        if line.startswith('{"type":'):
            messages.append(json.loads(line))
    return TapRun(completed.returncode, completed.stdout, completed.stderr, messages)


def discover(executable: str, config: dict, tmp_path: Path) -> dict:
    run = run_tap(executable, config, tmp_path, args=["--discover"])
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def select_streams(catalog: dict, names: t.Iterable[str]) -> dict:
    """A copy of a discovered catalog with only `names` selected."""
    wanted = set(names)
    catalog = json.loads(json.dumps(catalog))
    for entry in catalog["streams"]:
        selected = entry["tap_stream_id"] in wanted
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = selected
    return catalog


@pytest.fixture
def serve() -> t.Iterator[t.Callable[[Simulator], SandboxServer]]:
    """Start simulators on free ports for one test; all are stopped afterwards."""
    servers: list[SandboxServer] = []

    def start(simulator: Simulator) -> SandboxServer:
        server = SandboxServer(simulator).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
