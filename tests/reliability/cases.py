"""The five taps as the reliability tests drive them: one stream each, small data, fast retries.

Each `TapCase` knows how to build its simulator, a fast working config, which request path
carries the stream's records (where faults are injected), and the ids a full sync of that
stream must return according to the simulator.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from suite_sandbox import closeio, five9, liveperson, outreach, persistiq

from tests.conftest import TapRun, run_tap, select_streams, tap_executable

FAST = {"retry_backoff_seconds": 0.01, "max_retries": 3, "request_timeout": 5}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TapCase:
    name: str  # test id
    executable: str
    stream: str
    id_field: str
    #: Regex of the path of the requests that carry the stream's records.
    path: str
    make: t.Callable[[], t.Any]
    base_config: t.Callable[[str], dict]
    expected: t.Callable[[t.Any, dict], list]
    #: Makes every access token issued so far invalid (OAuth taps only).
    expire_tokens: t.Callable[[t.Any], None] | None = None
    #: HTTP method of the record requests (faults match it, so e.g. Five9's WSDL GET is spared).
    method: str | None = None
    secrets: t.Callable[[t.Any], set[str]] = field(default=lambda sim: set())
    #: Extra files a run may write that hold a secret by design (the refresh-token store).
    token_store: bool = False
    #: Regex of the request body that marks the stream's requests (one SOAP operation).
    fault_body: str = ""
    #: Streams fed by the stream's requests too (its children or parents): a broken endpoint
    #: may fail them as well.
    dependents: tuple[str, ...] = ()

    def broken_endpoint(self) -> dict[str, t.Any]:
        """Where a fault lands so that it hits this stream's record requests."""
        return {"path": self.path, "method": self.method, "request_body": self.fault_body}

    def config(self, url: str, **overrides: t.Any) -> dict:
        return {**self.base_config(url), **FAST, **overrides}

    def ids(self, run: TapRun) -> list:
        return [r[self.id_field] for r in run.records(self.stream)]


def _outreach_config(url: str) -> dict:
    config = outreach.demo_config(url)
    # A fresh store per run directory is set by the tests that need one.
    config.pop("refresh_token_store")
    return {**config, "page_size": 10, "max_requests_per_minute": 100_000}


def _outreach_secrets(sim: t.Any) -> set[str]:
    return {outreach.CLIENT_SECRET, outreach.REFRESH_TOKEN, *sim.secrets(), *bearer_tokens(sim)}


def bearer_tokens(sim: t.Any) -> set[str]:
    """Every bearer token the simulator was shown (the tokens it issued and the tap used)."""
    found = set()
    for request in list(sim.requests):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            found.add(token)
    return found


def _liveperson_secrets(sim: t.Any) -> set[str]:
    tokens = bearer_tokens(sim)
    return {
        liveperson.APP_KEY,
        liveperson.APP_SECRET,
        liveperson.ACCESS_TOKEN,
        liveperson.ACCESS_TOKEN_SECRET,
        liveperson.CLIENT_SECRET,
        *tokens,
    }


FIVE9_END = "2024-03-11T12:00:00Z"

