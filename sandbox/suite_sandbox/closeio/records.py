"""The Close simulator's data: records from Close's documented resource schemas.

Every record starts as a fake of its resource's full documented schema
(`resources/closeio.json`, derived from Close's OpenAPI by `scripts/specs/closeio.py`): every
documented field, realistic values, nulls, and on some records keys no spec documents. The
simulator then overwrites what it controls: ids, timestamps, foreign keys, types, the
fields its filters read, and custom field values (`custom.cf_*`).

A fake of a big resource costs ~1 ms, so each resource has a pool of fakes (`VARIANTS`) and
row `i` copies one of them (shallowly: nested values are shared, never mutated).
"""

from __future__ import annotations

import random
import typing as t
from datetime import datetime, timedelta, timezone

from suite_sandbox.data import iso
from suite_sandbox.fake import fake_record, load_resources, with_undocumented

RESOURCES = load_resources("closeio")
ORG_ID = "orga_sandbox0001"
VARIANTS = 64

ACTIVITY_TYPES = (
    "Call",
    "Email",
    "Note",
    "SMS",
    "Meeting",
    "EmailThread",
    "WhatsAppMessage",
    "CustomActivity",
    "Created",
    "FormSubmission",
    "LeadStatusChange",
    "OpportunityStatusChange",
    "LeadMerge",
    "TaskCompleted",
)
#: Event-log object type of each activity type (Close's list of event types).
ACTIVITY_EVENT_TYPES = {
    "Call": "activity.call",
    "Email": "activity.email",
    "EmailThread": "activity.email_thread",
    "Note": "activity.note",
    "SMS": "activity.sms",
    "WhatsAppMessage": "activity.whatsapp_message",
    "Meeting": "activity.meeting",
    "CustomActivity": "activity.custom_activity",
    "FormSubmission": "activity.form_submission",
    "TaskCompleted": "activity.task_completed",
    "LeadStatusChange": "status_change.lead",
    "OpportunityStatusChange": "status_change.opportunity",
    "Created": "activity.created",
    "LeadMerge": "activity.lead_merge",
}
TASK_TYPES = (
    "lead",
    "incoming_email",
    "email_followup",
    "missed_call",
    "answered_detached_call",
    "voicemail",
    "opportunity_due",
    "incoming_sms",
)
#: What a task's object_type is, per task type (developer.close.com, tasks).
TASK_OBJECTS = {
    "incoming_email": "emailthread",
    "email_followup": "emailthread",
    "missed_call": "call",
    "answered_detached_call": "call",
    "voicemail": "call",
    "opportunity_due": "opportunity",
    "incoming_sms": "sms",
}
LEAD_STATUSES = ["Potential", "Bad Fit", "Qualified", "Customer"]
PIPELINES = ["Sales", "Renewals"]
OPPORTUNITY_STATUSES = [("Active", "active"), ("Won", "won"), ("Lost", "lost")]

# Custom fields: (id, name, type, accepts_multiple_values, choices)
CustomFieldSpec = tuple[str, str, str, bool, list[str]]
LEAD_CUSTOM_FIELDS: list[CustomFieldSpec] = [
    ("cf_AnnRev01", "Annual Revenue", "number", False, []),
    ("cf_Renew02", "Renewal Date", "date", False, []),
    ("cf_Demo03", "Last Demo At", "datetime", False, []),
    ("cf_Source04", "Lead Source", "choices", False, ["Web", "Referral", "Event", "Cold call"]),
    ("cf_Interest05", "Product Interest", "choices", True, ["Core", "Analytics", "Voice", "SMS"]),
    ("cf_Owner06", "Account Owner", "user", False, []),
    ("cf_Notes07", "Notes (short)", "text", False, []),
]
CONTACT_CUSTOM_FIELDS: list[CustomFieldSpec] = [
    ("cf_Level11", "Job Level", "choices", False, ["IC", "Manager", "Director", "VP", "C-level"]),
    ("cf_Bday12", "Birthday", "date", False, []),
    ("cf_Score13", "Engagement Score", "number", False, []),
]
OPPORTUNITY_CUSTOM_FIELDS: list[CustomFieldSpec] = [
    ("cf_OppSrc31", "Deal Source", "choices", False, ["Inbound", "Outbound", "Partner"]),
    ("cf_Close32", "Expected Close", "date", False, []),
]
#: Shared custom fields and the object types they are associated with.
SHARED_CUSTOM_FIELDS: list[tuple[CustomFieldSpec, tuple[str, ...]]] = [
    (
        ("cf_Region21", "Region", "choices", False, ["EMEA", "AMER", "APAC"]),
        ("lead", "contact", "opportunity"),
    ),
    (("cf_Tier22", "Customer Tier", "number", False, []), ("lead", "custom_activity_type:actitype_Demo01")),
]
#: Custom activity types: (id, name, regular fields)
CUSTOM_ACTIVITY_TYPES: list[tuple[str, str, list[CustomFieldSpec]]] = [
    (
        "actitype_Demo01",
        "Demo Given",
        [
            ("cf_ActRating41", "Rating", "number", False, []),
            ("cf_ActNotes42", "Demo Notes", "text", False, []),
            # Its name is a built-in activity property: the tap must suffix its column.
            ("cf_ActTypeId44", "Activity Type Id", "text", False, []),
        ],
    ),
    (
        "actitype_Onb02",
        "Onboarding",
        [("cf_ActStage43", "Stage", "choices", True, ["Kickoff", "Setup", "Live"])],
    ),
]

