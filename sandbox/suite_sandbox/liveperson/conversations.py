"""Messaging Interactions: conversations that keep changing after they start.

A conversation starts at its row's time and, until it closes, gets messages; it may be
transferred to other skills, close days later with a close reason and a survey. Its
latest update time is the last of those events: `latestUpdateTime {from}` (inclusive,
rounded down to 10 minutes) selects on it. The newest conversations are open (for days);
`close`, `transfer` and `add_message` change conversations between runs.

Some conversations are served partial by the search (`info.isPartial: true`, messages cut
short), whole by the conversation-by-id method; `fail_shards(n)` makes the next n search
answers partial (`_metadata.shardsStatusResult.partialResult: true`, records missing).
"""

from __future__ import annotations

import random
import typing as t
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import VirtualTable
from suite_sandbox.liveperson.constants import ACCOUNT_ID, UNASSIGNED_SKILL_ID, from_ms, lp_time, ms

if t.TYPE_CHECKING:
    from suite_sandbox.liveperson.records import AccountConfig, Faker

RESERVE_STEPS = 10
_INDEX_BITS = 40
_CLOSE_REASONS = ("AGENT", "CONSUMER", "SYSTEM")


@dataclass
class Change:
    """What happened to a conversation after the data was generated."""

    updated: datetime
    closed_at: datetime | None = None
    transfers: list[tuple[datetime, int, int]] = field(default_factory=list)
    messages: list[datetime] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _item(records: list | None) -> dict:
    """A documented list item to build on (the fake record's first, when it has one)."""
    return dict(records[0]) if records and isinstance(records[0], dict) else {}


