"""The per-record hot path: conforming a record to its schema and writing it to stdout.

The SDK walks every field of every record against its schema (about 55 µs a record) and
flushes stdout after every message. Records parsed from JSON need almost none of that walk,
so the conformance here compiles each schema once into a plan that visits only the fields
that can need a change; and the writer serialises with msgspec and flushes only after
messages other than RECORD, which keeps every STATE behind the records it covers.
"""

from __future__ import annotations

import atexit
import datetime
import decimal
import sys
import typing as t
from functools import cached_property

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._typing import (
    _conform_primitive_property,
    _is_exclusive_boolean_type,
    _warn_unmapped_properties,
    is_object_type,
    is_uniform_list,
)
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.messages import RecordMessage, SingerMessageType

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from singer_sdk.singerlib.encoding.simple import Message

# Values of these types come out of a JSON parser and pass through conformance unchanged
# (float is not here: NaN and infinity become null).
_JSON_NATIVE = frozenset({str, int, bool, type(None), dict, list})
_NEEDS_CONVERSION = (datetime.date, datetime.time, datetime.timedelta, bytes, float, decimal.Decimal)


class _Plan:
    """What conforming a record of one object schema involves, worked out once."""

    __slots__ = ("additional", "booleans", "keys", "lists", "nested", "properties")

    def __init__(self, schema: dict) -> None:
        self.properties: dict[str, dict] = schema.get("properties") or {}
        self.keys = frozenset(self.properties)
        self.additional = bool(schema.get("additionalProperties"))
        self.booleans = tuple(n for n, s in self.properties.items() if _is_exclusive_boolean_type(s))
        self.nested: dict[str, _Plan] = {}
        self.lists: dict[str, tuple[_Plan | None, dict]] = {}
        for name, spec in self.properties.items():
            if is_uniform_list(spec):
                items = spec["items"]
                item_plan = _Plan(items) if is_object_type(items) and "properties" in items else None
                self.lists[name] = (item_plan, items)
            elif is_object_type(spec) and "properties" in spec:
                self.nested[name] = _Plan(spec)

    def conform(self, record: dict, unmapped: list[str], parent: str | None) -> dict:
        if not self.additional and not record.keys() <= self.keys:
            for name in record.keys() - self.keys:
                unmapped.append(name if parent is None else f"{parent}.{name}")
            record = {k: v for k, v in record.items() if k in self.keys}
        for name in self.booleans:
            value = record.get(name)
            if value is not None:
                record[name] = value != 0
        for name, plan in self.nested.items():
            value = record.get(name)
            if isinstance(value, dict):
                record[name] = plan.conform(value, unmapped, name if parent is None else f"{parent}.{name}")
        for name, (item_plan, item_schema) in self.lists.items():
            value = record.get(name)
            if isinstance(value, list) and value:
                path = name if parent is None else f"{parent}.{name}"
                record[name] = [
                    item_plan.conform(item, unmapped, path)
                    if item_plan is not None and isinstance(item, dict)
                    else _conform_value(item, item_schema)
                    for item in value
                ]
        for name, value in record.items():
            if type(value) not in _JSON_NATIVE and isinstance(value, _NEEDS_CONVERSION):
                record[name] = _conform_primitive_property(value, self.properties.get(name, {}))
        return record


def _conform_value(value: t.Any, schema: dict) -> t.Any:
    if type(value) in _JSON_NATIVE or not isinstance(value, _NEEDS_CONVERSION):
        return value
    return _conform_primitive_property(value, schema)


class CompiledConformance:
    """Stream mixin: the SDK's recursive type conformance, compiled once per schema.

    The result equals the SDK's `TypeConformanceLevel.RECURSIVE` for records built from
    JSON (and for datetimes, dates, bytes and NaN the tap's own code adds); the SDK's own
    pass is switched off so records are not walked twice.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @cached_property
    def _conformance_plan(self) -> _Plan:
        return _Plan(self.effective_schema)  # type: ignore[attr-defined]

    @cached_property
    def _everything_selected(self) -> bool:
        return all(self.mask.values())  # type: ignore[attr-defined]

    def _generate_record_messages(self, record: dict) -> Generator[t.Any, None, None]:
        """The SDK's method with the per-record walks compiled away: the selection walk is
        skipped when every property is selected, and conformance follows the plan."""
        if not self._everything_selected:
            pop_deselected_record_properties(record, self.schema, self.mask)  # type: ignore[attr-defined]
        unmapped: list[str] = []
        record = self._conformance_plan.conform(record, unmapped, None)
        if unmapped:
            _warn_unmapped_properties(self.name, tuple(unmapped), self.logger)  # type: ignore[attr-defined]
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


def _flush_at_exit(stream: t.Any) -> None:
    """Write what is still buffered; at exit the reader may be gone or the descriptor closed
    (an in-process run under a test runner whose capture file was closed): nothing to tell."""
    try:
        stream.flush()
    except (OSError, ValueError):
        pass


class BufferedSingerWriter(MsgSpecWriter):
    """Singer messages as msgspec-encoded lines; stdout flushed after each non-RECORD message.

    A STATE (or SCHEMA) message is flushed together with every RECORD before it, so a
    target never sees a bookmark whose records are still in our buffer; records after the
    last STATE are re-read by a rerun from that state.
    """

    _target: t.Any = None
    _stream: t.Any = None

    def _stdout(self) -> t.Any:
        """A 64 KiB buffer over the real stdout (which may be unbuffered: PYTHONUNBUFFERED
        would cost a syscall per record); plain `sys.stdout` when it is not a file (tests
        capturing output). Re-resolved when `sys.stdout` is replaced."""
        if sys.stdout is not self._target:
            if self._stream is not None:
                self._stream.flush()
            self._target = sys.stdout
            try:
                fileno = sys.stdout.fileno()
            except (AttributeError, OSError, ValueError):
                self._stream = None
            else:
                sys.stdout.flush()
                self._stream = open(fileno, "wb", buffering=1 << 16, closefd=False)
                atexit.register(_flush_at_exit, self._stream)
        return self._stream

    def write_message(self, message: Message) -> None:
        line = self.format_message(message)
        stream = self._stdout()
        if stream is None:
            sys.stdout.write(line.decode())
            return
        stream.write(line)
        if message.type != SingerMessageType.RECORD:
            stream.flush()
