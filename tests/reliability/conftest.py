"""The throwaway PostgreSQL and the Meltano-installed target-postgres, shared with tests/meltano."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from tests.meltano.conftest import loader_bin
from tests.meltano.pg import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def target_postgres(request: pytest.FixtureRequest) -> Path:
    """The loader Meltano installed (installed now through tests/meltano's fixture if missing)."""
    executable = loader_bin("target-postgres")
    if not executable.exists():
        request.getfixturevalue("meltano_installed")
    return executable


from tests.meltano.conftest import meltano_installed  # noqa: E402, F401 - fixture used above when needed
