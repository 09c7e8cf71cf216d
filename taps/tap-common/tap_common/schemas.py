"""Schema conventions every stream of the suite follows.

- Every stream declares `_sdc_extra` (`EXTRA_PROPERTY`): a JSON object holding what the API
  sent that the schema cannot hold, keyed by the field's path: keys the schema does not
  declare (`"x_new_field"`, `"contacts[0].nickname"`) and values that do not fit their
  declared type (`"bounced": "maybe"`). Nothing the API sends is dropped without a trace.
- A free-form object (no documented properties) is `FREE_OBJECT`, without a `properties`
  key: with `flattening_enabled` the SDK then writes it as one JSON column instead of
  flattening it into columns the schema does not have (which targets drop).
- Every property is nullable, enums are plain strings (a new value must not fail a load).

`schema_problems` checks a schema against these rules; tests run it over every stream.
"""

from __future__ import annotations

import typing as t

EXTRA_COLUMN = "_sdc_extra"

EXTRA_PROPERTY: dict[str, t.Any] = {
    "type": ["object", "null"],
    "description": (
        "What the API sent that this schema does not declare, or that does not fit the "
        "declared type, keyed by field path (e.g. 'contacts[0].nickname')."
    ),
}

FREE_OBJECT: dict[str, t.Any] = {"type": ["object", "null"]}


def with_extra(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """`schema` with the `_sdc_extra` property added (a copy; the input is not changed)."""
    properties = {**schema.get("properties", {}), EXTRA_COLUMN: EXTRA_PROPERTY}
    return {**schema, "properties": properties}


def _types(spec: t.Mapping[str, t.Any]) -> list[str]:
    kind = spec.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def schema_problems(schema: t.Mapping[str, t.Any], *, key_properties: t.Sequence[str] = ()) -> list[str]:
    """What in a stream schema breaks the suite's conventions (empty when none)."""
    problems: list[str] = []
    properties = schema.get("properties") or {}
    if EXTRA_COLUMN not in properties:
        problems.append(f"no '{EXTRA_COLUMN}' property")

    def visit(spec: t.Mapping[str, t.Any], path: str, *, top: bool) -> None:
        types = _types(spec)  # none: any JSON value
        if types and "null" not in types and not (top and path in key_properties):
            problems.append(f"{path}: not nullable")
        if "enum" in spec:
            problems.append(f"{path}: enum (declare a string, name the values in the description)")
        if "object" in types:
            if "properties" in spec and not spec["properties"]:
                problems.append(f"{path}: empty 'properties' (a free-form object has none)")
            if spec.get("properties") and spec.get("additionalProperties"):
                problems.append(
                    f"{path}: declared properties and additionalProperties (extra keys go to _sdc_extra)"
                )
            for name, child in (spec.get("properties") or {}).items():
                visit(child, f"{path}.{name}", top=False)
        if "array" in types and isinstance(spec.get("items"), dict):
            visit(spec["items"], f"{path}[]", top=False)

    for name, spec in properties.items():
        if name != EXTRA_COLUMN:
            visit(spec, name, top=True)
    return problems
