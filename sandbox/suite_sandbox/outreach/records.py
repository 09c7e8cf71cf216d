"""The Outreach simulator's records: JSON:API resources from Outreach's documented schemas.

Every record starts as a fake of its resource's documented attributes
(`resources/outreach.json`, derived from Outreach's OpenAPI by `scripts/specs/outreach.py`),
with keys no spec documents on some records. The simulator then sets what it controls:
the timestamps (`createdAt`, `updatedAt`; events are also back-dated: `eventAt` before
`createdAt`), soft deletes (`trashedAt` on some records of the resources that have it),
and every relationship the spec documents: a reference to an existing record of its
target type (one of several for polymorphic ones), a list of them for to-many ones, or
only a `links.related` URL where the spec gives no data.

A fake of a big resource (prospects: 230 attributes) costs about a millisecond, so each
collection has a pool of fakes (`VARIANTS`) and row `i` copies one of them.
"""

from __future__ import annotations

import random
import re
import typing as t
from datetime import datetime, timedelta

from suite_sandbox.data import VirtualTable, iso
from suite_sandbox.fake import fake_record, load_resources, with_undocumented

RESOURCES = load_resources("outreach")
VARIANTS = 64
#: Custom fields most organisations leave empty: only the first few carry values.
FILLED_CUSTOM_FIELDS = 5
_CUSTOM = re.compile(r"custom(\d+)$")
#: Share of records of resources with `trashedAt` that are soft deleted.
TRASHED_SHARE = 0.1
#: Share of events whose `eventAt` was set to an earlier time than their creation.
BACKDATED_SHARE = 0.3
#: A relationship no spec documents, on some records (the API adds relationships too).
UNDOCUMENTED_RELATIONSHIP = "xSandboxRelation"
UNDOCUMENTED_RELATIONSHIP_SHARE = 0.1


def resource_type(collection: str) -> str:
    return RESOURCES[collection]["properties"]["type"]["enum"][0]


def attribute_schemas(collection: str) -> dict[str, dict[str, t.Any]]:
    return RESOURCES[collection]["properties"]["attributes"]["properties"]


def relationship_schemas(collection: str) -> dict[str, dict[str, t.Any]]:
    return RESOURCES[collection]["properties"]["relationships"]["properties"]


def order_field(collection: str) -> str | None:
    """The time field the collection's rows are ordered by (its incremental field), if any."""
    attributes = attribute_schemas(collection)
    for name in ("updatedAt", "createdAt", "timestamp"):
        if name in attributes:
            return name
    return None


