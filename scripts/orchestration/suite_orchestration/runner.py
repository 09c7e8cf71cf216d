"""One account's sync: `meltano run <tap> target-postgres` made safe to run next to any other.

Per run, whatever worker it lands on:
- its own Meltano run directory (`MELTANO_SYS_DIR_ROOT`, plugins linked from the project's
  `.meltano/`): two runs of one plugin never share `.meltano/run/<plugin>/`, whose logging
  config Meltano truncates and rewrites at every start;
- its own settings, from the accounts file and this account's secret variables only (inherited
  `TAP_*` variables are dropped, so nothing set on the worker leaks into every account);
- the shared system database on PostgreSQL (`MELTANO_DATABASE_URI`) for state, under the state
  id `<env>:<tap>-to-target-postgres:<account>`, so any worker resumes any account;
- a PostgreSQL advisory lock per state id, held on its own connection for the whole run: at
  most one worker syncs an account at a time, and the lock goes with the connection when a
  worker dies. Holding it proves that a "running" job Meltano still lists for this state id is
  a dead worker's, hence `--force` (Meltano would otherwise refuse for 5 minutes).
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
from collections import Counter, deque
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from .accounts import LOADER, Account, AccountsFile

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: Variables a run never inherits from the worker: each run sets its own.
_OWN = {
    "MELTANO_SYS_DIR_ROOT",
    "MELTANO_ENVIRONMENT",
    "MELTANO_RUN_STATE_ID_SUFFIX",
    "VIRTUAL_ENV",
    "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA",
}
_LOCK_PREFIX = "singer-suite-orchestration:"
_METRIC = "METRIC: {"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Meltano's console prefix: "2026-01-01T00:00:00.000000Z [error    ] ".
_PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z \[\s*\w+\s*\]\s*")
_PR_SET_PDEATHSIG = 1


class SyncError(RuntimeError):
    """A sync could not run or failed; the message is one line, free of secrets."""


@dataclass
class SyncResult:
    account: str
    state_id: str
    seconds: float
    records: dict[str, int]
    run_dir: str
    worker: str


def _die_with_parent() -> None:
    # In the child before exec: if the worker dies (even kill -9), Meltano gets SIGKILL
    # instead of syncing on unlocked; the tap and target then stop on their closed pipes.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _libpq_url(uri: str) -> str:
    """MELTANO_DATABASE_URI (SQLAlchemy form) as a libpq URL for the lock connection."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not uri:
        raise SyncError("MELTANO_DATABASE_URI is not set: it names the shared PostgreSQL system database")
    try:
        url = make_url(uri)
    except ArgumentError:
        raise SyncError("MELTANO_DATABASE_URI is not a database URL") from None
    if url.get_backend_name() != "postgresql":
        raise SyncError(
            "MELTANO_DATABASE_URI must name a PostgreSQL database (postgresql+psycopg://...): "
            "every worker keeps and reads state there"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _connect(conninfo: str, purpose: str) -> t.Any:
    import psycopg

    try:
        # Keepalives: if a worker's machine vanishes, the server drops the session (and the
        # lock) within about a minute instead of at the TCP timeout.
        return psycopg.connect(
            conninfo,
            autocommit=True,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
            application_name=f"suite-orchestration {purpose}"[:63],
            connect_timeout=30,
        )
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SyncError(f"cannot reach the Meltano system database: {first}") from None


def _lock_key(name: str) -> str:
    return _LOCK_PREFIX + name


def _ensure_system_database(conninfo: str, meltano: Path, env: dict[str, str], project: Path) -> None:
    """Migrate the shared system database once, not from N workers starting at once (each
    `meltano run` would migrate a fresh database itself, and concurrent migrations collide)."""
    import psycopg

    spec = find_spec("meltano")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise SyncError(f"Meltano is not installed next to this worker's Python ({sys.executable})")
    head = (Path(locations[0]) / "migrations" / "db.lock").read_text().strip()
    with _connect(conninfo, "migrations") as conn:
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_lock_key("migrations"),))
        try:
            current = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.errors.UndefinedTable:
            current = None
        if current and current[0] == head:
            return
        done = subprocess.run(
            [str(meltano), "upgrade", "database"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise SyncError(f"meltano upgrade database failed: {_error_line(done.stderr.splitlines())}")


def _error_line(lines: t.Iterable[str]) -> str:
    """The line that names why a run failed: the first error line, else the last line
    (without Meltano's time and level prefix)."""
    cleaned = [_ANSI.sub("", line).strip() for line in lines if _METRIC not in line]
    cleaned = [line for line in cleaned if line]
    errors = [line for line in cleaned if re.search(r"\bERROR\b|\[error|error:|failed", line, re.IGNORECASE)]
    chosen = (errors or cleaned or ["no output"])[0 if errors else -1]
    return _PREFIX.sub("", chosen)[-500:]


def _redactor(secrets: list[str]) -> Callable[[str], str]:
    secrets = sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "****")
        return text

    return redact


def run_environment(
    accounts: AccountsFile, account: Account, environ: Mapping[str, str], sys_dir: Path
) -> tuple[dict[str, str], list[str]]:
    """The environment of one account's `meltano run`, and the secret values in it."""
    inherited_secrets = accounts.secret_variables()
    env = {
        k: v
        for k, v in environ.items()
        if not k.startswith("TAP_") and k not in inherited_secrets and k not in _OWN
    }
    for setting, value in account.config.items():
        env[f"{account.env_prefix}_{setting.upper()}"] = value
    secrets = []
    for setting, var in account.secrets.items():
        value = environ.get(var)
        if not value:
            raise SyncError(
                f"account {account.name}: environment variable {var} ({account.tap} {setting}) "
                f"is not set on this worker"
            )
        env[f"{account.env_prefix}_{setting.upper()}"] = value
        secrets.append(value)
    env.update(
        MELTANO_SYS_DIR_ROOT=str(sys_dir),
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA=account.schema,
        NO_COLOR="1",
    )
    return env, secrets


def private_run_dir(project: Path, account: Account, root: str | None) -> Path:
    """A fresh `.meltano` for one run (mode 0700: Meltano writes the tap's config there),
    sharing the project's installed plugins."""
    plugins = project / ".meltano"
    for kind, name in (("extractors", account.tap), ("loaders", LOADER)):
        if not (plugins / kind / name / "venv").is_dir():
            raise SyncError(f"{name} is not installed in {plugins}: run scripts/install.sh")
    run_dir = Path(tempfile.mkdtemp(prefix=f"suite-{account.name}-", dir=root))
    for kind in ("extractors", "loaders"):
        (run_dir / kind).symlink_to(plugins / kind, target_is_directory=True)
    return run_dir


def _stop(proc: subprocess.Popen) -> None:
    """Ask Meltano to stop (it ends its tap and target), then make sure it did."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def sync_account(
    accounts: AccountsFile,
    name: str,
    *,
    environ: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
    output: t.TextIO | None = None,
) -> SyncResult:
    """Run one account's `meltano run` to the end; raises SyncError with one line on failure.

    `log` gets a few summary lines; `output` every line Meltano prints (secrets masked) except
    the SDK's METRIC lines, which are tallied into the result's records per stream instead.
    """
    environ = os.environ if environ is None else environ
    account = accounts.account(name)
    state_id = account.state_id(accounts.environment)
    project = Path(environ.get("MELTANO_PROJECT_ROOT") or accounts.project)
    meltano = Path(environ.get("SUITE_MELTANO") or Path(sys.executable).with_name("meltano"))
    conninfo = _libpq_url(environ.get("MELTANO_DATABASE_URI", ""))
    out = output or sys.stdout

    run_dir = private_run_dir(project, account, environ.get("SUITE_RUN_DIR"))
    try:
        env, secrets = run_environment(accounts, account, environ, run_dir)
        redact = _redactor(secrets)
        _ensure_system_database(conninfo, meltano, env, project)
        with _connect(conninfo, state_id) as lock:
            key = _lock_key(state_id)
            held = lock.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()
            if not held or not held[0]:
                raise SyncError(
                    f"account {account.name} is being synced by another worker right now "
                    f"(state id {state_id}); not starting a second sync"
                )
            command = [
                str(meltano),
                "--environment",
                accounts.environment,
                "run",
                account.tap,
                LOADER,
                "--state-id-suffix",
                account.name,
                "--force",
            ]
            log(f"account {account.name}: {' '.join(command[1:])} (run directory {run_dir})")
            started = time.monotonic()
            records, tail, code = _run(command, project, env, redact, out)
            seconds = time.monotonic() - started
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    if code != 0:
        raise SyncError(f"account {account.name}: meltano run exited {code}: {redact(_error_line(tail))}")
    log(f"account {account.name}: {sum(records.values())} records in {seconds:.1f}s, state id {state_id}")
    return SyncResult(account.name, state_id, seconds, dict(records), str(run_dir), socket.gethostname())


def _run(
    command: list[str], project: Path, env: dict[str, str], redact: Callable[[str], str], out: t.TextIO
) -> tuple[Counter, list[str], int]:
    records: Counter = Counter()
    tail: deque[str] = deque(maxlen=200)
    decoder = json.JSONDecoder()
    proc = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        preexec_fn=_die_with_parent,  # only prctl: nothing that could deadlock after fork
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            index = line.find(_METRIC)
            if index >= 0:
                try:
                    metric, _ = decoder.raw_decode(line, index + len(_METRIC) - 1)
                except json.JSONDecodeError:
                    continue
                if metric.get("metric") == "record_count":
                    records[metric.get("tags", {}).get("stream", "?")] += int(metric.get("value", 0))
                continue
            line = redact(line.rstrip("\n"))
            tail.append(line)
            print(line, file=out, flush=True)
        code = proc.wait()
    except BaseException:
        # Interrupted (Dagster terminating the run, Ctrl-C): stop Meltano before the lock goes.
        _stop(proc)
        raise
    return records, list(tail), code
