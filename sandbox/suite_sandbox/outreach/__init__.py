"""Outreach REST API v2 simulator (records from Outreach's OpenAPI; see `simulator.py`)."""

from __future__ import annotations

import tempfile
import typing as t
from pathlib import Path
from urllib.parse import urlparse

from suite_sandbox.outreach.collections import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from suite_sandbox.outreach.oauth import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, REFRESH_TOKEN
from suite_sandbox.outreach.simulator import HOURLY_LIMIT, JSONAPI, OutreachSimulator

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DEFAULT_PAGE_SIZE",
    "HOURLY_LIMIT",
    "JSONAPI",
    "MAX_PAGE_SIZE",
    "REDIRECT_URI",
    "REFRESH_TOKEN",
    "OutreachSimulator",
    "demo_config",
    "make_simulator",
]


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> OutreachSimulator:
    """An Outreach simulator; options: see `OutreachSimulator`."""
    return OutreachSimulator(records, seed, **options)


def demo_config(url: str) -> dict:
    """A working tap config for the simulator at `url`.

    The simulator rotates refresh tokens, so the config names a store file (per server
    port, in the temp dir); a stale one from an earlier server on that port is removed,
    since a fresh simulator only knows its seed token.
    """
    store = Path(tempfile.gettempdir()) / f"suite-sandbox-outreach-{urlparse(url).port}-refresh-token.json"
    store.unlink(missing_ok=True)
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "refresh_token": REFRESH_TOKEN,
        "token_url": f"{url}/oauth/token",
        "api_url": f"{url}/api/v2",
        "start_date": "2024-01-01T00:00:00Z",
        "max_requests_per_minute": 6000,
        "refresh_token_store": str(store),
    }
