"""Operational real-time metrics on the `leDataReporting` host: the last 24 hours, by interval.

Each GET answers the whole day (`timeframe=1440`, the maximum) in `interval`-minute
buckets; the stream emits one row per bucket and skill (queue health) or per bucket, agent
and agent state (agent state distribution). Every run reads the day again (full table):
the newest bucket is still filling, and rows are keyed by bucket so a target upserts them.
"""

from __future__ import annotations

import typing as t

from tap_common.errors import TapError
from tap_common.pagination import response_json

from tap_liveperson.client import LivePersonStream, as_int, iso_from_ms

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

TIMEFRAME_MINUTES = 1440  # the API's maximum: 24 hours
INTERVAL_MINUTES = 60  # a divisor of the timeframe, at least 5


class OperationsStream(LivePersonStream):
    """A GET of the Operational Real-time / Messaging Operations APIs."""

    service = "leDataReporting"
    replication_key = None
    api_version: t.ClassVar[int] = 1

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"timeframe": TIMEFRAME_MINUTES, "interval": INTERVAL_MINUTES, "v": self.api_version}

    def metrics_body(self, response: requests.Response) -> dict:
        body = response_json(response)
        # Some accounts answer inside a {"meta": {...}, "body": {...}} envelope.
        if isinstance(body.get("body"), dict):
            meta = body.get("meta") or {}
            if as_int(meta.get("responseCode", 200)) != 200:
                msg = f"{self.name}: GET {self.path} answered responseCode {meta.get('responseCode')}"
                raise TapError(msg)
            body = body["body"]
        return body

    def intervals(self, response: requests.Response) -> list[dict]:
        intervals = self.metrics_body(response).get("metricsByIntervals")
        if not isinstance(intervals, list):
            msg = f"{self.name}: GET {self.path} returned no metricsByIntervals list"
            raise TapError(msg)
        return [i for i in intervals if isinstance(i, dict)]


class SkillMetricsStream(OperationsStream):
    """One row per interval and skill (`skillsMetrics` is keyed by skill id)."""

    primary_keys = ("skill_id", "timestamp")
    #: The row field that holds the interval's timestamp as ISO 8601.
    time_field: t.ClassVar[str] = "interval_end"

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {**super().get_url_params(context, next_page_token), "skillIds": "all"}

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        for interval in self.intervals(response):
            timestamp = as_int(interval.get("timestamp"))
            skills = (interval.get("metricsData") or {}).get("skillsMetrics") or {}
            for skill, metrics in skills.items():
                if isinstance(metrics, dict):
                    yield {
                        "skill_id": as_int(skill),
                        "timestamp": timestamp,
                        self.time_field: iso_from_ms(timestamp) if isinstance(timestamp, int) else None,
                        **metrics,
                    }


class QueueHealthStream(SkillMetricsStream):
    """Chat queue health (Operational Real-time API)."""

    name = "queue_health"
    path = "/operations/api/account/{account_id}/queuehealth"


class MessagingQueueHealthStream(SkillMetricsStream):
    """Messaging queue health (Messaging Operations API); its timestamps start intervals."""

    name = "messaging_queue_health"
    path = "/operations/api/account/{account_id}/msgqueuehealth"
    time_field = "interval_start"


class AgentStateDistributionStream(OperationsStream):
    """Time per agent state (logged in, online, back soon, away with reasons), per interval."""

    name = "agent_state_distribution"
    path = "/operations/api/account/{account_id}/agentactivity"
    primary_keys = ("agent_id", "timestamp", "id")

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {**super().get_url_params(context, next_page_token), "agentIds": "all"}

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        for interval in self.intervals(response):
            timestamp = as_int(interval.get("timestamp"))
            agents = ((interval.get("metricsData") or {}).get("agentsMetrics") or {}).get(
                "metricsPerAgent"
            ) or {}
            for agent, states in agents.items():
                for state in states if isinstance(states, list) else ():
                    if isinstance(state, dict):
                        yield {
                            "agent_id": as_int(agent),
                            "timestamp": timestamp,
                            "interval_end": iso_from_ms(timestamp) if isinstance(timestamp, int) else None,
                            **state,
                        }
