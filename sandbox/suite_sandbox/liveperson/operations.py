"""Operational real-time answers: queue health, messaging queue health, agent activity.

`timeframe` (minutes, at most 1440) and `v` are required; `interval` (at least 5, a
divisor of the timeframe) splits the answer into `metricsByIntervals`. Queue health and
agent activity stamp each interval with its end, rounded up to 5 minutes; messaging queue
health with its start, not rounded. Metrics come from the documented resources.

"Now" is the simulator's clock, fixed when it was made: two runs against one simulator see
the same intervals (a real account's intervals move on with the clock).
"""

from __future__ import annotations

import random
import typing as t

from suite_sandbox.liveperson.constants import MAX_TIMEFRAME_MINUTES, MIN_INTERVAL_MINUTES, ms
from suite_sandbox.server import Response

if t.TYPE_CHECKING:
    from datetime import datetime

    from suite_sandbox.liveperson.records import AccountConfig, Faker
    from suite_sandbox.server import Request

_FIVE_MINUTES_MS = 5 * 60 * 1000
_AGENT_STATES = ((2, "Online"), (3, "Back in 5"), (4, "Away"), (-1, "Logged in"))


def _bad_request(message: str) -> Response:
    return Response(400, {"code": 400, "message": message})


def _frame(request: Request) -> tuple[int, int | None] | Response:
    """(timeframe, interval) in minutes, or the 400 the API answers."""
    if not request.param("v"):
        return _bad_request("Missing mandatory parameter: v")
    try:
        timeframe = int(request.param("timeframe") or "")
        interval = int(request.param("interval")) if request.param("interval") else None
    except ValueError:
        return _bad_request("timeframe and interval must be numbers of minutes")
    if not 0 < timeframe <= MAX_TIMEFRAME_MINUTES:
        return _bad_request(f"timeframe must be 1-{MAX_TIMEFRAME_MINUTES} minutes")
    if interval is not None and (
        interval < MIN_INTERVAL_MINUTES or interval > timeframe or timeframe % interval
    ):
        return _bad_request("interval must be at least 5, at most the timeframe, and divide it")
    return timeframe, interval


class Operations:
    def __init__(self, faker: Faker, config: AccountConfig, now: datetime) -> None:
        self.faker = faker
        self.config = config
        self.now = now

    def _stamps(self, timeframe: int, interval: int | None, *, start_of_interval: bool) -> list[int]:
        now = ms(self.now)
        step = (interval or timeframe) * 60_000
        if start_of_interval:
            return [now - step * (k + 1) for k in range(timeframe * 60_000 // step)]
        end = -(-now // _FIVE_MINUTES_MS) * _FIVE_MINUTES_MS
        return [end - step * k for k in range(timeframe * 60_000 // step)]

    def _skills(self, request: Request) -> list[int]:
        asked = request.param("skillIds") or "all"
        live = [s for k, s in enumerate(self.config.skill_ids()) if k != self.config.skill_count - 1]
        if asked == "all":
            return live
        return [int(s) for s in asked.split(",") if s.strip().lstrip("-").isdigit()]

    def _skill_metrics(self, resource: str, skills: list[int], stamp: int) -> dict[str, t.Any]:
        return {str(s): self.faker.record(resource, f"{s}:{stamp}") for s in skills}

    def queue_health(self, request: Request, *, messaging: bool) -> Response:
        frame = _frame(request)
        if isinstance(frame, Response):
            return frame
        timeframe, interval = frame
        resource = "messaging_queue_health_metrics" if messaging else "queue_health_metrics"
        totals_key = "metricsTotal" if messaging else "metricsTotals"
        skills = self._skills(request)
        totals = self.faker.record(resource, "totals", undocumented=False)
        whole = {"skillsMetrics": self._skill_metrics(resource, skills, 0), totals_key: totals}
        if interval is None:
            return Response(200, whole)
        intervals = [
            {
                "timestamp": stamp,
                "metricsData": {
                    "skillsMetrics": self._skill_metrics(resource, skills, stamp),
                    totals_key: totals,
                },
            }
            for stamp in self._stamps(timeframe, interval, start_of_interval=messaging)
        ]
        body: dict[str, t.Any] = {"metricsByIntervals": intervals}
        body.update({"timeframeSummary": whole} if messaging else whole)
        return Response(200, body)

    def _agent_states(self, agent: int, stamp: int) -> list[dict]:
        states = []
        for state_id, name in _AGENT_STATES:
            entry = {
                **self.faker.record("agent_state", f"{agent}:{stamp}:{state_id}"),
                "id": state_id,
                "name": name,
            }
            if state_id != 4:
                entry.pop("reasons", None)
            states.append(entry)
        return states

    def agent_activity(self, request: Request) -> Response:
        frame = _frame(request)
        if isinstance(frame, Response):
            return frame
        timeframe, interval = frame
        asked = request.param("agentIds") or ""
        if not asked:
            return _bad_request("Missing mandatory parameter: agentIds")
        rng = random.Random(f"{self.faker.seed}:agents_logged_in")
        agents = [
            self.config.user_id(k)
            for k in range(self.config.user_count)
            if asked == "all" or str(self.config.user_id(k)) in asked.split(",")
        ]
        agents = [a for a in agents if rng.random() < 0.8]  # agents active in the timeframe

        def per_agent(stamp: int) -> dict:
            return {
                "metricsPerAgent": {str(a): self._agent_states(a, stamp) for a in agents},
                "metricsTotals": [],
            }

        if interval is None:
            return Response(200, {"agentsMetrics": per_agent(0)})
        intervals = [
            {"timestamp": stamp, "metricsData": {"agentsMetrics": per_agent(stamp)}}
            for stamp in self._stamps(timeframe, interval, start_of_interval=False)
        ]
        return Response(
            200,
            {"metricsByIntervals": intervals, "agentsMetrics": {"metricsPerAgent": {}, "metricsTotals": []}},
        )