#: Collection -> rows, as a function of the simulator's size (`records`). Lookups stay small.
def table_sizes(records: int) -> dict[str, int]:
    def few(n: int) -> int:
        return max(1, min(records, n))

    big = {"prospects", "calls", "mailings", "tasks", "events", "sequenceStates", "emailAddresses"}
    sizes = {collection: few(5) for collection in RESOURCES}
    sizes.update({collection: max(1, records) for collection in big})
    sizes.update(
        {
            "accounts": max(1, records // 2),
            "phoneNumbers": max(1, records // 2),
            "opportunities": max(1, records // 4),
            "opportunityProspectRoles": max(1, records // 4),
            "sequenceSteps": max(1, records // 4),
            "accountNotes": max(1, records // 4),
            "prospectNotes": max(1, records // 4),
            "recipients": max(1, records),
            "sequences": few(12),
            "users": few(15),
            "mailboxes": few(15),
            "templates": few(20),
            "sequenceTemplates": few(20),
            "snippets": few(10),
            "teams": few(3),
            "stages": few(6),
            "opportunityStages": few(6),
            "duties": few(6),
        }
    )
    return sizes


class RecordMaker:
    """Builds row `i` of a collection: `{"attributes": ..., "relationships": ...}`."""

    def __init__(self, collection: str, sizes: dict[str, int], seed: int) -> None:
        self.collection = collection
        self.type = resource_type(collection)
        self.sizes = sizes
        self.seed = seed
        self.order_field = order_field(collection)
        self.attributes = attribute_schemas(collection)
        self.relationships = relationship_schemas(collection)
        self._collection_of_type = {resource_type(c): c for c in RESOURCES}
        self._variants: dict[int, dict[str, t.Any]] = {}
        self._relationship_plan = self._plan()
        #: Attributes set by tests (`OutreachSimulator.create`, `.trash`), per row.
        self.overrides: dict[int, dict[str, t.Any]] = {}

    def _variant(self, i: int) -> dict[str, t.Any]:
        key = (i * 7919 + self.seed) % VARIANTS
        if key not in self._variants:
            rng = random.Random(f"{self.seed}:{self.collection}:variant:{key}")
            record = fake_record({"type": "object", "properties": self._readable()}, rng)
            for name in list(record):
                match = _CUSTOM.match(name)
                if match and int(match[1]) > FILLED_CUSTOM_FIELDS:
                    record[name] = None
            self._variants[key] = record
        return self._variants[key]

    def _readable(self) -> dict[str, dict[str, t.Any]]:
        # Write-only attributes (mailbox passwords, ...) are never served.
        return {name: spec for name, spec in self.attributes.items() if not spec.get("writeOnly")}

    def __call__(self, i: int, rng: random.Random, ts: datetime) -> dict[str, t.Any]:
        attributes = dict(self._variant(i))
        self._set_times(attributes, rng, ts)
        self._set_documented_shapes(attributes, rng)
        with_undocumented(attributes, rng)
        attributes.update(self.overrides.get(i, {}))
        relationships = self._relationships(i, rng)
        if rng.random() < UNDOCUMENTED_RELATIONSHIP_SHARE:
            relationships[UNDOCUMENTED_RELATIONSHIP] = {"data": {"type": "user", "id": rng.randint(1, 5)}}
        return {"attributes": attributes, "relationships": relationships}

    @staticmethod
    def _set_documented_shapes(attributes: dict[str, t.Any], rng: random.Random) -> None:
        if attributes.get("contactHistogram") is not None:
            # "The last 12 months of email contact history ... '[inboundCount, outboundCount]'".
            attributes["contactHistogram"] = [[rng.randint(0, 9), rng.randint(0, 30)] for _ in range(12)]

    def _set_times(self, attributes: dict[str, t.Any], rng: random.Random, ts: datetime) -> None:
        order = self.order_field
        if order:
            attributes[order] = iso(ts, millis=True)
        if "createdAt" in attributes and order != "createdAt":
            attributes["createdAt"] = iso(ts - timedelta(days=rng.randint(0, 30), minutes=1), millis=True)
        if "updatedAt" in attributes and order == "createdAt":
            attributes["updatedAt"] = iso(ts, millis=True)
        if "eventAt" in attributes:
            # eventAt is writable: integrations log events that happened earlier.
            back = timedelta(days=rng.randint(1, 60)) if rng.random() < BACKDATED_SHARE else timedelta(0)
            attributes["eventAt"] = iso(ts - back - timedelta(seconds=rng.randint(0, 5)), millis=True)
        if "trashedAt" in attributes:
            trashed = rng.random() < TRASHED_SHARE
            attributes["trashedAt"] = (
                iso(ts - timedelta(minutes=rng.randint(0, 59)), millis=True) if trashed else None
            )

    def _plan(self) -> list[tuple[str, str, tuple[tuple[str, int], ...]]]:
        """Per documented relationship: (name, "one" | "many" | "links", (target type, rows)...)."""
        plan = []
        for name, spec in self.relationships.items():
            properties = spec.get("properties") or {}
            if not properties:
                continue  # documented without a shape: nothing known to serve
            data = properties.get("data")
            if data is None:
                plan.append((name, "links", ()))
                continue
            many = data.get("type") == "array"
            targets = (data["items"] if many else data)["properties"]["type"]["enum"] or [self.type]
            sized = tuple(
                (target, self.sizes.get(self._collection_of_type.get(target, ""), 50)) for target in targets
            )
            plan.append((name, "many" if many else "one", sized))
        return plan

    def _relationships(self, i: int, rng: random.Random) -> dict[str, dict[str, t.Any]]:
        random_ = rng.random
        out: dict[str, dict[str, t.Any]] = {}
        for name, kind, targets in self._relationship_plan:
            links = {"related": f"/api/v2/{self.collection}/{i + 1}/{name}"}
            if kind == "links":
                out[name] = {"links": links}
            elif kind == "many":
                count = (0, 0, 1, 1, 2, 3)[int(random_() * 6)]
                out[name] = {"data": [_reference(targets, random_) for _ in range(count)], "links": links}
            elif name == "sequence" and self.collection == "sequenceSteps":
                # Steps are spread round-robin over the sequences (a real fan-out per parent).
                out[name] = {
                    "data": {"type": "sequence", "id": i % self.sizes["sequences"] + 1},
                    "links": links,
                }
            else:
                out[name] = {
                    "data": None if random_() < 0.2 else _reference(targets, random_),
                    "links": links,
                }
        return out


def _reference(targets: tuple[tuple[str, int], ...], random_: t.Callable[[], float]) -> dict[str, t.Any]:
    target, rows = targets[int(random_() * len(targets))] if len(targets) > 1 else targets[0]
    return {"type": target, "id": int(random_() * max(1, rows)) + 1}


def make_table(collection: str, sizes: dict[str, int], seed: int) -> tuple[VirtualTable, RecordMaker]:
    maker = RecordMaker(collection, sizes, seed)
    return VirtualTable(collection, sizes[collection], maker, seed=seed), maker
