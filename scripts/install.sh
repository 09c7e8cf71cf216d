#!/usr/bin/env bash
# Install everything the suite needs (idempotent; safe to run again):
#   .venv            the taps, the sandbox and the test tools (uv workspace)
#   .venv-meltano    Meltano itself, kept apart from the taps' dependencies
#   .meltano/        every plugin of meltano.yml (`meltano install` reinstalls only what changed)
#   PostgreSQL       server binaries for the tests' throwaway database, only if missing
#   libfaketime      for one Five9 rate-limit test, only if missing
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
# Meltano's uv backend finds uv on PATH.
MELTANO_SEND_ANONYMOUS_USAGE_STATS=false .venv-meltano/bin/meltano install >/dev/null 2>.meltano-install.log \
    || { cat .meltano-install.log >&2; exit 1; }
rm -f .meltano-install.log

# Debian packages the tests use: PostgreSQL's server binaries, and libfaketime (a tap's clock
# set just before a minute ends, to test Five9's reset-on-the-minute limits in seconds).
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
compgen -G "/usr/lib/*/faketime/libfaketimeMT.so.1" >/dev/null || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
