"""Organisation data, read whole each run: users, custom field definitions, statuses, pipelines,
templates, sequences, smart views, connected accounts, dialer sessions, bulk actions, ...

None of these has a date filter. Their pages are checkpointed (`_skip` of the last page
written), so a rerun after a failure resumes at that page instead of the first one.
"""

from __future__ import annotations

import copy
import typing as t

from tap_closeio import schemas
from tap_closeio.client import FullTableStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


def full_table(
    name: str,
    path: str,
    schema_name: str,
    *,
    paged: bool = True,
    page_size: int = 100,
    params: dict[str, t.Any] | None = None,
    doc: str = "",
) -> type[FullTableStream]:
    """A full-table stream class: its endpoint, schema file and paging."""
    attributes = {
        "__doc__": doc or f"`{path}`",
        "name": name,
        "path": path,
        "schema": schemas.load(schema_name),
        "paged": paged,
        "page_size": page_size,
        "fixed_params": dict(params or {}),
    }
    class_name = "".join(part.title() for part in name.split("_")) + "Stream"
    return t.cast("type[FullTableStream]", type(class_name, (FullTableStream,), attributes))


# Page sizes: the documented default (100) unless peers page the endpoint wider in production
# (users, custom fields, sequences: 1000). Endpoints whose reference lists no `_skip` are
# asked once; they are followed with `_skip` only if they answer `has_more: true`.
UsersStream = full_table("users", "/user/", "user", page_size=1000)
RolesStream = full_table("roles", "/role/", "role", paged=False)
GroupsStream = full_table("groups", "/group/", "group", paged=False)
LeadStatusesStream = full_table("lead_statuses", "/status/lead/", "lead_status", paged=False)
OpportunityStatusesStream = full_table(
    "opportunity_statuses", "/status/opportunity/", "opportunity_status", paged=False
)
PipelinesStream = full_table("pipelines", "/pipeline/", "pipeline", paged=False)
CustomFieldsStream = full_table(
    "custom_fields",
    "/custom_field/lead/",
    "custom_field",
    page_size=1000,
    doc="Lead custom field definitions.",
)
ContactCustomFieldsStream = full_table(
    "contact_custom_fields", "/custom_field/contact/", "custom_field", page_size=1000
)
OpportunityCustomFieldsStream = full_table(
    "opportunity_custom_fields", "/custom_field/opportunity/", "custom_field", page_size=1000
)
ActivityCustomFieldsStream = full_table(
    "activity_custom_fields", "/custom_field/activity/", "custom_field", page_size=1000
)
SharedCustomFieldsStream = full_table(
    "shared_custom_fields", "/custom_field/shared/", "custom_field", paged=False
)
CustomObjectCustomFieldsStream = full_table(
    "custom_object_custom_fields", "/custom_field/custom_object_type/", "custom_field", paged=False
)
_CustomActivityTypes = full_table(
    "custom_activity_types", "/custom_activity/", "custom_activity_type", paged=False
)
_CustomObjectTypes = full_table(
    "custom_object_types", "/custom_object_type/", "custom_object_type", paged=False
)


class CustomActivityTypesStream(_CustomActivityTypes):  # type: ignore[valid-type,misc]
    """`/custom_activity/`: the types the tap already read to type the activities' custom
    fields (one request a run, not two)."""

    def get_records(self, context: Context | None) -> Iterable[dict]:
        yield from copy.deepcopy(self._tap.custom_activity_types)  # type: ignore[attr-defined]


class CustomObjectTypesStream(_CustomObjectTypes):  # type: ignore[valid-type,misc]
    """`/custom_object_type/`: the types the tap already read to type the custom objects'
    fields (one request a run, not two)."""

    def get_records(self, context: Context | None) -> Iterable[dict]:
        yield from copy.deepcopy(self._tap.custom_object_types)  # type: ignore[attr-defined]


EmailTemplatesStream = full_table("email_templates", "/email_template/", "email_template")
SmsTemplatesStream = full_table("sms_templates", "/sms_template/", "sms_template")


class SequencesStream(FullTableStream):
    """`/sequence/`: sequences (workflows), each the parent of its subscriptions."""

    name = "sequences"
    path = "/sequence/"
    schema = schemas.load("sequence")
    page_size = 1000

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        return {"sequence_id": record["id"]}


