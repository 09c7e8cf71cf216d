"""Querying one JSON:API collection the way Outreach does.

- `page[size]` (default 50, at most 1000) and a keyset cursor `page[after]` (base64 JSON of
  the sort field, its value and the last id) inside an absolute `links.next`;
- `sort=<field>` / `sort=-<field>` on `id` or any attribute the spec flags sortable;
- `filter[<attribute>]=a..b` (time ranges, `neginf`/`inf` open ends) or `=v1,v2` on
  attributes flagged filterable, `filter[<relationship>][id]=1,2` on relationships the spec
  says can be filtered by id; anything else is a 400 `badFilterParameter`.

Rows are ordered by their collection's time field (`VirtualTable`), so the usual query
(`filter[updatedAt]=<t>..inf&sort=updatedAt`) is a bisection; any other sort or filter
scans the collection (fine at simulator sizes).
"""

from __future__ import annotations

import base64
import json
import typing as t
from dataclasses import dataclass, field

from suite_sandbox.data import iso, parse_time
from suite_sandbox.outreach.records import attribute_schemas, order_field, relationship_schemas

if t.TYPE_CHECKING:
    from datetime import datetime

    from suite_sandbox.data import VirtualTable
    from suite_sandbox.server import Request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class QueryError(Exception):
    """A request the API refuses with 400: (error id, title, detail, parameter)."""

    def __init__(self, ident: str, title: str, detail: str, parameter: str) -> None:
        super().__init__(detail)
        self.ident, self.title, self.detail, self.parameter = ident, title, detail, parameter


@dataclass
class Query:
    collection: str
    size: int
    sort: str
    descending: bool = False
    ranges: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    equals: dict[str, set[str]] = field(default_factory=dict)
    related: dict[str, set[int]] = field(default_factory=dict)
    after: dict[str, t.Any] | None = None

    @property
    def by_time(self) -> bool:
        """Sorted ascending on the collection's own time order (the incremental query)."""
        return self.sort == order_field(self.collection) and not self.descending


def parse_query(collection: str, request: Request) -> Query:
    attributes = attribute_schemas(collection)
    relationships = relationship_schemas(collection)
    size_text = request.param("page[size]", str(DEFAULT_PAGE_SIZE)) or ""
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise QueryError(
            "validationError",
            "Validation Error",
            f"page[size] must be between 1 and {MAX_PAGE_SIZE}.",
            "page[size]",
        )
    sort = request.param("sort") or "id"
    name = sort.removeprefix("-")
    if name != "id" and not attributes.get(name, {}).get("x-sortable"):
        raise QueryError(
            "badSortParameter", "Bad Sort Parameter", f"Cannot sort {collection} by '{sort}'.", "sort"
        )
    query = Query(collection, int(size_text), name, descending=sort.startswith("-"))
    for parameter in request.query:
        if not parameter.startswith("filter["):
            continue
        value = request.param(parameter) or ""
        key = parameter[len("filter[") :].split("]")[0]
        if parameter == f"filter[{key}][id]" and relationships.get(key, {}).get("x-filterable"):
            query.related[key] = {int(v) for v in value.split(",") if v.strip().isdigit()}
        elif parameter == f"filter[{key}]" and attributes.get(key, {}).get("x-filterable"):
            if ".." in value and attributes[key].get("format") == "date-time":
                query.ranges[key] = _time_range(value, parameter)
            else:
                query.equals[key] = set(value.split(","))
        else:
            raise QueryError(
                "badFilterParameter",
                "Bad Filter Parameter",
                f"Cannot filter {collection} by '{parameter}'.",
                parameter,
            )
    after = request.param("page[after]")
    if after:
        query.after = decode_cursor(after)
        if query.after is None or query.after.get("sort") != sort:
            raise QueryError(
                "validationError", "Validation Error", "Invalid page[after] cursor.", "page[after]"
            )
    return query


