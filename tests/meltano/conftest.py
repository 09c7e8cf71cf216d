"""Fixtures for the Meltano tests: one Meltano install per session, a throwaway PostgreSQL,
a sandbox per test, and helpers that run the real `meltano` CLI and tap executables."""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import re
import subprocess
import sys
import typing as t
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from suite_sandbox import SandboxServer

from .pg import PostgresServer

REPO = Path(__file__).resolve().parents[2]
MELTANO_VENV = REPO / ".venv-meltano"
MELTANO = MELTANO_VENV / "bin" / "meltano"
MELTANO_VERSION = "4.4.1"
PLUGINS = REPO / ".meltano"
APIS = ("closeio", "outreach", "persistiq", "liveperson", "five9")
RECORDS = 12  # small: every table gets a few rows, every run stays fast
# Sandbox options that keep runs fast: Five9's documented report budget (16 runReport/minute)
# would make every sync take ~40 s.
FAST_SIMULATOR_OPTIONS: dict[str, dict] = {
    "five9": {"limits": {"ReportRequest": 6000, "RetrieveReport": 6000, "Query": 60000}},
}


def loader_bin(name: str, executable: str | None = None) -> Path:
    """An executable inside a Meltano-installed loader's venv."""
    return PLUGINS / "loaders" / name / "venv" / "bin" / (executable or name)


