"""Bad settings are refused before any request, each error naming its setting."""

from __future__ import annotations

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tests.common.toy import ToyAPI, ToyTap, config_for


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"start_date": "last tuesday"}, "setting 'start_date' is not an ISO 8601 date-time: 'last tuesday'"),
        (
            {"api_url": "http://api.example.com"},
            "setting 'api_url' must use https (http only for localhost): 'http://api.example.com'",
        ),
        ({"api_url": "not a url"}, "setting 'api_url' is not a URL: 'not a url'"),
        ({"api_key": "  "}, "setting 'api_key' is empty"),
        ({"max_requests_per_minute": 0}, "setting 'max_requests_per_minute' must be a number > 0"),
    ],
)
def test_bad_settings_are_refused_before_any_request(serve, overrides, error):
    simulator = ToyAPI()
    url = serve(simulator).url
    with pytest.raises(ConfigValidationError) as info:
        ToyTap(config=config_for(url, **overrides))
    assert error in info.value.errors
    assert simulator.requests == []


def test_a_secret_of_the_wrong_type_is_not_echoed_in_the_error():
    with pytest.raises(ConfigValidationError) as info:
        ToyTap(config={"api_key": ["secret-in-a-list-123"], "api_url": "https://toy.example.com"})
    assert not any("secret-in-a-list-123" in error for error in info.value.errors)


def test_localhost_may_use_http(serve):
    url = serve(ToyAPI()).url
    assert url.startswith("http://127.0.0.1:")
    ToyTap(config=config_for(url))


def test_reading_settings_from_the_environment_leaves_the_sdks_built_in_settings_as_they_are(monkeypatch):
    """Env-var settings are read as text on a copy: the built-in settings' schemas are the
    SDK's own objects, shared by every tap, and must keep their types."""
    from singer_sdk.helpers.capabilities import EMIT_ACTIVATE_VERSION_CONFIG

    from tests.common.toy import ToyTap

    monkeypatch.setenv("TAP_TOY_EMIT_ACTIVATE_VERSION_MESSAGES", "true")
    assert ToyTap._env_var_config["emit_activate_version_messages"] == "true"
    assert EMIT_ACTIVATE_VERSION_CONFIG["properties"]["emit_activate_version_messages"]["type"] == [
        "boolean",
        "null",
    ]
    tap = ToyTap(config={"api_key": "k" * 8, "emit_activate_version_messages": False}, validate_config=True)
    assert tap.config["emit_activate_version_messages"] is False
