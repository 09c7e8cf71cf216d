"""The simulated account: credentials, services, the API's documented limits, time formats."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

ACCOUNT_ID = "41234567"
APP_KEY = "sandbox-lp-app-key-7f3a"
APP_SECRET = "sandbox-lp-app-secret-91bc"
ACCESS_TOKEN = "sandbox-lp-access-token-5d20"
ACCESS_TOKEN_SECRET = "sandbox-lp-token-secret-c4e8"
CLIENT_ID = "sandbox-lp-client-id"
CLIENT_SECRET = "sandbox-lp-client-secret-0a6f"

UNASSIGNED_SKILL_ID = -1
#: CSDS service names (case sensitive), each served on its own host.
SERVICES = (
    "accountConfigReadOnly",
    "accountConfigReadWrite",
    "msgHist",
    "sentinel",
    "agentVep",
    "engHistDomain",
    "leDataReporting",
)
#: The scopes the sandbox's app installation grants (client credentials, Sentinel v2).
GRANTED_SCOPES = ("msgHist.read", "users.external", "skills.external", "operations.read", "engHist.read")
#: Sentinel v1 issues Connector API tokens (the docs' example AppJWT carries this scope).
CONNECTOR_SCOPE = "msg.consumer"

MAX_RANGE = timedelta(days=92)  # Messaging Interactions: "three months"
MAX_CHAT_RANGE = timedelta(days=31)  # Engagement History: "one month"
RETENTION = timedelta(days=395)  # 13 months
ROUNDING_MS = 10 * 60 * 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_SOURCE_LENGTH = 20
OAUTH_TIMESTAMP_SKEW = 600
MAX_TIMEFRAME_MINUTES = 1440
MIN_INTERVAL_MINUTES = 5


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def lp_time(ts: datetime) -> str:
    """LivePerson's own string format, e.g. `2016-08-29 14:30:24.565+0000`."""
    return ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}+0000"


def account_time(ts: datetime) -> str:
    """Account-config dates: `2015-06-22 19:20:03` (account time zone)."""
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def oauth_escape(value: str) -> str:
    return quote(value, safe="~")