#: Custom object types: (id, name, fields)
CUSTOM_OBJECT_TYPES: list[tuple[str, str, list[CustomFieldSpec]]] = [
    (
        "cotype_Proj01",
        "Project",
        [("cf_ObjSize61", "Size", "number", False, []), ("cf_ObjDue62", "Due", "date", False, [])],
    ),
]


def close_time(ts: datetime) -> str:
    return iso(ts, micros=True)


def lead_id(i: int) -> str:
    return f"lead_{i:010d}"


def user_id(i: int) -> str:
    return f"user_{i:06d}"


def shared_fields_for(object_type: str) -> list[CustomFieldSpec]:
    return [spec for spec, targets in SHARED_CUSTOM_FIELDS if object_type in targets]


def activity_type_fields(type_id: str) -> list[CustomFieldSpec]:
    regular = next(fields for i, _name, fields in CUSTOM_ACTIVITY_TYPES if i == type_id)
    return [*regular, *shared_fields_for(f"custom_activity_type:{type_id}")]


class Templates:
    """Fakes of each resource's documented schema, `VARIANTS` per resource, made on first use."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._cache: dict[tuple[str, int], dict] = {}

    def get(self, resource: str, i: int) -> dict:
        variant = (i * 7919 + self.seed) % VARIANTS
        key = (resource, variant)
        if key not in self._cache:
            rng = random.Random(f"{self.seed}:{resource}:{variant}")
            self._cache[key] = with_undocumented(fake_record(RESOURCES[resource], rng), rng)
        return dict(self._cache[key])


def custom_values(fields: t.Iterable[CustomFieldSpec], rng: random.Random, ts: datetime, users: int) -> dict:
    values: dict[str, t.Any] = {}
    for cf_id, _name, kind, multiple, choices in fields:
        if rng.random() < 0.2:
            continue
        if kind == "number":
            value: t.Any = round(rng.uniform(0, 1_000_000), 2)
        elif kind == "date":
            value = (ts - timedelta(days=rng.randint(0, 900))).date().isoformat()
        elif kind == "datetime":
            value = close_time(ts - timedelta(hours=rng.randint(1, 2000)))
        elif kind == "choices":
            value = rng.sample(choices, rng.randint(1, 2)) if multiple else rng.choice(choices)
        elif kind == "user":
            value = user_id(rng.randrange(max(users, 1)))
        else:
            value = rng.choice(["call back in Q3", "prefers email", "budget approved", ""])
        values[f"custom.{cf_id}"] = value
    return values


def custom_field_definition(spec: CustomFieldSpec, i: int, **extra: t.Any) -> dict:
    cf_id, name, kind, multiple, choices = spec
    ts = datetime(2023, 6, 1, tzinfo=timezone.utc) + timedelta(days=i)
    return {
        "id": cf_id,
        "name": name,
        "type": kind,
        "description": f"{name} field",
        "choices": list(choices),
        "accepts_multiple_values": multiple,
        "editable_with_roles": [],
        "is_shared": False,
        "referenced_custom_type_id": None,
        "back_reference_is_visible": False,
        "custom_activity_type_id": None,
        "custom_object_type_id": None,
        "required": False,
        "associations": None,
        "organization_id": ORG_ID,
        "created_by": user_id(0),
        "updated_by": user_id(0),
        "date_created": close_time(ts),
        "date_updated": close_time(ts),
        **extra,
    }


def shared_definitions() -> list[dict]:
    out = []
    for i, (spec, targets) in enumerate(SHARED_CUSTOM_FIELDS):
        associations = []
        for target in targets:
            kind, _, type_id = target.partition(":")
            associations.append(
                {
                    "object_type": kind,
                    "custom_activity_type_id": type_id or None,
                    "custom_object_type_id": None,
                    "editable_with_roles": [],
                    "required": False,
                }
            )
        out.append(custom_field_definition(spec, 40 + i, is_shared=True, associations=associations))
    return out
