"""The base tap: shared settings, config checks before any request, one-line fatal errors."""

from __future__ import annotations

import json
import logging
import re
import sys
import typing as t
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlparse

import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import SimpleAuthenticator
from singer_sdk.configuration._dict_config import merge_missing_config_jsonschema, parse_environment_config
from singer_sdk.exceptions import (
    ConfigValidationError,
    FatalAPIError,
    InvalidStreamSortException,
    RetriableAPIError,
)
from singer_sdk.helpers._classproperty import classproperty
from singer_sdk.helpers.capabilities import EMIT_ACTIVATE_VERSION_CONFIG

from tap_common.auth import AuthenticationError
from tap_common.errors import CredentialsRefused, TapError
from tap_common.output import BufferedSingerWriter
from tap_common.rate_limit import RateLimiter
from tap_common.redaction import redact, register_secret
from tap_common.retry import WaitPolicy

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_local_host(host: str | None) -> bool:
    """Whether a host name is this machine (the only place plain http is allowed)."""
    return host in _LOCAL_HOSTS


def url_errors(config: t.Mapping[str, t.Any], name: str) -> list[str]:
    """The error for a URL setting that is set but not https (http only for localhost)."""
    value = config.get(name)
    if not value:
        return []
    parsed = urlparse(str(value))
    if not parsed.hostname or parsed.scheme not in ("https", "http"):
        return [f"setting '{name}' is not a URL: {value!r}"]
    if parsed.scheme != "https" and not is_local_host(parsed.hostname):
        return [f"setting '{name}' must use https (http only for localhost): {value!r}"]
    return []


def common_properties(
    *,
    api_url: str,
    max_requests_per_minute: float,
    start_date_required: bool = False,
    user_agent: str | None = None,
) -> list[th.Property]:
    """Settings every tap in the suite has, with each API's own defaults."""
    return [
        th.Property(
            "start_date",
            th.DateTimeType,
            required=start_date_required,
            description="Earliest record date to sync (ISO 8601), used when there is no state.",
        ),
        th.Property(
            "api_url",
            th.StringType,
            default=api_url,
            description="Base URL of the API (https; http only for localhost).",
        ),
        th.Property(
            "user_agent",
            th.StringType,
            **({"default": user_agent} if user_agent else {}),
            description="User-Agent header sent with every request.",
        ),
        th.Property(
            "max_requests_per_minute",
            th.NumberType,
            default=max_requests_per_minute,
            description="Client-side request budget; defaults to the API's documented limit.",
        ),
        th.Property(
            "request_timeout",
            th.IntegerType,
            default=60,
            description="Seconds to wait for a response before retrying.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=5,
            description="Retries of a request after 429, 5xx, timeouts or connection faults.",
        ),
        th.Property(
            "retry_backoff_seconds",
            th.NumberType,
            default=1.0,
            description=(
                "First wait of the exponential backoff when the API names no wait (for an API "
                "with its own retry schedule, the scale of that schedule: 1 = as published)."
            ),
        ),
        th.Property(
            "max_wait_seconds",
            th.NumberType,
            default=3600,
            description=(
                "Longest wait any rate-limit header may impose before a retry (longer asks are "
                "cut to this, with a warning)."
            ),
        ),
    ]


