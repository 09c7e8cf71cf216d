"""Records generated from a vendor's documented resource schema, not from a tap's schema.

Each simulator's resource schemas are derived from the vendor's own spec by a script in
`scripts/specs/` and committed as `suite_sandbox/resources/<api>.json` (JSON Schema, one
entry per resource). `fake_record` fills every documented field with a deterministic,
realistic value for its type, format and name (nulls where the API may send null, lists of
0-3 items, nested objects to the spec's depth); the simulator then overwrites what it
controls (ids, timestamps, foreign keys, filters' columns). `with_undocumented` adds keys
no spec documents, as real APIs do, so a tap that drops what it does not declare fails.
"""

from __future__ import annotations

import json
import random
import string
import typing as t
import uuid
from datetime import datetime, timedelta, timezone
from functools import cache
from importlib import resources

#: Keys no vendor documents, added to some records (real APIs send such keys).
UNDOCUMENTED_KEYS = ("x_sandbox_undocumented", "x_sandbox_flag")

_BASE_TIME = datetime(2024, 1, 1, tzinfo=timezone.utc)
_WORDS = (
    "alpha", "bravo", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper",
    "kestrel", "lumen", "meadow", "nectar", "orbit", "prairie", "quartz", "rivet", "summit", "tundra",
)  # fmt: skip


@cache
def load_resources(api: str) -> dict[str, dict[str, t.Any]]:
    """The committed resource schemas of one API (`suite_sandbox/resources/<api>.json`)."""
    text = resources.files("suite_sandbox").joinpath("resources", f"{api}.json").read_text()
    return json.loads(text)


def _types(schema: t.Mapping[str, t.Any]) -> list[str]:
    kind = schema.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def _text(rng: random.Random, name: str, max_length: int | None) -> str:
    lowered = name.lower()
    n = rng.randrange(10_000)
    if "email" in lowered:
        value = f"{rng.choice(_WORDS)}{n}@example.test"
    elif "phone" in lowered or lowered.endswith(("mobile", "fax")):
        value = f"+1 555 {n:04d}"
    elif "url" in lowered or "link" in lowered or "href" in lowered:
        value = f"https://example.test/{rng.choice(_WORDS)}/{n}"
    elif lowered.endswith("name") or lowered in ("title", "label", "subject"):
        value = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()}"
    elif lowered.endswith(("id", "_ids")) or lowered == "id":
        value = "".join(rng.choices(string.ascii_lowercase + string.digits, k=12))
    else:
        value = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4)))
    return value[:max_length] if max_length else value


def _string(schema: t.Mapping[str, t.Any], rng: random.Random, name: str) -> str:
    if enum := [v for v in schema.get("enum") or () if v is not None]:
        return rng.choice(enum)
    fmt = schema.get("format")
    when = _BASE_TIME + timedelta(seconds=rng.randrange(365 * 86400))
    if fmt == "date-time":
        return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if fmt == "date":
        return when.date().isoformat()
    if fmt == "time":
        return when.strftime("%H:%M:%S")
    if fmt == "email":
        return _text(rng, "email", None)
    if fmt in ("uri", "url"):
        return _text(rng, "url", None)
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128)))
    return _text(rng, name, schema.get("maxLength"))


def fake_value(
    schema: t.Mapping[str, t.Any],
    rng: random.Random,
    *,
    name: str = "",
    null_rate: float = 0.1,
    depth: int = 0,
) -> t.Any:
    """A value of `schema` (JSON Schema), deterministic for the state of `rng`."""
    options = schema.get("oneOf") or schema.get("anyOf")
    if options:
        concrete = [o for o in options if _types(o) != ["null"]] or options
        return fake_value(rng.choice(concrete), rng, name=name, null_rate=null_rate, depth=depth)
    if "allOf" in schema:
        merged: dict[str, t.Any] = {}
        for part in schema["allOf"]:
            merged = {
                **merged,
                **part,
                "properties": {**merged.get("properties", {}), **part.get("properties", {})},
            }
        return fake_value(merged, rng, name=name, null_rate=null_rate, depth=depth)
    types = _types(schema) or ["string"]
    if "null" in types and rng.random() < null_rate:
        return None
    kind = next((k for k in types if k != "null"), "null")
    if kind == "null":
        return None
    if kind == "string":
        return _string(schema, rng, name)
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        high = int(schema.get("maximum", max(low, 0) + 1000))
        return rng.randint(low, max(low, high))
    if kind == "number":
        low = float(schema.get("minimum", 0))
        return round(rng.uniform(low, low + 1000), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        if depth > 4:
            return []
        items = schema.get("items") or {"type": "string"}
        count = rng.randint(0, 3)
        return [fake_value(items, rng, name=name, null_rate=0.0, depth=depth + 1) for _ in range(count)]
    if kind == "object":
        properties = schema.get("properties")
        if not properties:
            # A free-form object: a few keys of mixed types, as such fields carry.
            return {
                f"{rng.choice(_WORDS)}_{i}": rng.choice([rng.randrange(100), rng.choice(_WORDS), True])
                for i in range(rng.randint(1, 3))
            }
        if depth > 4:
            return {}
        return {
            key: fake_value(spec, rng, name=key, null_rate=null_rate, depth=depth + 1)
            for key, spec in properties.items()
        }
    return None


def fake_record(
    schema: t.Mapping[str, t.Any], rng: random.Random, *, null_rate: float = 0.1
) -> dict[str, t.Any]:
    """Every documented top-level field of a resource, filled (the simulator then overwrites
    ids, timestamps and the fields its filters read)."""
    value = fake_value({**schema, "type": "object"}, rng, null_rate=null_rate)
    return value if isinstance(value, dict) else {}


def with_undocumented(record: dict[str, t.Any], rng: random.Random, *, rate: float = 0.2) -> dict[str, t.Any]:
    """Add a key no spec documents to a share of records (deterministic for `rng`)."""
    if rng.random() < rate:
        record[UNDOCUMENTED_KEYS[0]] = rng.choice(_WORDS)
    if rng.random() < rate / 2:
        record[UNDOCUMENTED_KEYS[1]] = rng.random() < 0.5
    return record
