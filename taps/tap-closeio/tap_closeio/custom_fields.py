"""Custom fields: from Close's `custom.cf_*` keys to named, typed schema properties.

Naming rule: `custom_` + the field's name in snake_case (lowercase; every run of
characters other than a-z/0-9 becomes one `_`; no leading/trailing `_`), e.g.
"Annual Revenue" -> `custom_annual_revenue`, "Notes (short)" -> `custom_notes_short`.
The `custom_` prefix keeps a field called "Status" from clashing with the built-in
`status_*` columns. When two fields give the same name, a name is empty, or a name is
already a built-in property, each clashing one gets its id appended: `custom_region_cf_abc123`.

The definitions come from `/custom_field_schema/{lead,contact,opportunity}/`, which lists an
object type's regular and shared fields (`/custom_field/lead/` omits the shared ones), and
from each custom activity type's `fields` (`/custom_activity/`).
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

# Close field types -> JSON Schema; anything else (text, choices, user, contact, hidden,
# url, custom_object...) is a string: Close sends those values as strings or ids.
_TYPES: dict[str, dict[str, t.Any]] = {
    "number": {"type": ["number", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
}
_TEXT: dict[str, t.Any] = {"type": ["string", "null"]}


def snake_case(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class CustomField:
    id: str
    name: str
    type: str
    multiple: bool
    property_name: str

    def json_schema(self) -> dict[str, t.Any]:
        item = dict(_TYPES.get(self.type, _TEXT))
        description = f"Custom field '{self.name}' ({self.id}, {self.type})"
        if self.multiple:
            return {"type": ["array", "null"], "items": item, "description": description}
        return {**item, "description": description}


class CustomFieldMap:
    """The custom fields of one object type, read once per run."""

    def __init__(self, definitions: t.Iterable[dict], *, reserved: t.Iterable[str] = ()) -> None:
        unique: dict[str, dict] = {}
        for definition in definitions:
            if definition.get("id") and definition["id"] not in unique:
                unique[definition["id"]] = definition
        taken = set(reserved)
        base = {i: "custom_" + snake_case(str(d.get("name") or "")) for i, d in unique.items()}
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
                i
                for i, n in names.items()
                if i not in suffixed and (counts[n] > 1 or n == "custom_" or n in taken)
            }
            if not clashing:
                break
            suffixed |= clashing
        self.fields: dict[str, CustomField] = {
            i: CustomField(
                id=i,
                name=str(d.get("name") or ""),
                type=str(d.get("type") or "text"),
                multiple=bool(d.get("accepts_multiple_values")),
                property_name=names[i],
            )
            for i, d in unique.items()
        }

    def properties(self) -> dict[str, dict[str, t.Any]]:
        """JSON Schema properties, one per custom field."""
        return {f.property_name: f.json_schema() for f in self.fields.values()}

    def selectors(self) -> list[str]:
        """The `custom.<id>` names that ask Close's search for these fields' values."""
        return [f"custom.{i}" for i in self.fields]

    def unknown(self, record: dict) -> dict:
        """The `custom.cf_*` keys of fields created after discovery (no column yet): a stream
        keeps them as they are, so conformance moves them into `_sdc_extra`."""
        return {
            k: v
            for k, v in record.items()
            if k.startswith("custom.") and k[len("custom.") :] not in self.fields
        }

    def apply(self, record: dict) -> dict:
        """Move `custom.cf_x` values to their named properties; drop raw custom keys."""
        out = {}
        for key, value in record.items():
            if key.startswith("custom."):
                field = self.fields.get(key[len("custom.") :])
                if field is not None:  # unknown ones: see `unknown`
                    out[field.property_name] = _normalise(field, value)
            elif key != "custom":  # the deprecated name-keyed copy of the same values
                out[key] = value
        return out


def _normalise(field: CustomField, value: t.Any) -> t.Any:
    if field.multiple and value is not None and not isinstance(value, list):
        return [value]
    if field.type == "number" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # kept: conformance moves it to _sdc_extra rather than losing it
    if value == "" and field.type in ("number", "date", "datetime"):
        return None
    return value
