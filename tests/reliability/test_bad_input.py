"""Bad settings are refused before any request; a response of the wrong shape fails loudly.

Each refusal must: exit non-zero, print one ERROR line naming the setting, and leave the
simulator's request log empty (no request with a half-checked config).
"""

from __future__ import annotations

import json
import typing as t

import pytest

from tests.conftest import run_tap
from tests.reliability.cases import (
    CLOSEIO,
    FIVE9,
    LIVEPERSON,
    LIVEPERSON_OAUTH2,
    OUTREACH,
    PERSISTIQ,
    TAPS,
    TapCase,
    fatal_line,
    sync,
)

#: (required setting to drop, secret setting to blank) per tap case.
SETTINGS = {
    "closeio": ("api_key", "api_key"),
    "persistiq": ("api_key", "api_key"),
    "liveperson": ("account_id", "app_secret"),
    "liveperson-oauth2": ("account_id", "client_secret"),
    "outreach": ("refresh_token", "client_secret"),
    "five9": ("password", "password"),
}
CASES = (*TAPS, LIVEPERSON_OAUTH2)

BAD_CONFIGS: dict[str, t.Callable[[TapCase, dict], tuple[dict, str]]] = {
    "missing-required-setting": lambda case, config: (
        {k: v for k, v in config.items() if k != SETTINGS[case.name][0]},
        SETTINGS[case.name][0],
    ),
    "malformed-start-date": lambda case, config: ({**config, "start_date": "last tuesday"}, "start_date"),
    "api-url-not-a-url": lambda case, config: ({**config, "api_url": "api.example.com/v1"}, "api_url"),
    "api-url-not-https": lambda case, config: ({**config, "api_url": "http://api.example.com/v1"}, "api_url"),
    "empty-secret": lambda case, config: ({**config, SETTINGS[case.name][1]: ""}, SETTINGS[case.name][1]),
}


@pytest.mark.parametrize("mode", ["sync", "discover"])
@pytest.mark.parametrize("bad", list(BAD_CONFIGS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_setting_is_refused_before_any_request_naming_the_setting(case, bad, mode, serve, tmp_path):
    """In every mode: Meltano runs discovery before each sync, so it must refuse too."""
    sim = case.make()
    server = serve(sim)
    config, setting = BAD_CONFIGS[bad](case, case.config(server.url))
    run = run_tap(case.executable, config, tmp_path, args=["--discover"] if mode == "discover" else ())

    assert run.returncode != 0
    assert sim.requests == [], f"requests were sent: {[r.path for r in sim.requests]}"
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    errors = [line for line in run.stderr.splitlines() if setting in line]
    assert errors, run.stderr[-2000:]
    assert not run.records()


# A 200 answer whose body is not what the endpoint returns: the records key missing, or the
# records of the wrong type. The tap must say so and fail, not end the stream quietly.
RECORDS_KEY = {
    "closeio": "data",
    "persistiq": "leads",
    "liveperson": "conversationHistoryRecords",
    "outreach": "data",
}
SHAPES: dict[str, t.Callable[[str], t.Any]] = {
    "records-key-missing": lambda key: {"has_more": False, "meta": {}},
    "records-not-a-list": lambda key: {key: {"id": "x"}, "has_more": False},
    "records-of-the-wrong-type": lambda key: {key: [1, 2, 3], "has_more": False},
    "body-is-a-list": lambda key: [{"id": "x"}],
}
JSON_TAPS = (CLOSEIO, PERSISTIQ, LIVEPERSON, OUTREACH)


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("case", JSON_TAPS, ids=[c.name for c in JSON_TAPS])
def test_a_response_of_the_wrong_shape_fails_clearly_and_never_drops_records_silently(
    case, shape, serve, tmp_path
):
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url)
    # The second page: records were emitted before, and the sync must not end there quietly.
    sim.inject("hook", hook=lambda: None, path=case.path, method=case.method)
    # Served on every try: a body that is not even an object is retried as garbled first.
    fault = sim.inject(
        "status", path=case.path, status=200, body=SHAPES[shape](RECORDS_KEY[case.name]), times=100
    )
    run = sync(case, server.url, tmp_path, config)

    assert fault.times < 100
    line = fatal_line(run)
    assert case.stream in line, line
    assert len(case.ids(run)) < len(case.expected(sim, config))


def test_five9_a_soap_answer_of_the_wrong_shape_fails_clearly(serve, tmp_path):
    """A 200 whose envelope holds no runReport result: a clear error, not an empty window."""
    sim = FIVE9.make()
    server = serve(sim)
    config = FIVE9.config(server.url)
    envelope = (
        '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soap:Body><unexpected/></soap:Body></soap:Envelope>"
    )
    sim.inject("hook", hook=lambda: None, path=FIVE9.path, method="POST", times=2)
    sim.inject("status", path=FIVE9.path, method="POST", status=200, body=envelope)
    run = sync(FIVE9, server.url, tmp_path, config)
    line = fatal_line(run)
    assert "call_log" in line, line


@pytest.mark.parametrize("case", TAPS, ids=[c.name for c in TAPS])
def test_number_settings_from_environment_variables_work_and_a_bad_one_is_named(case, serve, tmp_path):
    """`--config ENV`: every value is text; numbers are read as numbers, a bad one is one line."""
    sim = case.make()
    server = serve(sim)
    config = case.config(server.url)
    prefix = case.executable.upper().replace("-", "_") + "_"
    env = {prefix + k.upper(): v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    env |= {
        prefix + "MAX_RETRIES": "2",
        prefix + "RETRY_BACKOFF_SECONDS": "0.01",
        prefix + "MAX_WAIT_SECONDS": "30",
    }
    good = run_tap(case.executable, {}, tmp_path / "good", args=["--config", "ENV", "--discover"], env=env)
    assert good.returncode == 0, good.stderr[-2000:]
    assert json.loads(good.stdout)["streams"]

    sim.requests.clear()
    bad = run_tap(
        case.executable,
        {},
        tmp_path / "bad",
        args=["--config", "ENV", "--discover"],
        env={**env, prefix + "MAX_RETRIES": "three"},
    )
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    assert [line for line in bad.error_lines if "max_retries" in line], bad.stderr[-2000:]
    assert sim.requests == []