def _time_range(value: str, parameter: str) -> tuple[datetime | None, datetime | None]:
    low, high = value.split("..", 1)
    try:
        return (
            None if low in ("", "neginf") else parse_time(low),
            None if high in ("", "inf") else parse_time(high),
        )
    except ValueError:
        raise QueryError(
            "validationError", "Validation Error", f"Invalid range for {parameter}.", parameter
        ) from None


def _sort_value(row: dict[str, t.Any], name: str) -> t.Any:
    value = row["attributes"].get(name)
    # Nulls sort first; values of one attribute share a type.
    return (value is not None, value if value is not None else "")


def select_page(table: VirtualTable, query: Query) -> tuple[list[int], bool]:
    """Row numbers of the page `query` asks for, and whether more rows follow."""
    order = order_field(query.collection)
    since, until = query.ranges.get(order, (None, None)) if order else (None, None)
    other_ranges = {k: v for k, v in query.ranges.items() if k != order}

    def matches(i: int) -> bool:
        row = table.row(i)
        for name, (low, high) in other_ranges.items():
            raw = row["attributes"].get(name)
            when = parse_time(raw) if raw else None
            if when is None or (low and when < low) or (high and when >= high):
                return False
        for name, wanted in query.equals.items():
            if str(row["attributes"].get(name)) not in wanted:
                return False
        for name, ids in query.related.items():
            data = row["relationships"].get(name, {}).get("data")
            found = {d.get("id") for d in data} if isinstance(data, list) else {(data or {}).get("id")}
            if not found & ids:
                return False
        return True

    scan = bool(other_ranges or query.equals or query.related)
    where = matches if scan else None
    limit = query.size + 1
    cursor = query.after
    if query.by_time:
        lower = since
        if cursor and cursor.get("value"):
            at = parse_time(cursor["value"])
            lower = at if since is None or at > since else since
        selection = table.select(lower, until, where=where)
        chosen: list[int] = []
        offset = 0
        while len(chosen) < limit and offset < len(selection):
            for i in selection.indices(offset, limit):
                if cursor and (table.timestamp(i), i + 1) <= (parse_time(cursor["value"]), int(cursor["id"])):
                    continue
                chosen.append(i)
            offset += limit
    elif query.sort == "id" and not query.descending and where is None and since is None and until is None:
        start = int(cursor["id"]) if cursor else 0
        chosen = list(range(start, min(table.n, start + limit)))
    else:
        rows = table.select(since, until, where=where).indices()
        if query.sort == "id":
            keyed = [((i + 1,), i) for i in rows]
        else:
            keyed = [((_sort_value(table.row(i), query.sort), i + 1), i) for i in rows]
        keyed.sort(reverse=query.descending)
        if cursor:
            last = _cursor_key(cursor, query.sort)
            keyed = [(k, i) for k, i in keyed if (k < last if query.descending else k > last)]
        chosen = [i for _k, i in keyed[:limit]]
    chosen = chosen[:limit]
    return chosen[: query.size], len(chosen) > query.size


def _cursor_key(cursor: dict[str, t.Any], sort: str) -> tuple:
    if sort == "id":
        return (int(cursor["id"]),)
    return (
        tuple(cursor["value"]) if isinstance(cursor["value"], list) else cursor["value"],
        int(cursor["id"]),
    )


def next_cursor(table: VirtualTable, query: Query, last: int) -> str:
    """The `page[after]` cursor of the row after `last` (keyset: sort value and id)."""
    sort = f"-{query.sort}" if query.descending else query.sort
    if query.by_time:
        value: t.Any = iso(table.timestamp(last), millis=True)
    elif query.sort == "id":
        value = None
    else:
        value = list(_sort_value(table.row(last), query.sort))
    return encode_cursor({"controller": query.collection, "sort": sort, "value": value, "id": last + 1})


def encode_cursor(value: dict[str, t.Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def decode_cursor(text: str) -> dict[str, t.Any] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode()))
        int(value["id"])
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, dict) else None
