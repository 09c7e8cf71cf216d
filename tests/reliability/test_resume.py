"""kill -9 in the middle of a sync, rerun with the last state the target emitted.

`tap | target-postgres` as a user runs it: the test forwards the tap's stdout to the
loader line by line (a pipe), kills the tap with SIGKILL once records and a STATE went
through, lets the loader finish what it received, and reruns the tap with the state the
loader echoed. PostgreSQL must then hold exactly the simulator's rows: none lost (state
only covers what was loaded), none twice (upsert by primary key).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import typing as t
from pathlib import Path

import pytest

from tests.conftest import select_streams
from tests.reliability.cases import (
    CLOSEIO,
    FIVE9,
    LIVEPERSON,
    OUTREACH,
    PERSISTIQ,
    TapCase,
    catalog_for,
    tap_executable,
)


def _plan(
    case: TapCase, first: str | None, make: t.Callable[[], t.Any], latency: float, kill_after: int
) -> t.Any:
    """`first`: another incremental stream selected with the case's own: the tap syncs one of
    them first, so a STATE covering records goes through before the kill (the SDK writes
    state at a stream's or partition's end, or every 10,000 records).
    Then the simulator's latency per request (time to kill) and records to see before it."""
    return pytest.param(case, first, make, latency, kill_after, id=case.name)


def _outreach_sim() -> t.Any:
    from suite_sandbox import outreach

    return outreach.make_simulator(120, seed=3)


def _closeio_sim() -> t.Any:
    from suite_sandbox import closeio

    return closeio.make_simulator(450, seed=3)


def _persistiq_sim() -> t.Any:
    from suite_sandbox import persistiq

    return persistiq.make_simulator(450, seed=3, rate_limit_per_minute=None)


RESUMABLE = [
    _plan(CLOSEIO, "activities", _closeio_sim, 0.2, 120),
    _plan(OUTREACH, "accounts", _outreach_sim, 0.1, 30),
    _plan(PERSISTIQ, "events", _persistiq_sim, 0.2, 500),
    # PersistIQ: events (incremental, 900 in two pages) go first, the kill lands in leads.
    # Partitioned (per skill) and windowed (per report window): state goes out per partition/window.
    _plan(LIVEPERSON, None, LIVEPERSON.make, 0.1, 10),
    _plan(FIVE9, None, FIVE9.make, 0.1, 10),
]


def _target_config(postgres: t.Any, schema: str) -> dict:
    return {
        "host": postgres.host,
        "port": postgres.port,
        "user": postgres.user,
        "password": "",
        "database": postgres.database,
        "default_target_schema": schema,
        "load_method": "upsert",
        "add_record_metadata": False,
        "activate_version": False,
        # Small batches: the loader commits (and echoes state) while the tap still runs.
        "batch_size_rows": 25,
    }


def pipe(
    case: TapCase,
    config: dict,
    catalog: dict,
    target: Path,
    target_config: dict,
    workdir: Path,
    *,
    state: dict | None = None,
    kill_after: int | None = None,
) -> tuple[int, dict | None, int]:
    """`tap | target-postgres`; kill -9 the tap `kill_after` records after a STATE that follows records.

    Returns (tap exit code, last state the target emitted, records forwarded).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tap.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog))
    (workdir / "target.json").write_text(json.dumps(target_config))
    command = [
        tap_executable(case.executable),
        "--config",
        str(workdir / "tap.json"),
        "--catalog",
        str(workdir / "catalog.json"),
    ]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        command += ["--state", str(workdir / "state.json")]
    with (
        open(workdir / "tap.err", "wb") as tap_err,
        open(workdir / "target.out", "wb") as target_out,
        open(workdir / "target.err", "wb") as target_err,
    ):
        target_proc = subprocess.Popen(
            [str(target), "--config", str(workdir / "target.json")],
            stdin=subprocess.PIPE,
            stdout=target_out,
            stderr=target_err,
        )
        tap = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=tap_err)
        records = 0
        killed = False
        since_state: int | None = None
        assert tap.stdout is not None and target_proc.stdin is not None
        for line in tap.stdout:
            if not line.endswith(b"\n"):
                break  # a line cut by the kill never reaches the target
            target_proc.stdin.write(line)
            if killed:
                continue
            kind = json.loads(line).get("type") if line.startswith(b"{") else None
            records += kind == "RECORD"
            if kind == "STATE" and records and since_state is None:
                since_state = 0  # a state that covers records went through
            elif kind == "RECORD" and since_state is not None:
                since_state += 1
            if kill_after is not None and since_state is not None and since_state >= kill_after:
                target_proc.stdin.flush()
                os.kill(tap.pid, signal.SIGKILL)
                killed = True
        target_proc.stdin.close()
        tap_code = tap.wait(timeout=120)
        assert target_proc.wait(timeout=120) == 0, (workdir / "target.err").read_text()[-3000:]
    states = [
        json.loads(line) for line in (workdir / "target.out").read_text().splitlines() if line.startswith("{")
    ]
    return tap_code, (states[-1] if states else None), records


@pytest.mark.parametrize(("case", "first", "make", "latency", "kill_after"), RESUMABLE)
def test_kill_9_mid_sync_then_resume_from_the_targets_state_loads_every_row_once(
    case, first, make, latency, kill_after, serve, postgres, target_postgres, tmp_path
):
    sim = make()
    server = serve(sim)
    # Five9: smaller report windows, so the kill lands between two of them.
    config = case.config(server.url, **({"window_hours": 6} if case is FIVE9 else {}))
    if case is OUTREACH:  # refresh tokens rotate: both runs share one store
        config["refresh_token_store"] = str(tmp_path / "refresh-token.json")
    catalog = select_streams(
        catalog_for(case, server.url, tmp_path), [case.stream, *([first] if first else [])]
    )
    schema = f"kill_{case.name.replace('-', '_')}"
    target_config = _target_config(postgres, schema)
    expected = [str(i) for i in case.expected(sim, config)]

    sim.latency = latency
    code, state, forwarded = pipe(
        case, config, catalog, target_postgres, target_config, tmp_path / "first", kill_after=kill_after
    )
    assert code == -signal.SIGKILL, "the tap finished before the kill: slow the simulator more"
    assert state, "the target emitted no state before the kill"
    assert forwarded > 0

    sim.latency = 0
    code, final_state, resent = pipe(
        case, config, catalog, target_postgres, target_config, tmp_path / "second", state=state
    )
    assert code == 0, (tmp_path / "second" / "tap.err").read_text()[-3000:]
    assert final_state

    rows = [r[0] for r in postgres.query(f'select "{case.id_field}" from {schema}."{case.stream}"')]  # noqa: S608 - test identifiers
    assert len(rows) == len(set(rows)), "duplicate rows"
    assert sorted(rows) == sorted(expected)
    if first:
        sql = f'select count(*), count(distinct "{case.id_field}") from {schema}."{first}"'  # noqa: S608
        count, distinct = postgres.query(sql)[0]
        assert int(count) == int(distinct) > 0
    if '"replication_key_value"' in json.dumps(state):
        # The rerun resumed from the bookmark: it sent fewer records than a full sync holds.
        total = len(rows) + (int(count) if first else 0)
        assert resent < total
    if case is FIVE9:
        assert state["bookmarks"]["call_log"]["replication_key_value"] < config["end_date"], "killed too late"