CLOSEIO = TapCase(
    name="closeio",
    executable="tap-closeio",
    stream="contacts",
    id_field="id",
    # Contacts come from the Advanced Filtering API (POST /data/search/).
    path=r"/api/v1/data/search/$",
    method="POST",
    fault_body=r'"object_type": "contact"',  # not the leads' searches
    # 900 contacts: five search pages of 200, so faults land mid-stream.
    make=lambda: closeio.make_simulator(150, seed=3, counts={"contacts": 900}),
    base_config=lambda url: {**closeio.demo_config(url), "max_requests_per_minute": 100_000},
    expected=lambda sim, config: sim.ids(sim.contacts, _at(config["start_date"])),
    secrets=lambda sim: {closeio.API_KEY},
)
PERSISTIQ = TapCase(
    name="persistiq",
    executable="tap-persistiq",
    stream="leads",
    id_field="id",
    path=r"/v1/leads$",
    # Five pages of leads: enough requests for a fault every 4th to land in the stream.
    make=lambda: persistiq.make_simulator(450, seed=3, rate_limit_per_minute=None),
    base_config=lambda url: {**persistiq.demo_config(url), "max_requests_per_minute": 100_000},
    expected=lambda sim, config: sim.lead_ids(_at(config["start_date"])),
    secrets=lambda sim: {persistiq.API_KEY},
)
LIVEPERSON = TapCase(
    name="liveperson",
    executable="tap-liveperson",
    stream="messaging_interactions",
    id_field="conversation_id",
    path=r"/conversations/search$",
    make=lambda: liveperson.make_simulator(records=60, seed=3, skills=4, span_days=100),
    base_config=lambda url: {**liveperson.demo_config(url), "max_requests_per_minute": 100_000},
    expected=lambda sim, config: sim.conversation_ids(_at(config["start_date"])),
    secrets=_liveperson_secrets,
)
LIVEPERSON_OAUTH2 = TapCase(
    name="liveperson-oauth2",
    executable="tap-liveperson",
    stream="messaging_interactions",
    id_field="conversation_id",
    path=r"/conversations/search$",
    make=lambda: liveperson.make_simulator(records=60, seed=3, skills=4, span_days=100),
    base_config=lambda url: {**liveperson.demo_config_oauth2(url), "max_requests_per_minute": 100_000},
    expected=lambda sim, config: sim.conversation_ids(_at(config["start_date"])),
    expire_tokens=lambda sim: sim.expire_tokens(),
    secrets=_liveperson_secrets,
)
OUTREACH = TapCase(
    name="outreach",
    executable="tap-outreach",
    stream="prospects",
    id_field="id",
    path=r"/api/v2/prospects$",
    # Six pages of prospects (page_size 10): enough requests for a fault every 4th to land in the stream.
    make=lambda: outreach.make_simulator(60, seed=3),
    base_config=_outreach_config,
    expected=lambda sim, config: sim.ids("prospects"),
    expire_tokens=lambda sim: sim.expire_access_tokens(),
    secrets=_outreach_secrets,
    token_store=True,
)
FIVE9 = TapCase(
    name="five9",
    executable="tap-five9",
    stream="call_log",
    id_field="call_id",
    path=r"/wsadmin/v13/AdminWebService$",
    method="POST",
    # No transfer legs here: these tests need one id column, and legs share a CALL ID (the
    # stream's key is call_id + timestamp + call_type; tests/five9 covers the legs).
    make=lambda: five9.make_simulator(
        60,
        seed=3,
        report_delay=0.02,
        transfer_share=0,
        limits={"ReportRequest": 6000, "RetrieveReport": 6000, "Query": 6000},
    ),
    base_config=lambda url: {
        **five9.demo_config(url),
        "end_date": FIVE9_END,
        "max_requests_per_minute": 60_000,
    },
    expected=lambda sim, config: [
        r["call_id"] for r in sim.expected_calls(_at(config["start_date"]), _at(config["end_date"]))
    ],
    secrets=lambda sim: {five9.PASSWORD},
)

TAPS = (CLOSEIO, PERSISTIQ, LIVEPERSON, OUTREACH, FIVE9)
OAUTH_TAPS = (OUTREACH, LIVEPERSON_OAUTH2)

_catalogs: dict[str, dict] = {}


def catalog_for(case: TapCase, url: str, tmp_path: Path) -> dict:
    """The tap's discovered catalog with only the case's stream selected (discovered once per tap)."""
    if case.executable not in _catalogs:
        run = run_tap(case.executable, case.config(url), tmp_path / "discover", args=["--discover"])
        assert run.returncode == 0, run.stderr
        _catalogs[case.executable] = json.loads(run.stdout)
    return select_streams(_catalogs[case.executable], [case.stream])


def sync(case: TapCase, url: str, tmp_path: Path, config: dict | None = None, **kwargs: t.Any) -> TapRun:
    config = config if config is not None else case.config(url)
    return run_tap(case.executable, config, tmp_path, catalog=catalog_for(case, url, tmp_path), **kwargs)


_SDK_ERROR = re.compile(r"An unhandled error occurred while syncing")


def fatal_line(run: TapRun) -> str:
    """The line a user reads about what failed (before the run's closing list of failed
    streams, when the failure was one stream's)."""
    assert run.returncode != 0, "expected a failure"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    lines = run.cause_lines
    assert len(lines) == 1, run.error_lines
    assert not _SDK_ERROR.search(lines[0]), lines
    return lines[0]


def assert_exactly_once(case: TapCase, sim: t.Any, config: dict, run: TapRun) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    got = case.ids(run)
    expected = case.expected(sim, config)
    assert expected, "the simulator holds no rows for the stream: the case proves nothing"
    assert len(got) == len(set(got)), "duplicate records"
    assert sorted(got) == sorted(expected)


__all__ = [
    "FAST",
    "OAUTH_TAPS",
    "TAPS",
    "TapCase",
    "assert_exactly_once",
    "catalog_for",
    "fatal_line",
    "sync",
    "tap_executable",
]
