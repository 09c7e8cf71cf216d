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

STR, INT, NUM, BOOL = "string", "integer", "number", "boolean"
MS, LPT, LOCAL, JSON = "epoch_ms", "lp_time", "account_time", "json"

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

# -- messaging interactions (conversations) --------------------------------------------

CONTEXT_DATA = {
    "rawMetadata": (STR, "Context metadata as a JSON string"),
    "structuredMetadata": [
        {
            "botResponse": {
                "externalConversationId": STR,
                "businessCases": [STR],
                "intents": [{"id": STR, "name": STR, "confidence": STR, "confidenceScore": NUM}],
            },
            "actionReason": {"reason": STR},
        }
    ],
}

SDE_TYPES = (
    "customerInfo",
    "personalInfo",
    "marketingCampaignInfo",
    "lead",
    "purchase",
    "viewedProduct",
    "cartStatus",
    "serviceActivity",
    "visitorError",
    "searchContent",
)

#: One engagement attribute (SDE) event. The appendix tables and its examples disagree on
#: how each type nests (`customerInfo.customerInfo.customerId` vs flat), so each type's
#: body is kept as JSON.
SDE_EVENT: dict[str, t.Any] = {
    "sdeType": (STR, "e.g. CUSTOMER_INFO, PERSONAL_INFO"),
    "serverTimeStamp": MS,
    "originalTimeStamp": MS,
    "isAuthenticated": BOOL,
    **{name: JSON for name in SDE_TYPES},
}

PARTICIPANT_CONSUMER = {
    "participantId": STR,
    "time": LPT,
    "timeL": MS,
    "joinTime": LPT,
    "joinTimeL": MS,
    "firstName": STR,
    "lastName": STR,
    "phone": STR,
    "email": STR,
    "token": STR,
    "dialogId": STR,
    "avatarURL": (STR, "in the example body"),
    "consumerName": (STR, "in the example body"),
}

MESSAGE_SCORE = {"messageId": STR, "time": LPT, "timeL": MS, "mcs": INT, "messageRawScore": INT}

