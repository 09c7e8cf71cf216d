"""tap-five9: Five9 call logs and agent logins, from reports (the real API) or, in a contract
mode, the seed's REST facade (which real Five9 does not serve)."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th
from singer_sdk.authenticators import BasicAuthenticator
from tap_common.tap import SuiteTap, common_properties, date_time_errors, number_errors

from tap_five9.report_streams import (
    DEFAULT_LOOKBACK_HOURS,
    AgentLoginLogoutReportStream,
    CallLogReportStream,
    ReportStream,
)
from tap_five9.rest_streams import AgentLoginLogoutRestStream, CallLogRestStream
from tap_five9.soap import ReportClient

if t.TYPE_CHECKING:
    from singer_sdk.streams import Stream

#: Five9 data-centre hosts of the Configuration Web Services.
REGION_HOSTS = {"us": "api.five9.com", "uk": "api.five9.eu", "ca": "api.five9.ca", "eu": "api.eu.five9.com"}
#: The zone report date-times are printed in, per data centre. Five9's developer samples
#: (examples/reporting/README.md): "All datetime data retrieved from the Five9 Reporting API
#: will be fixed to the timezone of the Datacenter Region": US Pacific, MTL (Canada) GMT,
#: FRK/NLD (EU) GMT, LDN (UK) BST, i.e. London time. Matatika's tap assumes Vancouver for CA
#: and Berlin for EU instead; the vendor's own table wins, and `report_time_zone` overrides it.
REGION_ZONES = {"us": "America/Los_Angeles", "ca": "GMT", "uk": "Europe/London", "eu": "GMT"}
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
    """Singer tap for Five9 call logs and agent logins, from the SOAP Configuration Web Services
    reports (api_mode reports, the real API). api_mode rest is a contract mode for the seed's
    REST facade (GET /v1/call_log): real Five9 serves no such endpoint."""

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
            description=(
                "reports: the real Five9 API, SOAP reports (runReport/isReportRunning/getReportResultCsv). "
                "rest: contract mode for the seed's REST facade (GET /v1/call_log, /v1/agent_login_logout); "
                "real Five9 serves no such endpoint, so use it only against a server that implements that contract."
            ),
        ),
        th.Property(
            "region",
            th.StringType,
            default="us",
            allowed_values=list(REGION_HOSTS),
            description=(
                "Five9 data centre: us (api.five9.com), uk (api.five9.eu), ca (api.five9.ca), eu "
                "(api.eu.five9.com); also sets the default report_time_zone."
            ),
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
            description=(
                "reports mode: hours of data in the first report run; a window that hits the row cap "
                "is split, and the next window doubles while results stay under a quarter of the cap."
            ),
        ),
        th.Property(
            "max_window_hours",
            th.NumberType,
            default=744,
            description=(
                "reports mode: the largest window the doubling reaches (default 31 days; set it to "
                "window_hours for fixed windows)."
            ),
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
            description=(
                "reports mode: time zone Five9 prints report date-times in, which is the data centre's "
                "(also where its daily limits reset). Default from region, after Five9's developer "
                "samples: us America/Los_Angeles, ca GMT, uk Europe/London, eu GMT."
            ),
        ),
        th.Property(
            "lookback_hours",
            th.NumberType,
            default=DEFAULT_LOOKBACK_HOURS,
            description=(
                "reports mode: rows Five9 adds to a window after it was read (a call is listed when it "
                "ends, at the time it started) are read by the next run, which starts this many hours "
                "before the time the last window was read (when that is before the bookmark). Rows read "
                "twice are the same records (same key): targets upsert them."
            ),
        ),
    ).to_dict()

    # -- config -----------------------------------------------------------------------

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        errors = super().config_errors(config)
        for name, minimum in (
            ("window_hours", 1 / 3600),
            ("max_window_hours", 1 / 3600),
            ("report_timeout_seconds", 1),
            ("report_row_limit", 2),
            ("lookback_hours", 0),
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
    def report_zone(self) -> ZoneInfo:
        """The zone Five9 prints report date-times in (the data centre's, unless overridden)."""
        zone = self.config.get("report_time_zone") or REGION_ZONES[str(self.config.get("region") or "us")]
        return ZoneInfo(str(zone))

    @cached_property
    def report_client(self) -> ReportClient:
        return ReportClient(
            self.config,
            base_url=self.api_base_url,
            wait_policy=self.wait_policy,
            rate_limiter=self.rate_limiter,
            credential_settings=self.credential_settings,
            zone=self.report_zone,
            logger=self.logger,
            plan=self.planned_windows,
        )

    def planned_windows(self) -> dict[str, int]:
        """Report windows (one runReport each) this run's selected streams will read."""
        return {
            stream.name: len(stream.windows())
            for stream in self.streams.values()
            if isinstance(stream, ReportStream) and stream.selected
        }

    # -- streams ----------------------------------------------------------------------

    def load_streams(self) -> list[Stream]:
        # The seed's order (call_log, then agent_login_logout), not the SDK's by name.
        order = [stream.name for stream in self.discover_streams()]
        return sorted(super().load_streams(), key=lambda stream: order.index(stream.name))

    def discover_streams(self) -> list[Stream]:
        if self.api_mode == "rest":
            return [CallLogRestStream(self), AgentLoginLogoutRestStream(self)]
        return [CallLogReportStream(self), AgentLoginLogoutReportStream(self)]
