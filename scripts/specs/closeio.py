"""Close: the tap's stream schemas and the simulator's resource schemas, from Close's OpenAPI.

Close's OpenAPI (`close-openapi.yml`, 152 paths) documents some resources completely
(`Lead`, `Contact`, `Opportunity`, the Call/Email/SMS/WhatsApp/FormSubmission activities,
Smart Views, bulk actions, ...), others only through their create/update bodies (notes,
custom activities, tasks' `UpdateNotification`), and many not at all ("Empty response
body": users, events, tasks' types, meetings, status changes, custom fields, pipelines,
templates, sequences, ...). For those, `DOCUMENTED` below lists the fields Close's reference
pages describe (developer.close.com: tasks, events, custom fields, connected accounts) or that
peers observe in real responses (Airbyte source-close-com's schemas); each group names its
source. Request-body fields that are only written (never returned) are left out.

What this writes (never a copy of the spec):
- `taps/tap-closeio/tap_closeio/schemas/<schema>.json`: one stream schema per file, every
  property nullable, enums named in descriptions, free-form objects without `properties`,
  `_sdc_extra` added (tap_common.schemas conventions);
- `sandbox/suite_sandbox/resources/closeio.json`: each resource's documented schema with its
  enums, for the simulator's fake records (`suite_sandbox.fake`).
"""

from __future__ import annotations

import copy
import typing as t
from pathlib import Path

import yaml

from specs.openapi import Converter, stream_schema

SPEC = "close-openapi.yml"
TAP_SCHEMAS = "taps/tap-closeio/tap_closeio/schemas"
RESOURCES = "sandbox/suite_sandbox/resources/closeio.json"

#: Create/update body fields that Close only reads (aliases or write forms of returned fields).
WRITE_ONLY = {
    "created_by_id",  # written as created_by_id, returned as created_by
    "custom_fields",  # written as {id: value}, returned as custom.cf_* keys
    "account_id",  # email account to send from; returned as email_account_id
    "followup_date",  # makes Close create an email_followup task; not an email field
}


# -- fields documented outside the machine-readable spec ------------------------------------
# Codes: s string, dt date-time, d date, b boolean, i integer, n number, o free-form object,
# [x] array of x; a dict is an object with those properties, [dict] an array of them.

Code = str | dict | list

ACTIVITY_TYPES = (
    "Note",
    "Call",
    "Email",
    "EmailThread",
    "SMS",
    "WhatsAppMessage",
    "Meeting",
    "CustomActivity",
    "Created",
    "FormSubmission",
    "LeadStatusChange",
    "OpportunityStatusChange",
    "LeadMerge",
    "TaskCompleted",
)
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

_CUSTOM_FIELD: dict[str, Code] = {
    # developer.close.com/api/resources/custom-fields (+ Airbyte's custom field schemas)
    "id": "s",
    "name": "s",
    "description": "s",
    "type": "s",
    "choices": "[s]",
    "accepts_multiple_values": "b",
    "editable_with_roles": "[s]",
    "is_shared": "b",
    "referenced_custom_type_id": "s",
    "back_reference_is_visible": "b",
    "organization_id": "s",
    "created_by": "s",
    "updated_by": "s",
    "date_created": "dt",
    "date_updated": "dt",
    # activity custom fields belong to one custom activity type, custom object fields to one type
    "custom_activity_type_id": "s",
    "custom_object_type_id": "s",
    "required": "b",
    # shared custom fields: the object types they are associated with
    "associations": [
        {
            "object_type": "s",
            "custom_activity_type_id": "s",
            "custom_object_type_id": "s",
            "editable_with_roles": "[s]",
            "required": "b",
        }
    ],
}
_TYPE_FIELD = {k: v for k, v in _CUSTOM_FIELD.items() if k not in ("associations",)} | {
    "converting_to_type": "s"
}

