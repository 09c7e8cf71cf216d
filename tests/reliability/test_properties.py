"""Property-based tests (hypothesis) of the taps' own record parsing functions."""

from __future__ import annotations

import itertools
import re
import string
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st
from tap_closeio.custom_fields import CustomFieldMap, snake_case
from tap_five9.report_streams import REPORT_TIME_FORMAT, field_name, local_to_utc, report_windows

UTC = timezone.utc
PACIFIC = ZoneInfo("America/Los_Angeles")
FAST = settings(max_examples=150, deadline=None)

instants = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)

# -- Five9: report windows and Pacific wall-clock times ---------------------------------------


@FAST
@given(
    start=instants,
    span=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=9)),
    hours=st.sampled_from([0.25, 1, 6, 24, 36]),
)
def test_five9_windows_tile_the_range_and_never_cross_an_offset_change(start, span, hours):
    end = start + span
    windows = list(report_windows(start, end, hours, PACIFIC))
    assert windows[0][0] == start and windows[-1][1] == end
    for (_, hi), (next_lo, _) in itertools.pairwise(windows):
        assert hi == next_lo  # contiguous: no gap (loss), no overlap (duplicates)
    for lo, hi in windows:
        assert lo < hi <= lo + timedelta(hours=hours)
        # One UTC offset inside the window: local times in it map to one instant each.
        assert (
            lo.astimezone(PACIFIC).utcoffset() == (hi - timedelta(seconds=1)).astimezone(PACIFIC).utcoffset()
        )


@FAST
@given(moment=instants)
def test_five9_a_pacific_report_time_converts_back_to_its_instant_inside_its_window(moment):
    text = moment.astimezone(PACIFIC).strftime(REPORT_TIME_FORMAT)
    ((lo, hi),) = [
        w
        for w in report_windows(moment - timedelta(hours=3), moment + timedelta(hours=3), 24, PACIFIC)
        if w[0] <= moment < w[1]
    ]
    assert local_to_utc(text, PACIFIC, lo, hi) == moment


column_names = st.text(alphabet=string.ascii_letters + string.digits + " ()-_/#%.", min_size=1, max_size=40)


@FAST
@given(column=column_names)
def test_five9_column_names_become_stable_snake_case(column):
    name = field_name(column)
    assert re.fullmatch(r"([a-z0-9]+(_[a-z0-9]+)*)?", name), name
    assert field_name(name) == name
    assert name.replace("_", "") == "".join(c for c in column.lower() if c.isalnum())


# -- Close: custom field naming ---------------------------------------------------------------

field_names = st.text(alphabet=string.ascii_letters + string.digits + " _-()&/.éü", max_size=25)
definitions = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.text(alphabet=string.ascii_letters + string.digits, min_size=3, max_size=12).map(
                lambda s: f"cf_{s}"
            ),
            "name": field_names,
            "type": st.sampled_from(["text", "number", "date", "datetime", "choices", "user"]),
            "accepts_multiple_values": st.booleans(),
        }
    ),
    max_size=12,
    unique_by=lambda d: d["id"],
)


def _defs(*pairs: tuple[str, str]) -> list[dict]:
    return [{"id": i, "name": n, "type": "text", "accepts_multiple_values": False} for i, n in pairs]


@FAST
@given(defs=definitions)
# A name equal to another field's id-suffixed name (found by this test: both became custom_cf_bbb).
@example(defs=_defs(("cf_aaa", "cf bbb"), ("cf_bbb", "")))
@example(defs=_defs(("cf_aaa", "Region"), ("cf_bbb", "Region"), ("cf_ccc", "Region cf bbb")))
def test_close_custom_field_columns_are_unique_prefixed_snake_case(defs):
    fields = CustomFieldMap(defs).fields
    names = [f.property_name for f in fields.values()]
    assert len(names) == len(set(names)) == len(defs)
    for name in names:
        assert re.fullmatch(r"custom_[a-z0-9]+(_[a-z0-9]+)*", name), name
        assert snake_case(name) == name


@FAST
@given(defs=definitions, data=st.data())
def test_close_apply_moves_every_known_custom_value_and_keeps_other_keys(defs, data):
    mapping = CustomFieldMap(defs)
    values = {
        f"custom.{d['id']}": data.draw(st.one_of(st.none(), st.text(max_size=5), st.integers())) for d in defs
    }
    unknown = {"custom.cf_created_after_discovery": "x"}
    plain = {"id": "lead_1", "display_name": "Acme", "custom": {"Old": 1}}
    out = mapping.apply({**plain, **values, **unknown})
    assert not any(k.startswith("custom.") or k == "custom" for k in out)
    assert {k: out[k] for k in ("id", "display_name")} == {"id": "lead_1", "display_name": "Acme"}
    assert set(out) == {"id", "display_name"} | {f.property_name for f in mapping.fields.values()}
    for field in mapping.fields.values():
        if field.multiple and values[f"custom.{field.id}"] is not None:
            assert isinstance(out[field.property_name], list)


# -- Outreach: JSON:API flattening ------------------------------------------------------------


def _outreach_stream():
    from suite_sandbox.outreach import demo_config
    from tap_outreach.tap import TapOutreach

    config = demo_config("http://127.0.0.1:9")
    config.pop("refresh_token_store")
    return TapOutreach(config=config, validate_config=False).streams["prospects"]


PROSPECTS = _outreach_stream()
keys = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8)
ref = st.fixed_dictionaries({"type": st.just("user"), "id": st.integers(1, 10**6)})
relationship = st.one_of(
    st.fixed_dictionaries({"data": st.none()}),
    st.fixed_dictionaries({"data": ref}),
    st.fixed_dictionaries({"data": st.lists(ref, max_size=4)}),
    st.fixed_dictionaries({"links": st.just({"related": "https://x/y"})}),
    st.fixed_dictionaries({"meta": st.just({"count": 3})}),
)
resources = st.fixed_dictionaries(
    {
        "type": st.just("prospect"),
        "id": st.integers(1, 10**9),
        "attributes": st.dictionaries(
            keys.map(lambda k: f"attr{k}"),
            st.one_of(st.none(), st.integers(), st.text(max_size=5)),
            max_size=5,
        ),
        "relationships": st.dictionaries(keys.map(lambda k: f"rel{k}"), relationship, max_size=5),
    }
)


@FAST
@given(row=resources)
def test_outreach_flattening_keeps_id_attributes_and_every_relationship_id(row):
    record = PROSPECTS.post_process(row)
    assert record["id"] == row["id"]
    for name, value in row["attributes"].items():
        assert record[name] == value
    for name, rel in row["relationships"].items():
        if "data" not in rel:
            assert f"{name}_id" not in record and f"{name}_ids" not in record
        elif isinstance(rel["data"], list):
            assert record[f"{name}_ids"] == [item["id"] for item in rel["data"]]
        else:
            assert record[f"{name}_id"] == (rel["data"]["id"] if rel["data"] else None)
    assert set(record) == {"id", *row["attributes"]} | {
        f"{n}_ids" if isinstance(r["data"], list) else f"{n}_id"
        for n, r in row["relationships"].items()
        if "data" in r
    }
