#!/usr/bin/env bash
# Start the orchestrator locally: Dagster's webserver and daemon on the accounts file.
#   bash scripts/orchestration/serve.sh --demo   # nothing to set up: throwaway PostgreSQL, 3 simulated accounts
#   bash scripts/orchestration/serve.sh          # your accounts: see scripts/orchestration/README.md
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install.sh
if [ "${1:-}" = "--demo" ]; then
    exec .venv/bin/python scripts/orchestration/demo.py
fi
: "${MELTANO_DATABASE_URI:?must name the shared PostgreSQL system database (postgresql+psycopg://user:password@host:5432/db)}"
export SUITE_ACCOUNTS_FILE="${SUITE_ACCOUNTS_FILE:-$PWD/scripts/orchestration/accounts.yml}"
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/output/dagster}"
mkdir -p "$DAGSTER_HOME"
# Dagster's own storage in PostgreSQL when DAGSTER_PG_URL is set (several machines), else SQLite.
if [ -n "${DAGSTER_PG_URL:-}" ] && [ ! -f "$DAGSTER_HOME/dagster.yaml" ]; then
    cp scripts/orchestration/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
fi
PYTHONPATH=scripts/orchestration .venv-dagster/bin/python -m suite_orchestration check
exec .venv-dagster/bin/dagster dev -d scripts/orchestration -m suite_orchestration.definitions \
    -h 127.0.0.1 -p "${DAGSTER_PORT:-3000}"
