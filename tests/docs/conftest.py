"""A throwaway PostgreSQL for the README's prod commands."""

from __future__ import annotations

import typing as t

import pytest

from tests.meltano.pg import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> t.Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server
