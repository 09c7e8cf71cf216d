"""tap-outreach run as users run it (the installed executable) against the Outreach simulator."""

from __future__ import annotations

import json
import stat
import time
import typing as t

import pytest
import requests
from suite_sandbox import SandboxServer
from suite_sandbox.outreach import JSONAPI, REFRESH_TOKEN, OutreachSimulator, make_simulator

from tests.conftest import TapRun, run_tap
from tests.outreach.helpers import BY_CREATED_AT, FULL_TABLE, PATHS, TAP, fast_config
from tests.outreach.helpers import ids as _ids


@pytest.fixture(scope="module")
def full_sync(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[tuple[OutreachSimulator, TapRun]]:
    """One full sync of every stream, several pages each."""
    sim = make_simulator(records=30)
    with SandboxServer(sim) as server:
        yield sim, run_tap(TAP, fast_config(server.url, page_size=4), tmp_path_factory.mktemp("full"))


def test_full_sync_returns_every_record_of_every_stream(full_sync):
    sim, run = full_sync

    assert run.returncode == 0, run.stderr
    assert run.streams() == set(PATHS), "every stream synced"
    assert len(PATHS) == 40
    for stream, path in PATHS.items():
        ids = _ids(run.records(stream))
        assert sorted(ids) == sim.ids(path), stream
        assert len(ids) == len(set(ids)), f"{stream} has duplicates"
    # Every page was asked for the way the API wants it.
    for stream, path in PATHS.items():
        asked = sim.api_requests(path)
        assert asked, stream
        for request in asked:
            assert request.headers["content-type"] == JSONAPI
            assert request.param("page[size]") == "4"
            assert request.param("count") == "false"
            if stream in FULL_TABLE:
                assert request.param("sort") is None
                assert not [k for k in request.query if k.startswith("filter[")]
            elif stream in BY_CREATED_AT:
                assert request.param("sort") == "createdAt"
                assert request.param("filter[createdAt]") == "2024-01-01T00:00:00.000Z..inf"
            else:
                assert request.param("sort") == "updatedAt"
                assert request.param("filter[updatedAt]") == "2024-01-01T00:00:00.000Z..inf"
    # links.next was followed as is: later pages carry the server's cursor.
    prospect_pages = sim.api_requests("prospects")
    assert len(prospect_pages) == 30 // 4 + 1
    assert all(r.param("page[after]") for r in prospect_pages[1:])


def test_records_are_flattened_json_api_resources(full_sync):
    sim, run = full_sync
    schemas = run.schemas()

    for stream in ("users", "prospects", "opportunities", "tasks", "calls", "favorites"):
        declared = schemas[stream]["schema"]["properties"]
        for record in run.records(stream):
            raw = sim.resource_object(PATHS[stream], record["id"])
            flat = {"id": raw["id"], **raw["attributes"]}
            for name, rel in raw["relationships"].items():
                if "data" not in rel:
                    continue  # links-only relationships carry no ids
                data = rel["data"]
                if isinstance(data, list):
                    flat[f"{name}_ids"] = [d["id"] for d in data]
                else:
                    flat[f"{name}_id"] = data["id"] if data else None
                    if f"{name}_type" in declared:
                        flat[f"{name}_type"] = data["type"] if data else None
            expected = {k: v for k, v in flat.items() if k in declared}
            if extra := {k: v for k, v in flat.items() if k not in declared}:
                expected["_sdc_extra"] = extra  # undocumented keys are kept, not dropped
            assert record == expected, stream
    prospect = run.records("prospects")[0]
    assert "mailings_id" not in prospect and "sequenceStates_id" not in prospect
    assert "custom1" in prospect
    assert "custom150" in schemas["prospects"]["schema"]["properties"]
    # Users have the five custom fields the spec documents for them.
    assert sorted(p for p in schemas["users"]["schema"]["properties"] if p.startswith("custom")) == sorted(
        f"custom{k}" for k in range(1, 6)
    )
    assert schemas["users"]["schema"]["properties"]["teams_ids"]["type"] == ["array", "null"]


def test_second_run_asks_only_for_records_updated_since_the_bookmark(only, tmp_path):
    sim = make_simulator(records=30)
    cfg, catalog = only("prospects", sim, page_size=10)
    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr
    bookmark = first.last_state["bookmarks"]["prospects"]["replication_key_value"]
    assert bookmark == first.records("prospects")[-1]["updatedAt"]

    touched = [3, 17, 25]
    sim.touch("prospects", touched)
    asked_before = len(sim.api_requests("prospects"))
    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog, state=first.last_state)

    assert second.returncode == 0, second.stderr
    request = sim.api_requests("prospects")[asked_before]
    assert request.param("filter[updatedAt]") == f"{bookmark}..inf"
    assert request.param("sort") == "updatedAt"
    # The range is inclusive: the record at the bookmark (id 30) comes once more.
    assert _ids(second.records("prospects")) == [30, *touched]
    new_bookmark = second.last_state["bookmarks"]["prospects"]["replication_key_value"]
    assert new_bookmark > bookmark


