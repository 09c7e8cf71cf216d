"""Records from the documented resources, with the values the simulator controls on top.

Each resource's fields come from `resources/liveperson.json` (derived from the docs by
`scripts/specs/liveperson.py`): every documented field is filled by `suite_sandbox.fake`,
then the simulator overwrites ids, foreign keys, times and the fields its filters read,
and adds keys no doc names to some records. Faking the full schema costs milliseconds a
record, so each resource has a few templates, copied per row.

Account config rows follow the docs' examples in one more way: some quote their booleans
and numbers (`"deleted": "false"`, `"maxChats": "4"`), as the Users and Agent Groups
examples do.
"""

from __future__ import annotations

import json
import random
import typing as t
from datetime import datetime

from suite_sandbox.fake import fake_record, load_resources, with_undocumented
from suite_sandbox.liveperson.constants import account_time

TEMPLATES = 16


class Faker:
    """Documented records of each LivePerson resource, deterministic per seed and row."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.resources = load_resources("liveperson")
        self._templates: dict[str, list[str]] = {}

    def record(self, resource: str, row: int | str, *, undocumented: bool = True) -> dict[str, t.Any]:
        templates = self._templates.get(resource)
        if templates is None:
            schema = self.resources[resource]
            templates = [
                json.dumps(fake_record(schema, random.Random(f"{self.seed}:{resource}:template:{k}")))
                for k in range(TEMPLATES)
            ]
            self._templates[resource] = templates
        rng = random.Random(f"{self.seed}:{resource}:{row}")
        record = json.loads(templates[rng.randrange(TEMPLATES)])
        if not undocumented:
            return record
        # Row 1 of every resource carries an undocumented key, others now and then.
        return with_undocumented(record, rng, rate=1.0 if str(row) == "1" else 0.2)


def quoted(value: t.Any) -> t.Any:
    """A value as the docs' examples write it: booleans and numbers in quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [quoted(v) for v in value]
    return value


def flag(value: t.Any) -> bool:
    """A boolean the simulator wrote, quoted or not."""
    return value is True or value == "true"


class AccountConfig:
    """Users, skills, agent groups, status reasons and campaigns of one account."""

    def __init__(self, faker: Faker, *, skills: int, users: int, groups: int = 4) -> None:
        self.faker = faker
        self.skill_count, self.user_count, self.group_count = skills, users, groups
        self.status_reason_count = 3
        self.campaign_count = 3

    def skill_id(self, k: int) -> int:
        return 1000 + 7 * k

    def skill_ids(self) -> list[int]:
        """Every skill id, deleted ones included (what `include_deleted=true` returns)."""
        return [self.skill_id(k) for k in range(self.skill_count)]

    def user_id(self, k: int) -> int:
        return 2_359_235_900 + k

    def group_id(self, k: int) -> int:
        return 1 + k

    def skill(self, k: int, ts: datetime) -> dict:
        rng = random.Random(f"{self.faker.seed}:skill:{k}")
        others = [s for s in self.skill_ids() if s != self.skill_id(k)]
        return {
            **self.faker.record("skill", k),
            "id": self.skill_id(k),
            "name": f"Skill {k} {rng.choice(['Billing', 'Sales', 'Support', 'Returns'])}",
            "deleted": k == self.skill_count - 1,  # the last skill is deleted (still referenced)
            "skillOrder": k + 1,
            "canTransfer": rng.random() < 0.8,
            "skillTransferList": others[:2],
            "skillRoutingConfiguration": [
                {"agentGroupId": self.group_id(k % self.group_count), "priority": 1, "splitPercentage": 100}
            ],
            "dateUpdated": account_time(ts),
        }

    def user(self, k: int, ts: datetime) -> dict:
        rng = random.Random(f"{self.faker.seed}:user:{k}")
        row = {
            **self.faker.record("user", k),
            "id": self.user_id(k),
            "deleted": k % 7 == 6,
            "loginName": f"agent{k}@example.com",
            "fullName": f"Agent {k}",
            "nickname": f"agent{k}",
            "email": f"agent{k}@example.com",
            "isEnabled": rng.random() < 0.9,
            "maxChats": rng.choice([2, 4, 8]),
            "maxAsyncChats": rng.choice([0, 10]),
            "skillIds": sorted(rng.sample(self.skill_ids(), k=min(2, self.skill_count))),
            "memberOf": {
                "agentGroupId": self.group_id(k % self.group_count),
                "assignmentDate": account_time(ts),
            },
            "managerOf": [],
            "permissionGroups": [1],
            "userType": 2 if k == 0 else 1,
            "userTypeId": 2 if k == 0 else 1,
            "isApiUser": k == 0,
            "dateUpdated": account_time(ts),
            "lastPwdChangeDate": account_time(ts),
        }
        if k % 4 == 1:  # as the Users API example writes them
            for key in ("id", "deleted", "isEnabled", "maxChats", "maxAsyncChats", "permissionGroups"):
                row[key] = quoted(row[key])
            row["memberOf"] = {**row["memberOf"], "agentGroupId": quoted(row["memberOf"]["agentGroupId"])}
        return row

    def agent_group(self, k: int, ts: datetime) -> dict:
        row = {
            **self.faker.record("agent_group", k),
            "id": self.group_id(k),
            "name": f"Group {k}",
            "parentGroupId": None if k == 0 else self.group_id(0),
            "isEnabled": True,
            "deleted": k == self.group_count - 1,
            "dateUpdated": account_time(ts),
        }
        if k % 2 == 1:  # as the Agent Groups API example writes them
            for key in ("id", "deleted", "parentGroupId", "isEnabled"):
                row[key] = quoted(row[key])
        return row

    def status_reason(self, k: int, ts: datetime) -> dict:
        return {
            **self.faker.record("agent_status", k),
            "id": 725_987_312 + 100 * k,
            "text": f"reason {k}",
            "state": "Away",
            "enabled": True,
            "deleted": k == self.status_reason_count - 1,
        }

    def campaign(self, k: int, ts: datetime) -> dict:
        return {
            **self.faker.record("campaign", k),
            "id": 3_300_000 + k,
            "name": f"Campaign {k}",
            "status": "Published" if k != 2 else "Unpublished",
            "isDeleted": k == 2,
            "goalId": 10 + k,
            "engagementIds": [5000 + k, 5100 + k],
        }

    @staticmethod
    def is_deleted(row: dict) -> bool:
        return flag(row.get("deleted")) or flag(row.get("isDeleted"))
