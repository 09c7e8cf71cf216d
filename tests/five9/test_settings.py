"""Settings: region hosts, api_url override, config errors caught before any request."""

from __future__ import annotations

import pytest
from suite_sandbox.five9 import demo_config
from tap_five9.tap import TapFive9

from tests.conftest import run_tap


@pytest.mark.parametrize(
    ("region", "mode", "url"),
    [
        ("us", "reports", "https://api.five9.com"),
        ("uk", "reports", "https://api.five9.eu"),
        ("ca", "reports", "https://api.five9.ca"),
        ("eu", "reports", "https://api.eu.five9.com"),
        ("us", "rest", "https://api.five9.com/v1"),
    ],
)
def test_region_picks_the_data_centre_host(region, mode, url):
    config = {"username": "u@example.com", "password": "secret-pass", "start_date": "2024-01-01T00:00:00Z"}
    tap = TapFive9(config={**config, "region": region, "api_mode": mode}, validate_config=True)
    assert tap.api_base_url == url
    assert TapFive9(config={**config, "api_url": "https://x.example/"}).api_base_url == "https://x.example"


@pytest.mark.parametrize(
    ("region", "zone"),
    [("us", "America/Los_Angeles"), ("ca", "GMT"), ("uk", "Europe/London"), ("eu", "GMT")],
)
def test_report_times_default_to_the_data_centres_zone_and_can_be_overridden(region, zone):
    config = {"username": "u@example.com", "password": "secret-pass", "start_date": "2024-01-01T00:00:00Z"}
    assert TapFive9(config={**config, "region": region}).report_zone.key == zone
    overridden = TapFive9(config={**config, "region": region, "report_time_zone": "Asia/Kolkata"})
    assert overridden.report_zone.key == "Asia/Kolkata"


def test_bad_settings_fail_before_any_request(tmp_path):
    config = {
        **demo_config("http://127.0.0.1:9"),
        "window_hours": 0,
        "api_mode": "soap",
        "report_time_zone": "Mars/Base",
        "lookback_hours": -1,
    }
    run = run_tap("tap-five9", config, tmp_path)
    assert run.returncode != 0
    text = run.stderr
    assert "window_hours" in text and "report_time_zone" in text and "api_mode" in text
    assert "setting 'lookback_hours' must be a number >= 0" in text
    assert "five9-sandbox-password" not in run.output()


@pytest.mark.parametrize(
    ("mode", "setting", "expected"),
    [
        # Real Five9 has no overall budget: its per-operation counters pace reports mode.
        ("reports", None, None),
        ("reports", 30, (2.0, 10)),
        # The seed's REST facade: 60 a minute, bursts of 10.
        ("rest", None, (1.0, 10)),
        ("rest", 120, (0.5, 10)),
    ],
)
def test_the_overall_request_budget_depends_on_the_mode(mode, setting, expected):
    config = {
        "username": "u@example.com",
        "password": "secret-pass",
        "start_date": "2024-01-01T00:00:00Z",
        "api_mode": mode,
    }
    if setting is not None:
        config["max_requests_per_minute"] = setting
    limiter = TapFive9(config=config).rate_limiter
    assert (limiter and (limiter.interval, limiter.burst)) == expected
