"""The other streams: quoted values typed right, operations metrics, optional APIs that refuse."""

from __future__ import annotations

from tests.liveperson.helpers import config, run, start_of


def test_users_and_groups_quoted_as_the_docs_examples_arrive_typed_and_false_stays_false(
    serve_lp, tmp_path
) -> None:
    sim, server = serve_lp()
    result = run(config(server.url), tmp_path, ["users", "agent_groups"])
    assert result.returncode == 0, result.stderr

    served = {str(sim.users.row(k)["id"]): sim.users.row(k) for k in range(sim.users.n)}
    quoted = [u for u in served.values() if isinstance(u["deleted"], str)]
    assert (
        quoted
        and any(u["deleted"] == "false" for u in quoted)
        and any(u["isEnabled"] == "false" for u in quoted)
    )
    for user in result.records("users"):
        source = served[str(user["id"])]
        assert isinstance(user["id"], int)
        assert user["deleted"] is (source["deleted"] in (True, "true"))  # "false" is false
        assert user["isEnabled"] is (source["isEnabled"] in (True, "true"))
        assert user["maxChats"] == int(source["maxChats"])
        assert user["memberOf"]["agentGroupId"] == int(source["memberOf"]["agentGroupId"])
        assert all(isinstance(p, int) for p in user["permissionGroups"] or ())
        assert "deleted" not in (user.get("_sdc_extra") or {})
    groups = {g["id"]: g for g in result.records("agent_groups")}
    assert set(groups) == {sim.config.group_id(k) for k in range(sim.agent_groups.n)}
    assert groups[2]["isEnabled"] is True and groups[2]["deleted"] is False  # served "true" / "false"
    assert groups[4]["deleted"] is True  # served "true"


def test_queue_health_is_one_row_per_interval_and_skill_for_the_last_day(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    result = run(config(server.url), tmp_path, ["queue_health", "messaging_queue_health"])
    assert result.returncode == 0, result.stderr

    for stream, path, time_field in (
        ("queue_health", "/queuehealth", "interval_end"),
        ("messaging_queue_health", "/msgqueuehealth", "interval_start"),
    ):
        (request,) = sim.requests_to(path)
        assert {k: request.param(k) for k in ("timeframe", "interval", "v", "skillIds")} == {
            "timeframe": "1440",
            "interval": "60",
            "v": "1",
            "skillIds": "all",
        }
        rows = result.records(stream)
        live_skills = set(sim.all_skill_ids()[:-1])
        assert {r["skill_id"] for r in rows} == live_skills
        assert len(rows) == 24 * len(live_skills) == len({(r["skill_id"], r["timestamp"]) for r in rows})
        assert all(r[time_field].startswith("20") and isinstance(r["timestamp"], int) for r in rows)
    rates = [r["abandonmentRate"] for r in result.records("queue_health")]
    assert all(isinstance(rate, (int, float)) for rate in rates if rate is not None)


def test_agent_state_distribution_is_one_row_per_interval_agent_and_state(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    result = run(config(server.url), tmp_path, ["agent_state_distribution"])
    assert result.returncode == 0, result.stderr

    (request,) = sim.requests_to("/agentactivity")
    assert (request.param("agentIds"), request.param("timeframe"), request.param("v")) == ("all", "1440", "1")
    rows = result.records("agent_state_distribution")
    keys = {(r["agent_id"], r["timestamp"], r["id"]) for r in rows}
    assert len(keys) == len(rows) > 0
    assert {r["id"] for r in rows} == {-1, 2, 3, 4}
    assert {r["agent_id"] for r in rows} <= {sim.config.user_id(k) for k in range(sim.users.n)}
    away = [r for r in rows if r["id"] == 4]
    totals = [(r["value"] or {}).get("total") for r in rows]
    assert all(isinstance(total, int) for total in totals if total is not None)
    assert all(isinstance(r["reasons"], list) for r in away if r["reasons"] is not None)


def test_a_403_on_optional_streams_does_not_stop_the_conversations(serve_lp, tmp_path) -> None:
    # No chat on this account, and messaging queue data not enabled (the docs: off by default).
    sim, server = serve_lp(forbidden=[r"/interaction_history/", r"/msgqueuehealth$"])
    streams = ["engagement_history", "messaging_interactions", "messaging_queue_health", "users"]
    cfg = config(server.url)
    result = run(cfg, tmp_path, streams)

    assert result.returncode == 1
    assert sorted(result.failed_streams) == ["engagement_history", "messaging_queue_health"]
    assert all("403" in line for line in result.cause_lines)
    assert [r["conversation_id"] for r in result.records("messaging_interactions")] == sim.conversation_ids(
        start_of(cfg)
    )
    assert len(result.records("users")) == sim.users.n
    bookmarks = result.last_state["bookmarks"]
    assert bookmarks["messaging_interactions"]["replication_key_value"]
    assert "replication_key_value" not in bookmarks.get("engagement_history", {})


def test_a_service_the_domain_api_does_not_name_fails_only_its_streams(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(missing_services=["engHistDomain"])
    result = run(config(server.url), tmp_path, ["engagement_history", "skills"])

    assert result.returncode == 1
    (line,) = result.cause_lines
    assert "engagement_history" in line and "names no host for service engHistDomain" in line
    assert len(result.records("skills")) == sim.skills.n