CONVERSATION: dict[str, t.Any] = {
    "info": {
        "conversationId": STR,
        "brandId": STR,
        "status": (STR, "OPEN or CLOSE"),
        "fullDialogStatus": (STR, "in the example body"),
        "startTime": LPT,
        "startTimeL": MS,
        "endTime": (LPT, "'undefined' while the conversation is open"),
        "endTimeL": (MS, "-1 while the conversation is open"),
        "duration": (INT, "milliseconds; for open conversations, until the data was retrieved"),
        "closeReason": STR,
        "closeReasonDescription": STR,
        "firstConversation": BOOL,
        "csat": (INT, "1-5 (table)"),
        "csatRate": (NUM, "CSAT as the example body names it"),
        "mcs": INT,
        "alertedMCS": (INT, "-1, 0 or 1"),
        "source": STR,
        "device": STR,
        "deviceModel": STR,
        "latestSkillId": (INT, "-1 = Unassigned"),
        "latestSkillName": STR,
        # The table says long; the example quotes it and agent ids may be UUIDs (agentIds filter).
        "latestAgentId": (STR, "agent id (quoted in the example body)"),
        "latestAgentLoginName": STR,
        "latestAgentNickname": STR,
        "latestAgentFullName": STR,
        "agentDeleted": BOOL,
        "latestAgentGroupId": INT,
        "latestAgentGroupName": STR,
        "browser": STR,
        "browserVersion": STR,
        "operatingSystem": STR,
        "operatingSystemVersion": STR,
        "latestQueueState": (STR, "IN_QUEUE or ACTIVE"),
        "isPartial": (BOOL, "true: incomplete; the full record comes from the conversation-by-id method"),
        "sessionId": STR,
        "interactionContextId": STR,
        "timeZone": STR,
        "features": [STR],
        "language": STR,
        "integration": STR,
        "integrationVersion": STR,
        "appId": STR,
        "appVersion": STR,
        "ipAddress": STR,
        "isTruncated": BOOL,
    },
    "campaign": {
        "campaignEngagementId": INT,
        "campaignEngagementName": STR,
        "campaignId": INT,
        "campaignName": STR,
        "goalId": INT,
        "goalName": STR,
        "engagementAgentNote": STR,
        "engagementSource": STR,
        "visitorBehaviorId": INT,
        "visitorBehaviorName": STR,
        "engagementApplicationId": STR,
        "engagementApplicationName": STR,
        "engagementApplicationTypeId": STR,
        "engagementApplicationTypeName": STR,
        "visitorProfileId": INT,
        "visitorProfileName": STR,
        "lobId": INT,
        "lobName": STR,
        # The table capitalises LocationId/LocationName; the example body does not.
        "LocationId": INT,
        "LocationName": STR,
        "locationId": INT,
        "locationName": STR,
        "behaviorSystemDefault": BOOL,
        "profileSystemDefault": BOOL,
    },
    "monitoring": {
        "country": STR,
        "countryCode": STR,
        "state": STR,
        "city": STR,
        "isp": STR,
        "org": STR,
        "device": STR,
        "ipAddress": STR,
        "browser": STR,
        "operatingSystem": STR,
        "conversationStartPage": STR,
        "conversationStartPageTitle": STR,
    },
    "messageRecords": [
        {
            "time": LPT,
            "timeL": MS,
            "type": STR,
            "messageData": {
                "msg": {"text": STR},
                "file": {"relativePath": STR, "fileType": STR, "caption": STR},
                "link": {"externalFileLink": STR, "fileType": STR},
                "richContent": {"content": (STR, "rich content as a JSON string")},
                "quickReplies": {"content": (STR, "quick replies as a JSON string")},
            },
            "messageId": STR,
            "seq": (INT, "not continuous"),
            "dialogId": STR,
            "participantId": STR,
            "source": STR,
            "device": STR,
            "sentBy": STR,
            "contextData": CONTEXT_DATA,
        }
    ],
    "messageStatuses": [
        {
            "messageId": STR,
            "seq": (INT, "in the example body"),
            "time": LPT,
            "timeL": MS,
            "messageDeliveryStatus": STR,
            "dialogId": STR,
            "participantId": STR,
            "participantType": STR,
        }
    ],
    "agentParticipants": [
        {
            "agentId": STR,
            "agentLoginName": STR,
            "agentNickname": STR,
            "agentFullName": STR,
            "agentDeleted": BOOL,
            "time": LPT,
            "timeL": MS,
            "role": STR,
            "userType": (STR, "0 system, 1 human, 2 bot"),
            "userTypeName": STR,
            "agentGroupId": INT,
            "agentGroupName": STR,
            "permission": STR,
            "contextData": CONTEXT_DATA,
            "dialogId": STR,
        }
    ],
    # The table names it consumerParticipants, the example body consumerParticipant.
    "consumerParticipants": [PARTICIPANT_CONSUMER],
    "consumerParticipant": [PARTICIPANT_CONSUMER],
    "transfers": [
        {
            "time": LPT,
            "timeL": MS,
            "assignedAgentId": STR,
            "assignedAgentLoginName": STR,
            "assignedAgentNickname": STR,
            "assignedAgentFullName": STR,
            "targetSkillId": INT,
            "targetSkillName": STR,
            "sourceSkillId": INT,
            "sourceSkillName": STR,
            "sourceAgentId": STR,
            "sourceAgentLoginName": STR,
            "sourceAgentNickname": STR,
            "sourceAgentFullName": STR,
            "reason": (STR, "back2Q, Agent, Skill, TakeOver"),
            "by": (STR, "in the example body"),
            "contextData": CONTEXT_DATA,
            "dialogId": STR,
        }
    ],
    "interactions": [
        {
            "assignedAgentId": STR,
            "agentLoginName": STR,
            "agentNickname": STR,
            "agentFullName": STR,
            # The example body names these assignedAgent...
            "assignedAgentLoginName": STR,
            "assignedAgentNickname": STR,
            "assignedAgentFullName": STR,
            "interactionTime": LPT,
            "interactionTimeL": MS,
            "interactiveSequence": INT,
            "dialogId": STR,
        }
    ],
    # The table and example name it messageScore, contentToRetrieve messageScores.
    "messageScores": [MESSAGE_SCORE],
    "messageScore": [MESSAGE_SCORE],
    "conversationSurveys": [
        {
            "surveyType": STR,
            "surveyStatus": STR,
            "dialogId": STR,
            "surveyData": [{"question": STR, "answer": STR}],
        }
    ],
    "coBrowseSessions": {
        "coBrowseSessionsList": [
            {
                "sessionId": STR,
                "startTime": LPT,
                "startTimeL": MS,
                "endTime": LPT,
                "endTimeL": MS,
                "interactiveTime": LPT,
                "interactiveTimeL": MS,
                "isInteractive": BOOL,
                "interactive": (BOOL, "isInteractive as the example body names it"),
                "endReason": STR,
                "duration": (INT, "milliseconds"),
                "type": (STR, "inApp or web"),
                "capabilities": [STR],
                "agentId": STR,
            }
        ]
    },
    "summary": {"text": STR, "lastUpdatedTime": MS},
    "sdes": {"events": [SDE_EVENT]},
    "unAuthSdes": ({"events": [SDE_EVENT]}, "unauthenticated engagement attributes (v=2)"),
    "responseTime": {
        "latestEffectiveResponseDueTime": (MS, "-1: waiting for the consumer"),
        "configuredResponseTime": INT,
    },
    "dialogs": [
        {
            "dialogId": STR,
            "status": STR,
            "dialogType": (STR, "MAIN or POST_SURVEY"),
            "dialogChannelType": STR,
            "startTime": LPT,
            "startTimeL": MS,
            "endTime": LPT,
            "endTimeL": MS,
            "closeReason": STR,
            "closeReasonDescription": STR,
            "skillId": (INT, "the table says string, the example body a number"),
            "skillName": STR,
        }
    ],
}

