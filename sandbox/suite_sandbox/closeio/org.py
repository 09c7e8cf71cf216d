"""The organisation's configuration: custom fields, statuses, pipelines, templates, sequences,
smart views, connected accounts, dialer sessions, bulk actions, ...

A few records each, faked from the documented schemas with their ids and links set. Each
endpoint is paged (`_skip`/`_limit`, `has_more`) when Close's reference documents `_skip`
for it, and answered in one page otherwise.
"""

from __future__ import annotations

import re
import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.closeio.records import (
    CONTACT_CUSTOM_FIELDS,
    CUSTOM_ACTIVITY_TYPES,
    CUSTOM_OBJECT_TYPES,
    LEAD_CUSTOM_FIELDS,
    LEAD_STATUSES,
    OPPORTUNITY_CUSTOM_FIELDS,
    OPPORTUNITY_STATUSES,
    ORG_ID,
    PIPELINES,
    Templates,
    activity_type_fields,
    close_time,
    custom_field_definition,
    shared_definitions,
    shared_fields_for,
    user_id,
)
from suite_sandbox.server import Request, Response

if t.TYPE_CHECKING:
    from suite_sandbox.closeio.simulator import CloseSimulator

SMART_VIEW_TYPES = ("lead", "contact", "opportunity", "call", "email", "sms", "meeting", "note")
CONNECTED_ACCOUNT_TYPES = ("google", "custom_email", "zoom")
BASE = datetime(2023, 3, 1, tzinfo=timezone.utc)