def test_an_access_token_expiring_mid_sync_is_refreshed_once_and_the_sync_goes_on(only, tmp_path):
    sim = make_simulator(records=30)
    cfg, catalog = only("prospects", sim, page_size=5)
    sim.expire_tokens_after(2)  # the third page meets a dead token
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr
    ids = _ids(run.records("prospects"))
    assert ids == sim.ids("prospects")  # complete, in order, no duplicates
    assert len(sim.token_requests()) == 2  # the first token and one refresh
    assert len(sim.api_requests("prospects")) == 6 + 1  # six pages, one refused and retried
    assert "access token refused (401); refreshing it and retrying once" in run.stderr


def test_the_token_is_refreshed_before_it_expires(only, tmp_path):
    sim = make_simulator(records=12, expires_in=1)
    cfg, catalog = only("prospects", sim, page_size=3)
    sim.latency = 0.3  # four pages take longer than the token lives
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr
    assert _ids(run.records("prospects")) == sim.ids("prospects")
    assert len(sim.token_requests()) >= 2
    assert len(sim.api_requests("prospects")) == 4, "no request was refused"


def test_a_rotated_refresh_token_is_saved_and_used_by_the_next_run(only, tmp_path):
    # One active refresh token: each rotation invalidates the one before it.
    sim = make_simulator(records=5, max_active_refresh_tokens=1)
    store = tmp_path / "secrets" / "outreach-token.json"
    cfg, catalog = only("personas", sim, refresh_token_store=str(store))

    first = run_tap(TAP, cfg, tmp_path / "1", catalog=catalog)
    assert first.returncode == 0, first.stderr
    saved = json.loads(store.read_text())["refresh_token"]
    assert saved in sim.refresh_tokens and saved != REFRESH_TOKEN
    assert REFRESH_TOKEN in sim.retired_refresh_tokens
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    # discovery refreshed nothing, the run refreshed once
    assert [r.form()["refresh_token"] for r in sim.token_requests()] == [REFRESH_TOKEN]

    second = run_tap(TAP, cfg, tmp_path / "2", catalog=catalog)  # config still holds the old token
    assert second.returncode == 0, second.stderr
    assert sim.token_requests()[-1].form()["refresh_token"] == saved
    assert json.loads(store.read_text())["refresh_token"] in sim.refresh_tokens

    # Without the store, the original (now invalidated) token is refused.
    no_store = {k: v for k, v in cfg.items() if k != "refresh_token_store"}
    third = run_tap(TAP, no_store, tmp_path / "3", catalog=catalog)
    assert third.returncode != 0
    assert "invalid_grant" in third.cause_lines[-1]
    assert "the refresh_token setting" not in third.cause_lines[-1]  # no store: one token in play


@pytest.mark.parametrize(
    ("override", "api_error"),
    [
        ({"refresh_token": "revoked-refresh-token"}, "invalid_grant"),
        ({"client_secret": "not-the-secret"}, "invalid_client"),
    ],
)
def test_a_refused_refresh_is_one_clear_line_and_a_failed_exit(serve, tmp_path, override, api_error):
    sim = make_simulator(records=5)
    server = serve(sim)
    run = run_tap(TAP, fast_config(server.url, **override), tmp_path)

    assert run.returncode == 1
    assert run.records() == []
    assert "Traceback" not in run.stderr
    last = run.cause_lines[-1]
    assert "token request refused" in last
    assert "refresh_token/client_id/client_secret" in last
    assert api_error in last
    assert next(iter(override.values())) not in run.output()


