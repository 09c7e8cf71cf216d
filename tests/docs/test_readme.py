"""The README's commands work as written, for a newcomer on a fresh copy of the repository.

Every ```bash block of README.md is run, in order, in one shell, in a copy of the working
tree with nothing installed (no .venv, no .meltano), except blocks marked
`<!-- docs-check: skip: <why> -->` (only the test command itself: it is what CI runs). The
`prod` commands get a "real account" through the environment, as a user's would: the API key,
a PostgreSQL server, and (the one override a real user does not need) the API URL of a
sandbox, since this machine reaches no vendor. Links in every README point at files that exist.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from suite_sandbox import SandboxServer, closeio

REPO = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"(?:<!-- docs-check: (?P<mark>[^>]*?) -->\s*\n)?```bash\n(?P<body>.*?)```", re.S)
LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+)\)")


def bash_blocks(text: str) -> list[tuple[str, str]]:
    """(mark, commands) of each bash block; mark is '' when the block is unmarked."""
    return [((m.group("mark") or "").strip(), m.group("body")) for m in BLOCK.finditer(text)]


def working_tree_copy(destination: Path) -> Path:
    """The repository's files as a fresh clone of this working tree would have them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def test_every_bash_block_is_run_or_says_why_not() -> None:
    blocks = bash_blocks((REPO / "README.md").read_text())
    assert blocks, "the README shows no commands"
    for mark, body in blocks:
        assert mark == "run" or mark.startswith("skip: "), f"unmarked block:\n{body}"
    skipped = [body.strip() for mark, body in blocks if mark.startswith("skip")]
    assert skipped == [
        "bash scripts/test.sh    # install everything (and the test packages), run the whole test suite"
    ]
    assert (REPO / ".ci" / "run").read_text().strip().endswith("bash scripts/test.sh")


@pytest.mark.parametrize(
    "readme",
    sorted(
        p.relative_to(REPO)
        for p in REPO.glob("**/README.md")
        if ".venv" not in str(p) and "/.meltano/" not in str(p) and "/.bench/" not in str(p)
    ),
    ids=str,
)
def test_links_in_readmes_point_at_files_in_the_repository(readme: Path) -> None:
    text = (REPO / readme).read_text()
    for target in LINK.findall(text):
        path = (REPO / readme).parent / target.split("#")[0]
        assert path.exists(), f"{readme} links to {target}, which is not in the repository"


@pytest.mark.postgres
@pytest.mark.meltano
def test_the_readme_commands_work_as_written_on_a_fresh_copy(tmp_path: Path, postgres: t.Any) -> None:
    project = working_tree_copy(tmp_path / "suite")
    blocks = [body for mark, body in bash_blocks((REPO / "README.md").read_text()) if mark == "run"]
    script = "set -euo pipefail\n" + "\n".join(blocks)
    account = SandboxServer(closeio.make_simulator(records=30, seed=7)).start()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT", "MELTANO_", "TAP_", "TARGET_"))
    }
    env |= {
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DEMO_RECORDS": "20",
        # The "real account" of the prod commands.
        "CLOSE_API_KEY": closeio.API_KEY,
        "TAP_CLOSEIO_API_URL": closeio.demo_config(account.url)["api_url"],
        "PGHOST": postgres.host,
        "PGUSER": postgres.user,
        "PGPASSWORD": "not-checked-by-this-server",
        "PGDATABASE": postgres.database,
        "TARGET_POSTGRES_PORT": str(postgres.port),
    }
    try:
        completed = subprocess.run(
            ["bash", "-c", script],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
            check=False,
        )
    finally:
        account.stop()
        subprocess.run(
            ["bash", "-c", 'kill "$(cat .demo/sandbox/sandbox.pid)" 2>/dev/null || true'],
            cwd=project,
            check=False,
        )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-5000:]
    assert "Rows per table in" in completed.stdout  # the demo's summary
    assert re.search(r"tap_closeio\.leads\s+\d+", completed.stdout)
    assert sorted(p.name.split("-")[0] for p in project.glob("*.jsonl")), "the standalone run wrote no files"
    assert (project / "state.json").read_text().strip().startswith("{")
    assert list((project / "output" / "jsonl").glob("*.jsonl")), "meltano run into target-jsonl wrote nothing"
    # The prod secrets went to .env, not meltano.yml; the prod run loaded the account's leads.
    assert closeio.API_KEY in (project / ".env").read_text()
    prod = next(
        e
        for e in yaml.safe_load((project / "meltano.yml").read_text())["environments"]
        if e["name"] == "prod"
    )
    assert "api_key" not in json.dumps(prod)
    leads = postgres.query("SELECT count(*) FROM tap_closeio.leads")[0][0]
    assert int(leads) > 0


def test_without_apt_the_install_says_which_test_packages_to_install() -> None:
    """A machine without the test packages and without apt-get: one clear message, exit 1."""
    function = re.search(
        r"^install_test_packages\(\) \{.*?^\}", (REPO / "scripts" / "install.sh").read_text(), re.S | re.M
    )
    assert function
    script = f"{function.group()}\ncompgen() {{ return 1; }}\ninstall_test_packages"
    completed = subprocess.run(
        ["/bin/bash", "-c", script], env={"PATH": "/nonexistent"}, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 1
    assert "the tests need postgresql faketime" in completed.stderr
    assert "no apt-get" in completed.stderr


SETTINGS_TABLE = re.compile(r"^\| Setting \|.*?(?=\n\n|\Z)", re.S | re.M)


@pytest.mark.parametrize("api", ["closeio", "outreach", "persistiq", "liveperson", "five9"])
def test_each_tap_readme_lists_its_settings_as_the_tap_describes_them(api: str) -> None:
    about = subprocess.run(
        [str(Path(sys.executable).parent / f"tap-{api}"), "--about", "--format", "markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = SETTINGS_TABLE.search(about)
    written = SETTINGS_TABLE.search((REPO / "taps" / f"tap-{api}" / "README.md").read_text())
    assert expected and written, "no settings table"
    assert written.group() == expected.group(), (
        f"taps/tap-{api}/README.md: paste the table of `tap-{api} --about --format markdown`"
    )
