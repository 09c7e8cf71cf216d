"""The Close simulator's request helpers (Close's paging and filters) and CRM list endpoints:
`/lead/`, `/contact/`, `/activity/`, `/task/`, `/opportunity/`, `/user/`."""

from __future__ import annotations

import bisect
import re
import typing as t
from datetime import datetime, timedelta

from suite_sandbox.closeio.records import TASK_TYPES
from suite_sandbox.data import VirtualTable, parse_time
from suite_sandbox.server import Request, Response

DEFAULT_PAGE_CAP = 100


class CrmEndpoints:
    """Mixed into `CloseSimulator`: its tables, caps and `select` are used here."""

    page_caps: dict[str, int]
    max_skip: int
    deleted: dict[str, set[int]]
    leads: VirtualTable
    contacts: VirtualTable
    activities: VirtualTable
    tasks: VirtualTable
    opportunities: VirtualTable
    users: VirtualTable
    select: t.Callable[..., t.Any]
    activity_lead: t.Callable[[int], int]
    task_type: t.Callable[[int], str]

    # -- request helpers ----------------------------------------------------------------

    @staticmethod
    def error(message: str, status: int = 400) -> Response:
        return Response(status, {"error": message})

    def check_params(self, request: Request, allowed: set[str], *, paged: bool = True) -> Response | None:
        paging = {"_skip", "_limit"} if paged else set()
        unknown = sorted(set(request.query) - allowed - paging - {"_fields"})
        if unknown:
            return self.error(f"Invalid filter parameter(s): {', '.join(unknown)}")
        return None

    def paged(
        self, request: Request, resource: str, rows: t.Callable[[int, int], list[dict]], count: int
    ) -> Response:
        """Offset paging with Close's caps; `rows(offset, limit)` returns the page."""
        cap = self.page_caps.get(resource, DEFAULT_PAGE_CAP)
        try:
            skip = int(request.param("_skip", "0") or 0)
            limit = int(request.param("_limit", "100") or 100)
        except ValueError:
            return self.error("_skip and _limit must be integers")
        if limit > cap or limit < 1:
            return self.error(
                f"The limit you set is larger than the maximum limit for this resource (max_limit = {cap})."
            )
        if skip > self.max_skip:
            return self.error(
                "The skip you set is larger than the maximum skip for this resource "
                f"(max_skip = {self.max_skip}). Please refine your search query."
            )
        page = rows(skip, limit)
        if fields := request.param("_fields"):
            wanted = set(fields.split(","))
            page = [
                {
                    k: v
                    for k, v in row.items()
                    if k in wanted or ("custom" in wanted and k.startswith("custom."))
                }
                for row in page
            ]
        return Response(200, {"has_more": skip + len(page) < count, "data": page})

    def selection_page(
        self, request: Request, resource: str, selection: t.Any, *, newest_first: bool = False
    ) -> Response:
        total = len(selection)

        def rows(offset: int, limit: int) -> list[dict]:
            if not newest_first:
                return selection.page(offset, limit)
            end = max(total - offset, 0)
            start = max(end - limit, 0)
            return selection.table.rows(reversed(selection.indices(start, end - start)))

        return self.paged(request, resource, rows, total)

    def index_page(
        self, request: Request, resource: str, table: VirtualTable, indices: list[int]
    ) -> Response:
        return self.paged(request, resource, lambda o, n: table.rows(indices[o : o + n]), len(indices))

    @staticmethod
    def date_range(request: Request, field: str) -> tuple[datetime | None, datetime | None] | Response:
        """`[since, until)` from `<field>__gte/__gt/__lt/__lte` (exclusive ends shifted by 1 µs)."""
        since = until = None
        try:
            if value := request.param(f"{field}__gte"):
                since = parse_time(value)
            elif value := request.param(f"{field}__gt"):
                since = parse_time(value) + timedelta(microseconds=1)
            if value := request.param(f"{field}__lt"):
                until = parse_time(value)
            elif value := request.param(f"{field}__lte"):
                until = parse_time(value) + timedelta(microseconds=1)
        except ValueError as exc:
            return Response(400, {"error": f"Invalid date filter on {field}: {exc}"})
        return since, until

    @staticmethod
    def date_params(*fields: str) -> set[str]:
        return {f"{field}__{op}" for field in fields for op in ("gte", "gt", "lt", "lte")}

    def created_order(
        self, table: VirtualTable, request: Request, where: t.Callable[[int], bool]
    ) -> list[int] | Response:
        """Row numbers in `date_created` order (row number order), filtered on date_created."""
        bounds = self.date_range(request, "date_created")
        if isinstance(bounds, Response):
            return bounds
        since, until = bounds
        lo = 0 if since is None else bisect.bisect_left(range(table.n), since, key=table.base_time)
        hi = table.n if until is None else bisect.bisect_left(range(table.n), until, key=table.base_time)
        deleted = self.deleted[table.name]
        return [i for i in range(lo, hi) if i not in deleted and where(i)]

    # -- CRM endpoints ------------------------------------------------------------------

    def _list_leads(self, request: Request, _match: re.Match) -> Response:
        if error := self.check_params(request, {"query"}):
            return error
        # `query` is deprecated and gone from the reference: ignored, newest first.
        return self.selection_page(request, "lead", self.select(self.leads), newest_first=True)

    def _list_contacts(self, request: Request, _match: re.Match) -> Response:
        if error := self.check_params(request, {"lead_id"}):
            return error
        where = None
        if lead := request.param("lead_id"):
            n = _index(lead)
            where = lambda i: i % max(self.leads.n, 1) == n  # noqa: E731
        return self.selection_page(request, "contact", self.select(self.contacts, where=where))

    def _list_activities(self, request: Request, _match: re.Match) -> Response:
        allowed = {"lead_id", "_order_by", *self.date_params("date_created")}
        if error := self.check_params(request, allowed):
            return error
        order = request.param("_order_by", "-date_created")
        if order not in ("date_created", "-date_created"):
            return self.error(f"Invalid _order_by: {order}")
        leads = {_index(v) for v in (request.param("lead_id") or "").split(",") if v}
        indices = self.created_order(
            self.activities, request, lambda i: not leads or self.activity_lead(i) in leads
        )
        if isinstance(indices, Response):
            return indices
        return self.index_page(
            request, "activity", self.activities, indices[::-1] if order[0] == "-" else indices
        )

    def _list_tasks(self, request: Request, _match: re.Match) -> Response:
        allowed = {
            "_type",
            "_type__in",
            "lead_id",
            "is_complete",
            "_order_by",
            *self.date_params("date_updated", "date_created"),
        }
        if error := self.check_params(request, allowed):
            return error
        order = request.param("_order_by", "date")
        if order.lstrip("-") not in ("date", "date_created"):
            return self.error(f"Invalid _order_by: {order} (tasks sort by date or date_created)")
        kinds = request.param("_type__in") or request.param("_type") or "lead"
        wanted = set(TASK_TYPES) if kinds == "all" else set(kinds.split(","))
        updated = self.date_range(request, "date_updated")
        if isinstance(updated, Response):
            return updated
        since, until = updated
        lead = request.param("lead_id")

        def where(i: int) -> bool:
            ts = self.tasks.timestamp(i)
            return (
                self.task_type(i) in wanted
                and (since is None or ts >= since)
                and (until is None or ts < until)
                and (lead is None or i % max(self.leads.n, 1) == _index(lead))
            )

        indices = self.created_order(self.tasks, request, where)
        if isinstance(indices, Response):
            return indices
        if order.lstrip("-") == "date":
            indices = sorted(indices, key=lambda i: self.tasks.row(i)["date"][:10])
        return self.index_page(request, "task", self.tasks, indices[::-1] if order[0] == "-" else indices)

    _OPPORTUNITY_ORDERS = ("date_won", "date_updated", "date_created", "confidence", "user_name", "value")

    def _list_opportunities(self, request: Request, _match: re.Match) -> Response:
        allowed = {"lead_id", "_order_by", *self.date_params("date_updated", "date_created")}
        if error := self.check_params(request, allowed):
            return error
        order = request.param("_order_by", "-date_created")
        if order.lstrip("-") not in self._OPPORTUNITY_ORDERS:
            return self.error(f"Invalid _order_by: {order}")
        bounds = self.date_range(request, "date_updated")
        if isinstance(bounds, Response):
            return bounds
        where = None
        if lead := request.param("lead_id"):
            n = _index(lead)
            where = lambda i: i % max(self.leads.n, 1) == n  # noqa: E731
        if order.lstrip("-") == "date_updated":
            selection = self.select(self.opportunities, *bounds, where=where)
            return self.selection_page(request, "opportunity", selection, newest_first=order[0] == "-")
        indices = self.created_order(self.opportunities, request, where or (lambda i: True))
        if isinstance(indices, Response):
            return indices
        return self.index_page(
            request, "opportunity", self.opportunities, indices[::-1] if order[0] == "-" else indices
        )

    def _list_users(self, request: Request, _match: re.Match) -> Response:
        if error := self.check_params(request, {"_order_by"}):
            return error
        return self.selection_page(request, "user", self.select(self.users))


def _index(value: str) -> int | None:
    match = re.fullmatch(r"[a-z]+_(\d{10})", value)
    return int(match.group(1)) if match else None