def test_no_secret_appears_in_output_even_at_debug_level(serve, tmp_path):
    sim = make_simulator(records=10)
    server = serve(sim)
    cfg = fast_config(server.url, page_size=3, refresh_token_store=str(tmp_path / "store.json"))
    sim.expire_tokens_after(3)
    run = run_tap(TAP, cfg, tmp_path, env={"TAP_OUTREACH_LOGLEVEL": "DEBUG"})

    assert run.returncode == 0, run.stderr
    assert "| DEBUG" in run.stderr
    assert len(sim.token_requests()) == 2
    output = run.output()
    for secret in {*sim.secrets(), cfg["client_secret"], cfg["refresh_token"]}:
        assert secret not in output


def test_a_429_waits_for_retry_after_then_the_sync_goes_on(only, tmp_path):
    sim = make_simulator(records=10)
    cfg, catalog = only("calls", sim, page_size=5)
    refusal = sim.rate_limited_response(1)
    sim.inject("status", path=r"/calls$", status=429, body=refusal.body, headers=refusal.headers)
    started = time.monotonic()
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started >= 1.0
    assert _ids(run.records("calls")) == sim.ids("calls")
    assert len(sim.api_requests("calls")) == 2 + 1
    assert "rateLimitExceeded" in run.stderr  # the retry warning names the API's reason


def test_scheduled_maintenance_waits_until_the_iso_retry_after(only, tmp_path):
    sim = make_simulator(records=4)
    cfg, catalog = only("personas", sim)
    sim.inject_maintenance(1.0, path=r"/personas$")
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr
    assert _ids(run.records("personas")) == sim.ids("personas")
    assert len(sim.api_requests("personas")) == 2
    assert "scheduledServerMaintenance" in run.stderr


def test_a_missing_oauth_scope_is_one_clear_line_naming_stream_and_scope(only, tmp_path):
    sim = make_simulator(records=4, denied_scopes={"calls"})
    cfg, catalog = only(["personas", "calls"], sim)
    run = run_tap(TAP, cfg, tmp_path, catalog=catalog)

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert len(sim.api_requests("calls")) == 1, "a 403 is not retried"
    last = run.cause_lines[-1]
    assert "calls: GET /api/v2/calls returned 403" in last
    assert "unauthorizedOauthScope" in last and "calls.read" in last


def test_page_size_above_the_api_maximum_is_a_config_error(tmp_path):
    run = run_tap(TAP, fast_config("http://127.0.0.1:9", page_size=5000), tmp_path)
    assert run.returncode != 0
    assert "page_size" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_simulator_speaks_outreach(serve):
    sim = make_simulator(records=10)
    server = serve(sim)
    token = requests.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": REFRESH_TOKEN,
        },
        timeout=5,
    ).json()
    assert token["expires_in"] == 7200 and token["refresh_token"] != REFRESH_TOKEN
    headers = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": JSONAPI}
    url = f"{server.url}/api/v2/prospects"

    page = requests.get(url, params={"page[size]": 4, "sort": "updatedAt"}, headers=headers, timeout=5)
    assert page.status_code == 200
    assert int(page.headers["X-RateLimit-Reset"]) > time.time()
    assert int(page.headers["X-RateLimit-Remaining"]) < int(page.headers["X-RateLimit-Limit"])
    assert page.json()["meta"]["count"] == 10
    nxt = requests.get(page.json()["links"]["next"], headers=headers, timeout=5).json()
    assert [r["id"] for r in nxt["data"]] == [5, 6, 7, 8]

    assert (
        requests.get(url, headers={"Authorization": headers["Authorization"]}, timeout=5).status_code == 415
    )
    too_big = requests.get(url, params={"page[size]": 1001}, headers=headers, timeout=5)
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["id"] == "validationError"
    sim.expire_access_tokens()
    refused = requests.get(url, headers=headers, timeout=5)
    assert refused.status_code == 401 and refused.json()["errors"][0]["id"] == "unauthorized"
    replay = requests.post(
        f"{server.url}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": REFRESH_TOKEN,
        },
        timeout=5,
    )
    # Rotation does not invalidate the old refresh token at once (up to 100 stay valid).
    assert replay.status_code == 200 and replay.json()["refresh_token"] != REFRESH_TOKEN
