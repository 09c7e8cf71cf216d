"""The LivePerson sandbox keeps the real API's contract (what the tap relies on)."""

from __future__ import annotations

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
def api(serve):
    sim = lp.make_simulator(records=100, skills=3, span_days=50)
    server = serve(sim)
    return sim, server.url


def _search(url: str, body: dict | None, auth: OAuth1 | None = None, **params: object) -> requests.Response:
    query = {"offset": 0, "limit": 100, "sort": "start:asc", "v": 2, "source": "test", **params}
    return requests.post(
        f"{url}/messaging_history/api/account/{lp.ACCOUNT_ID}/conversations/search",
        params=query,
        json=body,
        auth=auth or _oauth1(),
        timeout=10,
    )


def test_csds_names_every_service_on_the_host_asked(api) -> None:
    _, url = api
    body = requests.get(
        f"{url}/api/account/{lp.ACCOUNT_ID}/service/baseURI.json", params={"version": "1.0"}, timeout=10
    ).json()
    hosts = {entry["service"]: entry["baseURI"] for entry in body["baseURIs"]}
    assert (
        hosts["msgHist"] == hosts["accountConfigReadOnly"] == hosts["sentinel"] == url.removeprefix("http://")
    )


def test_oauth1_signature_is_verified(api) -> None:
    _, url = api
    users = f"{url}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    assert requests.get(users, params={"v": "6.0"}, auth=_oauth1(), timeout=10).status_code == 200
    refused = requests.get(users, params={"v": "6.0"}, auth=_oauth1("not-the-secret"), timeout=10)
    assert refused.status_code == 401
    assert "signature" in refused.json()["message"]
    # The query string is signed: changing it after signing breaks the signature.
    prepared = requests.Request("GET", users, params={"v": "6.0"}, auth=_oauth1()).prepare()
    prepared.url += "&include_deleted=true"
    assert requests.Session().send(prepared, timeout=10).status_code == 401
    assert requests.get(users, params={"v": "6.0"}, timeout=10).status_code == 401


def test_config_calls_need_v_and_hide_deleted_by_default(api) -> None:
    sim, url = api
    skills = f"{url}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/skills"
    assert requests.get(skills, auth=_oauth1(), timeout=10).status_code == 400
    live = requests.get(skills, params={"v": "4.0"}, auth=_oauth1(), timeout=10).json()
    everything = requests.get(
        skills, params={"v": "4.0", "include_deleted": "true"}, auth=_oauth1(), timeout=10
    ).json()
    assert len(live) == sim.skills.n - 1
    assert [s["id"] for s in everything] == sim.all_skill_ids()


def test_search_rejects_missing_start_and_ranges_over_three_months(api) -> None:
    sim, url = api
    now = lp._ms(sim.now)
    assert _search(url, {"latestSkillIds": [-1]}).status_code == 400
    too_long = _search(url, {"start": {"from": now - 93 * DAY_MS, "to": now}})
    assert too_long.status_code == 400
    assert "3 months" in too_long.json()["message"]
    assert _search(url, {"start": {"from": now - 89 * DAY_MS, "to": now}}).status_code == 200
    assert _search(url, {"start": {"from": now - DAY_MS, "to": now}}, source=None).status_code == 400


def test_search_rounds_start_outward_to_ten_minutes_inclusive(api) -> None:
    sim, url = api
    i = 50
    started = sim.conversations.row(i)["info"]["startTimeL"]
    # "to" 1 ms before the start is rounded up to a 10-minute mark at or after it.
    body = {"start": {"from": started - 3_600_000, "to": started - 1}}
    ids = [r["info"]["conversationId"] for r in _search(url, body).json()["conversationHistoryRecords"]]
    assert sim.conversation_id(i) in ids
    # "from" 1 ms after the start is rounded down to a 10-minute mark at or before it.
    after = {"start": {"from": started + 1, "to": started + 2}}
    ids = [r["info"]["conversationId"] for r in _search(url, after).json()["conversationHistoryRecords"]]
    assert sim.conversation_id(i) in ids


def test_search_pages_with_next_href_and_filters_latest_skill(api) -> None:
    sim, url = api
    now = lp._ms(sim.now)
    body = {"start": {"from": now - 80 * DAY_MS, "to": now}, "latestSkillIds": [-1]}
    first = _search(url, body, limit=5).json()
    assert first["_metadata"]["count"] == len(sim.conversation_ids(skill_id=-1))
    assert {r["info"]["latestSkillId"] for r in first["conversationHistoryRecords"]} == {-1}
    second = requests.post(first["_metadata"]["next"]["href"], json=body, auth=_oauth1(), timeout=10).json()
    ids = [
        r["info"]["conversationId"]
        for r in first["conversationHistoryRecords"] + second["conversationHistoryRecords"]
    ]
    assert ids == sim.conversation_ids(skill_id=-1)[:10]


def test_oauth2_token_endpoint_issues_bearer_tokens(api) -> None:
    sim, url = api
    token_url = f"{url}/sentinel/api/account/{lp.ACCOUNT_ID}/app/token"
    bad = requests.post(
        token_url,
        data={"grant_type": "client_credentials", "client_id": lp.CLIENT_ID, "client_secret": "x"},
        timeout=10,
    )
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"
    good = requests.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": lp.CLIENT_ID,
            "client_secret": lp.CLIENT_SECRET,
        },
        timeout=10,
    ).json()
    assert good["token_type"] == "Bearer"
    users = f"{url}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    headers = {"Authorization": f"Bearer {good['access_token']}"}
    assert requests.get(users, params={"v": "6.0"}, headers=headers, timeout=10).status_code == 200
    sim.expire_tokens()
    assert requests.get(users, params={"v": "6.0"}, headers=headers, timeout=10).status_code == 401


def test_rate_limit_answers_429_without_headers(serve) -> None:
    sim = lp.make_simulator(records=10, rate_limit_per_minute=2)
    server = serve(sim)
    users = f"{server.url}/api/account/{lp.ACCOUNT_ID}/configuration/le-users/users"
    statuses = [requests.get(users, params={"v": "6.0"}, auth=_oauth1(), timeout=10) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "retry-after" not in {k.lower() for k in statuses[-1].headers}


def test_data_is_deterministic_and_every_conversation_has_one_latest_skill() -> None:
    a, b = lp.make_simulator(records=50, seed=3), lp.make_simulator(records=50, seed=3)
    assert [a.conversation_id(i) for i in range(50)] == [b.conversation_id(i) for i in range(50)]
    skills = [a.latest_skill_id(i) for i in range(50)]
    assert -1 in skills
    assert set(skills) <= {*a.all_skill_ids(), -1}
    # Room for conversations added between runs, still in the past.
    a.add_conversations(5)
    assert a.conversations.last_time < a.now
