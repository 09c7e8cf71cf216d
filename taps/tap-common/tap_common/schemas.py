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
`SchemaFiles` reads a tap's committed schema files (what `scripts/generate_schemas.py` writes).
"""

from __future__ import annotations

import copy
import json
import typing as t
from functools import cache
from importlib import resources

EXTRA_COLUMN = "_sdc_extra"

EXTRA_PROPERTY: dict[str, t.Any] = {
    "type": ["object", "null"],
    "description": (
        "What the API sent that this schema does not declare, or that does not fit the "
        "declared type, keyed by field path (e.g. 'contacts[0].nickname')."
    ),
}

FREE_OBJECT: dict[str, t.Any] = {"type": ["object", "null"]}


class SchemaFiles:
    """The committed JSON files in one folder of a package, each parsed once per process."""

    def __init__(self, package: str, folder: str = "") -> None:
        self.package = package
        self.folder = folder

    def read(self, file_name: str) -> t.Any:
        """The parsed file, shared by every caller: change a copy (`load`), never this."""
        return _parse(self.package, self.folder, file_name)

    def load(self, name: str) -> dict[str, t.Any]:
        """A copy of the schema `<name>.json` that the caller may add properties to."""
        return copy.deepcopy(self.read(f"{name}.json"))


@cache
def _parse(package: str, folder: str, file_name: str) -> t.Any:
    path = resources.files(package)
    if folder:
        path = path.joinpath(folder)
    return json.loads(path.joinpath(file_name).read_text())


def with_properties(schema: dict[str, t.Any], extra: dict[str, dict[str, t.Any]]) -> dict[str, t.Any]:
    """`schema` with `extra` top-level properties added before `_sdc_extra` (which stays last)."""
    properties = dict(schema["properties"])
    tail = {k: properties.pop(k) for k in (EXTRA_COLUMN,) if k in properties}
    return {**schema, "properties": {**properties, **extra, **tail}}


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
