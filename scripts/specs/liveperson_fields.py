"""LivePerson response fields, transcribed from the developer-center docs.

LivePerson publishes no machine-readable spec; its reference is the developer-center
(repository LivePersonInc/developer-center, published at developers.liveperson.com). This
table is what `scripts/specs/liveperson.py` turns into the simulator's resource schemas and
the tap's stream schemas. Review it against the pages named in `PAGES`: each resource names
its page, each field is as the page's response table and example body give it.

Type codes:

    "string" "integer" "number" "boolean"   JSON types ("alphanumeric" is a string,
                                            "long"/"int"/"numeric" an integer, "double" a number)
    "epoch_ms"      integer, epoch milliseconds (the API's `...L` twins of time strings)
    "lp_time"       string, LivePerson's own time format 'yyyy-MM-dd HH:mm:ss.SSS+0000' (UTC);
                    not RFC 3339, so not declared date-time ("undefined" while a time is unset)
    "account_time"  string 'yyyy-MM-dd HH:mm:ss' in the account's time zone (no offset)
    "json"          free-form object: the docs give no fields, or give them inconsistently
    {name: spec}    object with these fields
    [spec]          array of spec
    (spec, note)    spec with a note (kept as the property's description)

Where a table and the example body disagree, the field is declared so that both hold
(both spellings, or the type that keeps both values); the note says which is which.
"""

from __future__ import annotations

import typing as t

from specs.liveperson_codes import BOOL, INT, LOCAL, NUM, STR
from specs.liveperson_history_fields import CONVERSATION, ENGAGEMENT

#: Doc page (published permalink, and its file in LivePersonInc/developer-center) per source.
PAGES = {
    "conversations": (
        "messaging-interactions-api-methods-conversations.html",
        "pages/documents/HistoricalData/MessagingInteractionsAPI/methods/conversations.md",
    ),
    "engagement_attributes": (
        "messaging-interactions-api-engagement-attributes.html",
        "pages/documents/HistoricalData/MessagingInteractionsAPI/appendix.md",
    ),
    "engagement_history": (
        "engagement-history-api-methods.html",
        "pages/documents/HistoricalData/EngagementHistoryAPI/methods/retrieve-engagement-list-by-criteria.md",
    ),
    "users": ("users-api-appendix.html", "pages/documents/admin/users/Appendix/appendix.md"),
    "skills": ("skills-api-appendix.html", "pages/documents/admin/skills/Appendix/appendix.md"),
    "agent_groups": (
        "agent-groups-api-appendix.html",
        "pages/documents/admin/agent-groups/Appendix/appendix.md",
    ),
    "agent_status": (
        "agent-status-reason-api-methods-agent-status-list.html",
        "pages/documents/account-configuration/agent-status-reason/statusreasonlist.md",
    ),
    "queue_health": (
        "operational-realtime-api-methods-queue-health.html",
        "pages/documents/data/operational-realtime/methods/queue-health.md",
    ),
    "messaging_queue_health": (
        "messaging-operations-api-methods-messaging-queue-health.html",
        "pages/documents/data/messaging-operations/methods/messaging-queue-health.md",
    ),
    "agent_activity": (
        "data-operational-realtime-agent-activity.html",
        "pages/documents/data/operational-realtime/methods/agent-activity.md",
    ),
    # The Campaigns API has no developer-center page: these are the fields production
    # clients ask for by name (`?v=3.4&fields=id&fields=name&...`).
    "campaigns": ("(undocumented; fields as production clients request them)", ""),
}

# -- account configuration --------------------------------------------------------------

AGENT_GROUP_LINK = {"agentGroupId": INT, "assignmentDate": LOCAL}

USER: dict[str, t.Any] = {
    "id": INT,
    "pid": STR,
    "deleted": BOOL,
    "loginName": STR,
    "fullName": STR,
    "nickname": STR,
    "isEnabled": BOOL,
    "maxChats": INT,
    "skillIds": [INT],
    "email": STR,
    # The table says an array of {agentGroupId, assignmentDate}; the example body an object.
    "memberOf": AGENT_GROUP_LINK,
    "managerOf": [AGENT_GROUP_LINK],
    "changePwdNextLogin": BOOL,
    "lastPwdChangeDate": LOCAL,
    "dateUpdated": LOCAL,
    "permissionGroups": [INT],
    "pictureId": STR,
    "pictureUrl": STR,
    "disabledManually": BOOL,
    "description": STR,
    "mobileNumber": STR,
    "employeeId": STR,
    "backgndImgUri": STR,
    "pnCertName": STR,
    "maxAsyncChats": (INT, "null: the account's default"),
    "profileIds": [INT],
    "isApiUser": BOOL,
    "userType": (INT, "0 system, 1 human, 2 bot"),
    "userTypeId": (INT, "userType as the example body names it"),
    "allowedAppKeys": STR,
    "lobIds": [INT],
}

#: Entity-structure fields the Users API only accepts in requests (passwords): never in a
#: response, so neither in the resource schema nor in the stream.
USER_REQUEST_ONLY = ("passwordSh", "oldPassword", "confirmPassword")