class Conversations:
    """The account's conversations, ordered by start time."""

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
        self.seed = faker.seed
        step = timedelta(days=span_days) / max(records, 1)
        # Conversations end RESERVE_STEPS steps before "now", so those added between runs
        # still lie in the past.
        self.now = now
        self.table = VirtualTable(
            "conversations",
            records,
            self._row,
            seed=faker.seed,
            start=now - (records + RESERVE_STEPS) * step,
            step=step,
        )
        self.open: set[int] = set(range(max(records - 3, 0), records))
        self.changes: dict[int, Change] = {}
        self.partial_every = partial_every
        self.partial_answers = 0
        self.version = 0

    # -- identity ------------------------------------------------------------------------

    def conversation_id(self, i: int) -> str:
        rng = random.Random(f"{self.seed}:conversation_id:{i}")
        bits = (rng.getrandbits(128 - _INDEX_BITS) << _INDEX_BITS) | i
        return str(uuid.UUID(int=bits, version=4))

    def index_of(self, conversation_id: str) -> int | None:
        try:
            i = uuid.UUID(str(conversation_id)).int & ((1 << _INDEX_BITS) - 1)
        except ValueError:
            return None
        return i if i < self.table.n and self.conversation_id(i) == conversation_id else None

    def base_skill_id(self, i: int) -> int:
        rng = random.Random(f"{self.seed}:latest_skill:{i}")
        unassigned = rng.random() < 0.2
        skill_ids = self.config.skill_ids()
        return UNASSIGNED_SKILL_ID if unassigned or not skill_ids else rng.choice(skill_ids)

    def latest_skill_id(self, i: int) -> int:
        """Each conversation has exactly one latest skill; about one in five is Unassigned."""
        change = self.changes.get(i)
        return change.transfers[-1][2] if change and change.transfers else self.base_skill_id(i)

    def is_open(self, i: int) -> bool:
        change = self.changes.get(i)
        return i in self.open and not (change and change.closed_at)

    def is_partial(self, i: int) -> bool:
        return bool(self.partial_every) and i % self.partial_every == self.partial_every // 2

    def _duration_ms(self, i: int) -> int:
        return random.Random(f"{self.seed}:duration:{i}").randint(60_000, 3_600_000)

    def _base_messages(self, i: int) -> int:
        return random.Random(f"{self.seed}:messages:{i}").randint(1, 4)

    def updated_ms(self, i: int) -> int:
        """When the conversation last changed (what latestUpdateTime filters on)."""
        start = ms(self.table.timestamp(i))
        base = start + 30_000 * (self._base_messages(i) - 1)
        if i not in self.open:
            base = start + self._duration_ms(i)
        change = self.changes.get(i)
        return max(base, ms(change.updated)) if change else base

    def append(self, count: int) -> range:
        """New conversations after the newest one: they exist from now on (changed now)."""
        added = self.table.append(count)
        for i in added:
            self._change(i, _now())
        return added

    # -- changes between runs ------------------------------------------------------------

    def _change(self, i: int, at: datetime) -> Change:
        change = self.changes.setdefault(i, Change(updated=at))
        change.updated = max(change.updated, at)
        self.version += 1
        return change

    def close(self, indices: t.Iterable[int], at: datetime | None = None) -> None:
        """End open conversations now (their start time, and so their place, stays)."""
        for i in indices:
            if self.is_open(i):
                self._change(i, at or _now()).closed_at = at or _now()

    def transfer(self, i: int, skill_id: int, at: datetime | None = None) -> None:
        """Move a conversation to another skill (its latest skill changes)."""
        when = at or _now()
        self._change(i, when).transfers.append((when, self.latest_skill_id(i), skill_id))

    def add_message(self, i: int, at: datetime | None = None) -> None:
        when = at or _now()
        self._change(i, when).messages.append(when)

    # -- records -------------------------------------------------------------------------

    def _row(self, i: int, rng: random.Random, ts: datetime) -> dict:
        record = self.faker.record("conversation", i)
        start = ms(ts)
        cid = self.conversation_id(i)
        change = self.changes.get(i)
        is_open = self.is_open(i)
        end = None
        if not is_open:
            end = ms(change.closed_at) if change and change.closed_at else start + self._duration_ms(i)
        skill = self.latest_skill_id(i)
        agent = self.config.user_id(rng.randrange(self.config.user_count)) if self.config.user_count else 0
        consumer = f"consumer-{i}"
        times = [start + 30_000 * seq for seq in range(self._base_messages(i))]
        times += [ms(at) for at in (change.messages if change else ())]
        message = _item(record.get("messageRecords"))
        record["messageRecords"] = [
            {
                **message,
                "type": "TEXT_PLAIN",
                "messageData": {"msg": {"text": rng.choice(["hi", "I need help", "thanks", "bye"])}},
                "messageId": f"ms::conv:{cid}::msg:{seq}",
                "seq": seq,
                "dialogId": cid,
                "participantId": str(agent) if seq % 2 else consumer,
                "time": lp_time(from_ms(at)),
                "timeL": at,
                "sentBy": "Agent" if seq % 2 else "Consumer",
            }
            for seq, at in enumerate(times)
        ]
        transfer = _item(record.get("transfers"))
        record["transfers"] = [
            {
                **transfer,
                "time": lp_time(at),
                "timeL": ms(at),
                "sourceSkillId": source,
                "targetSkillId": target,
                "reason": "Skill",
                "dialogId": cid,
            }
            for at, source, target in (change.transfers if change else ())
        ]
        survey = _item(record.get("conversationSurveys"))
        record["conversationSurveys"] = (
            []
            if is_open
            else [{**survey, "surveyType": "Resolution", "surveyStatus": "FILLED", "dialogId": cid}]
        )
        record["info"] = {
            **(record.get("info") or {}),
            "conversationId": cid,
            "brandId": ACCOUNT_ID,
            "status": "OPEN" if is_open else "CLOSE",
            "startTime": lp_time(ts),
            "startTimeL": start,
            "endTime": "undefined" if end is None else lp_time(from_ms(end)),
            "endTimeL": -1 if end is None else end,
            "duration": (ms(_now()) if end is None else end) - start,
            "closeReason": None if is_open else rng.choice(_CLOSE_REASONS),
            "latestSkillId": skill,
            "latestSkillName": "Unassigned"
            if skill == UNASSIGNED_SKILL_ID
            else f"Skill {(skill - 1000) // 7}",
            "latestAgentId": str(agent),
            "latestAgentGroupId": -1 if skill == UNASSIGNED_SKILL_ID else 1 + i % 4,
            "latestQueueState": "ACTIVE" if is_open else "IN_QUEUE",
            "isPartial": False,
        }
        return record

    def row(self, i: int, *, partial: bool = False) -> dict:
        record = self.table.row(i)
        if partial and self.is_partial(i):
            # What a partial answer looks like: flagged, messages and statuses cut short.
            record["info"]["isPartial"] = True
            record["messageRecords"] = record["messageRecords"][:1]
            record.pop("messageStatuses", None)
        return record

    # -- queries -------------------------------------------------------------------------

    _cache: tuple[t.Any, t.Any] | None = None

    def select(
        self, since: datetime, until: datetime, skills: set[int] | None, updated_from: int | None
    ) -> t.Any:
        """The conversations a search matches, worked out once per search (every page of it
        asks the same), not once per page: filtering a window row by row made paging quadratic."""
        table = self.table
        key = (
            since,
            until,
            frozenset(skills) if skills is not None else None,
            updated_from,
            table.n,
            self.version,
        )
        if self._cache and self._cache[0] == key:
            return self._cache[1]
        checks: list[t.Callable[[int], bool]] = []
        if skills is not None:
            checks.append(lambda i: self.latest_skill_id(i) in skills)
        if updated_from is not None:
            checks.append(lambda i: self.updated_ms(i) >= updated_from)
        where = (lambda i: all(check(i) for check in checks)) if checks else None
        selection = table.select(since, until, where=where)
        self._cache = (key, selection)
        return selection

    def indices(self, since: datetime | None = None, skill_id: int | None = None) -> list[int]:
        """Conversations started at or after `since` (all if None), oldest first."""
        where = None if skill_id is None else (lambda i: self.latest_skill_id(i) == skill_id)
        return self.table.select(since, where=where).indices()
