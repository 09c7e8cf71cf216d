"""Every Five9 test gets its own WSDL cache: a cached WSDL of an earlier test's server (same
port, another WSDL) must never answer for this one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def own_wsdl_cache(tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache / "tap-five9"
