"""Custom fields: from Close's `custom.cf_*` keys to named, typed schema properties.

Naming rule: `custom_` + the field's name in snake_case (lowercase; every run of
characters other than a-z/0-9 becomes one `_`; no leading/trailing `_`), e.g.
"Annual Revenue" -> `custom_annual_revenue`, "Notes (short)" -> `custom_notes_short`.
The `custom_` prefix keeps a field called "Status" from clashing with the built-in
`status_*` columns. When two fields give the same name (or a name is empty), each clashing
one gets its id appended: `custom_region_cf_abc123`.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from singer_sdk import typing as th

# Close field types -> JSON Schema types; anything unknown (text, choices, user, contact,
# hidden, url...) is a string: Close sends those values as strings or ids.
_TYPES: dict[str, th.JSONTypeHelper] = {
    "number": th.NumberType(),
    "date": th.DateType(),
    "datetime": th.DateTimeType(),
}


def snake_case(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class CustomField:
    id: str
    name: str
    type: str
    multiple: bool
    property_name: str

    def json_type(self) -> th.JSONTypeHelper:
        item = _TYPES.get(self.type, th.StringType())
        return th.ArrayType(item) if self.multiple else item


class CustomFieldMap:
    """The custom fields of one object type (lead or contact), read once per run."""

    def __init__(self, definitions: t.Iterable[dict]) -> None:
        definitions = [d for d in definitions if d.get("id")]
        base = {d["id"]: "custom_" + snake_case(str(d.get("name") or "")) for d in definitions}
        # A suffixed name can equal another field's plain name ("Region cf abc" vs a second
        # "Region" with id cf_abc): suffix until no plain name clashes. Terminates, as the
        # suffixed set only grows.
        suffixed: set[str] = set()
        while True:
            names = {i: f"{n.rstrip('_')}_{snake_case(i)}" if i in suffixed else n for i, n in base.items()}
            counts: dict[str, int] = {}
            for name in names.values():
                counts[name] = counts.get(name, 0) + 1
            clashing = {
                i for i, n in names.items() if i not in suffixed and (counts[n] > 1 or n == "custom_")
            }
            if not clashing:
                break
            suffixed |= clashing
        self.fields: dict[str, CustomField] = {}
        for d in definitions:
            name = names[d["id"]]
            self.fields[d["id"]] = CustomField(
                id=d["id"],
                name=str(d.get("name") or ""),
                type=str(d.get("type") or "text"),
                multiple=bool(d.get("accepts_multiple_values")),
                property_name=name,
            )

    def properties(self) -> list[th.Property]:
        return [
            th.Property(f.property_name, f.json_type(), description=f"Custom field '{f.name}' ({f.id})")
            for f in self.fields.values()
        ]

    def apply(self, record: dict) -> dict:
        """Move `custom.cf_x` values to their named properties; drop raw custom keys."""
        out = {}
        for key, value in record.items():
            if key.startswith("custom."):
                field = self.fields.get(key[len("custom.") :])
                # A field created after discovery has no column yet: it is left out, not leaked.
                if field is not None:
                    out[field.property_name] = _normalise(field, value)
            elif key != "custom":  # the deprecated name-keyed `custom` object
                out[key] = value
        return out


def _normalise(field: CustomField, value: t.Any) -> t.Any:
    if field.multiple and value is not None and not isinstance(value, list):
        return [value]
    if field.type == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    if value == "" and field.type in ("number", "date", "datetime"):
        return None
    return value
