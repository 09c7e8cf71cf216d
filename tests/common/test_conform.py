"""Records are conformed to their schema without loss: converted where lossless, else kept in _sdc_extra."""

from __future__ import annotations

import json
import typing as t

import pytest
from suite_sandbox import Response, Simulator
from tap_common.client import SuiteStream
from tap_common.conform import _Plan
from tap_common.schemas import EXTRA_COLUMN, FREE_OBJECT, schema_problems, with_extra

from tests.common.toy import ToyTap, config_for, sync

SCHEMA = with_extra(
    {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "bounced": {"type": ["boolean", "null"]},
            "count": {"type": ["integer", "null"]},
            "score": {"type": ["number", "null"]},
            "label": {"type": ["string", "null"]},
            "when": {"type": ["string", "null"], "format": "date-time"},
            "payload": FREE_OBJECT,
            "address": {
                "type": ["object", "null"],
                "properties": {"city": {"type": ["string", "null"]}},
            },
            "emails": {
                "type": ["array", "null"],
                "items": {"type": ["object", "null"], "properties": {"email": {"type": ["string", "null"]}}},
            },
            "tags": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
        },
    }
)


def conformed(record: dict) -> tuple[dict, dict]:
    moved: dict[str, t.Any] = {}
    _Plan(SCHEMA).conform(record, moved, "")
    return record, moved


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("true", True),
        ("1", True),
        (0, False),
        (1, True),
    ],
)
def test_boolean_strings_and_numbers_become_the_boolean_they_say(value, expected):
    record, moved = conformed({"id": "a", "bounced": value})
    assert record["bounced"] is expected
    assert moved == {}


def test_false_as_a_string_never_becomes_true():
    record, _ = conformed({"id": "a", "bounced": "false"})
    assert record["bounced"] is False


def test_lossless_conversions_to_the_declared_type():
    record, moved = conformed(
        {"id": "a", "count": "12", "score": "1.5", "label": 12, "tags": [1, True, None]}
    )
    assert record == {"id": "a", "count": 12, "score": 1.5, "label": "12", "tags": ["1", "true", None]}
    assert moved == {}
    record, _ = conformed({"id": "a", "count": 3.0})
    assert record["count"] == 3 and type(record["count"]) is int


def test_values_that_do_not_fit_move_to_extra_and_the_field_becomes_null():
    record, moved = conformed(
        {"id": "a", "bounced": "maybe", "count": 2.5, "when": "soon", "label": {"x": 1}, "tags": "one"}
    )
    assert record == {"id": "a", "bounced": None, "count": None, "when": None, "label": None, "tags": None}
    assert moved == {"bounced": "maybe", "count": 2.5, "when": "soon", "label": {"x": 1}, "tags": "one"}


def test_undeclared_keys_at_any_depth_move_to_extra_by_path():
    record, moved = conformed(
        {
            "id": "a",
            "new_field": [1, 2],
            "address": {"city": "Oslo", "zip4": "1234"},
            "emails": [{"email": "a@x.test"}, {"email": "b@x.test", "kind": "work"}],
            "payload": {"anything": {"goes": True}},
        }
    )
    assert moved == {"new_field": [1, 2], "address.zip4": "1234", "emails[1].kind": "work"}
    assert record["address"] == {"city": "Oslo"}
    assert record["emails"][1] == {"email": "b@x.test"}
    assert record["payload"] == {"anything": {"goes": True}}  # free-form: kept whole


def test_values_of_the_declared_type_pass_untouched():
    record = {
        "id": "a",
        "bounced": True,
        "count": 3,
        "score": 2,
        "when": "2024-01-01T00:00:00Z",
        "tags": ["x"],
    }
    same, moved = conformed(dict(record))
    assert same == record
    assert moved == {}


def test_schema_problems_name_each_broken_convention():
    bad = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["a", "b"]},
            "blob": {"type": ["object", "null"], "properties": {}},
            "mixed": {
                "type": ["object", "null"],
                "properties": {"a": {"type": ["string", "null"]}},
                "additionalProperties": True,
            },
        },
    }
    problems = schema_problems(bad, key_properties=("id",))
    assert problems == [
        "no '_sdc_extra' property",
        "status: not nullable",
        "status: enum (declare a string, name the values in the description)",
        "blob: empty 'properties' (a free-form object has none)",
        "mixed: declared properties and additionalProperties (extra keys go to _sdc_extra)",
    ]
    assert schema_problems(SCHEMA, key_properties=("id",)) == []


# -- end to end: what a target receives -------------------------------------------------------


class WidgetAPI(Simulator):
    """One page of widgets as an API that quotes booleans and adds undocumented keys sends them."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/widgets", lambda request, match: Response(200, {"data": WIDGETS}))


WIDGETS = [
    {"id": "w1", "bounced": "false", "count": "7", "payload": {"k": {"deep": 1}}, "surprise": "kept"},
    {"id": "w2", "bounced": "true", "count": "n/a", "address": {"city": "Rome", "floor": 3}},
]


class Widgets(SuiteStream):
    name = "widgets"
    path = "/widgets"
    primary_keys = ("id",)
    schema = SCHEMA


class WidgetTap(ToyTap):
    name = "tap-widget"

    def discover_streams(self) -> list[SuiteStream]:
        return [Widgets(self)]


@pytest.fixture
def widget_url(serve):
    return serve(WidgetAPI()).url


def test_a_target_receives_typed_values_and_every_undeclared_value_in_extra(widget_url):
    result = sync(config_for(widget_url), tap_class=WidgetTap)
    assert result.exit_code == 0, result.output
    first, second = result.records
    assert first["bounced"] is False and first["count"] == 7
    assert first[EXTRA_COLUMN] == {"surprise": "kept"}
    assert second["bounced"] is True and second["count"] is None
    assert second[EXTRA_COLUMN] == {"count": "n/a", "address.floor": 3}
    # One WARNING for the stream at the end of the run, naming the fields (not their values).
    warnings = [line for line in result.output.splitlines() if "kept in _sdc_extra" in line]
    assert warnings == [
        "WARNING tap-widget widgets: fields the schema does not declare, or values of another type, "
        "kept in _sdc_extra: address.floor (1), count (1), surprise (1)"
    ]
    assert "Ignoring" not in result.output  # the SDK's silent-drop warning is gone


def test_with_flattening_every_value_lands_in_a_declared_column(widget_url):
    result = sync(
        {**config_for(widget_url), "flattening_enabled": True, "flattening_max_depth": 1}, tap_class=WidgetTap
    )
    assert result.exit_code == 0, result.output
    schema = next(
        json.loads(line)["schema"]
        for line in result.output.splitlines()
        if line.startswith('{"type":"SCHEMA"')
    )
    columns = set(schema["properties"])
    for record in result.records:
        assert set(record) <= columns, set(record) - columns
    first, second = result.records
    # Free-form objects and _sdc_extra become JSON text columns instead of vanishing.
    assert json.loads(first["payload"]) == {"k": {"deep": 1}}
    assert json.loads(first[EXTRA_COLUMN]) == {"surprise": "kept"}
    assert second["address__city"] == "Rome"