class OrgData:
    """The organisation's configuration records, built once."""

    def __init__(self, templates: Templates, *, users: int) -> None:
        self.templates = templates
        self.users = users
        self.collections: dict[str, list[dict]] = {
            "pipeline": [self._pipeline(i, name) for i, name in enumerate(PIPELINES)],
            "status/opportunity": [
                self._record(
                    "opportunity_status", j, f"stat_opp{j}", label=label, type=kind, pipeline_id="pipe_0000"
                )
                for j, (label, kind) in enumerate(OPPORTUNITY_STATUSES)
            ],
            "status/lead": [
                self._record("lead_status", i, f"stat_{i:04d}", label=label)
                for i, label in enumerate(LEAD_STATUSES)
            ],
            "role": [
                self._record("role", i, f"role_{i:04d}", name=n)
                for i, n in enumerate(["Admin", "User", "Restricted"])
            ],
            "group": [
                self._record("group", i, f"group_{i:04d}", name=n, members=[{"user_id": user_id(i)}])
                for i, n in enumerate(["Sales", "Support"])
            ],
            "email_template": [self._record("email_template", i, f"tmpl_{i:04d}") for i in range(3)],
            "sms_template": [self._record("sms_template", i, f"smstmpl_{i:04d}") for i in range(2)],
            "sequence": [self._record("sequence", i, f"seq_{i:04d}", status="active") for i in range(3)],
            "saved_search": [
                self._record("saved_search", i, f"save_{i:04d}", type=kind)
                for i, kind in enumerate(SMART_VIEW_TYPES * 2)
            ],
            "connected_account": [
                self._record(
                    "connected_account", i, f"emailacct_{i:04d}", _type=kind, user_id=user_id(i % users)
                )
                for i, kind in enumerate(CONNECTED_ACCOUNT_TYPES)
            ],
            "send_as": [
                self._record(
                    "send_as",
                    i,
                    f"sendas_{i:04d}",
                    allowing_user_id=user_id(0),
                    allowed_user_id=user_id(i + 1),
                )
                for i in range(2)
            ],
            "dialer": [
                self._record("dialer", i, f"dialer_{i:04d}", user_id=user_id(i % users)) for i in range(3)
            ],
            "integration_link": [self._record("integration_link", i, f"intlink_{i:04d}") for i in range(3)],
            "outcome": [self._record("outcome", i, f"outcome_{i:04d}") for i in range(2)],
            "phone_number": [
                self._record("phone_number", i, f"phon_{i:04d}", user_id=user_id(i % users)) for i in range(2)
            ],
            "bulk_action/email": [
                self._record("email_bulk_action", i, f"bulkemail_{i:04d}") for i in range(2)
            ],
            "bulk_action/edit": [self._record("edit_bulk_action", i, f"bulkedit_{i:04d}") for i in range(2)],
            "bulk_action/delete": [
                self._record("delete_bulk_action", i, f"bulkdel_{i:04d}") for i in range(2)
            ],
            "bulk_action/sequence_subscription": [
                self._record("sequence_subscription_bulk_action", i, f"bulkseq_{i:04d}") for i in range(2)
            ],
            "custom_activity": [
                self._activity_type(i, *spec) for i, spec in enumerate(CUSTOM_ACTIVITY_TYPES)
            ],
            "custom_object_type": [self._object_type()],
        }
        self.subscriptions = [
            self._record(
                "sequence_subscription", 10 * s + k, f"sub_{s:02d}{k:02d}", sequence_id=f"seq_{s:04d}"
            )
            for s in range(3)
            for k in range(4)
        ]

    def _record(self, resource: str, i: int, record_id: str, **fields: t.Any) -> dict:
        row = self.templates.get(resource, i)
        ts = BASE + timedelta(days=i)
        if "date_created" in row:
            row["date_created"] = close_time(ts)
        if "date_updated" in row:
            row["date_updated"] = close_time(ts + timedelta(hours=1))
        if "organization_id" in row:
            row["organization_id"] = ORG_ID
        row.update(id=record_id, **fields)
        return row

    def _pipeline(self, i: int, name: str) -> dict:
        statuses = [
            {"id": f"stat_opp{j}", "label": label, "type": kind, "pipeline_id": f"pipe_{i:04d}"}
            for j, (label, kind) in enumerate(OPPORTUNITY_STATUSES)
        ]
        return self._record("pipeline", i, f"pipe_{i:04d}", name=name, statuses=statuses)

    def _activity_type(self, i: int, type_id: str, name: str, _fields: list) -> dict:
        fields = [
            {**custom_field_definition(spec, 50 + k), "custom_activity_type_id": type_id}
            for k, spec in enumerate(activity_type_fields(type_id))
        ]
        for field in fields:
            field["is_shared"] = field["id"] in {
                spec[0] for spec in shared_fields_for(f"custom_activity_type:{type_id}")
            }
        return self._record("custom_activity_type", i, type_id, name=name, fields=fields)

    def _object_type(self) -> dict:
        type_id, name, specs = CUSTOM_OBJECT_TYPES[0]
        fields = [
            {**custom_field_definition(spec, 61 + k), "custom_object_type_id": type_id}
            for k, spec in enumerate(specs)
        ]
        return self._record(
            "custom_object_type", 0, type_id, name=name, fields=fields, back_reference_fields=[]
        )

    # -- custom fields ------------------------------------------------------------------

    def custom_fields(self, kind: str) -> list[dict]:
        """`/custom_field/<kind>/`: the regular (not shared) fields of one object type."""
        if kind == "shared":
            return shared_definitions()
        if kind == "activity":
            return [
                {**custom_field_definition(spec, 30 + k), "custom_activity_type_id": type_id}
                for type_id, _name, specs in CUSTOM_ACTIVITY_TYPES
                for k, spec in enumerate(specs)
            ]
        if kind == "custom_object_type":
            return self.collections["custom_object_type"][0]["fields"]
        specs = {
            "lead": LEAD_CUSTOM_FIELDS,
            "contact": CONTACT_CUSTOM_FIELDS,
            "opportunity": OPPORTUNITY_CUSTOM_FIELDS,
        }
        return [custom_field_definition(spec, k) for k, spec in enumerate(specs[kind])]

    def field_schema(self, object_type: str) -> list[dict] | None:
        """`/custom_field_schema/<object_type>/`: regular and shared fields of that type."""
        if object_type.startswith("activity/"):
            type_id = object_type.split("/", 1)[1]
            known = {t[0] for t in CUSTOM_ACTIVITY_TYPES}
            return activity_fields(self, type_id) if type_id in known else None
        if object_type not in ("lead", "contact", "opportunity"):
            return None
        shared = [
            d for d in shared_definitions() if any(a["object_type"] == object_type for a in d["associations"])
        ]
        return [*self.custom_fields(object_type), *shared]


