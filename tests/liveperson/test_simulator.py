"""The LivePerson sandbox keeps the real API's contract, as the developer-center docs give it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from requests_oauthlib import OAuth1
from suite_sandbox import liveperson as lp

DAY_MS = 86_400_000


def _oauth1(app_secret: str = lp.APP_SECRET) -> OAuth1:
    return OAuth1(
        lp.APP_KEY, app_secret, lp.ACCESS_TOKEN, lp.ACCESS_TOKEN_SECRET, signature_type="AUTH_HEADER"
    )


@pytest.fixture
def api(serve_lp):
    sim, server = serve_lp(records=100, skills=3, span_days=50, partial_every=None)
    return sim, server.url


def _search(sim, body: dict | None, auth: OAuth1 | None = None, **params: object) -> requests.Response:
    query = {"offset": 0, "limit": 100, "sort": "start:asc", "v": 2, "source": "test", **params}
    return requests.post(
        f"{sim.service_url('msgHist')}/messaging_history/api/account/{lp.ACCOUNT_ID}/conversations/search",
        params=query,
        json=body,
        auth=auth or _oauth1(),
        timeout=10,
    )


def _ids(response: requests.Response) -> list[str]:
    return [r["info"]["conversationId"] for r in response.json()["conversationHistoryRecords"]]


def _token(sim, version: int, **form: str) -> requests.Response:
    prefix = "/sentinel/api/v2" if version == 2 else "/sentinel/api"
    data = {
        "grant_type": "client_credentials",
        "client_id": lp.CLIENT_ID,
        "client_secret": lp.CLIENT_SECRET,
        **form,
    }
    return requests.post(
        f"{sim.service_url('sentinel')}{prefix}/account/{lp.ACCOUNT_ID}/app/token", data=data, timeout=10
    )


def test_csds_names_a_host_per_service_and_each_path_answers_only_on_its_host(api) -> None:
    _sim, url = api
    body = requests.get(
        f"{url}/api/account/{lp.ACCOUNT_ID}/service/baseURI.json", params={"version": "1.0"}, timeout=10
    ).json()
    hosts = {entry["service"]: entry["baseURI"] for entry in body["baseURIs"]}
    distinct = {
        hosts[s] for s in ("accountConfigReadOnly", "msgHist", "sentinel", "engHistDomain", "leDataReporting")
    }
    assert len(distinct) == 5
    assert url.removeprefix("http://") not in distinct  # the Domain API host serves no data
    users = f"/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    ok = requests.get(
        f"http://{hosts['accountConfigReadOnly']}{users}", params={"v": "6.0"}, auth=_oauth1(), timeout=10
    )
    assert ok.status_code == 200
    for wrong in (url.removeprefix("http://"), hosts["msgHist"]):
        assert (
            requests.get(
                f"http://{wrong}{users}", params={"v": "6.0"}, auth=_oauth1(), timeout=10
            ).status_code
            == 404
        )


def test_oauth1_signature_is_verified_and_a_replayed_nonce_refused(api) -> None:
    sim, _ = api
    users = (
        f"{sim.service_url('accountConfigReadOnly')}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    )
    assert requests.get(users, params={"v": "6.0"}, auth=_oauth1(), timeout=10).status_code == 200
    refused = requests.get(users, params={"v": "6.0"}, auth=_oauth1("not-the-secret"), timeout=10)
    assert refused.status_code == 401
    assert "signature" in refused.json()["message"]
    # The query string is signed: changing it after signing breaks the signature.
    prepared = requests.Request("GET", users, params={"v": "6.0"}, auth=_oauth1()).prepare()
    prepared.url += "&include_deleted=true"
    assert requests.Session().send(prepared, timeout=10).status_code == 401
    # The same signed request twice: the second is a replay.
    signed = requests.Request("GET", users, params={"v": "6.0"}, auth=_oauth1()).prepare()
    assert requests.Session().send(signed, timeout=10).status_code == 200
    replay = requests.Session().send(signed, timeout=10)
    assert replay.status_code == 401
    assert "nonce already used" in replay.json()["message"]


def test_only_sentinel_v2_tokens_open_the_data_apis(api) -> None:
    sim, _ = api
    users = (
        f"{sim.service_url('accountConfigReadOnly')}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    )
    connector = _token(sim, 1).json()
    assert connector["token_type"] == "Bearer"
    refused = requests.get(
        users,
        params={"v": "6.0"},
        headers={"Authorization": f"Bearer {connector['access_token']}"},
        timeout=10,
    )
    assert refused.status_code == 401
    assert "Connector API" in refused.json()["message"]
    data = _token(sim, 2).json()
    assert "expires_in" not in data  # as the docs' example answer
    headers = {"Authorization": f"Bearer {data['access_token']}"}
    assert requests.get(users, params={"v": "6.0"}, headers=headers, timeout=10).status_code == 200
    sim.expire_tokens()
    assert requests.get(users, params={"v": "6.0"}, headers=headers, timeout=10).status_code == 401
    bad = _token(sim, 2, client_secret="x")
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client")
    assert _token(sim, 2, scope="users.external").status_code == 200
    assert _token(sim, 2, scope="everything.admin").json()["error"] == "invalid_scope"


def test_config_calls_need_v_hide_deleted_and_trim_fields_unless_asked(api) -> None:
    sim, _ = api
    base = f"{sim.service_url('accountConfigReadOnly')}/api/account/{lp.ACCOUNT_ID}/configuration"
    assert requests.get(f"{base}/le-users/skills", auth=_oauth1(), timeout=10).status_code == 400
    live = requests.get(f"{base}/le-users/skills", params={"v": "4.0"}, auth=_oauth1(), timeout=10).json()
    everything = requests.get(
        f"{base}/le-users/skills", params={"v": "4.0", "include_deleted": "true"}, auth=_oauth1(), timeout=10
    ).json()
    assert len(live) == sim.skills.n - 1
    assert [s["id"] for s in everything] == sim.all_skill_ids()
    # The documented default selections: Users id,pid,deleted,loginName; Skills id,deleted,name.
    assert set(live[0]) == {"id", "deleted", "name"}
    users = requests.get(f"{base}/le-users/users", params={"v": "6.0"}, auth=_oauth1(), timeout=10).json()
    assert {k for u in users for k in u} == {"id", "pid", "deleted", "loginName"}
    full = requests.get(
        f"{base}/le-users/users", params={"v": "6.0", "select": "$all"}, auth=_oauth1(), timeout=10
    ).json()
    assert {"pictureUrl", "permissionGroups", "skillIds", "memberOf"} <= set(full[0])
    # Some users quote booleans and numbers, as the docs' example does.
    assert any(u["deleted"] in ("true", "false") and isinstance(u["maxChats"], str) for u in full)


def test_search_rejects_missing_start_long_ranges_and_a_missing_source(api) -> None:
    sim, _ = api
    now = lp.ms(sim.now)
    assert _search(sim, {"latestSkillIds": [-1]}).status_code == 400
    too_long = _search(sim, {"start": {"from": now - 93 * DAY_MS, "to": now}})
    assert too_long.status_code == 400
    assert "3 months" in too_long.json()["message"]
    assert _search(sim, {"start": {"from": now - 89 * DAY_MS, "to": now}}).status_code == 200
    assert _search(sim, {"start": {"from": now - DAY_MS, "to": now}}, source=None).status_code == 400


def test_search_rounds_start_outward_to_ten_minutes_inclusive(api) -> None:
    sim, _ = api
    i = 50
    started = sim.conversations.row(i)["info"]["startTimeL"]
    assert sim.conversation_id(i) in _ids(
        _search(sim, {"start": {"from": started - 3_600_000, "to": started - 1}})
    )
    assert sim.conversation_id(i) in _ids(_search(sim, {"start": {"from": started + 1, "to": started + 2}}))


def test_search_pages_with_next_href_and_filters_latest_skill(api) -> None:
    sim, _ = api
    now = lp.ms(sim.now)
    body = {"start": {"from": now - 80 * DAY_MS, "to": now}, "latestSkillIds": [-1]}
    first = _search(sim, body, limit=5).json()
    assert first["_metadata"]["count"] == len(sim.conversation_ids(skill_id=-1))
    assert {r["info"]["latestSkillId"] for r in first["conversationHistoryRecords"]} == {-1}
    second = requests.post(first["_metadata"]["next"]["href"], json=body, auth=_oauth1(), timeout=10).json()
    ids = [
        r["info"]["conversationId"]
        for r in first["conversationHistoryRecords"] + second["conversationHistoryRecords"]
    ]
    assert ids == sim.conversation_ids(skill_id=-1)[:10]


def test_conversations_change_after_they_start_and_latest_update_time_finds_them(api) -> None:
    sim, _ = api
    now = lp.ms(sim.now)
    window = {"from": now - 60 * DAY_MS, "to": now}
    open_ones = sorted(sim.open_conversations)
    started = sim.conversations.row(open_ones[0])["info"]["startTimeL"]
    assert lp.ms(datetime.now(timezone.utc)) - started > 5 * DAY_MS  # open for days
    before = datetime.now(timezone.utc)
    since = {"from": lp.ms(before)}
    assert _ids(_search(sim, {"start": window, "latestUpdateTime": since})) == []
    moved = 10
    target = next(s for s in sim.all_skill_ids() if s != sim.latest_skill_id(moved))
    sim.close(open_ones[:1])
    sim.transfer(moved, target)
    changed = _ids(_search(sim, {"start": window, "latestUpdateTime": since}))
    assert set(changed) == {sim.conversation_id(open_ones[0]), sim.conversation_id(moved)}
    record = sim.conversations.row(moved)
    assert record["info"]["latestSkillId"] == target
    assert record["transfers"][-1]["targetSkillId"] == target
    closed = sim.conversations.row(open_ones[0])
    assert closed["info"]["status"] == "CLOSE"
    assert closed["conversationSurveys"]
    # `from` is rounded down to 10 minutes, inclusive: 5 minutes after a change at the start
    # of a 10-minute block still finds it.
    block = lp.ms(datetime.now(timezone.utc)) // 600_000 * 600_000
    sim.add_message(20, at=lp.constants.from_ms(block + 1000))
    later = {"from": block + 1000 + 5 * 60_000}
    assert sim.conversation_id(20) in _ids(_search(sim, {"start": window, "latestUpdateTime": later}))


def test_partial_records_and_partial_shard_results(serve_lp) -> None:
    sim, _ = serve_lp(records=60, skills=2, partial_every=7)
    now = lp.ms(sim.now)
    body = {"start": {"from": now - 89 * DAY_MS, "to": now}}
    records = _search(sim, body).json()["conversationHistoryRecords"]
    partial = [r for r in records if r["info"]["isPartial"]]
    assert partial and all(len(r["messageRecords"]) <= 1 for r in partial)
    by_id = requests.post(
        f"{sim.service_url('msgHist')}/messaging_history/api/account/{lp.ACCOUNT_ID}/conversations/conversation/search",
        json={"conversationId": partial[0]["info"]["conversationId"]},
        auth=_oauth1(),
        timeout=10,
    ).json()["conversationHistoryRecords"]
    assert [r["info"]["isPartial"] for r in by_id] == [False]
    sim.fail_shards(1)
    truncated = _search(sim, body).json()
    assert truncated["_metadata"]["shardsStatusResult"]["partialResult"] is True
    assert len(truncated["conversationHistoryRecords"]) < len(records)
    assert _search(sim, body).json()["_metadata"]["shardsStatusResult"]["partialResult"] is False


def test_engagement_history_returns_ended_chats_in_windows_of_a_month(api) -> None:
    sim, _ = api
    now = lp.ms(sim.now)
    url = f"{sim.service_url('engHistDomain')}/interaction_history/api/account/{lp.ACCOUNT_ID}/interactions/search"
    params = {"offset": 0, "limit": 100, "sort": "start:asc", "source": "test"}
    too_long = requests.post(
        url, params=params, json={"start": {"from": now - 40 * DAY_MS, "to": now}}, auth=_oauth1(), timeout=10
    )
    assert (too_long.status_code, "one month" in too_long.json()["message"]) == (400, True)
    body = {"start": {"from": now - 28 * DAY_MS, "to": now + DAY_MS}}
    ids = [
        r["info"]["engagementId"]
        for r in requests.post(url, params=params, json=body, auth=_oauth1(), timeout=10).json()[
            "interactionHistoryRecords"
        ]
    ]
    ongoing = {sim.chats.engagement_id(i) for i in sim.chats.ongoing}
    assert ids and not ongoing & set(ids)
    sim.chats.end()
    ids = [
        r["info"]["engagementId"]
        for r in requests.post(url, params=params, json=body, auth=_oauth1(), timeout=10).json()[
            "interactionHistoryRecords"
        ]
    ]
    assert ongoing <= set(ids)


def test_operations_need_timeframe_and_v_and_answer_by_interval(api) -> None:
    sim, _ = api
    url = f"{sim.service_url('leDataReporting')}/operations/api/account/{lp.ACCOUNT_ID}"
    get = lambda path, **p: requests.get(f"{url}/{path}", params=p, auth=_oauth1(), timeout=10)  # noqa: E731
    assert get("queuehealth", timeframe=60).status_code == 400  # no v
    assert get("queuehealth", timeframe=2000, v=1).status_code == 400
    assert get("queuehealth", timeframe=60, interval=7, v=1).status_code == 400
    body = get("queuehealth", timeframe=60, interval=30, v=1, skillIds="all").json()
    assert len(body["metricsByIntervals"]) == 2
    assert set(body["metricsByIntervals"][0]["metricsData"]["skillsMetrics"]) == {
        str(s) for s in sim.all_skill_ids()[:-1]
    }
    assert "timeframeSummary" in get("msgqueuehealth", timeframe=60, interval=30, v=1).json()
    agents = get("agentactivity", timeframe=60, interval=60, v=1, agentIds="all").json()
    states = next(
        iter(agents["metricsByIntervals"][0]["metricsData"]["agentsMetrics"]["metricsPerAgent"].values())
    )
    assert [s["id"] for s in states] == [2, 3, 4, -1]


def test_rate_limit_answers_429_without_headers(serve_lp) -> None:
    sim, _ = serve_lp(records=10, rate_limit_per_minute=2)
    users = (
        f"{sim.service_url('accountConfigReadOnly')}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    )
    statuses = [requests.get(users, params={"v": "6.0"}, auth=_oauth1(), timeout=10) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "retry-after" not in {k.lower() for k in statuses[-1].headers}


def test_data_is_deterministic_and_every_conversation_has_one_latest_skill() -> None:
    a, b = lp.make_simulator(records=50, seed=3), lp.make_simulator(records=50, seed=3)
    assert [a.conversation_id(i) for i in range(50)] == [b.conversation_id(i) for i in range(50)]
    assert a.conversations.row(7) == b.conversations.row(7)
    skills = [a.latest_skill_id(i) for i in range(50)]
    assert -1 in skills
    assert set(skills) <= {*a.all_skill_ids(), -1}
    # Room for conversations added between runs, still in the past.
    a.add_conversations(5)
    assert a.conversations.last_time < a.now
