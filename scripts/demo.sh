#!/usr/bin/env bash
# The README's first command: install everything, serve every API's sandbox, run every tap through
# Meltano (dev environment) into the embedded DuckDB database, print rows per table, stop the sandbox.
#   DEMO_RECORDS=1000 bash scripts/demo.sh     # more data per sandbox table (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

RECORDS="${DEMO_RECORDS:-200}"
DEMO="$PWD/.demo"
DATABASE="$PWD/output/warehouse.duckdb"
rm -rf "$DEMO" "$DATABASE"
mkdir -p "$DEMO" "$(dirname "$DATABASE")"

.venv/bin/python -m suite_sandbox serve-all --records "$RECORDS" --out "$DEMO/sandbox.json" >"$DEMO/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true; wait "$SANDBOX_PID" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
    [ -s "$DEMO/sandbox.json" ] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$DEMO/sandbox.log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$DEMO/sandbox.json" ] || { echo "the sandbox did not start" >&2; exit 1; }

# meltano.yml's dev environment reads each sandbox's URL (and the values that cannot be
# committed, e.g. a start_date relative to today) from env vars.
eval "$(.venv/bin/python - "$DEMO" <<'PY'
import json, re, shlex, sys
from pathlib import Path
sys.path.insert(0, "scripts")
import generate_plugin_definitions as gen
demo = Path(sys.argv[1])
configs = json.loads((demo / "sandbox.json").read_text())
urls = dict(re.findall(r"^(\w+): (http\S+)$", (demo / "sandbox.log").read_text(), re.M))
for api in gen.APIS:
    for key, value in gen.sandbox_env(api, urls[api], configs[api]).items():
        print(f"export {key}={shlex.quote(value)}")
PY
)"

export MELTANO_ENVIRONMENT=dev
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
export MELTANO_DATABASE_URI="sqlite:///$DEMO/meltano.db"  # fresh state: every demo is a full sync
export TARGET_DUCKDB_FILEPATH="$DATABASE"

failed=()
for tap in closeio outreach persistiq liveperson five9; do
    start=$(date +%s)
    if .venv-meltano/bin/meltano run "tap-$tap" target-duckdb >"$DEMO/tap-$tap.log" 2>&1; then
        echo "tap-$tap -> target-duckdb: ok in $(( $(date +%s) - start ))s"
    else
        echo "tap-$tap -> target-duckdb: FAILED (log: $DEMO/tap-$tap.log)" >&2
        grep -E "error|Error" "$DEMO/tap-$tap.log" | tail -5 >&2 || true
        failed+=("tap-$tap")
    fi
done

echo
echo "Rows per table in $DATABASE:"
.meltano/loaders/target-duckdb/venv/bin/python - "$DATABASE" <<'PY'
import sys
import duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
tables = connection.execute(
    "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
).fetchall()
for schema, table in tables:
    rows = connection.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
    print(f"  {schema + '.' + table:<40} {rows:>8}")
PY

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
