"""Incremental runs: conversations re-read when they change, windows checkpointed, partial data refused."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from suite_sandbox import liveperson as lp

from tests.liveperson.helpers import (
    BY_ID,
    CHAT_SEARCH,
    SEARCH,
    config,
    conversation_bodies,
    ms,
    parse,
    run,
    start_of,
)

MARGIN = timedelta(minutes=15)  # the tap's allowance for the search's indexing delay


def _ids(result, stream: str = "messaging_interactions", key: str = "conversation_id") -> list[str]:
    return [r[key] for r in result.records(stream)]


def test_the_next_run_asks_for_conversations_updated_since_the_last_run_began(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    cfg = config(server.url)
    first = run(cfg, tmp_path / "first", ["messaging_interactions"])
    assert first.returncode == 0, first.stderr
    assert _ids(first) == sim.conversation_ids(start_of(cfg))
    state = first.last_state
    bookmark = parse(state["bookmarks"]["messaging_interactions"]["replication_key_value"])

    # Between runs: conversations open for days close (survey, close reason, a message),
    # an older one moves to another skill, new ones start.
    was_open = sorted(sim.open_conversations)
    assert all(
        datetime.now(timezone.utc).timestamp() * 1000 - sim.conversations.row(i)["info"]["startTimeL"]
        > 5 * 86_400_000
        for i in was_open
    )
    sim.close(was_open)
    moved = sim.conversation_indices(start_of(cfg))[5]
    target = next(s for s in sim.all_skill_ids() if s != sim.latest_skill_id(moved))
    sim.transfer(moved, target)
    new = sim.add_conversations(3)
    sim.requests.clear()

    second = run(cfg, tmp_path / "second", ["messaging_interactions"], state=state)
    assert second.returncode == 0, second.stderr
    bodies = conversation_bodies(sim)
    assert bodies and all(b["latestUpdateTime"] == {"from": ms(bookmark - MARGIN)} for b in bodies)
    assert min(b["start"]["from"] for b in bodies) == ms(start_of(cfg))  # every start window again
    records = {r["conversation_id"]: r for r in second.records("messaging_interactions")}
    changed = {sim.conversation_id(i) for i in [*was_open, moved, *new]}
    assert set(records) == changed
    for i in was_open:
        record = records[sim.conversation_id(i)]
        assert record["info"]["status"] == "CLOSE"
        assert record["conversationSurveys"]
    assert records[sim.conversation_id(moved)]["skill_id"] == target
    assert records[sim.conversation_id(moved)]["transfers"][-1]["targetSkillId"] == target
    assert parse(second.last_state["bookmarks"]["messaging_interactions"]["replication_key_value"]) > bookmark


def test_a_rerun_after_a_failure_resumes_at_the_window_it_failed_in(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(records=120, partial_every=None)
    cfg = config(server.url, window_days=10, max_retries=1)

    # Windows 1-4 answer; from the 5th on, the search fails (503 beyond the retries).
    def fail_from_now_on() -> None:
        sim.inject("status", status=503, body={"code": 503, "message": "down"}, path=SEARCH, times=1000)

    sim.inject("hook", hook=lambda: None, path=SEARCH, times=3)
    sim.inject("hook", hook=fail_from_now_on, path=SEARCH, times=1)
    first = run(cfg, tmp_path / "first", ["messaging_interactions"])
    assert first.returncode == 1
    assert first.failed_streams == ["messaging_interactions"]
    windows = [b["start"] for b in conversation_bodies(sim)]
    read_up_to = windows[3]["to"]
    progress = first.last_state["bookmarks"]["messaging_interactions"]
    assert progress["run"]["next"] == read_up_to
    assert "replication_key_value" not in progress

    sim.faults.clear()
    sim.requests.clear()
    second = run(cfg, tmp_path / "second", ["messaging_interactions"], state=first.last_state)
    assert second.returncode == 0, second.stderr
    assert "resuming an unfinished run" in second.stderr
    resumed = [b["start"] for b in conversation_bodies(sim)]
    assert resumed[0]["from"] == read_up_to  # no window read twice
    assert all(w["to"] == n["from"] for w, n in itertools.pairwise(resumed))
    assert resumed[-1]["to"] == progress["run"]["until"]  # the first run's plan, to its end
    everything = sim.conversation_ids(start_of(cfg))
    assert sorted(_ids(first) + _ids(second)) == sorted(everything)
    final = second.last_state["bookmarks"]["messaging_interactions"]
    assert parse(final["replication_key_value"]) == lp.constants.from_ms(progress["run"]["until"])
    assert "run" not in final


def test_partial_conversations_are_fetched_whole_by_conversation_id(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(partial_every=7)
    cfg = config(server.url)
    result = run(cfg, tmp_path, ["messaging_interactions"])
    assert result.returncode == 0, result.stderr

    partial = [i for i in sim.conversation_indices(start_of(cfg)) if sim.history.is_partial(i)]
    assert partial
    asked = [r.json() for r in sim.requests_to(BY_ID, "POST")]
    assert asked == [{"conversationId": sim.conversation_id(i)} for i in partial]
    records = {r["conversation_id"]: r for r in result.records("messaging_interactions")}
    for i in partial:
        record, whole = records[sim.conversation_id(i)], sim.history.row(i)
        assert record["info"]["isPartial"] is False
        assert len(record["messageRecords"]) == len(whole["messageRecords"])
    assert all(r["info"]["isPartial"] is False for r in records.values())


def test_a_partial_shard_result_is_retried_then_fails_the_stream_clearly(serve_lp, tmp_path) -> None:
    sim, server = serve_lp(partial_every=None)
    sim.fail_shards(2)
    cfg = config(server.url)
    result = run(cfg, tmp_path / "retried", ["messaging_interactions"])
    assert result.returncode == 0, result.stderr
    assert _ids(result) == sim.conversation_ids(start_of(cfg))
    assert result.stderr.count("returned a partial result") == 2

    sim.fail_shards(1000)
    failed = run(cfg, tmp_path / "failed", ["messaging_interactions"])
    assert failed.returncode == 1
    (line,) = failed.cause_lines
    assert "messaging_interactions" in line and "gave up after 3 retries" in line
    assert "partial result (_metadata.shardsStatusResult.partialResult" in line
    assert failed.records("messaging_interactions") == []


def test_state_of_the_per_skill_version_becomes_updates_since_its_oldest_bookmark(serve_lp, tmp_path) -> None:
    sim, server = serve_lp()
    old = datetime.now(timezone.utc) - timedelta(days=3)
    legacy = {
        "bookmarks": {
            "messaging_interactions": {
                "partitions": [
                    {
                        "context": {"skill_id": skill},
                        "replication_key": "start_time",
                        "replication_key_value": value,
                    }
                    for skill, value in (
                        (-1, (old + timedelta(hours=5)).isoformat()),
                        (1000, old.isoformat()),
                    )
                ]
            }
        }
    }
    result = run(config(server.url, lookback_hours=24), tmp_path, ["messaging_interactions"], state=legacy)
    assert result.returncode == 0, result.stderr
    bodies = conversation_bodies(sim)
    assert bodies and "latestSkillIds" not in bodies[0]
    assert {b["latestUpdateTime"]["from"] for b in bodies} == {ms(old - timedelta(hours=24) - MARGIN)}
    state = result.last_state["bookmarks"]["messaging_interactions"]
    assert "partitions" not in state
    assert state["replication_key"] == "latest_event_time"


def test_chats_are_reread_from_the_last_run_less_lookback_and_partial_ones_fetched_whole(
    serve_lp, tmp_path
) -> None:
    # Chats every ~1.2 hours: the ongoing ones started within the look-back.
    sim, server = serve_lp(partial_every=5, chats=200, span_days=10)
    cfg = config(server.url, lookback_hours=48)
    first = run(cfg, tmp_path / "first", ["engagement_history"])
    assert first.returncode == 0, first.stderr
    assert sorted(_ids(first, "engagement_history", "engagement_id")) == sorted(sim.chat_ids(start_of(cfg)))
    windows = [r.json()["start"] for r in sim.requests_to(CHAT_SEARCH) if "engagementId" not in r.json()]
    assert all(w["to"] - w["from"] <= 28 * 86_400_000 for w in windows)
    fetched = [r.json()["engagementId"] for r in sim.requests_to(CHAT_SEARCH) if "engagementId" in r.json()]
    assert fetched and all(r["info"]["isPartial"] is False for r in first.records("engagement_history"))
    bookmark = parse(first.last_state["bookmarks"]["engagement_history"]["replication_key_value"])

    ongoing = {sim.chats.engagement_id(i) for i in sim.chats.ongoing}
    sim.chats.end()
    sim.requests.clear()
    second = run(cfg, tmp_path / "second", ["engagement_history"], state=first.last_state)
    assert second.returncode == 0, second.stderr
    searches = [r.json()["start"] for r in sim.requests_to(CHAT_SEARCH) if "engagementId" not in r.json()]
    assert searches[0]["from"] == ms(bookmark - timedelta(hours=48))
    assert ongoing <= set(_ids(second, "engagement_history", "engagement_id"))
