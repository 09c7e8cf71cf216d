"""What the LivePerson tests share: the tap's name, fast configs, secrets, stream selection."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from pathlib import Path

from suite_sandbox import liveperson as lp

from tests.conftest import TapRun, discover, run_tap, select_streams

TAP = "tap-liveperson"
SECRETS = (lp.APP_KEY, lp.APP_SECRET, lp.ACCESS_TOKEN, lp.ACCESS_TOKEN_SECRET, lp.CLIENT_SECRET)
SEARCH = r"/conversations/search$"
BY_ID = r"/conversations/conversation/search$"
CHAT_SEARCH = r"/interactions/search$"
#: retry_backoff_seconds scales LivePerson's 5, 10, 15 s schedule: 0.01 -> 0.05, 0.1, 0.15 s.
FAST = {"retry_backoff_seconds": 0.01, "max_requests_per_minute": 100_000}
STREAMS = (
    "users",
    "skills",
    "agent_groups",
    "agent_status",
    "campaigns",
    "messaging_interactions",
    "engagement_history",
    "queue_health",
    "messaging_queue_health",
    "agent_state_distribution",
)

_catalogs: dict[str, dict] = {}


def config(url: str, *, oauth2: bool = False, **overrides: t.Any) -> dict:
    base = lp.demo_config_oauth2(url) if oauth2 else lp.demo_config(url)
    return {**base, **FAST, **overrides}


def start_of(config: dict) -> datetime:
    return datetime.fromisoformat(config["start_date"].replace("Z", "+00:00"))


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def parse(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def catalog(config: dict, tmp_path: Path, streams: t.Iterable[str]) -> dict:
    """The discovered catalog (discovered once per test session) with only `streams` selected."""
    if "catalog" not in _catalogs:
        _catalogs["catalog"] = discover(TAP, config, tmp_path / "discover")
    return select_streams(_catalogs["catalog"], streams)


def run(config: dict, tmp_path: Path, streams: t.Iterable[str] | None = None, **kwargs: t.Any) -> TapRun:
    """The tap, with only `streams` selected (all when None)."""
    if streams is not None:
        kwargs["catalog"] = catalog(config, tmp_path, streams)
    return run_tap(TAP, config, tmp_path, **kwargs)


def assert_no_secrets(run: TapRun) -> None:
    output = run.output()
    for secret in SECRETS:
        assert secret not in output


def conversation_bodies(sim: lp.LivePersonSimulator) -> list[dict]:
    return [r.json() for r in sim.requests_to(SEARCH, "POST")]