def activity_fields(org: OrgData, type_id: str) -> list[dict]:
    activity_type = next(a for a in org.collections["custom_activity"] if a["id"] == type_id)
    return activity_type["fields"]


#: Endpoints and whether Close's reference documents `_skip` for them (paged).
PAGED = {
    "email_template": True,
    "sms_template": True,
    "sequence": True,
    "saved_search": True,
    "dialer": True,
    "outcome": True,
    "phone_number": True,
    "bulk_action/email": True,
    "bulk_action/edit": True,
    "bulk_action/delete": True,
    "bulk_action/sequence_subscription": True,
    "pipeline": False,
    "status/opportunity": False,
    "status/lead": False,
    "role": False,
    "group": False,
    "connected_account": False,
    "send_as": False,
    "integration_link": False,
    "custom_activity": False,
    "custom_object_type": False,
}
FILTERS = {
    "saved_search": {"type", "type__in"},
    "connected_account": {"user_id"},
    "send_as": {"allowing_user_id", "allowed_user_id"},
}


def _one_page(rows: list[dict]) -> Response:
    return Response(200, {"data": rows})


def add_routes(sim: CloseSimulator, prefix: str) -> None:
    org = sim.org

    def collection(name: str) -> t.Callable[..., Response]:
        paged = PAGED[name]
        resource = name.split("/")[0]

        def handler(request: Request, _match: re.Match) -> Response:
            if error := sim.check_params(request, FILTERS.get(name, set()), paged=paged):
                return error
            rows = org.collections[name]
            if name == "saved_search":
                # Without a type filter Close lists lead Smart Views only.
                kinds = set((request.param("type__in") or request.param("type") or "lead").split(","))
                rows = [r for r in rows if r["type"] in kinds]
            if name == "connected_account" and (user := request.param("user_id")):
                rows = [r for r in rows if r["user_id"] == user]
            if name == "send_as":
                allowing = request.param("allowing_user_id") or (
                    None if request.param("allowed_user_id") else user_id(0)
                )
                allowed = request.param("allowed_user_id")
                rows = [
                    r
                    for r in rows
                    if (allowing is None or r["allowing_user_id"] == allowing)
                    and (allowed is None or r["allowed_user_id"] == allowed)
                ]
            if not paged:
                return _one_page(rows)
            return sim.paged(request, resource, lambda o, n: rows[o : o + n], len(rows))

        return handler

    for name in PAGED:
        sim.route("GET", f"{prefix}/{name}/", collection(name))

    def subscriptions(request: Request, _match: re.Match) -> Response:
        if error := sim.check_params(request, {"sequence_id", "contact_id", "lead_id"}):
            return error
        filters = {k: request.param(k) for k in ("sequence_id", "contact_id", "lead_id") if request.param(k)}
        if not filters:
            return sim.error("At least one of sequence_id, contact_id, lead_id is required.")
        rows = [r for r in org.subscriptions if all(r.get(k) == v for k, v in filters.items())]
        return sim.paged(request, "sequence_subscription", lambda o, n: rows[o : o + n], len(rows))

    sim.route("GET", f"{prefix}/sequence_subscription/", subscriptions)

    def custom_fields(request: Request, match: re.Match) -> Response:
        kind = match.group(1)
        paged = kind in ("lead", "contact", "opportunity", "activity")
        if error := sim.check_params(request, set(), paged=paged):
            return error
        rows = org.custom_fields(kind)
        if not paged:
            return _one_page(rows)
        return sim.paged(request, "custom_field", lambda o, n: rows[o : o + n], len(rows))

    sim.route(
        "GET",
        prefix + r"/custom_field/(lead|contact|opportunity|activity|shared|custom_object_type)/",
        custom_fields,
    )

    def field_schema(request: Request, match: re.Match) -> Response:
        if error := sim.check_params(request, set(), paged=False):
            return error
        fields = org.field_schema(match.group(1))
        if fields is None:
            return sim.error(f"Unknown object type: {match.group(1)}", status=404)
        return Response(200, {"fields": fields})

    sim.route("GET", prefix + r"/custom_field_schema/([a-z_]+(?:/[A-Za-z0-9_]+)?)/", field_schema)