# -- engagement history (chat) ----------------------------------------------------------

CHAT_SURVEY = {
    "scope": STR,
    "source": STR,
    "displayName": STR,
    "value": STR,
    "values": ([STR], "in the example body"),
    "name": STR,
    "time": LPT,
    "timeL": MS,
    "questionId": INT,
    "questionID": (INT, "questionId as the example body names it"),
    "surveyId": INT,
    "surveyID": (INT, "surveyId as the example body names it"),
    "answersId": ([INT], "0 no answer, -1 free text, -2 invalid"),
}

PREDICTION = {"predictionId": STR, "predictionLabel": STR, "confidenceScore": NUM}

ENGAGEMENT: dict[str, t.Any] = {
    "info": {
        "isInteractive": BOOL,
        "interactive": (BOOL, "in the example body"),
        "engagementId": (STR, "account id + chat id"),
        "sharkEngagementId": STR,
        "accountId": (STR, "in the example body"),
        "chatRequestedTime": LPT,
        "chatRequestedTimeL": MS,
        "startTime": LPT,
        "startTimeL": MS,
        "endTime": LPT,
        "endTimeL": MS,
        "duration": (INT, "seconds"),
        "visitorId": STR,
        "visitorName": STR,
        "agentId": INT,
        "agentName": (STR, "in the example body"),
        "agentNickName": STR,
        "agentLoginName": STR,
        "agentFullname": (STR, "as the table spells it"),
        "agentFullName": (STR, "as the example body spells it"),
        "agentDeleted": BOOL,
        "agentGroupId": INT,
        "agentGroupName": STR,
        "skillId": INT,
        "skillName": STR,
        "isAgentSurvey": BOOL,
        "isPostChatSurvey": BOOL,
        "isPreChatSurvey": BOOL,
        "channel": INT,
        "engagementSet": INT,
        "engagementSequence": INT,
        "startReason": (INT, "quoted in the example body"),
        "startReasonDesc": STR,
        "endReason": (INT, "quoted in the example body"),
        "endReasonDesc": STR,
        "mcs": (INT, "deprecated: alertedMCS"),
        "alertedMCS": INT,
        "chatMCS": INT,
        "isChatDataEnriched": BOOL,
        "chatDataEnriched": (BOOL, "in the example body"),
        "isPartial": (BOOL, "true: incomplete; search again by engagementId for the full chat"),
        "isEnded": BOOL,
        "ended": (BOOL, "in the example body"),
        "chatStartUrl": STR,
        "chatStartPage": STR,
    },
    "transcript": {
        "lines": [
            {
                "time": LPT,
                "timeL": MS,
                "textType": (STR, "plain, html, url, rich-content"),
                "text": STR,
                "json": (JSON, "rich-content payload"),
                "by": STR,
                "source": (STR, "visitor, agent, system"),
                "lineSeq": STR,
                "subType": STR,
                "cannedAnswerType": INT,
                "agentId": INT,
                "controlType": (INT, "in the example body"),
            }
        ]
    },
    "campaign": {
        "campaignEngagementId": INT,
        "campaignEngagementName": STR,
        "campaignId": INT,
        "campaignName": STR,
        "goalId": INT,
        "goalName": STR,
        "engagementAgentNote": STR,
        "visitorBehaviorId": INT,
        "visitorBehaviorName": STR,
        "visitorProfileId": INT,
        "visitorProfileName": STR,
        "lobId": (STR, "alphanumeric in the table"),
        "lobName": STR,
    },
    "lineScores": [{"lineSeq": STR, "lineRawScore": INT, "mcs": INT}],
    "visitorInfo": {
        "country": STR,
        "countryCode": STR,
        "state": STR,
        "city": STR,
        "isp": STR,
        "org": STR,
        "device": STR,
        "ipAddress": STR,
        "browser": STR,
        "operatingSystem": STR,
        "browserType": STR,
    },
    "coBrowseSessions": {
        "coBrowseSessionsList": [
            {
                "sessionId": STR,
                "startTime": LPT,
                "startTimeL": MS,
                "endTime": LPT,
                "endTimeL": MS,
                "interactiveTime": LPT,
                "interactiveTimeL": MS,
                "endReason": STR,
                "duration": (INT, "milliseconds"),
                "isInteractive": BOOL,
                "interactive": (BOOL, "isInteractive as the example body names it"),
            }
        ]
    },
    "surveys": {"preChat": [CHAT_SURVEY], "postChat": [CHAT_SURVEY], "operator": [CHAT_SURVEY]},
    # The table lists the prediction flat; the example body nests it in topPrediction.
    "predictions": [{"lineSeq": STR, **PREDICTION, "topPrediction": PREDICTION}],
    "sdes": {"events": [{**SDE_EVENT, "viewProduct": JSON, "formFillingError": JSON}]},
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
