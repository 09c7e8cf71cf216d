"""Conforming each record to its stream's schema, compiled once per schema.

The SDK walks every field of every record (about 55 µs a record), drops keys its schema
lacks with a WARNING, and turns any non-zero value of a boolean field into true (so the
string "false" became true). Here each schema is compiled once into a plan that

- keeps every value that fits its declared type as it is (the fast path: one type lookup);
- converts what fits losslessly: "false"/"0"/"no" to false, "12" to 12 for an integer,
  3.0 to 3, 12 to "12" for a string, dates and datetimes from tap code to ISO strings;
- moves everything else into `_sdc_extra` under the field's path: keys the schema does
  not declare, and values that do not fit (the field itself becomes null), so a target
  never refuses a record and nothing is dropped without a trace;
- counts what it moved per field path, for one end-of-run WARNING per stream.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import typing as t
from collections import Counter
from functools import cached_property

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._typing import _conform_primitive_property
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.messages import RecordMessage

from tap_common.schemas import EXTRA_COLUMN

if t.TYPE_CHECKING:
    from collections.abc import Callable, Generator

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}
_ANYTHING = frozenset({str, int, float, bool, dict, list, type(None)})
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INTEGER = re.compile(r"[+-]?\d+")
_FROM_TAP_CODE = (datetime.date, datetime.time, datetime.timedelta, bytes, decimal.Decimal)

#: Marks a value that does not fit (None is a real value).
_UNFIT = object()


def _declared_types(spec: t.Mapping[str, t.Any]) -> list[str] | None:
    """The JSON types a property allows; None when it allows anything."""
    kind = spec.get("type")
    if kind is not None:
        return [kind] if isinstance(kind, str) else list(kind)
    options = spec.get("anyOf") or spec.get("oneOf")
    if options:
        types: list[str] = []
        for option in options:
            option_types = _declared_types(option)
            if option_types is None:
                return None
            types += option_types
        return types
    return None


def _looks_like_date(value: str) -> bool:
    return len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()


def _converter(types: list[str], spec: t.Mapping[str, t.Any]) -> Callable[[t.Any], t.Any]:
    """A function turning a value of an undeclared type into a declared one, or `_UNFIT`."""

    def convert(value: t.Any) -> t.Any:
        if isinstance(value, _FROM_TAP_CODE) or (isinstance(value, float) and not math.isfinite(value)):
            value = _conform_primitive_property(value, dict(spec))
            if value is None:
                return None if "null" in types else _UNFIT
        for kind in types:
            if isinstance(value, _PYTHON_TYPES.get(kind, ())) and not (
                kind in ("integer", "number") and isinstance(value, bool)
            ):
                return value
            if kind == "boolean":
                if isinstance(value, str):
                    text = value.strip().lower()
                    if text in _TRUE:
                        return True
                    if text in _FALSE:
                        return False
                elif isinstance(value, int) and value in (0, 1):
                    return bool(value)
            elif kind == "integer":
                if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
                    return int(value)
                if isinstance(value, float) and value.is_integer():
                    return int(value)
            elif kind == "number" and isinstance(value, str):
                try:
                    number = float(value)
                except ValueError:
                    continue
                if math.isfinite(number):
                    return number
            elif kind == "string" and isinstance(value, (int, float)):
                return ("true" if value else "false") if isinstance(value, bool) else str(value)
        return _UNFIT

    return convert


class _Field:
    """How one declared property is conformed."""

    __slots__ = ("accepted", "convert", "dates", "item", "plan")

    def __init__(self, spec: t.Mapping[str, t.Any]) -> None:
        types = _declared_types(spec)
        if types is None:
            self.accepted = _ANYTHING
        else:
            self.accepted = frozenset(py for kind in types for py in _PYTHON_TYPES.get(kind, ()))
        self.convert = _converter(types or [], spec)
        # Strings that must be dates: a target checking formats refuses anything else.
        self.dates = spec.get("format") in ("date-time", "date") and types is not None
        self.plan: _Plan | None = None
        self.item: _Field | None = None
        if types is not None and "object" in types and spec.get("properties"):
            self.plan = _Plan(spec)
        items = spec.get("items")
        if types is not None and "array" in types and isinstance(items, dict):
            item = _Field(items)
            if item.accepted is not _ANYTHING or item.plan is not None:
                self.item = item


class _Plan:
    """What conforming a record of one object schema involves, worked out once."""

    __slots__ = ("fields", "open")

    def __init__(self, schema: t.Mapping[str, t.Any]) -> None:
        self.fields = {name: _Field(spec) for name, spec in (schema.get("properties") or {}).items()}
        # An object that declares `additionalProperties` keeps its other keys in place.
        self.open = bool(schema.get("additionalProperties"))

    def conform(self, record: dict, moved: dict[str, t.Any], path: str) -> None:
        """Conform `record` in place; what does not fit goes to `moved` by path."""
        fields = self.fields
        undeclared = None
        for name, value in record.items():
            spec = fields.get(name)
            if spec is None:
                if self.open:
                    continue
                if undeclared is None:
                    undeclared = []
                undeclared.append(name)
                continue
            fixed = _conform_value(spec, value, moved, f"{path}{name}")
            if fixed is not value:
                record[name] = fixed
        if undeclared:
            for name in undeclared:
                moved[f"{path}{name}"] = record.pop(name)


def _conform_value(spec: _Field, value: t.Any, moved: dict[str, t.Any], path: str) -> t.Any:
    kind = type(value)
    if kind not in spec.accepted:
        fixed = spec.convert(value)
        if fixed is _UNFIT:
            moved[path] = value
            return None
        return fixed
    if kind is str:
        if spec.dates and not _looks_like_date(value):
            moved[path] = value
            return None
    elif kind is dict:
        if spec.plan is not None:
            spec.plan.conform(value, moved, f"{path}.")
    elif kind is list and spec.item is not None and value:
        item = spec.item
        for index, element in enumerate(value):
            fixed = _conform_value(item, element, moved, f"{path}[{index}]")
            if fixed is not element:
                value[index] = fixed
    return value


_INDEX = re.compile(r"\[\d+\]")


def field_path_name(path: str) -> str:
    """A moved value's path without list positions: 'contacts[3].nick' -> 'contacts[].nick'."""
    return _INDEX.sub("[]", path)


