"""Account configuration streams (users, skills, agent groups, campaigns).

One GET each returns the whole list as a bare JSON array (no paging); `v` is required and
`include_deleted` defaults to false, so deleted items are asked for explicitly: rows that
conversations still reference (a deleted skill, a departed agent) must stay joinable.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_liveperson.client import LivePersonStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record

#: Conversations with no skill carry latestSkillId -1 ("Unassigned"); no skill row has it.
UNASSIGNED_SKILL_ID = -1

_ID_LIST = th.ArrayType(th.IntegerType)


def _as_int(value: t.Any) -> t.Any:
    # Ids are longs, though some accounts' examples quote them.
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value


class AccountConfigStream(LivePersonStream):
    """A full-table list on the `accountConfigReadOnly` host."""

    service = "accountConfigReadOnly"
    primary_keys = ("id",)
    replication_key = None
    #: The `v` API version this stream is written against.
    api_version: t.ClassVar[str] = ""

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"v": self.api_version, "include_deleted": "true"}

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        row["id"] = _as_int(row.get("id"))
        return row


class UsersStream(AccountConfigStream):
    name = "users"
    path = "/api/account/{account_id}/configuration/le-users/users"
    api_version = "6.0"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("deleted", th.BooleanType),
        th.Property("loginName", th.StringType),
        th.Property("fullName", th.StringType),
        th.Property("nickname", th.StringType),
        th.Property("email", th.StringType),
        th.Property("isEnabled", th.BooleanType),
        th.Property("maxChats", th.IntegerType),
        th.Property("maxAsyncChats", th.IntegerType),
        th.Property("skillIds", _ID_LIST),
        th.Property("profileIds", _ID_LIST),
        th.Property("lobIds", _ID_LIST),
        th.Property(
            "memberOf",
            th.ObjectType(
                th.Property("agentGroupId", th.IntegerType),
                th.Property("assignmentDate", th.StringType),
            ),
        ),
        th.Property(
            "managerOf",
            th.ArrayType(
                th.ObjectType(
                    th.Property("agentGroupId", th.IntegerType),
                    th.Property("assignmentDate", th.StringType),
                )
            ),
        ),
        th.Property("userTypeId", th.IntegerType),
        th.Property("isApiUser", th.BooleanType),
        th.Property("employeeId", th.StringType),
        th.Property("dateUpdated", th.StringType, description="Account time zone, 'YYYY-MM-DD HH:MM:SS'"),
        th.Property("lastPwdChangeDate", th.StringType),
    ).to_dict()


class SkillsStream(AccountConfigStream):
    """Skills; parent of messaging_interactions (one partition per skill, plus Unassigned)."""

    name = "skills"
    path = "/api/account/{account_id}/configuration/le-users/skills"
    api_version = "4.0"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("deleted", th.BooleanType),
        th.Property("skillOrder", th.IntegerType),
        th.Property("maxWaitTime", th.IntegerType),
        th.Property("canTransfer", th.BooleanType),
        th.Property("skillTransferList", _ID_LIST),
        th.Property("lobIds", _ID_LIST),
        th.Property("dateUpdated", th.StringType),
    ).to_dict()

    _unassigned_partition_sent = False

    def generate_child_contexts(self, record: Record, context: Context | None) -> t.Iterable[Context | None]:
        # Conversations nobody routed have skill -1, which no skill row carries: add that
        # partition once, with the first skill, or those conversations are never read.
        if not self._unassigned_partition_sent:
            self._unassigned_partition_sent = True
            yield {"skill_id": UNASSIGNED_SKILL_ID}
        yield {"skill_id": record["id"]}

    def get_records(self, context: Context | None) -> t.Iterable[Record]:
        yield from super().get_records(context)
        if not self._unassigned_partition_sent:
            # An account without skills still has unassigned conversations.
            self._unassigned_partition_sent = True
            self._sync_children({"skill_id": UNASSIGNED_SKILL_ID})


class AgentGroupsStream(AccountConfigStream):
    name = "agent_groups"
    path = "/api/account/{account_id}/configuration/le-users/agentGroups"
    api_version = "2.0"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("parentGroupId", th.IntegerType),
        th.Property("isEnabled", th.BooleanType),
        th.Property("deleted", th.BooleanType),
        th.Property("dateUpdated", th.StringType),
    ).to_dict()


class CampaignsStream(AccountConfigStream):
    name = "campaigns"
    path = "/api/account/{account_id}/configuration/le-campaigns/campaigns"
    api_version = "3.4"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("name", th.StringType),
        th.Property("description", th.StringType),
        th.Property("startDate", th.StringType),
        th.Property("expirationDate", th.StringType),
        th.Property("goalId", th.IntegerType),
        th.Property("lobId", th.IntegerType),
        th.Property("status", th.StringType),
        th.Property("isDeleted", th.BooleanType),
        th.Property("priority", th.IntegerType),
        th.Property("engagementIds", _ID_LIST),
    ).to_dict()
