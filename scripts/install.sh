#!/usr/bin/env bash
# Install everything the suite needs into .venv (idempotent; safe to run again).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet
