"""`POST /data/search/` (Close's Advanced Filtering) over the simulator's leads, contacts and
custom objects.

What the simulator accepts of the query language: an `and` of an `object_type` query
(`lead`, `contact`, `custom_object`) and optional `field_condition`s on `date_updated` with a `moment_range`
(`on_or_after` / `before`, `fixed_utc` values); `sort` on `date_updated` ascending; `_limit`
up to 200; `_fields: {<type>: [names]}` (without it, only `__object_type` and `id` come
back, as in Close). Anything else is a 400, so a tap sending what Close would not
understand fails a test.

Cursors are keyset positions (the last `(date_updated, id)` returned), so objects edited
between two pages are not skipped (they move after the position). Like Close's, a cursor
expires (`cursor_ttl` seconds after the page that returned it, 30 by default) and one walk
returns at most `search_walk_limit` objects (10,000): past either, the next page is a 400
naming the cursor in `field-errors` (the error's wording is the sandbox's own).
"""

from __future__ import annotations

import base64
import json
import time
import typing as t

from suite_sandbox.data import parse_time
from suite_sandbox.server import Request, Response

if t.TYPE_CHECKING:
    from datetime import datetime

    from suite_sandbox.closeio.simulator import CloseSimulator

SEARCH_LIMIT_CAP = 200


def _bad(message: str, **field_errors: str) -> Response:
    return Response(400, {"errors": [message] if message else [], "field-errors": field_errors})


def _date_bounds(query: dict, kind: str) -> tuple[datetime | None, datetime | None] | str:
    """`(on_or_after, before)` from the query tree, or the reason it is not understood."""
    if query.get("type") != "and" or not isinstance(query.get("queries"), list):
        return "the sandbox understands an 'and' query only"
    since = until = None
    types = []
    for part in query["queries"]:
        if not isinstance(part, dict):
            return "query parts must be objects"
        if part.get("type") == "object_type":
            types.append(part.get("object_type"))
            continue
        field = part.get("field") or {}
        condition = part.get("condition") or {}
        if (
            part.get("type") != "field_condition"
            or field.get("type") != "regular_field"
            or field.get("field_name") != "date_updated"
            or condition.get("type") != "moment_range"
        ):
            return f"unsupported query part: {json.dumps(part)[:120]}"
        try:
            for bound in ("on_or_after", "before"):
                moment = condition.get(bound)
                if moment is None:
                    continue
                if moment.get("type") != "fixed_utc":
                    return f"unsupported moment type: {moment.get('type')}"
                value = parse_time(str(moment.get("value")))
                if bound == "on_or_after":
                    since = value
                else:
                    until = value
        except (AttributeError, ValueError) as exc:
            return f"invalid moment: {exc}"
    if types != [kind]:
        return "exactly one object_type query is needed"
    return since, until


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def search(sim: CloseSimulator, request: Request) -> Response:
    try:
        body = request.json()
    except ValueError:
        return _bad("The request body is not JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("query"), dict):
        return _bad("", query="This field is required.")
    unknown = sorted(set(body) - {"query", "sort", "_limit", "_fields", "cursor", "results_limit"})
    if unknown:
        return _bad(f"Unknown parameter(s): {', '.join(unknown)}")
    kinds = [q.get("object_type") for q in body["query"].get("queries") or () if isinstance(q, dict)]
    tables = {"lead": sim.leads, "contact": sim.contacts, "custom_object": sim.custom_objects}
    kind = next((k for k in kinds if k in tables), None)
    if kind is None:
        return _bad("The sandbox searches leads, contacts and custom objects only.")
    bounds = _date_bounds(body["query"], kind)
    if isinstance(bounds, str):
        return _bad(bounds)
    since, until = bounds
    sort = body.get("sort")
    expected = [
        {
            "direction": "asc",
            "field": {"type": "regular_field", "object_type": kind, "field_name": "date_updated"},
        }
    ]
    if sort is not None and sort != expected:
        return _bad("The sandbox sorts on date_updated ascending only.", sort="Unsupported sort.")
    limit = body.get("_limit", 100)
    if not isinstance(limit, int) or not 0 < limit <= SEARCH_LIMIT_CAP:
        return _bad("", _limit=f"Ensure this value is less than or equal to {SEARCH_LIMIT_CAP}.")
    fields = (body.get("_fields") or {}).get(kind)
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        return _bad("", _fields="A list of field names per object type.")

    walked, after = 0, None
    if cursor := body.get("cursor"):
        try:
            state = json.loads(base64.urlsafe_b64decode(str(cursor).encode()).decode())
        except ValueError:
            return _bad("", cursor="Invalid cursor.")
        if time.time() - state["issued_at"] > sim.cursor_ttl:
            return _bad("", cursor="The cursor has expired. Please restart your search.")
        if state["walked"] >= sim.search_walk_limit:
            return _bad(
                "", cursor=f"You cannot page past {sim.search_walk_limit} results. Please narrow your search."
            )
        walked, after = state["walked"], (parse_time(state["ts"]), state["id"])

    table = tables[kind]
    start = max(since, after[0]) if since and after else (after[0] if after else since)
    selection = sim.select(table, start, until)
    kept: list[int] = []
    offset = 0
    while len(kept) <= limit:
        indices = selection.indices(offset, limit + 1)
        if not indices:
            break
        offset += len(indices)
        for i in indices:
            if after and (table.timestamp(i), sim.record_id(table, i)) <= after:
                continue  # returned on an earlier page of this walk
            kept.append(i)
            if len(kept) > limit:
                break
    more = len(kept) > limit
    rows = table.rows(kept[:limit])
    data = [
        {
            "__object_type": kind,
            "id": row["id"],
            **({k: row[k] for k in fields if k in row} if fields else {}),
        }
        for row in rows
    ]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode(
            {
                "ts": last["date_updated"],
                "id": last["id"],
                "walked": walked + len(rows),
                "issued_at": time.time(),
            }
        )
    return Response(200, {"data": data, "cursor": next_cursor})
