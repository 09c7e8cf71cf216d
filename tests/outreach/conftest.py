"""Fixtures of the Outreach tests: one discovered catalog, and a simulator served with a
config and a catalog selecting the streams a test needs."""

from __future__ import annotations

import typing as t

import pytest

from tests.conftest import select_streams
from tests.outreach.helpers import discover_catalog, fast_config

if t.TYPE_CHECKING:
    from suite_sandbox.outreach import OutreachSimulator


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # Discovery makes no request, so one catalog serves every test.
    return discover_catalog(fast_config("http://127.0.0.1:9"), tmp_path_factory.mktemp("discover"))


@pytest.fixture
def only(serve, tmp_path, catalog):
    def setup(stream: str | list[str], sim: OutreachSimulator, **config: t.Any) -> tuple[dict, dict]:
        """Serve `sim`; the fast config and a catalog selecting only `stream`."""
        server = serve(sim)
        # The simulator rotates refresh tokens: a second run needs the stored one.
        config.setdefault("refresh_token_store", str(tmp_path / "refresh-token.json"))
        return fast_config(server.url, **config), select_streams(
            catalog, [stream] if isinstance(stream, str) else stream
        )

    return setup
