"""No secret value in anything a tap run leaves behind, at DEBUG log level.

Every tap runs through a success path and a failure path with `LOGLEVEL=DEBUG` (the SDK's
switch: `TAP_<NAME>_LOGLEVEL` or `LOGLEVEL`), in a scratch working directory and HOME, so
any file it writes lands there. Secrets checked: the config's secret settings, and every
token the simulator issued (access and refresh tokens).
"""

from __future__ import annotations

import json
import os
import subprocess
import typing as t
from pathlib import Path

import pytest

from tests.reliability.cases import (
    LIVEPERSON_OAUTH2,
    TAPS,
    TapCase,
    bearer_tokens,
    catalog_for,
    tap_executable,
)

CASES = (*TAPS, LIVEPERSON_OAUTH2)
INPUTS = {"tap.json", "catalog.json"}


def run_debug(case: TapCase, config: dict, catalog: dict, workdir: Path) -> subprocess.CompletedProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "tap.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog))
    prefix = case.executable.upper().replace("-", "_")
    env = {
        **os.environ,
        "LOGLEVEL": "DEBUG",
        f"{prefix}_LOGLEVEL": "DEBUG",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
    }
    return subprocess.run(
        [tap_executable(case.executable), "--config", "tap.json", "--catalog", "catalog.json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_no_secret_left(
    case: TapCase, sim: t.Any, config: dict, done: subprocess.CompletedProcess, workdir: Path
) -> None:
    secrets = {v for k, v in config.items() if k in SECRET_SETTINGS[case.executable] and v} | case.secrets(
        sim
    )
    assert secrets
    assert "| DEBUG" in done.stderr, "DEBUG logging is not on: the test proves nothing"
    for secret in secrets:
        assert secret not in done.stdout, "secret in stdout"
        assert secret not in done.stderr, "secret in stderr"
    store = config.get("refresh_token_store")
    for path in workdir.rglob("*"):
        if not path.is_file() or path.name in INPUTS:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if store and path == Path(store):
            # The refresh-token store holds the current refresh token by design, nothing else.
            allowed = {json.loads(text).get("refresh_token")} if text.strip() else set()
        else:
            allowed = set()
        for secret in secrets - allowed:
            assert secret not in text, f"secret written to {path.relative_to(workdir)}"


def _secret_settings(executable: str) -> set[str]:
    done = subprocess.run(
        [tap_executable(executable), "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    properties = json.loads(done.stdout)["settings"]["properties"]
    return {name for name, spec in properties.items() if spec.get("secret")}


SECRET_SETTINGS = {case.executable: _secret_settings(case.executable) for case in TAPS}

FAILURES: dict[str, t.Callable[[t.Any, TapCase], None]] = {
    # The API refuses the credentials (OAuth taps refresh once, then give up).
    "401": lambda sim, case: sim.inject(
        "status", path=case.path, method=case.method, status=401, body={"error": "Unauthorized"}, times=100
    ),
    # Retries run out on 5xx answers.
    "5xx": lambda sim, case: sim.inject(
        "status", path=case.path, method=case.method, status=503, body={"error": "down"}, times=100
    ),
}


@pytest.mark.parametrize("path", ["success", *FAILURES])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_secret_in_output_or_files_at_debug_level(case, path, serve, tmp_path):
    sim = case.make()
    server = serve(sim)
    workdir = tmp_path / "run"
    config = case.config(server.url, max_retries=1)
    if case.token_store:
        config["refresh_token_store"] = str(workdir / "refresh-token.json")
    catalog = catalog_for(case, server.url, tmp_path)
    if path != "success":
        FAILURES[path](sim, case)
    done = run_debug(case, config, catalog, workdir)
    if path == "success":
        assert done.returncode == 0, done.stderr[-3000:]
        assert '"type":"RECORD"' in done.stdout
        if case.expire_tokens:  # OAuth: the tokens the simulator issued are among the secrets checked
            assert bearer_tokens(sim) and bearer_tokens(sim) <= case.secrets(sim)
        if case.token_store:
            assert Path(config["refresh_token_store"]).exists()
    else:
        assert done.returncode != 0
    assert_no_secret_left(case, sim, config, done, workdir)
