"""Account configuration streams (users, skills, agent groups, agent status reasons, campaigns).

One GET each returns the whole list as a bare JSON array (no paging); `v` is required and
`include_deleted` defaults to false, so deleted items are asked for explicitly: rows that
conversations still reference (a deleted skill, a departed agent) must stay joinable.
Without `select`, the Users API answers only `id,pid,deleted,loginName` and the Skills API
`id,deleted,name` (their documented defaults): `select=$all` asks for every field.
"""

from __future__ import annotations

import typing as t

from tap_liveperson.client import LivePersonStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: Conversations with no skill carry latestSkillId -1 ("Unassigned"); no skill row has it.
UNASSIGNED_SKILL_ID = -1
#: YOGA/gdata selector for every field of the entity.
SELECT_ALL = "$all"


class AccountConfigStream(LivePersonStream):
    """A full-table list on the `accountConfigReadOnly` host."""

    service = "accountConfigReadOnly"
    primary_keys = ("id",)
    replication_key = None
    #: The `v` API version this stream is written against (None: the API takes none).
    api_version: t.ClassVar[str | None] = None
    #: Whether the API trims the answer to a default field list unless told `select`.
    select_all: t.ClassVar[bool] = True

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        params: dict[str, t.Any] = {"v": self.api_version, "include_deleted": "true"}
        if self.select_all:
            params["select"] = SELECT_ALL
        return params


class UsersStream(AccountConfigStream):
    name = "users"
    path = "/api/account/{account_id}/configuration/le-users/users"
    api_version = "6.0"


class SkillsStream(AccountConfigStream):
    name = "skills"
    path = "/api/account/{account_id}/configuration/le-users/skills"
    api_version = "4.0"


class AgentGroupsStream(AccountConfigStream):
    name = "agent_groups"
    path = "/api/account/{account_id}/configuration/le-users/agentGroups"
    api_version = "2.0"


class AgentStatusStream(AccountConfigStream):
    """Agent status reasons (the singer-io tap's agent_status): the Away reasons agents pick."""

    name = "agent_status"
    path = "/api/account/{account_id}/configuration/le-agents/status-reasons"
    select_all = False


class CampaignsStream(AccountConfigStream):
    """Campaigns: no developer-center page; production clients name each field (`fields=`)."""

    name = "campaigns"
    path = "/api/account/{account_id}/configuration/le-campaigns/campaigns"
    api_version = "3.4"
    select_all = False

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        fields = [name for name in self.schema["properties"] if not name.startswith("_sdc")]
        return {**super().get_url_params(context, next_page_token), "fields": fields}