SKILL: dict[str, t.Any] = {
    "id": INT,
    "deleted": BOOL,
    "name": STR,
    "description": STR,
    "skillOrder": INT,
    "maxWaitTime": INT,
    "defaultPostChatSurveyId": STR,
    "defaultOnlineSurveyId": STR,
    "defaultAgentSurveyId": STR,
    "dateUpdated": LOCAL,
    "skillRoutingConfiguration": [{"agentGroupId": INT, "priority": INT, "splitPercentage": INT}],
    "wrapUpTime": INT,
    "slaDefaultResponseTime": INT,
    "slaUrgentResponseTime": INT,
    "slaFirstTimeResponseTime": INT,
    "lobIds": [INT],
    "canTransfer": BOOL,
    "skillTransferList": ([INT], "null: may transfer to every skill"),
    "workingHoursId": INT,
    "specialOccasionId": INT,
    "postConversationSurveyAppInstallAssociationId": STR,
}

AGENT_GROUP: dict[str, t.Any] = {
    "id": INT,
    "deleted": BOOL,
    "name": STR,
    "parentGroupId": (INT, "null only for the root group"),
    "isEnabled": BOOL,
    "description": STR,
    "dateUpdated": LOCAL,
}

AGENT_STATUS: dict[str, t.Any] = {
    "id": INT,
    "text": STR,
    "state": (STR, "e.g. Away"),
    "enabled": BOOL,
    "deleted": BOOL,
}

CAMPAIGN: dict[str, t.Any] = {
    "id": INT,
    "name": STR,
    "description": STR,
    "startDate": STR,
    "expirationDate": STR,
    "goalId": INT,
    "lobId": INT,
    "status": STR,
    "isDeleted": BOOL,
    "priority": NUM,
    "engagementIds": [INT],
    "weight": NUM,
    "timeZone": STR,
    "startDateTimeZoneOffset": INT,
    "expirationDateTimeZoneOffset": INT,
    "startTimeInMinutes": INT,
    "expirationTimeInMinutes": INT,
    "type": STR,
}

# -- operational real-time ----------------------------------------------------------------

QUEUE_HEALTH_METRICS: dict[str, t.Any] = {
    "totalTimeToAnswer": (INT, "seconds"),
    "enteredQEng": INT,
    "avgTimeToAnswer": (INT, "seconds"),
    "abandonmentRate": NUM,
    "abandonedEng": INT,
    "connectedEng": INT,
    "totalTimeToAbandon": INT,
    "avgTimeToAbandon": INT,
    "maxQueueSize": (INT, "-1: no data"),
    "minQueueSize": INT,
    "averageQueueSize": NUM,
    "maxAvailableSlots": INT,
    "minAvailableSlots": INT,
    "averageAvailableSlots": NUM,
    "currentQueueState": (INT, "current queue size, as the table names it"),
    "currentQueueSize": (INT, "current queue size, as the example bodies name it"),
    "currentAvailableSlots": INT,
    "queueSizeSum": INT,
    "queueSizeCount": INT,
    "availableSlotsSum": INT,
    "availableSlotsCount": INT,
}

MESSAGING_QUEUE_HEALTH_METRICS: dict[str, t.Any] = {
    name: NUM
    for name in (
        "unassignedConversations",
        "actionableConversations",
        "notActionableConversations",
        "actionableAndManualSla",
        "actionableAndDuringTransfer",
        "actionableAndConsumerLastMessage",
        "notActionableDuringTransfer",
        "notActionableAndManualSla",
        "unassignedConversationsAndFirstTimeConsumer",
    )
}

STATE_TIMES = {
    "total": (INT, "seconds"),
    "chatting": INT,
    "notChatting": INT,
    "chattingInMaxConcurrency": INT,
}

#: One entry of an agent's list in `agentsMetrics.metricsPerAgent`.
AGENT_STATE: dict[str, t.Any] = {
    "id": (INT, "-1 logged in, 2 online, 3 back soon, 4 away"),
    "name": STR,
    "value": STATE_TIMES,
    "reasons": [{"id": (STR, "away reason id"), "value": STATE_TIMES}],
}

#: Resource name -> (page key, fields).
RESOURCES: dict[str, tuple[str, dict[str, t.Any]]] = {
    "conversation": ("conversations", CONVERSATION),
    "engagement": ("engagement_history", ENGAGEMENT),
    "user": ("users", USER),
    "skill": ("skills", SKILL),
    "agent_group": ("agent_groups", AGENT_GROUP),
    "agent_status": ("agent_status", AGENT_STATUS),
    "campaign": ("campaigns", CAMPAIGN),
    "queue_health_metrics": ("queue_health", QUEUE_HEALTH_METRICS),
    "messaging_queue_health_metrics": ("messaging_queue_health", MESSAGING_QUEUE_HEALTH_METRICS),
    "agent_state": ("agent_activity", AGENT_STATE),
}

#: Documented fields a stream does not declare, and why (a coverage test holds the same list).
EXCLUDED: dict[tuple[str, str], str] = {
    ("conversation", "campaign.LocationId"): "the table's capitalisation; the example body sends locationId",
    (
        "conversation",
        "campaign.LocationName",
    ): "the table's capitalisation; the example body sends locationName",
}
