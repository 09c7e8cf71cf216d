"""`GET /event/`: Close's event log, newest first, 30 days kept, cursor pages.

- `_limit` defaults to and is capped at 50; `_skip` is refused.
- Filters (`object_type`, `object_id`, `action`, `lead_id`, `user_id`, `request_id`) only in
  the combinations Close documents; `date_updated__gte/gt/lt/lte` with any of them.
- `cursor_next` means "events before this one": a cursor page repeats the other filters (as
  Close requires) but no date range, so it keeps going past the first page's lower bound,
  down to the retention floor. A tap must stop reading there itself.
- Generated events are `created`/`updated` ones; `deleted` events come from
  `CloseSimulator.delete` and carry the object's last state in `previous_data`.
"""

from __future__ import annotations

import base64
import json
import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import parse_time
from suite_sandbox.server import Request, Response

if t.TYPE_CHECKING:
    from suite_sandbox.closeio.simulator import CloseSimulator

EVENT_RETENTION = timedelta(days=30)
EVENT_CAP = 50
FILTERS = ("object_type", "object_id", "action", "lead_id", "user_id", "request_id")
#: The documented filter combinations (date_updated may join any of them).
COMBINATIONS = {
    frozenset(),
    frozenset({"object_type", "object_id"}),
    frozenset({"object_type", "action"}),
    frozenset({"object_id", "action"}),
    frozenset({"lead_id", "object_type"}),
    frozenset({"lead_id", "object_type", "action"}),
    frozenset({"lead_id", "user_id", "object_type"}),
    frozenset({"lead_id", "user_id", "object_type", "action"}),
    frozenset({"lead_id", "user_id"}),
    frozenset({"user_id", "object_id"}),
    frozenset({"user_id", "object_id", "action"}),
    frozenset({"user_id", "object_type"}),
    frozenset({"user_id", "object_type", "action"}),
    frozenset({"lead_id"}),
    frozenset({"user_id"}),
    frozenset({"request_id"}),
}
#: Generated events' object types and actions, by index (filters need not build rows).
GENERATED_OBJECTS = ("lead", "activity.call", "opportunity", "contact", "task.lead", "activity.email")
GENERATED_ACTIONS = ("created", "updated")


def _bad(message: str) -> Response:
    return Response(400, {"error": message})


def _decode(cursor: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def list_events(sim: CloseSimulator, request: Request) -> Response:
    dates = {f"date_updated__{op}" for op in ("gte", "gt", "lt", "lte")}
    unknown = sorted(set(request.query) - {"_cursor", "_limit", *dates, *FILTERS})
    if "_skip" in request.query:
        return _bad("The event log does not support _skip; use _cursor.")
    if unknown:
        return _bad(f"Invalid filter parameter(s): {', '.join(unknown)}")
    try:
        limit = int(request.param("_limit", str(EVENT_CAP)) or EVENT_CAP)
    except ValueError:
        return _bad("_limit must be an integer")
    if not 0 < limit <= EVENT_CAP:
        return _bad(
            f"The limit you set is larger than the maximum limit for this resource (max_limit = {EVENT_CAP})."
        )
    filters = {name: request.param(name) for name in FILTERS if request.param(name)}
    if frozenset(filters) not in COMBINATIONS:
        return _bad(f"Unsupported combination of filters: {', '.join(sorted(filters))}")
    floor = datetime.now(timezone.utc) - EVENT_RETENTION
    before: tuple[datetime, str] | None = None
    since, until = floor, None
    if cursor := request.param("_cursor"):
        try:
            state = _decode(cursor)
        except ValueError:
            return _bad("Invalid cursor")
        if state["filters"] != filters:
            return _bad("The cursor does not match this query: repeat the same filters.")
        before = (parse_time(state["ts"]), state["id"])
    else:
        try:
            if value := request.param("date_updated__gte") or request.param("date_updated__gt"):
                since = max(parse_time(value), floor)
            if value := request.param("date_updated__lt") or request.param("date_updated__lte"):
                until = parse_time(value)
        except ValueError as exc:
            return _bad(f"Invalid date filter on date_updated: {exc}")
    strict_since = request.param("date_updated__gt") is not None and not before
    inclusive_until = request.param("date_updated__lte") is not None and not before

    def wanted(event: dict) -> bool:
        ts = parse_time(event["date_updated"])
        if ts < since or (strict_since and ts == since):
            return False
        if until is not None and (ts > until or (ts == until and not inclusive_until)):
            return False
        if before is not None and (ts, event["id"]) >= before:
            return False
        return all(event.get(name) == value for name, value in filters.items())

    candidates = [e for e in sim.extra_events if wanted(e)]
    generated: list[dict] = []
    if filters.get("action") in (None, *GENERATED_ACTIONS):
        top = before[0] + timedelta(microseconds=1) if before else until
        if until is not None and inclusive_until and not before:
            top = until + timedelta(microseconds=1)
        where = None
        if "object_type" in filters or "action" in filters:

            def where(i: int) -> bool:
                kind = GENERATED_OBJECTS[i % len(GENERATED_OBJECTS)]
                action = GENERATED_ACTIONS[i % len(GENERATED_ACTIONS)]
                return filters.get("object_type", kind) == kind and filters.get("action", action) == action

        selection = sim.events.select(since, top, where=where)
        if {"object_id", "lead_id", "user_id", "request_id"} & set(filters):
            indices = selection.indices()  # filters on row contents: look at every row
        else:
            # Newest first: the tail of the (oldest-first) selection is enough for one page.
            indices = selection.indices(max(len(selection) - (limit + 2), 0))
        generated = [e for e in sim.events.rows(reversed(indices)) if wanted(e)]
    events = sorted(
        [*candidates, *generated], key=lambda e: (parse_time(e["date_updated"]), e["id"]), reverse=True
    )
    page = events[:limit]
    next_cursor = None
    if len(events) > limit:
        last = page[-1]
        next_cursor = _encode({"ts": last["date_updated"], "id": last["id"], "filters": filters})
    return Response(200, {"data": page, "cursor_next": next_cursor, "cursor_previous": None})
