"""LivePerson (Conversational Cloud) simulator: see `simulator.py` for what it implements."""

from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.liveperson.constants import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    ACCOUNT_ID,
    APP_KEY,
    APP_SECRET,
    CLIENT_ID,
    CLIENT_SECRET,
    UNASSIGNED_SKILL_ID,
    ms,
)
from suite_sandbox.liveperson.simulator import LivePersonSimulator

__all__ = [
    "ACCESS_TOKEN",
    "ACCESS_TOKEN_SECRET",
    "ACCOUNT_ID",
    "APP_KEY",
    "APP_SECRET",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "UNASSIGNED_SKILL_ID",
    "LivePersonSimulator",
    "demo_config",
    "demo_config_oauth2",
    "make_simulator",
    "ms",
]


def make_simulator(records: int = 200, seed: int = 1, **options: t.Any) -> LivePersonSimulator:
    return LivePersonSimulator(records=records, seed=seed, **options)


def demo_config(url: str) -> dict:
    """A working OAuth1 tap config against a simulator served at `url`."""
    return {
        "account_id": ACCOUNT_ID,
        "api_url": url,
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "access_token": ACCESS_TOKEN,
        "access_token_secret": ACCESS_TOKEN_SECRET,
        "start_date": (datetime.now(timezone.utc) - timedelta(days=120)).strftime("%Y-%m-%dT00:00:00Z"),
    }


def demo_config_oauth2(url: str) -> dict:
    """The same config with OAuth 2.0 client credentials instead of OAuth1 keys."""
    config = {
        k: v
        for k, v in demo_config(url).items()
        if k not in ("app_key", "app_secret", "access_token", "access_token_secret")
    }
    return {**config, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