# Without `type`/`type__in` Close lists lead Smart Views only: ask for every documented type.
SMART_VIEW_TYPES = "lead,contact,opportunity,call,email,sms,meeting,note"
SmartViewsStream = full_table(
    "smart_views", "/saved_search/", "saved_search", params={"type__in": SMART_VIEW_TYPES}
)
ConnectedAccountsStream = full_table(
    "connected_accounts", "/connected_account/", "connected_account", paged=False
)
SendAsStream = full_table(
    "send_as",
    "/send_as/",
    "send_as",
    paged=False,
    doc="`/send_as/`: the associations where the API key's user allows others to send as them "
    "(Close's default, `allowing_user_id` = you).",
)
DialerSessionsStream = full_table("dialer_sessions", "/dialer/", "dialer")
IntegrationLinksStream = full_table(
    "integration_links", "/integration_link/", "integration_link", paged=False
)
OutcomesStream = full_table("outcomes", "/outcome/", "outcome")
PhoneNumbersStream = full_table("phone_numbers", "/phone_number/", "phone_number")
EmailBulkActionsStream = full_table("email_bulk_actions", "/bulk_action/email/", "email_bulk_action")
EditBulkActionsStream = full_table("edit_bulk_actions", "/bulk_action/edit/", "edit_bulk_action")
DeleteBulkActionsStream = full_table("delete_bulk_actions", "/bulk_action/delete/", "delete_bulk_action")
SequenceSubscriptionBulkActionsStream = full_table(
    "sequence_subscription_bulk_actions",
    "/bulk_action/sequence_subscription/",
    "sequence_subscription_bulk_action",
)


class SequenceSubscriptionsStream(FullTableStream):
    """`/sequence_subscription/?sequence_id=`: Close needs a sequence, contact or lead id."""

    name = "sequence_subscriptions"
    path = "/sequence_subscription/"
    parent_stream_type = SequencesStream
    schema = schemas.load("sequence_subscription")
    state_partitioning_keys: t.ClassVar[tuple[str, ...]] = ()

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params = super().get_url_params(context, next_page_token)
        return {"sequence_id": context["sequence_id"], **params} if context else params


FULL_TABLE_STREAMS: tuple[type[FullTableStream], ...] = (
    UsersStream,
    RolesStream,
    GroupsStream,
    LeadStatusesStream,
    OpportunityStatusesStream,
    PipelinesStream,
    CustomFieldsStream,
    ContactCustomFieldsStream,
    OpportunityCustomFieldsStream,
    ActivityCustomFieldsStream,
    SharedCustomFieldsStream,
    CustomObjectCustomFieldsStream,
    CustomActivityTypesStream,
    CustomObjectTypesStream,
    EmailTemplatesStream,
    SmsTemplatesStream,
    SequencesStream,
    SequenceSubscriptionsStream,
    SmartViewsStream,
    ConnectedAccountsStream,
    SendAsStream,
    DialerSessionsStream,
    IntegrationLinksStream,
    OutcomesStream,
    PhoneNumbersStream,
    EmailBulkActionsStream,
    EditBulkActionsStream,
    DeleteBulkActionsStream,
    SequenceSubscriptionBulkActionsStream,
)


class CustomFieldSchema(FullTableStream):
    """`/custom_field_schema/<object type>/`: an object type's regular and shared custom fields
    (`{"fields": [...]}`), read before the streams are built to type their `custom.cf_*`."""

    name = "custom_field_schema"
    records_key = "fields"
    paged = False
    resumable_pages = False  # read whole at discovery, never part of the state
    schema = schemas.load("custom_field")

    def __init__(self, *args: t.Any, object_type: str, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.object_type = object_type

    @property
    def path(self) -> str:  # type: ignore[override]
        return f"/custom_field_schema/{self.object_type}/"


class CustomActivityTypeDefinitions(_CustomActivityTypes):  # type: ignore[valid-type,misc]
    """`/custom_activity/` read at discovery for the activity types' custom fields."""

    name = "custom_activity_type_definitions"
    resumable_pages = False


class CustomObjectTypeDefinitions(_CustomObjectTypes):  # type: ignore[valid-type,misc]
    """`/custom_object_type/` read at discovery for the custom object types' fields."""

    name = "custom_object_type_definitions"
    resumable_pages = False
