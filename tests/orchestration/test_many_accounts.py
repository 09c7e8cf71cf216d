"""Many accounts, many workers: Dagster (from .venv-dagster) syncs three PersistIQ accounts, each
its own simulator with its own API key, by `meltano run` into one PostgreSQL, with every
account's state in one Meltano system database on that server.

Each sync is the real `dagster job execute` CLI in a process of its own: a "worker". Nothing of
the orchestration code is mocked; the simulators' request logs show what each worker asked.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import typing as t
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from suite_sandbox import SandboxServer
from suite_sandbox.persistiq import make_simulator

from tests.meltano.conftest import as_time, meltano_installed  # noqa: F401 - a fixture
from tests.meltano.pg import PostgresServer

pytestmark = [pytest.mark.meltano, pytest.mark.postgres, pytest.mark.xdist_group("orchestration")]

REPO = Path(__file__).resolve().parents[2]
ORCHESTRATION = REPO / "scripts" / "orchestration"
DAGSTER_BIN = REPO / ".venv-dagster" / "bin"
CODE_LOCATION = ["-d", str(ORCHESTRATION), "-m", "suite_orchestration.definitions"]
#: Account -> leads in its simulator: different sizes, so each schema shows whose data it got.
ACCOUNTS = {"acme": 20, "beta": 30, "gamma": 40}
STATE_ID = "prod:tap-persistiq-to-target-postgres:{}"


@dataclass
class Worker:
    """One `dagster job execute` process (its own session: it and everything it starts)."""

    proc: subprocess.Popen
    log: Path

    def wait(self, timeout: float = 600) -> int:
        return self.proc.wait(timeout=timeout)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self) -> str:
        lines = [line for line in self.output.splitlines() if "METRIC" not in line]
        return "\n".join(lines[-40:])


@dataclass
class Fleet:
    pg: PostgresServer
    sims: dict[str, t.Any]
    keys: dict[str, str]
    env: dict[str, str]
    tmp: Path
    workers: list[Worker] = field(default_factory=list)

    def start(self, job: str, name: str) -> Worker:
        log = self.tmp / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [str(DAGSTER_BIN / "dagster"), "job", "execute", *CODE_LOCATION, "-j", job],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(proc, log)
        self.workers.append(worker)
        return worker

    def run(self, job: str, name: str) -> Worker:
        worker = self.start(job, name)
        worker.wait()
        return worker

    def completed_state(self, account: str) -> dict:
        rows = self.pg.query(
            f"SELECT completed_state FROM meltano.state WHERE state_id = '{STATE_ID.format(account)}'"  # noqa: S608
        )
        assert rows, f"no state for {account} in the shared system database"
        return json.loads(rows[0][0])["singer_state"]

    def leads(self, account: str) -> dict[str, str]:
        """id -> sent_count of the leads loaded for an account (sent_count changes on update)."""
        rows = self.pg.query(f"SELECT id, sent_count FROM tap_persistiq_{account}.leads")  # noqa: S608
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), f"{account}: duplicate leads"
        return dict(rows)

    def ids(self, account: str, table: str) -> list[str]:
        return sorted(r[0] for r in self.pg.query(f"SELECT id FROM tap_persistiq_{account}.{table}"))  # noqa: S608


def simulator_leads(sim: t.Any) -> dict[str, str]:
    return {r["id"]: str(r["sent_count"]) for r in sim.leads.rows(range(sim.leads.n))}


def bookmark(state: dict, stream: str) -> t.Any:
    return state["bookmarks"][stream]["replication_key_value"]


def sent(sim: t.Any, since: int, path: str, param: str) -> list[t.Any]:
    """The `param` of every request to `path` since request number `since` (None if absent)."""
    return [
        as_time(r.param(param)) if r.param(param) else None for r in sim.requests[since:] if r.path == path
    ]


def _run_dirs(output: str) -> dict[str, str]:
    return dict(re.findall(r"account (\w+): --environment .* \(run directory (\S+)\)", output))


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    # Nothing from the developer's shell decides where state or data go.
    prefixes = ("TAP_", "TARGET_", "MELTANO_", "DAGSTER_", "SUITE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k != "VIRTUAL_ENV"}
    return {**env, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}


def _write_accounts(path: Path, urls: dict[str, str], workers: int) -> None:
    lines = ["environment: prod", f"workers: {workers}", "accounts:"]
    for name, url in urls.items():
        lines += [
            f"  - name: {name}",
            "    tap: tap-persistiq",
            "    config:",
            f"      api_url: {url}/v1",
            "      start_date: '2023-01-01T00:00:00Z'",
            "    secrets:",
            f"      api_key: {name.upper()}_PERSISTIQ_KEY",
        ]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def fleet(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[Fleet]:
    request.getfixturevalue("meltano_installed")  # the plugins every run links to
    assert (DAGSTER_BIN / "dagster").exists(), "no .venv-dagster: run scripts/install.sh"
    tmp = tmp_path_factory.mktemp("orchestration")
    with PostgresServer() as pg:
        pg.query("CREATE DATABASE dagster")
        pg.query("CREATE SCHEMA meltano")
        sims, servers, keys = {}, [], {}
        for seed, (name, records) in enumerate(ACCOUNTS.items(), start=1):
            keys[name] = f"piq-{name}-secret-{seed}f3c9"
            sims[name] = make_simulator(records=records, seed=seed, api_key=keys[name])
            servers.append(SandboxServer(sims[name]).start())
        _write_accounts(
            tmp / "accounts.yml", {n: s.url for n, s in zip(sims, servers, strict=True)}, workers=3
        )
        home = tmp / "dagster-home"
        home.mkdir()
        (home / "dagster.yaml").write_text((ORCHESTRATION / "dagster.yaml").read_text())
        (tmp / "runs").mkdir()
        env = _clean_env(
            {
                **pg.env(),
                "MELTANO_DATABASE_URI": (
                    f"postgresql+psycopg://{pg.user}@{pg.host}:{pg.port}/{pg.database}"
                    "?options=-csearch_path%3Dmeltano"
                ),
                "DAGSTER_HOME": str(home),
                "DAGSTER_PG_URL": f"postgresql://{pg.user}@{pg.host}:{pg.port}/dagster",
                "SUITE_ACCOUNTS_FILE": str(tmp / "accounts.yml"),
                "SUITE_RUN_DIR": str(tmp / "runs"),
                **{f"{name.upper()}_PERSISTIQ_KEY": key for name, key in keys.items()},
            }
        )
        fleet = Fleet(pg, sims, keys, env, tmp)
        try:
            yield fleet
        finally:
            for worker in fleet.workers:
                if worker.proc.poll() is None:
                    os.killpg(worker.proc.pid, signal.SIGKILL)
                    worker.proc.wait()
            for server in servers:
                server.stop()


@dataclass
class Round:
    worker: Worker
    seconds: float


@pytest.fixture(scope="module")
def first_round(fleet: Fleet) -> Round:
    """`sync_all_accounts`: the three accounts at once (multiprocess executor, 3 at a time)."""
    started = time.monotonic()
    worker = fleet.run("sync_all_accounts", "round-1")
    seconds = time.monotonic() - started
    assert worker.proc.returncode == 0, worker.tail()
    print(f"\nround 1: {len(ACCOUNTS)} accounts concurrently in {seconds:.1f}s")
    return Round(worker, seconds)


def test_every_account_lands_in_its_own_schema_with_exactly_its_simulators_rows(
    fleet: Fleet, first_round: Round
) -> None:
    for name, sim in fleet.sims.items():
        assert fleet.leads(name) == simulator_leads(sim), name
        assert len(fleet.leads(name)) == ACCOUNTS[name]
        assert fleet.ids(name, "events") == sorted(r["id"] for r in sim.events.rows(range(sim.events.n)))
        assert fleet.ids(name, "users") == sorted(r["id"] for r in sim.users.rows(range(sim.users.n)))
        # Each account's bookmarks are in the shared system database under its own state id.
        state = fleet.completed_state(name)
        assert bookmark(state, "leads") and bookmark(state, "events"), state
    output = first_round.worker.output
    for key in fleet.keys.values():
        assert key not in output, "an API key reached the orchestrator's log"


def test_concurrent_runs_of_one_plugin_overlap_and_each_has_its_own_run_directory(
    fleet: Fleet, first_round: Round
) -> None:
    """The race of two `meltano run`s of one plugin on `.meltano/run/<plugin>/` is gone by
    design: the three runs of tap-persistiq and target-postgres were in flight at the same
    moment, each in a run directory of its own, and all three succeeded."""
    runs = fleet.pg.query(
        "SELECT job_name, state, extract(epoch FROM started_at), extract(epoch FROM ended_at) "
        "FROM meltano.runs ORDER BY started_at"
    )
    first = {}
    for job, state, start, end in runs:
        first.setdefault(job, (state, float(start), float(end)))
    assert sorted(first) == sorted(STATE_ID.format(a) for a in ACCOUNTS)
    assert all(state == "SUCCESS" for state, _, _ in first.values()), first
    latest_start = max(start for _, start, _ in first.values())
    earliest_end = min(end for _, _, end in first.values())
    assert latest_start < earliest_end, f"the three syncs did not overlap: {first}"

    run_dirs = _run_dirs(first_round.worker.output)
    assert sorted(run_dirs) == sorted(ACCOUNTS)
    assert len(set(run_dirs.values())) == len(ACCOUNTS)
    for path in run_dirs.values():
        assert Path(path).parent == fleet.tmp / "runs"
        assert not Path(path).exists(), "a run directory (holding the tap's config) was left behind"


def _wait_for(condition: t.Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _session_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


KILLED = "gamma"  # the account whose worker is killed in the second round


@dataclass
class SecondRound:
    before: dict[str, dict]  # each account's state when the round began
    since: dict[str, int]  # per account: the request the finishing worker's sync began at
    finished: dict[str, Worker]  # the worker that completed each account's sync
    killed: Worker
    refused: Worker
    killed_reached_leads: bool
    running_after_kill: list[tuple[str, ...]]


@pytest.fixture(scope="module")
def second_round(fleet: Fleet, first_round: Round) -> SecondRound:
    """Leads edited and added in every account, then each account synced by a worker process of
    its own. For one account the first worker is killed -9 mid-sync (its leads request held
    until then), a second one asked meanwhile must refuse, and a third takes over."""
    before = {name: fleet.completed_state(name) for name in fleet.sims}
    since = {name: len(sim.requests) for name, sim in fleet.sims.items()}
    for sim in fleet.sims.values():
        sim.update_leads([0, 1, *sim.leads.append(2)])  # 2 edited leads, 2 new ones
    sim = fleet.sims[KILLED]
    gate = threading.Event()
    sim.inject("hook", path=r"^/v1/leads$", hook=lambda: gate.wait(300))

    started = time.monotonic()
    finished = {name: fleet.start(f"sync_{name}", f"round-2-{name}") for name in fleet.sims if name != KILLED}
    killed = fleet.start(f"sync_{KILLED}", f"round-2-{KILLED}-killed")
    try:
        # Once the worker holds the account (it logs its command), another is asked for it.
        _wait_for(
            lambda: f"account {KILLED}: --environment" in killed.output, "the worker to take the account"
        )
        refused = fleet.run(f"sync_{KILLED}", f"round-2-{KILLED}-refused")
        _wait_for(lambda: "/v1/leads" in [r.path for r in sim.requests[since[KILLED] :]], "the leads request")
        reached = killed.proc.poll() is None
        # kill -9 the worker process alone, as when a worker dies: its `meltano run` must not
        # sync on unlocked (it dies with the worker, its tap and target with their pipes).
        os.kill(killed.proc.pid, signal.SIGKILL)
        killed.wait(timeout=60)
    finally:
        gate.set()
    _wait_for(
        lambda: not _session_alive(killed.proc.pid), "the killed worker's meltano, tap and target to end", 120
    )
    running = fleet.pg.query(
        f"SELECT state FROM meltano.runs WHERE job_name = '{STATE_ID.format(KILLED)}' AND state = 'RUNNING'"  # noqa: S608
    )
    since[KILLED] = len(sim.requests)
    finished[KILLED] = fleet.start(f"sync_{KILLED}", f"round-2-{KILLED}-resumed")
    for name, worker in finished.items():
        assert worker.wait() == 0, f"{name}:\n{worker.tail()}"
    print(f"\nround 2 (one worker killed and replaced): {time.monotonic() - started:.1f}s")
    return SecondRound(before, since, finished, killed, refused, reached, running)


def test_second_round_runs_each_account_on_another_worker_incrementally_from_its_bookmark(
    fleet: Fleet, second_round: SecondRound
) -> None:
    before = second_round.before
    # Each account's events bookmark is its own (different data), so a worker that resumed
    # from another account's state would be caught.
    assert len({bookmark(s, "events") for s in before.values()}) == len(ACCOUNTS)
    for name, sim in fleet.sims.items():
        since, state = second_round.since[name], before[name]
        assert sent(sim, since, "/v1/leads", "updated_after") == [as_time(bookmark(state, "leads"))], (
            f"{name} did not ask for leads changed since its own bookmark"
        )
        # Events start at the bookmark less the tap's short look-back; accounts' events
        # bookmarks lie an hour or more apart, so this is this account's own bookmark.
        (events_from,) = sent(sim, since, "/v1/events", "start_at")
        events_mark = as_time(bookmark(state, "events"))
        assert events_mark - timedelta(minutes=30) <= events_from <= events_mark, name
        assert fleet.leads(name) == simulator_leads(sim), name  # the 2 edited and 2 new leads
        assert len(fleet.leads(name)) == ACCOUNTS[name] + 2
        assert as_time(bookmark(fleet.completed_state(name), "leads")) > as_time(bookmark(state, "leads"))


def test_a_worker_killed_mid_sync_is_resumed_by_another_worker_from_the_shared_state(
    fleet: Fleet, second_round: SecondRound
) -> None:
    assert second_round.killed_reached_leads, "the worker ended before it was killed mid-sync"
    assert second_round.killed.proc.returncode == -signal.SIGKILL
    # The worker asked for the account while the first one held it refused, in one line.
    refused = second_round.refused
    assert refused.proc.returncode != 0
    assert f"account {KILLED} is being synced by another worker right now" in refused.output
    # Meltano still lists the killed run as running (and would refuse a new one for 5 minutes
    # without --force); the lock, freed when the worker died, is what let the next one in.
    assert second_round.running_after_kill == [("RUNNING",)]
    sim = fleet.sims[KILLED]
    resumed = sent(sim, second_round.since[KILLED], "/v1/leads", "updated_after")
    assert resumed == [as_time(bookmark(second_round.before[KILLED], "leads"))], (
        "the next worker did not resume from the shared state"
    )
    assert fleet.leads(KILLED) == simulator_leads(sim)
    assert fleet.ids(KILLED, "events") == sorted(r["id"] for r in sim.events.rows(range(sim.events.n)))


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DAGSTER_BIN / "python"), "-m", "suite_orchestration", *args],
        cwd=ORCHESTRATION,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_accounts_file_mistakes_and_missing_secrets_are_one_line_errors(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yml"
    env = _clean_env(
        {
            "SUITE_ACCOUNTS_FILE": str(accounts),
            "MELTANO_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/meltano",
            "SUITE_RUN_DIR": str(tmp_path),
        }
    )
    secret = "piq-do-not-print-me"
    cases = {
        f"accounts:\n- {{name: acme, tap: tap-persistiq, config: {{api_key: {secret}}}}}\n": (
            "check",
            "api_key is a secret: name the environment variable that holds it under secrets:",
        ),
        "accounts:\n- {name: acme, tap: tap-persistiq, config: {api_ky: x}}\n": (
            "check",
            "tap-persistiq has no setting 'api_ky'",
        ),
        "accounts:\n- {name: acme, tap: tap-persistiq, secrets: {api_key: ACME_KEY}}\n": (
            "sync acme",
            "environment variable ACME_KEY (tap-persistiq api_key) is not set on this worker",
        ),
    }
    for text, (command, message) in cases.items():
        accounts.write_text(text)
        done = _cli(command.split(), env)
        assert done.returncode == 1, done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], done.stderr
        assert "Traceback" not in done.stderr and secret not in done.stderr + done.stdout


def test_a_failed_sync_is_one_line_naming_the_apis_error_without_the_credential(fleet: Fleet) -> None:
    """A refused API key: the sync fails with the tap's own error line; the key it was given,
    which PersistIQ's 401 body echoes, is masked."""
    wrong = "piq-wrong-key-for-acme-7731"
    done = _cli(["sync", "acme"], {**fleet.env, "ACME_PERSISTIQ_KEY": wrong})
    assert done.returncode == 1
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith("error: account acme: meltano run exited 1: "), error
    assert "401" in error and "api_key" in error, error
    assert wrong not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.postgres
@pytest.mark.meltano
def test_the_readmes_one_command_starts_the_orchestrator_locally(meltano_installed) -> None:  # noqa: F811
    """`bash scripts/orchestration/serve.sh --demo`, as the README shows it: Dagster's
    webserver answers with a job per demo account and one for all; Ctrl-C stops it."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["bash", "scripts/orchestration/serve.sh", "--demo"],
        cwd=REPO,
        env={**_clean_env({}), "DAGSTER_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    query = (
        b'{"query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"}'
    )
    jobs: set[str] = set()

    def webserver_lists_jobs() -> bool:
        assert process.poll() is None, "serve.sh --demo ended"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a local URL
                nodes = json.load(response)["data"]["repositoriesOrError"]["nodes"]
        except (OSError, KeyError, TypeError, ValueError):
            return False
        jobs.update(job["name"] for node in nodes for job in node["jobs"])
        return bool(jobs)

    try:
        _wait_for(webserver_lists_jobs, "the Dagster webserver", timeout=300)
        assert {"sync_all_accounts", "sync_acme", "sync_globex", "sync_initech"} <= jobs, jobs
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
