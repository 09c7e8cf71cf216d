"""tap-liveperson run as users run it (the installed executable) against the LivePerson sandbox."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from suite_sandbox import liveperson as lp

from tests.liveperson.helpers import (
    SEARCH,
    STREAMS,
    assert_no_secrets,
    config,
    conversation_bodies,
    ms,
    parse,
    run,
    start_of,
)

CONFIG_PATHS = {
    "le-users/users": ("6.0", "$all"),
    "le-users/skills": ("4.0", "$all"),
    "le-users/agentGroups": ("2.0", "$all"),
    "le-agents/status-reasons": (None, None),
    "le-campaigns/campaigns": ("3.4", None),
}
SERVICE_OF = {
    "/configuration/": "accountConfigReadOnly",
    "/messaging_history/": "msgHist",
    "/interaction_history/": "engHistDomain",
    "/operations/": "leDataReporting",
    "/sentinel/": "sentinel",
}


def test_a_full_sync_searches_the_account_once_per_window_and_reads_everything(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    cfg = config(server.url, window_days=30)
    before = datetime.now(timezone.utc)
    result = run(cfg, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.streams() == set(STREAMS)

    # Every conversation once, with its latest skill as data (no search per skill).
    since = start_of(cfg)
    records = result.records("messaging_interactions")
    assert [r["conversation_id"] for r in records] == sim.conversation_ids(since)
    assert all(r["skill_id"] == r["info"]["latestSkillId"] for r in records)
    bodies = conversation_bodies(sim)
    assert all("latestSkillIds" not in b and "latestUpdateTime" not in b for b in bodies)
    windows = sorted({(b["start"]["from"], b["start"]["to"]) for b in bodies})
    assert len(bodies) == len(windows) == -(-(ms(before) - ms(since)) // (30 * 86_400_000))
    assert windows[0][0] == ms(since)
    assert all(0 < to - frm <= 30 * 86_400_000 for frm, to in windows)
    assert all(b == a for (_, a), (b, _) in itertools.pairwise(windows))  # contiguous
    for request in sim.requests_to(SEARCH):
        assert {k: request.param(k) for k in ("limit", "sort", "v", "source")} == {
            "limit": "100",
            "sort": "start:asc",
            "v": "2",
            "source": "singer_tap_lp",
        }

    # Config lists: one GET each, its version, deleted items included, every field selected.
    assert len(result.records("users")) == sim.users.n
    assert [r["id"] for r in result.records("skills")] == sim.all_skill_ids()
    assert any(r["deleted"] for r in result.records("skills"))
    assert len(result.records("agent_status")) == sim.status_reasons.n
    for path, (version, select) in CONFIG_PATHS.items():
        (request,) = sim.requests_to(path)
        assert (request.param("v"), request.param("include_deleted"), request.param("select")) == (
            version,
            "true",
            select,
        ), path
    (campaigns,) = sim.requests_to("le-campaigns/campaigns")
    assert {"id", "name", "engagementIds", "weight"} <= set(campaigns.query["fields"])

    # CSDS once, without credentials; each service asked on its own host, OAuth1-signed.
    (csds,) = sim.requests_to(r"/service/baseURI\.json$")
    assert "authorization" not in csds.headers
    for request in sim.requests:
        if request is csds:
            continue
        service = next(s for part, s in SERVICE_OF.items() if part in request.path)
        assert request.headers["host"] == sim.hosts.host(service), request.path
        assert request.headers["authorization"].startswith("OAuth ")

    # The bookmark is the moment the run began: everything up to it is delivered.
    bookmark = result.last_state["bookmarks"]["messaging_interactions"]
    assert bookmark["replication_key"] == "latest_event_time"
    assert before <= parse(bookmark["replication_key_value"]) <= datetime.now(timezone.utc)
    assert "run" not in bookmark
    assert_no_secrets(result)


def test_pages_follow_metadata_next_href_with_the_same_body(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(records=330, skills=1, span_days=40, partial_every=None)
    cfg = config(
        server.url, window_days=89, start_date=(sim.now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    result = run(cfg, tmp_path, ["messaging_interactions"])
    assert result.returncode == 0, result.stderr

    assert [r["conversation_id"] for r in result.records("messaging_interactions")] == sim.conversation_ids()
    pages = sim.requests_to(SEARCH)
    expected_pages = -(-len(sim.conversation_ids()) // 100)
    assert expected_pages >= 3
    assert [r.param("offset") for r in pages] == [str(100 * n) for n in range(expected_pages)]
    assert all(r.json() == pages[0].json() for r in pages)


def test_partition_by_skill_searches_each_skill_and_unassigned_with_its_own_bookmark(
    serve_lp, tmp_path
) -> None:
    sim, server = serve_lp()
    cfg = config(server.url, partition_by_skill=True)
    result = run(cfg, tmp_path, ["messaging_interactions"])
    assert result.returncode == 0, result.stderr

    since = start_of(cfg)
    by_skill: dict[int, list[str]] = {}
    for record in result.records("messaging_interactions"):
        by_skill.setdefault(record["skill_id"], []).append(record["conversation_id"])
    for skill in [*sim.all_skill_ids(), lp.UNASSIGNED_SKILL_ID]:
        assert by_skill.get(skill, []) == sim.conversation_ids(since, skill_id=skill), skill
    asked = Counter(tuple(b["latestSkillIds"]) for b in conversation_bodies(sim))
    assert set(asked) == {(s,) for s in [*sim.all_skill_ids(), -1]}  # deleted skill included
    assert len(set(asked.values())) == 1  # the same windows for each, -1 once
    partitions = result.last_state["bookmarks"]["messaging_interactions"]["partitions"]
    assert sorted(p["context"]["skill_id"] for p in partitions) == sorted([*sim.all_skill_ids(), -1])
    assert all(p["replication_key"] == "latest_event_time" for p in partitions)


def test_an_account_without_skills_still_reads_its_unassigned_conversations(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(records=40, skills=0)
    cfg = config(server.url, partition_by_skill=True)
    result = run(cfg, tmp_path, ["messaging_interactions", "skills"])
    assert result.returncode == 0, result.stderr
    assert result.records("skills") == []
    ids = [r["conversation_id"] for r in result.records("messaging_interactions")]
    assert ids == sim.conversation_ids(start_of(cfg), skill_id=-1) == sim.conversation_ids(start_of(cfg))
    (partition,) = result.last_state["bookmarks"]["messaging_interactions"]["partitions"]
    assert partition["context"] == {"skill_id": -1}


def test_oauth2_tokens_come_from_sentinel_v2_and_a_refused_token_is_renewed(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    # The token dies mid-run: the next search answers 401, the tap gets a new token once.
    sim.inject("hook", hook=sim.expire_tokens, path=SEARCH, times=1)
    cfg = config(server.url, oauth2=True, oauth_scopes="msgHist.read users.external")
    result = run(cfg, tmp_path, ["messaging_interactions", "users"])
    assert result.returncode == 0, result.stderr

    assert [r["conversation_id"] for r in result.records("messaging_interactions")] == sim.conversation_ids(
        start_of(cfg)
    )
    assert len(result.records("users")) == sim.users.n
    token_requests = sim.requests_to(r"/app/token$")
    assert {r.path for r in token_requests} == {f"/sentinel/api/v2/account/{lp.ACCOUNT_ID}/app/token"}
    assert token_requests[0].form()["grant_type"] == "client_credentials"
    assert token_requests[0].form()["scope"] == "msgHist.read users.external"
    assert sim.tokens_issued == 2
    api_calls = sim.requests_to(r"/configuration/|/messaging_history/")
    assert all(r.headers["authorization"].startswith("Bearer ") for r in api_calls)
    assert_no_secrets(result)


def test_a_retried_oauth1_request_is_signed_again_with_a_fresh_nonce(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    sim.inject(
        "status",
        status=503,
        body={"code": 503, "message": "Service Unavailable"},
        path="le-users/users",
        times=2,
    )
    result = run(config(server.url), tmp_path, ["users"])
    assert result.returncode == 0, result.stderr
    assert len(result.records("users")) == sim.users.n
    tries = sim.requests_to("le-users/users")
    assert len(tries) == 3
    nonces = {
        dict(p.split("=", 1) for p in r.headers["authorization"][6:].split(", "))["oauth_nonce"]
        for r in tries
    }
    assert len(nonces) == 3  # the sandbox refuses a replayed nonce


def test_wrong_oauth1_secret_fails_with_one_line_naming_the_oauth1_settings(serve_lp, tmp_path) -> None:
    _sim, server = serve_lp()
    wrong = "wrong-app-secret-3e9f"
    result = run(config(server.url, app_secret=wrong), tmp_path)

    assert result.returncode != 0
    (line,) = [line for line in result.error_lines if "401" in line]
    assert "OAuth signature verification failed" in line
    assert "check the OAuth1 app_key/app_secret/access_token/access_token_secret setting" in line
    assert not result.records()
    assert wrong not in result.output()
    assert_no_secrets(result)


def test_wrong_oauth2_secret_is_refused_by_the_token_endpoint(serve_lp, tmp_path) -> None:
    _sim, server = serve_lp()
    wrong = "wrong-client-secret-77aa"
    result = run(config(server.url, oauth2=True, client_secret=wrong), tmp_path)

    assert result.returncode != 0
    (line,) = [line for line in result.error_lines if "token request refused" in line]
    assert "401" in line and "client_id/client_secret" in line and "invalid_client" in line
    assert wrong not in result.output()
    assert_no_secrets(result)


@pytest.mark.parametrize(
    ("drop", "add", "message"),
    [
        (("app_key", "app_secret", "access_token", "access_token_secret"), {}, "no credentials"),
        (
            ("access_token_secret",),
            {},
            "OAuth1 credentials incomplete: missing setting(s) access_token_secret",
        ),
        ((), {"client_id": lp.CLIENT_ID}, "not both"),
        (
            ("app_key", "app_secret", "access_token", "access_token_secret"),
            {"client_id": lp.CLIENT_ID},
            "OAuth2 credentials incomplete: missing setting(s) client_secret",
        ),
        ((), {"window_days": 120}, "window_days"),
        ((), {"source": "a-source-name-longer-than-20"}, "source"),
    ],
)
def test_bad_config_is_refused_before_any_request(serve_lp, tmp_path, drop, add, message) -> None:
    sim, server = serve_lp()
    cfg = {k: v for k, v in config(server.url, **add).items() if k not in drop}
    result = run(cfg, tmp_path)

    assert result.returncode != 0
    assert any(message in line for line in result.error_lines), result.stderr
    assert sim.requests == []
    assert_no_secrets(result)


def test_unknown_account_fails_at_the_domain_api_with_a_clear_line(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    result = run(config(server.url, account_id="99999999"), tmp_path)

    assert result.returncode != 0
    (line,) = [line for line in result.error_lines if "CSDS" in line]
    assert "GET /api/account/99999999/service/baseURI.json returned 404" in line
    assert "check the account_id and api_url settings" in line
    assert [r.path for r in sim.requests] == ["/api/account/99999999/service/baseURI.json"]