def number_errors(
    config: t.Mapping[str, t.Any], name: str, *, minimum: float, above: bool = False, what: str = "a number"
) -> list[str]:
    """The error for a number setting that is set but not a number >= (or >) `minimum`.

    The SDK reads a config file's fractions as Decimal, so any real number counts.
    """
    value = config.get(name)
    if value is None:
        return []
    is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if not is_number or value < minimum or (above and value == minimum):
        return [f"setting '{name}' must be {what} {'>' if above else '>='} {minimum:g}"]
    return []


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def typed_setting_strings(config: dict[str, t.Any], schema: t.Mapping[str, t.Any]) -> None:
    """Number and boolean settings given as text become numbers and booleans, in place.

    Environment variables are text (`TAP_X_MAX_RETRIES=3` with `--config ENV`), and Meltano
    passes `decimal` settings as text (their `value_processor: stringify` avoids Meltano
    4.4.1's "Decimal is not JSON serializable"). Text that is not a number is left for the
    schema check, which names the setting.
    """
    for name, spec in (schema.get("properties") or {}).items():
        value = config.get(name)
        if not isinstance(value, str):
            continue
        kinds = spec.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        text = value.strip()
        if "string" in kinds:
            continue
        if "integer" in kinds and re.fullmatch(r"[+-]?\d+", text):
            config[name] = int(text)
        elif "number" in kinds and _NUMBER.fullmatch(text):
            number = float(text)
            config[name] = (
                int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
            )
        elif "boolean" in kinds and text.lower() in ("true", "false", "1", "0"):
            config[name] = text.lower() in ("true", "1")


def batch_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """BATCH messages in parquet need pyarrow, an optional extra: say how to get it."""
    encoding = (config.get("batch_config") or {}).get("encoding") or {}
    if encoding.get("format") != "parquet":
        return []
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return [
            "setting 'batch_config.encoding.format' is parquet, which needs pyarrow: "
            "install the tap with its [parquet] extra (e.g. pip install 'singer-suite-tap-closeio[parquet]')"
        ]
    return []


def date_time_errors(config: t.Mapping[str, t.Any], name: str) -> list[str]:
    """The error for a date-time setting that is set but not ISO 8601, if any."""
    value = config.get(name)
    if not value:
        return []
    try:
        datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return [f"setting '{name}' is not an ISO 8601 date-time: {value!r}"]
    return []


#: Every tap's PyPI distribution is this prefix and the tap's name (`singer-suite-tap-closeio`).
DISTRIBUTION_PREFIX = "singer-suite-"


