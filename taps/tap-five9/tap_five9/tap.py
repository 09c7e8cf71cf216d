"""tap-five9: Five9 call logs and agent logins, from reports (real API) or the seed's REST facade."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th
from singer_sdk.authenticators import BasicAuthenticator
from tap_common.tap import SuiteTap, common_properties, date_time_errors, number_errors

from tap_five9.report_streams import AgentLoginLogoutReportStream, CallLogReportStream
from tap_five9.rest_streams import AgentLoginLogoutRestStream, CallLogRestStream
from tap_five9.soap import ReportClient

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams import Stream

#: Five9 data-centre hosts of the Configuration Web Services.
REGION_HOSTS = {"us": "api.five9.com", "uk": "api.five9.eu", "ca": "api.five9.ca", "eu": "api.eu.five9.com"}
# The seed's REST facade: 60 requests per minute with bursts of 10.
DEFAULT_MAX_REQUESTS_PER_MINUTE = 60
RATE_LIMIT_BURST = 10


def _properties() -> list[th.Property]:
    common = common_properties(
        api_url="https://api.five9.com",
        max_requests_per_minute=DEFAULT_MAX_REQUESTS_PER_MINUTE,
        start_date_required=True,
    )
    # api_url has no default here: it follows `region` unless set.
    api_url = th.Property(
        "api_url",
        th.StringType,
        description=(
            "Override of the base URL. reports mode: the host base, e.g. https://api.five9.com "
            "(the tap calls {api_url}/wsadmin/v13/AdminWebService); rest mode: the REST base "
            "including /v1. Default: from region."
        ),
    )
    # No default here either: it depends on the mode (see `rate_limiter`).
    budget = th.Property(
        "max_requests_per_minute",
        th.NumberType,
        description=(
            f"Client-side request budget. rest mode: default {DEFAULT_MAX_REQUESTS_PER_MINUTE} (bursts of "
            f"{RATE_LIMIT_BURST}). reports mode: by default none beyond Five9's own per-operation "
            "limits, which the tap reads from the domain and paces each operation type to."
        ),
    )
    replaced = {"api_url": api_url, "max_requests_per_minute": budget}
    return [replaced.get(p.name, p) for p in common]


class TapFive9(SuiteTap):
    """Singer tap for Five9."""

    name = "tap-five9"
    credential_settings = "username/password"
    rate_limit_burst = RATE_LIMIT_BURST

    config_jsonschema = th.PropertiesList(
        th.Property(
            "username",
            th.StringType,
            required=True,
            description="Five9 user (VCC Administrator role, allowed to run reports); HTTP Basic.",
        ),
        th.Property(
            "password",
            th.StringType,
            required=True,
            secret=True,
            description="Password of that user; HTTP Basic.",
        ),
        th.Property(
            "api_mode",
            th.StringType,
            default="reports",
            allowed_values=["reports", "rest"],
            description="reports: real Five9 SOAP reports (runReport/isReportRunning/getReportResultCsv); rest: the seed's REST contract.",
        ),
        th.Property(
            "region",
            th.StringType,
            default="us",
            allowed_values=list(REGION_HOSTS),
            description="Five9 data centre: us (api.five9.com), uk (api.five9.eu), ca (api.five9.ca), eu (api.eu.five9.com).",
        ),
        *_properties(),
        th.Property(
            "end_date",
            th.DateTimeType,
            description="Sync up to this time (exclusive), e.g. for a backfill; default: now.",
        ),
        th.Property(
            "window_hours",
            th.NumberType,
            default=24,
            description="reports mode: hours of data per report run (a window that hits the row cap is split).",
        ),
        th.Property(
            "report_timeout_seconds",
            th.NumberType,
            default=600,
            description="reports mode: fail the run when a report is still running after this long.",
        ),
        th.Property(
            "report_row_limit",
            th.IntegerType,
            default=50_000,
            description="reports mode: Five9's row cap of getReportResultCsv; a result this long is split and re-run.",
        ),
        th.Property(
            "report_time_zone",
            th.StringType,
            default="America/Los_Angeles",
            description="reports mode: time zone of report date-times (Five9 reports through the API use Pacific time).",
        ),
    ).to_dict()

    # -- config -----------------------------------------------------------------------

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        errors = super().config_errors(config)
        for name, minimum in (
            ("window_hours", 1 / 3600),
            ("report_timeout_seconds", 1),
            ("report_row_limit", 2),
        ):
            errors += number_errors(config, name, minimum=minimum)
        if zone := config.get("report_time_zone"):
            try:
                ZoneInfo(str(zone))
            except (ZoneInfoNotFoundError, ValueError):
                errors.append(f"setting 'report_time_zone' is not a known time zone: {zone!r}")
        errors += date_time_errors(config, "end_date")
        return errors

    def requests_per_minute(self) -> float | None:
        """In reports mode Five9's per-operation counters are the real budget."""
        budget = self.config.get("max_requests_per_minute")
        if budget is None and self.api_mode == "rest":
            budget = DEFAULT_MAX_REQUESTS_PER_MINUTE
        return budget

    @property
    def api_mode(self) -> str:
        return str(self.config.get("api_mode") or "reports")

    @property
    def api_base_url(self) -> str:
        if url := self.config.get("api_url"):
            return str(url).rstrip("/")
        host = REGION_HOSTS[str(self.config.get("region") or "us")]
        return f"https://{host}/v1" if self.api_mode == "rest" else f"https://{host}"

    @cached_property
    def sync_end(self) -> datetime:
        """Where this run stops (exclusive): end_date, else the time the run started."""
        if end := self.config.get("end_date"):
            parsed = datetime.fromisoformat(str(end).replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return datetime.now(timezone.utc).replace(microsecond=0)

    # -- clients ----------------------------------------------------------------------

    def build_authenticator(self) -> BasicAuthenticator:
        return BasicAuthenticator(
            username=str(self.config["username"]), password=str(self.config["password"])
        )

    @cached_property
    def report_client(self) -> ReportClient:
        return ReportClient(
            self.config,
            base_url=self.api_base_url,
            rate_limiter=self.rate_limiter,
            credential_settings=self.credential_settings,
            logger=self.logger,
        )

    # -- streams ----------------------------------------------------------------------

    @cached_property
    def _agents_seen(self) -> set[str]:
        return set()

    def new_agent_contexts(self, record: dict) -> t.Iterator[Context]:
        """`{agent}` the first time a call names that agent in this run; nothing after."""
        agent = record.get("agent")
        if agent and agent not in self._agents_seen:
            self._agents_seen.add(agent)
            yield {"agent": agent}

    def discover_streams(self) -> list[Stream]:
        if self.api_mode == "rest":
            return [CallLogRestStream(self), AgentLoginLogoutRestStream(self)]
        return [CallLogReportStream(self), AgentLoginLogoutReportStream(self)]
