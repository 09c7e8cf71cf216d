"""What a user installs: the built distributions alone, and a Meltano project built from the Hub files.

The release script builds every sdist and wheel (and runs `twine check --strict`); each tap is
then installed from those files into a fresh virtual environment with no workspace, and runs
--about, --discover and a sync against its sandbox. A new Meltano project adds every tap with
`meltano add --from-ref` from its Hub definition (pip_url pointed at the built wheels) and
runs it into target-jsonl.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.reliability.cases import TAPS, TapCase

REPO = Path(__file__).resolve().parents[2]
MELTANO = REPO / ".venv-meltano" / "bin" / "meltano"
TARGET_JSONL = {
    "name": "target-jsonl",
    "namespace": "target_jsonl",
    "variant": "andyh1203",
    "pip_url": "target-jsonl==0.1.4",
    "settings": [{"name": "destination_path", "kind": "string"}],
}


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every distribution, built once per test session (shared by xdist workers)."""
    # One folder per test session: xdist workers' base folders share a parent per session.
    root = tmp_path_factory.getbasetemp()
    shared = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "suite-dist"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".built").exists():
            completed = subprocess.run(
                [sys.executable, str(REPO / "scripts" / "release.py"), "--out-dir", str(shared)],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert completed.returncode == 0, completed.stdout + completed.stderr
            assert "twine check --strict passed" in completed.stdout
            (shared / ".built").touch()
    return shared


def wheels(dist: Path, api: str) -> list[str]:
    return [str(next(dist.glob(f"singer_suite_tap_{name}-*.whl"))) for name in (api, "common")]


def sdists(dist: Path, api: str) -> list[str]:
    return [str(next(dist.glob(f"singer_suite_tap_{name}-*.tar.gz"))) for name in (api, "common")]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def fresh_venv(tmp_path: Path, packages: list[str]) -> Path:
    """A new virtual environment with only `packages` (and what they depend on, from PyPI)."""
    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=clean_env())
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *packages],
        check=True,
        env=clean_env(),
        timeout=600,
    )
    return venv


def run(
    executable: Path, *args: str, config: dict | None = None, tmp_path: Path
) -> subprocess.CompletedProcess:
    command = [str(executable), *args]
    if config is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        command += ["--config", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=clean_env(), check=False)


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_each_tap_installs_from_its_built_files_alone_and_syncs(case: TapCase, kind, dist, serve, tmp_path):
    files = wheels(dist, case.name) if kind == "wheel" else sdists(dist, case.name)
    venv = fresh_venv(tmp_path, files)
    executable = venv / "bin" / case.executable
    installed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(sorted(d.metadata['Name'] for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"singer-suite-tap-{case.name}" in installed and "singer-suite-tap-common" in installed
    assert "suite-sandbox" not in installed  # the simulator never ships with a tap

    about = run(executable, "--about", "--format", "json", tmp_path=tmp_path)
    assert about.returncode == 0, about.stderr
    assert json.loads(about.stdout)["version"] == "0.2.0"

    sim = case.make()
    server = serve(sim)
    config = case.config(server.url)
    discovered = run(executable, "--discover", config=config, tmp_path=tmp_path)
    assert discovered.returncode == 0, discovered.stderr[-2000:]
    assert json.loads(discovered.stdout)["streams"]

    synced = run(executable, config=config, tmp_path=tmp_path)
    assert synced.returncode == 0, synced.stderr[-2000:]
    records = [json.loads(line) for line in synced.stdout.splitlines() if line.startswith('{"type":"RECORD"')]
    assert records and "Traceback" not in synced.stderr

    # Installed without its [parquet] extra: BATCH in parquet is refused in one line saying how.
    parquet = {
        **config,
        "batch_config": {"encoding": {"format": "parquet"}, "storage": {"root": f"file://{tmp_path}"}},
    }
    refused = run(executable, config=parquet, tmp_path=tmp_path)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "install the tap with its [parquet] extra" in refused.stderr, refused.stderr[-2000:]


def meltano(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [str(MELTANO), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**clean_env(), **(env or {})},
        check=False,
    )
    assert completed.returncode == 0, f"meltano {' '.join(args)}:\n{completed.stderr[-4000:]}"
    return completed


def test_a_meltano_project_built_only_from_the_hub_definitions_runs_every_tap(dist, serve, tmp_path):
    meltano(tmp_path, "init", "project", "--no-usage-stats")
    project = tmp_path / "project"
    for case in TAPS:
        definition = yaml.safe_load(
            (REPO / "hub" / "extractors" / case.executable / "singer-suite.yml").read_text()
        )
        definition["pip_url"] = " ".join(wheels(dist, case.name))  # the Hub's is the PyPI name
        ref = tmp_path / f"{case.executable}.yml"
        ref.write_text(yaml.safe_dump(definition))
        meltano(project, "add", "extractor", case.executable, "--from-ref", str(ref))
    loader = tmp_path / "target-jsonl.yml"
    loader.write_text(yaml.safe_dump(TARGET_JSONL))
    meltano(project, "add", "loader", "target-jsonl", "--from-ref", str(loader))
    meltano(project, "install")

    out = tmp_path / "jsonl"
    out.mkdir()
    for case in TAPS:
        sim = case.make()
        server = serve(sim)
        # Every setting from environment variables, numbers included (Meltano reads those as
        # decimals; the definitions pass them on as text, which the tap reads as numbers).
        prefix = case.executable.upper().replace("-", "_") + "_"
        env = {
            prefix + key.upper(): value if isinstance(value, str) else json.dumps(value)
            for key, value in case.config(server.url).items()
        }
        env |= {prefix + "MAX_REQUESTS_PER_MINUTE": "100000", prefix + "RETRY_BACKOFF_SECONDS": "0.01"}
        env |= {"TARGET_JSONL_DESTINATION_PATH": str(out / case.name)}
        (out / case.name).mkdir()
        meltano(project, "run", case.executable, "target-jsonl", env=env)
        # target-jsonl names each file <stream>-<time>.jsonl
        written = {
            path.stem.rsplit("-", 1)[0]: path.read_text().splitlines()
            for path in (out / case.name).glob("*.jsonl")
        }
        assert written, f"{case.executable} loaded nothing"
        loaded = {json.loads(line)[case.id_field] for line in written.get(case.stream, [])}
        assert loaded == set(case.expected(sim, case.config(server.url)))
