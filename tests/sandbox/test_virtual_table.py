"""The sandbox's generated tables answer queries exactly like a list of real rows would."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from suite_sandbox import VirtualTable
from suite_sandbox.data import DEFAULT_START


def make(i, rng, ts):
    return {"id": i, "value": rng.random(), "ts": ts}


def brute_force(table: VirtualTable, since, until, inclusive: bool) -> list[int]:
    rows = sorted(range(table.n), key=lambda i: (table.timestamp(i), i))
    return [
        i
        for i in rows
        if (since is None or (table.timestamp(i) >= since if inclusive else table.timestamp(i) > since))
        and (until is None or table.timestamp(i) < until)
    ]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(0, 60),
    touched=st.lists(st.integers(0, 59), max_size=10),
    since=st.one_of(st.none(), st.integers(-3, 70)),
    until=st.one_of(st.none(), st.integers(-3, 80)),
    inclusive=st.booleans(),
    offset=st.integers(0, 70),
    limit=st.integers(1, 30),
)
def test_select_matches_a_sorted_filter_of_every_row(n, touched, since, until, inclusive, offset, limit):
    table = VirtualTable("t", n, make, step=timedelta(minutes=1))
    table.touch([i for i in touched if i < n])
    since_ts = None if since is None else DEFAULT_START + timedelta(minutes=since)
    until_ts = None if until is None else DEFAULT_START + timedelta(minutes=until)
    expected = brute_force(table, since_ts, until_ts, inclusive)
    selection = table.select(since_ts, until_ts, inclusive=inclusive)
    assert len(selection) == len(expected)
    assert selection.indices() == expected
    assert selection.indices(offset, limit) == expected[offset : offset + limit]


def test_rows_are_deterministic_and_touching_moves_them_to_the_end():
    first = VirtualTable("leads", 1000, make, seed=7)
    second = VirtualTable("leads", 1000, make, seed=7)
    assert first.row(500) == second.row(500)
    assert first.row(500) != VirtualTable("leads", 1000, make, seed=8).row(500)
    bookmark = first.last_time
    first.touch([3, 400])
    changed = first.select(bookmark, inclusive=False)
    assert changed.indices() == [3, 400]
    assert [row["id"] for row in changed.page()] == [3, 400]


def test_a_million_rows_cost_no_memory_until_read():
    table = VirtualTable("big", 1_000_000, make)
    selection = table.select(DEFAULT_START + timedelta(days=1000))
    assert len(selection) == 1_000_000 - 1000 * 24 * 60 // 7 - 1
    assert len(selection.page(0, 100)) == 100
