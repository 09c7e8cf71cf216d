"""OpenAPI 3 schema objects -> the suite's JSON Schema conventions (see tap_common.schemas).

- `$ref` resolved (cycles cut to a free-form object), `allOf` merged;
- `nullable: true` / `type: [.., "null"]` kept, and every property made nullable (an API may
  send null for anything; a key property is the one exception, chosen by the caller);
- `enum` dropped (a new value must not fail a load), its values named in the description;
- formats kept only where targets type columns by them (`date-time`, `date`);
- an object without documented properties becomes a free-form object (no `properties`
  key), one with properties drops `additionalProperties` (undeclared keys go to `_sdc_extra`);
- `oneOf`/`anyOf` of one concrete type collapses to it, of several to their union (or a
  free-form value when they disagree on structure).
"""

from __future__ import annotations

import copy
import re
import typing as t

from tap_common.schemas import EXTRA_COLUMN, EXTRA_PROPERTY

_KEEP_FORMATS = {"date-time", "date"}
_HTML = re.compile(r"<[^>]+>")


def clean_description(text: str | None, limit: int = 300) -> str | None:
    if not text:
        return None
    text = " ".join(_HTML.sub("", text).split())
    return (text[: limit - 3] + "...") if len(text) > limit else (text or None)


class Converter:
    """Converts schema objects of one OpenAPI document."""

    def __init__(self, document: dict[str, t.Any]) -> None:
        self.document = document

    def resolve(self, ref: str) -> dict[str, t.Any]:
        node: t.Any = self.document
        for part in ref.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def merged(self, schema: dict[str, t.Any], seen: tuple[str, ...]) -> dict[str, t.Any] | None:
        """`schema` with `$ref` and `allOf` folded in; None when a reference cycles."""
        schema = dict(schema)
        if ref := schema.pop("$ref", None):
            if ref in seen:
                return None
            target = self.merged(self.resolve(ref), (*seen, ref))
            if target is None:
                return None
            schema = {**target, **schema}
        if parts := schema.pop("allOf", None):
            merged: dict[str, t.Any] = {}
            for part in parts:
                resolved = self.merged(part, seen)
                if resolved is None:
                    continue
                properties = {**merged.get("properties", {}), **resolved.get("properties", {})}
                merged = {**merged, **resolved}
                if properties:
                    merged["properties"] = properties
            schema = {**merged, **schema}
        return schema

    def convert(
        self, schema: dict[str, t.Any], *, seen: tuple[str, ...] = (), nullable: bool = True
    ) -> dict[str, t.Any]:
        resolved = self.merged(schema, seen)
        if resolved is None:
            return {"type": ["object", "null"], "description": "Recursive structure, kept as JSON."}
        refs = (*seen, schema["$ref"]) if "$ref" in schema else seen
        out: dict[str, t.Any] = {}
        for key in ("oneOf", "anyOf"):
            if options := resolved.get(key):
                return self._union([self.convert(o, seen=refs) for o in options], resolved, nullable)
        kind = resolved.get("type")
        types = [kind] if isinstance(kind, str) else list(kind or [])
        if not types:
            if "properties" in resolved:
                types = ["object"]
            elif "items" in resolved:
                types = ["array"]
        if resolved.get("nullable") or nullable or not types:
            types = [*types, "null"] if "null" not in types else types
        description = clean_description(resolved.get("description"))
        if enum := [v for v in resolved.get("enum") or () if v is not None]:
            listed = ", ".join(map(str, enum))
            description = f"{description} One of: {listed}." if description else f"One of: {listed}."
        if [k for k in types if k != "null"]:
            out["type"] = types[0] if len(types) == 1 else types
        elif resolved.get("type") == "null" or resolved.get("type") == ["null"]:
            out["type"] = "null"  # the null option of a `oneOf: [X, {type: null}]`
        if description:
            out["description"] = description
        if resolved.get("format") in _KEEP_FORMATS and "string" in types:
            out["format"] = resolved["format"]
        if "object" in types:
            properties = resolved.get("properties") or {}
            if properties:
                out["properties"] = {name: self.convert(spec, seen=refs) for name, spec in properties.items()}
        if "array" in types:
            items = resolved.get("items") or {}
            out["items"] = self.convert(items, seen=refs) if items else {}
        if "type" not in out:
            # Anything at all: no type constraint, so any JSON value passes.
            out.pop("format", None)
        return out

    def _union(
        self, options: list[dict[str, t.Any]], resolved: dict[str, t.Any], nullable: bool
    ) -> dict[str, t.Any]:
        concrete = [o for o in options if o.get("type") not in ("null", ["null"])]
        description = clean_description(resolved.get("description"))
        if len(concrete) == 1:
            result = dict(concrete[0])
        else:
            kinds: list[str] = []
            for option in concrete:
                kind = option.get("type")
                for k in [kind] if isinstance(kind, str) else list(kind or []):
                    if k != "null" and k not in kinds:
                        kinds.append(k)
            structured = [o for o in concrete if o.get("properties") or o.get("items")]
            if structured or not kinds:
                result = {}  # options of different shape: any JSON value
            else:
                result = {"type": kinds}
        kind = result.get("type")
        if kind is not None and (nullable or resolved.get("nullable")):
            kinds = [kind] if isinstance(kind, str) else list(kind)
            if "null" not in kinds:
                result["type"] = [*kinds, "null"]
        if description and "description" not in result:
            result["description"] = description
        return result


def stream_schema(
    properties: dict[str, dict[str, t.Any]], *, key_properties: t.Sequence[str] = ()
) -> dict[str, t.Any]:
    """A stream's schema: the given properties (keys made non-null) plus `_sdc_extra`."""
    properties = copy.deepcopy(properties)
    for key in key_properties:
        spec = properties.get(key)
        if spec and isinstance(spec.get("type"), list):
            kinds = [k for k in spec["type"] if k != "null"]
            spec["type"] = kinds[0] if len(kinds) == 1 else kinds
    properties[EXTRA_COLUMN] = dict(EXTRA_PROPERTY)
    return {"type": "object", "properties": properties}
