"""tap-liveperson run as users run it (the installed executable) against the LivePerson sandbox."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from suite_sandbox import liveperson as lp

from tests.conftest import discover, run_tap, select_streams

TAP = "tap-liveperson"
SECRETS = (lp.APP_KEY, lp.APP_SECRET, lp.ACCESS_TOKEN, lp.ACCESS_TOKEN_SECRET, lp.CLIENT_SECRET)
SEARCH = r"/conversations/search$"
FAST = {"retry_backoff_seconds": 0.01, "max_requests_per_minute": 100_000}


def _config(url: str, *, oauth2: bool = False, **overrides: object) -> dict:
    base = lp.demo_config_oauth2(url) if oauth2 else lp.demo_config(url)
    return {**base, **FAST, **overrides}


def _start(config: dict) -> datetime:
    return datetime.fromisoformat(config["start_date"].replace("Z", "+00:00"))


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _assert_no_secrets(run) -> None:
    output = run.output()
    for secret in SECRETS:
        assert secret not in output


def _partitions(run) -> dict[int, list[str]]:
    by_skill: dict[int, list[str]] = {}
    for record in run.records("messaging_interactions"):
        assert record["skill_id"] == record["info"]["latestSkillId"]
        by_skill.setdefault(record["skill_id"], []).append(record["conversation_id"])
    return by_skill


@pytest.fixture
def sim() -> lp.LivePersonSimulator:
    return lp.make_simulator(records=60, skills=4, span_days=100)


def test_full_sync_reads_every_conversation_once_per_latest_skill(sim, serve, tmp_path) -> None:
    server = serve(sim)
    config = _config(server.url, window_days=30)
    run = run_tap(TAP, config, tmp_path)
    assert run.returncode == 0, run.stderr

    # Each partition holds exactly the simulator's conversations for that latest skill,
    # the Unassigned (-1) partition included, oldest first.
    since = _start(config)
    by_skill = _partitions(run)
    for skill in [*sim.all_skill_ids(), lp.UNASSIGNED_SKILL_ID]:
        assert by_skill.get(skill, []) == sim.conversation_ids(since, skill_id=skill), skill
    ids = [r["conversation_id"] for r in run.records("messaging_interactions")]
    assert len(ids) == len(set(ids)) == len(sim.conversation_ids(since)) > 0
    assert sorted(by_skill) == sorted([*sim.all_skill_ids(), -1])

    # The search is asked per skill (+ -1 once), in windows of at most 30 days, as documented.
    searches = sim.requests_to(SEARCH, "POST")
    skills_asked = Counter(tuple(r.json()["latestSkillIds"]) for r in searches)
    assert set(skills_asked) == {(s,) for s in [*sim.all_skill_ids(), -1]}
    assert len(set(skills_asked.values())) == 1  # same number of windows per partition, -1 not repeated
    for request in searches:
        window = request.json()["start"]
        assert 0 < window["to"] - window["from"] <= 30 * 86_400_000
        assert {k: request.param(k) for k in ("limit", "sort", "v", "source")} == {
            "limit": "100",
            "sort": "start:asc",
            "v": "2",
            "source": "singer_tap_lp",
        }
    first = min(r.json()["start"]["from"] for r in searches)
    assert first == _ms(since)

    # Config lists: one GET each with its version and deleted items included.
    assert len(run.records("users")) == sim.users.n
    assert [r["id"] for r in run.records("skills")] == sim.all_skill_ids()
    assert any(r["deleted"] for r in run.records("skills"))
    assert len(run.records("agent_groups")) == sim.agent_groups.n
    assert len(run.records("campaigns")) == sim.campaigns.n
    for path, version in (
        ("le-users/users", "6.0"),
        ("le-users/skills", "4.0"),
        ("le-campaigns/campaigns", "3.4"),
    ):
        (request,) = sim.requests_to(path)
        assert (request.param("v"), request.param("include_deleted")) == (version, "true")

    # CSDS is asked once per run, without credentials; every API call is OAuth1-signed.
    (csds,) = sim.requests_to(r"/service/baseURI\.json$")
    assert "authorization" not in csds.headers
    api_calls = [r for r in sim.requests if r is not csds]
    assert all(r.headers["authorization"].startswith("OAuth ") for r in api_calls)
    _assert_no_secrets(run)


def test_pages_follow_metadata_next_href_with_the_same_body(serve, tmp_path) -> None:
    sim = lp.make_simulator(records=330, skills=1, span_days=40)
    server = serve(sim)
    config = _config(
        server.url, window_days=89, start_date=(sim.now - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    run = run_tap(TAP, config, tmp_path, args=[])
    assert run.returncode == 0, run.stderr

    skill = sim.all_skill_ids()[0]
    assert _partitions(run)[skill] == sim.conversation_ids(skill_id=skill)
    pages = [r for r in sim.requests_to(SEARCH) if r.json()["latestSkillIds"] == [skill]]
    expected_pages = -(-len(sim.conversation_ids(skill_id=skill)) // 100)
    assert expected_pages >= 3
    assert [r.param("offset") for r in pages] == [str(100 * n) for n in range(expected_pages)]
    assert all(r.json() == pages[0].json() for r in pages)


def test_second_run_reads_from_bookmark_minus_lookback_per_skill(sim, serve, tmp_path) -> None:
    server = serve(sim)
    # Fractional: the SDK reads a config file's 239.5 as Decimal, which must be accepted.
    config = _config(server.url, lookback_hours=239.5)
    first = run_tap(TAP, config, tmp_path / "first")
    assert first.returncode == 0, first.stderr
    bookmarks = {
        p["context"]["skill_id"]: p["replication_key_value"]
        for p in first.last_state["bookmarks"]["messaging_interactions"]["partitions"]
    }
    assert sorted(bookmarks) == sorted([*sim.all_skill_ids(), -1])
    for skill, bookmark in bookmarks.items():
        newest = sim.conversations.row(sim.conversation_indices(skill_id=skill)[-1])["info"]["startTimeL"]
        assert bookmark == datetime.fromtimestamp(newest / 1000, tz=timezone.utc).isoformat(
            timespec="milliseconds"
        )

    # Between runs: open conversations close, and new ones start.
    was_open = {sim.conversation_id(i) for i in sim.open_conversations}
    sim.close(list(sim.open_conversations))
    new = {sim.conversation_id(i) for i in sim.add_conversations(4)}
    sim.requests.clear()

    second = run_tap(TAP, config, tmp_path / "second", state=first.last_state)
    assert second.returncode == 0, second.stderr

    lookback = timedelta(hours=239.5)
    first_from = {}
    for request in sim.requests_to(SEARCH):
        body = request.json()
        first_from.setdefault(body["latestSkillIds"][0], body["start"]["from"])
    by_skill = _partitions(second)
    for skill, bookmark in bookmarks.items():
        since = datetime.fromisoformat(bookmark) - lookback
        assert first_from[skill] == _ms(since)
        assert by_skill.get(skill, []) == sim.conversation_ids(since, skill_id=skill)

    records = {r["conversation_id"]: r for r in second.records("messaging_interactions")}
    assert new <= set(records)
    assert was_open <= set(records)
    assert {records[c]["info"]["status"] for c in was_open} == {"CLOSE"}
    assert len(records) < len(first.records("messaging_interactions")) + len(new)
    for partition in second.last_state["bookmarks"]["messaging_interactions"]["partitions"]:
        skill = partition["context"]["skill_id"]
        assert partition["replication_key_value"] >= bookmarks[skill]


def test_oauth2_client_credentials_sync_and_expired_token_is_refreshed(sim, serve, tmp_path) -> None:
    server = serve(sim)
    # The token dies mid-run: the next search answers 401, the tap gets a new token once.
    sim.inject("hook", hook=sim.expire_tokens, path=SEARCH, times=1)
    run = run_tap(TAP, _config(server.url, oauth2=True), tmp_path)
    assert run.returncode == 0, run.stderr

    since = datetime.fromisoformat(lp.demo_config(server.url)["start_date"].replace("Z", "+00:00"))
    ids = [r["conversation_id"] for r in run.records("messaging_interactions")]
    assert len(ids) == len(set(ids)) == len(sim.conversation_ids(since))
    assert len(run.records("users")) == sim.users.n
    (token_request,) = sim.requests_to(r"/sentinel/api/account/\d+/app/token$")[:1]
    assert token_request.form()["grant_type"] == "client_credentials"
    assert sim.tokens_issued == 2
    api_calls = sim.requests_to(r"/configuration/|/messaging_history/")
    assert all(r.headers["authorization"].startswith("Bearer ") for r in api_calls)
    _assert_no_secrets(run)


def test_wrong_oauth1_secret_fails_with_one_line_naming_the_oauth1_settings(sim, serve, tmp_path) -> None:
    server = serve(sim)
    wrong = "wrong-app-secret-3e9f"
    run = run_tap(TAP, _config(server.url, app_secret=wrong), tmp_path)

    assert run.returncode != 0
    (line,) = [line for line in run.error_lines if "401" in line]
    assert "OAuth signature verification failed" in line
    assert "check the OAuth1 app_key/app_secret/access_token/access_token_secret setting" in line
    assert not run.records()
    assert wrong not in run.output()
    _assert_no_secrets(run)


def test_wrong_oauth2_secret_is_refused_by_the_token_endpoint(sim, serve, tmp_path) -> None:
    server = serve(sim)
    wrong = "wrong-client-secret-77aa"
    run = run_tap(TAP, _config(server.url, oauth2=True, client_secret=wrong), tmp_path)

    assert run.returncode != 0
    (line,) = [line for line in run.error_lines if "token request refused" in line]
    assert "401" in line and "client_id/client_secret" in line and "invalid_client" in line
    assert wrong not in run.output()
    _assert_no_secrets(run)


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
def test_bad_config_is_refused_before_any_request(sim, serve, tmp_path, drop, add, message) -> None:
    server = serve(sim)
    config = {k: v for k, v in _config(server.url, **add).items() if k not in drop}
    run = run_tap(TAP, config, tmp_path)

    assert run.returncode != 0
    assert any(message in line for line in run.error_lines), run.stderr
    assert sim.requests == []
    _assert_no_secrets(run)


def test_429s_without_headers_are_retried_and_nothing_is_lost(sim, serve, tmp_path) -> None:
    server = serve(sim)
    sim.inject("status", status=429, body={"code": 429, "message": "Too Many Requests"}, path=SEARCH, times=2)
    sim.inject(
        "status", status=503, body={"code": 503, "message": "Service Unavailable"}, path="/le-users/", times=1
    )
    config = _config(server.url)
    run = run_tap(TAP, config, tmp_path)

    assert run.returncode == 0, run.stderr
    assert "retrying" in run.stderr
    ids = [r["conversation_id"] for r in run.records("messaging_interactions")]
    assert len(ids) == len(set(ids)) == len(sim.conversation_ids(_start(config)))
    assert len(run.records("users")) == sim.users.n


def test_unknown_account_fails_at_the_domain_api_with_a_clear_line(sim, serve, tmp_path) -> None:
    server = serve(sim)
    run = run_tap(TAP, _config(server.url, account_id="99999999"), tmp_path)

    assert run.returncode != 0
    (line,) = [line for line in run.error_lines if "CSDS" in line]
    assert "GET /api/account/99999999/service/baseURI.json returned 404" in line
    assert "check the account_id and api_url settings" in line
    assert [r.path for r in sim.requests] == ["/api/account/99999999/service/baseURI.json"]


def test_conversations_alone_still_walk_every_skill_partition(sim, serve, tmp_path) -> None:
    server = serve(sim)
    config = _config(server.url)
    catalog = select_streams(discover(TAP, config, tmp_path / "discover"), ["messaging_interactions"])
    run = run_tap(TAP, config, tmp_path, catalog=catalog)

    assert run.returncode == 0, run.stderr
    assert run.streams() == {"messaging_interactions"}
    ids = [r["conversation_id"] for r in run.records("messaging_interactions")]
    assert len(ids) == len(set(ids)) == len(sim.conversation_ids(_start(config)))


def test_an_account_without_skills_still_reads_its_unassigned_conversations(serve, tmp_path) -> None:
    sim = lp.make_simulator(records=40, skills=0, span_days=100)
    server = serve(sim)
    config = _config(server.url)
    run = run_tap(TAP, config, tmp_path)

    assert run.returncode == 0, run.stderr
    assert run.records("skills") == []
    assert _partitions(run) == {-1: sim.conversation_ids(_start(config), skill_id=-1)}
    assert (
        len(sim.conversation_ids(_start(config)))
        == len(sim.conversation_ids(_start(config), skill_id=-1))
        > 0
    )
    (partition,) = run.last_state["bookmarks"]["messaging_interactions"]["partitions"]
    assert partition["context"] == {"skill_id": -1}
