#!/usr/bin/env bash
# Install everything the suite needs (idempotent; safe to run again):
#   .venv            the taps, the sandbox and the test tools (uv workspace)
#   .venv-meltano    Meltano itself, kept apart from the taps' dependencies
#   .venv-dagster    the orchestrator for many accounts (Dagster + Meltano, scripts/orchestration)
#   .meltano/        every plugin of meltano.yml (`meltano install` reinstalls only what changed)
#   --test-deps      also PostgreSQL's server binaries and libfaketime for the tests (apt),
#                    only if missing
set -euo pipefail
cd "$(dirname "$0")/.."
MELTANO_VERSION=4.4.1

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet

if [ ! -x .venv-meltano/bin/meltano ] || ! .venv-meltano/bin/meltano --version 2>/dev/null | grep -q "$MELTANO_VERSION"; then
    uv venv --quiet --allow-existing --python 3.11 .venv-meltano 2>/dev/null \
        || uv venv --quiet --allow-existing .venv-meltano
    uv pip install --quiet --python .venv-meltano/bin/python "meltano==$MELTANO_VERSION"
fi
# .venv-dagster: the orchestrator for many accounts (scripts/orchestration/README.md), every
# version pinned by its requirements.txt; reinstalled only when that file changes.
if ! cmp -s scripts/orchestration/requirements.txt .venv-dagster/.requirements.txt 2>/dev/null; then
    uv venv --quiet --allow-existing --python 3.11 .venv-dagster 2>/dev/null \
        || uv venv --quiet --allow-existing .venv-dagster
    uv pip install --quiet --python .venv-dagster/bin/python -r scripts/orchestration/requirements.txt
    cp scripts/orchestration/requirements.txt .venv-dagster/.requirements.txt
fi
# Meltano's uv backend finds uv on PATH.
MELTANO_SEND_ANONYMOUS_USAGE_STATS=false .venv-meltano/bin/meltano install >/dev/null 2>.meltano-install.log \
    || { cat .meltano-install.log >&2; exit 1; }
rm -f .meltano-install.log

# Only for the tests (`bash scripts/test.sh` passes --test-deps): PostgreSQL's server binaries
# (a throwaway database) and libfaketime (a tap's clock set just before a minute ends, to test
# Five9's reset-on-the-minute limits in seconds). The demo needs neither.
install_test_packages() {
    local missing=()
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
    compgen -G "/usr/lib/*/faketime/libfaketimeMT.so.1" >/dev/null || missing+=(faketime)
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install.sh: the tests need ${missing[*]} (PostgreSQL's server binaries under" \
            "/usr/lib/postgresql/*/bin, libfaketime) and this machine has no apt-get: install them" \
            "with its package manager, then run again" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
if [ "${1:-}" = "--test-deps" ]; then
    install_test_packages
fi
