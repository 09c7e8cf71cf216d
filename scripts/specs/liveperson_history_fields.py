"""LivePerson history resources (conversations, chats): the field table's largest part.

Type codes and conventions: see `liveperson_fields.py`.
"""

from __future__ import annotations

import typing as t

from specs.liveperson_codes import BOOL, INT, JSON, LPT, MS, NUM, STR

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
