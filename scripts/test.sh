#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every test (none may skip in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test-deps
exec uv run --frozen --no-sync pytest -n 2 --dist loadgroup "$@"
