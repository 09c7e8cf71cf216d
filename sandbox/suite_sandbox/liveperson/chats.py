"""Engagement History: legacy chats, returned once they have ended.

Chats start at their row's time; the newest two are still going and the search does not
return them until `end()`. Some chats are served partial (`info.isPartial`); searching
with their `engagementId` (time limits ignored) returns them whole.
"""

from __future__ import annotations

import random
import typing as t
from datetime import datetime, timedelta

from suite_sandbox.data import VirtualTable
from suite_sandbox.liveperson.constants import ACCOUNT_ID, UNASSIGNED_SKILL_ID, from_ms, lp_time, ms

if t.TYPE_CHECKING:
    from suite_sandbox.liveperson.records import AccountConfig, Faker

#: Engagement ids are the account id followed by the chat's own id.
_CHAT_ID_BASE = 4_294_967_000


class Chats:
    def __init__(
        self,
        faker: Faker,
        config: AccountConfig,
        *,
        records: int,
        now: datetime,
        span_days: float,
        partial_every: int | None,
    ) -> None:
        self.faker = faker
        self.config = config
        step = timedelta(days=span_days) / max(records, 1)
        self.table = VirtualTable(
            "chats", records, self._row, seed=faker.seed, start=now - (records + 10) * step, step=step
        )
        self.ongoing: set[int] = set(range(max(records - 2, 0), records))
        self.partial_every = partial_every

    def engagement_id(self, i: int) -> str:
        return f"{ACCOUNT_ID}{_CHAT_ID_BASE + i}"

    def index_of(self, engagement_id: t.Any) -> int | None:
        text = str(engagement_id)
        if not text.startswith(ACCOUNT_ID) or not text[len(ACCOUNT_ID) :].isdigit():
            return None
        i = int(text[len(ACCOUNT_ID) :]) - _CHAT_ID_BASE
        return i if 0 <= i < self.table.n else None

    def skill_id(self, i: int) -> int:
        skill_ids = self.config.skill_ids()
        rng = random.Random(f"{self.faker.seed}:chat_skill:{i}")
        return rng.choice(skill_ids) if skill_ids and rng.random() > 0.2 else UNASSIGNED_SKILL_ID

    def is_partial(self, i: int) -> bool:
        return bool(self.partial_every) and i % self.partial_every == 1

    def end(self, indices: t.Iterable[int] | None = None) -> None:
        """Ongoing chats end (and so start being returned)."""
        self.ongoing -= set(self.ongoing if indices is None else indices)

    def _row(self, i: int, rng: random.Random, ts: datetime) -> dict:
        record = self.faker.record("engagement", i)
        start = ms(ts)
        duration = rng.randint(30, 1800)
        end = start + 1000 * duration
        documented = ((record.get("transcript") or {}).get("lines") or [{}])[0]
        lines = [
            {
                **(documented if isinstance(documented, dict) else {}),
                "time": lp_time(from_ms(start + 20_000 * seq)),
                "timeL": start + 20_000 * seq,
                "text": rng.choice(["hello", "I love your service", "bye"]),
                "source": "agent" if seq % 2 else "visitor",
                "lineSeq": str(seq),
            }
            for seq in range(rng.randint(1, 4))
        ]
        record["transcript"] = {"lines": lines}
        record["info"] = {
            **(record.get("info") or {}),
            "engagementId": self.engagement_id(i),
            "accountId": ACCOUNT_ID,
            "startTime": lp_time(ts),
            "startTimeL": start,
            "endTime": lp_time(from_ms(end)),
            "endTimeL": end,
            "duration": duration,
            "skillId": self.skill_id(i),
            "isPartial": False,
            "isEnded": True,
            "ended": True,
        }
        return record

    def row(self, i: int, *, partial: bool = False) -> dict:
        record = self.table.row(i)
        if partial and self.is_partial(i):
            record["info"]["isPartial"] = True
            record["transcript"]["lines"] = record["transcript"]["lines"][:1]
        return record

    def ended(self, since: datetime, until: datetime) -> list[int]:
        return [i for i in self.table.select(since, until).indices() if i not in self.ongoing]