class SuiteTap(Tap):
    """Base class of the suite's taps."""

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # The SDK reads the version (--about, User-Agent) from the distribution's metadata.
        if "package_name" not in cls.__dict__:
            cls.package_name = DISTRIBUTION_PREFIX + cls.name

    #: Which setting(s) a 401/403 points at, e.g. "api_key".
    credential_settings: t.ClassVar[str] = "credentials"
    message_writer_class = BufferedSingerWriter
    #: Requests the API allows in a burst above the steady per-minute pace.
    rate_limit_burst: t.ClassVar[int] = 1

    #: The API's own retry schedule for 5xx and connection faults (None: exponential).
    retry_schedule: t.ClassVar[tuple[float, ...] | None] = None
    #: Wait on a 429 that names no wait, for APIs with a fixed window (None: backoff).
    rate_limited_wait_seconds: t.ClassVar[float | None] = None

    @cached_property
    def wait_policy(self) -> WaitPolicy:
        """How every request of this run (data, token, discovery, SOAP) waits and retries."""
        return WaitPolicy.from_config(
            self.config, schedule=self.retry_schedule, rate_limited_seconds=self.rate_limited_wait_seconds
        )

    @cached_property
    def rate_limiter(self) -> RateLimiter | None:
        budget = self.requests_per_minute()
        if budget is None:
            return None
        limiter = RateLimiter(
            float(budget), burst=self.rate_limit_burst, follow_limit_header=self.follows_limit_header()
        )
        limiter.max_pause_seconds = self.wait_policy.max_wait_seconds
        return limiter

    def follows_limit_header(self) -> bool:
        """Whether the budget follows the API's `X-RateLimit-Limit` (a per-minute count)."""
        return False

    def requests_per_minute(self) -> float | None:
        """The overall request budget; None when the API's own counters are the only one."""
        return self.config["max_requests_per_minute"]

    @cached_property
    def authenticator(self) -> t.Any:
        return self.build_authenticator()

    def build_authenticator(self) -> t.Any:
        """The tap's authenticator, built once per run from the config."""
        return SimpleAuthenticator()

    # -- config -----------------------------------------------------------------------

    def _secret_setting_names(self) -> list[str]:
        properties = self.config_jsonschema.get("properties", {})
        return [name for name, spec in properties.items() if spec.get("secret")]

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """The SDK's built-in settings, and `emit_activate_version_messages` (full-table
        streams then end with ACTIVATE_VERSION, so a target can drop rows gone from the API)."""
        super().append_builtin_config(config_jsonschema)
        merge_missing_config_jsonschema(EMIT_ACTIVATE_VERSION_CONFIG, config_jsonschema)

    @classproperty
    def _env_var_config(cls) -> dict[str, t.Any]:
        """Settings from `TAP_X_<SETTING>` variables, read as text: the SDK's own reading
        turns `TAP_X_MAX_RETRIES=x` into a traceback; here the config check names it."""
        schema = json.loads(json.dumps(cls.config_jsonschema))
        cls.append_builtin_config(schema)
        # A copy again: the built-in settings are the SDK's own dicts, shared by every tap.
        schema = json.loads(json.dumps(schema))
        for spec in schema.get("properties", {}).values():
            kinds = spec.get("type", [])
            if {"integer", "number", "boolean"} & set([kinds] if isinstance(kinds, str) else kinds):
                spec["type"] = ["string", "null"]
        return parse_environment_config(schema, cls._env_var_prefix)

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        for name in self._secret_setting_names():
            register_secret(self._config.get(name))
        typed_setting_strings(self._config, self.config_jsonschema)
        errors = [redact(e) for e in super()._validate_config(raise_errors=False)]
        errors += self.config_errors(self._config)
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors

    def config_errors(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Checks JSON Schema cannot express; each error names its setting."""
        errors = []
        for name in self._secret_setting_names():
            if name in config and not str(config[name]).strip():
                errors.append(f"setting '{name}' is empty")
        errors += date_time_errors(config, "start_date")
        errors += url_errors(config, "api_url")
        errors += number_errors(config, "max_requests_per_minute", minimum=0, above=True)
        errors += number_errors(config, "retry_backoff_seconds", minimum=0)
        errors += batch_errors(config)
        errors += number_errors(config, "max_wait_seconds", minimum=0, above=True)
        return errors

    # -- run --------------------------------------------------------------------------

    def __init__(self, *args: t.Any, validate_config: bool = True, **kwargs: t.Any) -> None:
        # The SDK skips config validation in discovery mode; Meltano runs discovery before
        # every sync, so a bad setting must be refused there too, before any request.
        super().__init__(*args, validate_config=True, **kwargs)

    def sync_all(self) -> None:
        """Sync every selected stream, even when one fails.

        A stream that fails is reported in one ERROR line, its state left at its last safe
        point (bookmarks only ever cover records already written), and the others go on;
        the run then ends with one ERROR line naming the failed streams and exit code 1.
        Refused credentials (401) and a closed output end the run at once: every other
        stream would fail the same way.
        """
        for stream in self.streams.values():
            stream.logger.addFilter(_demote_sdk_unhandled_error)
        logging.getLogger("singer_sdk").addFilter(_reword_sdk_unsorted_warning)
        failed: list[str] = []
        with self.failing_clearly():
            self._reset_state_progress_markers()
            self._set_compatible_replication_methods()
            if self.state:
                self._state_writer.write_state(self.state)
            for stream in self.streams.values():
                if stream.parent_stream_type or not (stream.selected or stream.has_selected_descendents):
                    continue
                try:
                    stream.sync()
                    stream.finalize_state_progress_markers()
                except RUN_ENDING_ERRORS:
                    raise
                except Exception as exc:
                    self._report_stream_failure(stream.name, exc)
                    failed.append(stream.name)
            self._report_run_summaries()
        if failed:
            self._state_writer.write_state(self.state)
            self.logger.error(
                "%s: %d of %d synced streams failed: %s (each named above); the others completed",
                self.name,
                len(failed),
                sum(1 for s in self.streams.values() if s.selected and not s.parent_stream_type),
                ", ".join(failed),
            )
            sys.exit(1)

    def _report_stream_failure(self, stream_name: str, exc: Exception) -> None:
        message = failure_message(exc, retries=self.config.get("max_retries", 5), stream=stream_name)
        if not message.startswith(f"{stream_name}:"):
            message = f"{stream_name}: {message}"
        self.logger.debug("%s failed", stream_name, exc_info=exc)
        self.logger.error("%s", redact(" ".join(message.split())))
        # A rerun resumes from here: what this stream (and the others) reached so far.
        self._state_writer.write_state(self.state)

    def _report_run_summaries(self) -> None:
        for stream in self.streams.values():
            stream.log_sync_costs()
            summary = getattr(stream, "moved_fields_summary", None)
            if summary is not None and (line := summary()):
                self.logger.warning("%s", line)

    @contextmanager
    def failing_clearly(self, *, write_state: bool = True) -> t.Iterator[None]:
        """Turn a failure outside any one stream (catalog, custom-field definitions, refused
        credentials) into one clear ERROR line and exit code 1.

        `write_state=False` before anything was synced: an empty STATE would reset the
        target's saved one.
        """
        try:
            yield
        except BrokenPipeError:
            # The target is gone: nothing more can be delivered, and nothing to tell it.
            sys.exit(1)
        except Exception as exc:
            message = failure_message(exc, retries=self.config.get("max_retries", 5))
            self.logger.debug("run failed", exc_info=exc)
        else:
            return
        if write_state:
            self._state_writer.write_state(self.state)
        self.logger.error("%s: %s", self.name, redact(" ".join(message.split())))
        sys.exit(1)


#: Failures that end the whole run instead of one stream.
RUN_ENDING_ERRORS: tuple[type[BaseException], ...] = (
    CredentialsRefused,
    AuthenticationError,
    BrokenPipeError,
)


def failure_message(exc: BaseException, *, retries: t.Any, stream: str | None = None) -> str:
    """What a user reads about a failure: the cause, on one line, without secrets.

    With `stream`, the cause's own leading `<stream>: ` is left out (the caller names the
    stream once, at the start of the line).
    """
    text = str(exc) or "(no message)"
    if stream and text.startswith(f"{stream}: "):
        text = text[len(stream) + 2 :]
    if isinstance(exc, RetriableAPIError):
        return f"gave up after {retries} retries: {text}"
    if isinstance(exc, (FatalAPIError, TapError)):
        return text
    if isinstance(exc, requests.RequestException):
        return f"request failed after {retries} retries: {_describe(exc)}"
    if isinstance(exc, InvalidStreamSortException):
        return f"records out of order: {text}"
    return f"unexpected {type(exc).__name__}: {text} (a bug in the tap: please report it)"


def _reword_sdk_unsorted_warning(record: logging.LogRecord) -> bool:
    """The SDK warns that an unsorted stream's "progress is not resumable if interrupted";
    here its pages are checkpointed (tap_common.checkpoint), so say what does happen."""
    if str(record.msg).startswith("Stream is assumed to be unsorted"):
        record.msg, record.args = (
            (
                "Unsorted stream: its bookmark moves when it completes; a rerun after a failure "
                "resumes at the last page it completed"
            ),
            None,
        )
        record.levelno, record.levelname = logging.INFO, "INFO"
    return True


def _demote_sdk_unhandled_error(record: logging.LogRecord) -> bool:
    """The SDK logs "An unhandled error occurred while syncing X" at ERROR for every stream
    the failure passes through; the tap's own last line already says what failed, so these
    become INFO and a user sees exactly one ERROR line."""
    if record.levelno == logging.ERROR and str(record.msg).startswith(
        "An unhandled error occurred while syncing"
    ):
        record.levelno, record.levelname = logging.INFO, "INFO"
    return True


def _describe(exc: requests.RequestException) -> str:
    url = exc.request.url if exc.request is not None else None
    where = f" {urlparse(url).path}" if url else ""
    return f"{type(exc).__name__} on{where}"
