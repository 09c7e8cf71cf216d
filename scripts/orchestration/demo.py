"""Dagster on three simulated PersistIQ accounts, with nothing to set up (`serve.sh --demo`).

Starts a throwaway PostgreSQL (warehouse, Meltano system database and Dagster's storage), one
simulator per account, writes their accounts file, and runs `dagster dev` on it until Ctrl-C.
Runs with the main .venv (it has the sandbox); Dagster itself runs from .venv-dagster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from suite_sandbox import SandboxServer  # noqa: E402
from suite_sandbox.persistiq import make_simulator  # noqa: E402

# The tests' throwaway server (initdb + pg_ctl in a temp dir): the demo needs the same thing.
from tests.meltano.pg import PostgresServer  # noqa: E402

ACCOUNTS = {"acme": 200, "globex": 300, "initech": 400}


def main() -> int:
    out = REPO / "output" / "orchestration-demo"
    (out / "dagster").mkdir(parents=True, exist_ok=True)
    with PostgresServer() as pg:
        pg.query("CREATE DATABASE dagster")
        pg.query("CREATE SCHEMA meltano")
        servers, lines = [], ["environment: prod", "workers: 3", "accounts:"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_", "MELTANO_"))}
        for seed, (name, records) in enumerate(ACCOUNTS.items(), start=1):
            key = f"demo-{name}-key-{seed}"
            server = SandboxServer(make_simulator(records=records, seed=seed, api_key=key)).start()
            servers.append(server)
            variable = f"{name.upper()}_PERSISTIQ_KEY"
            env[variable] = key
            lines += [
                f"  - name: {name}",
                "    tap: tap-persistiq",
                f"    config: {{api_url: '{server.url}/v1', start_date: '2023-01-01T00:00:00Z'}}",
                f"    secrets: {{api_key: {variable}}}",
            ]
        (out / "accounts.yml").write_text("\n".join(lines) + "\n")
        (out / "dagster" / "dagster.yaml").write_text((Path(__file__).parent / "dagster.yaml").read_text())
        env.update(
            pg.env(),
            SUITE_ACCOUNTS_FILE=str(out / "accounts.yml"),
            MELTANO_DATABASE_URI=(
                f"postgresql+psycopg://{pg.user}@{pg.host}:{pg.port}/{pg.database}"
                "?options=-csearch_path%3Dmeltano"
            ),
            DAGSTER_HOME=str(out / "dagster"),
            DAGSTER_PG_URL=f"postgresql://{pg.user}@{pg.host}:{pg.port}/dagster",
            MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.pop("VIRTUAL_ENV", None)
        port = os.environ.get("DAGSTER_PORT", "3000")
        # `dagster dev` stops cleanly on SIGINT only; started in the background by a shell,
        # this process ignores SIGINT and the child would inherit that: handle it instead.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print(f"warehouse: psql -h {pg.host} -p {pg.port} -U {pg.user} {pg.database}", flush=True)
        print(f"Dagster: http://127.0.0.1:{port} (Jobs > sync_all_accounts > Materialize all)", flush=True)
        dagster = subprocess.Popen(
            [
                str(REPO / ".venv-dagster" / "bin" / "dagster"),
                "dev",
                "-d",
                str(REPO / "scripts" / "orchestration"),
                "-m",
                "suite_orchestration.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                port,
            ],
            cwd=REPO,
            env=env,
        )
        signal.signal(signal.SIGTERM, lambda *_: dagster.send_signal(signal.SIGINT))
        try:
            while True:
                try:
                    return dagster.wait()
                except KeyboardInterrupt:  # Ctrl-C reached dagster dev too: let it shut down
                    continue
        finally:
            if dagster.poll() is None:
                dagster.kill()
            for server in servers:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