class CompiledConformance:
    """Stream mixin: conformance compiled once per schema (replaces the SDK's own pass)."""

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @cached_property
    def _conformance_plan(self) -> _Plan:
        return _Plan(self.effective_schema)  # type: ignore[attr-defined]

    @cached_property
    def _everything_selected(self) -> bool:
        return all(self.mask.values())  # type: ignore[attr-defined]

    @cached_property
    def _keeps_extra(self) -> bool:
        """Whether moved values can be kept (the stream declares and selects `_sdc_extra`)."""
        declared = EXTRA_COLUMN in (self.effective_schema.get("properties") or {})  # type: ignore[attr-defined]
        return declared and self.mask.get(("properties", EXTRA_COLUMN), True)  # type: ignore[attr-defined]

    @cached_property
    def moved_fields(self) -> Counter[str]:
        """Field paths moved to `_sdc_extra` (or dropped, without it) this run, with counts."""
        return Counter()

    def conform_record(self, record: dict) -> dict:
        moved: dict[str, t.Any] = {}
        self._conformance_plan.conform(record, moved, "")
        if moved:
            self.moved_fields.update(field_path_name(path) for path in moved)
            if self._keeps_extra:
                record[EXTRA_COLUMN] = moved
        return record

    def moved_fields_summary(self) -> str | None:
        """One line on what this stream's schema could not hold this run, if anything."""
        if not self.moved_fields:
            return None
        where = f"kept in {EXTRA_COLUMN}" if self._keeps_extra else f"DROPPED (no {EXTRA_COLUMN} selected)"
        fields = ", ".join(f"{path} ({count})" for path, count in sorted(self.moved_fields.items()))
        return (
            f"{self.name}: fields the schema does not declare, or values of another type, {where}: {fields}"  # type: ignore[attr-defined]
        )

    def _generate_record_messages(self, record: dict) -> Generator[t.Any, None, None]:
        """The SDK's method with the per-record walks compiled away: the selection walk is
        skipped when every property is selected, and conformance follows the plan."""
        if not self._everything_selected:
            pop_deselected_record_properties(record, self.schema, self.mask)  # type: ignore[attr-defined]
        record = self.conform_record(record)
        extracted = utc_now()
        for stream_map in self.stream_maps:  # type: ignore[attr-defined]
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:  # None: filtered out by the map
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=self._stream_version,  # type: ignore[attr-defined]
                    time_extracted=extracted,
                )
