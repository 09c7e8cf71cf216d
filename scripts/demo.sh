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

# Every API's sandbox in the background; sandbox.env holds what meltano.yml's dev environment
# reads (each sandbox's URL, and the values that cannot be committed, e.g. a start_date
# relative to today).
.venv/bin/suite-sandbox serve-all --records "$RECORDS" --out-dir "$DEMO/sandbox" --background >/dev/null
trap 'kill "$(cat "$DEMO/sandbox/sandbox.pid")" 2>/dev/null || true' EXIT
# shellcheck disable=SC1091
. "$DEMO/sandbox/sandbox.env"

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