DOCUMENTED: dict[str, dict[str, Code]] = {
    # Leads embed their contacts and opportunities; `custom` is the deprecated name-keyed copy
    # of the custom.cf_* values (Lead create docs: "the `custom` field dict ... is deprecated").
    "lead": {"custom": "o"},
    # -- activities: the common fields are ActivityBase; per type, what Close's activity pages
    # and Airbyte's per-type schemas (observed responses) add. --------------------------------
    "activity.Call": {
        "call_method": "s",
        "cost": "s",
        "date_answered": "dt",
        "dialer_id": "s",
        "dialer_saved_search_id": "s",
        "disposition": "s",
        "forwarded_to": "s",
        "has_recording": "b",
        "is_forwarded": "b",
        "is_joinable": "b",
        "is_to_group_number": "b",
        "local_country_iso": "s",
        "local_phone": "s",
        "local_phone_formatted": "s",
        "parent_meeting_id": "s",
        "recording_duration": "i",
        "recording_expires_at": "dt",
        "remote_country_iso": "s",
        "remote_phone": "s",
        "remote_phone_formatted": "s",
        "transferred_from": "s",
        "transferred_from_user_id": "s",
        "transferred_to": "s",
        "transferred_to_user_id": "s",
        "voicemail_duration": "i",
        "coach_legs": "[o]",
    },
    "activity.EmailThread": {
        "latest_normalized_subject": "s",
        "n_emails": "i",
        "participants": "[o]",
        # thread_emails=true: stripped-down Email objects of the conversation
        "emails": "[o]",
        "latest_emails": "[o]",
    },
    "activity.SMS": {"attachments": "[o]"},
    "activity.Meeting": {
        "attendees": [
            {"contact_id": "s", "email": "s", "name": "s", "status": "s", "user_id": "s", "is_organizer": "b"}
        ],
        "calendar_event_link": "s",
        "calendar_event_uids": "[s]",
        "conference_links": "[o]",
        "connected_account_id": "s",
        "duration": "i",
        "ends_at": "dt",
        "integrations": "[o]",
        "is_recurring": "b",
        "location": "s",
        "note": "s",
        "notetaker_id": "s",
        "provider_calendar_event_id": "s",
        "provider_calendar_ids": "[s]",
        "provider_calendar_type": "s",
        "source": "s",
        "starts_at": "dt",
        "status": "s",
        "summary": "s",
        "title": "s",
        "user_note": "s",
        "user_note_date_updated": "dt",
        "user_note_html": "s",
    },
    "activity.Created": {"source": "s", "import_id": "s"},
    "activity.LeadStatusChange": {
        "old_status_id": "s",
        "old_status_label": "s",
        "old_status_type": "s",
        "new_status_id": "s",
        "new_status_label": "s",
        "new_status_type": "s",
    },
    "activity.OpportunityStatusChange": {
        "opportunity_id": "s",
        "opportunity_value": "n",
        "opportunity_value_currency": "s",
        "opportunity_value_formatted": "s",
        "opportunity_value_period": "s",
        "opportunity_confidence": "i",
        "opportunity_date_won": "d",
        "old_status_id": "s",
        "old_status_label": "s",
        "old_status_type": "s",
        "new_status_id": "s",
        "new_status_label": "s",
        "new_status_type": "s",
        "old_pipeline_id": "s",
        "old_pipeline_name": "s",
        "new_pipeline_id": "s",
        "new_pipeline_name": "s",
    },
    "activity.TaskCompleted": {
        "task_id": "s",
        "task_text": "s",
        "task_assigned_to": "s",
        "task_assigned_to_name": "s",
    },
    # -- tasks (developer.close.com/api/resources/tasks: the task types and their fields;
    # Airbyte's per-type task schemas for the *_name and phone fields) ---------------------
    "task": {
        "id": "s",
        "_type": "s",
        "date_created": "dt",
        "date_updated": "dt",
        "updated_by": "s",
        "created_by_name": "s",
        "updated_by_name": "s",
        "assigned_to_name": "s",
        "lead_name": "s",
        "contact_name": "s",
        "object_type": "s",
        "object_id": "s",
    },
    "task.incoming_email": {"emails": "[s]", "subject": "s", "body_preview": "s", "cleared_followups": "[s]"},
    "task.email_followup": {
        "email_id": "s",
        "subject": "s",
        "body_preview": "s",
        "total_emails_count_in_thread": "i",
    },
    "task.missed_call": {
        "phone": "s",
        "phone_formatted": "s",
        "phone_number_description": "s",
        "local_phone": "s",
    },
    "task.answered_detached_call": {
        "phone": "s",
        "phone_formatted": "s",
        "phone_number_description": "s",
        "recording_url": "s",
    },
    "task.voicemail": {
        "phone": "s",
        "phone_formatted": "s",
        "phone_number_description": "s",
        "local_phone": "s",
        "voicemail_url": "s",
        "voicemail_duration": "i",
    },
    "task.opportunity_due": {
        "opportunity_value": "n",
        "opportunity_value_formatted": "s",
        "opportunity_value_period": "s",
        "opportunity_note": "s",
    },
    "task.incoming_sms": {
        "local_phone": "s",
        "remote_phone": "s",
        "remote_phone_description": "s",
        "remote_phone_formatted": "s",
        "text": "s",
    },
    # -- the event log (developer.close.com/api/resources/events, "Event format") -----------
    "event": {
        "id": "s",
        "date_created": "dt",
        "date_updated": "dt",
        "organization_id": "s",
        "user_id": "s",
        "request_id": "s",
        "api_key_id": "s",
        "oauth_client_id": "s",
        "oauth_scope": "s",
        "object_type": "s",
        "object_id": "s",
        "lead_id": "s",
        "action": "s",
        "changed_fields": "[s]",
        "meta": "o",
        "data": "o",
        "previous_data": "o",
    },
    # -- organisation (Airbyte's schemas, observed responses) ------------------------------
    "user": {
        "id": "s",
        "email": "s",
        "first_name": "s",
        "last_name": "s",
        "image": "s",
        "organizations": "[s]",
        "date_created": "dt",
        "date_updated": "dt",
        "email_verified_at": "dt",
        "last_used_timezone": "s",
    },
    "role": {
        "id": "s",
        "name": "s",
        "organization_id": "s",
        "date_created": "dt",
        "date_updated": "dt",
        "editable": "b",
        "permissions": "[s]",
        "visibility_user_lcf_behavior": "s",
        "visibility_user_lcf_ids": "[s]",
    },
    "custom_field": _CUSTOM_FIELD,
    "custom_activity_type": {
        "id": "s",
        "name": "s",
        "description": "s",
        "api_create_only": "b",
        "editable_with_roles": "[s]",
        "fields": [_TYPE_FIELD],
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    # /custom_object_type/: "fields" and "back_reference_fields" (the spec's list description)
    "custom_object_type": {
        "id": "s",
        "name": "s",
        "name_plural": "s",
        "description": "s",
        "api_create_only": "b",
        "editable_with_roles": "[s]",
        "fields": [_TYPE_FIELD],
        "back_reference_fields": [_TYPE_FIELD],
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    # /custom_object/: the create docs' required fields, the common ones, custom.cf_* values
    "custom_object": {
        "id": "s",
        "custom_object_type_id": "s",
        "lead_id": "s",
        "name": "s",
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    "pipeline": {
        "id": "s",
        "name": "s",
        "organization_id": "s",
        "statuses": [{"id": "s", "label": "s", "type": "s", "pipeline_id": "s"}],
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    "opportunity_status": {"id": "s", "label": "s", "type": "s", "pipeline_id": "s", "organization_id": "s"},
    "lead_status": {"id": "s", "label": "s", "organization_id": "s"},
    "email_template": {
        "id": "s",
        "name": "s",
        "subject": "s",
        "body": "s",
        "is_shared": "b",
        "is_archived": "b",
        "attachments": "[o]",
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    "sms_template": {
        "id": "s",
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    "sequence": {
        "id": "s",
        "name": "s",
        "status": "s",
        "schedule_id": "s",
        "timezone": "s",
        "steps": "[o]",
        "allow_manual_enrollment": "b",
        "trigger_query": "s",
        "organization_id": "s",
        "created_by_id": "s",
        "updated_by_id": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    # developer.close.com/api/resources/sequences (subscriptions) and the spec's
    # BulkSequenceSubscriptionAction sender fields
    "sequence_subscription": {
        "id": "s",
        "sequence_id": "s",
        "contact_id": "s",
        "lead_id": "s",
        "contact_email": "s",
        "sender_account_id": "s",
        "sender_name": "s",
        "sender_email": "s",
        "calls_assigned_to": "[s]",
        "from_phone_number_id": "s",
        "status": "s",
        "status_reason": "s",
        "organization_id": "s",
        "created_by": "s",
        "updated_by": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
    # the spec's GET /connected_account/ `_fields` default lists every returned field
    "connected_account": {
        "_type": "s",
        "available_calendars": "[o]",
        "available_features": "[s]",
        "calendar_receive_status": "s",
        "calendly": "o",
        "date_created": "dt",
        "default_identity": "o",
        "email": "s",
        "email_receive_status": "s",
        "enabled_features": "[s]",
        "has_meeting_creation_scopes": "b",
        "id": "s",
        "identities": "[o]",
        "imap": "o",
        "is_imap_archive_sync_enabled": "b",
        "latest_receive_error": "o",
        "latest_send_error": "o",
        "lead_suggestions_updated_at": "dt",
        "organization_id": "s",
        "receive_status": "s",
        "send_status": "s",
        "smtp": "o",
        "sync_all_calendars": "b",
        "synced_calendars": "[o]",
        "user_id": "s",
        "zoom_account_plan": "s",
    },
    "send_as": {"id": "s", "organization_id": "s", "allowed_user_id": "s", "allowing_user_id": "s"},
    "dialer": {
        "id": "s",
        "type": "s",
        "status": "s",
        "source_type": "s",
        "source_value": "s",
        "user_id": "s",
        "users": "[s]",
        "caller_id": "s",
        "ring_mode": "s",
        "music_preference": "s",
        "visibility_mode": "s",
        "is_user_dependent": "b",
        "organization_id": "s",
        "date_created": "dt",
        "date_updated": "dt",
    },
}

#: Resource -> spec components whose properties it returns (response schemas first, then
#: the create/update bodies that document more of it).
SPEC_COMPONENTS: dict[str, tuple[str, ...]] = {
    "lead": ("Lead",),
    "contact": ("Contact",),
    "opportunity": ("Opportunity",),
    "activity.Note": ("ActivityBase", "CreateNoteActivity", "UpdateNoteActivity"),
    "activity.Call": ("CallActivity", "CreateCallActivity", "UpdateCallActivity", "ActivityBase"),
    "activity.Email": ("EmailActivity", "CreateEmailActivity", "UpdateEmailActivity"),
    "activity.EmailThread": ("ActivityBase",),
    "activity.SMS": ("SMSActivity", "CreateSMSActivity", "UpdateSMSActivity"),
    "activity.WhatsAppMessage": ("WhatsAppMessageActivity", "CreateWhatsAppMessage", "UpdateWhatsAppMessage"),
    "activity.Meeting": ("ActivityBase",),
    "activity.CustomActivity": ("ActivityBase", "CreateCustomActivity", "UpdateCustomActivity"),
    "activity.Created": ("ActivityBase",),
    "activity.FormSubmission": ("FormSubmissionActivity",),
    "activity.LeadStatusChange": ("ActivityBase",),
    "activity.OpportunityStatusChange": ("ActivityBase",),
    "activity.LeadMerge": ("ActivityBase",),
    "activity.TaskCompleted": ("ActivityBase",),
    **{f"task.{kind}": ("UpdateNotification",) for kind in TASK_TYPES},
    "saved_search": ("SavedSearch",),
    "group": ("Group",),
    "integration_link": ("IntegrationLink",),
    "outcome": ("Outcome",),
    "phone_number": ("PhoneNumber",),
    "sms_template": ("UpdateSMSTemplate", "CreateSMSTemplate"),
    "email_bulk_action": ("BulkEmailAction",),
    "edit_bulk_action": ("BulkEditAction",),
    "delete_bulk_action": ("BulkDeleteAction",),
    "sequence_subscription_bulk_action": ("BulkSequenceSubscriptionAction",),
}

#: Fields whose spec type needs saying in words (the spec allows either shape).
DESCRIPTIONS = {
    "date": "When the task is actionable: a date (YYYY-MM-DD) or a date-time, as Close sends it.",
    "due_date": "Deprecated by Close (use date): a date (YYYY-MM-DD) or a date-time.",
}

#: Documented fields a stream schema leaves out (the tap's coverage test lists them too).
NOT_DECLARED: dict[str, set[str]] = {
    # the deprecated name-keyed copy of the custom.cf_* values: each is its own typed column
    "lead": {"custom"},
}

#: Stream schema file -> the resources whose union it holds, and its key properties.
SCHEMAS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "lead": (("lead",), ("id",)),
    "contact": (("contact",), ("id",)),
    "opportunity": (("opportunity",), ("id",)),
    "activity": (tuple(f"activity.{kind}" for kind in ACTIVITY_TYPES), ("id",)),
    "task": (tuple(f"task.{kind}" for kind in TASK_TYPES), ("id",)),
    "event": (("event",), ("id",)),
    "user": (("user",), ("id",)),
    "role": (("role",), ("id",)),
    "group": (("group",), ("id",)),
    "custom_field": (("custom_field",), ("id",)),
    "custom_activity_type": (("custom_activity_type",), ("id",)),
    "custom_object_type": (("custom_object_type",), ("id",)),
    "custom_object": (("custom_object",), ("id",)),
    "pipeline": (("pipeline",), ("id",)),
    "opportunity_status": (("opportunity_status",), ("id",)),
    "lead_status": (("lead_status",), ("id",)),
    "email_template": (("email_template",), ("id",)),
    "sms_template": (("sms_template",), ("id",)),
    "sequence": (("sequence",), ("id",)),
    "sequence_subscription": (("sequence_subscription",), ("id",)),
    "saved_search": (("saved_search",), ("id",)),
    "connected_account": (("connected_account",), ("id",)),
    "send_as": (("send_as",), ("id",)),
    "dialer": (("dialer",), ("id",)),
    "integration_link": (("integration_link",), ("id",)),
    "outcome": (("outcome",), ("id",)),
    "phone_number": (("phone_number",), ("id",)),
    "email_bulk_action": (("email_bulk_action",), ("id",)),
    "edit_bulk_action": (("edit_bulk_action",), ("id",)),
    "delete_bulk_action": (("delete_bulk_action",), ("id",)),
    "sequence_subscription_bulk_action": (("sequence_subscription_bulk_action",), ("id",)),
}


# -- conversion -----------------------------------------------------------------------------


def _without_null_options(node: t.Any) -> t.Any:
    """`oneOf: [X, {type: null}]` -> X made nullable, and a oneOf of objects -> their allOf.

    The shared converter reads a `{type: null}` option as "any value" and so turns a
    nullable object into an untyped property; Close writes every nullable object that way.
    """
    if isinstance(node, list):
        return [_without_null_options(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_null_options(value) for key, value in node.items()}
    for key in ("oneOf", "anyOf"):
        options = node.get(key)
        if not isinstance(options, list):
            continue
        concrete = [o for o in options if o != {"type": "null"}]
        if len(concrete) < len(options):
            node["nullable"] = True
        if len(concrete) == 1:
            del node[key]
            node = {**concrete[0], **node}
        elif concrete and all("$ref" in o or o.get("type") == "object" for o in concrete):
            # Variants of one object (e.g. a suggested action's details): their fields together.
            del node[key]
            node["allOf"] = concrete
        else:
            node[key] = concrete
    return node


class _ResourceConverter(Converter):
    """The shared conversion, keeping each enum's values for the simulator's fake records."""

    def convert(
        self, schema: dict[str, t.Any], *, seen: tuple[str, ...] = (), nullable: bool = True
    ) -> dict[str, t.Any]:
        out = super().convert(schema, seen=seen, nullable=nullable)
        resolved = self.merged(schema, seen) or {}
        values = [v for v in resolved.get("enum") or () if v is not None]
        if values and "type" in out:
            out["enum"] = values
        return out


_SCALARS: dict[str, dict[str, t.Any]] = {
    "s": {"type": ["string", "null"]},
    "dt": {"type": ["string", "null"], "format": "date-time"},
    "d": {"type": ["string", "null"], "format": "date"},
    "b": {"type": ["boolean", "null"]},
    "i": {"type": ["integer", "null"]},
    "n": {"type": ["number", "null"]},
    "o": {"type": ["object", "null"]},
}


def _from_code(code: Code) -> dict[str, t.Any]:
    if isinstance(code, dict):
        return {"type": ["object", "null"], "properties": {k: _from_code(v) for k, v in code.items()}}
    if isinstance(code, list):
        return {"type": ["array", "null"], "items": _from_code(code[0])}
    if code.startswith("[") and code.endswith("]"):
        return {"type": ["array", "null"], "items": _from_code(code[1:-1])}
    return dict(_SCALARS[code])


def _types(spec: dict[str, t.Any]) -> list[str]:
    kind = spec.get("type")
    return [] if kind is None else [kind] if isinstance(kind, str) else list(kind)


def merge(first: dict[str, t.Any], second: dict[str, t.Any]) -> dict[str, t.Any]:
    """One schema holding what either describes: types united, object fields united."""
    if not first:
        return copy.deepcopy(second)
    if not second:
        return copy.deepcopy(first)
    out = copy.deepcopy(first)
    kinds = _types(first)
    for kind in _types(second):
        if kind not in kinds:
            kinds.append(kind)
    if kinds:
        non_null = [k for k in kinds if k != "null"]
        out["type"] = [*non_null, "null"] if "null" in kinds else non_null
    if first.get("format") != second.get("format"):
        out.pop("format", None)
    if "description" not in out and "description" in second:
        out["description"] = second["description"]
    if values := sorted({*first.get("enum", ()), *second.get("enum", ())}, key=str):
        out["enum"] = values
    if "properties" in second:
        properties = out.setdefault("properties", {})
        for name, spec in second["properties"].items():
            properties[name] = merge(properties.get(name, {}), spec)
    if "items" in second:
        out["items"] = merge(out.get("items", {}), second["items"])
    return out


def resource_schemas(document: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """Every resource's documented schema (with enums), keyed by resource name."""
    converter = _ResourceConverter(_without_null_options(document))
    names = sorted(set(SPEC_COMPONENTS) | set(DOCUMENTED) | {f"task.{k}" for k in TASK_TYPES})
    names = [n for n in names if n != "task"]  # the common task fields join each task type
    resources: dict[str, dict[str, t.Any]] = {}
    for name in names:
        schema: dict[str, t.Any] = {"type": "object", "properties": {}}
        for index, component in enumerate(SPEC_COMPONENTS.get(name, ())):
            converted = converter.convert({"$ref": f"#/components/schemas/{component}"})
            properties = converted.get("properties", {})
            if index:  # a create/update body: only what the resource returns
                properties = {k: v for k, v in properties.items() if k not in WRITE_ONLY}
            schema = merge(schema, {"properties": properties})
        extras = {**(DOCUMENTED["task"] if name.startswith("task.") else {}), **DOCUMENTED.get(name, {})}
        schema = merge(schema, {"properties": {k: _from_code(v) for k, v in extras.items()}})
        for field, text in DESCRIPTIONS.items():
            if field in schema["properties"] and name.startswith("task."):
                schema["properties"][field]["description"] = text
        schema["properties"] = dict(sorted(schema["properties"].items()))
        resources[name] = schema
    for kind in ACTIVITY_TYPES:
        resources[f"activity.{kind}"]["properties"]["_type"]["enum"] = [kind]
    for kind in TASK_TYPES:
        resources[f"task.{kind}"]["properties"]["_type"]["enum"] = [kind]
    return resources


def _without_enums(node: t.Any) -> t.Any:
    if isinstance(node, dict):
        return {k: _without_enums(v) for k, v in node.items() if k != "enum"}
    if isinstance(node, list):
        return [_without_enums(v) for v in node]
    return node


def generate(specs: Path) -> dict[str, object]:
    document = yaml.safe_load((specs / SPEC).read_text())
    resources = resource_schemas(document)
    out: dict[str, object] = {RESOURCES: resources}
    for schema_name, (members, keys) in SCHEMAS.items():
        union: dict[str, t.Any] = {}
        for member in members:
            union = merge(union, resources[member])
        properties = {
            name: spec
            for name, spec in sorted(_without_enums(union)["properties"].items())
            if name not in NOT_DECLARED.get(schema_name, set())
        }
        out[f"{TAP_SCHEMAS}/{schema_name}.json"] = stream_schema(properties, key_properties=keys)
    return out