@pytest.fixture(scope="session")
def meltano_installed() -> Path:
    """Meltano and every plugin of meltano.yml installed once (idempotent, lock shared by xdist workers)."""
    PLUGINS.mkdir(exist_ok=True)
    with open(PLUGINS / ".suite-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not MELTANO.exists():
            subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(MELTANO_VENV)], check=True)
            subprocess.run(
                [
                    "uv",
                    "pip",
                    "install",
                    "-q",
                    "--python",
                    str(MELTANO_VENV / "bin" / "python"),
                    f"meltano=={MELTANO_VERSION}",
                ],
                check=True,
            )
        executables = [PLUGINS / "extractors" / f"tap-{a}" / "venv" / "bin" / f"tap-{a}" for a in APIS]
        executables += [loader_bin(name) for name in ("target-postgres", "target-jsonl", "target-duckdb")]
        if all(path.exists() for path in executables):  # scripts/install.sh already ran it
            return MELTANO
        completed = subprocess.run(
            [str(MELTANO), "install"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
    return MELTANO


@dataclass
class MeltanoRun:
    returncode: int
    stdout: str
    stderr: str

    def log_without_metrics(self) -> str:
        """The run's log less the SDK's METRIC lines, which would crowd out the error that failed it."""
        return "\n".join(line for line in self.stderr.splitlines() if "METRIC: {" not in line)

    def record_counts(self) -> Counter:
        """Records the tap emitted per stream, from the SDK's record_count metrics in the log."""
        counts: Counter = Counter()
        decoder = json.JSONDecoder()
        for line in self.stderr.splitlines():
            index = line.find("METRIC: {")
            if index < 0:
                continue
            try:
                metric, _ = decoder.raw_decode(line, index + len("METRIC: "))
            except json.JSONDecodeError:
                continue
            if metric.get("metric") == "record_count":
                counts[metric["tags"]["stream"]] += metric["value"]
        return counts


def private_sys_dir(tmp_path: Path) -> Path:
    """A `.meltano` of this test's own that shares the installed plugins.

    Meltano rewrites a plugin's logging config in `.meltano/run/<plugin>/` before every
    invocation (truncate, then write): a target starting in a concurrent run of the same
    plugin could read the file empty and die ("Loader failed"). Its own `run/` also keeps
    the state.json and catalog cache Meltano writes there apart from other tests'.
    """
    sys_dir = tmp_path / "meltano-sys"
    sys_dir.mkdir(exist_ok=True)
    for kind in ("extractors", "loaders"):
        link = sys_dir / kind
        if not link.exists():
            link.symlink_to(PLUGINS / kind, target_is_directory=True)
    return sys_dir


class Meltano:
    """Runs the real `meltano` CLI in the repo's project with a private system database and
    run directory (the installed plugins are shared)."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "MELTANO_SYS_DIR_ROOT": str(private_sys_dir(tmp_path)),
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            "MELTANO_ENVIRONMENT": "dev",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            **env,
        }
        self.env.pop("VIRTUAL_ENV", None)
        self.input: str | None = None  # stdin of the next call

    def __call__(self, *args: str, check: bool = True, timeout: float = 300) -> MeltanoRun:
        completed = subprocess.run(
            [str(MELTANO), *args],
            input=self.input,
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        run = MeltanoRun(completed.returncode, completed.stdout, completed.stderr)
        if check:
            assert run.returncode == 0, (
                f"meltano {' '.join(args)} failed:\n{run.log_without_metrics()[-6000:]}"
            )
        return run

    def state(self, state_id: str) -> dict:
        run = self("state", "get", state_id)
        return json.loads(run.stdout.strip().splitlines()[-1])


@dataclass
class Sandbox:
    api: str
    simulator: t.Any
    server: SandboxServer

    @property
    def config(self) -> dict:
        return importlib.import_module(f"suite_sandbox.{self.api}").demo_config(self.server.url)

    def meltano_env(self, gen: t.Any, config: dict | None = None) -> dict[str, str]:
        """Where meltano.yml's dev environment finds this sandbox."""
        return gen.sandbox_env(self.api, self.server.url, config or self.config)

    def fast_config(self, config: dict) -> dict:
        return {**config, "max_requests_per_minute": 100000, "retry_backoff_seconds": 0.01}


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> t.Iterator[t.Callable[[str], Sandbox]]:
    servers: list[SandboxServer] = []

    def start(api: str) -> Sandbox:
        module = importlib.import_module(f"suite_sandbox.{api}")
        simulator = module.make_simulator(records=RECORDS, seed=1, **FAST_SIMULATOR_OPTIONS.get(api, {}))
        server = SandboxServer(simulator).start()
        servers.append(server)
        return Sandbox(api, simulator, server)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@dataclass
class TapOutput:
    """The Singer messages of one standalone tap run."""

    messages: list[dict]

    def records(self, stream: str) -> list[dict]:
        return [m["record"] for m in self.messages if m.get("type") == "RECORD" and m["stream"] == stream]

    def streams(self) -> list[str]:
        return sorted({m["stream"] for m in self.messages if m.get("type") == "RECORD"})

    def key_properties(self, stream: str) -> list[str]:
        schemas = [m for m in self.messages if m.get("type") == "SCHEMA" and m["stream"] == stream]
        return list(schemas[-1].get("key_properties") or [])

    def keys(self, stream: str) -> set[tuple[str, ...]]:
        """Distinct primary keys of a stream's records, as text (as psql returns them)."""
        props = self.key_properties(stream)
        return {tuple(_text(r.get(p)) for p in props) for r in self.records(stream)}


def _text(value: t.Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def parse_singer(text: str) -> TapOutput:
    return TapOutput([json.loads(line) for line in text.splitlines() if line.startswith("{")])


def run_tap_standalone(api: str, config: dict, tmp_path: Path) -> TapOutput:
    """The real installed executable from .venv, as a user runs it without Meltano."""
    config_path = tmp_path / f"tap-{api}.json"
    config_path.write_text(json.dumps(config))
    completed = subprocess.run(
        [str(REPO / ".venv" / "bin" / f"tap-{api}"), "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return parse_singer(completed.stdout)


def bookmark_values(state: t.Any) -> list[t.Any]:
    """Every replication_key_value anywhere in a Singer state (partitions included)."""
    found: list[t.Any] = []
    if isinstance(state, dict):
        for key, value in state.items():
            if key == "replication_key_value":
                found.append(value)
            else:
                found += bookmark_values(value)
    elif isinstance(state, list):
        for value in state:
            found += bookmark_values(value)
    return found


def request_text(request: t.Any) -> str:
    """What a request carried that a filter can live in: path, query and body."""
    body = request.body.decode("utf-8", "replace") if request.body else ""
    return " ".join([request.path, json.dumps(request.query), body])


def as_time(value: t.Any) -> datetime | None:
    """A bookmark or request value as a UTC datetime (ISO text, or epoch seconds/milliseconds)."""
    text = str(value).strip()
    if re.fullmatch(r"1\d{9}(\d{3})?", text):
        return datetime.fromtimestamp(int(text) / (1000 if len(text) == 13 else 1), timezone.utc)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_TIME_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b1\d{9}(?:\d{3})?\b"
)


def request_times(requests: t.Iterable[t.Any]) -> set[datetime]:
    """Every date-time a batch of requests carried (query, body), however the API spells it."""
    found = set()
    for request in requests:
        for match in _TIME_PATTERN.findall(request_text(request)):
            moment = as_time(match.replace(" ", "T"))
            if moment is not None:
                found.add(moment)
    return found
